//! Keyset pagination shared by the paged lists: sort keys are SQL expressions over a table
//! alias `{t}`; a cursor is a row id, and the keys' values are read from that row, so a cursor
//! stays valid when rows are added before it. The row is read only when the requester may see
//! it: a cursor is just an id, so a forged cursor of a hidden row would otherwise tell where
//! that row's name or email sorts. A hidden cursor row gives an empty page.

use sea_orm::sea_query::Expr;
use sea_orm::Order;

/// A sort key of a paged list, and whether it sorts descending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub expr: KeyExpr,
    pub desc: bool,
}

/// What a sort key orders by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyExpr {
    /// The row's id. `opaque` writes it `id + 0`, which hides the primary key's order from
    /// PostgreSQL's planner (see `users::page::sort_keys`).
    Id { opaque: bool },
    /// SQL over the alias `{t}`.
    Sql(String),
}

impl Key {
    pub fn new(expr: KeyExpr, desc: bool) -> Self {
        Self { expr, desc }
    }

    /// An SQL key over the alias `{t}`.
    pub fn sql(sql: impl Into<String>, desc: bool) -> Self {
        Self::new(KeyExpr::Sql(sql.into()), desc)
    }

    /// The key as SQL over the row `table`.
    fn over(&self, table: &str) -> String {
        match &self.expr {
            KeyExpr::Id { opaque: false } => format!("{table}.id"),
            KeyExpr::Id { opaque: true } => format!("({table}.id + 0)"),
            KeyExpr::Sql(sql) => sql.replace("{t}", table),
        }
    }

    /// The key's value at the cursor row of `table`: the cursor itself for the id, else a
    /// subquery reading the key from that row when it meets `visible` (SQL over the alias
    /// `{t}`), NULL otherwise.
    fn at_cursor(&self, table: &str, cursor: i64, visible: &str) -> String {
        match &self.expr {
            KeyExpr::Id { .. } => cursor.to_string(),
            KeyExpr::Sql(_) => format!(
                "(SELECT {} FROM {table} c WHERE c.id = {cursor} AND ({}))",
                self.over("c"),
                visible.replace("{t}", "c")
            ),
        }
    }
}

/// The condition "comes after the cursor row" (before it when `backward`) for `keys`. Rows
/// come after a cursor row that does not meet `visible` only by id order when the id is the
/// only key; with any other key, none do.
pub fn after(table: &str, keys: &[Key], cursor: i64, backward: bool, visible: &str) -> Expr {
    let mut alternatives = Vec::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let mut parts: Vec<String> = keys[..i]
            .iter()
            .map(|k| {
                format!(
                    "{} = {}",
                    k.over(table),
                    k.at_cursor(table, cursor, visible)
                )
            })
            .collect();
        let op = if key.desc != backward { "<" } else { ">" };
        parts.push(format!(
            "{} {op} {}",
            key.over(table),
            key.at_cursor(table, cursor, visible)
        ));
        alternatives.push(format!("({})", parts.join(" AND ")));
    }
    Expr::cust(format!("({})", alternatives.join(" OR ")))
}

/// The ORDER BY terms for `keys` (reversed when reading backward).
pub fn order_by(table: &str, keys: &[Key], backward: bool) -> Vec<(Expr, Order)> {
    keys.iter()
        .map(|key| {
            let order = if key.desc != backward {
                Order::Desc
            } else {
                Order::Asc
            };
            (Expr::cust(key.over(table)), order)
        })
        .collect()
}

/// Trims the `limit + 1` rows read to the page, puts a backward page in display order, and
/// tells whether more rows follow in the reading direction.
pub fn finish<T>(mut rows: Vec<T>, limit: u64, backward: bool) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if backward {
        rows.reverse();
    }
    (rows, more)
}

/// Sort direction.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Ascending
    #[default]
    Asc,
    /// Descending
    Desc,
}
