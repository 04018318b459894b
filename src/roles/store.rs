//! Every query on roles.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
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

/// Writes a role's type and activity.
pub async fn update(
    db: &impl ConnectionTrait,
    model: prp_role::Model,
) -> Result<prp_role::Model, DbErr> {
    let mut active: prp_role::ActiveModel = model.clone().into();
    active.role = Set(model.role);
    active.is_active = Set(model.is_active);
    active.updated_at = Set(Utc::now());
    active.update(db).await
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), DbErr> {
    prp_role::Entity::delete_many()
        .filter(prp_role::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The audit snapshot of a role.
pub fn role_json(r: &prp_role::Model) -> Value {
    json!({"id": r.id, "userId": r.user_id, "role": r.role, "workspaceId": r.workspace_id,
           "clusterId": r.cluster_id, "isActive": r.is_active})
}
