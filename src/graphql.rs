//! The GraphQL schema: the one place it is built (server, tests and SDL export all call
//! [`schema_builder`]), request context helpers, and the per-request loader.

use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::DataLoader;
use async_graphql::{
    Context, EmptySubscription, MergedObject, SDLExportOptions, Schema, SchemaBuilder,
};
use sea_orm::DatabaseConnection;

use crate::auth::{JwtKeys, Requester};
use crate::batches::Batches;
use crate::config::Config;
use crate::error::{ApiError, MutationError, UserError};
use crate::permissions::Person;
use crate::{audit, node, partners, roles, users, workspaces};

/// What every resolver may reach: the database, the configuration and the keys.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// Where write transactions start: on SQLite a pool of one connection, so writers queue
    /// in order on an async wait instead of polling SQLite's lock (its busy handler sleeps
    /// up to 100 ms between tries); on PostgreSQL the same pool as `db`.
    pub writer: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: JwtKeys,
    /// Substring searches running at once on this instance: half the pool (at least one).
    /// A search may read a whole table; past this bound it waits for a permit instead of a
    /// connection, so the other half of the pool keeps serving everyone else (`me`, pages).
    pub searches: Arc<tokio::sync::Semaphore>,
}

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

/// Batches relation loads of one request; holds no cache across requests.
pub struct DbLoader {
    pub db: DatabaseConnection,
}

/// The state of the schema.
pub fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState, ApiError> {
    ctx.data::<AppState>()
        .map_err(|_| ApiError::internal(&"schema built without state"))
}

/// The database connection.
pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, ApiError> {
    Ok(&state(ctx)?.db)
}

/// The connection write transactions begin on (see [`AppState::writer`]).
pub fn writer<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection, ApiError> {
    Ok(&state(ctx)?.writer)
}

/// Whom a request acts for (request data). Normally a requester signed in for this request.
/// A request whose token signed in earlier on this instance may instead start from that
/// remembered sign-in (`cached`): resolvers that read the requester's authority in the same
/// statement as their data confirm it there ([`Auth::confirm_authority`], [`Auth::confirm`]);
/// any other use of the requester before that is [`ApiError::stale_sign_in`], and so is a
/// confirmation that finds the authority changed. The HTTP layer then signs the token in and reruns the request, which is
/// why only operations whose every resolver confirms before it writes start that way.
/// Clones share one confirmation, so the HTTP layer can see what the run confirmed.
#[derive(Clone)]
pub struct Auth {
    cached: Option<Arc<Requester>>,
    confirmed: Arc<OnceLock<Arc<Requester>>>,
}

impl Auth {
    /// A requester signed in for this request.
    pub fn signed_in(requester: Arc<Requester>) -> Self {
        Self {
            cached: None,
            confirmed: Arc::new(OnceLock::from(requester)),
        }
    }

    /// A remembered sign-in, to be confirmed before use.
    pub fn remembered(requester: Arc<Requester>) -> Self {
        Self {
            cached: Some(requester),
            confirmed: Arc::new(OnceLock::new()),
        }
    }

    /// Whether the request acts for a confirmed requester.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed.get().is_some()
    }

    /// The requester to act for and whether it is confirmed; an unconfirmed one may be used
    /// only in a statement that also reads its authority, to compare with
    /// `Requester::authority`.
    pub fn acting(&self) -> Result<(&Requester, bool), ApiError> {
        match (self.confirmed.get(), &self.cached) {
            (Some(r), _) => Ok((r, true)),
            (None, Some(r)) => Ok((r, false)),
            (None, None) => Err(ApiError::unauthenticated("authentication required")),
        }
    }

    /// Records that `requester` is who the request acts for, as the database holds it now.
    pub fn confirm(&self, requester: Arc<Requester>) {
        let _ = self.confirmed.set(requester);
    }

    /// Confirms the remembered sign-in when `authority` (read from the database) matches it.
    pub fn confirm_authority(&self, authority: Option<&str>) -> Result<(), ApiError> {
        if self.confirmed.get().is_some() {
            return Ok(());
        }
        match &self.cached {
            Some(r) if authority == Some(r.authority.as_str()) => {
                self.confirm(r.clone());
                Ok(())
            }
            _ => Err(ApiError::stale_sign_in()),
        }
    }
}

/// Whom this request acts for.
pub fn auth<'a>(ctx: &Context<'a>) -> Result<&'a Auth, ApiError> {
    ctx.data::<Auth>()
        .map_err(|_| ApiError::unauthenticated("authentication required"))
}

/// The authenticated requester of this request, confirmed against the database.
pub fn requester<'a>(ctx: &Context<'a>) -> Result<&'a Requester, ApiError> {
    match auth(ctx)?.acting()? {
        (r, true) => Ok(r),
        (_, false) => Err(ApiError::stale_sign_in()),
    }
}

/// The per-request loader.
pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<DbLoader>, ApiError> {
    ctx.data::<DataLoader<DbLoader>>()
        .map_err(|_| ApiError::internal(&"request without loader"))
}

/// A fresh loader for one request, whose batches `batches` starts (see [`Batches::drive`]).
pub fn new_loader(db: DatabaseConnection, batches: &Batches) -> DataLoader<DbLoader> {
    batches.loader(DbLoader { db })
}

/// Turns a mutation outcome into its payload: expected failures go into `errors`.
pub fn payload<T, P>(
    result: Result<T, MutationError>,
    ok: impl FnOnce(T) -> P,
    rejected: impl FnOnce(Vec<UserError>) -> P,
) -> Result<P, ApiError> {
    match result {
        Ok(value) => Ok(ok(value)),
        Err(MutationError::Rejected(errors)) => Ok(rejected(errors)),
        Err(MutationError::Api(err)) => Err(err),
    }
}

/// The requester's authority as it stands inside a mutation's transaction: its row
/// share-locked and its roles read afresh. What authentication read may be stale by the time
/// the transaction starts; two admins deactivating each other at the same moment would
/// otherwise both succeed. A requester deactivated meanwhile is UNAUTHENTICATED, as its next
/// request would be.
pub async fn authority(
    txn: &sea_orm::DatabaseTransaction,
    requester: &Requester,
) -> Result<Person, ApiError> {
    crate::users::store::find_person_for_share(txn, requester.id())
        .await?
        .map(|(_, person)| person)
        .filter(|person| person.is_active)
        .ok_or_else(|| ApiError::unauthenticated("unknown or deactivated user"))
}

/// Page size from `first`/`last`: default when absent, BAD_USER_INPUT beyond the limit.
pub fn page_size(
    ctx: &Context<'_>,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<u64, ApiError> {
    let limits = &state(ctx)?.config.limits;
    if first.is_some() && last.is_some() {
        return Err(ApiError::bad_input("give either first or last, not both"));
    }
    match first.or(last) {
        None => Ok(limits.default_page_size),
        Some(n) if n < 0 => Err(ApiError::bad_input("first/last must not be negative")),
        Some(n) if n as u64 > limits.max_page_size => Err(ApiError::bad_input(format!(
            "first/last must be at most {}",
            limits.max_page_size
        ))),
        Some(n) => Ok(n as u64),
    }
}

/// The complexity of a page field: one, plus its rows (`first` or `last`, else the default
/// page of 20) times the complexity of the selection under it, so that a document of many
/// large pages weighs what it costs. Values over the page limit are refused when the field
/// runs; here they only need to not overflow.
pub fn page_complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = usize::try_from(first.or(last).unwrap_or(20).clamp(1, 100_000)).unwrap_or(1);
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// What a text filter adds to a page's weight: a substring search may read every row of
/// its table (a term shorter than a trigram cannot use the search index), ~0.3 s of one
/// core at 100k users on SQLite, so at most four of them fit in one document.
pub const TEXT_FILTER_WEIGHT: usize = 1000;

/// What each sort key beyond the first adds to a page's weight: it turns the page's
/// index walk into a sort of every matching row.
pub const SORT_KEY_WEIGHT: usize = 250;

/// The complexity of a searchable page (`users`, `partners`): [`page_complexity`] plus
/// [`TEXT_FILTER_WEIGHT`] when it has a non-blank text filter and [`SORT_KEY_WEIGHT`] per
/// sort key beyond the first, so that aliased heavy searches are refused before they run
/// (contract 1.1 §9.10).
pub fn search_page_complexity(
    first: Option<i32>,
    last: Option<i32>,
    text: Option<&str>,
    sort_keys: usize,
    child_complexity: usize,
) -> usize {
    let text = if text.is_some_and(|t| !t.trim().is_empty()) {
        TEXT_FILTER_WEIGHT
    } else {
        0
    };
    page_complexity(first, last, child_complexity)
        .saturating_add(text)
        .saturating_add(sort_keys.saturating_sub(1).saturating_mul(SORT_KEY_WEIGHT))
}

/// Most keys of one `orderBy`.
pub const MAX_SORT_KEYS: usize = 3;

/// Checks an `orderBy`: at most [`MAX_SORT_KEYS`] keys, no field twice.
pub fn check_order<F: PartialEq + Copy, D>(order: &[(F, D)]) -> Result<(), ApiError> {
    if order.len() > MAX_SORT_KEYS {
        return Err(ApiError::bad_input(format!(
            "orderBy may hold at most {MAX_SORT_KEYS} entries"
        )));
    }
    for (i, (field, _)) in order.iter().enumerate() {
        if order[..i].iter().any(|(earlier, _)| earlier == field) {
            return Err(ApiError::bad_input("orderBy names a field twice"));
        }
    }
    Ok(())
}

/// How many rows an unpaged list of reference data (workspaces, plans, clusters, partners)
/// is taken to hold when weighing a query: these lists nest in cycles (a cluster's plan's
/// clusters ...), so each level multiplies.
pub const LIST_ROWS: usize = 5;

/// The complexity of an unpaged list field: one, plus [`LIST_ROWS`] times its selection.
pub fn list_complexity(child_complexity: usize) -> usize {
    LIST_ROWS.saturating_mul(child_complexity).saturating_add(1)
}

impl PageInfo {
    /// Page information for rows (by id) read after (or, `backward`, before) an optional cursor.
    pub fn of(ids: &[i64], cursor: Option<i64>, backward: bool, more: bool) -> Self {
        let (has_next_page, has_previous_page) = if backward {
            (cursor.is_some(), more)
        } else {
            (more, cursor.is_some())
        };
        PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: ids.first().map(|id| crate::ids::encode_cursor(*id)),
            end_cursor: ids.last().map(|id| crate::ids::encode_cursor(*id)),
        }
    }
}

/// The relay page information.
#[derive(async_graphql::SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    /// More rows follow this page
    pub has_next_page: bool,
    /// Rows precede this page
    pub has_previous_page: bool,
    /// Cursor of the first row of the page
    pub start_cursor: Option<String>,
    /// Cursor of the last row of the page
    pub end_cursor: Option<String>,
}
