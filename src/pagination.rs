//! Paging shared by every list: page sizes, the weights that bound a document's cost,
//! `orderBy` checks, relay page information and the decoding of cursors and ID lists.

use async_graphql::{Context, ID};

use crate::context::state;
use crate::error::ApiError;
use crate::ids::{self, Kind};

/// Page size from `first`/`last`: default when absent, BAD_USER_INPUT beyond the limit.
pub fn page_size(
    ctx: &Context<'_>,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<u64, ApiError> {
    let limits = &state(ctx)?.config.limits;
    if first.is_some() && last.is_some() {
        return Err(ApiError::bad_input("give either first or last, not both"));
    }
    match first.or(last) {
        None => Ok(limits.default_page_size),
        Some(n) if n < 0 => Err(ApiError::bad_input("first/last must not be negative")),
        Some(n) if n as u64 > limits.max_page_size => Err(ApiError::bad_input(format!(
            "first/last must be at most {}",
            limits.max_page_size
        ))),
        Some(n) => Ok(n as u64),
    }
}

/// The complexity of a page field: one, plus its rows (`first` or `last`, else the default
/// page of 20) times the complexity of the selection under it, so that a document of many
/// large pages weighs what it costs. Values over the page limit are refused when the field
/// runs; here they only need to not overflow.
pub fn page_complexity(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let rows = usize::try_from(first.or(last).unwrap_or(20).clamp(1, 100_000)).unwrap_or(1);
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// What a text filter adds to a page's weight: a substring search may read every row of
/// its table (a term shorter than a trigram cannot use the search index), ~0.3 s of one
/// core at 100k users on SQLite, so at most four of them fit in one document.
pub const TEXT_FILTER_WEIGHT: usize = 1000;

/// What each sort key beyond the first adds to a page's weight: it turns the page's
/// index walk into a sort of every matching row.
pub const SORT_KEY_WEIGHT: usize = 250;

/// The complexity of a searchable page (`users`, `partners`): [`page_complexity`] plus
/// [`TEXT_FILTER_WEIGHT`] when it has a non-blank text filter and [`SORT_KEY_WEIGHT`] per
/// sort key beyond the first, so that aliased heavy searches are refused before they run
/// (contract 1.1 §9.10).
pub fn search_page_complexity(
    first: Option<i32>,
    last: Option<i32>,
    text: Option<&str>,
    sort_keys: usize,
    child_complexity: usize,
) -> usize {
    let text = if text.is_some_and(|t| !t.trim().is_empty()) {
        TEXT_FILTER_WEIGHT
    } else {
        0
    };
    page_complexity(first, last, child_complexity)
        .saturating_add(text)
        .saturating_add(sort_keys.saturating_sub(1).saturating_mul(SORT_KEY_WEIGHT))
}

/// Most keys of one `orderBy`.
pub const MAX_SORT_KEYS: usize = 3;

/// Checks an `orderBy`: at most [`MAX_SORT_KEYS`] keys, no field twice.
pub fn check_order<F: PartialEq + Copy, D>(order: &[(F, D)]) -> Result<(), ApiError> {
    if order.len() > MAX_SORT_KEYS {
        return Err(ApiError::bad_input(format!(
            "orderBy may hold at most {MAX_SORT_KEYS} entries"
        )));
    }
    for (i, (field, _)) in order.iter().enumerate() {
        if order[..i].iter().any(|(earlier, _)| earlier == field) {
            return Err(ApiError::bad_input("orderBy names a field twice"));
        }
    }
    Ok(())
}

/// How many rows an unpaged list of reference data (workspaces, plans, clusters, partners)
/// is taken to hold when weighing a query: these lists nest in cycles (a cluster's plan's
/// clusters ...), so each level multiplies.
pub const LIST_ROWS: usize = 5;

/// The complexity of an unpaged list field: one, plus [`LIST_ROWS`] times its selection.
pub fn list_complexity(child_complexity: usize) -> usize {
    LIST_ROWS.saturating_mul(child_complexity).saturating_add(1)
}

impl PageInfo {
    /// Page information for rows (by id) read after (or, `backward`, before) an optional cursor.
    pub fn of(ids: &[i64], cursor: Option<i64>, backward: bool, more: bool) -> Self {
        let (has_next_page, has_previous_page) = if backward {
            (cursor.is_some(), more)
        } else {
            (more, cursor.is_some())
        };
        PageInfo {
            has_next_page,
            has_previous_page,
            start_cursor: ids.first().map(|id| crate::ids::encode_cursor(*id)),
            end_cursor: ids.last().map(|id| crate::ids::encode_cursor(*id)),
        }
    }
}

/// The relay page information.
#[derive(async_graphql::SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    /// More rows follow this page
    pub has_next_page: bool,
    /// Rows precede this page
    pub has_previous_page: bool,
    /// Cursor of the first row of the page
    pub start_cursor: Option<String>,
    /// Cursor of the last row of the page
    pub end_cursor: Option<String>,
}

/// Decodes a list of global IDs of one kind, or BAD_USER_INPUT naming the argument.
pub fn decode_ids(
    ctx: &Context<'_>,
    kind: Kind,
    name: &str,
    ids: Option<&Vec<ID>>,
) -> Result<Option<Vec<i64>>, ApiError> {
    let Some(ids) = ids else { return Ok(None) };
    let max = state(ctx)?.config.limits.max_list_input;
    if ids.len() > max {
        return Err(ApiError::bad_input(format!(
            "{name} may list at most {max} IDs"
        )));
    }
    ids.iter()
        .map(|id| {
            ids::decode(kind, id).ok_or_else(|| {
                ApiError::bad_input(format!(
                    "{name}: {:?} is not a {} ID",
                    id.as_str(),
                    kind.type_name()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Decodes an optional cursor, or BAD_USER_INPUT.
/// The paging arguments of a connection: `first`/`after` read forward, `last`/`before` back.
pub struct Window {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Where a page starts, which way it reads and how many rows it holds.
pub struct Paging {
    pub limit: u64,
    pub backward: bool,
    pub cursor: Option<i64>,
}

impl Window {
    /// BAD_USER_INPUT for `first` with `last`, `after` with `before`, a size out of bounds or
    /// a malformed cursor.
    pub fn paging(&self, ctx: &Context<'_>) -> Result<Paging, ApiError> {
        let limit = page_size(ctx, self.first, self.last)?;
        if self.after.is_some() && self.before.is_some() {
            return Err(ApiError::bad_input("give either after or before, not both"));
        }
        let backward = self.last.is_some() || (self.before.is_some() && self.first.is_none());
        let cursor = if backward {
            decode_cursor("before", self.before.as_deref())?
        } else {
            decode_cursor("after", self.after.as_deref())?
        };
        Ok(Paging {
            limit,
            backward,
            cursor,
        })
    }
}

/// A search term argument named `field`: BAD_USER_INPUT when over `max` characters or with a
/// NUL (which PostgreSQL refuses in text).
pub fn check_search(field: &str, term: Option<&str>, max: usize) -> Result<(), ApiError> {
    match term {
        Some(t) if t.chars().count() > max || t.contains('\0') => Err(ApiError::bad_input(
            format!("{field} must be at most {max} characters, without NUL"),
        )),
        _ => Ok(()),
    }
}

/// An ID argument named `field` of `kind`: BAD_USER_INPUT for any other.
pub fn decode_id(kind: Kind, field: &str, id: &str) -> Result<i64, ApiError> {
    ids::decode(kind, id)
        .ok_or_else(|| ApiError::bad_input(format!("{field} is not a {} ID", kind.type_name())))
}

/// A cursor argument (`name` in its error), decoded.
pub fn decode_cursor(name: &str, cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            ids::decode_cursor(c)
                .ok_or_else(|| ApiError::bad_input(format!("{name} is not a valid cursor")))
        })
        .transpose()
}
