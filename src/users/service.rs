//! The users' mutations as plain functions (one transaction each, guard, store, audit and
//! notice), and the reads of a mutation's two parties that the roles' mutations share.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::DatabaseTransaction;

use super::page::{PageRead, UserPage, UserRows};
use super::store::{self, NewUser};
use crate::audit::store::{record, record_with_notice, Change};
use crate::auth::Requester;
use crate::context::{authority, AppState, Auth, Call};
use crate::domain::{Portal, RoleType, UserType};
use crate::entity::user;
use crate::error::{ApiError, ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::permissions::{self, NewRole, Person};
use crate::roles::store::RoleBundle;
use crate::{notify, roles};

/// createUser's input, checked.
pub struct Invitation {
    pub portal: Portal,
    pub user_type: Option<UserType>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub position: Option<String>,
    pub partner_id: Option<i64>,
}

/// updateUser's input, checked: `None` leaves a field as it is.
pub struct NameChange {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub position: Option<Option<String>>,
}

/// Invites a user: the guard's plan (partner, a system admin's role), the invitation rate,
/// the row, its audit event and the invitation notice.
pub async fn create_user(call: Call<'_>, input: Invitation) -> Result<user::Model, MutationError> {
    let r = call.requester()?;
    let per_hour = call.state.config.invitations_per_hour;
    call.in_transaction(async |txn| {
        if per_hour > 0 {
            // First, before the shared lock of `authority`: two of this requester's
            // invitations, on any instances, count one after the other.
            store::lock_user(txn, r.id()).await?;
        }
        let me = authority(txn, r).await?;
        let plan =
            permissions::check_create_user(&me, input.portal, input.user_type, input.partner_id)
                .map_err(|(denial, field)| {
                    let path: Vec<&str> = field.map(|f| vec!["input", f]).unwrap_or_default();
                    UserError::denied(denial, &path)
                })?;
        if per_hour > 0 {
            check_invitation_rate(txn, r.id(), per_hour).await?;
        }
        if let Some(p) = plan.partner_id {
            if crate::partners::store::find(txn, p).await?.is_none() {
                return Err(UserError::new(
                    ErrorCode::NotFound,
                    "no such partner",
                    &["input", "partnerId"],
                )
                .into());
            }
        }
        if store::email_exists(txn, &input.email).await? {
            return Err(UserError::new(
                ErrorCode::EmailTaken,
                ErrorCode::EmailTaken.default_message(),
                &["input", "email"],
            )
            .into());
        }
        let u = store::insert(
            txn,
            NewUser {
                email: input.email,
                first_name: input.first_name,
                last_name: input.last_name,
                position: input.position,
                partner_id: plan.partner_id,
                is_active: true,
                last_login: None,
            },
        )
        .await?;
        record_with_notice(
            txn,
            Change {
                actor: Some(r.id()),
                action: "user.create",
                target_type: "User",
                target_id: u.id,
                before: None,
                after: Some(store::user_json(&u)),
            },
            Some(notify::invitation(&u.email, &u.first_name, input.portal)),
        )
        .await?;
        if plan.grant_system_admin {
            // Created like any other role, so its holder hears of it like any other.
            let role = NewRole {
                role: RoleType::ClusterSystemAdmin,
                workspace_id: None,
                cluster_id: None,
            };
            roles::grant::grant(txn, r.id(), &u, &role).await?;
        }
        Ok(u)
    })
    .await
}

/// Changes a user's names or position: the user itself, or whoever the guard lets.
pub async fn update_user(
    call: Call<'_>,
    id: &str,
    change: NameChange,
) -> Result<user::Model, MutationError> {
    let r = call.requester()?;
    call.in_transaction(async |txn| {
        let parties = load_target(txn, call.auth, id, &["input", "id"]).await?;
        if parties.target.id != r.id() {
            permissions::check_update_user(&parties.me, &parties.target)
                .map_err(|d| UserError::denied(d, &["input", "id"]))?;
        }
        let before = parties.target_user;
        let mut after = before.clone();
        if let Some(v) = change.first_name {
            after.first_name = v;
        }
        if let Some(v) = change.last_name {
            after.last_name = v;
        }
        if let Some(v) = change.position {
            after.position = v;
        }
        let after = store::update(txn, after).await?;
        record_user_change(txn, r.id(), "user.update", &before, &after).await?;
        Ok(after)
    })
    .await
}

/// Activates or deactivates a user; setting what already holds writes nothing.
pub async fn set_user_active(
    call: Call<'_>,
    id: &str,
    is_active: bool,
) -> Result<user::Model, MutationError> {
    let r = call.requester()?;
    call.in_transaction(async |txn| {
        let parties = load_target(txn, call.auth, id, &["input", "id"]).await?;
        permissions::check_set_user_active(&parties.me, &parties.target)
            .map_err(|d| UserError::denied(d, &["input", "id"]))?;
        let before = parties.target_user;
        if before.is_active == is_active {
            return Ok(before);
        }
        let mut after = before.clone();
        after.is_active = is_active;
        let after = store::update(txn, after).await?;
        let action = if is_active {
            "user.activate"
        } else {
            "user.deactivate"
        };
        record_user_change(txn, r.id(), action, &before, &after).await?;
        Ok(after)
    })
    .await
}

async fn record_user_change(
    txn: &DatabaseTransaction,
    actor: i64,
    action: &'static str,
    before: &user::Model,
    after: &user::Model,
) -> Result<(), MutationError> {
    record(
        txn,
        Change {
            actor: Some(actor),
            action,
            target_type: "User",
            target_id: after.id,
            before: Some(store::user_json(before)),
            after: Some(store::user_json(after)),
        },
    )
    .await?;
    Ok(())
}

/// Contract 1.1 §9.5: at most `per_hour` invitations by one requester in any trailing hour,
/// counted from the audit trail (so every instance agrees); RATE_LIMITED says when the next
/// one is possible: an hour after the oldest of the last `per_hour`.
async fn check_invitation_rate(
    txn: &DatabaseTransaction,
    requester: i64,
    per_hour: u32,
) -> Result<(), MutationError> {
    let hour = chrono::Duration::hours(1);
    let now = Utc::now();
    let recent =
        crate::audit::store::recent_invitations(txn, requester, now - hour, u64::from(per_hour))
            .await?;
    match recent.last() {
        Some(oldest) if recent.len() >= per_hour as usize => Err(UserError::new(
            ErrorCode::RateLimited,
            format!(
                "at most {per_hour} invitations per hour; the next is possible at {}",
                (*oldest + hour).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            &[],
        )
        .into()),
        _ => Ok(()),
    }
}

/// A users page with what `read` asks besides. A search may read the whole table, so it
/// waits for one of the instance's search permits first (see `AppState::searches`).
pub async fn users_page(
    state: &AppState,
    page: &UserPage,
    read: PageRead,
) -> Result<UserRows, ApiError> {
    let searching = page.filter.name_email.as_deref().map(str::trim);
    let _permit = match searching.filter(|t| !t.is_empty()) {
        Some(_) => Some(
            state
                .searches
                .acquire()
                .await
                .map_err(|e| ApiError::internal(&e))?,
        ),
        None => None,
    };
    Ok(super::page::page(&state.db, page, read).await?)
}

/// A user the requester may see, for a query: None when it does not exist or is hidden.
pub async fn visible_person(
    db: &impl sea_orm::ConnectionTrait,
    requester: &Person,
    id: i64,
) -> Result<Option<(user::Model, Person)>, ApiError> {
    Ok(store::find_person(db, id)
        .await?
        .filter(|(_, p)| p.id == requester.id || permissions::can_see_user(requester, p)))
}

/// The two parties of a mutation, as they stand inside its transaction.
pub struct Parties {
    /// The requester's authority: its roles as committed now, not as read at sign-in.
    pub me: Person,
    pub target_user: user::Model,
    pub target: Person,
    pub target_roles: Vec<RoleBundle>,
}

/// Reads and locks the requester and the target of a mutation inside its transaction (see
/// [`store::lock_parties`]): UNAUTHENTICATED when the requester was deactivated meanwhile
/// (as its next request would be), `not_found` when the target does not exist or the
/// requester may not see it. A remembered sign-in is confirmed here, by the requester's row
/// as it stands (same email, active), or the request signs in again (STALE_SIGN_IN).
pub async fn load_parties(
    txn: &sea_orm::DatabaseTransaction,
    auth: &Auth,
    target: store::Target,
    not_found: impl Fn() -> MutationError,
) -> Result<Parties, MutationError> {
    let (requester, confirmed) = auth.acting()?;
    let found = store::lock_parties(txn, requester.id(), target).await?;
    if !confirmed {
        match &found {
            Some(((me_user, me_roles), _))
                if me_user.is_active && me_user.email == requester.user.email =>
            {
                let roles: Vec<_> = me_roles.iter().map(|b| b.role.clone()).collect();
                auth.confirm(Arc::new(Requester::new(me_user.clone(), &roles)));
            }
            _ => return Err(auth.stale().into()),
        }
    }
    let Some(((me_user, me_roles), (target_user, target_roles))) = found else {
        return Err(not_found());
    };
    let me = store::person_of_bundles(&me_user, &me_roles);
    if !me.is_active {
        return Err(ApiError::unauthenticated("unknown or deactivated user").into());
    }
    let person = store::person_of_bundles(&target_user, &target_roles);
    if permissions::check_visible(&me, &person).is_err() {
        return Err(not_found());
    }
    Ok(Parties {
        me,
        target_user,
        target: person,
        target_roles,
    })
}

/// [`load_parties`] for a user named by a GraphQL ID at `field`: VALIDATION for a malformed
/// ID, NOT_FOUND for a missing or hidden user.
pub async fn load_target(
    txn: &sea_orm::DatabaseTransaction,
    auth: &Auth,
    id: &str,
    field: &[&str],
) -> Result<Parties, MutationError> {
    let id = ids::decode(Kind::User, id)
        .ok_or_else(|| UserError::new(ErrorCode::Validation, "not a User ID", field))?;
    load_parties(txn, auth, store::Target::User(id), || {
        UserError::new(ErrorCode::NotFound, "no such user", field).into()
    })
    .await
}
