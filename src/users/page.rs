//! The users page: its WHERE (`filter`: the visibility rule as SQL, the filters), the
//! sort keys and the keyset cursor, so a page is filtered, ordered and counted by the
//! database, never in memory; one statement per page, its roles included when asked for.

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, SelectStatement};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic, Iterable, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::store::user_count;
use crate::auth::remembered;
use crate::domain::{RoleType, UserStatus};
use crate::entity::positional::FromRowAt;
use crate::entity::{partner, prp_role, user};
use crate::keyset::{self, Key, KeyExpr, SortDirection};
use crate::partners::store::{PartnerColumns, PartnerRow};
use crate::permissions::UserScope;
use crate::roles::store::{select_bundles, take_bundle, RoleBundle};

mod filter;
pub use filter::visible_users_sql;
use filter::{condition, scope_sql, HAS_ROLE};

/// Fields users can be ordered by.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UserOrderField {
    /// Creation order
    Id,
    /// Email address
    Email,
    /// First name
    FirstName,
    /// Last name
    LastName,
    /// Last sign-in; never-signed-in users come last in both directions
    LastLogin,
    /// Partner title; users without a partner come last in both directions
    Partner,
    /// Status, in the order of the UserStatus enum
    Status,
}

/// The filters of `users`, decoded.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub name_email: Option<String>,
    pub statuses: Option<Vec<UserStatus>>,
    pub roles: Option<Vec<RoleType>>,
    pub partner_ids: Option<Vec<i64>>,
    pub cluster_ids: Option<Vec<i64>>,
    pub workspace_ids: Option<Vec<i64>>,
}

impl UserFilter {
    /// True when no filter narrows the set.
    pub fn is_empty(&self) -> bool {
        self.name_email
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
            && self.statuses.is_none()
            && self.roles.is_none()
            && self.partner_ids.is_none()
            && self.cluster_ids.is_none()
            && self.workspace_ids.is_none()
    }
}

/// One page request of `users`.
#[derive(Debug, Clone)]
pub struct UserPage {
    /// The requester, never listed.
    pub requester: i64,
    pub scope: UserScope,
    pub filter: UserFilter,
    pub order: Vec<(UserOrderField, SortDirection)>,
    /// Rows after (forward) or before (backward) this user id.
    pub cursor: Option<i64>,
    pub backward: bool,
    pub limit: u64,
}

/// The sort keys of an ordering, as SQL over table alias `{t}`, each with "descending".
///
/// With a search term on PostgreSQL the id key is written `id + 0`, so the planner selects the
/// few matching rows through the trigram indexes and sorts them, instead of walking the
/// primary key backwards past every non-matching row.
fn sort_keys(
    backend: DbBackend,
    order: &[(UserOrderField, SortDirection)],
    searching: bool,
) -> Vec<Key> {
    let id = KeyExpr::Id {
        opaque: searching && backend == DbBackend::Postgres,
    };
    let never = match backend {
        DbBackend::Postgres => "TIMESTAMPTZ 'epoch'",
        _ => "''",
    };
    let mut keys = Vec::new();
    for (field, dir) in order {
        let desc = *dir == SortDirection::Desc;
        match field {
            UserOrderField::Id => keys.push(Key::new(id.clone(), desc)),
            UserOrderField::Email => keys.push(Key::sql("{t}.email", desc)),
            UserOrderField::FirstName => keys.push(Key::sql("{t}.first_name", desc)),
            UserOrderField::LastName => keys.push(Key::sql("{t}.last_name", desc)),
            UserOrderField::LastLogin => {
                keys.push(Key::sql(
                    "CASE WHEN {t}.last_login IS NULL THEN 1 ELSE 0 END",
                    false,
                ));
                keys.push(Key::sql(
                    format!("COALESCE({{t}}.last_login, {never})"),
                    desc,
                ));
            }
            UserOrderField::Partner => {
                keys.push(Key::sql(
                    "CASE WHEN {t}.partner_id IS NULL THEN 1 ELSE 0 END",
                    false,
                ));
                keys.push(Key::sql(
                    "COALESCE((SELECT p.title FROM partner p WHERE p.id = {t}.partner_id), '')",
                    desc,
                ));
            }
            UserOrderField::Status => keys.push(Key::sql(
                format!(
                    "CASE WHEN NOT {{t}}.is_active THEN 2 WHEN NOT {HAS_ROLE} THEN 3 \
                     WHEN {{t}}.last_login IS NOT NULL THEN 0 ELSE 1 END"
                ),
                desc,
            )),
        }
    }
    if !order.iter().any(|(f, _)| *f == UserOrderField::Id) {
        keys.push(Key::new(id, order.is_empty()));
    }
    keys
}

/// One page of users with their partners and, when `with_roles`, their roles with scopes, in
/// one statement (`limit + 1` users are read to tell whether more follow).
///
/// With roles, the page query becomes a WITH clause and each of its users is joined to its
/// roles: one round trip instead of two (a page, then the roles of its ids). The page's sort
/// keys are selected as `k0..kn` so the outer query keeps the page's order.
pub async fn page(
    db: &impl ConnectionTrait,
    page: &UserPage,
    read: PageRead,
) -> Result<UserRows, DbErr> {
    let PageRead {
        total: with_total,
        roles: with_roles,
        partner: partner_columns,
        authority_of,
    } = read;
    let searching = !page
        .filter
        .name_email
        .as_deref()
        .is_none_or(|t| t.trim().is_empty());
    let backend = db.get_database_backend();
    let keys = sort_keys(backend, &page.order, searching);
    let mut select = user::Entity::find()
        .find_also_related(partner::Entity)
        .filter(condition(backend, page));
    // Where each part of a row starts, counted as its columns are selected.
    let mut columns = Columns(
        user::Model::COLUMNS.len()
            + match partner_columns {
                PartnerColumns::All => partner::Model::COLUMNS.len(),
                PartnerColumns::Brief => partner::Brief::COLUMNS.len(),
            },
    );
    if partner_columns == PartnerColumns::Brief {
        select = select.select_only();
        for column in user::Column::iter() {
            select = select.column_as(column, format!("A_{}", column.as_str()));
        }
        for column in partner::Brief::COLUMNS {
            select = select.column_as(column, format!("B_{}", column.as_str()));
        }
    }
    if let Some(cursor) = page.cursor {
        let visible = scope_sql(&page.scope);
        select = select.filter(keyset::after(
            "app_user",
            &keys,
            cursor,
            page.backward,
            &visible,
        ));
    }
    let order = keyset::order_by("app_user", &keys, page.backward);
    for (expr, direction) in &order {
        select = select.order_by(expr.clone(), direction.clone());
    }
    // On a filtered first page the total comes with the rows (one scan of the matches, not
    // two); the unfiltered total is the maintained counter, and later pages count apart.
    let window = with_total && page.cursor.is_none() && !counts_from_counter(page);
    let mut total_at = None;
    if window {
        select = select.column_as(Expr::cust("COUNT(*) OVER ()"), "total_count");
        total_at = Some(columns.next());
    }
    // The requester's authority, once per row: in the page itself, or with roles in the
    // outer query (in the page, PostgreSQL carries it through the joins: ~20 µs more).
    let mut authority_at = None;
    if let (Some(id), false) = (authority_of, with_roles) {
        select = select.column_as(remembered::authority_expr(backend, id), "authority");
        authority_at = Some(columns.next());
    }
    if with_roles {
        for (i, (expr, _)) in order.iter().enumerate() {
            select = select.column_as(expr.clone(), format!("k{i}"));
            columns.next();
        }
    }
    // The LIMIT is written as a literal (a number of ours, never client text): as a bound
    // parameter, PostgreSQL cannot cost a generic plan for it and re-plans the page query on
    // every execution (~0.4 ms of a 1 ms page).
    let mut stmt = sea_orm::QueryTrait::build(&select, backend);
    stmt.sql.push_str(&format!(" LIMIT {}", page.limit + 1));
    let mut bundle_at = 0;
    if with_roles {
        // The outer query: the page's columns, the authority, then a role's.
        let authority = authority_of.map(|id| {
            let values = stmt
                .values
                .get_or_insert_with(|| sea_orm::sea_query::Values(Vec::new()));
            values.0.push(id.into());
            match backend {
                DbBackend::Postgres => remembered::authority_sql(&format!("${}", values.0.len())),
                _ => remembered::authority_sql("?"),
            }
        });
        if authority.is_some() {
            authority_at = Some(columns.next());
        }
        bundle_at = columns.0;
        stmt.sql = format!(
            "WITH pg AS ({}) {}",
            stmt.sql,
            roles_of_page(backend, &order, authority)
        );
    }
    let raw = db.query_all_raw(stmt).await?;
    let authority = match (authority_of, authority_at.zip(raw.first())) {
        (Some(_), Some((at, row))) => row.try_get_by_index::<Option<String>>(at)?,
        // No row carried it: read it right after. An empty page shows only that no user
        // matched in the remembered authority's scope, which the requester still holds if
        // this matches. (Signing in again and running the page a second time, as before,
        // cost a statement more and the page's work twice: a search's scan, say.)
        (Some(id), None) => remembered::authority_now(db, id).await?,
        (None, _) => None,
    };
    let mut total = None;
    let mut rows: Vec<(user::Model, Option<PartnerRow>)> = Vec::with_capacity(raw.len());
    let mut roles: HashMap<i64, Vec<RoleBundle>> = HashMap::new();
    for row in &raw {
        // With roles a user comes once per role, on consecutive rows.
        let id: i64 = row.try_get_by_index(0)?;
        if rows.last().is_none_or(|(u, _)| u.id != id) {
            let mut at = 0;
            let user = user::Model::take(row, &mut at)?;
            let partner = match partner_columns {
                PartnerColumns::All => partner::Model::take_optional(row, &mut at)?
                    .map(|m| PartnerRow::Full(Box::new(m))),
                PartnerColumns::Brief => {
                    partner::Brief::take_optional(row, &mut at)?.map(PartnerRow::Brief)
                }
            };
            rows.push((user, partner));
            if let (Some(at), None) = (total_at, total) {
                total = Some(u64::try_from(row.try_get_by_index::<i64>(at)?).unwrap_or(0));
            }
        }
        if with_roles {
            let of_user = roles.entry(id).or_default();
            let mut at = bundle_at;
            if let Some(bundle) = take_bundle(row, &mut at)? {
                of_user.push(bundle);
            }
        }
    }
    if window && total.is_none() {
        total = Some(0);
    }
    let (rows, more) = keyset::finish(rows, page.limit, page.backward);
    Ok(UserRows {
        rows,
        roles: with_roles.then_some(roles),
        more,
        total,
        authority,
    })
}

/// The number of columns a page row has so far.
struct Columns(usize);

impl Columns {
    /// Counts one more column; returns where it is.
    fn next(&mut self) -> usize {
        self.0 += 1;
        self.0 - 1
    }
}

/// The outer query of a page with roles: every row of the page `pg` (as many times as it has
/// roles, once without) with the `authority` column (SQL, when given) and a role and its
/// scope, in the page's order (`order`, selected in `pg` as `k0..kn`), then by role id.
fn roles_of_page(backend: DbBackend, order: &[(Expr, Order)], authority: Option<String>) -> String {
    let (pg, r) = (Alias::new("pg"), Alias::new("r"));
    let mut q = SelectStatement::new();
    q.from(pg.clone()).column((pg.clone(), Asterisk)).join_as(
        JoinType::LeftJoin,
        prp_role::Entity,
        r.clone(),
        Expr::col((r.clone(), prp_role::Column::UserId)).equals((pg.clone(), Alias::new("A_id"))),
    );
    if let Some(sql) = authority {
        q.expr_as(Expr::cust(sql), Alias::new("authority"));
    }
    select_bundles(&mut q);
    for (i, (_, direction)) in order.iter().enumerate() {
        q.order_by((pg.clone(), Alias::new(format!("k{i}"))), direction.clone());
    }
    q.order_by((r, prp_role::Column::Id), Order::Asc);
    match backend {
        DbBackend::Postgres => q.to_string(sea_orm::sea_query::PostgresQueryBuilder),
        _ => q.to_string(sea_orm::sea_query::SqliteQueryBuilder),
    }
}

/// What a users page reads besides its users.
#[derive(Clone, Copy, Debug)]
pub struct PageRead {
    /// The size of the whole filtered set (with the rows when that is cheaper).
    pub total: bool,
    /// Each user's roles with their scopes.
    pub roles: bool,
    /// Which columns of each user's partner.
    pub partner: PartnerColumns,
    /// Also read this user's authority (`remembered::authority_sql`: a remembered requester's, to confirm).
    pub authority_of: Option<i64>,
}

/// A page of users with their partners (and their roles, when asked for).
#[derive(Debug)]
pub struct UserRows {
    pub rows: Vec<(user::Model, Option<PartnerRow>)>,
    /// Each user's roles with their scopes, when read with the page.
    pub roles: Option<HashMap<i64, Vec<RoleBundle>>>,
    /// More rows follow in the page's direction.
    pub more: bool,
    /// The size of the whole filtered set, when it came with the page.
    pub total: Option<u64>,
    /// The authority asked for by `PageRead::authority_of`: read with the rows, or by a
    /// statement of its own when there are none.
    pub authority: Option<String>,
}

/// Whether the total is the maintained counter (everyone but the requester).
fn counts_from_counter(page: &UserPage) -> bool {
    page.scope == UserScope::All && page.filter.is_empty()
}

/// The number of users matching the page's scope and filter. Everyone-but-me is read from
/// the maintained counter; anything narrower is counted by the database.
pub async fn count(db: &impl ConnectionTrait, page: &UserPage) -> Result<u64, DbErr> {
    if counts_from_counter(page) {
        return Ok(user_count(db).await?.saturating_sub(1));
    }
    user::Entity::find()
        .filter(condition(db.get_database_backend(), page))
        .count(db)
        .await
}
