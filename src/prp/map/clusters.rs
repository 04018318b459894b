//! Clusters: plan-less ones (C1), duplicates (C2), nameless imported ones (C3).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::*;
use crate::domain::ClusterType;
use crate::prp::report::{Anomaly, Outcome};
use crate::prp::resolve::{ClusterDecision, Resolutions, RoleDecision, UserDecision};
use crate::prp::source::{Cluster, World};

/// What became of an old cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// In the document, in the plan of this old id.
    Kept { plan: i64 },
    /// Folded into the older cluster of this id (C2).
    Into(i64),
    /// Left out: no plan and nothing refers to it (C1).
    Dropped,
    /// No plan but referred to, and no decision (C1): blocks the run.
    Refused,
}

/// The clusters of the document and the fate of every old cluster.
#[derive(Default)]
pub(super) struct Clusters {
    pub(super) records: Vec<Value>,
    pub(super) ids: Vec<Vec<i64>>,
    pub(super) fate: HashMap<i64, Fate>,
}

impl Clusters {
    /// The cluster a reference to old cluster `id` lands on, or why none.
    pub(super) fn target(&self, id: i64) -> Result<i64, Fate> {
        match self.fate.get(&id) {
            Some(Fate::Kept { .. }) => Ok(id),
            Some(Fate::Into(kept)) => Ok(*kept),
            Some(other) => Err(*other),
            None => Err(Fate::Dropped),
        }
    }

    /// The plan of a cluster in the document.
    pub(super) fn plan(&self, id: i64) -> Option<i64> {
        match self.fate.get(&id) {
            Some(Fate::Kept { plan }) => Some(*plan),
            _ => None,
        }
    }
}

/// C1 (plan-less: attach, drop or refuse), type by name, C3 (imported without a name), then
/// C2 (a duplicate (plan, type, importedType) folded into the oldest of its group).
pub(super) fn clusters(
    world: &World,
    index: &Index<'_>,
    r: &Resolutions,
    log: &mut Log,
) -> Clusters {
    let referenced = referenced_planless(world, index, r);
    let mut out = Clusters::default();
    let mut position: HashMap<(i64, String, Option<String>), (i64, usize)> = HashMap::new();
    for c in &world.clusters {
        let plan = match cluster_plan(c, index, r, &referenced, log) {
            Ok(plan) => plan,
            Err(fate) => {
                out.fate.insert(c.id, fate);
                continue;
            }
        };
        let (kind, imported) = cluster_kind(c, log);
        match position.get(&(plan, kind.clone(), imported.clone())) {
            Some(&(kept, at)) => {
                let detail = format!("same (plan, type, importedType) as cluster {kept}: merged into it, its roles and partner links repointed");
                log.note(Anomaly {
                    after: Some(json!({"cluster": kept})),
                    ..anomaly("C2", CLUSTER, vec![kept, c.id], Outcome::Merged, detail)
                });
                log.tally(CLUSTER, Tally::Merged, 1);
                out.fate.insert(c.id, Fate::Into(kept));
                if let Some(ids) = out.ids.get_mut(at) {
                    ids.push(c.id);
                }
            }
            None => {
                position.insert(
                    (plan, kind.clone(), imported.clone()),
                    (c.id, out.ids.len()),
                );
                out.fate.insert(c.id, Fate::Kept { plan });
                out.records
                    .push(cluster_record(c.id, plan, &kind, imported));
                out.ids.push(vec![c.id]);
            }
        }
    }
    out
}

pub(super) fn cluster_record(id: i64, plan: i64, kind: &str, imported: Option<String>) -> Value {
    let mut r = Map::new();
    r.insert("ref".into(), reference("cl", id));
    r.insert("responsePlan".into(), reference("rp", plan));
    r.insert("type".into(), kind.into());
    put(&mut r, "importedType", imported);
    Value::Object(r)
}

/// Plan-less clusters that a role row (not dropped or skipped by the operator) or a partner
/// link refers to.
pub(super) fn referenced_planless(
    world: &World,
    index: &Index<'_>,
    r: &Resolutions,
) -> HashSet<i64> {
    let planless: HashSet<i64> = world
        .clusters
        .iter()
        .filter(|c| c.response_plan_id.is_none())
        .map(|c| c.id)
        .collect();
    if planless.is_empty() {
        return planless;
    }
    let skipped = |user: i64| r.users.get(&user) == Some(&UserDecision::Skip);
    let dropped = |role: i64| r.roles.get(&role) == Some(&RoleDecision::Drop);
    let by_roles = world
        .roles
        .iter()
        .filter(|role| {
            !dropped(role.id) && !skipped(role.user_id) && index.users.contains_key(&role.user_id)
        })
        .filter_map(|role| role.cluster_id);
    let by_links = world.partner_clusters.iter().map(|(_, c)| *c);
    by_roles
        .chain(by_links)
        .filter(|c| planless.contains(c))
        .collect()
}

/// The plan a cluster goes into, or why it is left out (C1).
pub(super) fn cluster_plan(
    c: &Cluster,
    index: &Index<'_>,
    r: &Resolutions,
    referenced: &HashSet<i64>,
    log: &mut Log,
) -> Result<i64, Fate> {
    let decided = r
        .clusters
        .get(&c.id)
        .map(|ClusterDecision::ResponsePlan(p)| *p);
    if let Some(plan) = c.response_plan_id {
        if decided.is_some() {
            let detail = format!("cluster {} already has response plan {plan}: the decision applies only to clusters without one", c.id);
            log.note(anomaly("OP", CLUSTER, vec![c.id], Outcome::Refused, detail));
        }
        return Ok(plan);
    }
    if let Some(plan) = decided.filter(|p| index.plans.contains_key(p)) {
        log.note(change(
            "C1",
            CLUSTER,
            vec![c.id],
            "cluster without a response plan attached by the operator",
            (json!({"responsePlan": null}), json!({"responsePlan": plan})),
        ));
        return Ok(plan);
    }
    if referenced.contains(&c.id) {
        let detail = format!("cluster {} has no response plan and roles or partner links refer to it: attach it with {{\"clusters\": {{\"{}\": {{\"responsePlan\": <plan id>}}}}}}", c.id, c.id);
        log.note(anomaly("C1", CLUSTER, vec![c.id], Outcome::Refused, detail));
        log.tally(CLUSTER, Tally::Refused, 1);
        Err(Fate::Refused)
    } else {
        let detail = format!(
            "cluster {} has no response plan and nothing refers to it: dropped",
            c.id
        );
        log.note(anomaly("C1", CLUSTER, vec![c.id], Outcome::Dropped, detail));
        log.tally(CLUSTER, Tally::Skipped, 1);
        Err(Fate::Dropped)
    }
}

/// The cluster's type name and imported type (trimmed; "Imported" for a nameless IMPORTED
/// cluster, C3). An unknown type refuses the run.
pub(super) fn cluster_kind(c: &Cluster, log: &mut Log) -> (String, Option<String>) {
    let kind = ClusterType::parse(&c.kind.to_ascii_uppercase());
    if kind.is_none() {
        let detail = format!("cluster type {:?} has no counterpart", c.kind);
        log.note(anomaly("C3", CLUSTER, vec![c.id], Outcome::Refused, detail));
    }
    let name = kind.map_or_else(|| c.kind.clone(), |k| k.as_str().to_owned());
    let imported = c
        .imported_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if kind == Some(ClusterType::Imported) && imported.is_none() {
        let label = ClusterType::Imported.label();
        log.note(change(
            "C3",
            CLUSTER,
            vec![c.id],
            "imported cluster without a name: named as PRP shows it",
            (
                json!({"importedType": c.imported_type}),
                json!({"importedType": label}),
            ),
        ));
        return (name, Some(label.to_owned()));
    }
    (name, imported.map(str::to_owned))
}
