//! Concurrent writers: the database constraints, not luck, decide; losers get the right code.

use std::sync::Arc;

use idm::domain::RoleType;
use idm::ids::Kind;
use serde_json::{json, Value};

use crate::helpers::{gid, TestApp};

const CREATE_ROLES: &str = "mutation($i: CreateRolesInput!) { createRoles(input: $i) { roles { id } errors { code field } } }";
const UPDATE_ROLE: &str = "mutation($i: UpdateRoleInput!) { updateRole(input: $i) { role { id isActive } errors { code } } }";
const DELETE_ROLE: &str =
    "mutation($i: DeleteRoleInput!) { deleteRole(input: $i) { deletedRoleId errors { code } } }";

#[tokio::test]
async fn fifty_concurrent_grants_of_one_scope_make_one_row_and_forty_nine_role_exists_in_scope() {
    let app = Arc::new(TestApp::spawn().await);
    let (_, cluster) = app.health_cluster("SYR").await;
    app.system_admin("csa@example.org").await;
    let target = app.user("t@example.org", None, &[]).await;
    let token = app.token("csa@example.org");
    let vars = json!({"i": {"userId": gid(Kind::User, target), "roles": [{"role": "CLUSTER_MEMBER", "clusterId": gid(Kind::Cluster, cluster)}]}});
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (app, token, vars) = (app.clone(), token.clone(), vars.clone());
        tasks.push(tokio::spawn(async move {
            app.post(Some(&token), CREATE_ROLES, vars).await
        }));
    }
    let mut created = 0;
    let mut exists = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        assert_eq!(status, 200, "{body}");
        let p = &body["data"]["createRoles"];
        match p["errors"].as_array().map(Vec::as_slice) {
            Some([]) => created += 1,
            Some([e]) if e["code"] == "ROLE_EXISTS_IN_SCOPE" => exists += 1,
            _ => panic!("unexpected answer: {body}"),
        }
    }
    assert_eq!((created, exists), (1, 49));
    assert_eq!(app.count("prp_role").await, 2);
    let audit: i64 = app.count("audit_event").await;
    assert_eq!(
        audit, 1,
        "one role.create event, none for the refused grants"
    );
}

#[tokio::test]
async fn concurrent_toggles_and_a_delete_leave_a_state_the_audit_trail_explains() {
    let app = Arc::new(TestApp::spawn().await);
    let (_, cluster) = app.health_cluster("SYR").await;
    app.system_admin("csa@example.org").await;
    app.user(
        "t@example.org",
        None,
        &[(RoleType::ClusterMember, None, Some(cluster))],
    )
    .await;
    let role = 2;
    let token = app.token("csa@example.org");
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            if i == 15 {
                app.post(
                    Some(&token),
                    DELETE_ROLE,
                    json!({"i": {"id": gid(Kind::Role, role)}}),
                )
                .await
            } else {
                app.post(
                    Some(&token),
                    UPDATE_ROLE,
                    json!({"i": {"id": gid(Kind::Role, role), "isActive": i % 2 == 0}}),
                )
                .await
            }
        }));
    }
    for t in tasks {
        let (status, body) = t.await.expect("task");
        assert_eq!(status, 200, "{body}");
        let errors: Vec<Value> = body["data"]
            .as_object()
            .and_then(|d| d.values().next())
            .and_then(|p| p["errors"].as_array())
            .cloned()
            .unwrap_or_default();
        for e in errors {
            assert!(
                ["NOT_FOUND", "VALIDATION"].contains(&e["code"].as_str().unwrap_or("")),
                "{body}"
            );
        }
    }
    // The row is gone, and the trail ends with exactly one deletion after which nothing happened.
    assert_eq!(app.count("prp_role").await, 1);
    let d = app
        .data(
            "csa@example.org",
            "{ auditEvents(first: 100) { nodes { action before after } } }",
            json!({}),
        )
        .await;
    let events = d["auditEvents"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        events.first().map(|e| e["action"].clone()),
        Some(json!("role.delete")),
        "newest event is the deletion"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["action"] == "role.delete")
            .count(),
        1
    );
    // Each update's "before" is the previous event's "after": no lost update.
    let mut chain: Vec<&Value> = events.iter().rev().collect();
    chain.retain(|e| e["action"] == "role.update" || e["action"] == "role.delete");
    for pair in chain.windows(2) {
        assert_eq!(
            pair[1]["before"]["isActive"], pair[0]["after"]["isActive"],
            "{pair:?}"
        );
    }
}

const SET_ACTIVE: &str = "mutation($i: SetUserActiveInput!) { setUserActive(input: $i) { user { id isActive } errors { code } } }";

/// Two system admins deactivating each other at the same moment: the guard must see each
/// requester's authority as it is inside the transaction, so exactly one wins and an active
/// admin is left. (Checked against the roles read at sign-in, both would win.)
#[tokio::test]
async fn two_admins_deactivating_each_other_at_once_leave_exactly_one_active() {
    let app = Arc::new(TestApp::spawn().await);
    for round in 0..8 {
        let a = format!("a{round}@example.org");
        let b = format!("b{round}@example.org");
        let csa = [(RoleType::ClusterSystemAdmin, None, None)];
        let a_id = app.user(&a, None, &csa).await;
        let b_id = app.user(&b, None, &csa).await;
        let (ta, tb) = (app.token(&a), app.token(&b));
        let (app1, app2) = (app.clone(), app.clone());
        let first = tokio::spawn(async move {
            app1.post(
                Some(&ta),
                SET_ACTIVE,
                json!({"i": {"id": gid(Kind::User, b_id), "isActive": false}}),
            )
            .await
        });
        let second = tokio::spawn(async move {
            app2.post(
                Some(&tb),
                SET_ACTIVE,
                json!({"i": {"id": gid(Kind::User, a_id), "isActive": false}}),
            )
            .await
        });
        let answers = [first.await.expect("task"), second.await.expect("task")];
        let won: Vec<bool> = answers
            .iter()
            .map(|(status, body)| {
                if *status == 401 {
                    return false;
                }
                assert_eq!(*status, 200, "{body}");
                // Deactivated before its own transaction began: refused as signed out.
                if body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
                    return false;
                }
                let errors = &body["data"]["setUserActive"]["errors"];
                match errors.as_array().map(Vec::as_slice) {
                    Some([]) => true,
                    Some([e])
                        if ["FORBIDDEN", "CONFLICT"]
                            .contains(&e["code"].as_str().unwrap_or("")) =>
                    {
                        false
                    }
                    _ => panic!("unexpected answer: {body}"),
                }
            })
            .collect();
        assert_eq!(
            won.iter().filter(|w| **w).count(),
            1,
            "round {round}: {answers:?}"
        );
        let active = app
            .count(&format!(
                "app_user WHERE id IN ({a_id}, {b_id}) AND is_active"
            ))
            .await;
        assert_eq!(active, 1, "round {round}");
    }
}

/// A role change decides on its requester's authority as it stands inside its transaction,
/// not as it was at sign-in. Here the authority is withdrawn by a transaction that locks the
/// requester's row as idm's own mutations do, while the change waits for that lock: the change
/// reads the new roles and is refused, and nothing of it is written. (On PostgreSQL the test
/// waits until the change is blocked on the requester's row; on SQLite, whose writers queue,
/// until the change has had time to sign in.)
#[tokio::test]
async fn a_role_change_waiting_while_its_requesters_authority_is_withdrawn_is_refused() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let app = Arc::new(TestApp::spawn().await);
    let (_, cluster) = app.health_cluster("SYR").await;
    let csa = app.system_admin("csa@example.org").await;
    let target = app.user("t@example.org", None, &[]).await;
    let role = app
        .role(target, RoleType::ClusterMember, None, Some(cluster), true)
        .await;
    let token = app.token("csa@example.org");
    // Signed in already, so the change itself writes nothing before its decision.
    let (status, _) = app.post(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(status, 200);
    let audit_before = app.count("audit_event").await;

    let withdraw = idm::db::begin_write(&app.db).await.expect("begin");
    if app.db.get_database_backend() == DbBackend::Postgres {
        withdraw
            .execute_unprepared(&format!(
                "SELECT id FROM app_user WHERE id = {csa} FOR UPDATE"
            ))
            .await
            .expect("lock");
    }
    withdraw
        .execute_unprepared(&format!(
            "UPDATE prp_role SET is_active = FALSE WHERE user_id = {csa}"
        ))
        .await
        .expect("withdraw");
    let change = {
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move {
            app.post(
                Some(&token),
                UPDATE_ROLE,
                json!({"i": {"id": gid(Kind::Role, role), "isActive": false}}),
            )
            .await
        })
    };
    if app.db.get_database_backend() == DbBackend::Postgres {
        let waiting = "SELECT COUNT(*) AS n FROM pg_stat_activity \
                       WHERE datname = current_database() AND wait_event_type = 'Lock'";
        let mut blocked = false;
        for _ in 0..200 {
            let row = app
                .db
                .query_one_raw(Statement::from_string(DbBackend::Postgres, waiting))
                .await
                .expect("pg_stat_activity")
                .expect("row");
            if row.try_get::<i64>("", "n").expect("n") > 0 {
                blocked = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(blocked, "the change never waited for the requester's row");
    } else {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    withdraw.commit().await.expect("commit");

    let (status, body) = change.await.expect("task");
    assert_eq!(status, 200, "{body}");
    let errors = &body["data"]["updateRole"]["errors"];
    assert!(
        ["FORBIDDEN", "NOT_FOUND"].contains(&errors[0]["code"].as_str().unwrap_or("")),
        "{body}"
    );
    assert_eq!(
        app.count(&format!("prp_role WHERE id = {role} AND is_active"))
            .await,
        1,
        "the role is unchanged"
    );
    assert_eq!(
        app.count("audit_event").await,
        audit_before,
        "nothing audited"
    );
}
