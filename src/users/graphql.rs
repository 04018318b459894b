//! The users queries and mutations (the `User` object is in `object`): thin, they parse
//! input, ask `permissions`, call the store and map the result.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::page::{self, UserFilter as StoreFilter, UserOrderField, UserPage};
use super::service;
use crate::context::{auth, db, requester, state, Call};
use crate::domain::{Portal, RoleType, UserStatus, UserType};
use crate::entity::user;
use crate::error::{ApiError, ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::keyset::SortDirection;
use crate::pagination::{check_search, decode_ids, PageInfo, Window};
use crate::partners::store::{PartnerColumns, PartnerRow};
use crate::permissions::{self};
use crate::roles::store::RoleBundle;
use crate::users::object::{visible_user, User};
use crate::validate::Checker;

/// Filters of `users`; they combine with AND
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Case-insensitive substring of "first last" or of the email
    pub name_email: Option<String>,
    /// The user's status is one of these
    pub statuses: Option<Vec<UserStatus>>,
    /// With roles/workspaceIds/clusterIds: one role row matches all given
    pub roles: Option<Vec<RoleType>>,
    /// The user's partner is one of these
    pub partner_ids: Option<Vec<ID>>,
    /// One role row is in one of these clusters
    pub cluster_ids: Option<Vec<ID>>,
    /// One role row is in one of these workspaces
    pub workspace_ids: Option<Vec<ID>>,
}

/// One ordering of `users`
#[derive(InputObject)]
pub struct UserOrder {
    /// Field to order by
    pub field: UserOrderField,
    /// Direction
    #[graphql(default_with = "SortDirection::Asc")]
    pub direction: SortDirection,
}

/// An edge of the users connection
#[derive(SimpleObject)]
pub struct UserEdge {
    /// Cursor of this row
    pub cursor: String,
    /// The user
    pub node: User,
}

/// A page of users
pub struct UserConnection {
    page: UserPage,
    rows: Vec<(user::Model, Option<PartnerRow>)>,
    /// The rows' roles, read in one statement when the query asks for anything role-based.
    roles: Option<HashMap<i64, Arc<Vec<RoleBundle>>>>,
    more: bool,
    /// The total, when it was read with the page.
    total: Option<u64>,
}

impl UserConnection {
    fn new(page: UserPage, rows: page::UserRows) -> Self {
        let page::UserRows {
            rows,
            roles,
            more,
            total,
            ..
        } = rows;
        let roles = roles.map(|by_user| {
            by_user
                .into_iter()
                .map(|(id, bundles)| (id, Arc::new(bundles)))
                .collect()
        });
        Self {
            page,
            rows,
            roles,
            more,
            total,
        }
    }

    fn user(&self, model: &user::Model, partner: &Option<PartnerRow>) -> User {
        let user = User::with_partner(model.clone(), partner.clone());
        match &self.roles {
            Some(roles) => user.with_roles(roles.get(&model.id).cloned().unwrap_or_default()),
            None => user,
        }
    }
}

/// Whether a selection of users asks of their partners only what `partner::Brief` holds
/// (a list's usual `partner { id title }`); a field beyond it would still be answered, by a
/// read of the whole partner.
fn brief_partner_will_do(users: &async_graphql::Lookahead<'_>) -> bool {
    users
        .field("partner")
        .selection_fields()
        .iter()
        .flat_map(|partner| partner.selection_set())
        .all(|f| ["id", "title", "shortTitle", "__typename"].contains(&f.name()))
}

/// Whether a selection of users asks for anything that needs their roles.
fn needs_roles(users: &async_graphql::Lookahead<'_>) -> bool {
    ["roles", "status", "userType", "isIncomplete"]
        .iter()
        .any(|f| users.field(f).exists())
}

#[Object(serial)]
impl UserConnection {
    /// The rows of the page with their cursors
    async fn edges(&self) -> Vec<UserEdge> {
        self.rows
            .iter()
            .map(|(u, p)| UserEdge {
                cursor: ids::encode_cursor(u.id),
                node: self.user(u, p),
            })
            .collect()
    }
    /// The rows of the page
    async fn nodes(&self) -> Vec<User> {
        self.rows.iter().map(|(u, p)| self.user(u, p)).collect()
    }
    /// Where the page stands
    async fn page_info(&self) -> PageInfo {
        let ids: Vec<i64> = self.rows.iter().map(|(u, _)| u.id).collect();
        PageInfo::of(&ids, self.page.cursor, self.page.backward, self.more)
    }
    /// The number of users in the whole filtered set
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64, ApiError> {
        let total = match self.total {
            Some(total) => total,
            None => page::count(db(ctx)?, &self.page).await?,
        };
        Ok(i64::try_from(total).unwrap_or(i64::MAX))
    }
}

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The requester, with all of its roles
    async fn me(&self, ctx: &Context<'_>) -> Result<User, ApiError> {
        Ok(User::new(requester(ctx)?.user.clone()))
    }

    /// A user the requester may see, or null
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>, ApiError> {
        let id = ids::decode(Kind::User, &id)
            .ok_or_else(|| ApiError::bad_input("id is not a User ID"))?;
        visible_user(ctx, id).await
    }

    /// The users the requester may see on a portal (never the requester itself)
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "crate::pagination::search_page_complexity(first, last, filter.as_ref().and_then(|f| f.name_email.as_deref()), order_by.as_ref().map_or(0, Vec::len), child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        portal: Portal,
        filter: Option<UserFilter>,
        order_by: Option<Vec<UserOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<UserConnection, ApiError> {
        // On a remembered sign-in (see `context::Auth`) the page statement also reads the
        // requester's authority and confirms it; until then nothing is answered from it.
        let auth = auth(ctx)?;
        let (r, confirmed) = auth.acting()?;
        let result = async {
            let scope = permissions::user_scope(&r.person, portal)?;
            let window = Window {
                first,
                after,
                last,
                before,
            };
            let page = page_request(ctx, r.id(), scope, filter, order_by, window)?;
            let read = page_read(&ctx.look_ahead(), (!confirmed).then_some(r.id()));
            let rows = service::users_page(state(ctx)?, &page, read).await?;
            auth.confirm_authority(rows.authority.as_deref())?;
            Ok(UserConnection::new(page, rows))
        }
        .await;
        match result {
            Err(_) if !auth.is_confirmed() => Err(auth.stale()),
            result => result,
        }
    }
}

/// The users page the arguments ask for, checked: BAD_USER_INPUT for an oversized filter, an
/// ordering that names a key twice, a malformed cursor or ID.
fn page_request(
    ctx: &Context<'_>,
    requester: i64,
    scope: permissions::UserScope,
    filter: Option<UserFilter>,
    order_by: Option<Vec<UserOrder>>,
    window: Window,
) -> Result<UserPage, ApiError> {
    let paging = window.paging(ctx)?;
    let f = filter.unwrap_or_default();
    let max = state(ctx)?.config.limits.max_list_input;
    check_search("nameEmail", f.name_email.as_deref(), 254)?;
    if f.statuses.as_ref().is_some_and(|v| v.len() > max)
        || f.roles.as_ref().is_some_and(|v| v.len() > max)
    {
        return Err(ApiError::bad_input(format!(
            "filter lists may hold at most {max} values"
        )));
    }
    let order: Vec<(UserOrderField, SortDirection)> = order_by
        .unwrap_or_default()
        .into_iter()
        .map(|o| (o.field, o.direction))
        .collect();
    crate::pagination::check_order(&order)?;
    let ids = |kind, field, ids: Option<&Vec<ID>>| decode_ids(ctx, kind, field, ids);
    Ok(UserPage {
        requester,
        scope,
        filter: StoreFilter {
            partner_ids: ids(Kind::Partner, "partnerIds", f.partner_ids.as_ref())?,
            cluster_ids: ids(Kind::Cluster, "clusterIds", f.cluster_ids.as_ref())?,
            workspace_ids: ids(Kind::Workspace, "workspaceIds", f.workspace_ids.as_ref())?,
            name_email: f.name_email,
            statuses: f.statuses,
            roles: f.roles,
        },
        order,
        cursor: paging.cursor,
        backward: paging.backward,
        limit: paging.limit,
    })
}

/// What a users page reads besides its users, from what the selection asks: the total, the
/// roles, the whole partner or its brief columns, the authority of an unconfirmed requester.
fn page_read(
    selection: &async_graphql::Lookahead<'_>,
    authority_of: Option<i64>,
) -> page::PageRead {
    let users = [
        selection.field("nodes"),
        selection.field("edges").field("node"),
    ];
    page::PageRead {
        total: selection.field("totalCount").exists(),
        roles: users.iter().any(|u| needs_roles(u)),
        partner: if users.iter().all(|u| brief_partner_will_do(u)) {
            PartnerColumns::Brief
        } else {
            PartnerColumns::All
        },
        authority_of,
    }
}

/// Input of createUser
#[derive(InputObject)]
pub struct CreateUserInput {
    /// The portal the user is invited to
    pub portal: Portal,
    /// Lower-case email, unique; an internationalised domain is stored in xn-- form
    pub email: String,
    /// First name, 1 to 64 characters
    pub first_name: String,
    /// Last name, at most 64 characters; may be empty
    pub last_name: String,
    /// Job title, at most 64 characters
    pub position: Option<String>,
    /// Required on the CLUSTER portal
    pub user_type: Option<UserType>,
    /// The partner of a PARTNER user (CLUSTER portal)
    pub partner_id: Option<ID>,
}

/// Result of createUser
#[derive(SimpleObject, Default)]
pub struct CreateUserPayload {
    /// The new user, null when errors is non-empty
    pub user: Option<User>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of updateUser; fields left out stay as they are
#[derive(InputObject)]
pub struct UpdateUserInput {
    /// The user to change
    pub id: ID,
    /// First name, 1 to 64 characters
    pub first_name: Option<String>,
    /// Last name, at most 64 characters; may be empty
    pub last_name: Option<String>,
    /// Job title; an empty string clears it
    pub position: Option<String>,
}

/// Result of updateUser
#[derive(SimpleObject, Default)]
pub struct UpdateUserPayload {
    /// The changed user, null when errors is non-empty
    pub user: Option<User>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of setUserActive
#[derive(InputObject)]
pub struct SetUserActiveInput {
    /// The user to (de)activate
    pub id: ID,
    /// The new activity
    pub is_active: bool,
}

/// Result of setUserActive
#[derive(SimpleObject, Default)]
pub struct SetUserActivePayload {
    /// The user, null when errors is non-empty
    pub user: Option<User>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

crate::payloads!(CreateUserPayload, UpdateUserPayload, SetUserActivePayload);

#[derive(Default)]
pub struct UsersMutation;

#[Object]
impl UsersMutation {
    /// Invites a new user to a portal
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> Result<CreateUserPayload, ApiError> {
        let call = Call::of(ctx)?;
        let result = async {
            call.requester()?;
            service::create_user(call, input.check()?).await
        }
        .await;
        call.payload(result, |u| CreateUserPayload {
            user: Some(User::new(u)),
            ..Default::default()
        })
    }

    /// Changes a user's names or position
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> Result<UpdateUserPayload, ApiError> {
        let call = Call::of(ctx)?;
        let result = async {
            call.requester()?;
            let change = input.check()?;
            service::update_user(call, &input.id, change).await
        }
        .await;
        call.payload(result, |u| UpdateUserPayload {
            user: Some(User::new(u)),
            ..Default::default()
        })
    }

    /// Activates or deactivates a user; a deactivated user cannot sign in
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        input: SetUserActiveInput,
    ) -> Result<SetUserActivePayload, ApiError> {
        let call = Call::of(ctx)?;
        let result = service::set_user_active(call, &input.id, input.is_active).await;
        call.payload(result, |u| SetUserActivePayload {
            user: Some(User::new(u)),
            ..Default::default()
        })
    }
}

impl CreateUserInput {
    /// The invitation, or every field's error at once.
    fn check(self) -> Result<service::Invitation, MutationError> {
        let mut c = Checker::new(&["input"]);
        let email = c.user_email("email", &self.email);
        let first_name = c.text("firstName", &self.first_name, 1, 64);
        let last_name = c.text("lastName", &self.last_name, 0, 64);
        let position = c.optional_text("position", self.position.as_deref(), 64);
        let partner_id = self.partner_id.and_then(|id| {
            let decoded = ids::decode(Kind::Partner, &id);
            if decoded.is_none() {
                c.fail(ErrorCode::Validation, "partnerId", "not a Partner ID");
            }
            decoded
        });
        c.finish().map_err(MutationError::Rejected)?;
        Ok(service::Invitation {
            portal: self.portal,
            user_type: self.user_type,
            email,
            first_name,
            last_name,
            position,
            partner_id,
        })
    }
}

impl UpdateUserInput {
    /// The change, or every field's error at once.
    fn check(&self) -> Result<service::NameChange, MutationError> {
        let mut c = Checker::new(&["input"]);
        let first_name = self
            .first_name
            .as_deref()
            .map(|v| c.text("firstName", v, 1, 64));
        let last_name = self
            .last_name
            .as_deref()
            .map(|v| c.text("lastName", v, 0, 64));
        let position = self
            .position
            .as_deref()
            .map(|v| c.optional_text("position", Some(v), 64));
        if first_name.is_none() && last_name.is_none() && position.is_none() {
            c.fail(
                ErrorCode::Validation,
                "id",
                "nothing to change: give firstName, lastName or position",
            );
        }
        c.finish().map_err(MutationError::Rejected)?;
        Ok(service::NameChange {
            first_name,
            last_name,
            position,
        })
    }
}
