//! The GraphQL schema: the one place it is built (server, tests and SDL export all call
//! [`schema_builder`]). Assembly only: no aggregate imports this module.

use async_graphql::{EmptySubscription, MergedObject, SDLExportOptions, Schema, SchemaBuilder};

use crate::config::Config;
use crate::context::AppState;
use crate::{audit, node, partners, roles, users, workspaces};

/// What you can read: yourself (`me`), the users you may see (`users`, `user`), the roles
/// you may give (`assignableRoles`), partners, workspaces, clusters and the audit trail.
/// Every query needs `Authorization: Bearer <token>`; introspection needs none.
// (Each aggregate contributes its fields.)
#[derive(MergedObject, Default)]
pub struct Query(
    users::graphql::UsersQuery,
    roles::graphql::RolesQuery,
    partners::graphql::PartnersQuery,
    workspaces::graphql::WorkspacesQuery,
    audit::graphql::AuditQuery,
    node::NodeQuery,
);

/// What you can change: invite and edit users, give, change and take away roles, and add
/// partners and reference data. Each mutation answers a payload whose `errors` say what
/// was refused and why; nothing is written when it holds any.
// (Each aggregate contributes its fields.)
#[derive(MergedObject, Default)]
pub struct Mutation(
    users::graphql::UsersMutation,
    roles::graphql::RolesMutation,
    partners::graphql::PartnersMutation,
    workspaces::graphql::WorkspacesMutation,
);

pub type IdmSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its types and limits but no state: used for the SDL.
pub fn schema_builder(config: &Config) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    let limits = &config.limits;
    types_builder(config)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
}

/// The types and the limits every document has, whatever it reads.
fn types_builder(config: &Config) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .register_output_type::<node::Node>()
        .limit_directives(config.limits.max_directives)
        .limit_recursive_depth(32)
        .disable_suggestions();
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder
}

/// The schema serving requests over `state`.
pub fn schema(state: AppState) -> IdmSchema {
    schema_builder(&state.config).data(state).finish()
}

/// The schema answering documents that only introspect (`limits::is_introspection_only`):
/// the same types without the depth and complexity limits, which would refuse the standard
/// introspection documents of GraphQL tools; `limits::check_introspection` bounds them
/// instead (contract 1.1 §9.6).
pub fn explorer_schema(state: AppState) -> IdmSchema {
    types_builder(&state.config).data(state).finish()
}

/// The SDL of the schema, sorted, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let config = Config::for_database("sqlite::memory:");
    schema_builder(&config)
        .finish()
        .sdl_with_options(SDLExportOptions::new().sorted_fields().sorted_enum_items())
}
