//! The texts of notifications: subject and body per portal, naming the scope and role label.

use crate::domain::{Portal, RoleType};
use crate::outbox::store::Message;

fn portal_name(portal: Portal) -> &'static str {
    match portal {
        Portal::Ip => "IP Reporting",
        Portal::Cluster => "Cluster Reporting",
    }
}

/// "Access granted" invitation of a new user.
pub fn invitation(recipient: &str, first_name: &str, portal: Portal) -> Message {
    let name = portal_name(portal);
    Message {
        kind: "invitation",
        recipient: recipient.to_owned(),
        subject: format!("Access granted to the {name} portal"),
        body: format!(
            "Dear {first_name},\n\nYou have been given access to the {name} portal. \
             Sign in with your organisation account to get started.\n"
        ),
    }
}

/// What happened to a role.
#[derive(Copy, Clone, Debug)]
pub enum RoleChange {
    Assigned,
    Changed,
    Removed,
}

/// A role notice to the role's holder; `scope` names the workspace or cluster.
pub fn role_notice(recipient: &str, change: RoleChange, role: RoleType, scope: &str) -> Message {
    let name = portal_name(role.portal());
    let label = role.label();
    let (kind, subject, sentence) = match change {
        RoleChange::Assigned => (
            "role_assigned",
            format!("{name}: role assigned"),
            format!("You have been given the role {label} in {scope}."),
        ),
        RoleChange::Changed => (
            "role_changed",
            format!("{name}: role changed"),
            format!("Your role in {scope} is now {label}."),
        ),
        RoleChange::Removed => (
            "role_removed",
            format!("{name}: role removed"),
            format!("Your role {label} in {scope} has been removed."),
        ),
    };
    Message {
        kind,
        recipient: recipient.to_owned(),
        subject,
        body: format!("Hello,\n\n{sentence}\n\nThis message was sent by the {name} portal.\n"),
    }
}
