//! Queueing and claiming outbox rows.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, Statement,
};

use crate::entity::outbox;

/// A notification to queue.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// The row that queues `message`, due now.
pub fn new_row(message: Message) -> outbox::ActiveModel {
    let now = Utc::now();
    outbox::ActiveModel {
        created_at: Set(now),
        kind: Set(message.kind.to_owned()),
        recipient: Set(message.recipient),
        subject: Set(message.subject),
        body: Set(message.body),
        attempts: Set(0),
        next_attempt_at: Set(now),
        delivered_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
}

/// Queues a message; call it inside the transaction of the change it announces.
pub async fn enqueue(db: &impl ConnectionTrait, message: Message) -> Result<(), DbErr> {
    outbox::Entity::insert(new_row(message))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Claims up to `limit` due rows for delivery by this worker: each claimed row's next attempt
/// moves `lease` ahead, so no other worker (of this or another instance) takes it meanwhile.
/// One atomic statement; on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps concurrent claims apart.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET next_attempt_at = {p1} WHERE id IN (\
         SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= {p2} \
         ORDER BY id LIMIT {limit} {lock}) RETURNING *",
        p1 = placeholder(backend, 1),
        p2 = placeholder(backend, 2),
    );
    let stmt = Statement::from_sql_and_values(backend, sql, [(now + lease).into(), now.into()]);
    let rows = db.query_all_raw(stmt).await?;
    let mut claimed = rows
        .iter()
        .map(|row| outbox::Model::from_query_result(row, ""))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|m| m.id);
    Ok(claimed)
}

/// The n-th bind placeholder of a backend.
fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Marks rows delivered, in one statement.
pub async fn mark_delivered(
    db: &impl ConnectionTrait,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DeliveredAt, Expr::value(at))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: i64,
    retry_at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(retry_at))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(error.chars().take(500).collect::<String>()),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Number of undelivered rows (for metrics and tests).
pub async fn pending(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM outbox WHERE delivered_at IS NULL",
        ))
        .await?;
    row.map(|r| r.try_get::<i64>("", "n"))
        .transpose()
        .map(|n| n.unwrap_or(0))
}
