//! The admin console at `/admin`: its own ES modules with the vendored Preact and htm
//! (`assets/admin/`), compiled into the binary and served under a strict CSP. Asset URLs carry
//! a hash of the whole set, so browsers may cache them for good.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::Embed;
use sha2::Digest;
use tower_http::compression::CompressionLayer;

/// The console's files; in debug builds rust-embed reads them from disk on each request.
#[derive(Embed)]
#[folder = "assets/admin/"]
struct Files;

/// The console's policy: every script, style, image and request from idm itself, and with
/// an OpenID provider its discovery and token requests to the provider's origin.
pub fn csp(provider_origin: Option<&str>) -> String {
    let connect = match provider_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {connect}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// What the console needs to know of the server's configuration (`/admin/config.json`).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Settings {
    /// Sign-in at an OpenID provider instead of a pasted token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc: Option<OidcSettings>,
}

#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    /// "id" or "access": the token sent as the bearer.
    pub token: &'static str,
    pub scope: &'static str,
    /// The audience to ask access tokens for (RFC 8707 `resource`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}

impl Settings {
    pub fn from_config(jwt: &crate::config::JwtConfig) -> Self {
        let oidc = match (&jwt.oidc_issuer, &jwt.console_client_id) {
            (Some(issuer), Some(client_id)) => Some(OidcSettings {
                issuer: issuer.clone(),
                client_id: client_id.clone(),
                token: match jwt.console_token {
                    crate::config::ConsoleToken::Id => "id",
                    crate::config::ConsoleToken::Access => "access",
                },
                scope: "openid email",
                resource: match jwt.console_token {
                    crate::config::ConsoleToken::Access => jwt
                        .audience
                        .as_deref()
                        .and_then(|a| crate::auth::audiences(a).first().map(|a| (*a).to_owned())),
                    crate::config::ConsoleToken::Id => None,
                },
            }),
            _ => None,
        };
        Self { oidc }
    }

    /// The provider's origin (scheme, host and port of the issuer).
    fn provider_origin(&self) -> Option<String> {
        let issuer = &self.oidc.as_ref()?.issuer;
        let after_scheme = issuer.find("://")? + 3;
        let end = issuer[after_scheme..]
            .find('/')
            .map_or(issuer.len(), |i| after_scheme + i);
        Some(issuer[..end].to_owned())
    }
}

/// Caching of a versioned asset: a changed file gets a new URL.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The console's pages and assets, for `http::router` to merge.
pub fn router<S: Clone + Send + Sync + 'static>(settings: Settings) -> Router<S> {
    let console = Console::new(&settings);
    let config = {
        let body = serde_json::to_string(&settings).unwrap_or_else(|_| "{}".to_owned());
        let console = console.clone();
        move || {
            let body = body.clone();
            let console = console.clone();
            async move { console.config(body) }
        }
    };
    let page = {
        let console = console.clone();
        move || {
            let console = console.clone();
            async move { console.page() }
        }
    };
    let asset = move |Path((version, file)): Path<(String, String)>| {
        let console = console.clone();
        async move { console.asset(&version, &file) }
    };
    Router::new()
        .route("/admin", get(page.clone()))
        .route("/admin/", get(page.clone()))
        .route("/admin/config.json", get(config))
        .route("/admin/assets/{version}/{*file}", get(asset))
        // Every other path under /admin is a screen of the single-page app (a reload or a
        // bookmark of /admin/users/...): the same page, which routes on its own.
        .route("/admin/{*screen}", get(page))
        .layer(CompressionLayer::new())
}

/// The page and the version of the asset set, computed once when the router is built.
#[derive(Clone)]
struct Console {
    version: std::sync::Arc<str>,
    page: std::sync::Arc<str>,
    csp: HeaderValue,
}

impl Console {
    fn new(settings: &Settings) -> Self {
        let version = asset_version();
        let template = Files::get("index.html")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default();
        let page = template.replace("{version}", &version);
        let csp = csp(settings.provider_origin().as_deref());
        Self {
            version: version.into(),
            page: page.into(),
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'")),
        }
    }

    fn config(&self, body: String) -> Response {
        let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        self.secure(&mut response, "no-cache");
        response
    }

    fn page(&self) -> Response {
        let mut response = (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            self.page.to_string(),
        )
            .into_response();
        self.secure(&mut response, "no-cache");
        response
    }

    fn asset(&self, version: &str, file: &str) -> Response {
        let Some(found) = Files::get(file) else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let Some(content_type) = content_type(file) else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let mut response = (
            [(header::CONTENT_TYPE, content_type)],
            found.data.into_owned(),
        )
            .into_response();
        // During a rolling upgrade an old page may ask a new instance for its assets: it gets
        // today's files, but not for keeps.
        let caching = if version == &*self.version {
            IMMUTABLE
        } else {
            "no-cache"
        };
        self.secure(&mut response, caching);
        response
    }

    fn secure(&self, response: &mut Response, caching: &'static str) {
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_SECURITY_POLICY, self.csp.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(caching));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
}

/// The served files' content types; anything else in the folder (licences, VERSIONS) is not
/// an asset a page loads, and is served as text.
fn content_type(file: &str) -> Option<&'static str> {
    let extension = file.rsplit_once('.').map(|(_, e)| e)?;
    Some(match extension {
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "html" => return None,
        _ => "text/plain; charset=utf-8",
    })
}

/// The first 12 hex digits of a hash over every file's name and content hash.
pub fn asset_version() -> String {
    let mut names: Vec<_> = Files::iter().collect();
    names.sort();
    let mut all = String::new();
    for name in names {
        if let Some(file) = Files::get(&name) {
            all.push_str(&name);
            all.push_str(&hex(&file.metadata.sha256_hash()));
        }
    }
    let digest = sha2::Sha256::digest(all.as_bytes());
    hex(&digest)[..12].to_owned()
}

/// The console's files with their sizes, for the budget test and the README.
pub fn files() -> Vec<(String, usize)> {
    let mut files: Vec<_> = Files::iter()
        .filter_map(|name| {
            let size = Files::get(&name)?.data.len();
            Some((name.into_owned(), size))
        })
        .collect();
    files.sort();
    files
}

/// The sha256 of one file of the console, hex.
pub fn file_sha256(name: &str) -> Option<String> {
    Files::get(name).map(|f| hex(&f.metadata.sha256_hash()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
