//! The roles queries and mutations (the `PRPRole` object is in `users::object`). Every decision is `permissions::check_role` /
//! `check_create_roles`; `assignableRoles` and the `viewerCan…` fields ask the same functions.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};
use sea_orm::ConnectionTrait;

use super::store;
use crate::audit::store::{apply_and_record, record_with_notice, Change};
use crate::context::{auth, db, in_transaction, payload, requester, state, Auth};
use crate::domain::RoleType;
use crate::entity::{prp_role, user};
use crate::error::{ApiError, ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::notify::{self, RoleChange};
use crate::permissions::{self, NewRole, Person, RoleOp, RoleRow};
use crate::roles::store::RoleBundle;
use crate::users::graphql::{load_parties, load_target, visible_person, Parties};
use crate::users::object::{PrpRole, User};
use crate::users::store::Target;
use crate::{users, workspaces};

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

fn entry_path(i: usize, field: Option<&str>) -> Vec<String> {
    let mut path = vec!["input".to_owned(), "roles".to_owned(), i.to_string()];
    if let Some(f) = field {
        path.push(f.to_owned());
    }
    path
}

/// Checks that the scopes of the entries exist; NOT_FOUND on the entry's field otherwise.
async fn check_scopes_exist(
    db: &impl ConnectionTrait,
    entries: &[NewRole],
) -> Result<(), MutationError> {
    let mut errors = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(w) = e.workspace_id {
            if workspaces::store::find_workspace(db, w).await?.is_none() {
                errors.push(
                    UserError::new(ErrorCode::NotFound, "no such workspace", &[])
                        .with_field(entry_path(i, Some("workspaceId"))),
                );
            }
        }
        if let Some(c) = e.cluster_id {
            if workspaces::store::find_cluster(db, c).await?.is_none() {
                errors.push(
                    UserError::new(ErrorCode::NotFound, "no such cluster", &[])
                        .with_field(entry_path(i, Some("clusterId"))),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(MutationError::Rejected(errors))
    }
}

/// Where a guard denial on an entry points: the scope field for a scope mismatch.
fn denial_path(i: usize, entry: &NewRole, denial: permissions::Denial) -> Vec<String> {
    match denial {
        permissions::Denial::ScopeMismatch
            if entry.role.is_ip() || entry.role == RoleType::ClusterSystemAdmin =>
        {
            entry_path(
                i,
                Some(if entry.cluster_id.is_some() {
                    "clusterId"
                } else {
                    "workspaceId"
                }),
            )
        }
        permissions::Denial::ScopeMismatch => entry_path(
            i,
            Some(if entry.workspace_id.is_some() {
                "workspaceId"
            } else {
                "clusterId"
            }),
        ),
        _ => entry_path(i, None),
    }
}

/// Creates the checked roles; a CLUSTER_SYSTEM_ADMIN grant first removes the target's cluster roles.
async fn write_roles(
    txn: &impl ConnectionTrait,
    actor: i64,
    target_user: &user::Model,
    target: &Person,
    entries: &[NewRole],
) -> Result<Vec<prp_role::Model>, MutationError> {
    if entries
        .iter()
        .any(|e| e.role == RoleType::ClusterSystemAdmin)
    {
        for old in crate::roles::store::role_bundles(txn, &[target.id]).await? {
            if RoleType::parse(&old.role.role).is_some_and(|t| !t.is_ip()) {
                remove_role(txn, actor, &target_user.email, &old).await?;
            }
        }
    }
    let mut created = Vec::with_capacity(entries.len());
    for e in entries {
        let role =
            store::insert(txn, target.id, e.role, e.workspace_id, e.cluster_id, true).await?;
        let scope = workspaces::store::scope_label(txn, e.workspace_id, e.cluster_id).await?;
        record_with_notice(
            txn,
            Change {
                actor: Some(actor),
                action: "role.create",
                target_type: "PRPRole",
                target_id: role.id,
                before: None,
                after: Some(store::role_json(&role)),
            },
            Some(notify::role_notice(
                &target_user.email,
                RoleChange::Assigned,
                e.role,
                &scope,
            )),
        )
        .await?;
        created.push(role);
    }
    Ok(created)
}

/// Deletes a role with its audit event and notice.
async fn remove_role(
    txn: &impl ConnectionTrait,
    actor: i64,
    email: &str,
    bundle: &RoleBundle,
) -> Result<(), MutationError> {
    let role = &bundle.role;
    let notice = RoleType::parse(&role.role).map(|t| {
        let scope = scope_label_of(bundle);
        notify::role_notice(email, RoleChange::Removed, t, &scope)
    });
    apply_and_record(
        txn,
        store::delete_statement(role.id),
        Change {
            actor: Some(actor),
            action: "role.delete",
            target_type: "PRPRole",
            target_id: role.id,
            before: Some(store::role_json(role)),
            after: None,
        },
        notice,
    )
    .await?;
    Ok(())
}

/// Loads a role (with the guard's view of it), its holder and the requester for a change,
/// inside the transaction:
/// VALIDATION for a malformed ID, NOT_FOUND when the role does not exist or its holder is not
/// visible to the requester.
async fn load_role(
    txn: &sea_orm::DatabaseTransaction,
    auth: &Auth,
    id: &ID,
) -> Result<(RoleBundle, RoleRow, Parties), MutationError> {
    let field = &["input", "id"];
    let not_found =
        || MutationError::from(UserError::new(ErrorCode::NotFound, "no such role", field));
    let id = ids::decode(Kind::Role, id)
        .ok_or_else(|| UserError::new(ErrorCode::Validation, "not a PRPRole ID", field))?;
    let parties = load_parties(txn, auth, Target::HolderOf(id), not_found).await?;
    let role = parties
        .target_roles
        .iter()
        .find(|b| b.role.id == id)
        .cloned()
        .ok_or_else(not_found)?;
    let row = users::store::role_row(&role.role)
        .ok_or_else(|| ApiError::internal(&"unknown stored role"))?;
    Ok((role, row, parties))
}

/// The human name of the scope of a role read with its scope.
fn scope_label_of(b: &RoleBundle) -> String {
    workspaces::store::read_scope_label(
        b.workspace.as_ref(),
        b.cluster.as_ref(),
        b.plan.as_ref(),
        b.plan_workspace.as_ref(),
    )
}

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
        let user_id = ids::decode(Kind::User, &user_id)
            .ok_or_else(|| ApiError::bad_input("userId is not a User ID"))?;
        let workspace_id = workspace_id
            .map(|w| {
                ids::decode(Kind::Workspace, &w)
                    .ok_or_else(|| ApiError::bad_input("workspaceId is not a Workspace ID"))
            })
            .transpose()?;
        let cluster_id = cluster_id
            .map(|c| {
                ids::decode(Kind::Cluster, &c)
                    .ok_or_else(|| ApiError::bad_input("clusterId is not a Cluster ID"))
            })
            .transpose()?;
        let db = db(ctx)?;
        let Some((_, target)) = visible_person(db, &r.person, user_id).await? else {
            return Ok(vec![]);
        };
        let probe = NewRole {
            role: RoleType::IpViewer,
            workspace_id,
            cluster_id,
        };
        match check_scopes_exist(db, &[probe]).await {
            Ok(()) => Ok(permissions::assignable_roles(
                &r.person,
                &target,
                workspace_id,
                cluster_id,
            )),
            Err(MutationError::Rejected(_)) => Ok(vec![]),
            Err(MutationError::Api(e)) => Err(e),
        }
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
        // May run on a remembered sign-in (see `graphql::Auth`): load_target confirms it
        // inside the transaction, before anything is written.
        let auth = auth(ctx)?;
        let result = async {
            let max = state(ctx)?.config.limits.max_list_input;
            if input.roles.is_empty() || input.roles.len() > max {
                return Err(UserError::new(
                    ErrorCode::Validation,
                    format!("give 1 to {max} roles"),
                    &["input", "roles"],
                )
                .into());
            }
            let mut errors = Vec::new();
            let mut entries = Vec::with_capacity(input.roles.len());
            for (i, e) in input.roles.iter().enumerate() {
                let workspace_id = e.workspace_id.as_ref().and_then(|w| {
                    let id = ids::decode(Kind::Workspace, w);
                    if id.is_none() {
                        errors.push(
                            UserError::new(ErrorCode::Validation, "not a Workspace ID", &[])
                                .with_field(entry_path(i, Some("workspaceId"))),
                        );
                    }
                    id
                });
                let cluster_id = e.cluster_id.as_ref().and_then(|c| {
                    let id = ids::decode(Kind::Cluster, c);
                    if id.is_none() {
                        errors.push(
                            UserError::new(ErrorCode::Validation, "not a Cluster ID", &[])
                                .with_field(entry_path(i, Some("clusterId"))),
                        );
                    }
                    id
                });
                entries.push(NewRole {
                    role: e.role,
                    workspace_id,
                    cluster_id,
                });
            }
            if !errors.is_empty() {
                return Err(MutationError::Rejected(errors));
            }
            in_transaction(ctx, async |txn| {
                let Parties {
                    me,
                    target_user,
                    target,
                    ..
                } = load_target(txn, auth, &input.user_id, &["input", "userId"]).await?;
                let r = requester(ctx)?;
                if let Err(denials) = permissions::check_create_roles(&me, &target, &entries) {
                    return Err(MutationError::Rejected(
                        denials
                            .into_iter()
                            .map(|(i, d)| {
                                let code = ErrorCode::from(d);
                                UserError::new(code, code.default_message(), &[])
                                    .with_field(denial_path(i, &entries[i], d))
                            })
                            .collect(),
                    ));
                }
                check_scopes_exist(txn, &entries).await?;
                let created = write_roles(txn, r.id(), &target_user, &target, &entries).await?;
                Ok((target_user, created))
            })
            .await
        }
        .await;
        if !auth.is_confirmed() {
            return Err(auth.stale());
        }
        payload(result, |(u, created)| CreateRolesPayload {
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
        // A single updateRole may run on a remembered sign-in (see `graphql::Auth`):
        // load_role confirms it inside the transaction, before anything is written; until
        // then nothing is answered from it.
        let auth = auth(ctx)?;
        let result = in_transaction(ctx, async |txn| {
            let (
                bundle,
                row,
                Parties {
                    me,
                    target_user,
                    target,
                    ..
                },
            ) = load_role(txn, auth, &input.id).await?;
            let r = requester(ctx)?;
            let before = bundle.role.clone();
            let op = RoleOp::Update {
                row: &row,
                role: input.role,
                is_active: input.is_active,
            };
            permissions::check_role(&me, &op, &target).map_err(|d| {
                let field = match d {
                    permissions::Denial::ScopeMismatch | permissions::Denial::Validation
                        if input.role.is_some() =>
                    {
                        "role"
                    }
                    permissions::Denial::Validation => "isActive",
                    _ => "id",
                };
                UserError::denied(d, &["input", field])
            })?;
            let mut after = before.clone();
            if let Some(role) = input.role {
                after.role = role.as_str().to_owned();
            }
            if let Some(active) = input.is_active {
                after.is_active = active;
            }
            let (write, after) = store::update_statement(after);
            let notice = RoleType::parse(&after.role).map(|t| {
                let scope = scope_label_of(&bundle);
                notify::role_notice(&target_user.email, RoleChange::Changed, t, &scope)
            });
            apply_and_record(
                txn,
                write,
                Change {
                    actor: Some(r.id()),
                    action: "role.update",
                    target_type: "PRPRole",
                    target_id: after.id,
                    before: Some(store::role_json(&before)),
                    after: Some(store::role_json(&after)),
                },
                notice,
            )
            .await?;
            Ok(PrpRole::from_bundle(RoleBundle {
                role: after,
                ..bundle
            }))
        })
        .await;
        if !auth.is_confirmed() {
            return Err(auth.stale());
        }
        payload(result, |role| UpdateRolePayload {
            role: Some(role),
            ..Default::default()
        })
    }

    /// Removes a role
    async fn delete_role(
        &self,
        ctx: &Context<'_>,
        input: DeleteRoleInput,
    ) -> Result<DeleteRolePayload, ApiError> {
        // May run on a remembered sign-in, as updateRole.
        let auth = auth(ctx)?;
        let result = in_transaction(ctx, async |txn| {
            let (
                bundle,
                row,
                Parties {
                    me,
                    target_user,
                    target,
                    ..
                },
            ) = load_role(txn, auth, &input.id).await?;
            let r = requester(ctx)?;
            permissions::check_role(&me, &RoleOp::Delete { row: &row }, &target)
                .map_err(|d| UserError::denied(d, &["input", "id"]))?;
            remove_role(txn, r.id(), &target_user.email, &bundle).await?;
            Ok(bundle.role.id)
        })
        .await;
        if !auth.is_confirmed() {
            return Err(auth.stale());
        }
        payload(result, |id| DeleteRolePayload {
            deleted_role_id: Some(ids::encode(Kind::Role, id)),
            ..Default::default()
        })
    }
}
