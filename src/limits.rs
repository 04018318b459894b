//! Request limits that async-graphql does not offer itself: aliases of one field.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// Refuses documents that alias one field more than `max` times.
pub struct AliasLimit {
    max: usize,
}

impl AliasLimit {
    pub fn new(max: usize) -> Self {
        Self { max }
    }
}

impl ExtensionFactory for AliasLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AliasLimitExtension { max: self.max })
    }
}

struct AliasLimitExtension {
    max: usize,
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

#[async_graphql::async_trait::async_trait]
impl Extension for AliasLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let mut counts = HashMap::new();
        for (_, op) in doc.operations.iter() {
            count_aliases(&op.node.selection_set.node, &mut counts);
        }
        for fragment in doc.fragments.values() {
            count_aliases(&fragment.node.selection_set.node, &mut counts);
        }
        if let Some((name, n)) = counts.into_iter().find(|(_, n)| *n > self.max) {
            let mut err = ServerError::new(
                format!(
                    "field {name:?} is aliased {n} times; at most {} allowed",
                    self.max
                ),
                None,
            );
            err.extensions = Some({
                let mut ext = async_graphql::ErrorExtensionValues::default();
                ext.set("code", "BAD_USER_INPUT");
                ext
            });
            return Err(err);
        }
        Ok(doc)
    }
}

/// Records request counts and latencies per operation name (a bounded label: the name when it
/// is a plain identifier of at most 64 characters, else "anonymous").
pub struct OperationMetrics;

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationMetrics)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationMetrics {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: async_graphql::extensions::NextExecute<'_>,
    ) -> async_graphql::Response {
        let started = std::time::Instant::now();
        let response = next.run(ctx, operation_name).await;
        let label = operation_name
            .filter(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or("anonymous")
            .to_owned();
        let outcome = if response.errors.is_empty() {
            "ok"
        } else {
            "error"
        };
        metrics::counter!("idm_graphql_requests_total", "operation" => label.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("idm_graphql_request_duration_seconds", "operation" => label)
            .record(started.elapsed().as_secs_f64());
        response
    }
}
