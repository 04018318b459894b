//! Every query on roles.

use chrono::{SubsecRound, Utc};
use sea_orm::sea_query::{
    Alias, DeleteStatement, Expr, ExprTrait, JoinType, SelectStatement, UpdateStatement,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order,
    QueryResult,
};
use serde_json::{json, Value};

use crate::domain::RoleType;
use crate::entity::positional::FromRowAt;
use crate::entity::{cluster, prp_role, response_plan, workspace};

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
        role: Set(role),
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
        .value(prp_role::Column::Role, model.role)
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

/// A role with everything needed to show its scope: the workspace of an IP role, or the
/// cluster of a cluster role with its plan and the plan's workspace.
#[derive(Clone, Debug)]
pub struct RoleBundle {
    pub role: prp_role::Model,
    pub workspace: Option<workspace::Model>,
    pub cluster: Option<cluster::Model>,
    pub plan: Option<response_plan::Model>,
    pub plan_workspace: Option<workspace::Model>,
}

/// The roles of the given users with their scopes, in one statement.
pub async fn role_bundles(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<Vec<RoleBundle>, DbErr> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let r = Alias::new("r");
    let mut q = SelectStatement::new();
    q.from_as(prp_role::Entity, r.clone());
    select_bundles(&mut q);
    q.and_where(Expr::col((r.clone(), prp_role::Column::UserId)).is_in(user_ids.iter().copied()))
        .order_by((r, prp_role::Column::Id), Order::Asc);
    let rows = db.query_all(&q).await?;
    rows.iter()
        .filter_map(|row| take_bundle(row, &mut 0).transpose())
        .collect()
}

/// Selects the columns of a role (alias `r`, already in the statement) with its scope: its
/// workspace (`w`), or its cluster (`c`) with the cluster's plan (`p`) and the plan's
/// workspace (`pw`).
pub fn select_bundles(q: &mut SelectStatement) {
    let (r, w, c, p, pw) = (
        Alias::new("r"),
        Alias::new("w"),
        Alias::new("c"),
        Alias::new("p"),
        Alias::new("pw"),
    );
    crate::db::select_prefixed::<prp_role::Entity>(q, "r", "r_");
    crate::db::select_prefixed::<workspace::Entity>(q, "w", "w_");
    crate::db::select_prefixed::<cluster::Entity>(q, "c", "c_");
    crate::db::select_prefixed::<response_plan::Entity>(q, "p", "p_");
    crate::db::select_prefixed::<workspace::Entity>(q, "pw", "pw_");
    q.join_as(
        JoinType::LeftJoin,
        workspace::Entity,
        w.clone(),
        Expr::col((w, workspace::Column::Id)).equals((r.clone(), prp_role::Column::WorkspaceId)),
    )
    .join_as(
        JoinType::LeftJoin,
        cluster::Entity,
        c.clone(),
        Expr::col((c.clone(), cluster::Column::Id)).equals((r, prp_role::Column::ClusterId)),
    );
    crate::workspaces::store::join_cluster_context(q, c, p, pw);
}

/// The role bundle whose columns (as `select_bundles` selects them) start at `*at`; None
/// when a LEFT JOIN found no role.
pub fn take_bundle(row: &QueryResult, at: &mut usize) -> Result<Option<RoleBundle>, DbErr> {
    let Some(role) = prp_role::Model::take_optional(row, at)? else {
        return Ok(None);
    };
    Ok(Some(RoleBundle {
        role,
        workspace: workspace::Model::take_optional(row, at)?,
        cluster: cluster::Model::take_optional(row, at)?,
        plan: response_plan::Model::take_optional(row, at)?,
        plan_workspace: workspace::Model::take_optional(row, at)?,
    }))
}
