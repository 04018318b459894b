//! The WHERE of a users page: the visibility rule of `permissions` as SQL over the row, and
//! the filters (name or email, statuses, roles, partners, clusters, workspaces).

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{ColumnTrait, Condition, DbBackend};

use super::UserPage;
use crate::domain::UserStatus;
use crate::entity::user;
use crate::permissions::UserScope;

fn ids_sql(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The users a requester with these scopes (one per portal it may list) sees, as SQL over
/// the row `{t}` of `app_user`: what audit events about a person follow (contract 1.1 §9.4).
pub fn visible_users_sql(scopes: &[UserScope]) -> String {
    if scopes.is_empty() {
        return "1 = 0".to_owned();
    }
    let any: Vec<String> = scopes
        .iter()
        .map(|s| format!("({})", scope_sql(s)))
        .collect();
    any.join(" OR ")
}

pub(super) const HAS_ROLE: &str = "EXISTS (SELECT 1 FROM prp_role r WHERE r.user_id = {t}.id)";

/// The visibility rule as SQL over the row `{t}` of `app_user`.
pub(super) fn scope_sql(scope: &UserScope) -> String {
    match scope {
        UserScope::All => "1 = 1".to_owned(),
        UserScope::SamePartner(None)
        | UserScope::IpPartner {
            partner_id: None, ..
        } => "1 = 0".to_owned(),
        UserScope::SamePartner(Some(p)) => format!("{{t}}.partner_id = {p}"),
        UserScope::IpPartner {
            partner_id: Some(p),
            workspace_ids,
        } => {
            let in_workspaces = if workspace_ids.is_empty() {
                "1 = 0".to_owned()
            } else {
                format!(
                    "EXISTS (SELECT 1 FROM prp_role r WHERE r.user_id = {{t}}.id AND r.workspace_id IN ({}))",
                    ids_sql(workspace_ids)
                )
            };
            format!(
                "{{t}}.partner_id = {p} AND ({in_workspaces} OR NOT {HAS_ROLE} \
                 OR EXISTS (SELECT 1 FROM prp_role r WHERE r.user_id = {{t}}.id AND r.cluster_id IS NOT NULL) \
                 OR EXISTS (SELECT 1 FROM prp_role r WHERE r.user_id = {{t}}.id AND r.role = 'CLUSTER_SYSTEM_ADMIN'))"
            )
        }
    }
}

fn status_sql(status: UserStatus) -> String {
    let has_role = HAS_ROLE.replace("{t}", "app_user");
    match status {
        UserStatus::Deactivated => "NOT app_user.is_active".to_owned(),
        UserStatus::Incomplete => format!("app_user.is_active AND NOT {has_role}"),
        UserStatus::Active => {
            format!("app_user.is_active AND {has_role} AND app_user.last_login IS NOT NULL")
        }
        UserStatus::Invited => {
            format!("app_user.is_active AND {has_role} AND app_user.last_login IS NULL")
        }
    }
}

/// A LIKE pattern finding `term` (already lower-cased) anywhere, its wildcards escaped.
fn like_pattern(term: &str) -> String {
    let mut escaped = String::with_capacity(term.len() + 2);
    escaped.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

/// The WHERE condition of a page, without the cursor.
pub(super) fn condition(backend: DbBackend, page: &UserPage) -> Condition {
    let f = &page.filter;
    let mut cond = Condition::all()
        .add(user::Column::Id.ne(page.requester))
        .add(Expr::cust(
            scope_sql(&page.scope).replace("{t}", "app_user"),
        ));
    if let Some(term) = f
        .name_email
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // Names compare in any case; emails by ASCII case only (contract 1.1 §9.9), so no
        // other character stands for a letter of an address.
        let name_pattern = like_pattern(&term.to_lowercase());
        let email_pattern = like_pattern(&term.to_ascii_lowercase());
        if backend == DbBackend::Sqlite && term.chars().count() >= 3 {
            // The trigram index (migration 5) finds the candidates: the term as one FTS5
            // phrase matches every user whose email or name contains it, in any case; the
            // LIKE conditions below then decide, exactly as without it.
            let phrase = format!("\"{}\"", term.replace('"', "\"\""));
            cond = cond.add(Expr::cust_with_values(
                "app_user.id IN (SELECT rowid FROM user_search WHERE user_search MATCH ?)",
                [phrase],
            ));
        }
        cond = cond.add(
            Condition::any()
                .add(
                    Expr::cust("lower(app_user.first_name || ' ' || app_user.last_name)")
                        .like(LikeExpr::new(name_pattern).escape('\\')),
                )
                .add(
                    Expr::col((user::Entity, user::Column::Email))
                        .like(LikeExpr::new(email_pattern).escape('\\')),
                ),
        );
    }
    if let Some(statuses) = &f.statuses {
        let mut any = Condition::any();
        for s in statuses {
            any = any.add(Expr::cust(status_sql(*s)));
        }
        cond = cond.add(any);
    }
    if let Some(partners) = &f.partner_ids {
        cond = cond.add(user::Column::PartnerId.is_in(partners.iter().copied()));
    }
    if f.roles.is_some() || f.workspace_ids.is_some() || f.cluster_ids.is_some() {
        let mut parts = vec!["r.user_id = app_user.id".to_owned()];
        if let Some(roles) = &f.roles {
            let names: Vec<String> = roles.iter().map(|r| format!("'{}'", r.as_str())).collect();
            parts.push(if names.is_empty() {
                "1 = 0".into()
            } else {
                format!("r.role IN ({})", names.join(", "))
            });
        }
        if let Some(ws) = &f.workspace_ids {
            parts.push(if ws.is_empty() {
                "1 = 0".into()
            } else {
                format!("r.workspace_id IN ({})", ids_sql(ws))
            });
        }
        if let Some(cs) = &f.cluster_ids {
            parts.push(if cs.is_empty() {
                "1 = 0".into()
            } else {
                format!("r.cluster_id IN ({})", ids_sql(cs))
            });
        }
        cond = cond.add(Expr::cust(format!(
            "EXISTS (SELECT 1 FROM prp_role r WHERE {})",
            parts.join(" AND ")
        )));
    }
    cond
}
