//! The roles' mutations as plain functions: each one transaction in which the requester and
//! the role's holder are read and locked, the guard decides, and the change is written with
//! its audit event and notice.

use sea_orm::ConnectionTrait;

use super::store::{self, RoleBundle};
use crate::audit::store::{apply_and_record, Change};
use crate::context::{Auth, Call};
use crate::domain::RoleType;
use crate::entity::{prp_role, user};
use crate::error::{ApiError, ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::notify::{self, RoleChange};
use crate::permissions::{self, NewRole, Person, RoleOp, RoleRow};
use crate::users::service::{load_parties, load_target, visible_person, Parties};
use crate::users::store::Target;
use crate::{users, workspaces};

/// The roles `requester` may give the user `user_id` in the scope: none when the user is not
/// visible to it or the scope does not exist (the guard's `assignable_roles` otherwise).
pub async fn assignable_roles(
    db: &impl ConnectionTrait,
    requester: &Person,
    user_id: i64,
    workspace_id: Option<i64>,
    cluster_id: Option<i64>,
) -> Result<Vec<RoleType>, ApiError> {
    let Some((_, target)) = visible_person(db, requester, user_id).await? else {
        return Ok(vec![]);
    };
    let probe = NewRole {
        role: RoleType::IpViewer,
        workspace_id,
        cluster_id,
    };
    match check_scopes_exist(db, &[probe]).await {
        Ok(()) => Ok(permissions::assignable_roles(
            requester,
            &target,
            workspace_id,
            cluster_id,
        )),
        Err(MutationError::Rejected(_)) => Ok(vec![]),
        Err(MutationError::Api(e)) => Err(e),
    }
}

/// Grants every entry to the user `user_id`, or none: the guard decides per entry and names
/// each refused one.
pub async fn create_roles(
    call: Call<'_>,
    user_id: &str,
    entries: &[NewRole],
) -> Result<(user::Model, Vec<prp_role::Model>), MutationError> {
    call.in_transaction(async |txn| {
        let Parties {
            me,
            target_user,
            target,
            ..
        } = load_target(txn, call.auth, user_id, &["input", "userId"]).await?;
        let r = call.requester()?;
        if let Err(denials) = permissions::check_create_roles(&me, &target, entries) {
            return Err(MutationError::Rejected(
                denials
                    .into_iter()
                    .map(|(i, d)| {
                        let code = ErrorCode::from(d);
                        UserError::new(code, code.default_message(), &[]).with_field(denial_path(
                            i,
                            &entries[i],
                            d,
                        ))
                    })
                    .collect(),
            ));
        }
        check_scopes_exist(txn, entries).await?;
        let created = write_roles(txn, r.id(), &target_user, &target, entries).await?;
        Ok((target_user, created))
    })
    .await
}

/// Changes a role's type (within its family) and/or activity.
pub async fn update_role(
    call: Call<'_>,
    id: &str,
    role: Option<RoleType>,
    is_active: Option<bool>,
) -> Result<RoleBundle, MutationError> {
    call.in_transaction(async |txn| {
        let (bundle, row, parties) = load_role(txn, call.auth, id).await?;
        let r = call.requester()?;
        let (me, target) = (&parties.me, &parties.target);
        let before = bundle.role.clone();
        let op = RoleOp::Update {
            row: &row,
            role,
            is_active,
        };
        permissions::check_role(me, &op, target).map_err(|d| {
            let field = match d {
                permissions::Denial::ScopeMismatch | permissions::Denial::Validation
                    if role.is_some() =>
                {
                    "role"
                }
                permissions::Denial::Validation => "isActive",
                _ => "id",
            };
            UserError::denied(d, &["input", field])
        })?;
        let mut after = before.clone();
        if let Some(role) = role {
            after.role = role;
        }
        if let Some(active) = is_active {
            after.is_active = active;
        }
        let (write, after) = store::update_statement(after);
        let scope = scope_label_of(&bundle);
        let notice = notify::role_notice(
            &parties.target_user.email,
            RoleChange::Changed,
            after.role,
            &scope,
        );
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
            Some(notice),
        )
        .await?;
        Ok(RoleBundle {
            role: after,
            ..bundle
        })
    })
    .await
}

/// Removes a role; returns its id.
pub async fn delete_role(call: Call<'_>, id: &str) -> Result<i64, MutationError> {
    call.in_transaction(async |txn| {
        let (bundle, row, parties) = load_role(txn, call.auth, id).await?;
        let r = call.requester()?;
        permissions::check_role(&parties.me, &RoleOp::Delete { row: &row }, &parties.target)
            .map_err(|d| UserError::denied(d, &["input", "id"]))?;
        remove_role(txn, r.id(), &parties.target_user.email, &bundle).await?;
        Ok(bundle.role.id)
    })
    .await
}

/// The path of a createRoles entry, or of one of its fields.
pub fn entry_path(i: usize, field: Option<&str>) -> Vec<String> {
    let mut path = vec!["input".to_owned(), "roles".to_owned(), i.to_string()];
    if let Some(f) = field {
        path.push(f.to_owned());
    }
    path
}

/// Checks that the scopes of the entries exist; NOT_FOUND on the entry's field otherwise.
pub async fn check_scopes_exist(
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
            if !old.role.role.is_ip() {
                remove_role(txn, actor, &target_user.email, &old).await?;
            }
        }
    }
    let mut created = Vec::with_capacity(entries.len());
    for e in entries {
        created.push(super::grant::grant(txn, actor, target_user, e).await?);
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
    let scope = scope_label_of(bundle);
    let notice = notify::role_notice(email, RoleChange::Removed, role.role, &scope);
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
        Some(notice),
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
    id: &str,
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
    let row = users::store::role_row(&role.role);
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
