//! Tokens of a real OpenID provider (npm `oidc-provider`, `tests/oidc/provider.mjs`): keys
//! found by discovery, rotated without restarting idm, a flood of forged key ids bounded at the
//! provider, every kind of bad token refused, and the provider down at start and later.

use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::provider::{free_port, Provider, AUDIENCE};

/// The configuration of idm trusting `issuer`'s keys (and no shared secret).
fn trust(issuer: &str) -> impl FnOnce(&mut idm::config::Config) {
    let issuer = issuer.to_owned();
    move |c| {
        c.jwt.secret = None;
        c.jwt.oidc_issuer = Some(issuer.clone());
        c.jwt.issuer = Some(issuer);
        c.jwt.audience = Some(AUDIENCE.to_owned());
        c.jwt.provider_startup_wait = std::time::Duration::from_secs(20);
    }
}

/// idm trusting `issuer`'s keys, with a system admin csa@example.org.
async fn app_for(issuer: &str) -> TestApp {
    let app = TestApp::spawn_with(trust(issuer)).await;
    app.system_admin("csa@example.org").await;
    app
}

/// The status and email `me` answers with `token`.
async fn me(app: &TestApp, token: &str) -> (u16, Value) {
    let (status, body) = app.post(Some(token), "{ me { email } }", json!({})).await;
    (status, body["data"]["me"]["email"].clone())
}

#[tokio::test]
async fn a_token_of_the_provider_found_by_discovery_signs_in() {
    let provider = Provider::start(0, "RS256", None);
    let app = app_for(&provider.issuer).await;
    let token = provider.token("csa").await;
    assert_eq!(me(&app, &token).await, (200, json!("csa@example.org")));
    // A provider token for an email idm does not know.
    let stranger = provider.token("other").await;
    assert_eq!(me(&app, &stranger).await.0, 401);
}

#[tokio::test]
async fn rotated_keys_are_taken_up_without_a_restart_and_withdrawn_ones_refused() {
    let provider = Provider::start(0, "RS256", None);
    let app = app_for(&provider.issuer).await;
    let old = provider.token("csa").await;
    assert_eq!(me(&app, &old).await.0, 200);

    // The provider signs with a new key and still publishes the old one.
    provider.rotate(&["ES256"], true).await;
    let new = provider.token("csa").await;
    assert_ne!(new, old);
    assert_eq!(me(&app, &new).await, (200, json!("csa@example.org")));
    assert_eq!(me(&app, &old).await.0, 200, "the overlap keeps old tokens");

    // Both old keys are withdrawn. An instance reading the set now (this one reads it again
    // within 30 s, the bound on fetches for unknown key ids) takes the new key and refuses
    // tokens of the withdrawn ones.
    provider.rotate(&["EdDSA"], false).await;
    let newest = provider.token("csa").await;
    let fresh = TestApp::spawn_on(&app.database_url, trust(&provider.issuer)).await;
    assert_eq!(me(&fresh, &newest).await.0, 200);
    assert_eq!(
        me(&fresh, &old).await.0,
        401,
        "a key the provider no longer publishes signs nothing"
    );
    assert_eq!(me(&fresh, &new).await.0, 401);
}

#[tokio::test]
async fn a_flood_of_forged_key_ids_makes_at_most_one_fetch() {
    let provider = Provider::start(0, "RS256", None);
    let app = app_for(&provider.issuer).await;
    let before = provider.fetches().await;
    let mut statuses = Vec::new();
    for i in 0..40 {
        let forged = provider
            .sign(
                provider.claims("csa@example.org"),
                None,
                Some(&format!("forged-{i}")),
            )
            .await;
        statuses.push(me(&app, &forged).await.0);
    }
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let after = provider.fetches().await;
    assert!(
        after - before <= 1,
        "{} fetches of the key set for 40 forged key ids",
        after - before
    );
    // The genuine key still works meanwhile.
    assert_eq!(me(&app, &provider.token("csa").await).await.0, 200);
}

#[tokio::test]
async fn tokens_with_a_wrong_audience_issuer_algorithm_or_age_are_refused() {
    let provider = Provider::start(0, "RS256,ES256", None);
    let app = app_for(&provider.issuer).await;
    let good = provider
        .sign(provider.claims("csa@example.org"), None, None)
        .await;
    assert_eq!(me(&app, &good).await.0, 200, "the control token signs in");

    let mut cases = Vec::new();
    let mut claims = provider.claims("csa@example.org");
    claims["aud"] = json!("urn:another-service");
    cases.push(("wrong audience", provider.sign(claims, None, None).await));
    let mut claims = provider.claims("csa@example.org");
    claims["iss"] = json!("https://evil.example.org");
    cases.push(("wrong issuer", provider.sign(claims, None, None).await));
    let mut claims = provider.claims("csa@example.org");
    claims.as_object_mut().expect("claims").remove("aud");
    cases.push(("no audience", provider.sign(claims, None, None).await));
    let mut claims = provider.claims("csa@example.org");
    claims["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    cases.push(("expired", provider.sign(claims, None, None).await));
    cases.push((
        "HS256 keyed with the public key",
        provider
            .sign(provider.claims("csa@example.org"), Some("HS256"), None)
            .await,
    ));
    // The RSA key's id on an ES256 signature: the key does not verify that algorithm.
    let rsa_kid = {
        let token = provider.token("csa").await;
        let header = jsonwebtoken::decode_header(&token).expect("header");
        header.kid.expect("kid")
    };
    cases.push((
        "ES256 under the RSA key's id",
        provider
            .sign(
                provider.claims("csa@example.org"),
                Some("ES256"),
                Some(&rsa_kid),
            )
            .await,
    ));
    let unsigned = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(provider.claims("csa@example.org").to_string())
        )
    };
    cases.push(("alg none", unsigned));
    for (what, token) in cases {
        let (status, body) = app.post(Some(&token), "{ me { email } }", json!({})).await;
        assert_eq!(status, 401, "{what}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn an_array_email_claim_gives_its_first_email() {
    let provider = Provider::start(0, "RS256", None);
    let trusting = trust(&provider.issuer);
    let app = TestApp::spawn_with(move |c| {
        trusting(c);
        c.jwt.email_claim = "emails".to_owned();
    })
    .await;
    app.user("b2c@example.org", None, &[]).await;
    let mut claims = provider.claims("ignored@example.org");
    claims["emails"] = json!(["B2C@example.org", "second@example.org"]);
    let token = provider.sign(claims, None, None).await;
    assert_eq!(me(&app, &token).await, (200, json!("b2c@example.org")));
}

#[tokio::test]
async fn idm_waits_for_a_provider_that_starts_after_it_and_serves_on_when_it_goes() {
    // The provider comes up a second after idm starts waiting for it.
    let port = free_port();
    let starting = tokio::task::spawn_blocking(move || {
        std::thread::sleep(std::time::Duration::from_secs(1));
        Provider::start(port, "RS256", None)
    });
    let app = app_for(&format!("http://127.0.0.1:{port}")).await;
    let provider = starting.await.expect("provider");
    let token = provider.token("csa").await;
    assert_eq!(me(&app, &token).await.0, 200);

    // The provider goes away: idm keeps serving with the keys it has, says so in a metric,
    // and refuses what it cannot check.
    let forged = provider
        .sign(provider.claims("csa@example.org"), None, Some("unknown"))
        .await;
    let fresh = provider.token("csa").await;
    drop(provider);
    assert_eq!(me(&app, &fresh).await.0, 200, "known key, provider down");
    assert_eq!(me(&app, &forged).await.0, 401);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let failures = metrics
        .lines()
        .find_map(|l| l.strip_prefix("idm_jwks_fetch_failures_total "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert!(failures.is_some_and(|n| n >= 1.0), "{metrics}");
}

#[tokio::test]
async fn every_signing_algorithm_a_provider_may_use_is_accepted() {
    let algs = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
    ];
    let provider = Provider::start(0, &algs.join(","), None);
    let app = app_for(&provider.issuer).await;
    for alg in algs {
        let token = provider
            .sign(provider.claims("csa@example.org"), Some(alg), None)
            .await;
        assert_eq!(
            jsonwebtoken::decode_header(&token).expect("header").alg,
            alg.parse().expect("an algorithm")
        );
        assert_eq!(me(&app, &token).await.0, 200, "{alg}");
    }
}

#[tokio::test]
async fn several_audiences_may_be_accepted_and_no_other() {
    let provider = Provider::start(0, "RS256", None);
    let trusting = trust(&provider.issuer);
    let app = TestApp::spawn_with(move |c| {
        trusting(c);
        c.jwt.audience = Some(format!("idm-console, {AUDIENCE}"));
    })
    .await;
    app.user("csa@example.org", None, &[]).await;
    for (aud, status) in [("idm-console", 200), (AUDIENCE, 200), ("urn:other", 401)] {
        let mut claims = provider.claims("csa@example.org");
        claims["aud"] = json!(aud);
        let token = provider.sign(claims, None, None).await;
        assert_eq!(me(&app, &token).await.0, status, "{aud}");
    }
}
