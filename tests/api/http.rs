//! Transport and authentication over real HTTP: status codes, headers, limits, assets.

use idm::domain::RoleType;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::{app_with_admin, app_with_admin_configured, TestApp, SECRET};

const ME: &str = "{ me { email status } }";

fn token_with(claims: Value, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn assert_unauthenticated(app: &TestApp, token: Option<&str>) {
    let (status, body) = app.post(token, ME, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn every_bad_token_is_refused_with_401_unauthenticated() {
    let app = TestApp::spawn().await;
    app.user("ana@example.org", None, &[]).await;
    let t = now();
    let ok = |extra: Value| {
        let mut c = json!({"email": "ana@example.org", "exp": t + 600, "iat": t});
        if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                c.insert(k.clone(), v.clone());
            }
        }
        c
    };
    assert_unauthenticated(&app, None).await;
    assert_unauthenticated(&app, Some("not-a-jwt")).await;
    // forged signature
    assert_unauthenticated(
        &app,
        Some(&token_with(ok(json!({})), "another-secret-0123456789")),
    )
    .await;
    // expired
    assert_unauthenticated(
        &app,
        Some(&token_with(ok(json!({"exp": t - 3600})), SECRET)),
    )
    .await;
    // not yet valid
    assert_unauthenticated(
        &app,
        Some(&token_with(ok(json!({"nbf": t + 3600})), SECRET)),
    )
    .await;
    // no exp
    assert_unauthenticated(
        &app,
        Some(&token_with(
            json!({"email": "ana@example.org", "iat": t}),
            SECRET,
        )),
    )
    .await;
    // no email claim
    assert_unauthenticated(&app, Some(&token_with(json!({"exp": t + 600}), SECRET))).await;
    // unknown user
    assert_unauthenticated(
        &app,
        Some(&token_with(
            ok(json!({"email": "nobody@example.org"})),
            SECRET,
        )),
    )
    .await;
    // alg: none
    let header = base64_url(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = base64_url(&ok(json!({})).to_string());
    assert_unauthenticated(&app, Some(&format!("{header}.{payload}."))).await;
    // a valid token works, and the email claim is lower-cased
    let (status, body) = app
        .post(
            Some(&token_with(ok(json!({"email": "ANA@example.org"})), SECRET)),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["email"], "ana@example.org");
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn deactivated_users_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let id = app.user("gone@example.org", None, &[]).await;
    let mut u = idm::users::store::find(&app.db, id)
        .await
        .expect("db")
        .expect("user");
    u.is_active = false;
    idm::users::store::update(&app.db, u).await.expect("update");
    assert_unauthenticated(&app, Some(&app.token("gone@example.org"))).await;
}

#[tokio::test]
async fn wrong_issuer_or_audience_is_refused_when_configured() {
    let app = TestApp::spawn_with(|c| {
        c.jwt.issuer = Some("https://idp.example.org".into());
        c.jwt.audience = Some("idm".into());
    })
    .await;
    app.user("ana@example.org", None, &[]).await;
    let t = now();
    let claims = |iss: &str, aud: &str| json!({"email": "ana@example.org", "exp": t + 600, "iss": iss, "aud": aud});
    assert_unauthenticated(
        &app,
        Some(&token_with(
            claims("https://evil.example.org", "idm"),
            SECRET,
        )),
    )
    .await;
    assert_unauthenticated(
        &app,
        Some(&token_with(
            claims("https://idp.example.org", "other"),
            SECRET,
        )),
    )
    .await;
    let (status, _) = app
        .post(
            Some(&token_with(
                claims("https://idp.example.org", "idm"),
                SECRET,
            )),
            ME,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_token_signs_the_user_in_and_invited_becomes_active() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("SYR").await;
    app.user(
        "ana@example.org",
        None,
        &[(RoleType::IpEditor, Some(ws), None)],
    )
    .await;
    let t = now() - 100;
    let token = token_with(
        json!({"email": "ana@example.org", "exp": t + 600, "iat": t}),
        SECRET,
    );
    let (_, body) = app
        .post(Some(&token), "{ me { status lastLogin } }", json!({}))
        .await;
    assert_eq!(body["data"]["me"]["status"], "ACTIVE", "{body}");
    let expected = chrono::DateTime::from_timestamp(t, 0)
        .expect("ts")
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    assert_eq!(
        body["data"]["me"]["lastLogin"]
            .as_str()
            .map(|s| s.replace("+00:00", "Z")),
        Some(expected)
    );
    // A token issued "in the future" signs in now, not then: lastLogin never runs ahead.
    let ahead = now() + 3 * 24 * 3600;
    let token = token_with(
        json!({"email": "ana@example.org", "exp": ahead + 600, "iat": ahead}),
        SECRET,
    );
    let (_, body) = app
        .post(Some(&token), "{ me { lastLogin } }", json!({}))
        .await;
    let last = body["data"]["me"]["lastLogin"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.timestamp())
        .expect("lastLogin");
    assert!(last <= now() && last >= now() - 60, "{body}");
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::spawn().await;
    app.user("ana@example.org", None, &[]).await;
    let token = app.token("ana@example.org");
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", ME)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let mutation = r#"mutation { createWorkspace(input: {title: "X", workspaceCode: "X"}) { errors { code } } }"#;
    let res = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", mutation)])
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 405);
    assert_eq!(app.count("workspace").await, 0);
}

#[tokio::test]
async fn malformed_bodies_and_wrong_content_types_are_client_errors() {
    let app = TestApp::spawn().await;
    app.user("ana@example.org", None, &[]).await;
    let token = app.token("ana@example.org");
    let send = |body: &'static str, content_type: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    assert_eq!(
        send("{not json", "application/json")
            .await
            .expect("send")
            .status(),
        400
    );
    assert_eq!(
        send(
            r#"{"query": "{ me { email } }", "bogus": 1}"#,
            "application/json"
        )
        .await
        .expect("send")
        .status(),
        400
    );
    assert_eq!(
        send(r#"[{"query": "{ me { email } }"}]"#, "application/json")
            .await
            .expect("send")
            .status(),
        400
    );
    assert_eq!(
        send(r#"{"query": "{ me { email } }"}"#, "text/plain")
            .await
            .expect("send")
            .status(),
        415
    );
    assert_eq!(
        send("query=%7B%20me%20%7D", "application/x-www-form-urlencoded")
            .await
            .expect("send")
            .status(),
        415
    );
    let ok = send(
        r#"{"query": "{ me { email } }"}"#,
        "application/json; charset=utf-8",
    )
    .await
    .expect("send");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_body_trickled_slower_than_the_request_timeout_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app =
        TestApp::spawn_with(|c| c.limits.request_timeout = std::time::Duration::from_secs(1)).await;
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: idm\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"query\"",
        )
        .await
        .expect("write");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    let waited = started.elapsed();
    assert!(waited < std::time::Duration::from_secs(3), "{waited:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
}

/// Sends a raw JSON body to `/graphql` with the token; the status and the parsed body.
async fn post_raw(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn batches_are_refused_by_default() {
    let app = TestApp::spawn().await;
    app.user("ana@example.org", None, &[]).await;
    let token = app.token("ana@example.org");
    let (status, body) = post_raw(&app, &token, json!([{"query": ME}, {"query": ME}])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert!(body["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("not enabled")));
}

#[tokio::test]
async fn enabled_batches_run_in_order_under_one_token_and_are_bounded() {
    let (app, _) = app_with_admin_configured(|c| {
        c.limits.batching = true;
        c.limits.max_batch = 3;
    })
    .await;
    let token = app.token("csa@example.org");
    let create = "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { workspace { workspaceCode } errors { code } } }";
    let list = "{ workspaces { workspaceCode } }";
    let (status, body) = post_raw(
        &app,
        &token,
        json!([
            {"query": create, "variables": {"i": {"title": "One", "workspaceCode": "B1"}}},
            {"query": list},
            {"query": "{ nope }"},
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body[0]["data"]["createWorkspace"],
        json!({"workspace": {"workspaceCode": "B1"}, "errors": []})
    );
    // The second operation sees the first one's write.
    assert_eq!(
        body[1]["data"]["workspaces"],
        json!([{"workspaceCode": "B1"}])
    );
    // A failing entry fails alone, with its code.
    assert_eq!(body[2]["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body.as_array().map(Vec::len), Some(3));

    // Too many entries, none, a malformed entry, a bad token: the whole batch is refused
    // and nothing runs.
    let entry =
        json!({"query": create, "variables": {"i": {"title": "Two", "workspaceCode": "B2"}}});
    for (batch, want) in [
        (json!([entry, entry, entry, entry]), 400),
        (json!([]), 400),
        (json!([entry, {"query": list, "bogus": 1}]), 400),
        (json!([entry, {"query": list, "variables": [1]}]), 400),
    ] {
        let (status, body) = post_raw(&app, &token, batch.clone()).await;
        assert_eq!(status, want, "{batch} -> {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body}"
        );
    }
    let (status, body) = post_raw(&app, "not-a-token", json!([entry])).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(app.count("workspace").await, 1, "only B1 was written");
}

/// Just over the limit and far over it (4 MiB): the client reads its 413, not a broken
/// pipe from a server that closed while the body was still coming.
#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::spawn().await;
    for size in [300 * 1024, 4 * 1024 * 1024] {
        let big = format!(
            r#"{{"query": "{{ me {{ email }} }}", "variables": {{"x": "{}"}}}}"#,
            "a".repeat(size)
        );
        let res = app
            .client
            .post(app.url("/graphql"))
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .expect("the 413 arrives");
        assert_eq!(res.status(), 413);
        let body: Value = res.json().await.expect("a JSON body");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body}"
        );
    }
}

#[tokio::test]
async fn depth_alias_and_page_limits_are_enforced() {
    let (app, _) = app_with_admin().await;
    let deep = format!(
        "{{ me {} email {} }}",
        "{ roles { user ".repeat(7),
        "} } ".repeat(7)
    );
    let body = app.gql("csa@example.org", &deep, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("nested too deep"),
        "{body}"
    );
    let aliases: String = (0..21).map(|i| format!("a{i}: me {{ email }} ")).collect();
    let body = app
        .gql("csa@example.org", &format!("{{ {aliases} }}"), json!({}))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let body = app
        .gql(
            "csa@example.org",
            "{ users(portal: CLUSTER, first: 101) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
}

#[tokio::test]
async fn suggestions_are_off_and_introspection_can_be_disabled() {
    let app = TestApp::spawn_with(|c| c.introspection = false).await;
    app.user("ana@example.org", None, &[]).await;
    let body = app
        .gql("ana@example.org", "{ me { emial } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(!message.contains("Did you mean"), "{message}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    let body = app
        .gql(
            "ana@example.org",
            "{ __schema { types { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["__schema"], Value::Null, "{body}");
    // Nor is the SDL published beside it.
    let res = app
        .client
        .get(app.url("/schema.graphql"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn health_readiness_metrics_and_schema_are_served() {
    let app = TestApp::spawn().await;
    app.user("ana@example.org", None, &[]).await;
    app.gql(
        "ana@example.org",
        "query MetricsProbe { me { email } }",
        json!({}),
    )
    .await;
    let get = |path: &'static str| app.client.get(app.url(path)).send();
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    assert_eq!(get("/readyz").await.expect("readyz").status(), 200);
    let metrics = get("/metrics")
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"idm_graphql_requests_total{operation="MetricsProbe",outcome="ok"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"idm_graphql_request_duration_seconds_count{operation="MetricsProbe"}"#),
        "{metrics}"
    );
    let sdl = get("/schema.graphql")
        .await
        .expect("sdl")
        .text()
        .await
        .expect("text");
    assert_eq!(sdl, idm::graphql::sdl());
}

#[tokio::test]
async fn graphiql_and_its_assets_are_served_locally_with_a_strict_csp() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(app.url("/graphiql"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.expect("html");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets: {html}"
    );
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "init.js",
    ] {
        let res = app
            .client
            .get(app.url(&format!("/graphiql/{asset}")))
            .send()
            .await
            .expect("asset");
        assert_eq!(res.status(), 200, "{asset}");
        assert!(res.bytes().await.expect("bytes").len() > 500, "{asset}");
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[tokio::test]
async fn rs256_and_es256_tokens_of_an_identity_provider_are_accepted_and_confusion_is_refused() {
    for (public, private, alg) in [
        ("rsa_public.pem", "rsa_private.pem", Algorithm::RS256),
        ("ec_public.pem", "ec_private.pem", Algorithm::ES256),
    ] {
        let key_file = format!("{}/tests/fixtures/{public}", env!("CARGO_MANIFEST_DIR"));
        let app = TestApp::spawn_with(|c| {
            c.jwt.secret = None;
            c.jwt.public_key_file = Some(key_file.clone().into());
            c.jwt.issuer = Some("https://idp.example".into());
            c.jwt.audience = Some("idm".into());
        })
        .await;
        // Without an issuer and an audience to require, the key is refused at start.
        let bare = idm::config::JwtConfig {
            public_key_file: Some(key_file.into()),
            ..Default::default()
        };
        let refused = idm::auth::JwtKeys::load(&bare, &app.db).await.err();
        assert!(
            refused.is_some_and(|e| e.to_string().contains("IDM_JWT_AUDIENCE")),
            "a public key without iss/aud was accepted"
        );
        app.user("ana@example.org", None, &[]).await;
        let claims = json!({"email": "ana@example.org", "exp": now() + 600,
            "iss": "https://idp.example", "aud": ["other-app", "idm"]});
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&fixture(private)),
            _ => EncodingKey::from_ec_pem(&fixture(private)),
        }
        .expect("private key");
        let good = encode(&Header::new(alg), &claims, &key).expect("encode");
        let (status, body) = app.post(Some(&good), ME, json!({})).await;
        assert_eq!(status, 200, "{alg:?}: {body}");
        // A token the provider issued for another application, or for an email it has not
        // verified, is refused.
        for other in [
            json!({"email": "ana@example.org", "exp": now() + 600, "iss": "https://idp.example", "aud": "other-app"}),
            json!({"email": "ana@example.org", "exp": now() + 600, "iss": "https://idp.example"}),
            json!({"email": "ana@example.org", "exp": now() + 600, "aud": "idm"}),
            json!({"email": "ana@example.org", "exp": now() + 600, "iss": "https://idp.example", "aud": "idm", "email_verified": false}),
        ] {
            let token = encode(&Header::new(alg), &other, &key).expect("encode");
            assert_unauthenticated(&app, Some(&token)).await;
        }
        // The public key used as an HMAC secret (algorithm confusion) is refused.
        let confused = encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&fixture(public)),
        )
        .expect("encode");
        assert_unauthenticated(&app, Some(&confused)).await;
        // A token signed with another algorithm family is refused too.
        let hs = token_with(claims.clone(), SECRET);
        assert_unauthenticated(&app, Some(&hs)).await;
    }
}
