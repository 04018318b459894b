//! GraphQL type and query of audit events.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use super::store::{self, EventQuery};
use crate::context::{db, requester, state};
use crate::domain::Portal;
use crate::entity::audit_event;
use crate::error::ApiError;
use crate::ids::{self, Kind};
use crate::pagination::{decode_cursor, decode_id, page_size, PageInfo};
use crate::permissions;
use crate::users::object::{visible_user, User};

/// One recorded change
pub struct AuditEvent(pub audit_event::Model);

fn target_kind(target_type: &str) -> Option<Kind> {
    Some(match target_type {
        "User" => Kind::User,
        "PRPRole" => Kind::Role,
        "Partner" => Kind::Partner,
        "Workspace" => Kind::Workspace,
        "ResponsePlan" => Kind::ResponsePlan,
        "Cluster" => Kind::Cluster,
        _ => return None,
    })
}

fn parse_json(text: Option<&str>) -> Option<Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok()).map(Json)
}

/// One recorded change: who did what to which object, and whom it concerns
#[Object]
impl AuditEvent {
    /// Global ID
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AuditEvent, self.0.id)
    }
    /// When it happened
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// null when the change came from the command line (import)
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        match self.0.actor_id {
            Some(id) => visible_user(ctx, id).await,
            None => Ok(None),
        }
    }
    /// user.create, user.update, user.activate, user.deactivate, role.create, role.update, role.delete, partner.create, partner.update, workspace.create, response_plan.create, cluster.create
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The type of the changed object, e.g. "User"
    async fn target_type(&self) -> &str {
        &self.0.target_type
    }
    /// The global ID of the changed object
    async fn target_id(&self) -> ID {
        match target_kind(&self.0.target_type) {
            Some(kind) => ids::encode(kind, self.0.target_id),
            None => ID(self.0.target_id.to_string()),
        }
    }
    /// The object before the change
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        parse_json(self.0.before_json.as_deref())
    }
    /// The object after the change
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        parse_json(self.0.after_json.as_deref())
    }
    /// The user the event is about (a role's holder, or the user itself); null when none,
    /// deleted or not visible to the requester
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<User>, ApiError> {
        match self.0.subject_id {
            Some(id) => visible_user(ctx, id).await,
            None => Ok(None),
        }
    }
}

/// Filters of `auditEvents`
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Events of this actor
    pub actor_id: Option<ID>,
    /// Events about this object
    pub target_id: Option<ID>,
    /// Events with one of these actions
    pub actions: Option<Vec<String>>,
    /// Events about this user (a role's holder, or the user itself)
    pub subject_id: Option<ID>,
}

/// An edge of the audit connection
#[derive(SimpleObject)]
pub struct AuditEventEdge {
    /// Cursor of this row
    pub cursor: String,
    /// The event
    pub node: AuditEvent,
}

/// A page of audit events, newest first
pub struct AuditEventConnection {
    query: EventQuery,
    rows: Vec<audit_event::Model>,
    more: bool,
}

#[Object]
impl AuditEventConnection {
    /// The rows of the page with their cursors
    async fn edges(&self) -> Vec<AuditEventEdge> {
        self.rows
            .iter()
            .map(|e| AuditEventEdge {
                cursor: ids::encode_cursor(e.id),
                node: AuditEvent(e.clone()),
            })
            .collect()
    }
    /// The rows of the page
    async fn nodes(&self) -> Vec<AuditEvent> {
        self.rows.iter().cloned().map(AuditEvent).collect()
    }
    /// Where the page stands
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.more,
            has_previous_page: self.query.before_id.is_some(),
            start_cursor: self.rows.first().map(|e| ids::encode_cursor(e.id)),
            end_cursor: self.rows.last().map(|e| ids::encode_cursor(e.id)),
        }
    }
    /// The number of events in the whole filtered set
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        Ok(store::count(db(ctx)?, &self.query).await? as i64)
    }
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Audit events, newest first: all for cluster system admins; for anyone else those it
    /// performed and those about a user it may see now
    #[graphql(complexity = "crate::pagination::page_complexity(first, None, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection, ApiError> {
        let r = requester(ctx)?;
        let query = event_query(ctx, &r.person, filter.unwrap_or_default(), first, after)?;
        let (rows, more) = store::page(db(ctx)?, &query).await?;
        Ok(AuditEventConnection { query, rows, more })
    }
}

/// The events the arguments ask for, checked: BAD_USER_INPUT for a malformed ID or cursor,
/// or too many or too long action names.
fn event_query(
    ctx: &Context<'_>,
    requester: &permissions::Person,
    f: AuditEventFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<EventQuery, ApiError> {
    let limit = page_size(ctx, first, None)?;
    let user = |field, id: &Option<ID>| {
        (id.as_deref())
            .map(|id| decode_id(Kind::User, field, id))
            .transpose()
    };
    let actor = user("actorId", &f.actor_id)?;
    let subject = user("subjectId", &f.subject_id)?;
    let target = match &f.target_id {
        Some(id) => {
            let (kind, n) =
                ids::decode_any(id).ok_or_else(|| ApiError::bad_input("targetId is not an ID"))?;
            Some((kind.type_name().to_owned(), n))
        }
        None => None,
    };
    let max = state(ctx)?.config.limits.max_list_input;
    // PostgreSQL refuses NUL in text parameters, so it is refused here, as a bad input.
    if f.actions
        .as_ref()
        .is_some_and(|a| a.len() > max || a.iter().any(|s| s.len() > 64 || s.contains('\0')))
    {
        return Err(ApiError::bad_input(format!(
            "actions may list at most {max} names of at most 64 characters, without NUL"
        )));
    }
    Ok(EventQuery {
        seen_by: seen_by(requester),
        actor,
        subject,
        target,
        actions: f.actions,
        before_id: decode_cursor("after", after.as_deref())?,
        limit,
    })
}

/// What a requester reads of the audit trail (contract 1.1 §9.4): everything for a system
/// admin (None); else its own actions and the events about users it may see now.
fn seen_by(requester: &permissions::Person) -> Option<store::SeenBy> {
    if permissions::sees_all_audit(requester) {
        return None;
    }
    let scopes: Vec<permissions::UserScope> = [Portal::Ip, Portal::Cluster]
        .into_iter()
        .filter_map(|portal| permissions::user_scope(requester, portal).ok())
        .collect();
    Some(store::SeenBy {
        requester: requester.id,
        subjects: crate::users::page::visible_users_sql(&scopes),
    })
}

/// An event visible to the requester, for `node`.
pub async fn visible_event(ctx: &Context<'_>, id: i64) -> Result<Option<AuditEvent>, ApiError> {
    let r = requester(ctx)?;
    let Some(e) = store::find(db(ctx)?, id).await? else {
        return Ok(None);
    };
    let visible = permissions::sees_all_audit(&r.person)
        || e.actor_id == Some(r.id())
        || match e.subject_id {
            Some(subject) => visible_user(ctx, subject).await?.is_some(),
            None => false,
        };
    Ok(visible.then_some(AuditEvent(e)))
}
