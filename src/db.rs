//! Database connection and write transactions, the same on SQLite and PostgreSQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Connects with a pool sized by the configuration. SQLite gets WAL, a busy timeout and
/// foreign keys, so concurrent writers queue instead of failing.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .connect_timeout(acquire_timeout)
        .test_before_acquire(true)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Starts a transaction that will write: `BEGIN IMMEDIATE` on SQLite, so it takes the write
/// lock first and never fails half-way on a lock upgrade; a plain `BEGIN` on PostgreSQL.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Selects every column of entity `E` from table alias `table` as `<prefix><column>`, so a
/// joined row can be read back with `Model::from_query_result(row, prefix)`.
pub fn select_prefixed<E: sea_orm::EntityTrait>(
    q: &mut sea_orm::sea_query::SelectStatement,
    table: &str,
    prefix: &str,
) {
    use sea_orm::sea_query::{Alias, Expr};
    use sea_orm::{IdenStatic, Iterable};
    for col in E::Column::iter() {
        q.expr_as(
            Expr::col((Alias::new(table), col)),
            Alias::new(format!("{prefix}{}", col.as_str())),
        );
    }
}
