//! The pages beside `/graphql`: readiness, metrics, the SDL and the GraphiQL playground with
//! its own assets.

use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{authorization, error_response, ServerState};
use crate::auth;

pub(super) async fn readyz(State(state): State<ServerState>) -> Response {
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match tokio::time::timeout(
        std::time::Duration::from_secs(2),
        state.executor.app.db.ping(),
    )
    .await
    {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// The Prometheus text; with IDM_METRICS_TOKEN only for `Authorization: Bearer <token>`.
pub(super) async fn metrics(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.executor.app.config.metrics_token {
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
pub(super) async fn schema_sdl(State(state): State<ServerState>) -> Response {
    if !state.executor.app.config.introspection {
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

pub(super) async fn graphiql_page(method: Method) -> Response {
    let _ = method;
    (
        StatusCode::OK,
        graphiql_headers("text/html; charset=utf-8"),
        crate::assets::INDEX_HTML,
    )
        .into_response()
}

pub(super) async fn graphiql_asset(
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Response {
    match crate::assets::file(&file) {
        Some((content_type, bytes)) => {
            (StatusCode::OK, graphiql_headers(content_type), bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}
