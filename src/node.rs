//! The `Node` interface and `node(id)`: any global ID, under the same visibility as the
//! typed queries (reference data for everyone signed in); null for what the requester may
//! not see.

use async_graphql::{Context, Interface, Object, ID};

use crate::audit::graphql::{visible_event, AuditEvent};
use crate::context::db;
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::partners::object::{visible_partner, Partner};
use crate::users::object::{visible_role, visible_user, PrpRole, User};
use crate::workspaces::graphql::{load_cluster, load_workspace, Cluster, ResponsePlan, Workspace};
use crate::workspaces::store;

/// An object with a global ID
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global ID"))]
pub enum Node {
    User(User),
    PrpRole(Box<PrpRole>),
    Workspace(Workspace),
    ResponsePlan(ResponsePlan),
    Cluster(Cluster),
    Partner(Partner),
    AuditEvent(AuditEvent),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any object by its global ID, or null when it does not exist or is not visible
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, ApiError> {
        let (kind, id) =
            ids::decode_any(&id).ok_or_else(|| ApiError::bad_input("id is not a valid ID"))?;
        Ok(match kind {
            Kind::User => visible_user(ctx, id).await?.map(Node::User),
            Kind::Role => visible_role(ctx, id)
                .await?
                .map(|r| Node::PrpRole(Box::new(r))),
            Kind::Partner => visible_partner(ctx, id).await?.map(Node::Partner),
            Kind::AuditEvent => visible_event(ctx, id).await?.map(Node::AuditEvent),
            // Reference data is readable by every authenticated user (contract 1.1 §9.8).
            Kind::Workspace => load_workspace(ctx, id).await?.map(Node::Workspace),
            Kind::ResponsePlan => store::find_plan(db(ctx)?, id)
                .await?
                .map(|p| Node::ResponsePlan(ResponsePlan(p))),
            Kind::Cluster => load_cluster(ctx, id).await?.map(Node::Cluster),
        })
    }
}
