//! Running idm as operators run services: log lines a collector can read, a private metrics
//! door, and `check-config` before a deploy.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::faults::Server;
use crate::helpers::{app_with_admin, TestApp, SECRET};

/// Starts `idm serve` on `url` with its stderr piped (not a terminal) and `env`; NO_COLOR is
/// removed so that only the terminal check keeps colours out. Returns the process, its
/// address and the thread collecting its log lines (they end when the process does).
fn serve_logged(
    url: &str,
    env: &[(&str, &str)],
) -> (Server, String, std::thread::JoinHandle<Vec<String>>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idm"));
    command
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("DATABASE_URL", url)
        .env("IDM_JWT_SECRET", SECRET)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .env_remove("IDM_LOG_FORMAT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut server = Server(command.spawn().expect("start idm serve"));
    let stderr = server.0.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some((_, rest)) = line.split_once("http://") {
                if let Some((addr, _)) = rest.split_once("/graphiql") {
                    let _ = tx.send(addr.to_owned());
                }
            }
            lines.push(line);
        }
        lines
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("idm reported its address");
    (server, addr, reader)
}

/// Runs a `me` query (its token signs in) and a refused one, then stops the server and
/// returns its log lines.
async fn a_short_session(url: &str, env: &[(&str, &str)], token: &str) -> Vec<String> {
    let (mut server, addr, reader) = serve_logged(url, env);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("http://{addr}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": "query Who { me { email } }"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 200);
    let res = client
        .post(format!("http://{addr}/graphql"))
        .json(&json!({"query": "{ me { email } }"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 401);
    let _ = server.0.kill();
    let _ = server.0.wait();
    reader.join().expect("log lines")
}

#[tokio::test]
async fn logs_into_a_pipe_are_json_lines_without_escape_codes_and_name_each_request() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    // By default off a terminal, and when asked for.
    let mut lines = a_short_session(&app.database_url, &[], &token).await;
    lines.extend(a_short_session(&app.database_url, &[("IDM_LOG_FORMAT", "json")], &token).await);
    assert!(!lines.is_empty());
    let mut requests = Vec::new();
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "an escape code: {line:?}");
        let value: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        for field in ["timestamp", "level", "target"] {
            assert!(value.get(field).is_some(), "no {field}: {line}");
        }
        assert!(!line.contains(admin), "an email in the log: {line}");
        assert!(!line.contains(&token), "a token in the log: {line}");
        if value["message"] == "request" {
            requests.push(value);
        }
    }
    let who = requests
        .iter()
        .find(|r| r["path"] == "/graphql" && r["status"] == 200)
        .expect("the me request's line");
    assert_eq!(who["operation"], "Who", "{who}");
    assert_eq!(who["method"], "POST");
    assert!(who["user.id"].as_i64().is_some(), "{who}");
    assert!(who["latency_ms"].as_f64().is_some(), "{who}");
    assert!(
        who["request_id"].as_str().is_some_and(|id| id.len() >= 32),
        "{who}"
    );
    let refused = requests
        .iter()
        .find(|r| r["status"] == 401)
        .expect("the refused request's line");
    assert!(
        refused.get("user.id").is_none_or(Value::is_null),
        "{refused}"
    );
}

#[tokio::test]
async fn text_logs_into_a_pipe_have_no_colours() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let lines = a_short_session(&app.database_url, &[("IDM_LOG_FORMAT", "text")], &token).await;
    assert!(lines.iter().any(|l| l.contains("request")), "{lines:?}");
    for line in &lines {
        assert!(!line.contains('\u{1b}'), "an escape code: {line:?}");
        assert!(serde_json::from_str::<Value>(line).is_err(), "JSON: {line}");
    }
}

async fn status(client: &reqwest::Client, url: String, token: Option<&str>) -> u16 {
    let mut req = client.get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("answered").status().as_u16()
}

#[tokio::test]
async fn with_a_metrics_address_only_that_listener_serves_metrics_and_the_token_is_asked() {
    let app = TestApp::spawn_with(|c| {
        c.metrics_bind = Some("127.0.0.1:0".parse().expect("address"));
        c.metrics_token = Some("m-token-123".to_owned());
    })
    .await;
    let metrics = app.metrics_addr.expect("a metrics listener");
    let client = &app.client;
    assert_eq!(
        status(client, app.url("/metrics"), Some("m-token-123")).await,
        404
    );
    assert_eq!(status(client, app.url("/healthz"), None).await, 200);
    let private = format!("http://{metrics}/metrics");
    assert_eq!(status(client, private.clone(), None).await, 401);
    assert_eq!(status(client, private.clone(), Some("wrong")).await, 401);
    assert_eq!(
        status(client, private.clone(), Some("m-token-123")).await,
        200
    );
    assert_eq!(
        status(client, format!("http://{metrics}/graphql"), None).await,
        404
    );

    // Without a metrics address, the token guards the public /metrics.
    let public = TestApp::spawn_with(|c| c.metrics_token = Some("m-token-123".to_owned())).await;
    assert_eq!(status(client, public.url("/metrics"), None).await, 401);
    assert_eq!(
        status(client, public.url("/metrics"), Some("m-token-123")).await,
        200
    );
}

/// `idm check-config` with `env`: its exit success and its output (stdout and stderr).
fn check_config(env: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idm"));
    command
        .arg("check-config")
        .env_remove("DATABASE_URL")
        .env("IDM_DB_STARTUP_WAIT_SECS", "0")
        .env("RUST_LOG", "error");
    for (name, value) in env {
        command.env(name, value);
    }
    let out = command.output().expect("run check-config");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn check_config_says_what_it_found_and_fails_with_a_reason() {
    let app = TestApp::spawn().await;
    let good = [
        ("DATABASE_URL", app.database_url.as_str()),
        ("IDM_JWT_SECRET", SECRET),
    ];
    let (ok, out) = check_config(&good);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok   database: reachable, migrations up to date"),
        "{out}"
    );
    assert!(out.contains("ok   tokens: keys loaded"), "{out}");

    let (ok, out) = check_config(&[
        ("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none"),
        ("IDM_JWT_SECRET", SECRET),
    ]);
    assert!(!ok, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("FAIL database"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("cannot connect"), "{line}");

    let (ok, out) = check_config(&[
        ("DATABASE_URL", app.database_url.as_str()),
        ("IDM_JWT_SECRET", "short"),
    ]);
    assert!(!ok, "{out}");
    assert_eq!(
        out.trim(),
        "idm: invalid configuration: IDM_JWT_SECRET must be at least 32 bytes (RFC 7518)"
    );

    let (ok, out) = check_config(&[
        ("DATABASE_URL", app.database_url.as_str()),
        // A readable file that holds no key.
        (
            "IDM_JWT_PUBLIC_KEY_FILE",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ),
        ("IDM_JWT_ISSUER", "https://login.example.org"),
        ("IDM_JWT_AUDIENCE", "idm"),
    ]);
    assert!(!ok, "{out}");
    assert!(out.lines().any(|l| l.starts_with("FAIL tokens")), "{out}");

    let (ok, out) = check_config(&[
        ("DATABASE_URL", app.database_url.as_str()),
        ("IDM_JWT_SECRET", SECRET),
        ("IDM_SMTP_URL", "smtp://127.0.0.1:1"),
    ]);
    assert!(!ok, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("FAIL notifications")),
        "{out}"
    );
}
