//! Request limits that async-graphql does not offer itself (aliases of one field), and the
//! per-operation metrics. Both run in the HTTP layer around the execution rather than as
//! async-graphql extensions: with any extension installed, async-graphql wraps every field's
//! resolution in the extension chain (boxed futures and a registry lookup per field), which
//! cost ~8% of the CPU of a users page.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::ServerError;

fn count_aliases(set: &SelectionSet, counts: &mut HashMap<String, usize>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                if field.node.alias.is_some() {
                    *counts.entry(field.node.name.node.to_string()).or_default() += 1;
                }
                count_aliases(&field.node.selection_set.node, counts);
            }
            Selection::InlineFragment(fragment) => {
                count_aliases(&fragment.node.selection_set.node, counts);
            }
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Refuses documents that alias one field more than `max` times.
pub fn check_aliases(doc: &ExecutableDocument, max: usize) -> Result<(), ServerError> {
    let mut counts = HashMap::new();
    for (_, op) in doc.operations.iter() {
        count_aliases(&op.node.selection_set.node, &mut counts);
    }
    for fragment in doc.fragments.values() {
        count_aliases(&fragment.node.selection_set.node, &mut counts);
    }
    match counts.into_iter().find(|(_, n)| *n > max) {
        None => Ok(()),
        Some((name, n)) => {
            let mut err = ServerError::new(
                format!("field {name:?} is aliased {n} times; at most {max} allowed"),
                None,
            );
            err.extensions = Some({
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", "BAD_USER_INPUT");
                ext
            });
            Err(err)
        }
    }
}

/// The name of the operation a request runs: the one it asks for, else the name of the
/// document's only operation.
pub fn operation_name(doc: &ExecutableDocument, requested: Option<String>) -> Option<String> {
    requested.or_else(|| match &doc.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            ops.keys().next().map(|name| name.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    })
}

/// Records one executed operation's count and latency under its name (a bounded label: the
/// name when it is a plain identifier of at most 64 characters, else "anonymous").
pub fn record_operation(operation_name: Option<&str>, ok: bool, elapsed: std::time::Duration) {
    let label = operation_name
        .filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or("anonymous")
        .to_owned();
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("idm_graphql_requests_total", "operation" => label.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("idm_graphql_request_duration_seconds", "operation" => label)
        .record(elapsed.as_secs_f64());
}

/// Whether the operation `name` of `doc` may start from a remembered sign-in (see
/// `graphql::Auth`): a query whose root fields are all `users` (or `__typename`), or a
/// mutation that is a single `updateRole`, `createRoles` or `deleteRole`. Their resolvers
/// read the requester's authority in the statement they rely on and confirm it before
/// anything else uses it or anything is written, so a request that finds it changed can be
/// rerun after a sign-in. Fragments at the root and every other operation sign in first.
pub fn may_start_remembered(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    let operation = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    let fields: Option<Vec<&str>> = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        })
        .collect();
    let Some(fields) = fields else {
        return false;
    };
    match operation.node.ty {
        OperationType::Query => fields.iter().all(|f| matches!(*f, "users" | "__typename")),
        OperationType::Mutation => {
            matches!(
                fields.as_slice(),
                ["updateRole" | "createRoles" | "deleteRole"]
            )
        }
        OperationType::Subscription => false,
    }
}
