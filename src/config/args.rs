//! The flags (each with its environment variable) that make up a [`Config`], and the checks
//! that turn them into one; the defaults are those of `Config::for_database`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{
    default_pool_size, Config, ConfigError, ConsoleToken, JwtConfig, Limits, LogFormat,
    DEFAULT_DB_STARTUP_WAIT_SECS, DEFAULT_INVITATIONS_PER_HOUR, DEFAULT_SIGN_IN_CAPACITY,
    DEFAULT_SIGN_IN_TTL_SECS,
};

/// Flags (each with its environment variable) that make up a [`Config`]. Not `Debug`: it
/// holds secrets; the [`Config`] built from it prints them redacted.
#[derive(Args, Clone)]
pub struct ConfigArgs {
    /// Database URL: sqlite://FILE?mode=rwc or postgres://USER@HOST/DB
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://idm.db?mode=rwc"
    )]
    pub database_url: String,
    /// Address to listen on
    #[arg(
        long,
        global = true,
        env = "IDM_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: String,
    /// HS256 secret for bearer tokens
    #[arg(long, global = true, env = "IDM_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// PEM public key file for RS256/ES256 tokens
    #[arg(long, global = true, env = "IDM_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// Required `iss` claim
    #[arg(long, global = true, env = "IDM_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim
    #[arg(long, global = true, env = "IDM_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// OpenID provider whose published keys verify tokens (discovery)
    #[arg(long, global = true, env = "IDM_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// A provider's JWKS URL, without discovery
    #[arg(long, global = true, env = "IDM_JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,
    /// The token claim holding the email (an array claim gives its first element)
    #[arg(
        long,
        global = true,
        env = "IDM_JWT_EMAIL_CLAIM",
        default_value = "email"
    )]
    pub jwt_email_claim: String,
    /// The console's OpenID client id: the console signs in at the provider (PKCE)
    #[arg(long, global = true, env = "IDM_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// The provider token the console sends: id or access
    #[arg(
        long,
        global = true,
        env = "IDM_OIDC_CONSOLE_TOKEN",
        value_enum,
        default_value = "id"
    )]
    pub oidc_console_token: ConsoleToken,
    /// Maximum query depth
    #[arg(long, global = true, env = "IDM_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Maximum query complexity
    #[arg(
        long,
        global = true,
        env = "IDM_MAX_COMPLEXITY",
        default_value_t = 5000
    )]
    pub max_complexity: usize,
    /// Maximum aliases of one field in a document
    #[arg(long, global = true, env = "IDM_MAX_ALIASES", default_value_t = 20)]
    pub max_aliases: usize,
    /// Maximum request body in bytes
    #[arg(
        long,
        global = true,
        env = "IDM_MAX_BODY_BYTES",
        default_value_t = 262_144
    )]
    pub max_body_bytes: usize,
    /// Maximum page size of `first`/`last`
    #[arg(long, global = true, env = "IDM_MAX_PAGE_SIZE", default_value_t = 100)]
    pub max_page_size: u64,
    /// Per-request time limit in seconds
    #[arg(
        long,
        global = true,
        env = "IDM_REQUEST_TIMEOUT_SECS",
        default_value_t = 15
    )]
    pub request_timeout_secs: u64,
    /// Accept batched (array) GraphQL requests
    #[arg(long, global = true, env = "IDM_BATCHING", default_value = "false")]
    pub batching: String,
    /// Most operations in one batched request
    #[arg(long, global = true, env = "IDM_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
    /// Answer introspection queries
    #[arg(long, global = true, env = "IDM_INTROSPECTION", default_value = "true")]
    pub introspection: String,
    /// SMTP server for notifications, e.g. smtp://localhost:2525; unset: log them
    #[arg(long, global = true, env = "IDM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of notifications
    #[arg(
        long,
        global = true,
        env = "IDM_SMTP_FROM",
        default_value = "idm@localhost"
    )]
    pub smtp_from: String,
    /// Largest number of pooled database connections [default: 10 on PostgreSQL; on SQLite
    /// 2 per core, 2 to 10]
    #[arg(long, global = true, env = "IDM_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Seconds start-up keeps trying a database that is not reachable yet (not listening or
    /// still starting) before giving up; 0 tries once
    #[arg(
        long,
        global = true,
        env = "IDM_DB_STARTUP_WAIT_SECS",
        default_value_t = DEFAULT_DB_STARTUP_WAIT_SECS
    )]
    pub db_startup_wait_secs: u64,
    /// Seconds to go on serving, with /readyz 503, after SIGTERM before draining
    #[arg(
        long,
        global = true,
        env = "IDM_SHUTDOWN_GRACE_SECS",
        default_value_t = 0
    )]
    pub shutdown_grace_secs: u64,
    /// Seconds a token's sign-in is remembered by this instance (each use is still confirmed
    /// against the database); 0 signs in on every request
    #[arg(
        long,
        global = true,
        env = "IDM_SIGN_IN_TTL_SECS",
        default_value_t = DEFAULT_SIGN_IN_TTL_SECS
    )]
    pub sign_in_ttl_secs: u64,
    /// Most sign-ins remembered at once (a full memory starts over); 0 remembers none
    #[arg(
        long,
        global = true,
        env = "IDM_SIGN_IN_CAPACITY",
        default_value_t = DEFAULT_SIGN_IN_CAPACITY
    )]
    pub sign_in_capacity: usize,
    /// Most invitations (createUser) one requester may send in any trailing hour; 0: no limit
    #[arg(
        long,
        global = true,
        env = "IDM_INVITATIONS_PER_HOUR",
        default_value_t = DEFAULT_INVITATIONS_PER_HOUR
    )]
    pub invitations_per_hour: u32,
    /// Serve /metrics only on this address (e.g. 127.0.0.1:9090); the public listener then
    /// answers 404 for it
    #[arg(long, global = true, env = "IDM_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Bearer token that /metrics requires, on whichever listener serves it
    #[arg(long, global = true, env = "IDM_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Log format: text (coloured on a terminal unless NO_COLOR) or json (one object per
    /// line) [default: text on a terminal, json otherwise]
    #[arg(long, global = true, env = "IDM_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError(format!(
            "{name} must be true or false, not {value:?}"
        ))),
    }
}

impl ConfigArgs {
    /// Checks every value and builds the [`Config`].
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let bind = self.bind.parse().map_err(|_| {
            ConfigError(format!(
                "IDM_BIND {:?} is not an address like 127.0.0.1:8080",
                self.bind
            ))
        })?;
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "DATABASE_URL must start with sqlite: or postgres://".into(),
            ));
        }
        if let Some(secret) = &self.jwt_secret {
            // RFC 7518 §3.2: an HS256 key is at least as long as the hash, 256 bits.
            if secret.len() < 32 {
                return Err(ConfigError(
                    "IDM_JWT_SECRET must be at least 32 bytes (RFC 7518)".into(),
                ));
            }
        }
        if self.oidc_issuer.is_some() || self.jwt_jwks_url.is_some() {
            if self.jwt_public_key_file.is_some() {
                return Err(ConfigError(
                    "IDM_OIDC_ISSUER / IDM_JWT_JWKS_URL and IDM_JWT_PUBLIC_KEY_FILE exclude each other"
                        .into(),
                ));
            }
            if self.jwt_audience.is_none() {
                return Err(ConfigError(
                    "IDM_OIDC_ISSUER / IDM_JWT_JWKS_URL need IDM_JWT_AUDIENCE: a provider's tokens \
                     are accepted only when issued for idm"
                        .into(),
                ));
            }
            if self.oidc_issuer.is_none() && self.jwt_issuer.is_none() {
                return Err(ConfigError("IDM_JWT_JWKS_URL needs IDM_JWT_ISSUER".into()));
            }
        }
        if self.oidc_client_id.is_some() && self.oidc_issuer.is_none() {
            return Err(ConfigError(
                "IDM_OIDC_CLIENT_ID needs IDM_OIDC_ISSUER (the console discovers the provider)"
                    .into(),
            ));
        }
        if let Some(path) = &self.jwt_public_key_file {
            if !path.is_file() {
                return Err(ConfigError(format!(
                    "IDM_JWT_PUBLIC_KEY_FILE {} is not a readable file",
                    path.display()
                )));
            }
        }
        if self.max_page_size == 0
            || self.max_depth == 0
            || self.max_complexity == 0
            || self.max_body_bytes < 1024
            || self.max_batch == 0
        {
            return Err(ConfigError(
                "limits must be positive (and the body limit at least 1024 bytes)".into(),
            ));
        }
        if self.db_max_connections == Some(0) {
            return Err(ConfigError(
                "IDM_DB_MAX_CONNECTIONS must be at least 1".into(),
            ));
        }
        let metrics_bind = match &self.metrics_bind {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                ConfigError(format!(
                    "IDM_METRICS_BIND must be an address such as 127.0.0.1:9090, not {text:?}"
                ))
            })?),
        };
        let db_max_connections = self
            .db_max_connections
            .unwrap_or_else(|| default_pool_size(&self.database_url));
        let limits = Limits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_body_bytes: self.max_body_bytes,
            max_page_size: self.max_page_size,
            default_page_size: 20.min(self.max_page_size),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            batching: parse_bool("IDM_BATCHING", &self.batching)?,
            max_batch: self.max_batch,
            ..Limits::default()
        };
        Ok(Config {
            database_url: self.database_url,
            bind,
            jwt: JwtConfig {
                secret: self.jwt_secret,
                public_key_file: self.jwt_public_key_file,
                issuer: self.jwt_issuer.or_else(|| self.oidc_issuer.clone()),
                audience: self.jwt_audience,
                oidc_issuer: self.oidc_issuer,
                jwks_url: self.jwt_jwks_url,
                email_claim: self.jwt_email_claim,
                provider_startup_wait: Duration::from_secs(self.db_startup_wait_secs),
                console_client_id: self.oidc_client_id,
                console_token: self.oidc_console_token,
            },
            limits,
            introspection: parse_bool("IDM_INTROSPECTION", &self.introspection)?,
            smtp_url: self.smtp_url,
            smtp_from: self.smtp_from,
            outbox_interval: Duration::from_secs(2),
            db_max_connections,
            db_startup_wait: Duration::from_secs(self.db_startup_wait_secs),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            sign_in_ttl: Duration::from_secs(self.sign_in_ttl_secs),
            sign_in_capacity: self.sign_in_capacity,
            invitations_per_hour: self.invitations_per_hour,
            metrics_bind,
            metrics_token: self.metrics_token.filter(|t| !t.is_empty()),
        })
    }
}
