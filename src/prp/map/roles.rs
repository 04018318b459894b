//! Role rows: values (R13), scope repair (R2–R6), the system admin rules (R7, R8) and one
//! role per scope (R9–R12).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::*;
use crate::domain::RoleType;
use crate::prp::report::{Anomaly, Outcome};
use crate::prp::resolve::{Resolutions, RoleDecision};
use crate::prp::source::Role;

/// One role row on its way into the document.
#[derive(Debug, Clone)]
pub(super) struct Grant<'w> {
    pub(super) row: &'w Role,
    pub(super) role: RoleType,
    pub(super) workspace: Option<i64>,
    pub(super) cluster: Option<i64>,
    pub(super) is_active: bool,
    /// Rows folded into this one (R9, R11).
    pub(super) folded: Vec<i64>,
    /// Moved from the duplicate cluster of a C2 pair.
    pub(super) repointed: bool,
}

impl Grant<'_> {
    pub(super) fn record(&self) -> Value {
        let mut r = Map::new();
        r.insert("role".into(), self.role.as_str().into());
        put(
            &mut r,
            "workspace",
            self.workspace.map(|w| reference("ws", w)),
        );
        put(&mut r, "cluster", self.cluster.map(|c| reference("cl", c)));
        r.insert("isActive".into(), self.is_active.into());
        Value::Object(r)
    }

    pub(super) fn is_csa(&self) -> bool {
        self.role == RoleType::ClusterSystemAdmin
    }

    pub(super) fn is_cluster_role(&self) -> bool {
        !self.role.is_ip() && !self.is_csa()
    }

    /// Oldest first: by creation, then id.
    pub(super) fn age(&self) -> (DateTime<Utc>, i64) {
        (self.row.created, self.row.id)
    }
}

/// A person's role rows (all members', in id order) through the pipeline: value (operator,
/// R13) and C2 map, scope repair (R2/R3, R6, R4, R5), CSA rules (R8, R7), per-scope dedupe
/// (R9–R12). R1 (inactive rows) is reported for rows that reach the document.
pub(super) fn grants<'w>(
    p: &Person<'w>,
    index: &Index<'w>,
    clusters: &Clusters,
    r: &Resolutions,
    log: &mut Log,
) -> Vec<Grant<'w>> {
    let mut rows: Vec<&Role> = p
        .members
        .iter()
        .flat_map(|m| index.roles_of(m.id).iter().copied())
        .collect();
    rows.sort_by_key(|row| row.id);
    let mut read = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(g) = read_role(row, clusters, r, log) {
            read.extend(repair_scope(g, clusters, index, log));
        }
    }
    let mut grants = dedupe(csa_rules(read, log), log);
    grants.sort_by_key(|g| g.row.id);
    for g in grants.iter().filter(|g| !g.is_active) {
        log.note(anomaly(
            "R1",
            ROLE,
            vec![g.row.id],
            Outcome::Kept,
            "inactive role row kept inactive: it grants nothing in idm",
        ));
    }
    grants
}

/// The row's role (the operator's decision, else its value or a case/space variant of
/// exactly one role, R13) and its cluster through the C2 map.
pub(super) fn read_role<'w>(
    row: &'w Role,
    clusters: &Clusters,
    r: &Resolutions,
    log: &mut Log,
) -> Option<Grant<'w>> {
    let role = match r.roles.get(&row.id) {
        Some(RoleDecision::Drop) => {
            log.note(anomaly(
                "OP",
                ROLE,
                vec![row.id],
                Outcome::Skipped,
                "role row dropped by the operator",
            ));
            log.tally(ROLE, Tally::Skipped, 1);
            return None;
        }
        Some(RoleDecision::Role(role)) => {
            log.note(change(
                "OP",
                ROLE,
                vec![row.id],
                "role set by the operator",
                (json!({"role": row.role}), json!({"role": role.as_str()})),
            ));
            *role
        }
        None => role_value(row, log)?,
    };
    let mut grant = Grant {
        row,
        role,
        workspace: row.workspace_id,
        cluster: row.cluster_id,
        is_active: row.is_active,
        folded: Vec::new(),
        repointed: false,
    };
    let Some(old) = row.cluster_id else {
        return Some(grant);
    };
    match clusters.target(old) {
        Ok(kept) if kept == old => {}
        Ok(kept) => {
            log.note(change(
                "C2",
                ROLE,
                vec![row.id],
                "role row repointed to the kept cluster of a merged pair",
                (json!({"cluster": old}), json!({"cluster": kept})),
            ));
            grant.cluster = Some(kept);
            grant.repointed = true;
        }
        Err(fate) => {
            // A refused plan-less cluster: its own anomaly names it and blocks the run.
            let tally = if fate == Fate::Refused {
                Tally::Refused
            } else {
                Tally::Skipped
            };
            if fate != Fate::Refused {
                log.note(anomaly(
                    "C1",
                    ROLE,
                    vec![row.id],
                    Outcome::Dropped,
                    format!("role row on cluster {old}, which is not migrated: dropped"),
                ));
            }
            log.tally(ROLE, tally, 1);
            return None;
        }
    }
    Some(grant)
}

/// R13: the row's value as a role; a variant in case or spacing of exactly one role is
/// normalised, anything else refuses the run (a role is authority: never guessed).
pub(super) fn role_value(row: &Role, log: &mut Log) -> Option<RoleType> {
    if let Some(role) = RoleType::parse(&row.role) {
        return Some(role);
    }
    let folded: String = row
        .role
        .trim()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
        .to_ascii_uppercase();
    if let Some(role) = RoleType::parse(&folded) {
        log.note(change(
            "R13",
            ROLE,
            vec![row.id],
            "role value folded to the one role it spells",
            (json!({"role": row.role}), json!({"role": role.as_str()})),
        ));
        return Some(role);
    }
    let detail = format!("role value {:?} is not a role: drop it or map it with {{\"roles\": {{\"{}\": \"drop\"}}}} or {{\"roles\": {{\"{}\": {{\"role\": <role>}}}}}}", row.role, row.id, row.id);
    log.note(Anomaly {
        before: Some(json!({"role": row.role})),
        ..anomaly("R13", ROLE, vec![row.id], Outcome::Refused, detail)
    });
    log.tally(ROLE, Tally::Refused, 1);
    None
}

/// Scope repair: CSA is global (R6); an IP role needs a workspace (R4: dropped without one,
/// its cluster cleared); a cluster role needs a cluster (R5) and takes no workspace (R2, or
/// R3 when the workspace was not the cluster's).
pub(super) fn repair_scope<'w>(
    mut g: Grant<'w>,
    clusters: &Clusters,
    index: &Index<'_>,
    log: &mut Log,
) -> Option<Grant<'w>> {
    let id = g.row.id;
    let scope = json!({"workspace": g.workspace, "cluster": g.cluster});
    if g.is_csa() {
        if g.workspace.is_some() || g.cluster.is_some() {
            log.note(change(
                "R6",
                ROLE,
                vec![id],
                "CLUSTER_SYSTEM_ADMIN is global: scope cleared",
                (scope, json!({"workspace": null, "cluster": null})),
            ));
            g.workspace = None;
            g.cluster = None;
        }
        return Some(g);
    }
    if g.role.is_ip() {
        if g.workspace.is_none() {
            log.note(Anomaly {
                before: Some(scope),
                ..anomaly(
                    "R4",
                    ROLE,
                    vec![id],
                    Outcome::Dropped,
                    "IP role without a workspace: dropped",
                )
            });
            log.tally(ROLE, Tally::Skipped, 1);
            return None;
        }
        if g.cluster.is_some() {
            log.note(change(
                "R4",
                ROLE,
                vec![id],
                "IP role takes no cluster: cluster cleared",
                (scope, json!({"workspace": g.workspace, "cluster": null})),
            ));
            g.cluster = None;
        }
        return Some(g);
    }
    let Some(cluster) = g.cluster else {
        log.note(Anomaly {
            before: Some(scope),
            ..anomaly(
                "R5",
                ROLE,
                vec![id],
                Outcome::Dropped,
                "cluster role without a cluster: dropped",
            )
        });
        log.tally(ROLE, Tally::Skipped, 1);
        return None;
    };
    if let Some(w) = g.workspace {
        let own = clusters
            .plan(cluster)
            .and_then(|p| index.plans.get(&p))
            .map(|p| p.workspace_id);
        let (case, detail) = if own == Some(w) {
            (
                "R2",
                "cluster role takes no workspace: workspace removed (the cluster's own)",
            )
        } else {
            ("R3", "cluster role takes no workspace: workspace removed (not the cluster's; the cluster is what PRP checked)")
        };
        log.note(change(
            case,
            ROLE,
            vec![id],
            detail,
            (scope, json!({"workspace": null, "cluster": cluster})),
        ));
        g.workspace = None;
    }
    Some(g)
}

/// R8: one CSA row kept (an active one, else the oldest). R7: an active CSA row replaces the
/// user's other cluster roles; an inactive one leaves them (they are the real authority).
pub(super) fn csa_rules<'w>(grants: Vec<Grant<'w>>, log: &mut Log) -> Vec<Grant<'w>> {
    let kept = grants
        .iter()
        .filter(|g| g.is_csa())
        .min_by_key(|g| (!g.is_active, g.age()))
        .map(|g| (g.row.id, g.is_active));
    let Some((csa, active)) = kept else {
        return grants;
    };
    let mut out = Vec::with_capacity(grants.len());
    let mut kept_others = Vec::new();
    for g in grants {
        if g.is_csa() && g.row.id != csa {
            log.note(anomaly(
                "R8",
                ROLE,
                vec![csa, g.row.id],
                Outcome::Dropped,
                format!("second CLUSTER_SYSTEM_ADMIN row: row {csa} kept"),
            ));
            log.tally(ROLE, Tally::Skipped, 1);
        } else if g.is_cluster_role() && active {
            log.note(anomaly("R7", ROLE, vec![csa, g.row.id], Outcome::Dropped, format!("{} row dropped: the active CLUSTER_SYSTEM_ADMIN row {csa} replaces cluster roles", g.role.as_str())));
            log.tally(ROLE, Tally::Skipped, 1);
        } else {
            if g.is_cluster_role() {
                kept_others.push(g.row.id);
            }
            out.push(g);
        }
    }
    if !kept_others.is_empty() {
        let mut ids = vec![csa];
        ids.extend(kept_others);
        log.note(anomaly(
            "R7",
            ROLE,
            ids,
            Outcome::Kept,
            "the CLUSTER_SYSTEM_ADMIN row is inactive: the user's cluster roles are kept",
        ));
    }
    out
}

/// Per (user, workspace) and (user, cluster), one role: rows of one role collapse (R9, R11;
/// active when any is), rows of several go by precedence (R10, R12: active first, then the
/// higher role, then the oldest).
pub(super) fn dedupe<'w>(grants: Vec<Grant<'w>>, log: &mut Log) -> Vec<Grant<'w>> {
    let mut slots: HashMap<(bool, i64), Vec<Grant<'w>>> = HashMap::new();
    let mut out = Vec::with_capacity(grants.len());
    for g in grants {
        match (g.workspace, g.cluster) {
            (Some(w), _) => slots.entry((true, w)).or_default().push(g),
            (None, Some(c)) => slots.entry((false, c)).or_default().push(g),
            (None, None) => out.push(g),
        }
    }
    for group in slots.into_values() {
        out.extend(one_per_scope(group, log));
    }
    out
}

/// The one role of a scope shared by `group`.
pub(super) fn one_per_scope<'w>(mut group: Vec<Grant<'w>>, log: &mut Log) -> Option<Grant<'w>> {
    let same_role = group.windows(2).all(|w| w[0].role == w[1].role);
    if same_role {
        group.sort_by_key(Grant::age);
    } else {
        group.sort_by_key(|g| (!g.is_active, rank(g.role), g.age()));
    }
    let mut rows = group.into_iter();
    let mut kept = rows.next()?;
    let rest: Vec<Grant> = rows.collect();
    let ip = kept.role.is_ip();
    let origin = provenance(&kept, &rest);
    for other in rest {
        let ids = vec![kept.row.id, other.row.id];
        if same_role {
            let case = if ip { "R9" } else { "R11" };
            let detail = format!(
                "duplicate {} row folded into row {}{origin}",
                other.role.as_str(),
                kept.row.id
            );
            log.note(Anomaly {
                after: Some(json!({"isActive": kept.is_active || other.is_active})),
                ..anomaly(case, ROLE, ids, Outcome::Merged, detail)
            });
            log.tally(ROLE, Tally::Merged, 1);
            if other.is_active && !kept.is_active {
                kept.is_active = true;
                log.normalised.insert((ROLE, kept.row.id));
            }
            kept.folded.push(other.row.id);
        } else {
            let case = if ip { "R10" } else { "R12" };
            let detail = format!(
                "{} row dropped: row {} ({}{}) takes precedence in this {}{origin}",
                other.role.as_str(),
                kept.row.id,
                kept.role.as_str(),
                if kept.is_active { "" } else { ", inactive" },
                if ip { "workspace" } else { "cluster" }
            );
            log.note(Anomaly {
                before: Some(json!({"role": other.role.as_str(), "isActive": other.is_active})),
                ..anomaly(case, ROLE, ids, Outcome::Dropped, detail)
            });
            log.tally(ROLE, Tally::Skipped, 1);
        }
    }
    Some(kept)
}

/// Why rows met in one scope, when it is not the old user's own doing.
pub(super) fn provenance(kept: &Grant<'_>, rest: &[Grant<'_>]) -> &'static str {
    if rest.iter().any(|g| g.row.user_id != kept.row.user_id) {
        " (rows of users merged by email, U5)"
    } else if kept.repointed || rest.iter().any(|g| g.repointed) {
        " (rows met on the kept cluster of a merged pair, C2)"
    } else {
        ""
    }
}

/// Precedence within a portal: AO > ADMIN > EDITOR > VIEWER; IMO > COORDINATOR > MEMBER > VIEWER.
pub(super) fn rank(role: RoleType) -> u8 {
    match role {
        RoleType::IpAuthorizedOfficer | RoleType::ClusterImo => 0,
        RoleType::IpAdmin | RoleType::ClusterCoordinator => 1,
        RoleType::IpEditor | RoleType::ClusterMember => 2,
        RoleType::IpViewer | RoleType::ClusterViewer => 3,
        RoleType::ClusterSystemAdmin => 4,
    }
}
