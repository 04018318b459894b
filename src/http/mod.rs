//! The HTTP surface: `/graphql` (POST and GET), `/graphiql` with its own assets, health,
//! readiness, metrics and the SDL. Authentication happens here, before GraphQL runs; a
//! document that only introspects needs none.

use std::sync::Arc;

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{ApiError, QueryCode};
use crate::execution::{self, Executor, Failure, RequestNote};
use crate::limits;

mod pages;
use pages::{graphiql_asset, graphiql_page, metrics, readyz, schema_sdl};

/// What the HTTP handlers share.
#[derive(Clone)]
pub struct ServerState {
    /// Runs the GraphQL requests (and holds the application state as `executor.app`).
    pub executor: Executor,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub sdl: Arc<String>,
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
    let note = Arc::new(RequestNote::default());
    let response = execution::noting(note.clone(), next.run(request)).await;
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
    let router = if state.executor.app.config.metrics_bind.is_none() {
        router.route("/metrics", get(metrics))
    } else {
        router
    };
    let console = crate::console::Settings::from_config(&state.executor.app.config.jwt);
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
    let limits = &state.executor.app.config.limits;
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

/// Runs one operation (see [`Executor::answer`]) after the HTTP refusals of its text.
async fn execute(state: &ServerState, headers: &HeaderMap, operation: Operation) -> Response {
    if let Err(response) = operation.check() {
        return *response;
    }
    let answer = state
        .executor
        .answer(authorization(headers), || operation.request());
    match answer.await {
        Ok(response) => json_response(&response),
        Err(failure) => failure_response(failure),
    }
}

/// Runs a batch (IDM_BATCHING): every operation is checked first, then they run as
/// [`Executor::answer_batch`] runs them. The answer is the array of their answers, in order.
async fn execute_batch(
    state: &ServerState,
    headers: &HeaderMap,
    operations: Vec<Operation>,
) -> Response {
    for operation in &operations {
        if let Err(response) = operation.check() {
            return *response;
        }
    }
    let requests = operations.iter().map(Operation::request).collect();
    match state
        .executor
        .answer_batch(authorization(headers), requests)
        .await
    {
        Ok(answers) => json_response(&answers),
        Err(failure) => failure_response(failure),
    }
}

fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

impl Operation {
    /// The HTTP answer refusing the operation, if any: a document nested too deep (400), a
    /// mutation over GET (405), or variables that are not an object (400).
    fn check(&self) -> Result<(), Box<Response>> {
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
        match &self.variables {
            None | Some(Value::Null | Value::Object(_)) => Ok(()),
            Some(_) => Err(Box::new(error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "variables must be an object",
            ))),
        }
    }

    /// The GraphQL request of an operation that passed [`Operation::check`].
    fn request(&self) -> async_graphql::Request {
        let variables = match &self.variables {
            Some(v @ Value::Object(_)) => async_graphql::Variables::from_json(v.clone()),
            _ => async_graphql::Variables::default(),
        };
        let mut request = async_graphql::Request::new(self.query.clone()).variables(variables);
        if let Some(name) = &self.operation_name {
            request = request.operation_name(name.clone());
        }
        request
    }
}

/// The HTTP answer of a request that got no GraphQL answer.
fn failure_response(failure: Failure) -> Response {
    match failure {
        Failure::Unauthenticated(err) => {
            metrics::counter!("idm_graphql_requests_total", "operation" => "unauthenticated")
                .increment(1);
            api_error_response(err)
        }
        Failure::Timeout => timeout_response(),
        Failure::Internal => internal_response(),
    }
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
