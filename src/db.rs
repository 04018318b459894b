//! Database connection and write transactions, the same on SQLite and PostgreSQL.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Connects with a pool sized by the configuration. SQLite gets WAL, a busy timeout and
/// foreign keys, so concurrent writers queue instead of failing. A PostgreSQL password goes
/// to sqlx directly, never into the URL sea-orm sees: sea-orm's `connect` span records that
/// URL, and at debug or trace level every event inside it (e.g. the TLS handshake) would
/// print it.
///
/// With `statement_timeout`, PostgreSQL ends any statement of the pool's connections that
/// runs longer (set in the connection's start-up packet: no statement of its own), so the
/// database work of a timed-out request ends too and frees its connection.
pub async fn connect(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
    statement_timeout: Option<Duration>,
) -> Result<DatabaseConnection, DbErr> {
    let (url, password) = split_password(url);
    let mut options = ConnectOptions::new(url);
    options.map_sqlx_postgres_opts(move |mut o| {
        if let Some(password) = &password {
            o = o.password(password);
        }
        if let Some(timeout) = statement_timeout {
            o = o.options([("statement_timeout", format!("{}ms", timeout.as_millis()))]);
        }
        o
    });
    options
        .max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(acquire_timeout)
        .connect_timeout(acquire_timeout)
        // A connection idle for a second is pinged before use (a dead one is replaced); one in
        // steady use is not: a ping on every acquire was a round trip more per statement.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Splits the password out of a `postgres://user:password@host/db` URL, or out of its
/// `?password=` parameter (which wins, as it does in sqlx): the URL without it, and the
/// password percent-decoded. Any other URL comes back as it is.
fn split_password(url: &str) -> (String, Option<String>) {
    let unchanged = || (url.to_owned(), None);
    let Some((scheme, rest)) = url.split_once("://") else {
        return unchanged();
    };
    if scheme != "postgres" && scheme != "postgresql" {
        return unchanged();
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (mut authority, tail) = rest.split_at(authority_end);
    let mut password = None;
    let without_password;
    if let Some((userinfo, host)) = authority.rsplit_once('@') {
        if let Some((user, secret)) = userinfo.split_once(':') {
            let Some(secret) = percent_decode(secret) else {
                return unchanged();
            };
            password = Some(secret);
            without_password = format!("{user}@{host}");
            authority = &without_password;
        }
    }
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let mut kept = Vec::new();
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("password", value)) => match percent_decode(&value.replace('+', " ")) {
                Some(secret) => password = Some(secret),
                None => return unchanged(),
            },
            _ => kept.push(pair),
        }
    }
    if password.is_none() {
        return unchanged();
    }
    let query = if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    };
    (format!("{scheme}://{authority}{path}{query}"), password)
}

/// Decodes `%XX` escapes; None when an escape is broken or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Brings the planner's statistics up to date after a bulk load. PostgreSQL costs its
/// trigram (GIN) indexes from figures only VACUUM refreshes: until autovacuum comes by, a
/// freshly imported `app_user` is searched by a sequential scan (a `nameEmail` search of 100k
/// users: 36 ms instead of 2 ms). SQLite gets `PRAGMA optimize`, its own cheap equivalent.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "VACUUM (ANALYZE) app_user, prp_role, partner, partner_cluster, workspace, \
             response_plan, cluster, counter, audit_event"
        }
        DbBackend::Sqlite => "PRAGMA optimize",
        _ => return Ok(()),
    };
    db.execute_unprepared(sql).await?;
    Ok(())
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

/// Selects every column of entity `E` from table alias `table` as `<prefix><column>`, in
/// declaration order, so a joined row can be read back by position with
/// `entity::positional::FromRowAt` (the prefixes name the columns for whoever reads the SQL).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_password_is_split_out_of_the_url() {
        assert_eq!(
            split_password("postgres://idm:p%40ss%3Aword@db.example:5432/idm?sslmode=require"),
            (
                "postgres://idm@db.example:5432/idm?sslmode=require".to_owned(),
                Some("p@ss:word".to_owned())
            )
        );
        assert_eq!(
            split_password("postgresql://idm:secret@db"),
            ("postgresql://idm@db".to_owned(), Some("secret".to_owned()))
        );
        assert_eq!(
            split_password("postgres://idm@db/idm?sslmode=require&password=s%26cret+1"),
            (
                "postgres://idm@db/idm?sslmode=require".to_owned(),
                Some("s&cret 1".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://idm:old@db/idm?password=new"),
            ("postgres://idm@db/idm".to_owned(), Some("new".to_owned()))
        );
        for unchanged in [
            "postgres://idm@db/idm",
            "postgres://db/idm",
            "sqlite://idm.db?mode=rwc",
            "postgres://idm:bad%zz@db/idm",
            "postgres://idm:bad%+1@db/idm",
            "postgres://idm@db/idm?password=bad%zz",
        ] {
            assert_eq!(split_password(unchanged), (unchanged.to_owned(), None));
        }
    }
}
