//! Remembered sign-ins, in one place: the sign-ins this instance keeps by token, which
//! operations may start from one, and the authority fingerprint that confirms one still
//! stands. A remembered requester is used only by a statement that also reads its authority
//! as the database holds it now (`authority_sql`) and finds it equal to what the sign-in read
//! (`authority_text`); `tests/api/sign_in.rs` checks on both databases that the two agree.
//! `context::Auth` carries the outcome through a request, `execution` reruns on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection,
};
use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

use super::{Bearer, JwtKeys, Requester};
use crate::entity::{prp_role, user};

/// The sign-ins this instance made, by token. A request whose token is here may run on the
/// remembered requester instead of reading it again, when every statement that relies on
/// it also reads the requester's authority as it stands and finds it unchanged (see
/// `context::Auth`); otherwise the token signs in again. Nothing here is trusted on its own,
/// so another instance's writes can never be answered with a stale authority. The token
/// itself is not verified again: it is byte for byte one that was, with the keys this
/// process holds, and it is used only until its `exp`.
///
/// How long a sign-in serves (`IDM_SIGN_IN_TTL_SECS`) and how many are kept
/// (`IDM_SIGN_IN_CAPACITY`) are settings; correctness depends on neither. The time bounds how
/// long a token without `iat` goes without its hourly `lastLogin` write and how long a user's
/// data stays in memory; a full memory is emptied. Either at zero remembers nothing: every
/// request signs in.
pub struct SignIns {
    map: Mutex<HashMap<String, Remembered>>,
    ttl: Duration,
    capacity: usize,
}

struct Remembered {
    requester: Arc<Requester>,
    at: Instant,
    exp: i64,
    kid: Option<String>,
}

impl SignIns {
    /// Sign-ins kept for `ttl`, at most `capacity` of them.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            map: Mutex::default(),
            ttl,
            capacity,
        }
    }

    /// The remembered sign-in of `token`, if it is recent, the token has not expired and
    /// the key that signed it is still published.
    pub fn get(&self, token: &str, keys: &JwtKeys) -> Option<Arc<Requester>> {
        let map = self.map.lock().ok()?;
        let entry = map.get(token)?;
        let published = match &keys.provider {
            Some(provider) => provider.publishes(entry.kid.as_deref()),
            None => true,
        };
        (published && entry.at.elapsed() < self.ttl && Utc::now().timestamp() < entry.exp)
            .then(|| entry.requester.clone())
    }

    /// Remembers the sign-in of a verified token.
    pub fn put(&self, bearer: &Bearer<'_>, requester: Arc<Requester>) {
        if self.capacity == 0 || self.ttl.is_zero() {
            return;
        }
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.capacity {
                map.clear();
            }
            let entry = Remembered {
                requester,
                at: Instant::now(),
                exp: bearer.exp,
                kid: bearer.kid.clone(),
            };
            map.insert(bearer.token.to_owned(), entry);
        }
    }

    /// Forgets the sign-in of `token` (it no longer stands).
    pub fn forget(&self, token: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(token);
        }
    }
}

/// Whether the operation `name` of `doc` may start from a remembered sign-in (see
/// `context::Auth`): a query whose root fields are all `users` (or `__typename`), or a
/// mutation that is a single `updateRole`, `createRoles` or `deleteRole`. Their resolvers
/// read the requester's authority in the statement they rely on and confirm it before
/// anything else uses it or anything is written, so a request that finds it changed can be
/// rerun after a sign-in. Fragments at the root and every other operation sign in first.
pub fn may_start(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    let operation = match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(_), None) => return false,
    };
    let fields: Option<Vec<&str>> = operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.as_str()),
            _ => None,
        })
        .collect();
    let Some(fields) = fields else {
        return false;
    };
    match operation.node.ty {
        OperationType::Query => fields.iter().all(|f| matches!(*f, "users" | "__typename")),
        OperationType::Mutation => {
            matches!(
                fields.as_slice(),
                ["updateRole" | "createRoles" | "deleteRole"]
            )
        }
        OperationType::Subscription => false,
    }
}

/// Everything a sign-in reads that authority and identity depend on, as one text: the
/// user's email, activity and partner, then each role (by id) with its type, scope and
/// activity. [`authority_sql`] computes the same text in the database, so a statement can
/// tell whether a sign-in kept in memory still stands.
pub fn authority_text<'a>(
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

/// [`authority_text`] of a user as the statement's snapshot holds it, as a scalar subquery
/// (NULL when the user does not exist) in which `id` stands for the user's id.
pub fn authority_sql(id: &str) -> String {
    format!(
        "(SELECT u.email || '|' || CASE WHEN u.is_active THEN '1' ELSE '0' END || '|' \
         || COALESCE(CAST(u.partner_id AS TEXT), '') || COALESCE((SELECT string_agg('|' \
         || CAST(r.id AS TEXT) || ',' || r.role || ',' || COALESCE(CAST(r.workspace_id AS TEXT), '') \
         || ',' || COALESCE(CAST(r.cluster_id AS TEXT), '') || ',' \
         || CASE WHEN r.is_active THEN '1' ELSE '0' END, '' ORDER BY r.id) \
         FROM prp_role r WHERE r.user_id = u.id), '') FROM app_user u WHERE u.id = {id})"
    )
}

/// [`authority_sql`] of user `id`, bound as a parameter.
pub fn authority_expr(backend: DbBackend, id: i64) -> Expr {
    // sea-query's placeholder in custom SQL: `$1` on PostgreSQL, `?` on SQLite.
    let placeholder = match backend {
        DbBackend::Postgres => "$1",
        _ => "?",
    };
    Expr::cust_with_values(authority_sql(placeholder), [id])
}

/// [`authority_text`] of user `id` as the database holds it now (None when it does not exist).
pub async fn authority_now(db: &impl ConnectionTrait, id: i64) -> Result<Option<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut select = SelectStatement::new();
    select.expr_as(authority_expr(backend, id), Alias::new("authority"));
    match db.query_one(&select).await? {
        Some(row) => row.try_get("", "authority"),
        None => Ok(None),
    }
}
