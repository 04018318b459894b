//! The console signing in at a real OpenID provider (npm `oidc-provider`): the redirect with
//! PKCE, the provider's own login page, the way back with no token in the URL, the users list,
//! a renewed sign-in before the token expires, and signing out at the provider.

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::console::text;
use crate::driver::{browser, click, screenshot, wait_for, wait_until};
use crate::helpers::TestApp;
use crate::provider::{free_port, Provider, AUDIENCE};

#[tokio::test]
async fn the_console_signs_in_at_the_provider_and_signs_out_there() {
    let Some(client) = browser().await else {
        return;
    };
    // The console's redirect URI is registered at the provider, so idm's port comes first.
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    // Tokens live 65 s: the console renews its sign-in a minute before they expire.
    let provider = Provider::start_with(0, "RS256", Some(&format!("{origin}/admin/")), 65);
    let issuer = provider.issuer.clone();
    let app = TestApp::spawn_with(move |c| {
        c.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        c.jwt.secret = None;
        c.jwt.oidc_issuer = Some(issuer.clone());
        c.jwt.issuer = Some(issuer);
        c.jwt.audience = Some(AUDIENCE.to_owned());
        c.jwt.console_client_id = Some("idm-console".to_owned());
        c.jwt.console_token = idm::config::ConsoleToken::Access;
    })
    .await;
    idm::import::import_json(&app.db, idm::demo::DEMO_JSON)
        .await
        .expect("demo data");

    // The console's policy lets it reach the provider, and nothing else.
    let page = app
        .client
        .get(app.url("/admin/"))
        .send()
        .await
        .expect("page");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        csp.contains(&format!("connect-src 'self' {}", provider.issuer)),
        "{csp}"
    );

    client.goto(&app.url("/admin/")).await.expect("open");
    click(&client, "button.provider-sign-in").await;

    // The provider's own login and consent pages.
    let login = wait_for(&client, "input[name='login']").await;
    let at = client.current_url().await.expect("url");
    assert!(at.as_str().starts_with(&provider.issuer), "{at}");
    login
        .send_keys("csa@demo.example.org")
        .await
        .expect("login");
    client
        .find(Locator::Css("input[name='password']"))
        .await
        .expect("password")
        .send_keys("any")
        .await
        .expect("type");
    click(&client, "button[type='submit']").await;
    wait_until(
        &client,
        "the consent page or the console",
        // Not the login page's own submit button, still there until the next page replaces it.
        "return (!document.querySelector('input[name=login]') && !!document.querySelector('button[type=submit]')) || location.pathname.startsWith('/admin');",
    )
    .await;
    if client
        .current_url()
        .await
        .expect("url")
        .as_str()
        .starts_with(&provider.issuer)
    {
        click(&client, "button[type='submit']").await;
    }

    // Back in the console, signed in, with nothing of the exchange in the URL.
    wait_for(&client, "table.list").await;
    assert!(text(&client).await.contains("Sara Admin"));
    let state = client
        .execute(
            "return [location.href, sessionStorage.getItem('idm.console.token'), localStorage.length];",
            vec![],
        )
        .await
        .expect("state");
    let url = state[0].as_str().unwrap_or("");
    assert!(
        !url.contains("code=") && !url.contains("state="),
        "the code leaves the URL: {url}"
    );
    let token = state[1].as_str().unwrap_or("").to_owned();
    assert_eq!(state[2], json!(0), "nothing in localStorage");
    // The kept token is the provider's, and the API accepts it.
    let header = jsonwebtoken::decode_header(&token).expect("a JWT");
    assert!(header.kid.is_some());
    let (status, body) = app.post(Some(&token), "{ me { email } }", json!({})).await;
    assert_eq!(
        (status, body["data"]["me"]["email"].clone()),
        (200, Value::from("csa@demo.example.org"))
    );
    screenshot(&client, "console-oidc.png").await;

    // Before the token expires, the console signs in again at the provider (no page of its
    // own: the provider's session answers) and comes back where the user was.
    client
        .goto(&app.url("/admin/users?portal=CLUSTER&q=mona"))
        .await
        .expect("a filtered list");
    wait_for(&client, "table.list").await;
    wait_until(
        &client,
        "a renewed token",
        &format!(
            "return !!sessionStorage.getItem('idm.console.token') && sessionStorage.getItem('idm.console.token') !== {:?} && !!document.querySelector('table.list');",
            token
        ),
    )
    .await;
    let renewed = client
        .execute("return [location.pathname + location.search, sessionStorage.getItem('idm.console.token')];", vec![])
        .await
        .expect("state");
    assert_eq!(renewed[0], json!("/admin/users?portal=CLUSTER&q=mona"));
    let renewed = renewed[1].as_str().unwrap_or("").to_owned();
    assert_eq!(me_status(&app, &renewed).await, 200);

    // Signing out ends the session here and at the provider.
    client
        .find(Locator::XPath("//button[normalize-space(.)='Sign out']"))
        .await
        .expect("sign out")
        .click()
        .await
        .expect("click");
    // The console forgets the token (its sign-in screen may show for a moment), then sends
    // the browser to the provider's end-session page, which asks to confirm.
    click(&client, "button[name='logout']").await;
    wait_until(
        &client,
        "the console's sign-in after the provider's sign-out",
        "return location.pathname.startsWith('/admin') && !!document.querySelector('button.provider-sign-in');",
    )
    .await;
    let left = client
        .execute(
            "return sessionStorage.getItem('idm.console.token');",
            vec![],
        )
        .await
        .expect("storage");
    assert_eq!(left, Value::Null);
    // The provider's session is over too: signing in asks for the login again.
    click(&client, "button.provider-sign-in").await;
    wait_for(&client, "input[name='login']").await;
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.post(Some(token), "{ me { email } }", json!({})).await.0
}
