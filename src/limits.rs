//! Request limits that async-graphql does not offer itself (the nesting of a document's
//! text, aliases of one field), and the per-operation metrics. Both run around the execution
//! (`http`, `execution`) rather than as async-graphql extensions: with any extension
//! installed, async-graphql wraps every field's resolution in the extension chain (boxed
//! futures and a registry lookup per field), which cost ~8% of the CPU of a users page.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::ServerError;

/// The deepest nesting of `[`, `{` and `(` a document may have. async-graphql's parser
/// recurses on each of them, and bounds only the nesting of selection sets: a list value
/// nested a few thousand deep overflowed the stack and took the process down. GraphiQL's
/// introspection document nests 13 deep, the console's documents less.
pub const MAX_NESTING: usize = 64;

/// Refuses a document whose `[`, `{` or `(` nest deeper than `max`, by a scan of its bytes
/// that skips strings, block strings and comments; run before anything parses the text.
/// Linear in the text and without recursion, whatever the text holds.
pub fn check_nesting(query: &str, max: usize) -> Result<(), String> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                // A block string ends at the first unescaped `"""`; `\"""` is an escape.
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(format!("the document nests brackets more than {max} deep"));
                }
            }
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// A refusal of the document, with the code every such refusal carries.
fn bad_input(message: String) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions = Some({
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", "BAD_USER_INPUT");
        ext
    });
    err
}

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
        Some((name, n)) => Err(bad_input(format!(
            "field {name:?} is aliased {n} times; at most {max} allowed"
        ))),
    }
}

/// The name of the operation a request runs: the one it asks for when the document has an
/// operation of that name, else the name of the document's only operation.
pub fn operation_name(doc: &ExecutableDocument, requested: Option<String>) -> Option<String> {
    match (&doc.operations, requested) {
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.contains_key(name.as_str()).then_some(name)
        }
        (DocumentOperations::Single(_), _) => None,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.keys().next().map(|name| name.to_string())
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Most distinct operation names the metrics carry as labels; later names count as "other".
pub const MAX_OPERATION_LABELS: usize = 200;

/// The operation names the metrics have labelled so far (at most [`MAX_OPERATION_LABELS`]):
/// a label is a time series kept for the life of the process, so clients that invent names
/// must not add series without end.
#[derive(Default)]
pub struct OperationLabels {
    seen: Mutex<HashSet<String>>,
}

impl OperationLabels {
    /// The label for `name`: the name while there is room for it (a plain identifier of at
    /// most 64 characters), "other" once the labels are full, "anonymous" without a name.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name
            .filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        else {
            return "anonymous".to_owned();
        };
        // A panic while holding the lock leaves a set that is still consistent.
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() >= MAX_OPERATION_LABELS {
            return "other".to_owned();
        }
        seen.insert(name.to_owned());
        name.to_owned()
    }
}

/// Records one executed operation's count and latency under its label.
pub fn record_operation(label: String, ok: bool, elapsed: std::time::Duration) {
    let outcome = if ok { "ok" } else { "error" };
    metrics::counter!("idm_graphql_requests_total", "operation" => label.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("idm_graphql_request_duration_seconds", "operation" => label)
        .record(elapsed.as_secs_f64());
}

/// The introspection fields of the query root.
fn is_introspection_root(name: &str) -> bool {
    matches!(name, "__schema" | "__type" | "__typename")
}

/// Whether every root field of every operation of `doc` is `__schema`, `__type` or
/// `__typename` (through fragments at the root too): such a document reads only the schema,
/// which is public, and is answered without a token (contract 1.1 §9.6).
pub fn is_introspection_only(doc: &ExecutableDocument) -> bool {
    fn root_fields_introspect(
        set: &SelectionSet,
        doc: &ExecutableDocument,
        seen: &mut Vec<String>,
    ) -> bool {
        set.items.iter().all(|item| match &item.node {
            Selection::Field(field) => is_introspection_root(field.node.name.node.as_str()),
            Selection::InlineFragment(fragment) => {
                root_fields_introspect(&fragment.node.selection_set.node, doc, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if seen.iter().any(|s| s == name) {
                    return true;
                }
                seen.push(name.to_owned());
                doc.fragments
                    .get(&spread.node.fragment_name.node)
                    .is_some_and(|f| root_fields_introspect(&f.node.selection_set.node, doc, seen))
            }
        })
    }
    let mut seen = Vec::new();
    doc.operations.iter().all(|(_, op)| {
        op.node.ty == OperationType::Query
            && root_fields_introspect(&op.node.selection_set.node, doc, &mut seen)
    })
}

/// How many times one path inside `__schema`/`__type` may pass through a list of the schema
/// (contract 1.1 §9.6): GraphiQL's and graphql-js's documents go `types`, `fields`, `args`.
pub const MAX_INTROSPECTION_PASSES: usize = 3;

/// The introspection fields that list more of the schema: each is one pass.
fn is_introspection_list(name: &str) -> bool {
    matches!(
        name,
        "fields" | "inputFields" | "interfaces" | "possibleTypes" | "types" | "args"
    )
}

/// Refuses a document in which a path under `__schema` or `__type` passes through the
/// schema's lists (`fields`, `types`, `args`, …) more than `max` times: the introspection
/// types nest in cycles, so such a document answers in size exponential in its depth. The
/// depth and complexity limits do not count introspection; this bound does, before anything
/// runs. Each fragment is walked once (its deepest path is remembered), so a document of
/// fragments spreading fragments costs its size, not its paths.
pub fn check_introspection(doc: &ExecutableDocument, max: usize) -> Result<(), ServerError> {
    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        /// The most passes below each fragment (spread inside introspection or not), once
        /// walked; None while it is being walked.
        fragments: HashMap<(&'a str, bool), Option<usize>>,
    }
    impl<'a> Walk<'a> {
        /// The most passes on any path below `set`; `inside` once under `__schema`/`__type`.
        fn passes(&mut self, set: &'a SelectionSet, inside: bool) -> usize {
            let mut most = 0;
            for item in &set.items {
                let below = match &item.node {
                    Selection::Field(field) => {
                        let name = field.node.name.node.as_str();
                        let enters = inside || matches!(name, "__schema" | "__type");
                        let here = usize::from(inside && is_introspection_list(name));
                        here + self.passes(&field.node.selection_set.node, enters)
                    }
                    Selection::InlineFragment(fragment) => {
                        self.passes(&fragment.node.selection_set.node, inside)
                    }
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.as_str();
                        self.fragment(name, inside)
                    }
                };
                most = most.max(below);
            }
            most
        }

        /// The passes of a fragment spread inside introspection or outside it.
        fn fragment(&mut self, name: &'a str, inside: bool) -> usize {
            match self.fragments.get(&(name, inside)) {
                Some(Some(n)) => return *n,
                // A cycle: the document is invalid and validation refuses it.
                Some(None) => return 0,
                None => {}
            }
            let doc = self.doc;
            let Some((key, fragment)) = doc.fragments.iter().find(|(k, _)| k.as_str() == name)
            else {
                return 0;
            };
            self.fragments.insert((key.as_str(), inside), None);
            let n = self.passes(&fragment.node.selection_set.node, inside);
            self.fragments.insert((key.as_str(), inside), Some(n));
            n
        }
    }
    let mut walk = Walk {
        doc,
        fragments: HashMap::new(),
    };
    let most = doc
        .operations
        .iter()
        .map(|(_, op)| walk.passes(&op.node.selection_set.node, false))
        .max()
        .unwrap_or(0);
    if most <= max {
        return Ok(());
    }
    Err(bad_input(format!(
        "introspection nests the schema's lists (fields, types, args, …) {most} deep; at most {max} allowed"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_braces_and_parentheses_outside_strings_and_comments() {
        assert!(check_nesting("{ me { id } }", 2).is_ok());
        assert!(check_nesting("{ me { id } }", 1).is_err());
        assert!(check_nesting("{ node(id: [[1]]) { id } }", 4).is_ok());
        assert!(check_nesting("{ node(id: [[1]]) { id } }", 3).is_err());
        let deep_text = format!("{{ a(s: \"{}\") }}", "[".repeat(1000));
        assert!(check_nesting(&deep_text, 2).is_ok());
        let escaped = format!("{{ a(s: \"\\\"{}\") }}", "{".repeat(100));
        assert!(check_nesting(&escaped, 2).is_ok());
        let block = format!("{{ a(s: \"\"\"\\\"\"\" {} \"\"\") }}", "(".repeat(100));
        assert!(check_nesting(&block, 2).is_ok());
        let comment = format!("{{ a # {}\n }}", "[".repeat(100));
        assert!(check_nesting(&comment, 1).is_ok());
        // An unterminated string or comment ends the scan without error: the parser refuses it.
        assert!(check_nesting("{ a(s: \"[[[[", 2).is_ok());
        // After a string, counting goes on.
        assert!(check_nesting("{ a(s: \"x\") { b { c } } }", 2).is_err());
    }

    #[test]
    fn a_hundred_thousand_brackets_are_refused_without_recursion() {
        let text = format!("{{ node(id: {}) }}", "[".repeat(100_000));
        assert!(check_nesting(&text, MAX_NESTING).is_err());
    }

    #[test]
    fn operation_labels_are_names_the_document_has_and_stay_bounded() {
        let doc = async_graphql::parser::parse_query("query A { me { id } }").expect("parses");
        assert_eq!(operation_name(&doc, Some("A".into())).as_deref(), Some("A"));
        assert_eq!(operation_name(&doc, Some("B".into())), None);
        assert_eq!(operation_name(&doc, None).as_deref(), Some("A"));
        let labels = OperationLabels::default();
        for i in 0..MAX_OPERATION_LABELS {
            assert_eq!(labels.label(Some(&format!("op{i}"))), format!("op{i}"));
        }
        assert_eq!(labels.label(Some("one_more")), "other");
        assert_eq!(labels.label(Some("op7")), "op7");
        assert_eq!(labels.label(Some("not a name")), "anonymous");
        assert_eq!(labels.label(None), "anonymous");
    }

    #[test]
    fn introspection_only_means_every_root_field_of_every_operation() {
        let only = |q: &str| {
            is_introspection_only(&async_graphql::parser::parse_query(q).expect("parses"))
        };
        assert!(only("{ __typename }"));
        assert!(only(
            "query IntrospectionQuery { __schema { types { name } } }"
        ));
        assert!(only(
            "{ __type(name: \"User\") { name } ... on Query { __typename } }"
        ));
        assert!(only(
            "{ ...F } fragment F on Query { __schema { queryType { name } } }"
        ));
        assert!(!only("{ __typename me { id } }"));
        assert!(!only("{ ...F } fragment F on Query { me { id } }"));
        assert!(!only("{ ...Missing }"));
        assert!(!only("query A { __typename } query B { me { id } }"));
        assert!(!only("mutation { __typename }"));
    }
}
