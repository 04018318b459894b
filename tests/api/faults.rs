//! Faults: a PostgreSQL outage under write load (clean, bounded errors; no acknowledged write
//! lost; recovery without a restart) and a SIGTERM that drains in-flight requests.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idm::ids::Kind;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{gid, TestApp, SECRET};

const CREATE_WORKSPACE: &str = "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { workspace { id workspaceCode } errors { code } } }";

/// Error codes a client may get while the database is away: the pool gives up inside the
/// request timeout, so never TIMEOUT.
const CLEAN_CODES: [&str; 1] = ["UNAVAILABLE"];

/// Text that would mean a driver or SQL error reached the client.
const LEAKS: [&str; 12] = [
    "sqlx",
    "SQL",
    "select ",
    "insert ",
    "pool",
    "error returned from database",
    "os error",
    "refused",
    "terminating connection",
    "57P",
    "I/O",
    "io error",
];

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl.
fn postgres_bin() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// The binaries for a throw-away cluster, or None (with the reason printed) where such tests
/// are skipped: without root or PostgreSQL's binaries, and in the PostgreSQL pass (they run
/// once, in the SQLite pass).
fn cluster_bin() -> Option<PathBuf> {
    if std::env::var("IDM_TEST_DATABASE_URL").is_ok() {
        eprintln!("skipped: throw-away cluster tests run once, in the SQLite pass");
        return None;
    }
    let bin = postgres_bin().filter(|_| is_root());
    if bin.is_none() {
        eprintln!("skipped: needs root and /usr/lib/postgresql/*/bin (initdb, pg_ctl)");
    }
    bin
}

/// A free TCP port on the loopback interface.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A throw-away PostgreSQL cluster in a temp dir, run as the `postgres` user on its own
/// port and socket directory; stopped and deleted on drop, also when the test fails.
struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl PgCluster {
    /// Runs initdb and starts the server.
    async fn start_new(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new("chown")
            .arg("postgres")
            .arg(dir.path())
            .status()
            .expect("chown");
        assert!(status.success(), "chown postgres {}", dir.path().display());
        let cluster = Self {
            bin,
            dir,
            port: free_port(),
        };
        assert_ne!(cluster.port, 5432, "never the shared server's port");
        let data = cluster.data();
        let out = cluster
            .run(
                "initdb",
                &["-D", &data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            )
            .await;
        assert!(out.status.success(), "initdb: {out:?}");
        cluster.start().await;
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// A command of the cluster's binaries, run as `postgres` from the cluster's directory.
    fn command(bin: &Path, dir: &Path, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"])
            .arg(bin.join(program))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a command off the async threads (the server under test shares the runtime).
    async fn run(&self, program: &str, args: &[&str]) -> Output {
        let mut cmd = Self::command(&self.bin, self.dir.path(), program, args);
        // pg_ctl start leaves the server running: it must not hold our pipes open.
        if program == "pg_ctl" {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("join")
            .expect("run a PostgreSQL binary")
    }

    async fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = self
            .run(
                "pg_ctl",
                &[
                    "-D",
                    &self.data(),
                    "-l",
                    &log,
                    "-o",
                    &options,
                    "-t",
                    "20",
                    "-w",
                    "start",
                ],
            )
            .await;
        assert!(
            out.status.success(),
            "pg_ctl start failed; log:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    async fn stop_fast(&self) {
        let out = self
            .run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"])
            .await;
        assert!(out.status.success(), "pg_ctl stop: {out:?}");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let _ = Self::command(
            &self.bin,
            self.dir.path(),
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    }
}

/// What one request of the write load saw.
#[derive(Debug, Clone)]
struct Outcome {
    workspace_code: String,
    started: Instant,
    latency: Duration,
    /// 0 when no HTTP answer came.
    status: u16,
    body: Value,
}

impl Outcome {
    /// The global ID of the workspace when the write was acknowledged.
    fn acknowledged(&self) -> Option<String> {
        let p = &self.body["data"]["createWorkspace"];
        (self.status == 200 && p["errors"] == json!([]))
            .then(|| p["workspace"]["id"].as_str().map(str::to_owned))
            .flatten()
    }

    /// The error codes of the answer.
    fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("-").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A clean refusal: HTTP 503, or a GraphQL error, coded UNAVAILABLE, with a
    /// message free of driver text.
    fn is_clean_error(&self) -> bool {
        let codes = self.codes();
        let messages = self.body["errors"].to_string();
        matches!(self.status, 200 | 503)
            && !codes.is_empty()
            && codes.iter().all(|c| CLEAN_CODES.contains(&c.as_str()))
            && LEAKS.iter().all(|leak| !messages.contains(leak))
    }
}

/// Creates workspaces one after another until `stop`, recording every answer.
async fn write_load(
    addr: SocketAddr,
    token: String,
    worker: usize,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<Outcome>>>,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        let workspace_code = format!("L{worker}{n:05}");
        n += 1;
        let vars = json!({"i": {"title": format!("Load {workspace_code}"), "workspaceCode": workspace_code}});
        let started = Instant::now();
        let answer = client
            .post(format!("http://{addr}/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": CREATE_WORKSPACE, "variables": vars}))
            .send()
            .await;
        let (status, body) = match answer {
            Ok(res) => {
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                (status, serde_json::from_str(&text).unwrap_or(json!(text)))
            }
            Err(e) => (0, json!(e.to_string())),
        };
        let outcome = Outcome {
            workspace_code,
            started,
            latency: started.elapsed(),
            status,
            body,
        };
        if outcome.acknowledged().is_some() {
            acknowledged.fetch_add(1, Ordering::SeqCst);
        }
        log.lock().expect("log").push(outcome);
    }
}

/// Polls `/readyz` until it answers `want`; returns how long that took.
async fn readyz_becomes(app: &TestApp, want: u16, within: Duration) -> Option<Duration> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let from = Instant::now();
    while from.elapsed() < within {
        if let Ok(res) = client.get(app.url("/readyz")).send().await {
            if res.status().as_u16() == want {
                return Some(from.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Waits until `done` holds, checking every 50 ms, for at most `within`.
async fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let from = Instant::now();
    while from.elapsed() < within {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_outage_gives_clean_bounded_errors_loses_no_acknowledged_write_and_heals() {
    let Some(bin) = cluster_bin() else {
        return;
    };
    let cluster = PgCluster::start_new(bin).await;
    let timeout = Duration::from_secs(3);
    let app = TestApp::spawn_on(&cluster.url(), |c| c.limits.request_timeout = timeout).await;
    app.system_admin("csa@example.org").await;
    let token = app.token("csa@example.org");

    // Write load: four clients creating workspaces back to back.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Mutex::new(Vec::<Outcome>::new()));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            tokio::spawn(write_load(
                app.addr,
                token.clone(),
                w,
                stop.clone(),
                acknowledged.clone(),
                log.clone(),
            ))
        })
        .collect();
    assert!(
        wait_until(Duration::from_secs(10), || acknowledged
            .load(Ordering::SeqCst)
            >= 40)
        .await,
        "the load did not get going: {:?}",
        log.lock().expect("log").last()
    );

    // The outage.
    let outage = Instant::now();
    cluster.stop_fast().await;
    let stopped = Instant::now();
    let acknowledged_before = acknowledged.load(Ordering::SeqCst);
    let not_ready_after = readyz_becomes(&app, 503, Duration::from_secs(5))
        .await
        .expect("/readyz still 200 five seconds into the outage");
    // Keep the database away until eight requests have been answered without it.
    let during = |log: &[Outcome]| -> Vec<Outcome> {
        log.iter()
            .filter(|o| o.started >= stopped)
            .cloned()
            .collect()
    };
    assert!(
        wait_until(timeout * 4, || during(&log.lock().expect("log")).len() >= 8).await,
        "requests during the outage did not come back: {:?}",
        during(&log.lock().expect("log"))
    );

    // Recovery, without restarting idm.
    let restart = Instant::now();
    let outage_requests = during(&log.lock().expect("log"));
    cluster.start().await;
    let started_again = Instant::now();
    let ready_after = readyz_becomes(&app, 200, Duration::from_secs(15))
        .await
        .expect("/readyz did not come back to 200");
    let recovered = Instant::now();
    let mut after_recovery = BTreeMap::new();
    for n in 0..3 {
        let code = format!("R{n}");
        let d = app
            .data(
                "csa@example.org",
                CREATE_WORKSPACE,
                json!({"i": {"title": format!("After {code}"), "workspaceCode": code}}),
            )
            .await;
        assert_eq!(d["createWorkspace"]["errors"], json!([]), "{d}");
        let id = d["createWorkspace"]["workspace"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        after_recovery.insert(id, code);
    }
    let acknowledged_then = acknowledged.load(Ordering::SeqCst);
    assert!(
        wait_until(Duration::from_secs(10), || acknowledged
            .load(Ordering::SeqCst)
            >= acknowledged_then + 8)
        .await,
        "the load did not resume after recovery"
    );
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.await.expect("load task");
    }
    let log = log.lock().expect("log").clone();

    // Every answer was an acknowledgement or a clean refusal, within the time limit.
    let bound = timeout + Duration::from_secs(1);
    let bad: Vec<&Outcome> = log
        .iter()
        .filter(|o| o.acknowledged().is_none() && !o.is_clean_error())
        .collect();
    assert!(bad.is_empty(), "unclean answers: {bad:#?}");
    let slow: Vec<&Outcome> = log.iter().filter(|o| o.latency > bound).collect();
    assert!(slow.is_empty(), "answers slower than {bound:?}: {slow:#?}");
    assert!(
        outage_requests.iter().all(|o| o.acknowledged().is_none()),
        "a write was acknowledged while the database was down"
    );
    // Requests started after /readyz turned 200 again all succeeded.
    let failed_after: Vec<&Outcome> = log
        .iter()
        .filter(|o| o.started >= recovered && o.acknowledged().is_none())
        .collect();
    assert!(failed_after.is_empty(), "after recovery: {failed_after:#?}");

    // Every acknowledged write is in the database; a row nobody acknowledged can only come
    // from a request that failed with the connection (its commit's answer was lost).
    let mut acked: BTreeMap<String, String> = log
        .iter()
        .filter_map(|o| Some((o.acknowledged()?, o.workspace_code.clone())))
        .collect();
    acked.extend(after_recovery);
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id, workspace_code FROM workspace",
        ))
        .await
        .expect("workspaces");
    let stored: BTreeMap<String, String> = rows
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("", "id").expect("id");
            let code: String = r.try_get("", "workspace_code").expect("code");
            (gid(Kind::Workspace, id), code)
        })
        .collect();
    let lost: Vec<_> = acked
        .iter()
        .filter(|(id, code)| stored.get(*id) != Some(code))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    let failed_codes: BTreeSet<&str> = log
        .iter()
        .filter(|o| o.acknowledged().is_none())
        .map(|o| o.workspace_code.as_str())
        .collect();
    let unacknowledged: Vec<_> = stored
        .iter()
        .filter(|(id, _)| !acked.contains_key(*id))
        .collect();
    assert!(
        unacknowledged
            .iter()
            .all(|(_, code)| failed_codes.contains(code.as_str())),
        "stored rows no request asked for: {unacknowledged:?}"
    );
    assert_eq!(stored.len(), acked.len() + unacknowledged.len());

    let max_latency = outage_requests
        .iter()
        .map(|o| o.latency)
        .max()
        .unwrap_or_default();
    let mut by_answer = BTreeMap::<String, usize>::new();
    for o in &outage_requests {
        let key = format!("{} {}", o.status, o.codes().join(","));
        *by_answer.entry(key).or_default() += 1;
    }
    eprintln!(
        "outage: {acknowledged_before} writes acknowledged before the stop ({} in all, {} rows stored, \
         {} stored without acknowledgement); /readyz 503 after {:?}; {} requests during the \
         outage ({by_answer:?}), max latency {max_latency:?} (limit {timeout:?}); outage lasted {:?}; \
         /readyz 200 {ready_after:?} after the restart ({:?} pg_ctl start), first writes after \
         recovery succeeded",
        acked.len(),
        stored.len(),
        unacknowledged.len(),
        stopped.duration_since(outage) + not_ready_after,
        outage_requests.len(),
        started_again.duration_since(stopped),
        started_again.duration_since(restart),
    );
}

/// The running binary; killed if the test ends before it exits.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Server {
    /// Starts `idm serve` on `url` with extra environment, its log piped.
    fn spawn(url: &str, env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_idm"));
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", url)
            .env("IDM_JWT_SECRET", SECRET)
            // tower-http's TraceLayer logs "started processing request" at debug level.
            .env("RUST_LOG", "info,tower_http=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        Self(command.spawn().expect("start idm serve"))
    }

    /// Sends SIGTERM; returns when it was sent.
    fn terminate(&self) -> Instant {
        let signalled = Instant::now();
        let kill = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .expect("kill");
        assert!(kill.success());
        signalled
    }

    /// Waits until the process exits, for `within` after `since`: its status and when it
    /// exited (counted from `since`), or None if it is still running.
    async fn exit(
        &mut self,
        since: Instant,
        within: Duration,
    ) -> Option<(std::process::ExitStatus, Duration)> {
        while since.elapsed() < within {
            if let Some(status) = self.0.try_wait().expect("wait") {
                return Some((status, since.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }
}

/// Runs an `idm` subcommand over the database; returns stdout.
fn idm(database_url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_idm"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("IDM_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run idm");
    assert!(out.status.success(), "idm {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// An import document: a cluster system admin and `n` cluster members.
fn drain_world(n: usize) -> Value {
    let mut users = vec![
        json!({"email": "csa@example.org", "firstName": "Sara", "lastName": "Admin",
                                "roles": [{"role": "CLUSTER_SYSTEM_ADMIN"}]}),
    ];
    users.extend((0..n).map(|i| {
        json!({"email": format!("member{i}@example.org"), "firstName": "Member", "lastName": format!("N{i}"),
               "roles": [{"role": "CLUSTER_MEMBER", "cluster": "c1"}]})
    }));
    json!({
        "workspaces": [{"ref": "ws1", "title": "Syria", "workspaceCode": "SYR"}],
        "responsePlans": [{"ref": "rp1", "workspace": "ws1", "title": "Syria HRP 2026", "planType": "HRP"}],
        "clusters": [{"ref": "c1", "responsePlan": "rp1", "type": "HEALTH"}],
        "users": users,
    })
}

/// A SQLite database in a temp dir holding [`drain_world`] of `members` members, imported by
/// the real binary; the dir (delete it by dropping), the URL and the admin's token.
fn imported_world(members: usize) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("idm.db").display());
    let document = dir.path().join("world.json");
    std::fs::write(&document, drain_world(members).to_string()).expect("write document");
    idm(&url, &["import", &document.display().to_string()]);
    let token = idm(&url, &["token", "--email", "csa@example.org"])
        .trim()
        .to_owned();
    (dir, url, token)
}

/// A raw HTTP/1.1 request with `Connection: close`, so the answer ends at EOF.
fn raw_post(addr: SocketAddr, token: &str, body: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Authorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A complete 200 answer with data and no errors: the status line, a body as long as its
/// Content-Length, and JSON.
fn is_complete_ok(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    head.starts_with("HTTP/1.1 200")
        && length == Some(body.len())
        && json["errors"].is_null()
        && json["data"]["page"]["totalCount"].is_number()
}

/// Connects and sends the whole request; the answer is read later.
async fn send(addr: SocketAddr, request: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    stream
}

/// Reads the answer to its end: (bytes, whether the read ended cleanly, when it ended).
fn read_answer(mut stream: TcpStream) -> tokio::task::JoinHandle<(Vec<u8>, bool, Instant)> {
    tokio::spawn(async move {
        let mut answer = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
        (answer, read.is_ok_and(|r| r.is_ok()), Instant::now())
    })
}

/// Starts `idm serve` on `url` with extra environment; returns the process, its address, a
/// count of requests it started processing, and the thread collecting its log lines.
pub(crate) async fn serve(
    url: &str,
    env: &[(&str, &str)],
) -> (
    Server,
    SocketAddr,
    Arc<AtomicUsize>,
    std::thread::JoinHandle<Vec<String>>,
) {
    let mut server = Server::spawn(url, env);
    let stderr = server.0.stderr.take().expect("stderr");
    let started = Arc::new(AtomicUsize::new(0));
    let (addr_tx, mut addr_rx) = tokio::sync::mpsc::unbounded_channel();
    let reader = {
        let started = started.clone();
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("started processing request") {
                    started.fetch_add(1, Ordering::SeqCst);
                }
                if let Some((_, rest)) = line.split_once("http://") {
                    if let Some((addr, _)) = rest.split_once("/graphiql") {
                        let _ = addr_tx.send(addr.to_owned());
                    }
                }
                lines.push(line);
            }
            lines
        })
    };
    let addr: SocketAddr = tokio::time::timeout(Duration::from_secs(20), addr_rx.recv())
        .await
        .expect("idm did not report its address")
        .expect("idm exited before listening")
        .parse()
        .expect("address");
    (server, addr, started, reader)
}

#[tokio::test]
async fn sigterm_answers_the_requests_in_flight_refuses_new_ones_and_exits_zero() {
    let (_dir, url, token) = imported_world(1000);

    let (mut server, addr, started, reader) = serve(
        &url,
        &[
            ("IDM_MAX_PAGE_SIZE", "1000"),
            ("IDM_MAX_COMPLEXITY", "10000000"),
            ("IDM_REQUEST_TIMEOUT_SECS", "60"),
        ],
    )
    .await;

    // Twenty slow requests (a page of a thousand users each), all being processed when
    // the signal comes; ten more sent right before it, racing the shutdown.
    let query = "{ page: users(portal: CLUSTER, first: 1000) { totalCount nodes { id email fullName roles { role } } } }";
    let body = json!({ "query": query }).to_string();
    let request = raw_post(addr, &token, &body);
    let mut in_flight = Vec::new();
    for _ in 0..20 {
        in_flight.push(read_answer(send(addr, &request).await));
    }
    assert!(
        wait_until(Duration::from_secs(20), || started.load(Ordering::SeqCst)
            >= 20)
        .await,
        "idm did not start the twenty requests"
    );
    let mut racing = Vec::new();
    for _ in 0..10 {
        racing.push(read_answer(send(addr, &request).await));
    }
    let signalled = server.terminate();

    // New connections are refused once the signal is handled, while the drain goes on.
    let mut refused_after = None;
    while signalled.elapsed() < Duration::from_secs(10) {
        match TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                refused_after = Some(signalled.elapsed());
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
    let refused_after = refused_after.expect("new connections still accepted 10 s after SIGTERM");

    let (status, drained_in) = server
        .exit(signalled, Duration::from_secs(10))
        .await
        .expect("idm still running 10 s after SIGTERM");
    assert!(status.success(), "idm exited with {status}");
    assert_eq!(
        TcpStream::connect(addr).await.map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::ConnectionRefused),
        "a connection was accepted after exit"
    );

    let mut last_answer = signalled;
    let mut answered_after_signal = 0;
    for (i, task) in in_flight.into_iter().enumerate() {
        let (answer, read_ok, at) = task.await.expect("reader");
        assert!(
            read_ok && is_complete_ok(&answer),
            "in-flight request {i} got no complete 200: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
        if at > signalled {
            answered_after_signal += 1;
        }
        last_answer = last_answer.max(at);
    }
    assert!(
        answered_after_signal > 0,
        "every request finished before the signal: nothing was in flight"
    );
    // A racing request was either taken and fully answered, or never taken: no byte came.
    let mut racing_answered = 0;
    for (i, task) in racing.into_iter().enumerate() {
        let (answer, _, at) = task.await.expect("reader");
        if answer.is_empty() {
            continue;
        }
        assert!(
            is_complete_ok(&answer),
            "racing request {i} got a partial or failed answer: {}",
            String::from_utf8_lossy(&answer[..answer.len().min(500)])
        );
        racing_answered += 1;
        last_answer = last_answer.max(at);
    }
    let lines = reader.join().expect("stderr reader");
    assert!(
        lines.iter().any(|l| l.contains("outbox worker stopped")),
        "no 'outbox worker stopped' in:\n{}",
        lines.join("\n")
    );
    assert!(
        signalled + refused_after < last_answer,
        "new connections were refused only after the drain ended"
    );
    eprintln!(
        "drain: 20 requests in flight at SIGTERM, all complete 200s, {answered_after_signal} of \
         them answered after it; of 10 sent just before the signal {racing_answered} answered \
         in full and {} never taken (no byte); new connections refused {refused_after:?} after \
         the signal; last answer {:?} after it; exit 0 {drained_in:?} after it",
        10 - racing_answered,
        last_answer.duration_since(signalled)
    );
}

/// With IDM_SHUTDOWN_GRACE_SECS, SIGTERM first turns /readyz to 503 while requests are still
/// served, so a load balancer takes the instance out before its connections are refused.
#[tokio::test]
async fn a_shutdown_grace_period_reports_not_ready_while_still_serving() {
    let (_dir, url, token) = imported_world(3);
    let grace = Duration::from_secs(2);
    let (mut server, addr, _, _reader) = serve(&url, &[("IDM_SHUTDOWN_GRACE_SECS", "2")]).await;
    let client = reqwest::Client::new();
    let ready = || async {
        client
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    let me = || async {
        client
            .post(format!("http://{addr}/graphql"))
            .bearer_auth(&token)
            .json(&json!({"query": "{ me { email } }"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    assert_eq!(ready().await, 200);
    let signalled = server.terminate();
    let mut not_ready_after = None;
    while signalled.elapsed() < grace / 2 {
        if ready().await == 503 {
            not_ready_after = Some(signalled.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let not_ready_after = not_ready_after.expect("/readyz still 200 during the grace period");
    // Still serving: new connections get answers until the grace period ends.
    let mut served = 0;
    while signalled.elapsed() < grace - Duration::from_millis(300) {
        assert_eq!(
            me().await,
            200,
            "refused {:?} into the grace period",
            signalled.elapsed()
        );
        served += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, exited_after) = server
        .exit(signalled, grace + Duration::from_secs(10))
        .await
        .expect("idm still running 10 s after the grace period");
    assert!(status.success(), "idm exited with {status}");
    assert!(
        exited_after >= grace,
        "exited before the grace period ended"
    );
    eprintln!(
        "grace: /readyz 503 {not_ready_after:?} after SIGTERM, {served} requests served during \
         the {grace:?} grace period, exit 0 {exited_after:?} after the signal"
    );
}

/// An instance started before its database (a restart of both, a compose file without
/// health checks) waits for it, says so in its log, and then serves.
#[tokio::test]
async fn idm_started_before_its_database_waits_for_it_and_then_serves() {
    let Some(bin) = cluster_bin() else {
        return;
    };
    let cluster = PgCluster::start_new(bin).await;
    cluster.stop_fast().await;
    let started = Instant::now();
    let url = cluster.url();
    // Each try then gives up after 0.75 s (¾ of the request timeout) and is logged.
    let (serving, ()) = tokio::join!(serve(&url, &[("IDM_REQUEST_TIMEOUT_SECS", "1")]), async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        cluster.start().await;
    });
    let (server, addr, _, reader) = serving;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "idm listened before its database was up"
    );
    let health = reqwest::get(format!("http://{addr}/readyz"))
        .await
        .expect("readyz");
    assert_eq!(health.status(), 200);
    drop(server);
    let lines = reader.join().expect("stderr reader");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the database cannot be reached yet")),
        "no retry logged in:\n{}",
        lines.join("\n")
    );
}

/// Runs `idm serve` on `url` with extra environment until it exits (at most 20 s); returns
/// its status, how long it ran and its log.
fn serve_until_exit(
    url: &str,
    env: &[(&str, &str)],
) -> (std::process::ExitStatus, Duration, String) {
    let started = Instant::now();
    let mut server = Server::spawn(url, env);
    while started.elapsed() < Duration::from_secs(20) {
        if let Some(status) = server.0.try_wait().expect("wait") {
            let mut log = String::new();
            if let Some(mut stderr) = server.0.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
            }
            return (status, started.elapsed(), log);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("idm serve still running after 20 s");
}

/// A database that never comes gives up after IDM_DB_STARTUP_WAIT_SECS with one clear line;
/// one that waiting cannot mend (it does not exist) gives up at once.
#[test]
fn a_database_that_never_comes_is_given_up_after_the_startup_wait() {
    let nobody = format!("postgres://postgres@127.0.0.1:{}/idm", free_port());
    let (status, took, log) = serve_until_exit(
        &nobody,
        &[
            ("IDM_DB_STARTUP_WAIT_SECS", "2"),
            ("IDM_REQUEST_TIMEOUT_SECS", "1"),
        ],
    );
    assert!(!status.success(), "{log}");
    assert!(
        log.contains("cannot connect to the database: not reachable after"),
        "{log}"
    );
    assert!(log.contains("the database cannot be reached yet"), "{log}");
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(10),
        "gave up after {took:?}"
    );

    let Ok(base) = std::env::var("IDM_TEST_DATABASE_URL") else {
        return;
    };
    let Some((server, _)) = base.rsplit_once('/') else {
        panic!("IDM_TEST_DATABASE_URL {base} has no database name");
    };
    let missing = format!("{server}/idm_no_such_database");
    let (status, took, log) = serve_until_exit(&missing, &[]);
    assert!(!status.success(), "{log}");
    assert!(log.contains("cannot connect to the database"), "{log}");
    assert!(
        !log.contains("the database cannot be reached yet"),
        "a missing database was waited for: {log}"
    );
    assert!(took < Duration::from_secs(10), "gave up after {took:?}");
}
