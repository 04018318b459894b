//! The HTTP surface: `/graphql` (POST and GET), `/graphiql` with its own assets, health,
//! readiness, metrics and the SDL. Authentication happens here, before GraphQL runs; a
//! document that only introspects needs none.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::ServerError;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth;
use crate::batches::Batches;
use crate::context::AppState;
use crate::error::{ApiError, QueryCode};
use crate::graphql::IdmSchema;
use crate::{context, detach, limits};

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct ServerState {
    pub app: AppState,
    pub schema: IdmSchema,
    /// The schema of documents that only introspect (see `graphql::explorer_schema`).
    pub explorer: IdmSchema,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub sdl: Arc<String>,
    /// Parsed GraphQL documents by query text.
    pub documents: Arc<crate::documents::DocumentCache>,
    /// The sign-ins this instance made, by token (checked at every use, see `graphql::Auth`).
    pub sign_ins: Arc<crate::auth::SignIns>,
    /// The operation names the metrics label (bounded).
    pub labels: Arc<crate::limits::OperationLabels>,
    /// Set when shutdown begins: `/readyz` answers 503 from then on.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

/// A GraphQL request body: exactly these fields, nothing else.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GraphQlBody {
    query: String,
    #[serde(default)]
    variables: Option<Value>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "accepted for client compatibility, not used")]
    extensions: Option<Value>,
}

impl GraphQlBody {
    fn into_operation(self) -> Operation {
        Operation {
            query: self.query,
            variables: self.variables,
            operation_name: self.operation_name,
            via_get: false,
        }
    }
}

/// One GraphQL operation to run, however it arrived.
struct Operation {
    query: String,
    variables: Option<Value>,
    operation_name: Option<String>,
    via_get: bool,
}

/// The query string of `GET /graphql`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct GraphQlParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
}

/// Headers of every GraphQL answer: JSON, and never stored by a cache (answers depend on the
/// token and hold personal data).
const JSON_HEADERS: [(header::HeaderName, &str); 2] = [
    (header::CONTENT_TYPE, "application/json"),
    (header::CACHE_CONTROL, "no-store"),
];

/// A JSON error response in the GraphQL shape.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (status, JSON_HEADERS, body.to_string()).into_response()
}

fn api_error_response(err: ApiError) -> Response {
    let status = match err.code {
        QueryCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        QueryCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        QueryCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    error_response(status, err.code.as_str(), &err.message)
}

/// Gives a refused oversized body (HTTP 413, from either body limit) the GraphQL error shape
/// of every other refusal, instead of the limit layers' plain text.
pub async fn body_too_large_as_json(limit: usize, response: Response) -> Response {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    too_large_response(limit)
}

/// The 413 of a body over `limit` bytes, in the GraphQL error shape.
fn too_large_response(limit: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BAD_REQUEST",
        &format!("the request body is larger than {limit} bytes"),
    )
}

/// The most of an oversized body that is read and thrown away before the 413 is sent.
const DRAIN_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Refuses a request whose `Content-Length` is over `limit` with the 413, after reading and
/// throwing away its body (up to [`DRAIN_MAX_BYTES`], within `within`): a server that
/// answers and closes while the client is still sending makes the client's next write fail
/// (a broken pipe or a reset) before it reads the answer. Beyond that bound the client gets
/// the 413 as far as it reads it, and the connection is closed.
pub async fn refuse_oversized(
    limit: usize,
    within: std::time::Duration,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(declared) = declared.filter(|n| *n > limit as u64) else {
        return next.run(request).await;
    };
    if declared <= DRAIN_MAX_BYTES {
        let drain = async {
            use http_body_util::BodyExt;
            let mut body = request.into_body();
            while let Some(Ok(_)) = body.frame().await {}
        };
        let _ = tokio::time::timeout(within, drain).await;
    }
    let mut response = too_large_response(limit);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// What one request's log line says beyond HTTP: the operation and the requester's user id
/// (never its email or token), noted by the GraphQL handlers while they run.
#[derive(Default)]
struct RequestNote {
    operation: std::sync::OnceLock<String>,
    user_id: std::sync::OnceLock<i64>,
}

tokio::task_local! {
    /// The note of the request this task serves (see [`log_request`]).
    static NOTE: std::sync::Arc<RequestNote>;
}

/// Notes the operation (its metrics label: a bounded name) of the request being served.
fn note_operation(label: &str) {
    let _ = NOTE.try_with(|note| note.operation.set(label.to_owned()));
}

/// Notes whom the request being served acts for.
fn note_user(id: i64) {
    let _ = NOTE.try_with(|note| note.user_id.set(id));
}

/// Logs one line per request when it is answered: request id, method, path (never the query
/// string, which carries variables), status, latency, and for GraphQL the operation and the
/// requester's user id.
pub async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let note = std::sync::Arc::new(RequestNote::default());
    let response = NOTE.scope(note.clone(), next.run(request)).await;
    tracing::info!(
        request_id,
        method = %method,
        path,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        operation = note.operation.get().map(String::as_str),
        user.id = note.user_id.get(),
        "request"
    );
    response
}

/// Builds the router over the state.
pub fn router(state: ServerState) -> Router {
    let router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql", get(graphiql_page))
        .route("/graphiql/", get(graphiql_page))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/schema.graphql", get(schema_sdl));
    // With IDM_METRICS_BIND, /metrics lives on its own listener (`metrics_router`) only.
    let router = if state.app.config.metrics_bind.is_none() {
        router.route("/metrics", get(metrics))
    } else {
        router
    };
    let console = crate::console::Settings::from_config(&state.app.config.jwt);
    router
        .merge(crate::console::router(console))
        .with_state(state)
}

/// The router of the private metrics listener (IDM_METRICS_BIND): `/metrics` and nothing else.
pub fn metrics_router(state: ServerState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v == "application/graphql-response+json")
}

async fn graphql_post(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !is_json_content_type(&headers) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send the request as Content-Type: application/json",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("the body is not valid JSON: {e}"),
            )
        }
    };
    let batch = match value {
        Value::Array(entries) => entries,
        single => {
            let body = match parse_body(single) {
                Ok(body) => body,
                Err(response) => return *response,
            };
            return execute(&state, &headers, body.into_operation()).await;
        }
    };
    let limits = &state.app.config.limits;
    if !limits.batching {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched requests are not enabled",
        );
    }
    if batch.is_empty() || batch.len() > limits.max_batch {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            &format!(
                "a batch holds 1 to {} requests, not {}",
                limits.max_batch,
                batch.len()
            ),
        );
    }
    let mut operations = Vec::with_capacity(batch.len());
    for entry in batch {
        match parse_body(entry) {
            Ok(body) => operations.push(body.into_operation()),
            Err(response) => return *response,
        }
    }
    execute_batch(&state, &headers, operations).await
}

/// Reads one GraphQL request object; a 400 when it is anything else.
fn parse_body(value: Value) -> Result<GraphQlBody, Box<Response>> {
    serde_json::from_value(value).map_err(|e| {
        Box::new(error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            &format!("not a GraphQL request: {e}"),
        ))
    })
}

async fn graphql_get(
    State(state): State<ServerState>,
    headers: HeaderMap,
    Query(params): Query<GraphQlParams>,
) -> Response {
    let Some(query) = params.query else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "missing query parameter",
        );
    };
    let variables = match params
        .variables
        .as_deref()
        .map(serde_json::from_str::<Value>)
    {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "variables is not valid JSON",
            )
        }
    };
    let operation = Operation {
        query,
        variables,
        operation_name: params.operation_name,
        via_get: true,
    };
    execute(&state, &headers, operation).await
}

/// Whether the selected operation of a document is a mutation.
fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    doc.operations.iter().any(|(name, op)| {
        let selected = match operation_name {
            Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
            None => true,
        };
        selected && op.node.ty == OperationType::Mutation
    })
}

/// Runs one operation: checks it, authenticates, then executes it, all within the request
/// timeout. A token that signed in on this instance before starts from that sign-in when the
/// operation allows it (see [`graphql::Auth`]); if a resolver finds it no longer stands, the
/// token signs in again and the operation reruns (nothing was written: such operations
/// confirm before they write).
async fn execute(state: &ServerState, headers: &HeaderMap, operation: Operation) -> Response {
    let deadline = tokio::time::Instant::now() + state.app.config.limits.request_timeout;
    let mut request = match operation.to_request() {
        Ok(request) => request,
        Err(response) => return *response,
    };
    // Parsed here (or found parsed earlier; async-graphql executes the document it is given)
    // to tell introspection from the rest, count aliases and name the operation.
    let doc = state.documents.parse(&request.query);
    if let Ok(doc) = &doc {
        if state.app.config.introspection && limits::is_introspection_only(doc) {
            return introspect(state, request, doc.clone(), deadline).await;
        }
    }
    let remembered = auth::bearer_token(authorization(headers))
        .and_then(|t| state.sign_ins.get(t, &state.app.keys));
    if let Some(remembered) = remembered {
        note_user(remembered.id());
        let auth = context::Auth::remembered(remembered);
        match run(state, request, doc.clone(), auth, deadline).await {
            Ok(Some(response)) => return json_response(&response),
            // The operation may not start from a remembered sign-in, or the run did not
            // confirm it: the token signs in again.
            Ok(None) => metrics::counter!("idm_sign_in_reruns_total").increment(1),
            Err(response) => return response,
        }
        request = match operation.to_request() {
            Ok(request) => request,
            Err(response) => return *response,
        };
    }
    let requester = match sign_in(state, headers, deadline).await {
        Ok(requester) => requester,
        Err(response) => return response,
    };
    match run(
        state,
        request,
        doc,
        context::Auth::signed_in(requester),
        deadline,
    )
    .await
    {
        Ok(Some(response)) => json_response(&response),
        Ok(None) => unreachable_response(),
        Err(response) => response,
    }
}

/// Runs a batch (IDM_BATCHING): every operation is checked first, the token once, then the
/// operations run one after another (a later one sees what an earlier mutation wrote) and one
/// request timeout covers them all. The answer is the array of their answers, in order.
async fn execute_batch(
    state: &ServerState,
    headers: &HeaderMap,
    operations: Vec<Operation>,
) -> Response {
    let deadline = tokio::time::Instant::now() + state.app.config.limits.request_timeout;
    let mut requests = Vec::with_capacity(operations.len());
    for operation in &operations {
        match operation.to_request() {
            Ok(request) => requests.push(request),
            Err(response) => return *response,
        }
    }
    let requester = match sign_in(state, headers, deadline).await {
        Ok(requester) => requester,
        Err(response) => return response,
    };
    let mut answers = Vec::with_capacity(requests.len());
    for request in requests {
        let auth = context::Auth::signed_in(requester.clone());
        let doc = state.documents.parse(&request.query);
        match run(state, request, doc, auth, deadline).await {
            Ok(Some(response)) => answers.push(response),
            Ok(None) => return unreachable_response(),
            Err(response) => return response,
        }
    }
    json_response(&answers)
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

impl Operation {
    /// The GraphQL request, or the HTTP answer refusing it: a document nested too deep
    /// (400), a mutation over GET (405), or variables that are not an object (400).
    fn to_request(&self) -> Result<async_graphql::Request, Box<Response>> {
        // Before anything parses the text (see `limits::check_nesting`).
        if let Err(message) = limits::check_nesting(&self.query, limits::MAX_NESTING) {
            return Err(Box::new(error_response(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &message,
            )));
        }
        if self.via_get && is_mutation(&self.query, self.operation_name.as_deref()) {
            let mut response = error_response(
                StatusCode::METHOD_NOT_ALLOWED,
                "BAD_REQUEST",
                "mutations need POST",
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return Err(Box::new(response));
        }
        let variables = match &self.variables {
            None | Some(Value::Null) => async_graphql::Variables::default(),
            Some(v @ Value::Object(_)) => async_graphql::Variables::from_json(v.clone()),
            Some(_) => {
                return Err(Box::new(error_response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "variables must be an object",
                )))
            }
        };
        let mut request = async_graphql::Request::new(self.query.clone()).variables(variables);
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        Ok(request)
    }
}

/// Checks the request's token and signs in the user it names (401 when either fails), and
/// remembers the sign-in for the token's later requests. Signing in reads the database, so
/// it runs under the request's deadline too: while the database is away it would otherwise
/// wait out the pool's acquire timeout.
async fn sign_in(
    state: &ServerState,
    headers: &HeaderMap,
    deadline: tokio::time::Instant,
) -> Result<std::sync::Arc<auth::Requester>, Response> {
    let bearer = auth::verify_bearer(&state.app.keys, authorization(headers))
        .await
        .map_err(unauthenticated_response)?;
    match tokio::time::timeout_at(deadline, auth::sign_in(&state.app.db, &bearer)).await {
        Ok(Ok(requester)) => {
            let requester = std::sync::Arc::new(requester);
            state.sign_ins.put(&bearer, requester.clone());
            note_user(requester.id());
            Ok(requester)
        }
        Ok(Err(err)) => {
            state.sign_ins.forget(bearer.token);
            Err(unauthenticated_response(err))
        }
        Err(_) => Err(timeout_response()),
    }
}

fn unauthenticated_response(err: ApiError) -> Response {
    metrics::counter!("idm_graphql_requests_total", "operation" => "unauthenticated").increment(1);
    api_error_response(err)
}

/// Executes one request for whom it acts before the deadline; errors without a code (parse
/// and validation errors of async-graphql) get BAD_USER_INPUT. None, without executing, for
/// a remembered sign-in whose operation may not start from one.
async fn run(
    state: &ServerState,
    request: async_graphql::Request,
    doc: Result<ExecutableDocument, ServerError>,
    auth: context::Auth,
    deadline: tokio::time::Instant,
) -> Result<Option<async_graphql::Response>, Response> {
    let answer = |error| with_codes(async_graphql::Response::from_errors(vec![error]));
    // Refusals too wait for a confirmed requester: a user deactivated since its sign-in was
    // remembered is answered 401 whatever it sends.
    let confirmed = auth.is_confirmed();
    let doc = match doc {
        Ok(doc) => doc,
        Err(_) if !confirmed => return Ok(None),
        Err(error) => return Ok(Some(answer(error))),
    };
    let operation_name = limits::operation_name(&doc, request.operation_name.clone());
    let label = state.labels.label(operation_name.as_deref());
    note_operation(&label);
    if !confirmed && !limits::may_start_remembered(&doc, operation_name.as_deref()) {
        return Ok(None);
    }
    if let Err(error) = limits::check_aliases(&doc, state.app.config.limits.max_aliases) {
        return Ok(confirmed.then(|| answer(error)));
    }
    let batches = Batches::default();
    // Kept to see, once the run ends, whether it confirmed a remembered sign-in.
    let confirmation = auth.clone();
    let mut request = request
        .data(auth)
        .data(context::new_loader(state.app.db.clone(), &batches));
    request.set_parsed_query(doc);
    let started = std::time::Instant::now();
    // Never dropped half-way through a database call (see `detach`): a request past its
    // deadline is answered TIMEOUT while its execution finishes (or rolls back) on its own.
    let schema = state.schema.clone();
    let execution = async move { batches.drive(schema.execute(request)).await };
    let response = match detach::finish_or_detach(execution, deadline).await {
        Some(Ok(response)) => response,
        Some(Err(())) => {
            return Err(internal_response());
        }
        None => return Err(timeout_response()),
    };
    // A run on a remembered sign-in that never confirmed it (a validation error, skipped
    // fields, bad arguments) proves nothing about the requester: its answer is thrown away
    // and the token signs in again, so a deactivated user gets its 401.
    if confirmation.went_stale() || !confirmation.is_confirmed() {
        return Ok(None);
    }
    limits::record_operation(label, response.errors.is_empty(), started.elapsed());
    Ok(Some(with_codes(response)))
}

/// Answers a document that only introspects, whatever its `Authorization` header holds (the
/// schema is public: contract 1.1 §9.6), on the schema without depth and complexity limits,
/// after introspection's own bound.
async fn introspect(
    state: &ServerState,
    mut request: async_graphql::Request,
    doc: ExecutableDocument,
    deadline: tokio::time::Instant,
) -> Response {
    let refused = |error| {
        json_response(&with_codes(async_graphql::Response::from_errors(vec![
            error,
        ])))
    };
    if let Err(error) = limits::check_introspection(&doc, limits::MAX_INTROSPECTION_PASSES) {
        return refused(error);
    }
    if let Err(error) = limits::check_aliases(&doc, state.app.config.limits.max_aliases) {
        return refused(error);
    }
    let operation_name = limits::operation_name(&doc, request.operation_name.clone());
    let label = state.labels.label(operation_name.as_deref());
    note_operation(&label);
    request.set_parsed_query(doc);
    let started = std::time::Instant::now();
    let schema = state.explorer.clone();
    let execution = async move { schema.execute(request).await };
    match detach::finish_or_detach(execution, deadline).await {
        Some(Ok(response)) => {
            limits::record_operation(label, response.errors.is_empty(), started.elapsed());
            json_response(&with_codes(response))
        }
        Some(Err(())) => internal_response(),
        None => timeout_response(),
    }
}

/// The answer to a run that was refused although it was signed in (never happens: a
/// confirmed requester may run every operation).
fn unreachable_response() -> Response {
    let _ = ApiError::internal(&"a signed-in run was refused");
    internal_response()
}

/// Gives errors without a code (parse and validation errors of async-graphql) BAD_USER_INPUT.
fn with_codes(mut response: async_graphql::Response) -> async_graphql::Response {
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    response
}

/// A 200 answer with the body as JSON.
fn json_response(body: &impl serde::Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(body) => (StatusCode::OK, JSON_HEADERS, body).into_response(),
        Err(e) => {
            let _ = ApiError::internal(&e);
            internal_response()
        }
    }
}

/// The answer to an unexpected failure (already logged where it happened).
fn internal_response() -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error",
    )
}

/// The answer to a request that ran out of time (IDM_REQUEST_TIMEOUT_SECS).
fn timeout_response() -> Response {
    metrics::counter!("idm_graphql_timeouts_total").increment(1);
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "TIMEOUT",
        "the request took too long",
    )
}

async fn readyz(State(state): State<ServerState>) -> Response {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match tokio::time::timeout(std::time::Duration::from_secs(2), state.app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// The Prometheus text; with IDM_METRICS_TOKEN only for `Authorization: Bearer <token>`.
async fn metrics(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.app.config.metrics_token {
        if auth::bearer_token(authorization(&headers)) != Some(expected.as_str()) {
            return error_response(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "metrics need the IDM_METRICS_TOKEN bearer token",
            );
        }
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The SDL, unless introspection is off: then the schema is not published at all.
async fn schema_sdl(State(state): State<ServerState>) -> Response {
    if !state.app.config.introspection {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.sdl.as_str().to_owned(),
    )
        .into_response()
}

/// The content security policy of the playground: only its own assets.
const GRAPHIQL_CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'none'";

fn graphiql_headers(content_type: &'static str) -> [(header::HeaderName, &'static str); 5] {
    [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_SECURITY_POLICY, GRAPHIQL_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ]
}

async fn graphiql_page(method: Method) -> Response {
    let _ = method;
    (
        StatusCode::OK,
        graphiql_headers("text/html; charset=utf-8"),
        crate::assets::INDEX_HTML,
    )
        .into_response()
}

async fn graphiql_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match crate::assets::file(&file) {
        Some((content_type, bytes)) => {
            (StatusCode::OK, graphiql_headers(content_type), bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
