//! `cluster`: a humanitarian cluster of a response plan; cluster roles are scoped to one.

use sea_orm::entity::prelude::*;

use crate::domain::ClusterType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cluster")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub response_plan_id: Option<i64>,
    pub cluster_type: ClusterType,
    pub imported_type: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
