//! Notifications reach a real SMTP server (a tiny sink started by the test), are retried while
//! it is down, and are marked delivered.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::EntityTrait;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::helpers::TestApp;

/// One received mail: envelope recipient and raw data.
#[derive(Clone, Debug)]
struct Mail {
    to: String,
    data: String,
}

/// A minimal SMTP server that accepts every message.
async fn smtp_sink(listener: TcpListener) -> Arc<Mutex<Vec<Mail>>> {
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                let mut to = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to = line[8..].trim().trim_matches(['<', '>']).to_owned();
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        if let Ok(mut inbox) = store.lock() {
                            inbox.push(Mail {
                                to: to.clone(),
                                data,
                            });
                        }
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    inbox
}

async fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn pending(app: &TestApp) -> i64 {
    idm::outbox::store::pending(&app.db).await.expect("pending")
}

/// Waits (5 s at most) until `n` rows are pending; whether they came to that.
async fn pending_becomes(app: &TestApp, n: i64) -> bool {
    for _ in 0..100 {
        if pending(app).await == n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// An app whose outbox worker delivers to a fresh SMTP sink every 50 ms; the sink's inbox.
async fn app_with_smtp_sink() -> (TestApp, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox = smtp_sink(listener).await;
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.outbox_interval = Duration::from_millis(50);
    })
    .await;
    (app, inbox)
}

#[tokio::test]
async fn an_invitation_is_delivered_over_smtp_and_marked_delivered() {
    let (app, inbox) = app_with_smtp_sink().await;
    app.system_admin("csa@example.org").await;
    let d = app
        .execute_data(
            "csa@example.org",
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } errors { code } } }",
            json!({"i": {"portal": "CLUSTER", "email": "imo@example.org", "firstName": "Imo", "lastName": "Officer", "userType": "IMO"}}),
        )
        .await;
    assert_eq!(d["createUser"]["errors"], json!([]));
    assert!(
        wait_for(|| inbox.lock().map(|m| !m.is_empty()).unwrap_or(false)).await,
        "no mail arrived"
    );
    let mail = inbox.lock().expect("inbox")[0].clone();
    assert_eq!(mail.to, "imo@example.org");
    assert!(
        mail.data
            .contains("Access granted to the Cluster Reporting portal"),
        "{}",
        mail.data
    );
    assert!(
        pending_becomes(&app, 0).await,
        "the outbox row was not marked delivered"
    );
}

#[tokio::test]
async fn a_notice_waits_while_smtp_is_down_and_goes_out_once_it_is_back() {
    // Reserve a port, then close it: the first attempts fail with "connection refused".
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.outbox_interval = Duration::from_millis(50);
    })
    .await;
    idm::outbox::store::enqueue(
        &app.db,
        idm::notify::invitation("ana@example.org", "Ana", idm::domain::Portal::Ip),
    )
    .await
    .expect("enqueue");
    // A failed attempt is recorded and the row stays pending; the mutation path never waits.
    let mut failed = false;
    for _ in 0..100 {
        let row = idm::entity::outbox::Entity::find_by_id(1)
            .one(&app.db)
            .await
            .expect("row");
        if row.is_some_and(|r| r.attempts > 0 && r.last_error.is_some()) {
            failed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed, "no failed attempt was recorded");
    assert_eq!(pending(&app).await, 1);
    // Bring the server up and make the row due again: it is delivered exactly once.
    let inbox = smtp_sink(
        TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("rebind"),
    )
    .await;
    idm::outbox::store::mark_failed(&app.db, 1, chrono::Utc::now(), "test: due now")
        .await
        .expect("due");
    assert!(
        wait_for(|| inbox.lock().map(|m| m.len() == 1).unwrap_or(false)).await,
        "not delivered after recovery"
    );
    assert!(
        pending_becomes(&app, 0).await,
        "the row was not marked delivered"
    );
    assert_eq!(
        inbox.lock().expect("inbox").len(),
        1,
        "delivered more than once"
    );
}

#[tokio::test]
async fn a_batch_marks_every_sent_row_delivered_and_only_the_undeliverable_one_failed() {
    let (app, inbox) = app_with_smtp_sink().await;
    // 25 rows: more than one claim of 20; the 7th has a recipient no mail server accepts.
    for i in 1..=25 {
        let to = if i == 7 {
            "not an address".to_owned()
        } else {
            format!("u{i}@example.org")
        };
        idm::outbox::store::enqueue(
            &app.db,
            idm::notify::invitation(&to, "Ana", idm::domain::Portal::Ip),
        )
        .await
        .expect("enqueue");
    }
    assert!(
        wait_for(|| inbox.lock().map(|m| m.len() == 24).unwrap_or(false)).await,
        "not every deliverable row was sent"
    );
    assert!(
        pending_becomes(&app, 1).await,
        "sent rows were not marked delivered"
    );
    let rows = idm::entity::outbox::Entity::find()
        .all(&app.db)
        .await
        .expect("rows");
    assert_eq!(rows.len(), 25);
    for row in rows {
        if row.recipient == "not an address" {
            assert!(row.delivered_at.is_none(), "{row:?}");
            assert_eq!(row.attempts, 1, "{row:?}");
            assert!(row.last_error.is_some(), "{row:?}");
        } else {
            assert!(row.delivered_at.is_some(), "{row:?}");
            assert_eq!(row.attempts, 1, "{row:?}");
            assert!(row.last_error.is_none(), "{row:?}");
        }
    }
    assert_eq!(
        inbox.lock().expect("inbox").len(),
        24,
        "a row went out twice"
    );
}
