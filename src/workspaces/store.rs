//! Every query on workspaces, response plans and clusters.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{json, Value};

use crate::domain::{ClusterType, ResponsePlanType};
use crate::entity::positional::FromRowAt;
use crate::entity::{cluster, response_plan, workspace};
use crate::permissions::WorkspaceScope;

pub async fn find_workspace(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<workspace::Model>, DbErr> {
    workspace::Entity::find_by_id(id).one(db).await
}

pub async fn find_plan(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<response_plan::Model>, DbErr> {
    response_plan::Entity::find_by_id(id).one(db).await
}

pub async fn find_cluster(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<cluster::Model>, DbErr> {
    cluster::Entity::find_by_id(id).one(db).await
}

/// The workspaces in `scope`, by title.
pub async fn list_workspaces(
    db: &impl ConnectionTrait,
    scope: &WorkspaceScope,
) -> Result<Vec<workspace::Model>, DbErr> {
    let mut select = workspace::Entity::find();
    if let WorkspaceScope::Of {
        workspace_ids,
        cluster_ids,
    } = scope
    {
        let mut ids = workspace_ids.clone();
        if !cluster_ids.is_empty() {
            ids.extend(workspace_ids_of_clusters(db, cluster_ids).await?);
        }
        select = select.filter(workspace::Column::Id.is_in(ids));
    }
    select
        .order_by_asc(workspace::Column::Title)
        .order_by_asc(workspace::Column::Id)
        .all(db)
        .await
}

/// The workspaces the given clusters belong to (through their plans).
pub async fn workspace_ids_of_clusters(
    db: &impl ConnectionTrait,
    cluster_ids: &[i64],
) -> Result<Vec<i64>, DbErr> {
    let plan_ids: Vec<i64> = cluster::Entity::find()
        .filter(cluster::Column::Id.is_in(cluster_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| c.response_plan_id)
        .collect();
    Ok(response_plan::Entity::find()
        .filter(response_plan::Column::Id.is_in(plan_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.workspace_id)
        .collect())
}

pub async fn plans_of_workspaces(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<response_plan::Model>, DbErr> {
    response_plan::Entity::find()
        .filter(response_plan::Column::WorkspaceId.is_in(ids.iter().copied()))
        .order_by_asc(response_plan::Column::Id)
        .all(db)
        .await
}

pub async fn clusters_of_plans(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<cluster::Model>, DbErr> {
    cluster::Entity::find()
        .filter(cluster::Column::ResponsePlanId.is_in(ids.iter().copied()))
        .order_by_asc(cluster::Column::Id)
        .all(db)
        .await
}

/// All clusters, or only the given ones, by id.
pub async fn list_clusters(
    db: &impl ConnectionTrait,
    only: Option<&[i64]>,
) -> Result<Vec<cluster::Model>, DbErr> {
    let mut select = cluster::Entity::find();
    if let Some(ids) = only {
        select = select.filter(cluster::Column::Id.is_in(ids.iter().copied()));
    }
    select.order_by_asc(cluster::Column::Id).all(db).await
}

pub async fn insert_workspace(
    db: &impl ConnectionTrait,
    title: String,
    code: String,
    business_area_code: Option<String>,
) -> Result<workspace::Model, DbErr> {
    let now = Utc::now();
    workspace::ActiveModel {
        title: Set(title),
        workspace_code: Set(code),
        business_area_code: Set(business_area_code),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// A new response plan's fields, checked.
#[derive(Debug)]
pub struct NewPlan {
    pub workspace_id: i64,
    pub title: String,
    pub plan_type: ResponsePlanType,
    pub custom_type: Option<String>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

pub async fn insert_plan(
    db: &impl ConnectionTrait,
    plan: NewPlan,
) -> Result<response_plan::Model, DbErr> {
    response_plan::ActiveModel {
        workspace_id: Set(plan.workspace_id),
        title: Set(plan.title),
        plan_type: Set(plan.plan_type),
        plan_custom_type: Set(plan.custom_type),
        start_date: Set(plan.start),
        end_date: Set(plan.end),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn insert_cluster(
    db: &impl ConnectionTrait,
    plan_id: i64,
    cluster_type: ClusterType,
    imported_type: Option<String>,
) -> Result<cluster::Model, DbErr> {
    cluster::ActiveModel {
        response_plan_id: Set(Some(plan_id)),
        cluster_type: Set(cluster_type),
        imported_type: Set(imported_type),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// The audit snapshot of a workspace.
pub fn workspace_json(w: &workspace::Model) -> Value {
    json!({"id": w.id, "title": w.title, "workspaceCode": w.workspace_code, "businessAreaCode": w.business_area_code})
}

/// The audit snapshot of a response plan.
pub fn plan_json(p: &response_plan::Model) -> Value {
    json!({"id": p.id, "workspaceId": p.workspace_id, "title": p.title, "planType": p.plan_type,
           "planCustomType": p.plan_custom_type, "start": p.start_date, "end": p.end_date})
}

/// The audit snapshot of a cluster.
pub fn cluster_json(c: &cluster::Model) -> Value {
    json!({"id": c.id, "responsePlanId": c.response_plan_id, "type": c.cluster_type, "importedType": c.imported_type})
}

/// "<title> (<plan title> <workspace title>)", or the title alone without a plan.
pub fn cluster_full_title(
    c: &cluster::Model,
    plan: Option<&response_plan::Model>,
    workspace: Option<&workspace::Model>,
) -> String {
    let title = cluster_title(c);
    match (plan, workspace) {
        (Some(p), Some(w)) => format!("{title} ({} {})", p.title, w.title),
        (Some(p), None) => format!("{title} ({})", p.title),
        _ => title,
    }
}

/// `importedType` when set, else the type's label.
pub fn cluster_title(c: &cluster::Model) -> String {
    match &c.imported_type {
        Some(t) => t.clone(),
        None => c.cluster_type.label().to_owned(),
    }
}

/// Left-joins, to the cluster aliased `c`, its response plan as `p` and the plan's
/// workspace as `w` (the context of a cluster's full title).
pub fn join_cluster_context(q: &mut SelectStatement, c: Alias, p: Alias, w: Alias) {
    q.join_as(
        JoinType::LeftJoin,
        response_plan::Entity,
        p.clone(),
        Expr::col((p.clone(), response_plan::Column::Id))
            .equals((c, cluster::Column::ResponsePlanId)),
    )
    .join_as(
        JoinType::LeftJoin,
        workspace::Entity,
        w.clone(),
        Expr::col((w, workspace::Column::Id)).equals((p, response_plan::Column::WorkspaceId)),
    );
}

/// The human name of a role's scope read with the role: its workspace, or its cluster with
/// the cluster's plan and the plan's workspace (no database access).
pub fn read_scope_label(
    workspace: Option<&workspace::Model>,
    cluster: Option<&cluster::Model>,
    plan: Option<&response_plan::Model>,
    plan_workspace: Option<&workspace::Model>,
) -> String {
    if let Some(w) = workspace {
        return w.title.clone();
    }
    match cluster {
        Some(c) => cluster_full_title(c, plan, plan_workspace),
        None => "the Cluster portal".to_owned(),
    }
}

/// The human name of a role's scope, for notifications.
pub async fn scope_label(
    db: &impl ConnectionTrait,
    workspace_id: Option<i64>,
    cluster_id: Option<i64>,
) -> Result<String, DbErr> {
    if let Some(id) = workspace_id {
        return Ok(find_workspace(db, id)
            .await?
            .map(|w| w.title)
            .unwrap_or_else(|| "a workspace".to_owned()));
    }
    let Some(id) = cluster_id else {
        return Ok("the Cluster portal".to_owned());
    };
    // One statement: the cluster with its plan and the plan's workspace.
    let (c, p, w) = (Alias::new("c"), Alias::new("p"), Alias::new("w"));
    let mut q = SelectStatement::new();
    q.from_as(cluster::Entity, c.clone());
    crate::db::select_prefixed::<cluster::Entity>(&mut q, "c", "c_");
    crate::db::select_prefixed::<response_plan::Entity>(&mut q, "p", "p_");
    crate::db::select_prefixed::<workspace::Entity>(&mut q, "w", "w_");
    join_cluster_context(&mut q, c.clone(), p, w);
    q.and_where(Expr::col((c, cluster::Column::Id)).eq(id));
    let Some(row) = db.query_one(&q).await? else {
        return Ok("a cluster".to_owned());
    };
    let mut at = 0;
    let c = cluster::Model::take(&row, &mut at)?;
    let plan = response_plan::Model::take_optional(&row, &mut at)?;
    let workspace = workspace::Model::take_optional(&row, &mut at)?;
    Ok(cluster_full_title(&c, plan.as_ref(), workspace.as_ref()))
}
