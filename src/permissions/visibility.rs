//! Who may see what (contract §3, 1.1 §9.1 and §9.8): the users a requester may list on each
//! portal, partners, workspaces, the clusters and partners it may assign, audit events.

use super::*;

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
