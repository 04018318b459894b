//! The delivery loop: claims due rows, sends them (SMTP, or the log when no server is set),
//! marks them delivered or schedules a retry with exponential backoff.

use std::time::Duration;

use chrono::Utc;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use super::store;
use crate::entity::outbox;

/// Rows claimed per round: two statements move a whole batch (claim, then mark delivered).
const BATCH: u64 = 50;
/// The longest one SMTP delivery may take.
const SEND_TIMEOUT_SECONDS: u64 = 10;
/// How long a claimed row is reserved for the worker that claimed it: longer than a batch
/// whose every delivery times out, so no other worker claims a row while it may be sending.
const LEASE_SECONDS: i64 = (BATCH * SEND_TIMEOUT_SECONDS) as i64 + 60;

/// Where notifications go.
#[expect(clippy::large_enum_variant, reason = "one per process")]
pub enum Sender {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Log,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sender::Smtp { .. } => "Sender::Smtp",
            Sender::Log => "Sender::Log",
        })
    }
}

impl Sender {
    /// SMTP when a URL is configured (e.g. `smtp://localhost:2525`), else the log.
    pub fn from_config(smtp_url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => Ok(Sender::Smtp {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| anyhow::anyhow!("IDM_SMTP_URL is not a valid smtp:// URL"))?
                    .timeout(Some(Duration::from_secs(SEND_TIMEOUT_SECONDS)))
                    .build(),
                from: from
                    .parse()
                    .map_err(|_| anyhow::anyhow!("IDM_SMTP_FROM is not a valid address"))?,
            }),
            None => Ok(Sender::Log),
        }
    }

    /// Whether the SMTP server answers (connects and greets); true when there is none to ask.
    pub async fn reachable(&self) -> Result<(), String> {
        match self {
            Sender::Log => Ok(()),
            Sender::Smtp { transport, .. } => match transport.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("the SMTP server refused the connection".to_owned()),
                Err(e) => Err(format!("the SMTP server cannot be reached: {e}")),
            },
        }
    }

    async fn send(&self, row: &outbox::Model) -> Result<(), String> {
        match self {
            Sender::Log => {
                tracing::info!(outbox.id = row.id, kind = %row.kind, subject = %row.subject, "notification (no SMTP server configured)");
                Ok(())
            }
            Sender::Smtp { transport, from } => {
                let to: Mailbox = row
                    .recipient
                    .parse()
                    .map_err(|_| "invalid recipient".to_owned())?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(row.subject.clone())
                    .body(row.body.clone())
                    .map_err(|e| e.to_string())?;
                transport
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// Delay before the next attempt after `attempts` failures: 5 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = attempts.clamp(0, 10) as u32;
    chrono::Duration::seconds((5i64 << exp).min(3600))
}

/// Delivers every due row once; returns how many were delivered.
pub async fn deliver_due(
    db: &DatabaseConnection,
    sender: &Sender,
) -> Result<usize, sea_orm::DbErr> {
    let now = Utc::now();
    let rows = store::claim_due(db, now, chrono::Duration::seconds(LEASE_SECONDS), BATCH).await?;
    // Sent rows are marked together, one statement per batch instead of one per row: a crash
    // between a send and the mark re-sends at most this batch once its lease runs out
    // (delivery is at-least-once either way).
    let mut delivered = Vec::with_capacity(rows.len());
    for row in rows {
        match sender.send(&row).await {
            Ok(()) => {
                metrics::counter!("idm_outbox_delivered_total").increment(1);
                delivered.push(row.id);
            }
            Err(error) => {
                tracing::warn!(
                    outbox.id = row.id,
                    attempts = row.attempts + 1,
                    "notification delivery failed, will retry"
                );
                metrics::counter!("idm_outbox_failed_total").increment(1);
                store::mark_failed(db, row.id, Utc::now() + backoff(row.attempts), &error).await?;
            }
        }
    }
    store::mark_delivered(db, &delivered, Utc::now()).await?;
    Ok(delivered.len())
}

/// Runs until `shutdown` turns true, delivering due rows every `interval`.
pub async fn run(
    db: DatabaseConnection,
    sender: Sender,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            tracing::info!("outbox worker stopped");
            return;
        }
        match deliver_due(&db, &sender).await {
            Ok(n) if n as u64 == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "outbox round failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
