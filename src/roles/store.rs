//! Every query on roles.

use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::{DeleteStatement, UpdateStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
};
use serde_json::{json, Value};

use crate::domain::RoleType;
use crate::entity::prp_role;

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<prp_role::Model>, DbErr> {
    prp_role::Entity::find_by_id(id).one(db).await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    user_id: i64,
    role: RoleType,
    workspace_id: Option<i64>,
    cluster_id: Option<i64>,
    is_active: bool,
) -> Result<prp_role::Model, DbErr> {
    let now = Utc::now();
    prp_role::ActiveModel {
        user_id: Set(user_id),
        role: Set(role.as_str().to_owned()),
        workspace_id: Set(workspace_id),
        cluster_id: Set(cluster_id),
        is_active: Set(is_active),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The statement that writes `model`'s role and activity, stamped `updated_at` now; returns
/// the model as it will be stored.
pub fn update_statement(mut model: prp_role::Model) -> (UpdateStatement, prp_role::Model) {
    // Microseconds, as both databases keep them: the returned model equals a later read.
    model.updated_at = Utc::now().trunc_subsecs(6);
    let statement = UpdateStatement::new()
        .table(prp_role::Entity)
        .value(prp_role::Column::Role, model.role.clone())
        .value(prp_role::Column::IsActive, model.is_active)
        .value(prp_role::Column::UpdatedAt, model.updated_at)
        .and_where(prp_role::Column::Id.eq(model.id))
        .to_owned();
    (statement, model)
}

/// The statement that deletes a role.
pub fn delete_statement(id: i64) -> DeleteStatement {
    DeleteStatement::new()
        .from_table(prp_role::Entity)
        .and_where(prp_role::Column::Id.eq(id))
        .to_owned()
}

/// The audit snapshot of a role.
pub fn role_json(r: &prp_role::Model) -> Value {
    json!({"id": r.id, "userId": r.user_id, "role": r.role, "workspaceId": r.workspace_id,
           "clusterId": r.cluster_id, "isActive": r.is_active})
}
