//! The security review's findings (contract 1.1 §9.8–9.10), one regression test each: the
//! nesting that crashed the process, metric labels that grew without end, a deactivated user
//! answered on a remembered sign-in, hidden workspaces, heavy aliased searches, Unicode case
//! folding of emails and the 413 a client could not read.

use std::time::Duration;

use idm::domain::RoleType;
use idm::ids::Kind;
use serde_json::{json, Value};

use crate::faults::serve;
use crate::helpers::{app_with_admin, gid, TestApp};

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("none")
}

/// `[[[…]]]`, `{a:{a:…}}` or `(` nested `depth` deep in the places a document takes values.
fn nested_documents(depth: usize) -> Vec<String> {
    let list = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    let object = format!("{}1{}", "{a:".repeat(depth), "}".repeat(depth));
    vec![
        format!("{{ node(id: {list}) {{ id }} }}"),
        format!("{{ node(id: {object}) {{ id }} }}"),
        format!("query($x: ID = {list}) {{ node(id: $x) {{ id }} }}"),
        format!(
            "{{ me {} id {} }}",
            "{ a ".repeat(depth),
            "} ".repeat(depth)
        ),
        format!("{{ me {} }}", "(".repeat(depth)),
    ]
}

/// The exact reproduction of the crash (a GET without a token) and nested values in every
/// place, up to 100,000 deep, over GET and POST, with and without a token, against the real
/// binary: each is a 400 BAD_USER_INPUT and the process goes on answering.
#[tokio::test]
async fn values_nested_thousands_deep_are_refused_and_the_process_stays_up() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let (mut server, addr, _, _) = serve(&app.database_url, &[]).await;
    let client = reqwest::Client::new();
    let graphql = format!("http://{addr}/graphql");
    for depth in [65, 3_000, 100_000] {
        for query in nested_documents(depth) {
            if query.len() < 16_000 {
                let res = client
                    .get(&graphql)
                    .query(&[("query", &query)])
                    .send()
                    .await
                    .expect("the GET is answered");
                assert_eq!(res.status(), 400, "GET, depth {depth}");
                let body: Value = res.json().await.expect("JSON");
                assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
            }
            // Within the body limit (256 KiB); the rest is 413 before anything reads it.
            if query.len() > 250_000 {
                continue;
            }
            for auth in [None, Some(token.as_str())] {
                let mut req = client.post(&graphql).json(&json!({ "query": query }));
                if let Some(token) = auth {
                    req = req.bearer_auth(token);
                }
                let res = req.send().await.expect("the POST is answered");
                assert_eq!(res.status(), 400, "POST, depth {depth}");
                let body: Value = res.json().await.expect("JSON");
                assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
            }
        }
    }
    // Variables nested deep are refused by the JSON reader, over GET and POST.
    let deep_json = format!("{{\"x\": {}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    let body = format!(
        "{{\"query\": \"query($x: ID) {{ node(id: $x) {{ id }} }}\", \"variables\": {deep_json}}}"
    );
    let res = client
        .post(&graphql)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 400);
    let res = client
        .get(&graphql)
        .bearer_auth(&token)
        .query(&[
            ("query", "query($x: ID) { node(id: $x) { id } }"),
            ("variables", &deep_json[..20_000]),
        ])
        .send()
        .await
        .expect("answered");
    assert_eq!(res.status(), 400);

    assert!(server.0.try_wait().expect("wait").is_none(), "idm died");
    let res = client
        .post(&graphql)
        .bearer_auth(&token)
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .expect("answered");
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["data"]["me"]["email"], *admin, "{body}");
}

/// Under the bound, nesting is what the parser and the depth limit make of it.
#[tokio::test]
async fn nesting_within_the_bound_reaches_graphql() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let list = format!("{}\"x\"{}", "[".repeat(60), "]".repeat(60));
    let (status, body) = app
        .post(
            Some(&token),
            &format!("{{ node(id: {list}) {{ id }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("nests brackets"),
        "{body}"
    );
}

/// Only names the document has become labels, and a process keeps at most 200 of them.
#[tokio::test]
async fn metric_labels_are_operations_the_document_has_and_stay_bounded() {
    let (app, admin) = app_with_admin().await;
    let token = app.token(admin);
    let metrics = |app: &TestApp| {
        let client = app.client.clone();
        let url = app.url("/metrics");
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("metrics")
                .text()
                .await
                .expect("text")
        }
    };
    for i in 0..50 {
        let name = format!("invented_{i}_{}", "q".repeat(50));
        let res = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": "{ __typename }", "operationName": name }))
            .send()
            .await
            .expect("answered");
        assert_eq!(res.status(), 200);
    }
    assert!(!metrics(&app).await.contains("invented_"));
    for i in 0..250 {
        let query = format!("query real_{i} {{ __typename }}");
        let body = app.gql(admin, &query, json!({})).await;
        assert_eq!(body["data"]["__typename"], "Query", "{body}");
    }
    let text = metrics(&app).await;
    let labelled = (0..250)
        .filter(|i| text.contains(&format!("operation=\"real_{i}\"")))
        .count();
    assert!(labelled <= 200, "{labelled} labels");
    assert!(labelled > 100, "{labelled} labels");
    assert!(text.contains("operation=\"other\""));
}

/// A deactivated user is 401 on its next request, also when the request would never
/// confirm the remembered sign-in.
#[tokio::test]
async fn a_deactivated_user_is_refused_on_a_remembered_sign_in_whatever_it_sends() {
    let (app, admin) = app_with_admin().await;
    let me = app.user_id(admin).await;
    let token = app.token(admin);
    let page = "{ users(portal: CLUSTER) { totalCount } }";
    // (`{ __typename }` alone reads only the public schema and is answered whoever asks,
    // contract 1.1 §9.6; everything else that could start from the remembered sign-in is
    // refused.)
    for query in [
        "{ users(portal: CLUSTER) { nope } }",
        "{ users(portal: CLUSTER) @skip(if: true) { totalCount } __typename }",
        "{ users(portal: CLUSTER, first: -1) { totalCount } }",
        "query A { __typename } query B { users(portal: CLUSTER) { totalCount } }",
    ] {
        app.reactivate(me).await;
        let (status, body) = app.post(Some(&token), page, json!({})).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = app.post(Some(&token), query, json!({})).await;
        assert_eq!(status, 200, "{query} while active");
        app.deactivate(me).await;
        let (status, body) = app.post(Some(&token), query, json!({})).await;
        assert_eq!(status, 401, "{query}: {body}");
        assert_eq!(code(&body), "UNAUTHENTICATED");
    }
}

/// Reference data is readable by every authenticated user (§9.8): a workspace outside the
/// requester's list answers `node`, as it does through its plan.
#[tokio::test]
async fn any_signed_in_user_reads_workspaces_plans_and_clusters_by_node() {
    let app = TestApp::spawn().await;
    let own = app.workspace("OWN").await;
    let (other, cluster) = app.health_cluster("OTHER").await;
    app.user(
        "v@example.org",
        None,
        &[(RoleType::IpViewer, Some(own), None)],
    )
    .await;
    let data = app
        .data(
            "v@example.org",
            "query($w: ID!, $c: ID!) { workspaces { workspaceCode }
               w: node(id: $w) { ... on Workspace { workspaceCode } }
               c: node(id: $c) { ... on Cluster { responsePlan { workspace { workspaceCode } } } } }",
            json!({ "w": gid(Kind::Workspace, other), "c": gid(Kind::Cluster, cluster) }),
        )
        .await;
    assert_eq!(data["workspaces"], json!([{ "workspaceCode": "OWN" }]));
    assert_eq!(data["w"]["workspaceCode"], "OTHER");
    assert_eq!(
        data["c"]["responsePlan"]["workspace"]["workspaceCode"],
        "OTHER"
    );
}

#[tokio::test]
async fn order_by_takes_at_most_three_keys_and_none_twice() {
    let (app, admin) = app_with_admin().await;
    let ok = app
        .gql(
            admin,
            "{ users(portal: CLUSTER, orderBy: [{field: EMAIL}, {field: ID, direction: DESC}, {field: STATUS}]) { totalCount }
               partners(orderBy: [{field: TITLE}, {field: ID, direction: DESC}]) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");
    let users =
        |order: &str| format!("{{ users(portal: CLUSTER, orderBy: {order}) {{ totalCount }} }}");
    for order in [
        "[{field: EMAIL}, {field: ID}, {field: LAST_NAME}, {field: FIRST_NAME}]",
        "[{field: EMAIL}, {field: EMAIL, direction: DESC}]",
    ] {
        let body = app.gql(admin, &users(order), json!({})).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    let body = app
        .gql(
            admin,
            "{ partners(orderBy: [{field: TITLE}, {field: TITLE}]) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
}

/// The review's document: twenty aliased searches, each sorting by many keys.
fn aliased_searches(aliases: usize, keys: &str) -> String {
    let one = format!(
        "users(portal: CLUSTER, first: 1, filter: {{nameEmail: \"1\"}}, orderBy: {keys}) {{ totalCount }}"
    );
    let fields: Vec<String> = (0..aliases).map(|i| format!("a{i}: {one}")).collect();
    format!("{{ {} }}", fields.join(" "))
}

/// The console's heaviest page: a hundred users with their roles, searched and sorted.
pub const CONSOLE_PAGE: &str = "query($after: String) {
  users(portal: CLUSTER, first: 100, after: $after, filter: {nameEmail: \"ab\"}, orderBy: [{field: LAST_NAME}]) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id email firstName lastName fullName position isActive status lastLogin
      partner { id title }
      roles { id role isActive portal workspace { id title } cluster { id title fullTitle } } } } } }";

#[tokio::test]
async fn aliased_heavy_searches_are_refused_before_they_run_while_the_console_page_is_admitted() {
    let (app, admin) = app_with_admin().await;
    let all_keys = "[{field: EMAIL}, {field: LAST_NAME}, {field: FIRST_NAME}]";
    for document in [
        aliased_searches(20, "[{field: EMAIL}]"),
        aliased_searches(4, all_keys),
        aliased_searches(5, "[{field: EMAIL}]"),
    ] {
        let mark = app.statement_mark();
        let body = app.gql(admin, &document, json!({})).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body["data"].is_null(), "{body}");
        let searched = app.statements_since(mark);
        assert!(
            !searched.iter().any(|s| s.contains("LIKE")),
            "no search ran: {searched:?}"
        );
    }
    for document in [
        aliased_searches(3, all_keys),
        aliased_searches(4, "[{field: EMAIL}]"),
    ] {
        let body = app.gql(admin, &document, json!({})).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let data = app.data(admin, CONSOLE_PAGE, json!({})).await;
    assert!(data["users"]["totalCount"].is_number());
}

/// Emails compare by ASCII case only (§9.9): the KELVIN SIGN is not a `k`.
#[tokio::test]
async fn emails_fold_ascii_case_only() {
    let (app, admin) = app_with_admin().await;
    app.user("kelly@alpha.example.org", None, &[]).await;
    for email in [
        "\u{212A}elly@alpha.example.org",
        "\u{212A}ELLY@alpha.example.org",
    ] {
        let token = app.fresh_token(email);
        let (status, body) = app.post(Some(&token), "{ me { email } }", json!({})).await;
        assert_eq!(status, 401, "{email}: {body}");
    }
    let (status, body) = app
        .post(
            Some(&app.fresh_token("KELLY@alpha.example.org")),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["email"], "kelly@alpha.example.org");
    // A search by an address finds it through ASCII letters only.
    let search =
        "query($t: String) { users(portal: CLUSTER, filter: {nameEmail: $t}) { nodes { email } } }";
    for (term, found) in [("KELLY@", 1), ("\u{212A}elly@", 0)] {
        let data = app.data(admin, search, json!({ "t": term })).await;
        let nodes = data["users"]["nodes"].as_array().expect("nodes").len();
        assert_eq!(nodes, found, "{term}");
    }
}

/// On PostgreSQL a statement of the serving pool ends with the request timeout, so a timed
/// out request frees its connection; SQLite has no statement timeout (see the README).
#[tokio::test]
async fn postgres_statements_end_with_the_request_timeout() {
    let app = TestApp::spawn_with(|c| c.limits.request_timeout = Duration::from_secs(1)).await;
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    use sea_orm::ConnectionTrait;
    let started = std::time::Instant::now();
    let slept = app.state.db.execute_unprepared("SELECT pg_sleep(5)").await;
    assert!(slept.is_err(), "the statement was cancelled");
    assert!(started.elapsed() < Duration::from_secs(3));
    app.state
        .db
        .execute_unprepared("SELECT 1")
        .await
        .expect("the connection serves on");
}

/// How a fuzzed document nests its values.
#[derive(Clone, Debug)]
enum Nest {
    List,
    Object,
    Mixed,
}

/// A document with a value nested `depth` deep in argument, default or variables, under a
/// random operation name that the document may or may not have.
fn nested_request(nest: &Nest, depth: usize, place: u8, name: &str, named: bool) -> Value {
    let (open, close): (String, String) = match nest {
        Nest::List => ("[".repeat(depth), "]".repeat(depth)),
        Nest::Object => ("{a:".repeat(depth), "}".repeat(depth)),
        Nest::Mixed => (
            (0..depth)
                .map(|i| if i % 2 == 0 { "[" } else { "{a:" })
                .collect(),
            (0..depth)
                .rev()
                .map(|i| if i % 2 == 0 { "]" } else { "}" })
                .collect(),
        ),
    };
    let value = format!("{open}1{close}");
    let operation = if named {
        format!("query {name}")
    } else {
        "query".to_owned()
    };
    match place {
        0 => {
            json!({ "query": format!("{operation} {{ node(id: {value}) {{ id }} }}"), "operationName": name })
        }
        1 => {
            json!({ "query": format!("{operation}($x: ID = {value}) {{ node(id: $x) {{ id }} }}"), "operationName": name })
        }
        _ => {
            let variables = format!("[{value}]").replace("{a:", "{\"a\":");
            let mut request = json!({ "query": format!("{operation}($x: ID) {{ node(id: $x) {{ id }} }}"), "operationName": name });
            request["variables"] =
                json!({ "x": serde_json::from_str::<Value>(&variables).unwrap_or(Value::Null) });
            request
        }
    }
}

/// Fuzz: values nested 1 to 100,000 deep, lists, objects and both, in arguments, variable
/// defaults and variables, under random operation names: never a 5xx, always a code on an
/// error, and the process answers on.
#[test]
fn fuzzed_nesting_and_operation_names_never_cause_a_server_error() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (app, admin) = runtime.block_on(app_with_admin());
    let token = app.token(admin);
    let cases = std::env::var("IDM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    });
    let strategy = (
        prop_oneof![Just(Nest::List), Just(Nest::Object), Just(Nest::Mixed)],
        prop_oneof![1usize..80, 80usize..5_000, 5_000usize..100_000],
        0u8..3,
        "[a-zA-Z_][a-zA-Z0-9_]{0,70}",
        any::<bool>(),
    );
    let result = runner.run(&strategy, |(nest, depth, place, name, named)| {
        let request = nested_request(&nest, depth, place, &name, named);
        let (status, body) = runtime.block_on(async {
            let res = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(&token)
                .json(&request)
                .send()
                .await
                .expect("answered");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
        prop_assert!(status < 500, "{status}: {body}");
        if let Some(errors) = body["errors"].as_array() {
            prop_assert!(
                errors.iter().all(|e| e["extensions"]["code"].is_string()),
                "an error without a code: {body}"
            );
        }
        Ok::<(), TestCaseError>(())
    });
    if let Err(e) = result {
        panic!("{e:.2000}");
    }
    let me = runtime.block_on(app.data(admin, "{ me { email } }", json!({})));
    assert_eq!(me["me"]["email"], *admin);
    runtime.block_on(async move { drop(app) });
}
