//! The role guard (contract §4 steps 1–5) for one row and for `createRoles` as a whole,
//! and the `viewerCan…` answers of a role row, computed by the guard itself.

use super::*;

/// Step 2 for an input scope: IP roles need a workspace and no cluster, cluster roles a
/// cluster and no workspace, CLUSTER_SYSTEM_ADMIN neither.
pub(super) fn check_shape(
    role: RoleType,
    workspace_id: Option<Id>,
    cluster_id: Option<Id>,
) -> Result<(), Denial> {
    let fits = if role == CSA {
        workspace_id.is_none() && cluster_id.is_none()
    } else if role.is_ip() {
        workspace_id.is_some() && cluster_id.is_none()
    } else {
        workspace_id.is_none() && cluster_id.is_some()
    };
    if fits {
        Ok(())
    } else {
        Err(Denial::ScopeMismatch)
    }
}

/// Step 5: may the requester move a row of this scope from `old` to `new` (`None` = the row
/// does not exist before, or no longer exists after)?
fn authorize(
    requester: &Person,
    target: &Person,
    old: Option<RoleType>,
    new: Option<RoleType>,
    workspace_id: Option<Id>,
    cluster_id: Option<Id>,
) -> Result<(), Denial> {
    let involved: Vec<RoleType> = old.into_iter().chain(new).collect();
    let within = |set: &[RoleType]| involved.iter().all(|role| set.contains(role));
    let allowed = if involved.is_empty() {
        false
    } else if involved.iter().all(|role| !role.is_ip()) {
        if within(&[MEMBER, VIEWER]) {
            is_csa(requester)
                || holds_in_cluster(requester, IMO, cluster_id)
                || (holds_in_cluster(requester, MEMBER, cluster_id)
                    && same_partner(requester, target))
        } else if within(&[MEMBER, VIEWER, COORDINATOR]) {
            is_csa(requester) || holds_in_cluster(requester, IMO, cluster_id)
        } else if within(&[MEMBER, VIEWER, COORDINATOR, IMO]) {
            is_csa(requester)
        } else {
            old.is_none() && new == Some(CSA) && is_csa(requester)
        }
    } else if involved.iter().all(|role| role.is_ip()) {
        let ao = holds_in_workspace(requester, AO, workspace_id);
        let admin = holds_in_workspace(requester, IP_ADMIN, workspace_id);
        if !same_partner(requester, target) {
            false
        } else if within(&[IP_EDITOR, IP_VIEWER]) {
            ao || admin
        } else if within(&[IP_EDITOR, IP_VIEWER, IP_ADMIN]) {
            // Deleting an IP_ADMIN, or changing one into anything else, needs an AO
            // (contract 1.1 §9.2): an IP_ADMIN demoting a fellow admin and then deleting the
            // row would otherwise do in two steps what it may not do in one.
            if new.is_none() || old == Some(IP_ADMIN) {
                ao
            } else {
                ao || admin
            }
        } else {
            false
        }
    } else {
        false
    };
    if allowed {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// Step 1, common to every operation.
fn check_target(requester: &Person, target: &Person) -> Result<(), Denial> {
    if !target.is_active {
        Err(Denial::TargetDeactivated)
    } else if target.id == requester.id {
        Err(Denial::SelfModification)
    } else {
        Ok(())
    }
}

/// The guard for one new role; `request_denial` is the request-level part of step 4
/// (DUPLICATE_SCOPE, a CSA entry that is not alone), decided after ROLE_EXISTS_IN_SCOPE.
fn check_create(
    requester: &Person,
    new: &NewRole,
    target: &Person,
    request_denial: Option<Denial>,
) -> Result<(), Denial> {
    check_target(requester, target)?;
    check_shape(new.role, new.workspace_id, new.cluster_id)?;
    if new.role == AO {
        return Err(Denial::Forbidden);
    }
    let exists = target.roles.iter().any(|row| {
        row.role == CSA
            || (new.workspace_id.is_some() && row.workspace_id == new.workspace_id)
            || (new.cluster_id.is_some() && row.cluster_id == new.cluster_id)
    });
    if exists {
        return Err(Denial::RoleExistsInScope);
    }
    if let Some(denial) = request_denial {
        return Err(denial);
    }
    authorize(
        requester,
        target,
        None,
        Some(new.role),
        new.workspace_id,
        new.cluster_id,
    )
}

/// The guard for a change of one existing row.
fn check_update(
    requester: &Person,
    row: &RoleRow,
    role: Option<RoleType>,
    is_active: Option<bool>,
    target: &Person,
) -> Result<(), Denial> {
    check_target(requester, target)?;
    let new_role = role.filter(|new| *new != row.role);
    let toggles = is_active.is_some_and(|active| active != row.is_active);
    if let Some(new) = new_role {
        if new.is_ip() != row.role.is_ip() {
            return Err(Denial::ScopeMismatch);
        }
        if new == CSA || new == AO {
            return Err(Denial::Forbidden);
        }
    }
    if new_role.is_none() && !toggles {
        return Err(Denial::Validation);
    }
    if row.role == CSA {
        return Err(Denial::ImmutableRole);
    }
    if row.role == AO {
        if new_role.is_some() {
            return Err(Denial::ImmutableRole);
        }
        let same_workspace_officer = holds_in_workspace(requester, AO, row.workspace_id);
        return if same_workspace_officer && same_partner(requester, target) {
            Ok(())
        } else {
            Err(Denial::Forbidden)
        };
    }
    let (workspace_id, cluster_id) = (row.workspace_id, row.cluster_id);
    if let Some(new) = new_role {
        authorize(
            requester,
            target,
            Some(row.role),
            Some(new),
            workspace_id,
            cluster_id,
        )?;
    }
    if toggles {
        // Toggling needs the authority to delete the row; with a role change in the same
        // update, under both its old and its new role, since neither order is privileged.
        for as_role in [Some(row.role), new_role].into_iter().flatten() {
            authorize(
                requester,
                target,
                Some(as_role),
                None,
                workspace_id,
                cluster_id,
            )?;
        }
    }
    Ok(())
}

/// The guard for deleting one existing row.
fn check_delete(requester: &Person, row: &RoleRow, target: &Person) -> Result<(), Denial> {
    check_target(requester, target)?;
    if row.role == AO || row.role == CSA {
        return Err(Denial::ImmutableRole);
    }
    authorize(
        requester,
        target,
        Some(row.role),
        None,
        row.workspace_id,
        row.cluster_id,
    )
}

/// The role guard, contract §4 steps 1-5, for one row; the first decisive check wins.
///
/// The scope-shape check of step 2 applies to the scope given with a new role; an update
/// keeps its row's scope, so for it step 2 is the family, CSA/AO and no-change rules.
pub fn check_role(requester: &Person, op: &RoleOp<'_>, target: &Person) -> Result<(), Denial> {
    match op {
        RoleOp::Create(new) => check_create(requester, new, target, None),
        RoleOp::Update {
            row,
            role,
            is_active,
        } => check_update(requester, row, *role, *is_active, target),
        RoleOp::Delete { row } => check_delete(requester, row, target),
    }
}

/// `createRoles` as a whole: the guard for every entry plus the request-level rules of step 4
/// (DUPLICATE_SCOPE on the later of two entries with the same workspace or cluster, VALIDATION
/// on a CSA entry that is not the only entry). Returns every failing entry index with its
/// denial, in index order. An empty list passes; rejecting it is the caller's business.
pub fn check_create_roles(
    requester: &Person,
    target: &Person,
    entries: &[NewRole],
) -> Result<(), Vec<(usize, Denial)>> {
    let failures: Vec<(usize, Denial)> = entries
        .iter()
        .enumerate()
        .filter_map(|(index, entry)| {
            let duplicate = entries[..index].iter().any(|earlier| {
                (entry.workspace_id.is_some() && earlier.workspace_id == entry.workspace_id)
                    || (entry.cluster_id.is_some() && earlier.cluster_id == entry.cluster_id)
            });
            let request_denial = if duplicate {
                Some(Denial::DuplicateScope)
            } else if entry.role == CSA && entries.len() > 1 {
                Some(Denial::Validation)
            } else {
                None
            };
            check_create(requester, entry, target, request_denial)
                .err()
                .map(|denial| (index, denial))
        })
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

/// The role types `createRoles` would accept for this single scope (with no scope, only
/// CLUSTER_SYSTEM_ADMIN can pass); computed by [`check_create_roles`] itself.
pub fn assignable_roles(
    requester: &Person,
    target: &Person,
    workspace_id: Option<Id>,
    cluster_id: Option<Id>,
) -> Vec<RoleType> {
    RoleType::ALL
        .iter()
        .copied()
        .filter(|role| {
            let entry = NewRole {
                role: *role,
                workspace_id,
                cluster_id,
            };
            check_create_roles(requester, target, &[entry]).is_ok()
        })
        .collect()
}

/// A role operation on a row of `target` as the service decides it: NOT_FOUND for a target
/// the requester cannot see (§9.1), else the guard ([`check_role`]).
pub fn check_role_on(requester: &Person, op: &RoleOp<'_>, target: &Person) -> Result<(), Denial> {
    check_visible(requester, target)?;
    check_role(requester, op, target)
}

/// `PRPRole.viewerCanChangeTo`: the role types `updateRole` would accept for `row` now.
pub fn role_changes(requester: &Person, row: &RoleRow, target: &Person) -> Vec<RoleType> {
    RoleType::ALL
        .iter()
        .copied()
        .filter(|role| {
            let op = RoleOp::Update {
                row,
                role: Some(*role),
                is_active: None,
            };
            check_role_on(requester, &op, target).is_ok()
        })
        .collect()
}

/// `PRPRole.viewerCanToggle`: whether `updateRole` flipping `row`'s `isActive` would succeed.
pub fn may_toggle_role(requester: &Person, row: &RoleRow, target: &Person) -> bool {
    let op = RoleOp::Update {
        row,
        role: None,
        is_active: Some(!row.is_active),
    };
    check_role_on(requester, &op, target).is_ok()
}

/// `PRPRole.viewerCanDelete`: whether `deleteRole` of `row` would succeed.
pub fn may_delete_role(requester: &Person, row: &RoleRow, target: &Person) -> bool {
    check_role_on(requester, &RoleOp::Delete { row }, target).is_ok()
}
