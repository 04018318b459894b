//! The admin console as its users work in it: sign in, list, filter, sort and page users. Every
//! result on the screen is compared with the API's own answer, and every screen passes axe-core.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::driver::{browser, click, screenshot, wait_for, wait_until};
use crate::helpers::TestApp;

/// axe-core, vendored for the tests only (scripts/vendor-console.sh).
const AXE: &str = include_str!("vendor/axe.min.js");

/// A test app with the demo data set (every kind of administrator and user).
pub async fn demo_app() -> TestApp {
    let app = TestApp::spawn().await;
    idm::import::import_json(&app.db, idm::demo::DEMO_JSON)
        .await
        .expect("demo data");
    app
}

/// Opens `path` of the console signed in as `email`: the token goes where the sign-in screen
/// puts it (sessionStorage), then the page loads.
pub async fn open_as(client: &Client, app: &TestApp, email: &str, path: &str) {
    client
        .goto(&app.url("/admin/"))
        .await
        .expect("open the console");
    client
        .execute(
            "sessionStorage.setItem('idm.console.token', arguments[0]);",
            vec![json!(app.token(email))],
        )
        .await
        .expect("keep the token");
    client.goto(&app.url(path)).await.expect("open the screen");
}

/// The page's text.
pub async fn text(client: &Client) -> String {
    client
        .execute("return document.body.innerText;", vec![])
        .await
        .expect("text")
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Runs axe-core on the screen as it is and fails on any serious or critical violation.
pub async fn assert_accessible(client: &Client, screen: &str) {
    client.execute(AXE, vec![]).await.expect("load axe-core");
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
             ), e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    assert!(
        violations.is_empty(),
        "{screen}: accessibility violations:\n{}",
        violations.join("\n")
    );
}

/// The emails in the users table, in order.
pub(crate) async fn listed_emails(client: &Client) -> Vec<String> {
    let value = client
        .execute(
            "return [...document.querySelectorAll('table.list tbody tr td[data-label=\"Email\"]')]
                .map(td => td.textContent.trim());",
            vec![],
        )
        .await
        .expect("rows");
    serde_json::from_value(value).unwrap_or_default()
}

/// The emails `users(args)` answers `email`, in order, and its total count.
pub(crate) async fn api_emails(app: &TestApp, email: &str, args: &str) -> (Vec<String>, i64) {
    let data = app
        .data(
            email,
            &format!("{{ users({args}) {{ totalCount nodes {{ email }} }} }}"),
            json!({}),
        )
        .await;
    let emails = data["users"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["email"].as_str().map(str::to_owned))
        .collect();
    (emails, data["users"]["totalCount"].as_i64().unwrap_or(-1))
}

/// The list's summary line ("1–20 of 42") once the page has loaded.
pub(crate) async fn summary(client: &Client) -> String {
    wait_for(client, "p.summary[aria-busy='false']")
        .await
        .text()
        .await
        .expect("summary")
}

#[tokio::test]
async fn a_pasted_token_signs_in_for_the_tab_and_an_expired_one_returns_to_sign_in() {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    client.goto(&app.url("/admin/")).await.expect("open");
    let field = wait_for(&client, "textarea[name='token']").await;
    assert_accessible(&client, "sign-in").await;
    screenshot(&client, "console-sign-in.png").await;

    field.send_keys("not.a.token").await.expect("type");
    click(&client, "form button[type='submit']").await;
    wait_for(&client, ".field.invalid .error-text").await;

    field.clear().await.expect("clear");
    field
        .send_keys(&app.token("csa@demo.example.org"))
        .await
        .expect("type");
    click(&client, "form button[type='submit']").await;
    wait_for(&client, "table.list").await;
    let (_, total) = api_emails(&app, "csa@demo.example.org", "portal: CLUSTER").await;
    assert_eq!(
        summary(&client).await,
        format!("1–{total} of {total}"),
        "the list counts what the API counts"
    );

    // The token is in the tab's session only: not in localStorage, not in the URL.
    let kept = client
        .execute(
            "return [sessionStorage.getItem('idm.console.token'), localStorage.length, location.href];",
            vec![],
        )
        .await
        .expect("storage");
    assert_eq!(kept[0], json!(app.token("csa@demo.example.org")));
    assert_eq!(kept[1], json!(0));
    assert!(!kept[2].as_str().unwrap_or("").contains("eyJ"), "{kept}");

    // A reload keeps the session.
    client.refresh().await.expect("reload");
    wait_for(&client, "table.list").await;

    // An expired token (as after a day away): the next request returns to the sign-in.
    let expired = app
        .state
        .keys
        .issue("csa@demo.example.org", -60)
        .expect("token");
    client
        .execute(
            "sessionStorage.setItem('idm.console.token', arguments[0]);",
            vec![json!(expired)],
        )
        .await
        .expect("expire");
    client.refresh().await.expect("reload");
    wait_for(&client, "textarea[name='token']").await;
    assert!(text(&client).await.contains("Sign in again"));
    let left = client
        .execute(
            "return sessionStorage.getItem('idm.console.token');",
            vec![],
        )
        .await
        .expect("storage");
    assert_eq!(left, Value::Null, "the dead token is forgotten");
}

#[tokio::test]
async fn a_system_admin_filters_sorts_and_pages_the_users_as_the_api_does() {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    let csa = "csa@demo.example.org";
    for i in 0..25 {
        app.user(&format!("extra{i:02}@gamma.example.org"), None, &[])
            .await;
    }
    let (_, total) = api_emails(&app, csa, "portal: CLUSTER").await;
    open_as(&client, &app, csa, "/admin/users?portal=CLUSTER").await;
    wait_for(&client, "table.list").await;
    assert_eq!(summary(&client).await, format!("1–20 of {total}"));
    let (first_page, _) = api_emails(&app, csa, "portal: CLUSTER, first: 20").await;
    assert_eq!(listed_emails(&client).await, first_page);
    assert_accessible(&client, "users list").await;
    screenshot(&client, "console-users.png").await;

    // Next page, then back: the URL holds the page.
    click(&client, "a[rel='next']").await;
    wait_until(
        &client,
        "the second page",
        "return location.search.includes('after=') && document.querySelector('p.summary')?.textContent.startsWith('21–');",
    )
    .await;
    assert_eq!(summary(&client).await, format!("21–{total} of {total}"));
    let (all, _) = api_emails(&app, csa, "portal: CLUSTER, first: 100").await;
    assert_eq!(listed_emails(&client).await, all[20..].to_vec());
    client.back().await.expect("back");
    wait_until(
        &client,
        "the first page again",
        "return document.querySelector('p.summary')?.textContent.startsWith('1–20');",
    )
    .await;

    // Sort by email; descending on the second click.
    for (direction, state) in [("ASC", "ascending"), ("DESC", "descending")] {
        client
            .find(Locator::XPath(
                "//th/button[starts-with(normalize-space(.), 'Email')]",
            ))
            .await
            .expect("email column")
            .click()
            .await
            .expect("sort by email");
        wait_until(
            &client,
            "the email column sorted",
            &format!(
                "return [...document.querySelectorAll('th')].some(th => th.getAttribute('aria-sort') === '{state}' && th.textContent.includes('Email')) && !!document.querySelector('p.summary[aria-busy=\"false\"]');"
            ),
        )
        .await;
        let (sorted, _) = api_emails(
            &app,
            csa,
            &format!(
                "portal: CLUSTER, first: 20, orderBy: [{{field: EMAIL, direction: {direction}}}]"
            ),
        )
        .await;
        assert_eq!(listed_emails(&client).await, sorted, "sorted {direction}");
    }

    // A name filter and a status filter, through the form.
    let search = wait_for(&client, "input[name='q']").await;
    search.send_keys("newcomer").await.expect("type");
    wait_until(
        &client,
        "the filtered list",
        "return location.search.includes('q=newcomer') && !!document.querySelector('p.summary[aria-busy=\"false\"]');",
    )
    .await;
    let (filtered, count) = api_emails(
        &app,
        csa,
        "portal: CLUSTER, filter: {nameEmail: \"newcomer\"}, orderBy: [{field: EMAIL, direction: DESC}]",
    )
    .await;
    assert_eq!(listed_emails(&client).await, filtered);
    assert_eq!(summary(&client).await, format!("1–{count} of {count}"));
    click(&client, "input[name='status'][value='INCOMPLETE']").await;
    wait_until(
        &client,
        "the status filter",
        "return location.search.includes('status=INCOMPLETE') && !!document.querySelector('p.summary[aria-busy=\"false\"]');",
    )
    .await;
    let (incomplete, _) = api_emails(
        &app,
        csa,
        "portal: CLUSTER, filter: {nameEmail: \"newcomer\", statuses: [INCOMPLETE]}, orderBy: [{field: EMAIL, direction: DESC}]",
    )
    .await;
    assert_eq!(listed_emails(&client).await, incomplete);

    // A reload keeps every filter.
    client.refresh().await.expect("reload");
    wait_for(&client, "p.summary[aria-busy='false']").await;
    assert_eq!(listed_emails(&client).await, incomplete);
    let ticked = client
        .execute(
            "return document.querySelector(\"input[name='status'][value='INCOMPLETE']\").checked;",
            vec![],
        )
        .await
        .expect("box");
    assert_eq!(ticked, json!(true));
}
