//! Invitations are rate-limited (contract 1.1 §9.5): per requester, in any trailing hour,
//! counted from the audit trail so that every instance agrees, and exactly so under
//! concurrent invitations on two instances.

use std::sync::Arc;

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const INVITE: &str = "mutation($e: String!) { createUser(input: {portal: CLUSTER, userType: IMO, email: $e, firstName: \"In\", lastName: \"Vited\"}) { user { id } errors { code message } } }";

async fn invite(app: &TestApp, who: &str, email: &str) -> Value {
    app.execute_data(who, INVITE, json!({ "e": email })).await["createUser"].clone()
}

fn code(payload: &Value) -> &str {
    payload["errors"][0]["code"].as_str().unwrap_or("ok")
}

async fn admins(app: &TestApp) {
    for who in ["csa@example.org", "csa2@example.org"] {
        app.system_admin(who).await;
    }
}

#[tokio::test]
async fn a_requester_invites_at_most_the_limit_in_an_hour_and_is_told_when_the_next_is_possible() {
    let app = TestApp::spawn_with(|c| c.invitations_per_hour = 3).await;
    admins(&app).await;
    for i in 0..3 {
        let out = invite(&app, "csa@example.org", &format!("u{i}@example.org")).await;
        assert_eq!(code(&out), "ok", "{out}");
    }
    let refused = json!({ "e": "u3@example.org" });
    let errors = app
        .assert_rejected("csa@example.org", INVITE, refused, &["RATE_LIMITED"])
        .await;
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        message.contains("at most 3 invitations per hour; the next is possible at 20"),
        "{message}"
    );
    // Another requester has its own count.
    let out = invite(&app, "csa2@example.org", "v0@example.org").await;
    assert_eq!(code(&out), "ok", "{out}");
    // An hour later the oldest invitation no longer counts.
    let backend = app.db.get_database_backend();
    let two_hours_ago = match backend {
        sea_orm::DbBackend::Postgres => "now() - interval '2 hours'",
        _ => "strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 hours')",
    };
    app.db
        .execute_unprepared(&format!(
            "UPDATE audit_event SET at = {two_hours_ago} WHERE id = (SELECT MIN(id) FROM audit_event WHERE action = 'user.create')"
        ))
        .await
        .expect("age one invitation");
    let out = invite(&app, "csa@example.org", "u4@example.org").await;
    assert_eq!(code(&out), "ok", "{out}");
    let out = invite(&app, "csa@example.org", "u5@example.org").await;
    assert_eq!(code(&out), "RATE_LIMITED", "{out}");
}

#[tokio::test]
async fn zero_means_no_limit() {
    let app = TestApp::spawn_with(|c| c.invitations_per_hour = 0).await;
    admins(&app).await;
    for i in 0..5 {
        let out = invite(&app, "csa@example.org", &format!("u{i}@example.org")).await;
        assert_eq!(code(&out), "ok", "{out}");
    }
}

/// Twenty invitations at once, half to each of two instances of one database, with a limit
/// of five: exactly five users are created, and the others are told RATE_LIMITED.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_invitations_on_two_instances_never_pass_the_limit() {
    let one = TestApp::spawn_with(|c| c.invitations_per_hour = 5).await;
    admins(&one).await;
    let two = TestApp::spawn_on(&one.database_url, |c| c.invitations_per_hour = 5).await;
    let before = one.count("app_user").await;
    let instances = [Arc::new(one), Arc::new(two)];
    let mut tasks = Vec::new();
    for i in 0..20 {
        let app = instances[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            let (status, body) = app
                .post(
                    Some(&app.token("csa@example.org")),
                    INVITE,
                    json!({ "e": format!("c{i}@example.org") }),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            code(&body["data"]["createUser"]).to_owned()
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.expect("task"));
    }
    let created = codes.iter().filter(|c| *c == "ok").count();
    let limited = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert_eq!(created, 5, "{codes:?}");
    // A deadlock victim would be CONFLICT: with the requester's row locked first there is none.
    assert_eq!(limited, 15, "{codes:?}");
    assert_eq!(instances[0].count("app_user").await, before + 5);
}
