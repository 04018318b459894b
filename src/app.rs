//! Start-up: connect, migrate, resolve keys, build schema and router, bind, and serve with
//! graceful shutdown; the outbox worker runs beside the server and stops with it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use migration::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::context::AppState;
use crate::execution::Executor;
use crate::graphql::{self};
use crate::http::ServerState;
use crate::outbox::worker::{self, Sender};

/// The process-wide metrics recorder (metrics are process-global by nature).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Fails only when another recorder is installed; then ours just stays empty.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// What a pool is for: serving requests bounds every PostgreSQL statement by the request
/// timeout; migrations, imports and the command line are not bounded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    Serve,
    Command,
}

/// Connects to the database and applies pending migrations. To serve on PostgreSQL, the
/// migrations run over a connection of their own without the statement timeout, and the
/// serving pool's statements end at the request timeout (at least 1 s).
pub async fn connect_and_migrate(
    config: &Config,
    purpose: Purpose,
) -> anyhow::Result<DatabaseConnection> {
    let bounded = purpose == Purpose::Serve && !config.database_url.starts_with("sqlite");
    let migrate = |db: DatabaseConnection| async move {
        Migrator::up(&db, None)
            .await
            .map_err(|e| anyhow::anyhow!("cannot migrate the database: {e}"))?;
        anyhow::Ok(db)
    };
    if !bounded {
        return migrate(connect_waiting(config, config.db_max_connections, None).await?).await;
    }
    migrate(connect_waiting(config, 1, None).await?)
        .await?
        .close()
        .await?;
    // At least a second: a statement is never cut shorter than a round trip could take.
    let statement_timeout = config.limits.request_timeout.max(Duration::from_secs(1));
    connect_waiting(config, config.db_max_connections, Some(statement_timeout)).await
}

/// Connects with a pool of `max_connections`, trying again until `config.db_startup_wait`
/// has passed while the database cannot be reached yet: nothing listens, it is starting up,
/// or it answers slower than the pool waits. A try lasts up to the pool's connection wait
/// (the one under way when the time is up finishes); each that gives up is logged and
/// followed by a pause of 0.1 s doubling to 2 s (cut at the deadline). What waiting cannot
/// mend (a wrong password, a missing database) fails at once.
async fn connect_waiting(
    config: &Config,
    max_connections: u32,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<DatabaseConnection> {
    let started = Instant::now();
    let deadline = started + config.db_startup_wait;
    let acquire = acquire_timeout(config.limits.request_timeout);
    let mut pause = Duration::from_millis(100);
    loop {
        let connecting = crate::db::connect(
            &config.database_url,
            max_connections,
            acquire,
            statement_timeout,
        );
        let e = match connecting.await {
            Ok(db) => return Ok(db),
            Err(e) if !crate::error::is_unreachable(&e) => {
                return Err(anyhow::anyhow!("cannot connect to the database: {e}"))
            }
            Err(e) => e,
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(anyhow::anyhow!(
                "cannot connect to the database: not reachable after {:.1} s: {e}",
                started.elapsed().as_secs_f32()
            ));
        }
        let pause_now = pause.min(deadline - now);
        tracing::warn!(error = %e, retry_in_ms = pause_now.as_millis(), "the database cannot be reached yet; trying again");
        tokio::time::sleep(pause_now).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

/// How long a request waits for a pooled connection: three quarters of the request timeout,
/// between 250 ms and 5 s. Inside the request timeout, so that while the database is away a
/// request fails with UNAVAILABLE (the pool gave up) rather than TIMEOUT (the request's
/// deadline passed first).
fn acquire_timeout(request_timeout: Duration) -> Duration {
    (request_timeout * 3 / 4).clamp(Duration::from_millis(250), Duration::from_secs(5))
}

/// What `idm check-config` found: a line per check, and whether each passed.
pub async fn check(config: &Config) -> Vec<(bool, String)> {
    let mut found = vec![(
        true,
        format!(
            "configuration: valid (listening on {}{})",
            config.bind,
            config
                .metrics_bind
                .map(|m| format!(", metrics on {m}"))
                .unwrap_or_default()
        ),
    )];
    let acquire = Duration::from_secs(5);
    match crate::db::connect(&config.database_url, 1, acquire, None).await {
        Err(e) => found.push((false, format!("database: cannot connect: {e}"))),
        Ok(db) => {
            let pending = Migrator::get_pending_migrations(&db).await.map(|m| m.len());
            found.push(match pending {
                Ok(0) => (
                    true,
                    "database: reachable, migrations up to date".to_owned(),
                ),
                Ok(n) => (
                    true,
                    format!("database: reachable, {n} migration(s) to apply at the next start"),
                ),
                Err(e) => (false, format!("database: reachable, but: {e}")),
            });
            let keys = match (&config.jwt.secret, &config.jwt.public_key_file) {
                (Some(_), _) | (None, Some(_)) => JwtKeys::load(&config.jwt, &db)
                    .await
                    .map(|_| "tokens: keys loaded".to_owned()),
                (None, None) => Ok(
                    "tokens: HS256 with the secret generated in the database (set IDM_JWT_SECRET or a provider's key in production)"
                        .to_owned(),
                ),
            };
            found.push(match keys {
                Ok(line) => (true, line),
                Err(e) => (false, format!("tokens: {e}")),
            });
            db.close().await.ok();
        }
    }
    match Sender::from_config(config.smtp_url.as_deref(), &config.smtp_from) {
        Err(e) => found.push((false, format!("notifications: {e}"))),
        Ok(sender) => found.push(
            match (config.smtp_url.is_some(), sender.reachable().await) {
                (false, _) => (
                    true,
                    "notifications: no IDM_SMTP_URL, written to the log".to_owned(),
                ),
                (true, Ok(())) => (true, "notifications: the SMTP server answers".to_owned()),
                (true, Err(e)) => (false, format!("notifications: {e}")),
            },
        ),
    }
    found
}

/// The application state over a migrated database.
pub async fn state(config: Config, db: DatabaseConnection) -> anyhow::Result<AppState> {
    let keys = JwtKeys::load(&config.jwt, &db).await?;
    let writer = match db.get_database_backend() {
        DbBackend::Sqlite => connect_waiting(&config, 1, None).await?,
        _ => db.clone(),
    };
    let searches = (config.db_max_connections as usize / 2).max(1);
    Ok(AppState {
        db,
        writer,
        config: Arc::new(config),
        keys,
        searches: Arc::new(tokio::sync::Semaphore::new(searches)),
    })
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    /// The private listener of `/metrics` (IDM_METRICS_BIND), when configured.
    metrics_listener: Option<TcpListener>,
    state: ServerState,
}

impl Application {
    /// Binds the configured address (port 0 picks a free one).
    pub async fn build(app: AppState) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(app.config.bind)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", app.config.bind))?;
        let metrics_listener =
            match app.config.metrics_bind {
                Some(addr) => Some(TcpListener::bind(addr).await.map_err(|e| {
                    anyhow::anyhow!("cannot listen on {addr} (IDM_METRICS_BIND): {e}")
                })?),
                None => None,
            };
        let state = ServerState {
            executor: Executor::new(app),
            metrics: metrics_handle(),
            sdl: Arc::new(graphql::sdl()),
            draining: Arc::new(AtomicBool::new(false)),
        };
        Ok(Self {
            listener,
            metrics_listener,
            state,
        })
    }

    /// The address actually bound.
    pub fn address(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// The address of the private metrics listener, when there is one.
    pub fn metrics_address(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(match &self.metrics_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        })
    }

    /// The router with its middleware.
    pub fn router(state: ServerState) -> axum::Router {
        let limit = state.executor.app.config.limits.max_body_bytes;
        // A body must arrive within the request timeout: a client trickling bytes cannot
        // hold a connection and a task open for longer.
        let body_timeout = state.executor.app.config.limits.request_timeout;
        crate::http::router(state)
            .layer(RequestBodyTimeoutLayer::new(body_timeout))
            .layer(DefaultBodyLimit::max(limit))
            .layer(RequestBodyLimitLayer::new(limit))
            .layer(axum::middleware::map_response(move |response| {
                crate::http::body_too_large_as_json(limit, response)
            }))
            .layer(axum::middleware::from_fn(move |request, next| {
                crate::http::refuse_oversized(limit, body_timeout, request, next)
            }))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(axum::middleware::from_fn(crate::http::log_request))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
    }

    /// Serves until `shutdown` resolves, then drains in-flight requests and stops the worker.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let config = self.state.executor.app.config.clone();
        let sender = Sender::from_config(config.smtp_url.as_deref(), &config.smtp_from)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = tokio::spawn(worker::run(
            self.state.executor.app.db.clone(),
            sender,
            config.outbox_interval,
            stop_rx,
        ));
        // On the signal, /readyz turns 503 at once; the listener keeps serving for the grace
        // period, so that a load balancer stops sending here before connections are refused.
        let draining = self.state.draining.clone();
        let grace = config.shutdown_grace;
        let shutdown = async move {
            shutdown.await;
            draining.store(true, Ordering::SeqCst);
            if !grace.is_zero() {
                tracing::info!(?grace, "not ready; serving on for the grace period");
                tokio::time::sleep(grace).await;
            }
            tracing::info!("draining requests");
        };
        // The metrics listener stops with the public one (its serve future is dropped).
        let metrics = self.metrics_listener.map(|listener| {
            let router = crate::http::metrics_router(self.state.clone());
            tokio::spawn(async move { axum::serve(listener, router).await })
        });
        let router = Self::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        let _ = stop_tx.send(true);
        let _ = worker.await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The span of one HTTP request: method and path, never the query string, which on
/// `GET /graphql` carries the variables (emails, names) of the request.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %request.method(),
        path = request.uri().path(),
        version = ?request.version(),
    )
}

/// A future that resolves on SIGTERM or ctrl-c. The handlers are installed by this call, not
/// when the future is first polled: a signal that arrives between "listening" and the start
/// of the serve loop is then a graceful shutdown instead of the default action (exit by
/// signal, dropping queued connections).
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (terminate, interrupt) = signals;
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(terminate) => {}
                _ = wait(interrupt) => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown requested");
    }
}
