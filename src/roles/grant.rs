//! Granting one role: its row, its audit event and its holder's notice. Shared by createRoles
//! and by an invitation of a system admin (`users::service`), so a role is created one way.

use sea_orm::ConnectionTrait;

use super::store;
use crate::audit::store::{record_with_notice, Change};
use crate::entity::{prp_role, user};
use crate::error::MutationError;
use crate::notify::{self, RoleChange};
use crate::permissions::NewRole;
use crate::workspaces;

/// Creates the role `entry` of `holder`, by `actor`, with its audit event and notice.
pub async fn grant(
    txn: &impl ConnectionTrait,
    actor: i64,
    holder: &user::Model,
    entry: &NewRole,
) -> Result<prp_role::Model, MutationError> {
    let (workspace_id, cluster_id) = (entry.workspace_id, entry.cluster_id);
    let role = store::insert(txn, holder.id, entry.role, workspace_id, cluster_id, true).await?;
    let scope = workspaces::store::scope_label(txn, workspace_id, cluster_id).await?;
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
            &holder.email,
            RoleChange::Assigned,
            entry.role,
            &scope,
        )),
    )
    .await?;
    Ok(role)
}
