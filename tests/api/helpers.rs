//! TestApp: a running server over a fresh database, an executor to run operations in-process,
//! a client for the few tests that need HTTP, tokens and small builders.

#![allow(
    dead_code,
    reason = "builders are shared by test modules that use some of them"
)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use idm::app::{self, Application};
use idm::config::Config;
use idm::context::AppState;
use idm::domain::RoleType;
use idm::execution::{Executor, Failure};
use idm::ids::{self, Kind};
use idm::{partners, roles, users, workspaces};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A fresh database URL: a temp SQLite file, or a new PostgreSQL database (drop it with
/// [`drop_database`]).
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    match std::env::var("IDM_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let name = format!("idm_test_{}_{}_{}", std::process::id(), n, rand_suffix());
            let admin = Database::connect(&base)
                .await
                .expect("connect to IDM_TEST_DATABASE_URL");
            admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE {name}"),
                ))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let (prefix, _) = base
                .rsplit_once('/')
                .expect("database URL with a database name");
            (format!("{prefix}/{name}"), None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("idm.db").display());
            (url, Some(dir))
        }
    }
}

fn rand_suffix() -> u32 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// A running idm over a fresh database.
pub struct TestApp {
    pub addr: SocketAddr,
    /// The private metrics listener, when the config asks for one.
    pub metrics_addr: Option<SocketAddr>,
    /// The database the app serves (to start the real binary beside it).
    pub database_url: String,
    pub state: AppState,
    /// A second instance's executor over the same database, for [`TestApp::execute`].
    pub executor: Executor,
    pub db: DatabaseConnection,
    pub client: reqwest::Client,
    /// Every SQL statement the app ran, in order (see [`TestApp::statements_since`]).
    pub statements: Arc<Mutex<Vec<String>>>,
    tokens: Mutex<std::collections::HashMap<String, String>>,
    stop: Option<oneshot::Sender<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// Drops a PostgreSQL database made by [`fresh_database`] (FORCE closes its connections);
/// does nothing for any other URL.
pub async fn drop_database(url: &str) {
    let (Ok(base), Some((_, name))) =
        (std::env::var("IDM_TEST_DATABASE_URL"), url.rsplit_once('/'))
    else {
        return;
    };
    if !name.starts_with("idm_test_") {
        return;
    }
    if let Ok(admin) = Database::connect(&base).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = admin
            .execute_raw(Statement::from_string(admin.get_database_backend(), sql))
            .await;
        let _ = admin.close().await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // A PostgreSQL test database is dropped with the app, on a runtime of its own.
        let url = self.state.config.database_url.clone();
        if !url.starts_with("postgres") {
            return;
        }
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&url));
            }
        })
        .join();
    }
}

pub const SECRET: &str = "test-secret-0123456789abcdef-0123";

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Starts with a configuration adjusted by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let (url, dir) = fresh_database().await;
        Self::start(&url, dir, adjust).await
    }

    /// Starts over a database the test provides (e.g. a throw-away PostgreSQL cluster)
    /// instead of a fresh one; the database is migrated and left in place.
    pub async fn spawn_on(url: &str, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start(url, None, adjust).await
    }

    async fn start(
        url: &str,
        dir: Option<tempfile::TempDir>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config::for_database(url);
        config.jwt.secret = Some(SECRET.to_owned());
        config.db_max_connections = 5;
        adjust(&mut config);
        let mut db = app::connect_and_migrate(&config, app::Purpose::Serve)
            .await
            .expect("migrate");
        let statements = Arc::new(Mutex::new(Vec::<String>::new()));
        let log = statements.clone();
        let record = move |info: &sea_orm::metric::Info<'_>| {
            if let Ok(mut log) = log.lock() {
                log.push(info.statement.sql.clone());
            }
        };
        db.set_metric_callback(record.clone());
        let mut state = app::state(config, db.clone()).await.expect("state");
        // SQLite's writer is a pool of its own; PostgreSQL's is `db` again (counted once).
        if state.writer.get_database_backend() == sea_orm::DbBackend::Sqlite {
            state.writer.set_metric_callback(record);
        }
        let server = Application::build(state.clone()).await.expect("bind");
        let addr = server.address().expect("address");
        let metrics_addr = server.metrics_address().expect("metrics address");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(server.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            addr,
            metrics_addr,
            database_url: url.to_owned(),
            executor: Executor::new(state.clone()),
            state,
            db,
            client: reqwest::Client::new(),
            statements,
            tokens: Mutex::default(),
            stop: Some(stop),
            _dir: dir,
        }
    }

    /// The statements run after the first `from` ones, leaving out the outbox worker's (it runs
    /// beside the requests: its claims, deliveries and backlog count). A request's own
    /// statements that queue a notice stay in.
    pub fn statements_since(&self, from: usize) -> Vec<String> {
        let worker = |s: &str| {
            s.starts_with("UPDATE outbox")
                || s.starts_with("UPDATE \"outbox\"")
                || s.starts_with("SELECT COUNT(*) AS n FROM outbox")
        };
        let log = self.statements.lock().expect("statement log");
        log[from.min(log.len())..]
            .iter()
            .filter(|s| !worker(s))
            .cloned()
            .collect()
    }

    /// How many statements have run so far.
    pub fn statement_mark(&self) -> usize {
        self.statements.lock().expect("statement log").len()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A valid token for `email`, the same for every call of one test (as a client keeps
    /// the token it got): after the first request, the service starts from its remembered
    /// sign-in and must confirm it against the rows each test changes.
    pub fn token(&self, email: &str) -> String {
        let mut tokens = self.tokens.lock().expect("tokens");
        tokens
            .entry(email.to_owned())
            .or_insert_with(|| self.fresh_token(email))
            .clone()
    }

    /// A token for `email` issued now (a new sign-in).
    pub fn fresh_token(&self, email: &str) -> String {
        self.state.keys.issue(email, 3600).expect("token")
    }

    /// POSTs a GraphQL request with a bearer token; returns (status, body).
    pub async fn post(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut req = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let body = res.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// Runs a GraphQL operation as the user with this email; asserts HTTP 200.
    pub async fn gql(&self, email: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.post(Some(&self.token(email)), query, variables).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Like `gql` but also asserts there are no GraphQL errors; returns `data`.
    pub async fn data(&self, email: &str, query: &str, variables: Value) -> Value {
        let body = self.gql(email, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// Runs a GraphQL operation in-process as the user with this email, as a second instance
    /// beside the server would (`idm::execution`, all of a request but HTTP: its token signs
    /// in, and its later requests start from the remembered sign-in); returns the whole
    /// answer as JSON, a failed sign-in or a timeout as the error HTTP would send. What HTTP
    /// adds (headers, status codes, body limits) is for [`TestApp::gql`].
    pub async fn execute(&self, email: &str, query: &str, variables: Value) -> Value {
        let authorization = format!("Bearer {}", self.token(email));
        let request = || {
            async_graphql::Request::new(query)
                .variables(async_graphql::Variables::from_json(variables.clone()))
        };
        let (message, code) = match self.executor.answer(Some(&authorization), request).await {
            Ok(response) => return serde_json::to_value(&response).expect("response as JSON"),
            Err(Failure::Unauthenticated(e)) => (e.message, e.code.as_str()),
            Err(Failure::Timeout) => ("the request took too long".to_owned(), "TIMEOUT"),
            Err(Failure::Internal) => ("internal error".to_owned(), "INTERNAL"),
        };
        json!({"errors": [{"message": message, "extensions": {"code": code}}]})
    }

    /// Like `execute` but also asserts there are no GraphQL errors; returns `data`.
    pub async fn execute_data(&self, email: &str, query: &str, variables: Value) -> Value {
        let body = self.execute(email, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    // Builders: rows written straight through the stores.

    pub async fn workspace(&self, code: &str) -> i64 {
        workspaces::store::insert_workspace(
            &self.db,
            format!("Workspace {code}"),
            code.to_owned(),
            None,
        )
        .await
        .expect("workspace")
        .id
    }

    /// A workspace `code` with a HEALTH cluster in a plan of it: the usual place of a test's
    /// roles. Returns (workspace, cluster).
    pub async fn health_cluster(&self, code: &str) -> (i64, i64) {
        let workspace = self.workspace(code).await;
        let cluster = self
            .cluster(workspace, idm::domain::ClusterType::Health)
            .await;
        (workspace, cluster)
    }

    /// A cluster in a fresh plan of `workspace`.
    pub async fn cluster(&self, workspace: i64, kind: idm::domain::ClusterType) -> i64 {
        let plan = workspaces::store::insert_plan(
            &self.db,
            workspaces::store::NewPlan {
                workspace_id: workspace,
                title: format!("Plan {}", rand_suffix()),
                plan_type: idm::domain::ResponsePlanType::Hrp,
                custom_type: None,
                start: None,
                end: None,
            },
        )
        .await
        .expect("plan");
        workspaces::store::insert_cluster(&self.db, plan.id, kind, None)
            .await
            .expect("cluster")
            .id
    }

    pub async fn partner(&self, title: &str) -> i64 {
        let now = chrono::Utc::now();
        partners::store::insert(
            &self.db,
            idm::entity::partner::ActiveModel {
                title: Set(title.to_owned()),
                short_title: Set(String::new()),
                partner_type: Set(idm::domain::PartnerType::Government),
                shared_partner: Set(idm::domain::SharedPartner::No),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        )
        .await
        .expect("partner")
        .id
    }

    /// A user with roles given as (role, workspace, cluster).
    pub async fn user(
        &self,
        email: &str,
        partner: Option<i64>,
        grants: &[(RoleType, Option<i64>, Option<i64>)],
    ) -> i64 {
        let u = users::store::insert(
            &self.db,
            users::store::NewUser {
                email: email.to_owned(),
                first_name: "Test".into(),
                last_name: email.split('@').next().unwrap_or("user").to_owned(),
                position: None,
                partner_id: partner,
                is_active: true,
                last_login: None,
            },
        )
        .await
        .expect("user");
        for (role, w, c) in grants {
            roles::store::insert(&self.db, u.id, *role, *w, *c, true)
                .await
                .expect("role");
        }
        u.id
    }

    /// Counts rows of a table.
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

pub fn gid(kind: Kind, id: i64) -> String {
    ids::encode(kind, id).0
}

/// The system admin of [`app_with_admin`].
pub const ADMIN: &str = "csa@example.org";

/// A cluster system admin in a fresh app: the usual starting point.
pub async fn app_with_admin() -> (TestApp, &'static str) {
    app_with_admin_configured(|_| {}).await
}

/// [`app_with_admin`] with a configuration adjusted by `adjust`.
pub async fn app_with_admin_configured(
    adjust: impl FnOnce(&mut Config),
) -> (TestApp, &'static str) {
    let app = TestApp::spawn_with(adjust).await;
    app.system_admin(ADMIN).await;
    (app, ADMIN)
}

impl TestApp {
    /// A cluster system admin; returns its id.
    pub async fn system_admin(&self, email: &str) -> i64 {
        self.user(email, None, &[(RoleType::ClusterSystemAdmin, None, None)])
            .await
    }

    /// An IP authorized officer of `partner` in `workspace`; returns its id.
    pub async fn officer(&self, email: &str, partner: i64, workspace: i64) -> i64 {
        self.user(
            email,
            Some(partner),
            &[(RoleType::IpAuthorizedOfficer, Some(workspace), None)],
        )
        .await
    }
}
