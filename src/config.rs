//! The service's configuration: one plain value, read once from flags and environment at
//! start and passed down. Invalid values are a one-line error, never a panic.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod args;
pub use args::ConfigArgs;

/// Everything the service can be configured with. Its `Debug` hides the JWT secret and the
/// passwords in the database and SMTP URLs.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind: SocketAddr,
    pub jwt: JwtConfig,
    pub limits: Limits,
    pub introspection: bool,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// How often the outbox worker looks for due notifications.
    pub outbox_interval: Duration,
    /// Largest number of pooled database connections.
    pub db_max_connections: u32,
    /// How long start-up waits for a database that cannot be reached yet.
    pub db_startup_wait: Duration,
    /// How long the service goes on serving, not ready, after a shutdown signal.
    pub shutdown_grace: Duration,
    /// How long a token's sign-in is remembered (see `auth::SignIns`); zero: never.
    pub sign_in_ttl: Duration,
    /// At most this many remembered sign-ins; zero: none.
    pub sign_in_capacity: usize,
    /// `createUser` calls per requester in any trailing hour; zero: no limit.
    pub invitations_per_hour: u32,
    /// Where `/metrics` is served instead of the public listener; None: on the public one.
    pub metrics_bind: Option<SocketAddr>,
    /// Bearer token `/metrics` requires, on whichever listener; None: none.
    pub metrics_token: Option<String>,
}

/// How log lines are written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, coloured on a terminal (never with NO_COLOR).
    Text,
    /// One JSON object per line: timestamp, level, target, message, fields, span fields.
    Json,
}

/// How bearer tokens are checked. Its `Debug` hides the secret.
#[derive(Clone, Default)]
pub struct JwtConfig {
    /// HS256 shared secret; when unset and no public key is given, one is generated once
    /// and kept in the database.
    pub secret: Option<String>,
    /// PEM public key (RSA or EC) for RS256/ES256 tokens of an external identity provider.
    pub public_key_file: Option<PathBuf>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// An OpenID provider: its keys come from `<issuer>/.well-known/openid-configuration`.
    pub oidc_issuer: Option<String>,
    /// A provider's key set (JWKS) by URL, without discovery.
    pub jwks_url: Option<String>,
    /// The claim that holds the user's email (an array claim gives its first element).
    pub email_claim: String,
    /// How long to wait for the provider at start, as for the database.
    pub provider_startup_wait: Duration,
    /// The console's OpenID client: sign-in through the provider when set.
    pub console_client_id: Option<String>,
    /// Which of the provider's tokens the console sends as its bearer token.
    pub console_token: ConsoleToken,
}

/// The token the console uses as its bearer after signing in at the provider.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsoleToken {
    /// The ID token (its `aud` is the console's client id).
    #[default]
    Id,
    /// The access token (for providers that issue JWT access tokens for idm's audience).
    Access,
}

/// Limits that bound the work one request can cause.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_body_bytes: usize,
    pub max_page_size: u64,
    pub default_page_size: u64,
    pub max_list_input: usize,
    pub request_timeout: Duration,
    pub batching: bool,
    /// Most operations in one batched request (when batching is on).
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5000,
            max_aliases: 20,
            max_directives: 10,
            max_body_bytes: 256 * 1024,
            max_page_size: 100,
            default_page_size: 20,
            max_list_input: 100,
            request_timeout: Duration::from_secs(15),
            batching: false,
            max_batch: 10,
        }
    }
}

impl Config {
    /// A configuration for tests and tools: the given database, port 0, a fixed secret.
    pub fn for_database(database_url: &str) -> Self {
        Self {
            database_url: database_url.to_owned(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt: JwtConfig {
                email_claim: "email".to_owned(),
                provider_startup_wait: Duration::from_secs(DEFAULT_DB_STARTUP_WAIT_SECS),
                ..JwtConfig::default()
            },
            limits: Limits::default(),
            introspection: true,
            smtp_url: None,
            smtp_from: "idm@localhost".to_owned(),
            outbox_interval: Duration::from_secs(2),
            db_max_connections: default_pool_size(database_url),
            db_startup_wait: Duration::from_secs(DEFAULT_DB_STARTUP_WAIT_SECS),
            shutdown_grace: Duration::ZERO,
            sign_in_ttl: Duration::from_secs(DEFAULT_SIGN_IN_TTL_SECS),
            sign_in_capacity: DEFAULT_SIGN_IN_CAPACITY,
            invitations_per_hour: DEFAULT_INVITATIONS_PER_HOUR,
            metrics_bind: None,
            metrics_token: None,
        }
    }
}

const DEFAULT_DB_STARTUP_WAIT_SECS: u64 = 30;
const DEFAULT_SIGN_IN_TTL_SECS: u64 = 300;
const DEFAULT_SIGN_IN_CAPACITY: usize = 10_000;
const DEFAULT_INVITATIONS_PER_HOUR: u32 = 100;

/// The pool size when IDM_DB_MAX_CONNECTIONS is not set: 10 on PostgreSQL; on SQLite two per
/// core (2 to 10). SQLite runs its queries in idm's own process, each pooled connection with
/// its own page cache and scan buffers (~6 MB under a full-table search): on 2 cores, 4
/// connections answer as fast as 8 and peak at 63 MB instead of 92–112 MB.
fn default_pool_size(database_url: &str) -> u32 {
    if !database_url.starts_with("sqlite:") {
        return 10;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(10).clamp(2, 10)
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("jwt", &self.jwt)
            .field("limits", &self.limits)
            .field("introspection", &self.introspection)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("smtp_from", &self.smtp_from)
            .field("outbox_interval", &self.outbox_interval)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_startup_wait", &self.db_startup_wait)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("sign_in_ttl", &self.sign_in_ttl)
            .field("sign_in_capacity", &self.sign_in_capacity)
            .field("invitations_per_hour", &self.invitations_per_hour)
            .field("metrics_bind", &self.metrics_bind)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &self.secret.as_ref().map(|_| REDACTED))
            .field("public_key_file", &self.public_key_file)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("oidc_issuer", &self.oidc_issuer)
            .field("jwks_url", &self.jwks_url)
            .field("email_claim", &self.email_claim)
            .field("console_client_id", &self.console_client_id)
            .field("console_token", &self.console_token)
            .finish()
    }
}

const REDACTED: &str = "***";

/// The URL with the password of its user info and any `password=` parameter replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let head = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) if userinfo.contains(':') => {
                    let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                    format!("{scheme}://{user}:{REDACTED}@{host}{path}")
                }
                _ => head.to_owned(),
            }
        }
        None => head.to_owned(),
    };
    let Some(query) = query else {
        return head;
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", query.join("&"))
}

/// A configuration value that cannot be used, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: ConfigArgs,
    }

    fn parse(args: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["idm"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv)
            .map_err(|e| ConfigError(e.to_string()))?
            .config
            .into_config()
    }

    #[test]
    fn invalid_values_are_one_line_errors() {
        for (args, needle) in [
            (&["--bind", "localhost"][..], "IDM_BIND"),
            (&["--database-url", "mysql://x"][..], "DATABASE_URL"),
            (&["--jwt-secret", "short"][..], "IDM_JWT_SECRET"),
            (&["--introspection", "maybe"][..], "IDM_INTROSPECTION"),
            (
                &["--jwt-public-key-file", "/nonexistent.pem"][..],
                "IDM_JWT_PUBLIC_KEY_FILE",
            ),
        ] {
            let err = parse(args).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(needle), "{args:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = parse(&[
            "--database-url",
            "postgres://idm:pg-pass@db/idm?sslmode=require&password=pg-param",
            "--jwt-secret",
            "jwt-secret-0123456789abcdef-0123456",
            "--smtp-url",
            "smtps://mailer:smtp-pass@mail.example:465",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let printed = format!("{c:?} {c:#?}");
        for secret in [
            "pg-pass",
            "pg-param",
            "jwt-secret-0123456789abcdef-0123456",
            "smtp-pass",
        ] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        for kept in [
            "postgres://idm:***@db/idm?sslmode=require&password=***",
            "smtps://mailer:***@mail.example:465",
            "mailer",
        ] {
            assert!(printed.contains(kept), "{kept} missing from {printed}");
        }
    }

    #[test]
    fn sign_ins_are_remembered_five_minutes_unless_configured_otherwise() {
        let c = parse(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.sign_in_ttl, Duration::from_secs(300));
        assert_eq!(c.sign_in_capacity, 10_000);
        let c = parse(&["--sign-in-ttl-secs", "0", "--sign-in-capacity", "50"])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.sign_in_ttl, Duration::ZERO);
        assert_eq!(c.sign_in_capacity, 50);
        let err = parse(&["--sign-in-capacity", "many"])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("sign-in-capacity"), "{err}");
    }

    #[test]
    fn start_up_waits_thirty_seconds_for_the_database_unless_configured_otherwise() {
        let c = parse(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.db_startup_wait, Duration::from_secs(30));
        let c = parse(&["--db-startup-wait-secs", "0"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.db_startup_wait, Duration::ZERO);
    }

    #[test]
    fn defaults_match_the_contract() {
        let c = parse(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.limits.max_depth, 12);
        assert_eq!(c.limits.max_complexity, 5000);
        assert_eq!(c.limits.max_aliases, 20);
        assert_eq!(c.limits.max_body_bytes, 256 * 1024);
        assert_eq!(c.limits.max_page_size, 100);
        assert_eq!(c.limits.default_page_size, 20);
        assert!(c.introspection);
        assert!(!c.limits.batching);
    }

    #[test]
    fn the_pool_defaults_to_ten_on_postgres_and_two_per_core_on_sqlite() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u32;
        let pg =
            parse(&["--database-url", "postgres://idm@db/idm"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pg.db_max_connections, 10);
        let sqlite =
            parse(&["--database-url", "sqlite://idm.db"]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(sqlite.db_max_connections, (cores * 2).clamp(2, 10));
        let set = parse(&[
            "--database-url",
            "sqlite://idm.db",
            "--db-max-connections",
            "7",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.db_max_connections, 7);
        assert!(parse(&["--db-max-connections", "0"]).is_err());
    }
}
