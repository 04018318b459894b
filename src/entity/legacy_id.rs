//! `legacy_id`: which idm row an old system's row became (`idm import-prp`), with a digest of
//! what it was mapped to when last applied and when, so that a later run updates, leaves or
//! reports instead of duplicating.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legacy_id")]
pub struct Model {
    /// `workspace`, `response_plan`, `cluster`, `partner`, `user` or `role`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity: String,
    /// The old system, `PRP`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub source: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub old_id: i64,
    pub idm_id: i64,
    /// The old row's own external reference (eTools, HPC), kept for later syncs.
    pub external_source: Option<String>,
    pub external_id: Option<String>,
    pub digest: String,
    pub synced_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
