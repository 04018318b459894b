//! The HTTP surface: `/graphql` (POST and GET), `/graphiql` with its own assets, health,
//! readiness, metrics and the SDL. Authentication happens here, before GraphQL runs.

use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::ServerState;
use crate::auth;
use crate::error::{ApiError, QueryCode};
use crate::graphql;

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

/// The query string of `GET /graphql`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct GraphQlParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
}

/// A JSON error response in the GraphQL shape.
fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"message": message, "extensions": {"code": code}}]});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
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
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BAD_REQUEST",
        &format!("the request body is larger than {limit} bytes"),
    )
}

/// Builds the router over the state.
pub fn router(state: ServerState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql", get(graphiql_page))
        .route("/graphiql/", get(graphiql_page))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/schema.graphql", get(schema_sdl))
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
    if value.is_array() {
        return error_response(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched requests are not enabled",
        );
    }
    let body: GraphQlBody = match serde_json::from_value(value) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                &format!("not a GraphQL request: {e}"),
            )
        }
    };
    execute(
        &state,
        &headers,
        body.query,
        body.variables,
        body.operation_name,
        false,
    )
    .await
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
    execute(
        &state,
        &headers,
        query,
        variables,
        params.operation_name,
        true,
    )
    .await
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

async fn execute(
    state: &ServerState,
    headers: &HeaderMap,
    query: String,
    variables: Option<Value>,
    operation_name: Option<String>,
    via_get: bool,
) -> Response {
    if via_get && is_mutation(&query, operation_name.as_deref()) {
        let mut response = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            "mutations need POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let variables = match variables {
        None | Some(Value::Null) => async_graphql::Variables::default(),
        Some(v @ Value::Object(_)) => async_graphql::Variables::from_json(v),
        Some(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "variables must be an object",
            )
        }
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // One deadline for the whole request: authentication reads the database too, and while
    // the database is away it would otherwise wait out the pool's acquire timeout.
    let deadline = tokio::time::Instant::now() + state.app.config.limits.request_timeout;
    let authenticated = tokio::time::timeout_at(
        deadline,
        auth::authenticate(&state.app.keys, &state.app.db, authorization),
    )
    .await;
    let requester = match authenticated {
        Ok(Ok(r)) => r,
        Ok(Err(err)) => {
            metrics::counter!("idm_graphql_requests_total", "operation" => "unauthenticated")
                .increment(1);
            return api_error_response(err);
        }
        Err(_) => return timeout_response(),
    };
    let mut request = async_graphql::Request::new(query).variables(variables);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    let request = request
        .data(requester)
        .data(graphql::new_loader(state.app.db.clone()));
    let response = match tokio::time::timeout_at(deadline, state.schema.execute(request)).await {
        Ok(r) => r,
        Err(_) => return timeout_response(),
    };
    let mut response = response;
    for error in &mut response.errors {
        // Parse and validation errors come from async-graphql without a code.
        let ext = error.extensions.get_or_insert_with(Default::default);
        if ext.get("code").is_none() {
            ext.set("code", "BAD_USER_INPUT");
        }
    }
    let body = match serde_json::to_string(&response) {
        Ok(b) => b,
        Err(e) => {
            let _ = ApiError::internal(&e);
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            );
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
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
    match tokio::time::timeout(std::time::Duration::from_secs(2), state.app.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

async fn metrics(State(state): State<ServerState>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

async fn schema_sdl(State(state): State<ServerState>) -> Response {
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
