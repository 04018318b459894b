//! N+1 is designed out: a users page runs the same few statements whatever its size.

use idm::domain::{ClusterType, RoleType};
use serde_json::json;

use crate::helpers::TestApp;

const PAGE: &str = "query($first: Int!) { users(portal: CLUSTER, first: $first) { totalCount edges { cursor node {
    id email fullName status userType isIncomplete lastLogin
    partner { id title }
    roles { id role roleDisplay isActive workspace { id title } cluster { id title fullTitle responsePlan { title } } }
} } pageInfo { hasNextPage endCursor } } }";

/// The console's page: PAGE with what the requester may do on each user and each role.
const PAGE_WITH_VIEWER: &str =
    "query($first: Int!) { users(portal: CLUSTER, first: $first) { totalCount edges { cursor node {
    id email fullName status userType isIncomplete lastLogin viewerCanUpdate viewerCanSetActive
    partner { id title }
    roles { id role roleDisplay isActive viewerCanChangeTo viewerCanToggle viewerCanDelete
            workspace { id title } cluster { id title fullTitle responsePlan { title } } }
} } pageInfo { hasNextPage endCursor } } }";

/// Users whose roles hold one of each pair of nodes below.
const NESTED: &str =
    "query($first: Int!) { users(portal: CLUSTER, first: $first) { edges { cursor node {
    id roles { id user { id email partner { id title } roles { id workspace { title } } } }
} } } }";

async fn statements_for(app: &TestApp, query: &str, first: i64) -> Vec<String> {
    let mark = app.statement_mark();
    let d = app
        .data("csa@example.org", query, json!({"first": first}))
        .await;
    assert_eq!(
        d["users"]["edges"].as_array().map(Vec::len),
        Some(first as usize)
    );
    app.statements_since(mark)
}

/// 120 users (a third with no role, one or two roles; partners in turn) and a system admin.
async fn app_with_users() -> TestApp {
    let app = TestApp::spawn().await;
    let mut workspaces = Vec::new();
    let mut clusters = Vec::new();
    for w in 0..4 {
        let ws = app.workspace(&format!("W{w}")).await;
        clusters.push(app.cluster(ws, ClusterType::Health).await);
        workspaces.push(ws);
    }
    let partners = [
        app.partner("Alpha").await,
        app.partner("Beta").await,
        app.partner("Gamma").await,
    ];
    app.user(
        "csa@example.org",
        None,
        &[(RoleType::ClusterSystemAdmin, None, None)],
    )
    .await;
    for i in 0..120usize {
        let grants = [
            (RoleType::IpEditor, Some(workspaces[i % 4]), None),
            (RoleType::ClusterMember, None, Some(clusters[(i + 1) % 4])),
        ];
        app.user(
            &format!("u{i}@example.org"),
            Some(partners[i % 3]),
            &grants[..i % 3],
        )
        .await;
    }
    app
}

/// `query` runs `expected` statements for a page of 5 rows and for one of 100, once its
/// token has signed in (the first request runs two more: the sign-in and its lastLogin).
async fn assert_statements_for_five_and_a_hundred(query: &str, expected: usize) {
    let app = app_with_users().await;
    let first = statements_for(&app, query, 1).await;
    assert_eq!(first.len(), expected + 2, "{first:#?}");
    let five = statements_for(&app, query, 5).await;
    let hundred = statements_for(&app, query, 100).await;
    assert_eq!(
        five.len(),
        hundred.len(),
        "five rows: {five:#?}\nhundred rows: {hundred:#?}"
    );
    assert_eq!(hundred.len(), expected, "{hundred:#?}");
}

#[tokio::test]
async fn a_users_page_runs_two_statements_for_five_or_a_hundred_rows() {
    // The page joined to its users' roles (and the requester's authority, confirming the
    // remembered sign-in), the maintained total.
    assert_statements_for_five_and_a_hundred(PAGE, 2).await;
}

/// `viewerCan…` answers from the rows the page read (contract 1.1 §9.3): not a statement
/// more than the page without them.
#[tokio::test]
async fn what_the_viewer_may_do_costs_no_statement_on_a_users_page() {
    assert_statements_for_five_and_a_hundred(PAGE_WITH_VIEWER, 2).await;
}

/// Nodes reached through the page (each role's holder, with its partner and roles) are read
/// in one batch per kind, however many rows the page has: a type's fields are resolved one
/// after another, but the users of a list are resolved together and their loads batched.
#[tokio::test]
async fn nodes_behind_a_page_are_read_once_per_kind_for_five_or_a_hundred_rows() {
    // The page with its roles, the holders, their partners, their roles.
    assert_statements_for_five_and_a_hundred(NESTED, 4).await;
}

#[tokio::test]
async fn a_filtered_total_is_the_same_on_the_first_page_later_pages_and_when_nothing_matches() {
    let app = TestApp::spawn().await;
    app.user(
        "csa@example.org",
        None,
        &[(RoleType::ClusterSystemAdmin, None, None)],
    )
    .await;
    for i in 0..30 {
        let email = if i % 3 == 0 {
            format!("match{i}@example.org")
        } else {
            format!("other{i}@example.org")
        };
        app.user(&email, None, &[]).await;
    }
    let q = "query($f: UserFilter, $after: String) { users(portal: CLUSTER, first: 4, filter: $f, after: $after) { totalCount pageInfo { endCursor } } }";
    let first = app
        .data("csa@example.org", q, json!({"f": {"nameEmail": "MATCH"}}))
        .await;
    assert_eq!(first["users"]["totalCount"], 10);
    let cursor = first["users"]["pageInfo"]["endCursor"].clone();
    let second = app
        .data(
            "csa@example.org",
            q,
            json!({"f": {"nameEmail": "match"}, "after": cursor}),
        )
        .await;
    assert_eq!(second["users"]["totalCount"], 10);
    let none = app
        .data("csa@example.org", q, json!({"f": {"nameEmail": "zzz"}}))
        .await;
    assert_eq!(none["users"]["totalCount"], 0);
    let all = app.data("csa@example.org", q, json!({})).await;
    assert_eq!(
        all["users"]["totalCount"], 30,
        "everyone but the requester, from the counter"
    );
}

/// A bulk import leaves the planner's statistics fresh, so searches use the trigram indexes at
/// once instead of after autovacuum's next visit: on PostgreSQL the imported tables have been
/// vacuumed and analysed by the time the import returns. (SQLite gets `PRAGMA optimize`.)
#[tokio::test]
async fn an_import_leaves_postgres_planner_statistics_fresh() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let app = TestApp::spawn().await;
    idm::import::import_json(&app.db, idm::demo::DEMO_JSON)
        .await
        .expect("demo import");
    if app.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_user_tables \
             WHERE relname IN ('app_user', 'prp_role', 'partner') \
             AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
        ))
        .await
        .expect("query")
        .expect("row");
    assert_eq!(row.try_get::<i64>("", "n").expect("n"), 3);
}

/// A role change is a handful of round trips whatever else the service does: the requester
/// and the target read and locked in two statements, the write, its audit event and its
/// notice in one more on PostgreSQL (three on SQLite, where they are in-process calls), plus
/// on a token's first request its sign-in and lastLogin. BEGIN and COMMIT are not counted.
#[tokio::test]
async fn an_update_role_is_three_statements_on_postgres_once_signed_in() {
    use idm::ids::Kind;
    use sea_orm::DbBackend;
    let (app, admin) = crate::helpers::app_with_admin().await;
    let ws = app.workspace("W1").await;
    let cluster = app.cluster(ws, ClusterType::Health).await;
    let target = app.user("t@example.org", None, &[]).await;
    let role = app
        .role(target, RoleType::ClusterMember, None, Some(cluster), true)
        .await;
    let other = app.cluster(ws, ClusterType::Wash).await;
    let second = app
        .role(target, RoleType::ClusterMember, None, Some(other), true)
        .await;
    let toggle = |role: i64| {
        let app = &app;
        async move {
            let mark = app.statement_mark();
            let d = app
                .data(
                    admin,
                    "mutation($i: UpdateRoleInput!) { updateRole(input: $i) { role { id isActive } errors { code } } }",
                    json!({"i": {"id": crate::helpers::gid(Kind::Role, role), "isActive": false}}),
                )
                .await;
            assert_eq!(d["updateRole"]["errors"], json!([]), "{d}");
            app.statements_since(mark)
        }
    };
    let want = match app.db.get_database_backend() {
        DbBackend::Postgres => 3,
        _ => 5,
    };
    // The token's first request signs in and records lastLogin; the next starts from the
    // remembered sign-in, which the locking read of both parties confirms.
    let first = toggle(role).await;
    assert_eq!(first.len(), want + 2, "{first:#?}");
    let next = toggle(second).await;
    assert_eq!(next.len(), want, "{next:#?}");
}

/// A page whose selection asks of each partner only its id and titles reads only those
/// columns; a field beyond them, asked directly or through a fragment, reads the whole
/// partner; and the answers are the same either way.
#[tokio::test]
async fn a_page_reads_the_partner_columns_its_selection_asks_for() {
    let app = app_with_users().await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &app.db,
        "UPDATE partner SET city = 'Gaziantep' WHERE title = 'Alpha'",
    )
    .await
    .expect("city");
    statements_for(&app, PAGE, 1).await;
    let ask = |selection: &'static str| {
        let app = &app;
        async move {
            let query = format!(
                "{{ users(portal: CLUSTER, first: 6) {{ nodes {{ email partner {{ {selection} }} }} }} }}"
            );
            let mark = app.statement_mark();
            let d = app.data("csa@example.org", &query, json!({})).await;
            (d, app.statements_since(mark))
        }
    };
    let (brief, statements) = ask("id title shortTitle").await;
    assert_eq!(statements.len(), 1, "{statements:#?}");
    assert!(
        statements[0].contains("short_title") && !statements[0].contains("city"),
        "{}",
        statements[0]
    );
    let (full, statements) = ask("id title shortTitle city").await;
    assert_eq!(statements.len(), 1, "{statements:#?}");
    assert!(statements[0].contains("city"), "{}", statements[0]);
    let (fragment, statements) = ask("id title ...on Partner { city }").await;
    assert_eq!(statements.len(), 1, "{statements:#?}");
    assert!(statements[0].contains("city"), "{}", statements[0]);
    let nodes = |d: &serde_json::Value| d["users"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes(&brief).len(), 6);
    let mut alphas = 0;
    for ((b, f), g) in nodes(&brief).iter().zip(nodes(&full)).zip(nodes(&fragment)) {
        assert_eq!(b["partner"]["title"], f["partner"]["title"], "{b} {f}");
        assert_eq!(f["partner"]["city"], g["partner"]["city"], "{f} {g}");
        if f["partner"]["title"] == "Alpha" {
            assert_eq!(f["partner"]["city"], "Gaziantep");
            alphas += 1;
        }
    }
    assert!(alphas > 0, "{full}");
}
