//! Who may see and change what: the role guard (contract §4), visibility (§3) and the user and
//! partner rules (§5), as pure functions of the requester, the operation and the target.
//! No database and no async here; the stores turn the returned scopes into queries.

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

/// Step 2 for an input scope: IP roles need a workspace and no cluster, cluster roles a
/// cluster and no workspace, CLUSTER_SYSTEM_ADMIN neither.
fn check_shape(
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

/// Who the requester may list on a portal (contract §3). The requester itself is never
/// listed; excluding it is the caller's business, [`UserScope::admits`] does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserScope {
    /// Every user.
    All,
    /// Users with this partner (`None` = nobody: two users without a partner are never
    /// the same partner).
    SamePartner(Option<Id>),
    /// IP portal: users of this partner (`None` = nobody) who hold a role, active or not, in
    /// one of these workspaces, or hold no roles at all, or hold any cluster-portal role
    /// (CLUSTER_SYSTEM_ADMIN included).
    IpPartner {
        /// The requester's partner.
        partner_id: Option<Id>,
        /// Workspaces where the requester is an active AO or IP_ADMIN, sorted and distinct.
        workspace_ids: Vec<Id>,
    },
}

impl UserScope {
    /// Whether the scope includes `target`; it does not exclude the requester itself.
    pub fn admits(&self, target: &Person) -> bool {
        match self {
            UserScope::All => true,
            UserScope::SamePartner(partner_id) => {
                partner_id.is_some() && target.partner_id == *partner_id
            }
            UserScope::IpPartner {
                partner_id,
                workspace_ids,
            } => {
                partner_id.is_some()
                    && target.partner_id == *partner_id
                    && (target.roles.is_empty()
                        || target.roles.iter().any(|row| {
                            !row.role.is_ip()
                                || row
                                    .workspace_id
                                    .is_some_and(|workspace| workspace_ids.contains(&workspace))
                        }))
            }
        }
    }
}

/// Who the requester may list on `portal`; FORBIDDEN when no rule of contract §3 applies.
pub fn user_scope(requester: &Person, portal: Portal) -> Result<UserScope, Denial> {
    match portal {
        Portal::Cluster => {
            if is_csa(requester) || holds(requester, IMO) {
                Ok(UserScope::All)
            } else if holds(requester, MEMBER) {
                Ok(UserScope::SamePartner(requester.partner_id))
            } else {
                Err(Denial::Forbidden)
            }
        }
        Portal::Ip => {
            let workspace_ids: Vec<Id> = active_roles(requester)
                .filter(|row| row.role == AO || row.role == IP_ADMIN)
                .filter_map(|row| row.workspace_id)
                .collect();
            if holds(requester, AO) || holds(requester, IP_ADMIN) {
                Ok(UserScope::IpPartner {
                    partner_id: requester.partner_id,
                    workspace_ids: distinct(workspace_ids),
                })
            } else {
                Err(Denial::Forbidden)
            }
        }
    }
}

/// `user(id)` and `node(id)`: the target is the requester, or in its list on either portal.
pub fn can_see_user(requester: &Person, target: &Person) -> bool {
    target.id == requester.id
        || [Portal::Ip, Portal::Cluster].into_iter().any(
            |portal| matches!(user_scope(requester, portal), Ok(scope) if scope.admits(target)),
        )
}

/// Contract 1.1 §9.1: a target the requester cannot see does not exist for it. Checked
/// before the guard by every mutation on a user or on a user's role, and by the
/// `viewerCan…` answers, so no other code can reveal that such a user exists.
pub fn check_visible(requester: &Person, target: &Person) -> Result<(), Denial> {
    if target.id == requester.id || can_see_user(requester, target) {
        Ok(())
    } else {
        Err(Denial::NotFound)
    }
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

/// Which partners the requester may read, or may assign users to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartnerScope {
    /// Every partner.
    All,
    /// Only this partner (`None` = none at all).
    Own(Option<Id>),
}

/// `partners` and `partner(id)`: CSA or any CLUSTER_IMO sees all; anyone else its own partner.
pub fn partner_scope(requester: &Person) -> PartnerScope {
    if is_csa(requester) || holds(requester, IMO) {
        PartnerScope::All
    } else {
        PartnerScope::Own(requester.partner_id)
    }
}

/// Which workspaces the requester may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceScope {
    /// Every workspace.
    All,
    /// These workspaces, plus the workspaces of these clusters (the caller maps clusters to
    /// workspaces through their response plans). Both lists are sorted and distinct.
    Of {
        /// Workspaces where the requester holds an active IP role.
        workspace_ids: Vec<Id>,
        /// Clusters where the requester holds an active cluster role.
        cluster_ids: Vec<Id>,
    },
}

/// `workspaces`: CSA sees all; others the workspaces of their active roles.
pub fn workspace_scope(requester: &Person) -> WorkspaceScope {
    if is_csa(requester) {
        return WorkspaceScope::All;
    }
    let workspace_ids = active_roles(requester)
        .filter(|row| row.role.is_ip())
        .filter_map(|row| row.workspace_id)
        .collect();
    let cluster_ids = active_roles(requester)
        .filter(|row| !row.role.is_ip())
        .filter_map(|row| row.cluster_id)
        .collect();
    WorkspaceScope::Of {
        workspace_ids: distinct(workspace_ids),
        cluster_ids: distinct(cluster_ids),
    }
}

/// Which clusters the requester may assign roles in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClusterScope {
    /// Every cluster.
    All,
    /// Only these clusters, sorted and distinct.
    Only(Vec<Id>),
}

/// The active clusters of the requester's rows of `role`, sorted and distinct.
fn clusters_of(requester: &Person, role: RoleType) -> Vec<Id> {
    distinct(
        active_roles(requester)
            .filter(|row| row.role == role)
            .filter_map(|row| row.cluster_id)
            .collect(),
    )
}

/// `assignableClusters`: CSA all; else the clusters where R is IMO; else the clusters where R
/// is CLUSTER_MEMBER; else FORBIDDEN.
pub fn assignable_cluster_scope(requester: &Person) -> Result<ClusterScope, Denial> {
    if is_csa(requester) {
        return Ok(ClusterScope::All);
    }
    let imo = clusters_of(requester, IMO);
    if !imo.is_empty() {
        return Ok(ClusterScope::Only(imo));
    }
    let member = clusters_of(requester, MEMBER);
    if !member.is_empty() {
        return Ok(ClusterScope::Only(member));
    }
    Err(Denial::Forbidden)
}

/// `assignablePartners`: CSA or IMO all; a cluster member its own partner; else FORBIDDEN.
pub fn assignable_partner_scope(requester: &Person) -> Result<PartnerScope, Denial> {
    if is_csa(requester) || holds(requester, IMO) {
        Ok(PartnerScope::All)
    } else if holds(requester, MEMBER) {
        Ok(PartnerScope::Own(requester.partner_id))
    } else {
        Err(Denial::Forbidden)
    }
}

/// `auditEvents`: CSA sees every event; anyone else only the events it performed.
pub fn sees_all_audit(requester: &Person) -> bool {
    is_csa(requester)
}

/// The derived `userType` (contract §1): CLUSTER_ADMIN if the user holds a
/// CLUSTER_SYSTEM_ADMIN row, else IMO if it holds CLUSTER_IMO, else PARTNER if it has a
/// partner or any other role, else none. Rows count whether active or not.
pub fn user_type(person: &Person) -> Option<UserType> {
    let has = |role: RoleType| person.roles.iter().any(|row| row.role == role);
    if has(CSA) {
        Some(UserType::ClusterAdmin)
    } else if has(IMO) {
        Some(UserType::Imo)
    } else if person.partner_id.is_some() || !person.roles.is_empty() {
        Some(UserType::Partner)
    } else {
        None
    }
}

/// What `createUser` is to do once the guard lets it through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewUserPlan {
    /// The partner of the new user.
    pub partner_id: Option<Id>,
    /// Also create the CLUSTER_SYSTEM_ADMIN role (userType CLUSTER_ADMIN).
    pub grant_system_admin: bool,
}

/// `createUser` (contract §5). Input errors come first and carry the input field name
/// (`userType`, `partnerId`); authority errors carry none.
pub fn check_create_user(
    requester: &Person,
    portal: Portal,
    user_type: Option<UserType>,
    partner_id: Option<Id>,
) -> Result<NewUserPlan, (Denial, Option<&'static str>)> {
    const FORBIDDEN: (Denial, Option<&str>) = (Denial::Forbidden, None);
    match portal {
        Portal::Ip => {
            if user_type.is_some() {
                return Err((Denial::Validation, Some("userType")));
            }
            if partner_id.is_some() {
                return Err((Denial::Validation, Some("partnerId")));
            }
            let officer = holds(requester, AO) || holds(requester, IP_ADMIN);
            if officer && requester.partner_id.is_some() {
                Ok(NewUserPlan {
                    partner_id: requester.partner_id,
                    grant_system_admin: false,
                })
            } else {
                Err(FORBIDDEN)
            }
        }
        Portal::Cluster => match user_type {
            None => Err((Denial::Validation, Some("userType"))),
            Some(UserType::Partner) => {
                let Some(partner) = partner_id else {
                    return Err((Denial::Validation, Some("partnerId")));
                };
                let allowed = is_csa(requester)
                    || holds(requester, IMO)
                    || (holds(requester, MEMBER) && requester.partner_id == Some(partner));
                if allowed {
                    Ok(NewUserPlan {
                        partner_id: Some(partner),
                        grant_system_admin: false,
                    })
                } else {
                    Err(FORBIDDEN)
                }
            }
            Some(kind @ (UserType::Imo | UserType::ClusterAdmin)) => {
                if partner_id.is_some() {
                    return Err((Denial::Validation, Some("partnerId")));
                }
                if is_csa(requester) {
                    Ok(NewUserPlan {
                        partner_id: None,
                        grant_system_admin: kind == UserType::ClusterAdmin,
                    })
                } else {
                    Err(FORBIDDEN)
                }
            }
        },
    }
}

/// `updateUser` (names, position): the requester itself, or a requester who may see the
/// target and could create a user of the target's kind ([`user_type`]): CLUSTER_ADMIN and IMO
/// kinds only a CSA; other kinds a CSA, an IMO, or a cluster member, AO or IP_ADMIN of the
/// same partner. A deactivated target may be updated.
pub fn check_update_user(requester: &Person, target: &Person) -> Result<(), Denial> {
    if target.id == requester.id {
        return Ok(());
    }
    let could_create = match user_type(target) {
        Some(UserType::ClusterAdmin | UserType::Imo) => is_csa(requester),
        Some(UserType::Partner) | None => {
            is_csa(requester)
                || holds(requester, IMO)
                || ((holds(requester, MEMBER)
                    || holds(requester, AO)
                    || holds(requester, IP_ADMIN))
                    && same_partner(requester, target))
        }
    };
    if could_create && can_see_user(requester, target) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// `setUserActive` (contract §5): never on oneself; a CSA for anyone; an AO for same-partner
/// users whose roles are all IP_ADMIN/IP_EDITOR/IP_VIEWER in workspaces where it is AO; an
/// IP_ADMIN for same-partner users whose roles are all IP_EDITOR/IP_VIEWER in workspaces where
/// it is IP_ADMIN. A target without roles qualifies for both; the target's inactive rows count.
pub fn check_set_user_active(requester: &Person, target: &Person) -> Result<(), Denial> {
    if target.id == requester.id {
        return Err(Denial::SelfModification);
    }
    let manages = |own: RoleType, managed: &[RoleType]| {
        same_partner(requester, target)
            && holds(requester, own)
            && target.roles.iter().all(|row| {
                managed.contains(&row.role) && holds_in_workspace(requester, own, row.workspace_id)
            })
    };
    if is_csa(requester)
        || manages(AO, &[IP_ADMIN, IP_EDITOR, IP_VIEWER])
        || manages(IP_ADMIN, &[IP_EDITOR, IP_VIEWER])
    {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// `createPartner`, `updatePartner`: CSA or IMO (of any cluster).
pub fn check_manage_partners(requester: &Person) -> Result<(), Denial> {
    if is_csa(requester) || holds(requester, IMO) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

/// `createWorkspace`, `createResponsePlan`, `createCluster`: CSA only.
pub fn check_manage_reference_data(requester: &Person) -> Result<(), Denial> {
    if is_csa(requester) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
#[path = "permissions_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "permissions_props.rs"]
mod props;
