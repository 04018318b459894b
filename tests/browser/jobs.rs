//! People doing their daily work in the console, one task per test, each result checked
//! through the API: adding users and giving roles, editing partners, exporting a list, the
//! actions offered on a user's page against the guard, the grant matrix, the audit log, and a
//! phone-sized screen. Every screen visited passes axe-core.

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::console::{
    api_emails, assert_accessible, demo_app, listed_emails, open_as, summary, text,
};
use crate::driver::{browser, phone, screenshot, wait_for, wait_for_element, wait_until};
use crate::helpers::TestApp;

const CSA: &str = "csa@demo.example.org";
const IMO: &str = "imo@demo.example.org";
const MEMBER: &str = "member@alpha.example.org";
const AO: &str = "ao@alpha.example.org";
const IP_ADMIN: &str = "ipadmin@alpha.example.org";

/// The role types with the names the console shows for them (the API's `roleDisplay`).
const ROLE_NAMES: [(&str, &str); 9] = [
    ("IP_AUTHORIZED_OFFICER", "IP Authorized Officer"),
    ("IP_ADMIN", "IP Admin"),
    ("IP_EDITOR", "IP Editor"),
    ("IP_VIEWER", "IP Viewer"),
    ("CLUSTER_SYSTEM_ADMIN", "Cluster System Admin"),
    ("CLUSTER_IMO", "Cluster IMO"),
    ("CLUSTER_COORDINATOR", "Cluster Coordinator"),
    ("CLUSTER_MEMBER", "Cluster Member"),
    ("CLUSTER_VIEWER", "Cluster Viewer"),
];

// Locators by what a person reads: a label, a button's or link's text, an accessible name.

/// The control that the `<label>` reading `label` names.
fn labelled(label: &str) -> String {
    format!("//*[@id = //label[normalize-space() = '{label}']/@for]")
}

/// The control named by a label inside the fieldset whose legend reads `legend`.
fn labelled_in(legend: &str, label: &str) -> String {
    format!(
        "//*[@id = //fieldset[legend[normalize-space() = '{legend}']]//label[normalize-space() = '{label}']/@for]"
    )
}

fn button(text: &str) -> String {
    format!("//button[normalize-space() = '{text}']")
}

fn link(text: &str) -> String {
    format!("//a[normalize-space() = '{text}']")
}

/// A button or control by its accessible name given in `aria-label`.
fn named(name: &str) -> String {
    format!("//*[@aria-label = '{name}']")
}

/// The Activate or Deactivate button of a user's page (a role row's names its role in an
/// `aria-label`).
fn user_button(verb: &str) -> String {
    format!("//main//button[not(ancestor::dialog)][not(@aria-label)][normalize-space() = '{verb}']")
}

/// The confirm button of the open dialog.
fn in_dialog(text: &str) -> String {
    format!("//dialog[@open]//button[normalize-space() = '{text}']")
}

async fn find(client: &Client, xpath: &str) -> Element {
    wait_for_element(client, Locator::XPath(xpath)).await
}

async fn click(client: &Client, xpath: &str) {
    find(client, xpath)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
}

/// Replaces what the control holds with `value`, typed.
async fn fill(client: &Client, xpath: &str, value: &str) {
    let field = find(client, xpath).await;
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

async fn choose(client: &Client, xpath: &str, option: &str) {
    find(client, xpath)
        .await
        .select_by_label(option)
        .await
        .unwrap_or_else(|e| panic!("choose {option} in {xpath}: {e}"));
}

/// The value a control holds now.
async fn value(client: &Client, xpath: &str) -> String {
    find(client, xpath)
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// Waits until the page shows `needle`.
async fn wait_text(client: &Client, needle: &str) {
    wait_until(
        client,
        &format!("the page shows {needle:?}"),
        &format!(
            "return document.body.innerText.includes({});",
            json!(needle)
        ),
    )
    .await;
}

/// Runs `script` (which returns JSON) in the page.
async fn js(client: &Client, script: &str) -> Value {
    client.execute(script, vec![]).await.expect("script runs")
}

/// The id of the object a `/admin/users/<id>` or `/admin/partners/<id>` page shows.
async fn id_in_url(client: &Client) -> String {
    js(
        client,
        "return decodeURIComponent(location.pathname.split('/')[3] || '');",
    )
    .await
    .as_str()
    .unwrap_or("")
    .to_owned()
}

/// The error text shown at the form field that holds the control named `name`.
async fn field_error(client: &Client, name: &str) -> String {
    js(
        client,
        &format!(
            "const f = document.querySelector('[name={}]')?.closest('.field');
             return f?.querySelector('.error-text')?.textContent.trim() ?? '';",
            json!(name)
        ),
    )
    .await
    .as_str()
    .unwrap_or("")
    .to_owned()
}

/// A screenshot for the README, of a 1280 × 800 viewport (the window adds its own frame).
async fn readme_screenshot(client: &Client, name: &str) {
    let (width, height) = (1280, 800);
    client.set_window_size(width, height).await.expect("resize");
    let (inner_width, inner_height): (u32, u32) =
        serde_json::from_value(js(client, "return [window.innerWidth, window.innerHeight];").await)
            .expect("the viewport's size");
    client
        .set_window_size(
            width + width.saturating_sub(inner_width),
            height + height.saturating_sub(inner_height),
        )
        .await
        .expect("resize");
    js(client, "window.scrollTo(0, 0); return true;").await;
    screenshot(client, name).await;
}

fn role_type(name: &str) -> &'static str {
    ROLE_NAMES
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(r, _)| *r)
        .unwrap_or_else(|| panic!("a role name the console shows: {name}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The clusters `email` may assign roles in, as (id, fullTitle).
async fn assignable_clusters(app: &TestApp, email: &str) -> Vec<(String, String)> {
    let data = app
        .data(email, "{ assignableClusters { id fullTitle } }", json!({}))
        .await;
    data["assignableClusters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_owned(),
                c["fullTitle"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn cluster_titled<'a>(clusters: &'a [(String, String)], title: &str) -> &'a (String, String) {
    clusters
        .iter()
        .find(|(_, full)| full.starts_with(title))
        .unwrap_or_else(|| panic!("a cluster {title} in {clusters:?}"))
}

/// A user's id as `email` finds it by its address.
async fn user_id(app: &TestApp, email: &str, portal: &str, whom: &str) -> String {
    let data = app
        .data(
            email,
            "query($portal: Portal!, $q: String) { users(portal: $portal, filter: {nameEmail: $q}) { nodes { id email } } }",
            json!({"portal": portal, "q": whom}),
        )
        .await;
    data["users"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["email"] == whom)
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("{email} sees {whom} on {portal}: {data}"))
        .to_owned()
}

const USER_ROLES: &str = "query($id: ID!) { user(id: $id) {
    id email fullName isActive status userType position partner { title }
    roles { id role isActive workspace { id title } cluster { id fullTitle } }
} }";

async fn api_user(app: &TestApp, email: &str, id: &str) -> Value {
    app.data(email, USER_ROLES, json!({"id": id})).await["user"].clone()
}

#[tokio::test]
async fn a_system_admin_adds_a_partner_user_then_gives_changes_and_removes_its_roles_and_deactivates_it(
) {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    let clusters = assignable_clusters(&app, CSA).await;
    let (food_id, food) = cluster_titled(&clusters, "Food Security");
    let (wash_id, wash) = cluster_titled(&clusters, "WASH");

    // The form of a new cluster user of type Partner.
    open_as(&client, &app, CSA, "/admin/users/new?portal=CLUSTER").await;
    fill(
        &client,
        &labelled("Email (required)"),
        "lina@beta.example.org",
    )
    .await;
    fill(&client, &labelled("First name (required)"), "Lina").await;
    fill(&client, &labelled("Last name"), "Haddad").await;
    fill(&client, &labelled("Position"), "Field officer").await;
    click(
        &client,
        "//fieldset[legend[starts-with(normalize-space(), 'User type')]]//label[.//strong[normalize-space() = 'Partner']]//input",
    )
    .await;
    choose(
        &client,
        &labelled("Partner (required)"),
        "Beta Water Works (BWW)",
    )
    .await;
    assert_accessible(&client, "add user").await;
    readme_screenshot(&client, "console-add-user.png").await;
    click(&client, &button("Add user")).await;

    // The new user's page, which asks for its first roles.
    wait_text(&client, "User created — now give them roles.").await;
    assert!(
        js(&client, "return location.search;")
            .await
            .as_str()
            .unwrap_or("")
            .contains("new=1"),
        "the new user's page says it is new"
    );
    let id = id_in_url(&client).await;
    assert_eq!(
        user_id(&app, CSA, "CLUSTER", "lina@beta.example.org").await,
        id
    );
    let user = api_user(&app, CSA, &id).await;
    assert_eq!(user["fullName"], "Lina Haddad");
    assert_eq!(user["position"], "Field officer");
    assert_eq!(user["partner"]["title"], "Beta Water Works");
    assert_eq!(user["userType"], "PARTNER");
    assert_eq!(user["roles"], json!([]));

    // Two cluster roles in one go.
    choose(&client, &labelled_in("Role 1", "Cluster"), food).await;
    choose(&client, &labelled_in("Role 1", "Role"), "Cluster Member").await;
    click(&client, &button("Add another row")).await;
    choose(&client, &labelled_in("Role 2", "Cluster"), wash).await;
    choose(&client, &labelled_in("Role 2", "Role"), "Cluster Viewer").await;
    click(&client, &button("Give 2 roles")).await;
    wait_text(&client, "2 roles were given to Lina Haddad.").await;
    wait_until(
        &client,
        "two rows of roles",
        "return document.querySelectorAll('tr[data-id]').length === 2;",
    )
    .await;
    let user = api_user(&app, CSA, &id).await;
    let held = |user: &Value| -> Vec<(String, String, bool)> {
        let mut held: Vec<_> = user["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["role"].as_str().unwrap_or("").to_owned(),
                    r["cluster"]["id"].as_str().unwrap_or("").to_owned(),
                    r["isActive"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        held.sort();
        held
    };
    assert_eq!(
        held(&user),
        vec![
            ("CLUSTER_MEMBER".to_owned(), food_id.clone(), true),
            ("CLUSTER_VIEWER".to_owned(), wash_id.clone(), true),
        ]
    );
    let role_id = |user: &Value, cluster: &str| -> String {
        user["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["cluster"]["id"] == cluster)
            .and_then(|r| r["id"].as_str())
            .expect("a role in that cluster")
            .to_owned()
    };
    let food_role = role_id(&user, food_id);
    let wash_role = role_id(&user, wash_id);
    let mut rows = strings(
        &js(
            &client,
            "return [...document.querySelectorAll('tr[data-id]')].map(tr => tr.dataset.id);",
        )
        .await,
    );
    rows.sort();
    let mut ids = vec![food_role.clone(), wash_role.clone()];
    ids.sort();
    assert_eq!(rows, ids, "a row for each role the API holds");
    assert_accessible(&client, "user detail").await;
    readme_screenshot(&client, "console-user.png").await;

    // Member in Food Security becomes Coordinator, through "Change to".
    choose(
        &client,
        &named(&format!("Change Cluster Member in {food} to")),
        "Cluster Coordinator",
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-id = '{food_role}']//button[normalize-space() = 'Change']"),
    )
    .await;
    wait_text(
        &client,
        &format!("Lina Haddad is now Cluster Coordinator in {food}."),
    )
    .await;
    let user = api_user(&app, CSA, &id).await;
    assert_eq!(
        held(&user),
        vec![
            ("CLUSTER_COORDINATOR".to_owned(), food_id.clone(), true),
            ("CLUSTER_VIEWER".to_owned(), wash_id.clone(), true),
        ]
    );
    assert_eq!(role_id(&user, food_id), food_role, "the same row, changed");

    // The viewer role in WASH goes, after a confirmation.
    click(&client, &named(&format!("Delete Cluster Viewer in {wash}"))).await;
    find(&client, &in_dialog("Delete role")).await;
    assert!(text(&client).await.contains("Delete this role?"));
    assert_accessible(&client, "delete role dialog").await;
    click(&client, &in_dialog("Delete role")).await;
    wait_until(
        &client,
        "the deleted row gone",
        &format!(
            "return !document.querySelector('tr[data-id=\"{wash_role}\"]') && document.querySelectorAll('tr[data-id]').length === 1;"
        ),
    )
    .await;
    let user = api_user(&app, CSA, &id).await;
    assert_eq!(
        held(&user),
        vec![("CLUSTER_COORDINATOR".to_owned(), food_id.clone(), true)]
    );

    // The user is deactivated, after a confirmation; its role stays.
    click(&client, &user_button("Deactivate")).await;
    find(&client, &in_dialog("Deactivate")).await;
    assert!(text(&client).await.contains("Deactivate Lina Haddad?"));
    click(&client, &in_dialog("Deactivate")).await;
    wait_text(&client, "Lina Haddad was deactivated.").await;
    find(&client, &user_button("Activate")).await;
    let user = api_user(&app, CSA, &id).await;
    assert_eq!(user["isActive"], json!(false));
    assert_eq!(user["status"], "DEACTIVATED");
    assert_eq!(
        held(&user),
        vec![("CLUSTER_COORDINATOR".to_owned(), food_id.clone(), true)]
    );
    client.close().await.expect("close the browser");
}

const PARTNER: &str = "query($id: ID!) { partner(id: $id) {
    id title shortTitle partnerType csoType email city countryCode clusters { id }
} }";

fn ids_of(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_cluster_imo_edits_a_partner_and_creates_one_once_the_email_the_api_refused_is_fixed() {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    let clusters = assignable_clusters(&app, IMO).await;
    let (health_id, health) = cluster_titled(&clusters, "Health");
    let partners = app
        .data(
            IMO,
            "{ partners { totalCount nodes { id title clusters { id } } } }",
            json!({}),
        )
        .await;
    let beta = partners["partners"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["title"] == "Beta Water Works")
        .expect("Beta Water Works")
        .clone();
    let beta_id = beta["id"].as_str().expect("id").to_owned();

    // The list, as the API lists it.
    open_as(&client, &app, IMO, "/admin/partners").await;
    let total = partners["partners"]["totalCount"].as_i64().unwrap_or(-1);
    assert_eq!(summary(&client).await, format!("1–{total} of {total}"));
    let titles = js(
        &client,
        "return [...document.querySelectorAll('table.list tbody td[data-label=\"Title\"] a')].map(a => a.textContent.trim());",
    )
    .await;
    let api_titles: Vec<Value> = partners["partners"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["title"].clone())
        .collect();
    assert_eq!(titles, json!(api_titles));
    assert_accessible(&client, "partners list").await;

    // Beta Water Works moves to Sana'a and joins the Health cluster.
    click(&client, &link("Beta Water Works")).await;
    find(&client, "//h1[normalize-space() = 'Beta Water Works BWW']").await;
    assert_accessible(&client, "partner detail").await;
    click(&client, &link("Edit")).await;
    find(&client, "//h2[normalize-space() = 'Edit partner']").await;
    fill(&client, &labelled("City"), "Sana'a").await;
    fill(&client, &labelled("Add a cluster"), health).await;
    find(&client, &named(&format!("Remove {health}"))).await;
    assert_accessible(&client, "partner edit").await;
    click(&client, &button("Save changes")).await;
    wait_text(&client, "Changes saved.").await;
    let partner = app.data(IMO, PARTNER, json!({"id": beta_id})).await["partner"].clone();
    assert_eq!(partner["city"], "Sana'a");
    let mut expected = ids_of(&beta["clusters"]);
    expected.push(health_id.clone());
    expected.sort();
    assert_eq!(ids_of(&partner["clusters"]), expected, "a cluster added");
    assert_eq!(partner["title"], "Beta Water Works", "the title is kept");

    // A new partner: the API refuses the email, the form keeps every value.
    click(&client, "//nav//a[normalize-space() = 'Partners']").await;
    click(&client, &link("New partner")).await;
    find(&client, "//h1[normalize-space() = 'New partner']").await;
    fill(&client, &labelled("Title (required)"), "Gamma Aid").await;
    fill(&client, &labelled("Short title"), "GAM").await;
    choose(
        &client,
        &labelled("Partner type (required)"),
        "Civil Society Organization",
    )
    .await;
    choose(&client, &labelled("CSO type"), "International").await;
    fill(&client, &labelled("Email"), "contact at gamma").await;
    fill(&client, &labelled("Country code"), "JO").await;
    fill(&client, &labelled("Add a cluster"), health).await;
    find(&client, &named(&format!("Remove {health}"))).await;
    click(&client, &button("Create partner")).await;
    wait_for(&client, ".field.invalid input[name='email']").await;
    let refused = app
        .gql(
            IMO,
            "mutation($input: CreatePartnerInput!) { createPartner(input: $input) { partner { id } errors { code field message } } }",
            json!({"input": {"title": "Gamma Aid", "email": "contact at gamma"}}),
        )
        .await;
    let error = &refused["data"]["createPartner"]["errors"][0];
    assert_eq!(error["field"], json!(["input", "email"]), "{refused}");
    assert_eq!(
        field_error(&client, "email").await,
        error["message"].as_str().unwrap_or("?"),
        "the API's message at the email field"
    );
    assert_eq!(value(&client, &labelled("Email")).await, "contact at gamma");
    assert_eq!(
        value(&client, &labelled("Title (required)")).await,
        "Gamma Aid"
    );
    assert_eq!(value(&client, &labelled("Short title")).await, "GAM");
    find(&client, &named(&format!("Remove {health}"))).await;
    assert_accessible(&client, "new partner with an error").await;
    let none = app
        .data(
            IMO,
            "{ partners(filter: {title: \"Gamma\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(none["partners"]["totalCount"], 0, "nothing was created");

    fill(&client, &labelled("Email"), "contact@gamma.example.org").await;
    click(&client, &button("Create partner")).await;
    wait_text(&client, "Partner created.").await;
    find(&client, "//h1[normalize-space() = 'Gamma Aid GAM']").await;
    let id = id_in_url(&client).await;
    let partner = app.data(IMO, PARTNER, json!({"id": id})).await["partner"].clone();
    assert_eq!(partner["title"], "Gamma Aid");
    assert_eq!(partner["shortTitle"], "GAM");
    assert_eq!(partner["partnerType"], "CIVIL_SOCIETY_ORGANIZATION");
    assert_eq!(partner["csoType"], "INTERNATIONAL");
    assert_eq!(partner["email"], "contact@gamma.example.org");
    assert_eq!(partner["countryCode"], "JO");
    assert_eq!(ids_of(&partner["clusters"]), vec![health_id.clone()]);
    readme_screenshot(&client, "console-partner.png").await;
    client.close().await.expect("close the browser");
}

#[tokio::test]
async fn an_authorized_officer_adds_an_ip_user_past_a_taken_email_and_gives_a_newcomer_an_editor_role_then_pauses_it(
) {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;

    open_as(&client, &app, AO, "/admin/users?portal=IP").await;
    wait_for(&client, "p.summary[aria-busy='false']").await;
    click(&client, &link("Add user")).await;
    find(&client, "//h1[normalize-space() = 'Add an IP user']").await;
    wait_text(
        &client,
        "The new user joins your partner organisation, Alpha Relief.",
    )
    .await;
    fill(
        &client,
        &labelled("Email (required)"),
        "editor@alpha.example.org",
    )
    .await;
    fill(&client, &labelled("First name (required)"), "Rania").await;
    fill(&client, &labelled("Last name"), "Khalil").await;
    fill(&client, &labelled("Position"), "M&E officer").await;
    click(&client, &button("Add user")).await;

    // The address is taken: said at the email field, every typed value kept.
    wait_for(&client, ".field.invalid input[name='email']").await;
    let refused = app
        .gql(
            AO,
            "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id } errors { code field message } } }",
            json!({"input": {"portal": "IP", "email": "editor@alpha.example.org", "firstName": "Rania", "lastName": "Khalil"}}),
        )
        .await;
    let error = &refused["data"]["createUser"]["errors"][0];
    assert_eq!(error["code"], "EMAIL_TAKEN", "{refused}");
    assert_eq!(error["field"], json!(["input", "email"]), "{refused}");
    assert_eq!(
        field_error(&client, "email").await,
        error["message"].as_str().unwrap_or("?"),
        "the API's message at the email field"
    );
    for (label, typed) in [
        ("Email (required)", "editor@alpha.example.org"),
        ("First name (required)", "Rania"),
        ("Last name", "Khalil"),
        ("Position", "M&E officer"),
    ] {
        assert_eq!(
            value(&client, &labelled(label)).await,
            typed,
            "{label} kept"
        );
    }
    let focused = js(&client, "return document.activeElement?.name ?? null;").await;
    assert_eq!(focused, json!("email"), "the field at fault has the focus");
    assert_accessible(&client, "add IP user with an error").await;

    fill(
        &client,
        &labelled("Email (required)"),
        "rania@alpha.example.org",
    )
    .await;
    click(&client, &button("Add user")).await;
    wait_text(&client, "User created — now give them roles.").await;
    let id = id_in_url(&client).await;
    assert_eq!(user_id(&app, AO, "IP", "rania@alpha.example.org").await, id);
    let rania = api_user(&app, AO, &id).await;
    assert_eq!(rania["fullName"], "Rania Khalil");
    assert_eq!(rania["position"], "M&E officer");
    assert_eq!(
        rania["partner"]["title"], "Alpha Relief",
        "the officer's partner"
    );
    assert_eq!(rania["status"], "INCOMPLETE");

    // The newcomer, found in the list, gets IP Editor in Syria, then has it paused.
    click(&client, &link("← IP users")).await;
    fill(&client, &labelled("Name or email"), "newcomer").await;
    let newcomer = user_id(&app, AO, "IP", "newcomer@alpha.example.org").await;
    wait_until(
        &client,
        "the list filtered to the newcomer",
        "return location.search.includes('q=newcomer') && document.querySelector('p.summary[aria-busy=\"false\"]')?.textContent === '1–1 of 1';",
    )
    .await;
    click(&client, &link("Nadia Newcomer")).await;
    find(
        &client,
        "//h1[starts-with(normalize-space(), 'Nadia Newcomer')]",
    )
    .await;
    assert_eq!(id_in_url(&client).await, newcomer);
    choose(&client, &labelled_in("Role 1", "Workspace"), "Syria").await;
    choose(&client, &labelled_in("Role 1", "Role"), "IP Editor").await;
    click(&client, &button("Give role")).await;
    wait_text(&client, "The role was given to Nadia Newcomer.").await;
    let held = api_user(&app, AO, &newcomer).await["roles"].clone();
    let role = held[0]["id"].as_str().expect("a role").to_owned();
    assert_eq!(held.as_array().map(Vec::len), Some(1), "{held}");
    assert_eq!(held[0]["role"], "IP_EDITOR");
    assert_eq!(held[0]["workspace"]["title"], "Syria");
    assert_eq!(held[0]["isActive"], json!(true));

    click(&client, &named("Deactivate IP Editor in Syria")).await;
    wait_text(&client, "IP Editor in Syria was deactivated.").await;
    find(&client, &named("Activate IP Editor in Syria")).await;
    let state = js(
        &client,
        &format!(
            "return document.querySelector('tr[data-id=\"{role}\"] td[data-label=\"State\"]')?.textContent.trim();"
        ),
    )
    .await;
    assert_eq!(state, json!("Inactive"));
    let held = api_user(&app, AO, &newcomer).await["roles"].clone();
    assert_eq!(held[0]["id"], json!(role));
    assert_eq!(
        held[0]["isActive"],
        json!(false),
        "the role is kept, inactive"
    );
    client.close().await.expect("close the browser");
}

/// Parses CSV text (RFC 4180: quoted cells, doubled quotes, CRLF records).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    row.push(cell);
    rows.push(row);
    rows
}

#[tokio::test]
async fn a_cluster_member_lists_and_exports_only_the_users_of_its_own_partner() {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    let me = app
        .data(MEMBER, "{ me { partner { title } } }", json!({}))
        .await;
    let partner = me["me"]["partner"]["title"].as_str().expect("a partner");
    let answer = app
        .data(
            MEMBER,
            "{ users(portal: CLUSTER, first: 100) { totalCount nodes { id email partner { title } } } }",
            json!({}),
        )
        .await;
    let nodes = answer["users"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let (emails, total) = api_emails(&app, MEMBER, "portal: CLUSTER, first: 100").await;
    assert!(!emails.is_empty(), "the member sees its colleagues");
    assert!(
        nodes.iter().all(|n| n["partner"]["title"] == partner),
        "the API lists only the member's partner: {answer}"
    );
    let (everyone, _) = api_emails(&app, CSA, "portal: CLUSTER, first: 100").await;
    assert!(
        everyone.len() > emails.len() + 1,
        "there are users of other partners to leave out"
    );

    open_as(&client, &app, MEMBER, "/admin/users?portal=CLUSTER").await;
    assert_eq!(summary(&client).await, format!("1–{total} of {total}"));
    assert_eq!(listed_emails(&client).await, emails);
    let partners = strings(
        &js(
            &client,
            "return [...document.querySelectorAll('table.list tbody td[data-label=\"Partner\"]')].map(td => td.textContent.trim());",
        )
        .await,
    );
    assert_eq!(partners, vec![partner.to_owned(); emails.len()]);

    // The export: the file handed to the browser is caught as it is made.
    js(
        &client,
        "window.__csv = null;
         const original = URL.createObjectURL;
         URL.createObjectURL = (blob) => { blob.text().then(t => { window.__csv = t; }); return original(blob); };
         return true;",
    )
    .await;
    click(
        &client,
        &format!("//button[normalize-space() = 'Export CSV ({total} users)']"),
    )
    .await;
    wait_until(&client, "the CSV file", "return window.__csv !== null;").await;
    wait_text(&client, &format!("Downloaded {total} users")).await;
    let csv = js(&client, "return window.__csv;").await;
    let csv = csv.as_str().unwrap_or("");
    let rows = parse_csv(csv.trim_start_matches('\u{feff}'));
    assert_eq!(rows[0][..4], ["ID", "First name", "Last name", "Email"]);
    let exported: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[3].clone()))
        .collect();
    let expected: Vec<(String, String)> = nodes
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or("").to_owned(),
                n["email"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(exported, expected, "the file holds what the API lists");
    assert!(rows[1..].iter().all(|r| r[5] == partner), "{csv}");
    client.close().await.expect("close the browser");
}

/// What the page of a user offers its viewer, read from the DOM, in the shape of
/// [`offered_by_api`].
const OFFERED: &str = "
    const shown = (b) => b.getClientRects().length > 0;
    const verb = (b) => b.textContent.trim();
    const head = [...document.querySelectorAll('main button:not([aria-label])')]
        .filter((b) => !b.closest('dialog') && shown(b) && ['Activate', 'Deactivate'].includes(verb(b)));
    const roles = [...document.querySelectorAll('tr[data-id]')].map((tr) => {
        const labelled = (prefix) => [...tr.querySelectorAll('button[aria-label]')]
            .filter((b) => !b.closest('dialog') && b.getAttribute('aria-label').startsWith(prefix + ' '));
        const toggle = [...labelled('Activate'), ...labelled('Deactivate')].map(verb);
        return {
            id: tr.dataset.id,
            changeTo: [...tr.querySelectorAll('select[name=\"to\"] option')].map((o) => o.value).filter(Boolean),
            toggle: toggle.length ? toggle : null,
            delete: labelled('Delete').length > 0,
            nothing: tr.textContent.includes('No action for you'),
        };
    }).sort((a, b) => (a.id < b.id ? -1 : 1));
    return {
        update: [...document.querySelectorAll('main button')].some((b) => verb(b) === 'Edit name and position'),
        setActive: head.map(verb),
        roles,
    };";

const VIEWER_CAN: &str = "query($id: ID!) { user(id: $id) {
    email fullName isActive viewerCanUpdate viewerCanSetActive
    roles { id isActive viewerCanChangeTo viewerCanToggle viewerCanDelete }
} }";

/// What the API says the viewer may do on `user`, in the shape [`OFFERED`] reads.
fn offered_by_api(user: &Value) -> Value {
    let active = user["isActive"].as_bool().unwrap_or(false);
    let mut roles: Vec<Value> = user["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let change = r["viewerCanChangeTo"].clone();
            let toggle = r["viewerCanToggle"] == true;
            let delete = r["viewerCanDelete"] == true;
            let verb = if r["isActive"] == true {
                "Deactivate"
            } else {
                "Activate"
            };
            json!({
                "id": r["id"],
                "changeTo": change,
                "toggle": toggle.then(|| json!([verb])),
                "delete": delete,
                "nothing": change.as_array().is_none_or(Vec::is_empty) && !toggle && !delete,
            })
        })
        .collect();
    roles.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let set_active = if user["viewerCanSetActive"] == true {
        json!([if active { "Deactivate" } else { "Activate" }])
    } else {
        json!([])
    };
    json!({ "update": user["viewerCanUpdate"], "setActive": set_active, "roles": roles })
}

#[tokio::test]
async fn a_user_sees_no_action_the_guard_would_refuse() {
    let app = demo_app().await;
    // Some rows to switch back on: a deactivated user, an inactive role.
    let viewer = user_id(&app, CSA, "CLUSTER", "viewer@alpha.example.org").await;
    let off = app
        .data(
            CSA,
            "mutation($id: ID!) { setUserActive(input: {id: $id, isActive: false}) { errors { code } } }",
            json!({"id": viewer}),
        )
        .await;
    assert_eq!(off["setUserActive"]["errors"], json!([]));
    let ip_viewer = user_id(&app, AO, "IP", "ipviewer@alpha.example.org").await;
    let role = api_user(&app, AO, &ip_viewer).await["roles"][0]["id"].clone();
    let paused = app
        .data(
            AO,
            "mutation($id: ID!) { updateRole(input: {id: $id, isActive: false}) { errors { code } } }",
            json!({"id": role}),
        )
        .await;
    assert_eq!(paused["updateRole"]["errors"], json!([]));

    // Every user, as the system admin sees them, and the admin itself.
    let everyone = app
        .data(
            CSA,
            "{ me { id } users(portal: CLUSTER, first: 100) { nodes { id } } }",
            json!({}),
        )
        .await;
    let mut ids: Vec<String> = everyone["users"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["id"].as_str().map(str::to_owned))
        .collect();
    ids.push(everyone["me"]["id"].as_str().expect("me").to_owned());

    // Each kind of action, seen offered and seen withheld somewhere.
    let mut seen = std::collections::BTreeSet::new();
    for (requester, portal) in [
        (CSA, "CLUSTER"),
        (IMO, "CLUSTER"),
        (MEMBER, "CLUSTER"),
        (AO, "IP"),
        (IP_ADMIN, "IP"),
    ] {
        let Some(client) = browser().await else {
            return;
        };
        open_as(&client, &app, requester, "/admin/profile").await;
        wait_for(&client, "main h1").await;
        let mut opened = 0;
        for id in &ids {
            let user = app.data(requester, VIEWER_CAN, json!({"id": id})).await["user"].clone();
            if user.is_null() {
                continue;
            }
            opened += 1;
            let path = format!("/admin/users/{}?portal={portal}", urlencode(id));
            client.goto(&app.url(&path)).await.expect("open the user");
            wait_until(
                &client,
                &format!("{requester} opens {}", user["email"]),
                &format!(
                    "const h = document.querySelector('main h1');
                     return !!h && h.textContent.trim().startsWith({}) && decodeURIComponent(location.pathname.split('/')[3]) === {};",
                    json!(user["fullName"]),
                    json!(id)
                ),
            )
            .await;
            let expected = offered_by_api(&user);
            let shown = js(&client, OFFERED).await;
            assert_eq!(
                shown, expected,
                "{requester} on {}: the page offers what the API allows",
                user["email"]
            );
            for (kind, yes) in [
                ("update", user["viewerCanUpdate"] == true),
                ("set active", user["viewerCanSetActive"] == true),
            ] {
                seen.insert((kind, yes));
            }
            for r in user["roles"].as_array().into_iter().flatten() {
                seen.insert(("toggle", r["viewerCanToggle"] == true));
                seen.insert(("delete", r["viewerCanDelete"] == true));
                seen.insert((
                    "change",
                    r["viewerCanChangeTo"]
                        .as_array()
                        .is_some_and(|a| !a.is_empty()),
                ));
            }
        }
        assert!(opened > 1, "{requester} can open other users");
        client.close().await.expect("close the browser");
    }
    for kind in ["update", "set active", "toggle", "delete", "change"] {
        for yes in [true, false] {
            assert!(
                seen.contains(&(kind, yes)),
                "no page where {kind} is {}: the comparison proves little",
                if yes { "offered" } else { "withheld" }
            );
        }
    }
}

/// `encodeURIComponent` for an opaque id (base64 and its padding).
fn urlencode(id: &str) -> String {
    id.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' => c.to_string(),
            c => format!("%{:02X}", c as u32),
        })
        .collect()
}

/// The grant matrix as shown: per scope row, the roles whose cell says "can grant", and those
/// that say "cannot grant" (cells that do not apply are left out).
async fn matrix(client: &Client) -> Vec<(String, Vec<String>, Vec<String>)> {
    let rows = js(
        client,
        "const heads = [...document.querySelectorAll('table.grant-matrix thead th')].slice(1).map(th => th.textContent.trim());
         return [...document.querySelectorAll('table.grant-matrix tbody tr')].map(tr => [
           tr.querySelector('th').textContent.trim(),
           [...tr.querySelectorAll('td')].map((td, i) => [heads[i], td.textContent.trim()]),
         ]);",
    )
    .await;
    rows.as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let cells = row[1].as_array().cloned().unwrap_or_default();
            // A cell reads "✓ can grant", "— cannot grant" or "· not applicable".
            let with = |said: &str| -> Vec<String> {
                cells
                    .iter()
                    .filter(|c| c[1].as_str().is_some_and(|t| t.ends_with(said)))
                    .map(|c| role_type(c[0].as_str().unwrap_or("")).to_owned())
                    .collect()
            };
            (
                row[0].as_str().unwrap_or("").to_owned(),
                with("can grant"),
                with("cannot grant"),
            )
        })
        .collect()
}

/// The matrix rows the API's assignableRoles implies for these scopes (None: the scope-less
/// question).
async fn api_matrix(
    app: &TestApp,
    requester: &str,
    user: &str,
    scopes: &[(Option<(&str, String)>, String)],
    roles: &[&str],
) -> Vec<(String, Vec<String>, Vec<String>)> {
    let mut rows = Vec::new();
    for (scope, title) in scopes {
        let (query, variables) = match scope {
            Some((arg, id)) => (
                format!("query($u: ID!, $s: ID) {{ assignableRoles(userId: $u, {arg}: $s) }}"),
                json!({"u": user, "s": id}),
            ),
            None => (
                "query($u: ID!) { assignableRoles(userId: $u) }".to_owned(),
                json!({"u": user}),
            ),
        };
        let can = strings(&app.data(requester, &query, variables).await["assignableRoles"]);
        let (mut yes, mut no) = (Vec::new(), Vec::new());
        for role in roles {
            if (*role == "CLUSTER_SYSTEM_ADMIN") != scope.is_none() {
                continue;
            }
            if can.iter().any(|c| c == role) {
                yes.push((*role).to_owned());
            } else {
                no.push((*role).to_owned());
            }
        }
        assert!(
            can.iter().all(|c| yes.contains(c)),
            "{title}: the API offers {can:?}, the matrix has columns for {yes:?}"
        );
        rows.push((title.clone(), yes, no));
    }
    rows
}

#[tokio::test]
async fn a_system_admin_reads_the_grant_matrix_and_an_officer_its_audit_log_and_profile_as_the_api_answers(
) {
    let Some(client) = browser().await else {
        return;
    };
    let app = demo_app().await;
    let member = user_id(&app, CSA, "CLUSTER", MEMBER).await;

    // What the system admin can grant the member, cluster by cluster.
    let clusters = assignable_clusters(&app, CSA).await;
    let mut scopes: Vec<(Option<(&str, String)>, String)> = clusters
        .iter()
        .map(|(id, title)| (Some(("clusterId", id.clone())), title.clone()))
        .collect();
    scopes.push((None, "Everywhere (no scope)".to_owned()));
    let cluster_roles = [
        "CLUSTER_SYSTEM_ADMIN",
        "CLUSTER_IMO",
        "CLUSTER_COORDINATOR",
        "CLUSTER_MEMBER",
        "CLUSTER_VIEWER",
    ];
    let expected = api_matrix(&app, CSA, &member, &scopes, &cluster_roles).await;
    let some = expected[..clusters.len()]
        .iter()
        .filter(|(_, yes, _)| !yes.is_empty())
        .count();
    assert!(
        some > 0 && some < clusters.len(),
        "some clusters grant something, some nothing: {expected:?}"
    );
    open_as(
        &client,
        &app,
        CSA,
        &format!("/admin/users/{}?portal=CLUSTER", urlencode(&member)),
    )
    .await;
    click(&client, &link("What can I grant")).await;
    find(
        &client,
        "//h1[normalize-space() = 'What can I grant to Mona Member']",
    )
    .await;
    wait_for(&client, "table.grant-matrix").await;
    assert_eq!(matrix(&client).await, expected);
    wait_text(
        &client,
        &format!(
            "You can grant something in {some} of the {} clusters where you may assign roles.",
            clusters.len()
        ),
    )
    .await;
    assert_accessible(&client, "grant matrix").await;
    readme_screenshot(&client, "console-grant.png").await;

    // The IP side: the system admin has no partner, so no IP role is its to give.
    let workspaces = app
        .data(CSA, "{ workspaces { id title } }", json!({}))
        .await;
    let scopes: Vec<(Option<(&str, String)>, String)> = workspaces["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            (
                Some(("workspaceId", w["id"].as_str().unwrap_or("").to_owned())),
                w["title"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let ip_roles = [
        "IP_AUTHORIZED_OFFICER",
        "IP_ADMIN",
        "IP_EDITOR",
        "IP_VIEWER",
    ];
    let expected = api_matrix(&app, CSA, &member, &scopes, &ip_roles).await;
    click(&client, &link("IP roles")).await;
    wait_text(
        &client,
        &format!(
            "You can grant something in 0 of the {} workspaces you work in.",
            scopes.len()
        ),
    )
    .await;
    assert_eq!(matrix(&client).await, expected);

    // The officer's audit log: what it did and what happened to the users it sees.
    let newcomer = user_id(&app, AO, "IP", "newcomer@alpha.example.org").await;
    let syria =
        app.data(AO, "{ workspaces { id } }", json!({})).await["workspaces"][0]["id"].clone();
    let given = app
        .data(
            AO,
            "mutation($u: ID!, $w: ID!) { createRoles(input: {userId: $u, roles: [{role: IP_VIEWER, workspaceId: $w}]}) { errors { code } } }",
            json!({"u": newcomer, "w": syria}),
        )
        .await;
    assert_eq!(given["createRoles"]["errors"], json!([]));
    let events = |filter: Value| {
        let app = &app;
        async move {
            let page = app
                .data(
                    AO,
                    "query($f: AuditEventFilter) { auditEvents(filter: $f, first: 25) { totalCount nodes { action } } }",
                    json!({"f": filter}),
                )
                .await;
            let actions: Vec<String> = page["auditEvents"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n["action"].as_str().map(str::to_owned))
                .collect();
            (
                actions,
                page["auditEvents"]["totalCount"].as_i64().unwrap_or(-1),
            )
        }
    };
    let shown_actions = || async {
        strings(
            &js(
                &client,
                "return [...document.querySelectorAll('li.audit-event .audit-action code')].map(c => c.textContent.trim());",
            )
            .await,
        )
    };
    let summary_of = |actions: &[String], total: i64| {
        format!(
            "{} of {total} {}, newest first",
            actions.len(),
            if total == 1 { "event" } else { "events" }
        )
    };
    let (all, total) = events(json!({})).await;
    assert_eq!(all.first().map(String::as_str), Some("role.create"));
    open_as(&client, &app, AO, "/admin/audit").await;
    let wanted = summary_of(&all, total);
    wait_until(
        &client,
        "the audit log's first page",
        &format!(
            "return document.querySelector('p.summary[aria-busy=\"false\"]')?.textContent.trim() === {};",
            json!(wanted)
        ),
    )
    .await;
    assert_eq!(shown_actions().await, all, "the events in the API's order");
    assert_accessible(&client, "audit log").await;
    readme_screenshot(&client, "console-audit.png").await;

    let ao_id = app.data(AO, "{ me { id } }", json!({})).await["me"]["id"].clone();
    let (mine, mine_total) = events(json!({"actorId": ao_id})).await;
    assert!(
        mine_total >= 1 && mine_total < total,
        "{mine_total} of {total}"
    );
    click(&client, &button("Events by me")).await;
    let wanted = summary_of(&mine, mine_total);
    wait_until(
        &client,
        "the events by the officer",
        &format!(
            "return document.querySelector('p.summary[aria-busy=\"false\"]')?.textContent.trim() === {};",
            json!(wanted)
        ),
    )
    .await;
    assert_eq!(shown_actions().await, mine);

    // The officer's profile lists its roles as `me` does.
    click(&client, "//a[@title = 'My profile']").await;
    find(&client, "//h1[normalize-space() = 'My profile']").await;
    let me = app
        .data(
            AO,
            "{ me { email roles { roleDisplay isActive workspace { title } cluster { fullTitle } } } }",
            json!({}),
        )
        .await;
    let expected: Vec<Vec<String>> = me["me"]["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let scope = r["workspace"]["title"]
                .as_str()
                .or(r["cluster"]["fullTitle"].as_str())
                .unwrap_or("Everywhere");
            let portal = if r["workspace"].is_null() {
                "Cluster"
            } else {
                "IP"
            };
            let active = if r["isActive"] == true {
                "Active"
            } else {
                "Inactive"
            };
            vec![
                r["roleDisplay"].as_str().unwrap_or("").to_owned(),
                scope.to_owned(),
                portal.to_owned(),
                active.to_owned(),
            ]
        })
        .collect();
    let shown: Vec<Vec<String>> = serde_json::from_value(
        js(
            &client,
            "return [...document.querySelectorAll('table.list tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));",
        )
        .await,
    )
    .unwrap_or_default();
    assert_eq!(shown, expected);
    assert!(text(&client).await.contains(AO));
    assert_accessible(&client, "profile").await;
    client.close().await.expect("close the browser");
}

/// Whether the element at `xpath` can be seen and reached on the screen: scrolled to, it lies
/// within the viewport's width and nothing covers its centre.
async fn on_screen(client: &Client, xpath: &str) -> bool {
    find(client, xpath).await;
    let reachable = client
        .execute(
            "const el = document.evaluate(arguments[0], document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
             el.scrollIntoView({ block: 'center', inline: 'nearest' });
             const r = el.getBoundingClientRect();
             if (r.width === 0 || r.height === 0 || r.left < 0 || r.right > window.innerWidth) return false;
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return !!top && (el === top || el.contains(top) || top.contains(el));",
            vec![json!(xpath)],
        )
        .await
        .expect("script runs");
    reachable == json!(true)
}

async fn assert_fits(client: &Client, screen: &str) {
    let widths = js(
        client,
        "return [window.innerWidth, document.documentElement.scrollWidth];",
    )
    .await;
    assert_eq!(widths[0], json!(390), "the phone's width");
    assert!(
        widths[1].as_i64().unwrap_or(i64::MAX) <= 390,
        "{screen} scrolls sideways on a phone: {widths}"
    );
}

#[tokio::test]
async fn on_a_phone_the_users_list_and_a_user_page_fit_the_screen_and_a_role_can_be_changed() {
    let Some(client) = phone(390, 844).await else {
        return;
    };
    let app = demo_app().await;
    open_as(&client, &app, CSA, "/admin/users?portal=CLUSTER").await;
    let (_, total) = api_emails(&app, CSA, "portal: CLUSTER").await;
    assert_eq!(summary(&client).await, format!("1–{total} of {total}"));
    assert_fits(&client, "the users list").await;
    for action in [
        link("Add user"),
        link("Mona Member"),
        format!("//button[normalize-space() = 'Export CSV ({total} users)']"),
        labelled("Name or email"),
        "//nav//a[normalize-space() = 'Audit log']".to_owned(),
        button("Sign out"),
    ] {
        assert!(
            on_screen(&client, &action).await,
            "{action} is on the phone's screen"
        );
    }

    click(&client, &link("Mona Member")).await;
    find(
        &client,
        "//h1[starts-with(normalize-space(), 'Mona Member')]",
    )
    .await;
    let member = id_in_url(&client).await;
    let role = api_user(&app, CSA, &member).await["roles"][0].clone();
    let health = role["cluster"]["fullTitle"].as_str().expect("a cluster");
    let role_id = role["id"].as_str().expect("a role");
    assert_fits(&client, "a user's page").await;
    for action in [
        link("What can I grant"),
        button("Edit name and position"),
        user_button("Deactivate"),
        named(&format!("Change Cluster Member in {health} to")),
        format!("//tr[@data-id = '{role_id}']//button[normalize-space() = 'Change']"),
        named(&format!("Deactivate Cluster Member in {health}")),
        named(&format!("Delete Cluster Member in {health}")),
        button("Add roles"),
    ] {
        assert!(
            on_screen(&client, &action).await,
            "{action} is on the phone's screen"
        );
    }
    js(&client, "window.scrollTo(0, 0); return true;").await;
    screenshot(&client, "console-mobile.png").await;

    choose(
        &client,
        &named(&format!("Change Cluster Member in {health} to")),
        "Cluster Viewer",
    )
    .await;
    click(
        &client,
        &format!("//tr[@data-id = '{role_id}']//button[normalize-space() = 'Change']"),
    )
    .await;
    wait_text(
        &client,
        &format!("Mona Member is now Cluster Viewer in {health}."),
    )
    .await;
    assert_fits(&client, "a user's page after a change").await;
    let role = api_user(&app, CSA, &member).await["roles"][0].clone();
    assert_eq!(role["id"], json!(role_id));
    assert_eq!(role["role"], "CLUSTER_VIEWER");
    client.close().await.expect("close the browser");
}

#[test]
fn csv_cells_with_quotes_commas_and_line_breaks_are_read_back() {
    let rows = parse_csv("a,\"b, c\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",,x");
    assert_eq!(
        rows,
        vec![
            vec!["a", "b, c", "say \"hi\""],
            vec!["two\r\nlines", "", "x"],
        ]
    );
}
