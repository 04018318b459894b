//! The rules of the user and partner mutations (contract §5) and the derived `userType`.

use super::*;

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
