//! The audit trail about a person (contract 1.1 §9.4): every user and role event names its
//! subject, a person's history pages by keyset, and an event is seen by whoever performed it
//! and by whoever may see its subject now.

use idm::domain::RoleType;
use idm::domain::RoleType::{IpAdmin, IpEditor};
use idm::ids::Kind;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};

use crate::helpers::{fresh_database, gid, TestApp};

const HISTORY: &str = "query($s: ID, $first: Int, $after: String) {
  auditEvents(filter: {subjectId: $s}, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id action subject { email } actor { email } } } }";

async fn grant(app: &TestApp, who: &str, target: i64, role: RoleType, workspace: i64) -> Value {
    app.execute_data(
        who,
        "mutation($i: CreateRolesInput!) { createRoles(input: $i) { errors { code } roles { id } } }",
        json!({"i": {"userId": gid(Kind::User, target), "roles": [{"role": role.as_str(), "workspaceId": gid(Kind::Workspace, workspace)}]}}),
    )
    .await["createRoles"]
        .clone()
}

fn actions(page: &Value) -> Vec<String> {
    page["auditEvents"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["action"].as_str().expect("action").to_owned())
        .collect()
}

#[tokio::test]
async fn a_persons_history_lists_the_events_about_it_newest_first_page_by_page() {
    let app = TestApp::spawn().await;
    let ws = app.workspace("W1").await;
    let p = app.partner("P").await;
    app.officer("ao@p.org", p, ws).await;
    let t = app.user("t@p.org", Some(p), &[]).await;
    let other = app.user("o@p.org", Some(p), &[]).await;
    let created = grant(&app, "ao@p.org", t, IpEditor, ws).await;
    let role = created["roles"][0]["id"].as_str().expect("role").to_owned();
    grant(&app, "ao@p.org", other, IpEditor, ws).await;
    app.execute_data(
        "ao@p.org",
        "mutation($id: ID!) { updateRole(input: {id: $id, role: IP_VIEWER}) { errors { code } } }",
        json!({"id": role}),
    )
    .await;
    app.execute_data(
        "ao@p.org",
        "mutation($id: ID!) { updateUser(input: {id: $id, position: \"Lead\"}) { errors { code } } }",
        json!({"id": gid(Kind::User, t)}),
    )
    .await;
    app.execute_data(
        "ao@p.org",
        "mutation($id: ID!) { deleteRole(input: {id: $id}) { errors { code } } }",
        json!({"id": role}),
    )
    .await;

    let all = app
        .execute_data("ao@p.org", HISTORY, json!({"s": gid(Kind::User, t)}))
        .await;
    assert_eq!(
        actions(&all),
        ["role.delete", "user.update", "role.update", "role.create"]
    );
    assert_eq!(all["auditEvents"]["totalCount"], 4);
    for node in all["auditEvents"]["nodes"].as_array().expect("nodes") {
        assert_eq!(node["subject"]["email"], "t@p.org", "{node}");
        assert_eq!(node["actor"]["email"], "ao@p.org", "{node}");
    }
    // One at a time, by keyset, the same events in the same order.
    let mut after: Option<String> = None;
    let mut paged = Vec::new();
    loop {
        let page = app
            .execute_data(
                "ao@p.org",
                HISTORY,
                json!({"s": gid(Kind::User, t), "first": 1, "after": after}),
            )
            .await;
        paged.extend(actions(&page));
        if page["auditEvents"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["auditEvents"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    assert_eq!(paged, actions(&all));
}

/// A member of another partner sees only its own actions; an IP admin of the partner sees
/// the events about the users of its workspaces, including a system admin's; once a user is
/// out of its sight, the events about it go too (its own actions stay, with a null subject).
#[tokio::test]
async fn an_event_is_seen_by_its_actor_and_by_whoever_sees_its_subject_now() {
    let app = TestApp::spawn().await;
    let (ws, cluster) = app.health_cluster("W1").await;
    let (p, q) = (app.partner("P").await, app.partner("Q").await);
    app.system_admin("csa@example.org").await;
    app.officer("ao@p.org", p, ws).await;
    app.user("admin@p.org", Some(p), &[(IpAdmin, Some(ws), None)])
        .await;
    app.user(
        "member@q.org",
        Some(q),
        &[(RoleType::ClusterMember, None, Some(cluster))],
    )
    .await;
    let t = app.user("t@p.org", Some(p), &[]).await;
    grant(&app, "ao@p.org", t, IpEditor, ws).await;
    app.execute_data(
        "csa@example.org",
        "mutation($id: ID!) { updateUser(input: {id: $id, position: \"Lead\"}) { errors { code } } }",
        json!({"id": gid(Kind::User, t)}),
    )
    .await;
    let q_user = app.user("u@q.org", Some(q), &[]).await;
    app.execute_data(
        "csa@example.org",
        "mutation($id: ID!) { updateUser(input: {id: $id, position: \"Q\"}) { errors { code } } }",
        json!({"id": gid(Kind::User, q_user)}),
    )
    .await;

    let listed = |who: &'static str| {
        let app = &app;
        async move {
            let page = app
                .execute_data(
                    who,
                    "{ auditEvents { nodes { action actor { email } subject { email } } } }",
                    json!({}),
                )
                .await;
            page["auditEvents"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| {
                    format!(
                        "{} by {} about {}",
                        n["action"].as_str().unwrap_or("?"),
                        n["actor"]["email"].as_str().unwrap_or("-"),
                        n["subject"]["email"].as_str().unwrap_or("-")
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed("csa@example.org").await,
        [
            "user.update by csa@example.org about u@q.org",
            "user.update by csa@example.org about t@p.org",
            "role.create by ao@p.org about t@p.org",
        ]
    );
    // The IP admin sees the events about t, whoever performed them (an actor it may not see
    // shows as null), and nothing about the other partner's user.
    assert_eq!(
        listed("admin@p.org").await,
        [
            "user.update by - about t@p.org",
            "role.create by ao@p.org about t@p.org",
        ]
    );
    assert_eq!(
        listed("member@q.org").await,
        ["user.update by - about u@q.org"]
    );
    // t leaves the partner: the admin no longer sees it, nor the events about it; the
    // officer keeps its own action, without its subject.
    app.db
        .execute_unprepared(&format!(
            "UPDATE app_user SET partner_id = {q} WHERE id = {t}"
        ))
        .await
        .expect("move t");
    assert!(listed("admin@p.org").await.is_empty());
    assert_eq!(
        listed("ao@p.org").await,
        ["role.create by ao@p.org about -"]
    );
}

/// The migration that adds the subject gives existing events theirs.
#[tokio::test]
async fn events_recorded_before_the_subject_column_get_their_subject() {
    let (url, _dir) = fresh_database().await;
    let db = Database::connect(&url).await.expect("connect");
    Migrator::up(&db, Some(5)).await.expect("migrate to 5");
    let now = "'2026-12-01 10:00:00'";
    for (action, target_type, target_id, before, after) in [
        ("user.update", "User", 7, "NULL", "'{\"id\": 7}'"),
        (
            "role.create",
            "PRPRole",
            40,
            "NULL",
            "'{\"id\": 40, \"userId\": 8}'",
        ),
        (
            "role.delete",
            "PRPRole",
            41,
            "'{\"id\": 41, \"userId\": 9}'",
            "NULL",
        ),
        ("partner.create", "Partner", 3, "NULL", "'{\"id\": 3}'"),
    ] {
        db.execute_unprepared(&format!(
            "INSERT INTO audit_event (at, actor_id, action, target_type, target_id, before_json, after_json) \
             VALUES ({now}, NULL, '{action}', '{target_type}', {target_id}, {before}, {after})"
        ))
        .await
        .expect("old event");
    }
    Migrator::up(&db, None).await.expect("migrate");
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT action, subject_id FROM audit_event ORDER BY id".to_owned(),
        ))
        .await
        .expect("read");
    let subjects: Vec<(String, Option<i64>)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "action").expect("action"),
                r.try_get::<Option<i64>>("", "subject_id").expect("subject"),
            )
        })
        .collect();
    assert_eq!(
        subjects,
        [
            ("user.update".to_owned(), Some(7)),
            ("role.create".to_owned(), Some(8)),
            ("role.delete".to_owned(), Some(9)),
            ("partner.create".to_owned(), None),
        ]
    );
    db.close().await.ok();
    crate::helpers::drop_database(&url).await;
}
