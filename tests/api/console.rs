//! The admin console as the server delivers it: every operation it sends is valid against the
//! schema, the vendored libraries are the recorded ones, the assets fit their budget, and the
//! pages come with a strict policy, compression and versioned caching.

use std::path::Path;

use async_graphql::Request;
use serde_json::Value;

use crate::helpers::TestApp;

const CONSOLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/admin");

/// The console's operations: every string `ops.js` exports that is a GraphQL document (a
/// document builder exports a built sample), read by Node importing the module as the browser
/// does, with its export name.
fn console_operations() -> Vec<(String, String)> {
    let module = Path::new(CONSOLE).join("ops.js");
    let script = format!(
        "import * as ops from {:?};\n\
         console.log(JSON.stringify(Object.entries(ops).filter(([, v]) => typeof v === 'string')));",
        format!("file://{}", module.display())
    );
    let output = std::process::Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .output()
        .expect("node runs (apt-get install nodejs): it reads the console's operations");
    assert!(
        output.status.success(),
        "ops.js loads in node: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("name and document pairs")
}

#[tokio::test]
async fn every_operation_of_the_console_is_valid_against_the_schema() {
    let operations = console_operations();
    assert!(
        operations.len() >= 15,
        "ops.js holds the console's operations: {operations:?}"
    );
    assert!(
        operations
            .iter()
            .any(|(_, d)| d.contains("query GrantMatrix(")),
        "the grant matrix builder's sample is checked too"
    );
    // A schema without data: validation runs before any resolver, so an invalid document is
    // refused with errors that have no path, and a valid one fails only in its resolvers.
    let schema =
        idm::graphql::schema_builder(&idm::config::Config::for_database("sqlite::memory:"))
            .finish();
    for (name, document) in operations {
        assert!(
            document.trim_start().starts_with("query ")
                || document.trim_start().starts_with("mutation "),
            "{name} is a named operation"
        );
        let response = schema.execute(Request::new(document.as_str())).await;
        let invalid: Vec<_> = response
            .errors
            .iter()
            .filter(|e| e.path.is_empty())
            .map(|e| e.message.clone())
            .collect();
        assert!(invalid.is_empty(), "{name} is not valid: {invalid:?}");
    }
}

#[tokio::test]
async fn an_invalid_operation_would_be_caught() {
    let schema =
        idm::graphql::schema_builder(&idm::config::Config::for_database("sqlite::memory:"))
            .finish();
    for document in [
        "query A { me { noSuchField } }",
        "query B($p: Portal!) { users(portal: $p, first: \"x\") { totalCount } }",
        "query C { users { totalCount } }",
    ] {
        let response = schema.execute(Request::new(document)).await;
        assert!(
            response.errors.iter().any(|e| e.path.is_empty()),
            "{document} is refused before execution: {:?}",
            response.errors
        );
    }
}

#[test]
fn the_vendored_libraries_are_the_recorded_ones() {
    let versions =
        std::fs::read_to_string(Path::new(CONSOLE).join("vendor/VERSIONS")).expect("VERSIONS");
    let mut checked = 0;
    for line in versions.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(file), Some(sha256)) = (parts.next(), parts.next()) else {
            panic!("VERSIONS line: {line}");
        };
        let served = idm::console::file_sha256(&format!("vendor/{file}"));
        assert_eq!(served.as_deref(), Some(sha256), "vendor/{file}");
        checked += 1;
    }
    assert_eq!(checked, 3, "preact, its hooks and htm");
}

#[test]
fn the_console_fits_its_budget_and_runs_no_inline_or_evaluated_code() {
    let loaded: Vec<_> = idm::console::files()
        .into_iter()
        .filter(|(name, _)| {
            [".js", ".css", ".html", ".svg"]
                .iter()
                .any(|e| name.ends_with(e))
        })
        .collect();
    let total: usize = loaded.iter().map(|(_, size)| size).sum();
    assert!(
        total <= 150 * 1024,
        "the console's assets are {total} bytes, over 150 KB: {loaded:?}"
    );
    for (name, _) in &loaded {
        let text = std::fs::read_to_string(Path::new(CONSOLE).join(name)).expect("asset");
        if name.starts_with("vendor/") {
            continue;
        }
        assert!(!text.contains("eval("), "{name} evaluates code");
        assert!(!text.contains("new Function"), "{name} builds code");
        assert!(!text.contains("localStorage."), "{name} uses localStorage");
        for bare in ["from 'preact'", "from \"preact\"", "from 'htm'"] {
            assert!(!text.contains(bare), "{name} imports a bare specifier");
        }
    }
    let page = std::fs::read_to_string(Path::new(CONSOLE).join("index.html")).expect("page");
    assert!(!page.contains("<script>"), "no inline script");
    assert!(!page.contains("<style"), "no inline style");
}

async fn get(app: &TestApp, path: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    if let Some(encoding) = encoding {
        req = req.header("accept-encoding", encoding);
    }
    req.send().await.expect("answered")
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn the_console_is_served_under_a_strict_policy_with_versioned_assets() {
    let app = TestApp::spawn().await;
    let version = idm::console::asset_version();
    for path in [
        "/admin",
        "/admin/",
        "/admin/users/VXNlcjox?portal=IP",
        "/admin/partners",
    ] {
        let res = get(&app, path, None).await;
        assert_eq!(res.status(), 200, "{path}");
        let csp = header(&res, "content-security-policy");
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
        let page = res.text().await.expect("page");
        assert!(
            page.contains(&format!("/admin/assets/{version}/main.js")),
            "{path} loads the current assets: {page}"
        );
    }

    let main = get(&app, &format!("/admin/assets/{version}/main.js"), None).await;
    assert_eq!(main.status(), 200);
    assert_eq!(
        header(&main, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&main, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    let hooks = get(
        &app,
        &format!("/admin/assets/{version}/vendor/hooks.module.js"),
        None,
    )
    .await;
    assert_eq!(hooks.status(), 200);
    assert!(hooks
        .text()
        .await
        .expect("hooks")
        .contains("from\"./preact.module.js\""));

    // An old page's request during an upgrade gets today's file, not for keeps.
    let old = get(&app, "/admin/assets/000000000000/main.js", None).await;
    assert_eq!(old.status(), 200);
    assert_eq!(header(&old, "cache-control"), "no-cache");

    for missing in [
        format!("/admin/assets/{version}/nothing.js"),
        format!("/admin/assets/{version}/index.html"),
    ] {
        assert_eq!(get(&app, &missing, None).await.status(), 404, "{missing}");
    }
}

#[tokio::test]
async fn the_console_is_compressed_when_the_browser_accepts_it() {
    let app = TestApp::spawn().await;
    let version = idm::console::asset_version();
    let path = format!("/admin/assets/{version}/vendor/preact.module.js");
    let plain = get(&app, &path, None).await;
    let plain_len = plain.bytes().await.expect("body").len();
    for encoding in ["gzip", "br"] {
        let res = get(&app, &path, Some(encoding)).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), encoding);
        let sent = res.bytes().await.expect("body").len();
        assert!(
            sent * 2 < plain_len,
            "{encoding}: {sent} bytes sent for {plain_len}"
        );
    }
    // The GraphQL endpoint is unchanged by the console's compression.
    let res = app
        .client
        .post(app.url("/graphql"))
        .header("accept-encoding", "gzip")
        .json(&serde_json::json!({"query": "{ __typename }"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(header(&res, "content-encoding"), "");
    let _: Value = res.json().await.expect("json");
}
