//! GraphQL types and resolvers of workspaces, response plans and clusters.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::loader::{ClusterKey, ClustersOfPlan, PlanKey, PlansOfWorkspace, WorkspaceKey};
use super::service;
use super::store;
use crate::context::{db, loader, requester, Call};
use crate::domain::{ClusterType, ResponsePlanType};
use crate::entity::{cluster, response_plan, workspace};
use crate::error::{ApiError, UserError};
use crate::ids::{self, Kind};
use crate::permissions;
use crate::scalars::Date;

/// A country office; IP roles are scoped to one
pub struct Workspace(pub workspace::Model);

#[Object(serial)]
impl Workspace {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Workspace, self.0.id)
    }
    /// Name of the workspace
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Unique short code, 1 to 8 characters
    async fn workspace_code(&self) -> &str {
        &self.0.workspace_code
    }
    /// Business area code of the country office
    async fn business_area_code(&self) -> Option<&str> {
        self.0.business_area_code.as_deref()
    }
    /// The response plans of this workspace
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn response_plans(&self, ctx: &Context<'_>) -> Result<Vec<ResponsePlan>, ApiError> {
        let plans = loader(ctx)?.load_one(PlansOfWorkspace(self.0.id)).await?;
        Ok(plans
            .unwrap_or_default()
            .into_iter()
            .map(ResponsePlan)
            .collect())
    }
}

/// A response plan of a workspace
pub struct ResponsePlan(pub response_plan::Model);

#[Object(serial)]
impl ResponsePlan {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ResponsePlan, self.0.id)
    }
    /// Title, unique per workspace and plan type
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Kind of plan
    async fn plan_type(&self) -> ResponsePlanType {
        self.0.plan_type
    }
    /// The plan's own label when planType is OTHER
    async fn plan_custom_type(&self) -> Option<&str> {
        self.0.plan_custom_type.as_deref()
    }
    /// First day of the plan
    async fn start(&self) -> Option<Date> {
        self.0.start_date.map(Date)
    }
    /// Last day of the plan
    async fn end(&self) -> Option<Date> {
        self.0.end_date.map(Date)
    }
    /// The workspace of the plan
    async fn workspace(&self, ctx: &Context<'_>) -> Result<Workspace, ApiError> {
        loader(ctx)?
            .load_one(WorkspaceKey(self.0.workspace_id))
            .await?
            .map(Workspace)
            .ok_or_else(|| ApiError::internal(&"response plan without workspace"))
    }
    /// The clusters of the plan
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn clusters(&self, ctx: &Context<'_>) -> Result<Vec<Cluster>, ApiError> {
        let clusters = loader(ctx)?.load_one(ClustersOfPlan(self.0.id)).await?;
        Ok(clusters
            .unwrap_or_default()
            .into_iter()
            .map(Cluster::new)
            .collect())
    }
}

/// A humanitarian cluster of a response plan; cluster roles are scoped to one
pub struct Cluster(
    pub cluster::Model,
    pub Option<(Option<response_plan::Model>, Option<workspace::Model>)>,
);

impl Cluster {
    /// A cluster whose plan and workspace are loaded when asked for.
    pub fn new(model: cluster::Model) -> Self {
        Cluster(model, None)
    }

    /// A cluster with its plan and the plan's workspace already read.
    pub fn with_context(
        model: cluster::Model,
        plan: Option<response_plan::Model>,
        workspace: Option<workspace::Model>,
    ) -> Self {
        Cluster(model, Some((plan, workspace)))
    }

    /// "<title> (<plan title> <workspace title>)", or the title without a plan.
    pub async fn full_title_text(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        if let Some((plan, workspace)) = &self.1 {
            return Ok(store::cluster_full_title(
                &self.0,
                plan.as_ref(),
                workspace.as_ref(),
            ));
        }
        let loader = loader(ctx)?;
        let plan = match self.0.response_plan_id {
            Some(id) => loader.load_one(PlanKey(id)).await?,
            None => None,
        };
        let workspace = match &plan {
            Some(p) => loader.load_one(WorkspaceKey(p.workspace_id)).await?,
            None => None,
        };
        Ok(store::cluster_full_title(
            &self.0,
            plan.as_ref(),
            workspace.as_ref(),
        ))
    }
}

#[Object(serial)]
impl Cluster {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Cluster, self.0.id)
    }
    /// Sector of the cluster
    #[graphql(name = "type")]
    async fn kind(&self) -> ClusterType {
        self.0.cluster_type
    }
    /// Name of an imported sector, when the type is IMPORTED
    async fn imported_type(&self) -> Option<&str> {
        self.0.imported_type.as_deref()
    }
    /// importedType when set, else the type's label
    async fn title(&self) -> String {
        store::cluster_title(&self.0)
    }
    /// "<title> (<response plan title> <workspace title>)"
    async fn full_title(&self, ctx: &Context<'_>) -> Result<String, ApiError> {
        self.full_title_text(ctx).await
    }
    /// The response plan of the cluster
    async fn response_plan(&self, ctx: &Context<'_>) -> Result<Option<ResponsePlan>, ApiError> {
        if let Some((plan, _)) = &self.1 {
            return Ok(plan.clone().map(ResponsePlan));
        }
        let Some(plan_id) = self.0.response_plan_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(PlanKey(plan_id))
            .await?
            .map(ResponsePlan))
    }
}

/// Loads a cluster by id through the request loader.
pub async fn load_cluster(ctx: &Context<'_>, id: i64) -> Result<Option<Cluster>, ApiError> {
    Ok(loader(ctx)?
        .load_one(ClusterKey(id))
        .await?
        .map(Cluster::new))
}

/// Loads a workspace by id through the request loader.
pub async fn load_workspace(ctx: &Context<'_>, id: i64) -> Result<Option<Workspace>, ApiError> {
    Ok(loader(ctx)?
        .load_one(WorkspaceKey(id))
        .await?
        .map(Workspace))
}

#[derive(Default)]
pub struct WorkspacesQuery;

#[Object]
impl WorkspacesQuery {
    /// The workspaces the requester works in
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn workspaces(&self, ctx: &Context<'_>) -> Result<Vec<Workspace>, ApiError> {
        let r = requester(ctx)?;
        let scope = permissions::workspace_scope(&r.person);
        let rows = store::list_workspaces(db(ctx)?, &scope).await?;
        Ok(rows.into_iter().map(Workspace).collect())
    }

    /// The clusters in which the requester may assign cluster roles
    #[graphql(complexity = "crate::pagination::list_complexity(child_complexity)")]
    async fn assignable_clusters(&self, ctx: &Context<'_>) -> Result<Vec<Cluster>, ApiError> {
        let r = requester(ctx)?;
        let scope = permissions::assignable_cluster_scope(&r.person)?;
        let only = match &scope {
            permissions::ClusterScope::All => None,
            permissions::ClusterScope::Only(ids) => Some(ids.as_slice()),
        };
        let rows = store::list_clusters(db(ctx)?, only).await?;
        Ok(rows.into_iter().map(Cluster::new).collect())
    }
}

/// Input of createWorkspace
#[derive(InputObject)]
pub struct CreateWorkspaceInput {
    /// Name, 1 to 255 characters
    pub title: String,
    /// Unique code, 1 to 8 characters
    pub workspace_code: String,
    /// Business area code
    pub business_area_code: Option<String>,
}

/// Result of createWorkspace
#[derive(SimpleObject, Default)]
pub struct WorkspacePayload {
    /// The new workspace, null when errors is non-empty
    pub workspace: Option<Workspace>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of createResponsePlan
#[derive(InputObject)]
pub struct CreateResponsePlanInput {
    /// The workspace of the plan
    pub workspace_id: ID,
    /// Title, unique per workspace and plan type
    pub title: String,
    /// Kind of plan
    #[graphql(default_with = "ResponsePlanType::Hrp")]
    pub plan_type: ResponsePlanType,
    /// The plan's own label, 1..255 characters, only with planType OTHER
    pub plan_custom_type: Option<String>,
    /// First day
    pub start: Option<Date>,
    /// Last day, not before start
    pub end: Option<Date>,
}

/// Result of createResponsePlan
#[derive(SimpleObject, Default)]
pub struct ResponsePlanPayload {
    /// The new plan, null when errors is non-empty
    pub response_plan: Option<ResponsePlan>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of createCluster
#[derive(InputObject)]
pub struct CreateClusterInput {
    /// The response plan of the cluster
    pub response_plan_id: ID,
    /// Sector of the cluster
    #[graphql(name = "type")]
    pub kind: ClusterType,
    /// Name of an imported sector
    pub imported_type: Option<String>,
}

/// Result of createCluster
#[derive(SimpleObject, Default)]
pub struct ClusterPayload {
    /// The new cluster, null when errors is non-empty
    pub cluster: Option<Cluster>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

crate::payloads!(WorkspacePayload, ResponsePlanPayload, ClusterPayload);

#[derive(Default)]
pub struct WorkspacesMutation;

#[Object]
impl WorkspacesMutation {
    /// Creates a workspace (cluster system admins only)
    async fn create_workspace(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkspaceInput,
    ) -> Result<WorkspacePayload, ApiError> {
        let call = Call::of(ctx)?;
        let result = service::create_workspace(
            call,
            &input.title,
            &input.workspace_code,
            input.business_area_code.as_deref(),
        )
        .await;
        call.payload(result, |w| WorkspacePayload {
            workspace: Some(Workspace(w)),
            ..Default::default()
        })
    }

    /// Creates a response plan in a workspace (cluster system admins only)
    async fn create_response_plan(
        &self,
        ctx: &Context<'_>,
        input: CreateResponsePlanInput,
    ) -> Result<ResponsePlanPayload, ApiError> {
        let call = Call::of(ctx)?;
        let plan = service::PlanInput {
            workspace_id: &input.workspace_id,
            title: &input.title,
            plan_type: input.plan_type,
            custom_type: input.plan_custom_type.as_deref(),
            start: input.start.map(|d| d.0),
            end: input.end.map(|d| d.0),
        };
        let result = service::create_response_plan(call, plan).await;
        call.payload(result, |p| ResponsePlanPayload {
            response_plan: Some(ResponsePlan(p)),
            ..Default::default()
        })
    }

    /// Creates a cluster in a response plan (cluster system admins only)
    async fn create_cluster(
        &self,
        ctx: &Context<'_>,
        input: CreateClusterInput,
    ) -> Result<ClusterPayload, ApiError> {
        let call = Call::of(ctx)?;
        let result = service::create_cluster(
            call,
            &input.response_plan_id,
            input.kind,
            input.imported_type.as_deref(),
        )
        .await;
        call.payload(result, |cl| ClusterPayload {
            cluster: Some(Cluster::new(cl)),
            ..Default::default()
        })
    }
}
