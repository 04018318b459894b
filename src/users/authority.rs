//! A requester's authority as one text: what a sign-in read that the guard and the requester's
//! identity depend on. A sign-in kept in memory (`auth::SignIns`) still stands while the
//! database computes the same text for the user; the text is written twice, here in Rust for
//! the sign-in and as SQL for the statements that confirm it, and `tests/api/sign_in.rs`
//! checks on both databases that the two agree.

use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

use crate::entity::{prp_role, user};

/// Everything a sign-in reads that authority and identity depend on, as one text: the
/// user's email, activity and partner, then each role (by id) with its type, scope and
/// activity. [`sql`] computes the same text in the database, so a statement can
/// tell whether a sign-in kept in memory still stands.
pub fn text<'a>(
    user: &user::Model,
    roles: impl IntoIterator<Item = &'a prp_role::Model>,
) -> String {
    use std::fmt::Write;
    let flag = |b: bool| if b { '1' } else { '0' };
    let mut text = format!(
        "{}|{}|{}",
        user.email,
        flag(user.is_active),
        user.partner_id.map(|p| p.to_string()).unwrap_or_default()
    );
    let mut roles: Vec<&prp_role::Model> = roles.into_iter().collect();
    roles.sort_by_key(|r| r.id);
    for r in roles {
        let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let _ = write!(
            text,
            "|{},{},{},{},{}",
            r.id,
            r.role,
            id(r.workspace_id),
            id(r.cluster_id),
            flag(r.is_active)
        );
    }
    text
}

/// [`text`] of a user as the statement's snapshot holds it, as a scalar subquery
/// (NULL when the user does not exist) in which `id` stands for the user's id.
pub fn sql(id: &str) -> String {
    format!(
        "(SELECT u.email || '|' || CASE WHEN u.is_active THEN '1' ELSE '0' END || '|' \
         || COALESCE(CAST(u.partner_id AS TEXT), '') || COALESCE((SELECT string_agg('|' \
         || CAST(r.id AS TEXT) || ',' || r.role || ',' || COALESCE(CAST(r.workspace_id AS TEXT), '') \
         || ',' || COALESCE(CAST(r.cluster_id AS TEXT), '') || ',' \
         || CASE WHEN r.is_active THEN '1' ELSE '0' END, '' ORDER BY r.id) \
         FROM prp_role r WHERE r.user_id = u.id), '') FROM app_user u WHERE u.id = {id})"
    )
}

/// [`sql`] of user `id`, bound as a parameter.
pub fn expr(backend: DbBackend, id: i64) -> Expr {
    // sea-query's placeholder in custom SQL: `$1` on PostgreSQL, `?` on SQLite.
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    Expr::cust_with_values(sql(placeholder), [id])
}

/// [`text`] of user `id` as the database holds it now (None when it does not exist).
pub async fn now(db: &impl ConnectionTrait, id: i64) -> Result<Option<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut select = SelectStatement::new();
    select.expr_as(expr(backend, id), Alias::new("authority"));
    match db.query_one(&select).await? {
        Some(row) => row.try_get("", "authority"),
        None => Ok(None),
    }
}
