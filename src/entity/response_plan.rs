//! `response_plan`: a plan of one workspace; clusters belong to one.

use sea_orm::entity::prelude::*;

use crate::domain::ResponsePlanType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "response_plan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub workspace_id: i64,
    pub title: String,
    pub plan_type: ResponsePlanType,
    /// The plan's own label, only for type OTHER (contract 1.1 §9.13).
    pub plan_custom_type: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
