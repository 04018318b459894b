//! The roles queries and mutations (the `PRPRole` object is in `users::object`). Every decision is `permissions::check_role` /
//! `check_create_roles`; `assignableRoles` and the `viewerCan…` fields ask the same functions.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use super::service;
use crate::context::{db, requester, Call};
use crate::domain::RoleType;
use crate::error::{ApiError, ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::pagination::decode_id;
use crate::permissions::NewRole;
use crate::users::object::{PrpRole, User};

/// One role to grant
#[derive(InputObject)]
pub struct RoleAssignmentInput {
    /// The role type
    pub role: RoleType,
    /// The workspace of an IP role
    pub workspace_id: Option<ID>,
    /// The cluster of a cluster role
    pub cluster_id: Option<ID>,
}

/// Input of createRoles
#[derive(InputObject)]
pub struct CreateRolesInput {
    /// The user receiving the roles
    pub user_id: ID,
    /// The roles; all are created or none
    pub roles: Vec<RoleAssignmentInput>,
}

/// Result of createRoles
#[derive(SimpleObject, Default)]
pub struct CreateRolesPayload {
    /// The user with its roles, null when errors is non-empty
    pub user: Option<User>,
    /// The created roles
    pub roles: Vec<PrpRole>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of updateRole; give role, isActive or both
#[derive(InputObject)]
pub struct UpdateRoleInput {
    /// The role to change
    pub id: ID,
    /// The new role type, in the same family
    pub role: Option<RoleType>,
    /// The new activity
    pub is_active: Option<bool>,
}

/// Result of updateRole
#[derive(SimpleObject, Default)]
pub struct UpdateRolePayload {
    /// The changed role, null when errors is non-empty
    pub role: Option<PrpRole>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

/// Input of deleteRole
#[derive(InputObject)]
pub struct DeleteRoleInput {
    /// The role to delete
    pub id: ID,
}

/// Result of deleteRole
#[derive(SimpleObject, Default)]
pub struct DeleteRolePayload {
    /// The ID of the deleted role, null when errors is non-empty
    pub deleted_role_id: Option<ID>,
    /// What went wrong; empty on success
    pub errors: Vec<UserError>,
}

crate::payloads!(CreateRolesPayload, UpdateRolePayload, DeleteRolePayload);

#[derive(Default)]
pub struct RolesQuery;

#[Object]
impl RolesQuery {
    /// The roles the requester may give this user in this scope, as the guard decides
    async fn assignable_roles(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        workspace_id: Option<ID>,
        cluster_id: Option<ID>,
    ) -> Result<Vec<RoleType>, ApiError> {
        let r = requester(ctx)?;
        let user_id = decode_id(Kind::User, "userId", &user_id)?;
        let workspace_id = (workspace_id.as_deref())
            .map(|w| decode_id(Kind::Workspace, "workspaceId", w))
            .transpose()?;
        let cluster_id = (cluster_id.as_deref())
            .map(|c| decode_id(Kind::Cluster, "clusterId", c))
            .transpose()?;
        service::assignable_roles(db(ctx)?, &r.person, user_id, workspace_id, cluster_id).await
    }
}

#[derive(Default)]
pub struct RolesMutation;

#[Object]
impl RolesMutation {
    /// All or nothing: either every entry is created or none is
    async fn create_roles(
        &self,
        ctx: &Context<'_>,
        input: CreateRolesInput,
    ) -> Result<CreateRolesPayload, ApiError> {
        // May run on a remembered sign-in (see `context::Auth`): the service confirms it
        // inside the transaction, before anything is written.
        let call = Call::of(ctx)?;
        let result = async {
            let entries = input.check(call.state.config.limits.max_list_input)?;
            service::create_roles(call, &input.user_id, &entries).await
        }
        .await;
        call.payload(result, |(u, created)| CreateRolesPayload {
            user: Some(User::new(u)),
            roles: created.into_iter().map(PrpRole::new).collect(),
            ..Default::default()
        })
    }

    /// Changes a role's type (within its family) and/or activity
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        input: UpdateRoleInput,
    ) -> Result<UpdateRolePayload, ApiError> {
        // May run on a remembered sign-in, as createRoles.
        let call = Call::of(ctx)?;
        let result = service::update_role(call, &input.id, input.role, input.is_active).await;
        call.payload(result, |role| UpdateRolePayload {
            role: Some(PrpRole::from_bundle(role)),
            ..Default::default()
        })
    }

    /// Removes a role
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        input: DeleteRoleInput,
    ) -> Result<DeleteRolePayload, ApiError> {
        // May run on a remembered sign-in, as createRoles.
        let call = Call::of(ctx)?;
        let result = service::delete_role(call, &input.id).await;
        call.payload(result, |id| DeleteRolePayload {
            deleted_role_id: Some(ids::encode(Kind::Role, id)),
            ..Default::default()
        })
    }
}

impl CreateRolesInput {
    /// The entries with their IDs decoded, or every entry's error at once.
    fn check(&self, max: usize) -> Result<Vec<NewRole>, MutationError> {
        if self.roles.is_empty() || self.roles.len() > max {
            return Err(UserError::new(
                ErrorCode::Validation,
                format!("give 1 to {max} roles"),
                &["input", "roles"],
            )
            .into());
        }
        let mut errors = Vec::new();
        let mut decode = |i: usize, kind: Kind, field: &str, id: Option<&ID>| {
            let id = id?;
            let decoded = ids::decode(kind, id);
            if decoded.is_none() {
                errors.push(
                    UserError::new(
                        ErrorCode::Validation,
                        format!("not a {} ID", kind.type_name()),
                        &[],
                    )
                    .with_field(service::entry_path(i, Some(field))),
                );
            }
            decoded
        };
        let entries = (self.roles.iter().enumerate())
            .map(|(i, e)| NewRole {
                role: e.role,
                workspace_id: decode(i, Kind::Workspace, "workspaceId", e.workspace_id.as_ref()),
                cluster_id: decode(i, Kind::Cluster, "clusterId", e.cluster_id.as_ref()),
            })
            .collect();
        if errors.is_empty() {
            Ok(entries)
        } else {
            Err(MutationError::Rejected(errors))
        }
    }
}
