//! `audit_event`: who changed what, with the target's JSON before and after, and whom it
//! concerns.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: i64,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    /// The user the event is about (a role's holder, or the user itself), if any.
    pub subject_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
