//! Who may see and change what: the role guard (contract §4), visibility (§3) and the user and
//! partner rules (§5), as pure functions of the requester, the operation and the target.
//! No database and no async here; the stores turn the returned scopes into queries.
//!
//! `roles`: the role guard and the `viewerCan…` answers built on it; `visibility`: who may
//! see which users, partners, workspaces, clusters and audit events; `users`: the user and
//! partner mutations' rules. The types and the small predicates they share are here.

mod roles;
mod users;
mod visibility;

pub use roles::*;
pub use users::*;
pub use visibility::*;

use crate::domain::{Portal, RoleType, UserType};

/// A database id of a user, role, workspace, cluster or partner.
pub type Id = i64;

/// One role row as the guard sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRow {
    /// The role's id.
    pub id: Id,
    /// The role type.
    pub role: RoleType,
    /// The workspace of an IP role.
    pub workspace_id: Option<Id>,
    /// The cluster of a cluster role (none for CLUSTER_SYSTEM_ADMIN).
    pub cluster_id: Option<Id>,
    /// Inactive rows still count for the target but grant the requester nothing.
    pub is_active: bool,
}

/// A user with its roles (requester or target).
#[derive(Clone, Debug)]
pub struct Person {
    /// The user's id.
    pub id: Id,
    /// A deactivated requester holds no authority at all.
    pub is_active: bool,
    /// The user's partner organisation, if any.
    pub partner_id: Option<Id>,
    /// Every role row of the user, active or not.
    pub roles: Vec<RoleRow>,
}

/// Why the guard refused; maps 1:1 onto the contract's `ErrorCode` values.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// VALIDATION: malformed input, e.g. an update that changes nothing.
    Validation,
    /// FORBIDDEN: the requester lacks the authority.
    Forbidden,
    /// ROLE_EXISTS_IN_SCOPE: the target already holds a role in that scope, or is CSA.
    RoleExistsInScope,
    /// DUPLICATE_SCOPE: two entries of one request name the same workspace or cluster.
    DuplicateScope,
    /// SCOPE_MISMATCH: the scope does not fit the role type, or a change across families.
    ScopeMismatch,
    /// TARGET_DEACTIVATED: the target user is deactivated.
    TargetDeactivated,
    /// SELF_MODIFICATION: the requester acts on its own roles or account.
    SelfModification,
    /// IMMUTABLE_ROLE: authorized-officer and system-admin rows cannot be changed this way.
    ImmutableRole,
    /// NOT_FOUND: the target is neither the requester nor visible to it (contract 1.1 §9.1).
    NotFound,
}

impl Denial {
    /// The contract's `ErrorCode` name of this denial.
    pub fn code(self) -> &'static str {
        match self {
            Denial::Validation => "VALIDATION",
            Denial::Forbidden => "FORBIDDEN",
            Denial::RoleExistsInScope => "ROLE_EXISTS_IN_SCOPE",
            Denial::DuplicateScope => "DUPLICATE_SCOPE",
            Denial::ScopeMismatch => "SCOPE_MISMATCH",
            Denial::TargetDeactivated => "TARGET_DEACTIVATED",
            Denial::SelfModification => "SELF_MODIFICATION",
            Denial::ImmutableRole => "IMMUTABLE_ROLE",
            Denial::NotFound => "NOT_FOUND",
        }
    }
}

/// A role to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewRole {
    /// The role type.
    pub role: RoleType,
    /// The workspace (IP roles only).
    pub workspace_id: Option<Id>,
    /// The cluster (cluster roles other than CLUSTER_SYSTEM_ADMIN only).
    pub cluster_id: Option<Id>,
}

/// One operation on one role row, as checked by [`check_role`].
#[derive(Clone, Debug)]
pub enum RoleOp<'a> {
    /// Create a role for the target.
    Create(NewRole),
    /// Change an existing row of the target; `None` leaves a field as it is.
    Update {
        /// The row as it is now.
        row: &'a RoleRow,
        /// The new role type.
        role: Option<RoleType>,
        /// The new active flag.
        is_active: Option<bool>,
    },
    /// Delete an existing row of the target.
    Delete {
        /// The row to delete.
        row: &'a RoleRow,
    },
}

const AO: RoleType = RoleType::IpAuthorizedOfficer;
const IP_ADMIN: RoleType = RoleType::IpAdmin;
const IP_EDITOR: RoleType = RoleType::IpEditor;
const IP_VIEWER: RoleType = RoleType::IpViewer;
const CSA: RoleType = RoleType::ClusterSystemAdmin;
const IMO: RoleType = RoleType::ClusterImo;
const MEMBER: RoleType = RoleType::ClusterMember;
const VIEWER: RoleType = RoleType::ClusterViewer;
const COORDINATOR: RoleType = RoleType::ClusterCoordinator;

/// The rows that grant authority: active rows of an active user.
fn active_roles(person: &Person) -> impl Iterator<Item = &RoleRow> {
    person
        .roles
        .iter()
        .filter(move |row| person.is_active && row.is_active)
}

/// The person holds an active row of `role` anywhere.
fn holds(person: &Person, role: RoleType) -> bool {
    active_roles(person).any(|row| row.role == role)
}

/// The person holds an active row of `role` in workspace `workspace`.
fn holds_in_workspace(person: &Person, role: RoleType, workspace: Option<Id>) -> bool {
    workspace.is_some()
        && active_roles(person).any(|row| row.role == role && row.workspace_id == workspace)
}

/// The person holds an active row of `role` in cluster `cluster`.
fn holds_in_cluster(person: &Person, role: RoleType, cluster: Option<Id>) -> bool {
    cluster.is_some()
        && active_roles(person).any(|row| row.role == role && row.cluster_id == cluster)
}

/// "R is CSA": an active CLUSTER_SYSTEM_ADMIN row of an active user.
fn is_csa(person: &Person) -> bool {
    holds(person, CSA)
}

/// Both have a partner and it is the same one.
fn same_partner(a: &Person, b: &Person) -> bool {
    a.partner_id.is_some() && a.partner_id == b.partner_id
}

/// Distinct, sorted ids.
fn distinct(mut ids: Vec<Id>) -> Vec<Id> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
