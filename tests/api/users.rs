//! Users: who sees whom (contract §3), the derived fields and filters, and the user
//! mutations with their rules, audit and invitations (§5, §6, §7).

use idm::domain::{ClusterType, RoleType};
use idm::ids::Kind;
use serde_json::{json, Value};

use crate::fixtures::{fields, query_error};
use crate::helpers::{app_with_admin, gid, TestApp};

const USERS: &str = "query($portal: Portal!, $filter: UserFilter) { users(portal: $portal, filter: $filter, first: 100) { totalCount nodes { email } } }";
const USER: &str = "query($id: ID!) { user(id: $id) { email } }";
const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on User { email } } }";
const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email firstName lastName position status isIncomplete userType partner { title } roles { role } } errors { code field message } } }";
const UPDATE_USER: &str = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { firstName lastName fullName position } errors { code field } } }";
const SET_ACTIVE: &str = "mutation($input: SetUserActiveInput!) { setUserActive(input: $input) { user { email isActive status } errors { code field } } }";

/// Roles given to a built user, as (role, workspace, cluster).
type Grants = Vec<(RoleType, Option<i64>, Option<i64>)>;

/// The sorted emails `who` sees on `portal` with `filter`; panics on a GraphQL error.
async fn listed(app: &TestApp, who: &str, portal: &str, filter: Value) -> Vec<String> {
    let d = app
        .execute_data(who, USERS, json!({"portal": portal, "filter": filter}))
        .await;
    let mut emails: Vec<String> = d["users"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["email"].as_str().expect("email").to_owned())
        .collect();
    assert_eq!(d["users"]["totalCount"], emails.len(), "{d}");
    emails.sort();
    emails
}

fn sorted(emails: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = emails.iter().map(|e| (*e).to_owned()).collect();
    v.sort();
    v
}

/// Everyone of the visibility tests: two partners, three workspaces, two clusters.
struct World {
    ws2: i64,
    p: i64,
    q: i64,
    ids: std::collections::HashMap<&'static str, i64>,
}

const ALL: [&str; 14] = [
    "csa@un.org",
    "imo@un.org",
    "member@p.org",
    "ao@p.org",
    "admin@p.org",
    "editor@p.org",
    "viewer3@p.org",
    "bare@p.org",
    "clusterviewer@p.org",
    "dormant@p.org",
    "editor@q.org",
    "bare@q.org",
    "nobody@un.org",
    "ao-inactive@p.org",
];

async fn world(app: &TestApp) -> World {
    let ws1 = app.workspace("W1").await;
    let ws2 = app.workspace("W2").await;
    let ws3 = app.workspace("W3").await;
    let c1 = app.cluster(ws1, ClusterType::Health).await;
    let c2 = app.cluster(ws2, ClusterType::Wash).await;
    let p = app.partner("Partner P").await;
    let q = app.partner("Partner Q").await;
    use RoleType::*;
    let mut ids = std::collections::HashMap::new();
    let specs: Vec<(&'static str, Option<i64>, Grants)> = vec![
        ("csa@un.org", None, vec![(ClusterSystemAdmin, None, None)]),
        ("imo@un.org", None, vec![(ClusterImo, None, Some(c1))]),
        (
            "member@p.org",
            Some(p),
            vec![(ClusterMember, None, Some(c1))],
        ),
        (
            "ao@p.org",
            Some(p),
            vec![(IpAuthorizedOfficer, Some(ws1), None)],
        ),
        ("admin@p.org", Some(p), vec![(IpAdmin, Some(ws2), None)]),
        ("editor@p.org", Some(p), vec![(IpEditor, Some(ws1), None)]),
        ("viewer3@p.org", Some(p), vec![(IpViewer, Some(ws3), None)]),
        ("bare@p.org", Some(p), vec![]),
        (
            "clusterviewer@p.org",
            Some(p),
            vec![(ClusterViewer, None, Some(c2))],
        ),
        ("editor@q.org", Some(q), vec![(IpEditor, Some(ws1), None)]),
        ("bare@q.org", Some(q), vec![]),
        ("nobody@un.org", None, vec![]),
    ];
    for (email, partner, grants) in specs {
        ids.insert(email, app.user(email, partner, &grants).await);
    }
    // A role row that is inactive still counts for the target...
    let dormant = app.user("dormant@p.org", Some(p), &[]).await;
    app.role(dormant, IpEditor, Some(ws1), None, false).await;
    ids.insert("dormant@p.org", dormant);
    // ...but grants its holder nothing.
    let ao_inactive = app.user("ao-inactive@p.org", Some(p), &[]).await;
    app.role(ao_inactive, IpAuthorizedOfficer, Some(ws1), None, false)
        .await;
    ids.insert("ao-inactive@p.org", ao_inactive);
    World { ws2, p, q, ids }
}

fn everyone_but(who: &str) -> Vec<String> {
    let others: Vec<&str> = ALL.iter().copied().filter(|e| *e != who).collect();
    sorted(&others)
}

#[tokio::test]
async fn system_admins_and_imos_see_every_other_user_on_the_cluster_portal() {
    let app = TestApp::spawn().await;
    world(&app).await;
    for who in ["csa@un.org", "imo@un.org"] {
        assert_eq!(
            listed(&app, who, "CLUSTER", json!(null)).await,
            everyone_but(who),
            "{who}"
        );
    }
}

#[tokio::test]
async fn a_cluster_member_sees_the_users_of_its_own_partner_only() {
    let app = TestApp::spawn().await;
    world(&app).await;
    assert_eq!(
        listed(&app, "member@p.org", "CLUSTER", json!(null)).await,
        sorted(&[
            "ao@p.org",
            "admin@p.org",
            "editor@p.org",
            "viewer3@p.org",
            "bare@p.org",
            "clusterviewer@p.org",
            "dormant@p.org",
            "ao-inactive@p.org",
        ])
    );
}

#[tokio::test]
async fn an_authorized_officer_sees_same_partner_users_of_its_workspaces_without_roles_or_with_cluster_roles(
) {
    let app = TestApp::spawn().await;
    world(&app).await;
    assert_eq!(
        listed(&app, "ao@p.org", "IP", json!(null)).await,
        sorted(&[
            "editor@p.org",
            "dormant@p.org",
            "bare@p.org",
            "member@p.org",
            "clusterviewer@p.org",
            "ao-inactive@p.org",
        ])
    );
}

#[tokio::test]
async fn an_ip_admin_sees_same_partner_users_of_its_own_workspaces_only() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    app.user(
        "viewer2@p.org",
        Some(w.p),
        &[(RoleType::IpViewer, Some(w.ws2), None)],
    )
    .await;
    app.user(
        "viewer2@q.org",
        Some(w.q),
        &[(RoleType::IpViewer, Some(w.ws2), None)],
    )
    .await;
    assert_eq!(
        listed(&app, "admin@p.org", "IP", json!(null)).await,
        sorted(&[
            "viewer2@p.org",
            "bare@p.org",
            "member@p.org",
            "clusterviewer@p.org",
        ])
    );
}

#[tokio::test]
async fn users_is_forbidden_to_anyone_no_portal_rule_lets_in() {
    let app = TestApp::spawn().await;
    world(&app).await;
    let cases = [
        ("editor@p.org", "IP"),
        ("editor@p.org", "CLUSTER"),
        ("ao@p.org", "CLUSTER"),
        ("member@p.org", "IP"),
        ("clusterviewer@p.org", "CLUSTER"),
        ("csa@un.org", "IP"),
        ("imo@un.org", "IP"),
        ("nobody@un.org", "CLUSTER"),
        ("ao-inactive@p.org", "IP"),
    ];
    for (who, portal) in cases {
        let body = app
            .execute(who, USERS, json!({"portal": portal, "filter": null}))
            .await;
        assert_eq!(query_error(&body), "FORBIDDEN", "{who} on {portal}: {body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }
}

#[tokio::test]
async fn user_and_node_show_only_whom_the_requester_may_list_and_itself() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let id = |email: &str| gid(Kind::User, w.ids[email]);
    let cases = [
        ("ao@p.org", "editor@p.org", true),
        ("ao@p.org", "bare@p.org", true),
        ("ao@p.org", "viewer3@p.org", false),
        ("ao@p.org", "admin@p.org", false),
        ("ao@p.org", "editor@q.org", false),
        ("ao@p.org", "nobody@un.org", false),
        ("ao@p.org", "ao@p.org", true),
        ("editor@p.org", "editor@p.org", true),
        ("editor@p.org", "ao@p.org", false),
        ("editor@p.org", "bare@p.org", false),
        ("member@p.org", "viewer3@p.org", true),
        ("member@p.org", "editor@q.org", false),
        ("admin@p.org", "ao@p.org", false),
        ("imo@un.org", "nobody@un.org", true),
        ("ao-inactive@p.org", "bare@p.org", false),
    ];
    for (who, target, visible) in cases {
        for query in [USER, NODE] {
            let d = app
                .execute_data(who, query, json!({"id": id(target)}))
                .await;
            let found = d.as_object().and_then(|o| o.values().next()).cloned();
            let expected = if visible { json!(target) } else { Value::Null };
            assert_eq!(
                found.map(|u| u["email"].clone()).unwrap_or(Value::Null),
                expected,
                "{who} looking at {target}"
            );
        }
    }
    let d = app
        .execute_data("csa@un.org", USER, json!({"id": gid(Kind::User, 9999)}))
        .await;
    assert_eq!(d["user"], Value::Null);
}

#[tokio::test]
async fn a_malformed_or_mistyped_user_id_is_bad_user_input() {
    let (app, csa) = app_with_admin().await;
    let partner = app.partner("P").await;
    for id in [
        "not-an-id".to_owned(),
        "".to_owned(),
        gid(Kind::Partner, partner),
    ] {
        let body = app.execute(csa, USER, json!({"id": id})).await;
        assert_eq!(query_error(&body), "BAD_USER_INPUT", "{id}: {body}");
    }
    let body = app.execute(csa, NODE, json!({"id": "bm9wZQ"})).await;
    assert_eq!(query_error(&body), "BAD_USER_INPUT", "{body}");
}

#[tokio::test]
async fn derived_status_user_type_and_full_name_follow_roles_partner_and_sign_ins() {
    let (app, csa) = app_with_admin().await;
    let (ws, c) = app.health_cluster("W1").await;
    let p = app.partner("P").await;
    use RoleType::*;
    let admin = app
        .user(
            "admin2@un.org",
            None,
            &[
                (ClusterSystemAdmin, None, None),
                (ClusterImo, None, Some(c)),
            ],
        )
        .await;
    let imo = app
        .user("imo@un.org", None, &[(ClusterImo, None, Some(c))])
        .await;
    let partnered = app.user("partnered@p.org", Some(p), &[]).await;
    let ip_only = app
        .user("ip@un.org", None, &[(IpViewer, Some(ws), None)])
        .await;
    let nobody = app.user("nobody@un.org", None, &[]).await;
    let signed_in = app
        .user("active@p.org", Some(p), &[(ClusterMember, None, Some(c))])
        .await;
    app.set_last_login(signed_in, Some(chrono::Utc::now()))
        .await;
    let gone = app
        .user("gone@p.org", Some(p), &[(ClusterMember, None, Some(c))])
        .await;
    app.set_last_login(gone, Some(chrono::Utc::now())).await;
    app.deactivate(gone).await;
    let dormant = app.user("dormant@p.org", Some(p), &[]).await;
    app.role(dormant, IpEditor, Some(ws), None, false).await;
    let login_no_roles = app.user("loginonly@p.org", Some(p), &[]).await;
    app.set_last_login(login_no_roles, Some(chrono::Utc::now()))
        .await;
    let cases = [
        (admin, "INVITED", json!("CLUSTER_ADMIN"), false),
        (imo, "INVITED", json!("IMO"), false),
        (partnered, "INCOMPLETE", json!("PARTNER"), true),
        (ip_only, "INVITED", json!("PARTNER"), false),
        (nobody, "INCOMPLETE", Value::Null, true),
        (signed_in, "ACTIVE", json!("PARTNER"), false),
        (gone, "DEACTIVATED", json!("PARTNER"), false),
        (dormant, "INVITED", json!("PARTNER"), false),
        (login_no_roles, "INCOMPLETE", json!("PARTNER"), true),
    ];
    for (id, status, user_type, incomplete) in cases {
        let d = app
            .execute_data(
                csa,
                "query($id: ID!) { user(id: $id) { email fullName firstName lastName status userType isIncomplete isActive } }",
                json!({"id": gid(Kind::User, id)}),
            )
            .await;
        let u = &d["user"];
        assert_eq!(u["status"], status, "{u}");
        assert_eq!(u["userType"], user_type, "{u}");
        assert_eq!(u["isIncomplete"], incomplete, "{u}");
        assert_eq!(
            u["fullName"],
            format!(
                "{} {}",
                u["firstName"].as_str().unwrap_or(""),
                u["lastName"].as_str().unwrap_or("")
            ),
            "{u}"
        );
    }
}

#[tokio::test]
async fn roles_of_a_user_can_be_narrowed_to_one_portal() {
    let (app, csa) = app_with_admin().await;
    let (ws, c) = app.health_cluster("W1").await;
    let id = app
        .user(
            "both@un.org",
            None,
            &[
                (RoleType::IpEditor, Some(ws), None),
                (RoleType::ClusterMember, None, Some(c)),
            ],
        )
        .await;
    let d = app
        .execute_data(
            csa,
            "query($id: ID!) { user(id: $id) { ip: roles(portal: IP) { role portal roleDisplay workspace { workspaceCode } cluster { id } } cluster: roles(portal: CLUSTER) { role portal roleDisplay cluster { title } workspace { id } } all: roles { role } } }",
            json!({"id": gid(Kind::User, id)}),
        )
        .await;
    assert_eq!(
        d["user"]["ip"],
        json!([{"role": "IP_EDITOR", "portal": "IP", "roleDisplay": "IP Editor", "workspace": {"workspaceCode": "W1"}, "cluster": null}])
    );
    assert_eq!(
        d["user"]["cluster"],
        json!([{"role": "CLUSTER_MEMBER", "portal": "CLUSTER", "roleDisplay": "Cluster Member", "cluster": {"title": "Health"}, "workspace": null}])
    );
    assert_eq!(d["user"]["all"].as_array().map(Vec::len), Some(2));
}

/// Users for the filter tests, seen by the system admin on the cluster portal.
struct FilterWorld {
    ws1: i64,
    ws2: i64,
    c1: i64,
    c2: i64,
    p: i64,
    q: i64,
}

async fn filter_world(app: &TestApp) -> FilterWorld {
    use RoleType::*;
    let ws1 = app.workspace("W1").await;
    let ws2 = app.workspace("W2").await;
    let c1 = app.cluster(ws1, ClusterType::Health).await;
    let c2 = app.cluster(ws2, ClusterType::Wash).await;
    let p = app.partner("Partner P").await;
    let q = app.partner("Partner Q").await;
    let split = app
        .user(
            "split@p.org",
            Some(p),
            &[(IpEditor, Some(ws1), None), (IpViewer, Some(ws2), None)],
        )
        .await;
    app.set_last_login(split, Some(chrono::Utc::now())).await;
    app.user("editor2@q.org", Some(q), &[(IpEditor, Some(ws2), None)])
        .await;
    app.user(
        "coord@q.org",
        Some(q),
        &[
            (ClusterCoordinator, None, Some(c1)),
            (ClusterMember, None, Some(c2)),
        ],
    )
    .await;
    app.user("member1@p.org", Some(p), &[(ClusterMember, None, Some(c1))])
        .await;
    let gone = app
        .user("gone@p.org", Some(p), &[(ClusterMember, None, Some(c2))])
        .await;
    app.deactivate(gone).await;
    app.user("bare@un.org", None, &[]).await;
    let named = app.user("x7@un.org", None, &[]).await;
    let mut u = app.stored_user(named).await;
    u.first_name = "Amal".into();
    u.last_name = "Haddad".into();
    idm::users::store::update(&app.db, u).await.expect("update");
    FilterWorld {
        ws1,
        ws2,
        c1,
        c2,
        p,
        q,
    }
}

/// nameEmail follows every write of a user's name and email (on SQLite through a trigram
/// index kept by triggers, which the page statement reads): a renamed user is found by its
/// new name only, a changed email likewise, a deleted user not at all; quotes and LIKE
/// wildcards in the term are plain characters.
#[tokio::test]
async fn search_follows_renames_and_email_changes_and_takes_quotes_and_wildcards_as_text() {
    let (app, csa) = app_with_admin().await;
    let search = |term: &'static str| {
        let app = &app;
        async move { listed(app, csa, "CLUSTER", json!({"nameEmail": term})).await }
    };
    let ann = app.user("ann.o\"neil@x.org", None, &[]).await;
    let sure = app.user("sure@x.org", None, &[]).await;
    let gone = app.user("gone.person@x.org", None, &[]).await;
    let mut u = app.stored_user(sure).await;
    u.last_name = "100%_Sure".into();
    idm::users::store::update(&app.db, u).await.expect("update");
    assert_eq!(search("O\"NEI").await, sorted(&["ann.o\"neil@x.org"]));
    assert_eq!(search("100%_s").await, sorted(&["sure@x.org"]));
    assert_eq!(search("100x").await, sorted(&[]));
    assert_eq!(search("gone.per").await, sorted(&["gone.person@x.org"]));

    let rename = format!(
        "UPDATE app_user SET first_name = 'Anna', last_name = 'Jones', \
         email = 'anna.jones@x.org' WHERE id = {ann}"
    );
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &rename)
        .await
        .expect("rename");
    assert_eq!(search("neil").await, sorted(&[]));
    assert_eq!(search("anna jon").await, sorted(&["anna.jones@x.org"]));
    assert_eq!(search("jones@").await, sorted(&["anna.jones@x.org"]));
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        &format!("DELETE FROM app_user WHERE id = {gone}"),
    )
    .await
    .expect("delete");
    assert_eq!(search("gone.per").await, sorted(&[]));

    let mark = app.statement_mark();
    search("anna").await;
    let reads_index = app
        .statements_since(mark)
        .iter()
        .any(|s| s.contains("user_search MATCH"));
    let sqlite = app.db.get_database_backend() == sea_orm::DbBackend::Sqlite;
    assert_eq!(reads_index, sqlite);
}

#[tokio::test]
async fn each_user_filter_narrows_the_list_and_they_combine_with_and() {
    let (app, csa) = app_with_admin().await;
    let w = filter_world(&app).await;
    let ws = |id| gid(Kind::Workspace, id);
    let cl = |id| gid(Kind::Cluster, id);
    let pa = |id| gid(Kind::Partner, id);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"nameEmail": "AMAL h"}), vec!["x7@un.org"]),
        (
            json!({"nameEmail": "Q.ORG"}),
            vec!["coord@q.org", "editor2@q.org"],
        ),
        (json!({"nameEmail": "  split "}), vec!["split@p.org"]),
        (json!({"nameEmail": "%"}), vec![]),
        (json!({"statuses": ["DEACTIVATED"]}), vec!["gone@p.org"]),
        (json!({"statuses": ["ACTIVE"]}), vec!["split@p.org"]),
        (
            json!({"statuses": ["INCOMPLETE"]}),
            vec!["bare@un.org", "x7@un.org"],
        ),
        (
            json!({"statuses": ["INVITED"]}),
            vec!["coord@q.org", "editor2@q.org", "member1@p.org"],
        ),
        (
            json!({"partnerIds": [pa(w.p)]}),
            vec!["gone@p.org", "member1@p.org", "split@p.org"],
        ),
        (
            json!({"partnerIds": [pa(w.p), pa(w.q)], "statuses": ["INVITED"]}),
            vec!["coord@q.org", "editor2@q.org", "member1@p.org"],
        ),
        (
            json!({"roles": ["IP_EDITOR"]}),
            vec!["editor2@q.org", "split@p.org"],
        ),
        (
            json!({"workspaceIds": [ws(w.ws2)]}),
            vec!["editor2@q.org", "split@p.org"],
        ),
        (
            json!({"clusterIds": [cl(w.c2)]}),
            vec!["coord@q.org", "gone@p.org"],
        ),
        (
            json!({"clusterIds": [cl(w.c1), cl(w.c2)], "statuses": ["INVITED"]}),
            vec!["coord@q.org", "member1@p.org"],
        ),
        // one role row must satisfy every role filter at once
        (
            json!({"roles": ["IP_EDITOR"], "workspaceIds": [ws(w.ws2)]}),
            vec!["editor2@q.org"],
        ),
        (
            json!({"roles": ["IP_EDITOR"], "workspaceIds": [ws(w.ws1)]}),
            vec!["split@p.org"],
        ),
        (
            json!({"roles": ["CLUSTER_MEMBER"], "clusterIds": [cl(w.c1)]}),
            vec!["member1@p.org"],
        ),
        (
            json!({"roles": ["CLUSTER_COORDINATOR"], "clusterIds": [cl(w.c2)]}),
            vec![],
        ),
        (
            json!({"roles": ["IP_VIEWER", "CLUSTER_COORDINATOR"], "partnerIds": [pa(w.q)]}),
            vec!["coord@q.org"],
        ),
        (
            json!({"workspaceIds": [ws(w.ws1)], "clusterIds": [cl(w.c1)]}),
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            listed(&app, csa, "CLUSTER", filter.clone()).await,
            sorted(&expected),
            "{filter}"
        );
    }
    let body = app
        .execute(
            csa,
            USERS,
            json!({"portal": "CLUSTER", "filter": {"partnerIds": ["nope"]}}),
        )
        .await;
    assert_eq!(query_error(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .execute(
            csa,
            USERS,
            json!({"portal": "CLUSTER", "filter": {"workspaceIds": [cl(w.c1)]}}),
        )
        .await;
    assert_eq!(query_error(&body), "BAD_USER_INPUT", "{body}");
}

fn create_input(portal: &str, email: &str, extra: Value) -> Value {
    let mut input =
        json!({"portal": portal, "email": email, "firstName": " Nour ", "lastName": "Saleh"});
    if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            i.insert(k.clone(), v.clone());
        }
    }
    json!({ "input": input })
}

#[tokio::test]
async fn an_authorized_officer_invites_a_user_into_its_own_partner_on_the_ip_portal() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("W1").await;
    let p = app.partner("Alpha Relief").await;
    let ao = app.officer("ao@p.org", p, ws).await;
    let d = app
        .execute_data(
            "ao@p.org",
            CREATE_USER,
            create_input("IP", "nour@p.org", json!({"position": "Officer"})),
        )
        .await;
    let out = &d["createUser"];
    assert_eq!(out["errors"], json!([]));
    assert_eq!(
        out["user"],
        json!({
            "id": out["user"]["id"], "email": "nour@p.org", "firstName": "Nour", "lastName": "Saleh",
            "position": "Officer", "status": "INCOMPLETE", "isIncomplete": true, "userType": "PARTNER",
            "partner": {"title": "Alpha Relief"}, "roles": []
        })
    );
    let audit = app.audit().await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "user.create");
    assert_eq!(audit[0].actor_id, Some(ao));
    assert_eq!(audit[0].target_type, "User");
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["email"].clone()),
        Some(json!("nour@p.org"))
    );
    assert_eq!(
        app.outbox().await,
        vec![("invitation".to_owned(), "nour@p.org".to_owned())]
    );
    // the new user, without roles, is in the officer's list
    assert!(listed(&app, "ao@p.org", "IP", json!(null))
        .await
        .contains(&"nour@p.org".to_owned()));
}

#[tokio::test]
async fn an_ip_admin_may_invite_too_but_an_editor_or_a_partnerless_officer_may_not() {
    let app = TestApp::spawn().await;
    let (ws, c) = app.health_cluster("W1").await;
    let p = app.partner("P").await;
    app.user(
        "admin@p.org",
        Some(p),
        &[(RoleType::IpAdmin, Some(ws), None)],
    )
    .await;
    app.user(
        "editor@p.org",
        Some(p),
        &[(RoleType::IpEditor, Some(ws), None)],
    )
    .await;
    app.user(
        "ao@un.org",
        None,
        &[(RoleType::IpAuthorizedOfficer, Some(ws), None)],
    )
    .await;
    app.user(
        "member@p.org",
        Some(p),
        &[(RoleType::ClusterMember, None, Some(c))],
    )
    .await;
    let lapsed = app.user("lapsed@p.org", Some(p), &[]).await;
    app.role(lapsed, RoleType::IpAuthorizedOfficer, Some(ws), None, false)
        .await;
    let d = app
        .execute_data(
            "admin@p.org",
            CREATE_USER,
            create_input("IP", "a@p.org", json!({})),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    for who in ["editor@p.org", "ao@un.org", "member@p.org", "lapsed@p.org"] {
        let input = create_input("IP", "b@p.org", json!({}));
        app.assert_rejected(who, CREATE_USER, input, &["FORBIDDEN"])
            .await;
    }
}

#[tokio::test]
async fn on_the_ip_portal_partner_and_user_type_must_be_left_out() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("W1").await;
    let p = app.partner("P").await;
    app.officer("ao@p.org", p, ws).await;
    for (extra, field) in [
        (json!({"partnerId": gid(Kind::Partner, p)}), "partnerId"),
        (json!({"userType": "PARTNER"}), "userType"),
    ] {
        let input = create_input("IP", "x@p.org", extra);
        app.assert_rejected_at(
            "ao@p.org",
            CREATE_USER,
            input,
            "VALIDATION",
            &["input", field],
        )
        .await;
    }
}

#[tokio::test]
async fn on_the_cluster_portal_user_type_is_required_and_a_partner_user_needs_a_partner() {
    let (app, csa) = app_with_admin().await;
    let cluster = |extra| create_input("CLUSTER", "x@p.org", extra);
    for (extra, field) in [
        (json!({}), "userType"),
        (json!({"userType": "PARTNER"}), "partnerId"),
    ] {
        app.assert_rejected_at(
            csa,
            CREATE_USER,
            cluster(extra),
            "VALIDATION",
            &["input", field],
        )
        .await;
    }
    for (partner, code) in [
        (json!("nope"), "VALIDATION"),
        (json!(gid(Kind::Partner, 404)), "NOT_FOUND"),
    ] {
        let input = cluster(json!({"userType": "PARTNER", "partnerId": partner}));
        app.assert_rejected(csa, CREATE_USER, input, &[code]).await;
    }
}

#[tokio::test]
async fn a_cluster_member_invites_partner_users_of_its_own_partner_only() {
    let app = TestApp::spawn().await;
    let (_, c) = app.health_cluster("W1").await;
    let p = app.partner("P").await;
    let q = app.partner("Q").await;
    app.user(
        "member@p.org",
        Some(p),
        &[(RoleType::ClusterMember, None, Some(c))],
    )
    .await;
    let d = app
        .execute_data(
            "member@p.org",
            CREATE_USER,
            create_input(
                "CLUSTER",
                "new@p.org",
                json!({"userType": "PARTNER", "partnerId": gid(Kind::Partner, p)}),
            ),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    assert_eq!(d["createUser"]["user"]["partner"]["title"], "P");
    assert_eq!(d["createUser"]["user"]["userType"], "PARTNER");
    let other_partner = json!({"userType": "PARTNER", "partnerId": gid(Kind::Partner, q)});
    app.assert_rejected(
        "member@p.org",
        CREATE_USER,
        create_input("CLUSTER", "new@q.org", other_partner),
        &["FORBIDDEN"],
    )
    .await;
    for kind in ["IMO", "CLUSTER_ADMIN"] {
        let input = create_input("CLUSTER", "boss@un.org", json!({"userType": kind}));
        app.assert_rejected("member@p.org", CREATE_USER, input, &["FORBIDDEN"])
            .await;
    }
}

#[tokio::test]
async fn an_imo_invites_partner_users_of_any_partner_but_no_imos_or_admins() {
    let app = TestApp::spawn().await;
    let (_, c) = app.health_cluster("W1").await;
    let q = app.partner("Q").await;
    app.user("imo@un.org", None, &[(RoleType::ClusterImo, None, Some(c))])
        .await;
    let d = app
        .execute_data(
            "imo@un.org",
            CREATE_USER,
            create_input(
                "CLUSTER",
                "new@q.org",
                json!({"userType": "PARTNER", "partnerId": gid(Kind::Partner, q)}),
            ),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    for kind in ["IMO", "CLUSTER_ADMIN"] {
        let input = create_input("CLUSTER", "boss@un.org", json!({"userType": kind}));
        app.assert_rejected("imo@un.org", CREATE_USER, input, &["FORBIDDEN"])
            .await;
    }
}

#[tokio::test]
async fn a_system_admin_creates_imo_and_cluster_admin_users_without_a_partner() {
    let (app, csa) = app_with_admin().await;
    let p = app.partner("P").await;
    let d = app
        .execute_data(
            csa,
            CREATE_USER,
            create_input("CLUSTER", "imo@un.org", json!({"userType": "IMO"})),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    assert_eq!(d["createUser"]["user"]["partner"], Value::Null);
    assert_eq!(d["createUser"]["user"]["roles"], json!([]));
    let d = app
        .execute_data(
            csa,
            CREATE_USER,
            create_input(
                "CLUSTER",
                "boss@un.org",
                json!({"userType": "CLUSTER_ADMIN"}),
            ),
        )
        .await;
    let out = &d["createUser"];
    assert_eq!(out["errors"], json!([]));
    assert_eq!(
        out["user"]["roles"],
        json!([{"role": "CLUSTER_SYSTEM_ADMIN"}])
    );
    assert_eq!(out["user"]["userType"], "CLUSTER_ADMIN");
    assert_eq!(out["user"]["status"], "INVITED");
    assert_eq!(out["user"]["isIncomplete"], false);
    assert_eq!(
        app.audit_actions().await,
        ["user.create", "user.create", "role.create"]
    );
    // the invitation, and for the admin the notice of the role it was given (contract §7)
    let notices: Vec<(String, String)> = app.outbox().await;
    let expected: Vec<(String, String)> = [
        ("invitation", "imo@un.org"),
        ("invitation", "boss@un.org"),
        ("role_assigned", "boss@un.org"),
    ]
    .iter()
    .map(|(k, to)| ((*k).to_owned(), (*to).to_owned()))
    .collect();
    assert_eq!(notices, expected);
    // the new admin holds the authority at once
    let d = app
        .execute_data("boss@un.org", USERS, json!({"portal": "CLUSTER"}))
        .await;
    assert_eq!(d["users"]["totalCount"], 2);
    for kind in ["IMO", "CLUSTER_ADMIN"] {
        let extra = json!({"userType": kind, "partnerId": gid(Kind::Partner, p)});
        let input = create_input("CLUSTER", "x@un.org", extra);
        app.assert_rejected_at(
            csa,
            CREATE_USER,
            input,
            "VALIDATION",
            &["input", "partnerId"],
        )
        .await;
    }
}

#[tokio::test]
async fn an_upper_case_email_is_refused_not_lowered_and_a_taken_email_is_email_taken() {
    let (app, csa) = app_with_admin().await;
    let p = app.partner("P").await;
    app.user("taken@p.org", Some(p), &[]).await;
    let partner = json!({"userType": "PARTNER", "partnerId": gid(Kind::Partner, p)});
    for (email, code) in [("Nour@P.org", "VALIDATION"), ("taken@p.org", "EMAIL_TAKEN")] {
        let input = create_input("CLUSTER", email, partner.clone());
        app.assert_rejected_at(csa, CREATE_USER, input, code, &["input", "email"])
            .await;
    }
    for bad in ["no-at-sign", "two@@p.org", "sp ace@p.org", ""] {
        let input = create_input("CLUSTER", bad, partner.clone());
        app.assert_rejected(csa, CREATE_USER, input, &["VALIDATION"])
            .await;
    }
    let long = "n".repeat(65);
    let errors = app
        .assert_rejected(
            csa,
            CREATE_USER,
            json!({"input": {"portal": "CLUSTER", "email": "ok@p.org", "firstName": " ", "lastName": long, "userType": "PARTNER", "partnerId": gid(Kind::Partner, p)}}),
            &["VALIDATION", "VALIDATION"],
        )
        .await;
    assert_eq!(
        fields(&errors),
        [json!(["input", "firstName"]), json!(["input", "lastName"])]
    );
}

#[tokio::test]
async fn a_user_updates_its_own_names_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let id = app.user("me@un.org", None, &[]).await;
    let d = app
        .execute_data(
            "me@un.org",
            UPDATE_USER,
            json!({"input": {"id": gid(Kind::User, id), "firstName": " Rana ", "lastName": "Khoury", "position": "Lead"}}),
        )
        .await;
    assert_eq!(
        d["updateUser"],
        json!({"user": {"firstName": "Rana", "lastName": "Khoury", "fullName": "Rana Khoury", "position": "Lead"}, "errors": []})
    );
    let d = app
        .execute_data(
            "me@un.org",
            UPDATE_USER,
            json!({"input": {"id": gid(Kind::User, id), "position": ""}}),
        )
        .await;
    assert_eq!(d["updateUser"]["user"]["position"], Value::Null);
    let audit = app.audit().await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].action, "user.update");
    assert_eq!(
        audit[0].before.as_ref().map(|b| b["lastName"].clone()),
        Some(json!("me"))
    );
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["lastName"].clone()),
        Some(json!("Khoury"))
    );
    let stored = app.stored_user(id).await;
    assert_eq!(
        (stored.first_name.as_str(), stored.position),
        ("Rana", None)
    );
    for input in [
        json!({"id": gid(Kind::User, id)}),
        json!({"id": gid(Kind::User, id), "firstName": ""}),
        json!({"id": gid(Kind::User, id), "lastName": "x".repeat(65)}),
        json!({"id": "nope", "firstName": "A"}),
    ] {
        let input = json!({ "input": input });
        app.assert_rejected("me@un.org", UPDATE_USER, input, &["VALIDATION"])
            .await;
    }
}

#[tokio::test]
async fn others_update_a_user_only_when_they_see_it_and_could_create_its_kind() {
    let app = TestApp::spawn().await;
    let (ws, c) = app.health_cluster("W1").await;
    let p = app.partner("P").await;
    let q = app.partner("Q").await;
    use RoleType::*;
    app.system_admin("csa@un.org").await;
    app.user("imo@un.org", None, &[(ClusterImo, None, Some(c))])
        .await;
    app.user("imo2@un.org", None, &[(ClusterImo, None, Some(c))])
        .await;
    app.user("member@p.org", Some(p), &[(ClusterMember, None, Some(c))])
        .await;
    app.officer("ao@p.org", p, ws).await;
    app.user("editor@p.org", Some(p), &[(IpEditor, Some(ws), None)])
        .await;
    app.user("partner@q.org", Some(q), &[(ClusterMember, None, Some(c))])
        .await;
    let cases = [
        ("csa@un.org", "imo@un.org", None),
        ("imo@un.org", "editor@p.org", None),
        ("imo@un.org", "imo2@un.org", Some("FORBIDDEN")),
        ("imo@un.org", "csa@un.org", Some("FORBIDDEN")),
        ("member@p.org", "editor@p.org", None),
        ("member@p.org", "partner@q.org", Some("NOT_FOUND")),
        ("ao@p.org", "editor@p.org", None),
        ("editor@p.org", "ao@p.org", Some("NOT_FOUND")),
        ("ao@p.org", "partner@q.org", Some("NOT_FOUND")),
    ];
    for (who, target, error) in cases {
        let id = app.user_id(target).await;
        let input =
            json!({"input": {"id": gid(Kind::User, id), "position": format!("set by {who}")}});
        match error {
            None => {
                let d = app.execute_data(who, UPDATE_USER, input).await;
                assert_eq!(d["updateUser"]["errors"], json!([]), "{who} -> {target}");
                assert_eq!(
                    app.stored_user(id).await.position,
                    Some(format!("set by {who}"))
                );
            }
            Some(code) => {
                app.assert_rejected(who, UPDATE_USER, input, &[code]).await;
                assert_eq!(app.stored_user(id).await.position, None);
            }
        }
    }
}

#[tokio::test]
async fn a_system_admin_deactivates_a_user_who_then_cannot_sign_in_and_reactivates_it() {
    let (app, csa) = app_with_admin().await;
    let (_, c) = app.health_cluster("W1").await;
    let id = app
        .user("imo@un.org", None, &[(RoleType::ClusterImo, None, Some(c))])
        .await;
    let (status, _) = app
        .post(
            Some(&app.token("imo@un.org")),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let d = app
        .execute_data(
            csa,
            SET_ACTIVE,
            json!({"input": {"id": gid(Kind::User, id), "isActive": false}}),
        )
        .await;
    assert_eq!(
        d["setUserActive"],
        json!({"user": {"email": "imo@un.org", "isActive": false, "status": "DEACTIVATED"}, "errors": []})
    );
    let (status, body) = app
        .post(
            Some(&app.token("imo@un.org")),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(query_error(&body), "UNAUTHENTICATED");
    // a deactivated user keeps its roles, and is listed as DEACTIVATED
    assert_eq!(app.roles_of(id).await.len(), 1);
    assert_eq!(
        listed(&app, csa, "CLUSTER", json!({"statuses": ["DEACTIVATED"]})).await,
        ["imo@un.org"]
    );
    let d = app
        .execute_data(
            csa,
            SET_ACTIVE,
            json!({"input": {"id": gid(Kind::User, id), "isActive": true}}),
        )
        .await;
    assert_eq!(d["setUserActive"]["user"]["isActive"], true);
    let (status, _) = app
        .post(
            Some(&app.token("imo@un.org")),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let audit = app.audit().await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["user.deactivate", "user.activate"]);
    assert_eq!(
        audit[0].before.as_ref().map(|b| b["isActive"].clone()),
        Some(json!(true))
    );
    assert_eq!(
        audit[0].after.as_ref().map(|a| a["isActive"].clone()),
        Some(json!(false))
    );
}

#[tokio::test]
async fn nobody_changes_its_own_activity() {
    let (app, csa) = app_with_admin().await;
    let me = app.user_id(csa).await;
    let input = json!({"input": {"id": gid(Kind::User, me), "isActive": false}});
    app.assert_rejected(csa, SET_ACTIVE, input, &["SELF_MODIFICATION"])
        .await;
    assert!(app.stored_user(me).await.is_active);
    assert!(app.audit().await.is_empty());
}

#[tokio::test]
async fn an_authorized_officer_deactivates_same_partner_users_whose_roles_all_lie_in_its_workspaces(
) {
    let app = TestApp::spawn().await;
    let w1 = app.workspace("W1").await;
    let w2 = app.workspace("W2").await;
    let c = app.cluster(w1, ClusterType::Health).await;
    let p = app.partner("P").await;
    use RoleType::*;
    app.officer("ao@p.org", p, w1).await;
    let cases: Vec<(&str, Grants, Option<&str>)> = vec![
        ("admin@p.org", vec![(IpAdmin, Some(w1), None)], None),
        ("editor@p.org", vec![(IpEditor, Some(w1), None)], None),
        ("bare@p.org", vec![], None),
        (
            "twoplaces@p.org",
            vec![(IpEditor, Some(w1), None), (IpViewer, Some(w2), None)],
            Some("FORBIDDEN"),
        ),
        (
            "mixed@p.org",
            vec![(IpEditor, Some(w1), None), (ClusterMember, None, Some(c))],
            Some("FORBIDDEN"),
        ),
        (
            "ao2@p.org",
            vec![(IpAuthorizedOfficer, Some(w1), None)],
            Some("FORBIDDEN"),
        ),
    ];
    for (email, grants, error) in cases {
        let id = app.user(email, Some(p), &grants).await;
        let input = json!({"input": {"id": gid(Kind::User, id), "isActive": false}});
        match error {
            None => {
                let d = app.execute_data("ao@p.org", SET_ACTIVE, input).await;
                assert_eq!(d["setUserActive"]["errors"], json!([]), "{email}");
                assert!(!app.stored_user(id).await.is_active, "{email}");
            }
            Some(code) => {
                app.assert_rejected("ao@p.org", SET_ACTIVE, input, &[code])
                    .await;
                assert!(app.stored_user(id).await.is_active, "{email}");
            }
        }
    }
    let q = app.partner("Q").await;
    let other = app
        .user("editor@q.org", Some(q), &[(IpEditor, Some(w1), None)])
        .await;
    let input = json!({"input": {"id": gid(Kind::User, other), "isActive": false}});
    app.assert_rejected("ao@p.org", SET_ACTIVE, input, &["NOT_FOUND"])
        .await;
    assert!(app.stored_user(other).await.is_active);
}

#[tokio::test]
async fn an_ip_admin_deactivates_only_editors_and_viewers_of_its_workspaces() {
    let app = TestApp::spawn().await;
    let w1 = app.workspace("W1").await;
    let p = app.partner("P").await;
    use RoleType::*;
    app.user("admin@p.org", Some(p), &[(IpAdmin, Some(w1), None)])
        .await;
    let editor = app
        .user("editor@p.org", Some(p), &[(IpEditor, Some(w1), None)])
        .await;
    let viewer = app
        .user("viewer@p.org", Some(p), &[(IpViewer, Some(w1), None)])
        .await;
    let admin2 = app
        .user("admin2@p.org", Some(p), &[(IpAdmin, Some(w1), None)])
        .await;
    for id in [editor, viewer] {
        let d = app
            .execute_data(
                "admin@p.org",
                SET_ACTIVE,
                json!({"input": {"id": gid(Kind::User, id), "isActive": false}}),
            )
            .await;
        assert_eq!(d["setUserActive"]["errors"], json!([]));
        assert!(!app.stored_user(id).await.is_active);
    }
    let input = json!({"input": {"id": gid(Kind::User, admin2), "isActive": false}});
    app.assert_rejected("admin@p.org", SET_ACTIVE, input, &["FORBIDDEN"])
        .await;
    assert!(app.stored_user(admin2).await.is_active);
    // and reactivates what it deactivated
    let d = app
        .execute_data(
            "admin@p.org",
            SET_ACTIVE,
            json!({"input": {"id": gid(Kind::User, editor), "isActive": true}}),
        )
        .await;
    assert_eq!(d["setUserActive"]["errors"], json!([]));
    assert!(app.stored_user(editor).await.is_active);
    assert_eq!(
        app.audit_actions().await,
        ["user.deactivate", "user.deactivate", "user.activate"]
    );
}
