//! The mapping from the old portal's rows to an import document, by the rules of
//! `docs/prp-migration.md` (table (b), its pipeline order and the 2026-12-04 decisions),
//! with every anomaly in the report and the old row ids behind every record. Pure: no
//! database, no clock; every lookup is by id through hash maps, so it stays linear in the rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

use super::report::{Anomaly, EntityCounts, NotCarried, Outcome, Report};
use super::resolve::{ClusterDecision, Resolutions, UserDecision};
use super::source::{Cluster, Plan, Role, User, World};

mod clusters;
mod partners;
mod people;
mod reference;
mod roles;
#[cfg(test)]
mod tests;

use clusters::*;
use partners::*;
use people::*;
use reference::*;
use roles::*;

/// The document, the old ids behind its records, and the report of the mapping.
#[derive(Debug)]
pub struct Mapped {
    pub document: Value,
    pub ids: OldIds,
    pub report: Report,
}

/// Old row ids behind each record of the document, by position: for merged records the kept row first, then the rows folded into it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct OldIds {
    pub workspaces: Vec<i64>,
    pub plans: Vec<i64>,
    pub clusters: Vec<Vec<i64>>,
    pub partners: Vec<i64>,
    pub users: Vec<Vec<i64>>,
    /// Per user, per role of that user in the document.
    pub roles: Vec<Vec<Vec<i64>>>,
}

const WORKSPACE: &str = "core_workspace";
const PLAN: &str = "core_responseplan";
const CLUSTER: &str = "cluster_cluster";
const PARTNER: &str = "partner_partner";
const USER: &str = "account_user";
const ROLE: &str = "core_prprole";

/// The report's entity names, with their old tables.
const ENTITIES: [(&str, &str); 6] = [
    ("workspace", WORKSPACE),
    ("responsePlan", PLAN),
    ("cluster", CLUSTER),
    ("partner", PARTNER),
    ("user", USER),
    ("role", ROLE),
];

/// Maps a whole old world, applying the operator's decisions.
pub fn map(world: &World, resolutions: &Resolutions) -> Mapped {
    let mut log = Log::default();
    let index = Index::new(world);
    unknown_decisions(&index, resolutions, &mut log);
    lost_columns(world, &mut log);
    let workspaces = workspaces(world);
    let plans = plans(world, &mut log);
    let clusters = clusters(world, &index, resolutions, &mut log);
    let partners = partners(world, &clusters, &mut log);
    let people = people(world, &index, resolutions, &mut log);
    let users = users(&people, &index, &clusters, resolutions, &mut log);
    let arrays = [
        ("workspaces", workspaces.records),
        ("responsePlans", plans.records),
        ("clusters", clusters.records),
        ("partners", partners.records),
        ("users", users.records),
    ];
    // Moved in, not through `json!`, which would copy every record.
    let document = Value::Object(
        arrays
            .into_iter()
            .map(|(key, records)| (key.to_owned(), Value::Array(records)))
            .collect(),
    );
    let ids = OldIds {
        workspaces: workspaces.ids,
        plans: plans.ids,
        clusters: clusters.ids,
        partners: partners.ids,
        users: users.ids,
        roles: users.role_ids,
    };
    let report = log.finish(world, &ids);
    Mapped {
        document,
        ids,
        report,
    }
}

// ---------------------------------------------------------------------------------------
// The report as it grows

/// Anomalies and per-table tallies, filled by every stage.
#[derive(Default)]
struct Log {
    anomalies: Vec<Anomaly>,
    /// (table, old id) of rows changed on the way (the first id of a Normalised anomaly).
    normalised: HashSet<(&'static str, i64)>,
    /// Per table: rows merged, skipped (or dropped), refused.
    tallies: HashMap<&'static str, [usize; 3]>,
    /// Not-carried columns found while mapping, with their row counts.
    lost: HashMap<(&'static str, &'static str), i64>,
}

/// Which tally a row goes to.
#[derive(Clone, Copy)]
enum Tally {
    Merged = 0,
    Skipped = 1,
    Refused = 2,
}

impl Log {
    /// Records an anomaly; a Normalised one marks its first row as changed.
    fn note(&mut self, a: Anomaly) {
        if a.outcome == Outcome::Normalised {
            if let Some(&id) = a.ids.first() {
                self.normalised.insert((a.table, id));
            }
        }
        self.anomalies.push(a);
    }

    /// Counts `n` rows of `table` as merged, skipped or refused.
    fn tally(&mut self, table: &'static str, tally: Tally, n: usize) {
        self.tallies.entry(table).or_default()[tally as usize] += n;
    }

    /// Counts `rows` rows holding a value idm has no place for.
    fn lose(&mut self, table: &'static str, column: &'static str, rows: usize) {
        if rows > 0 {
            *self.lost.entry((table, column)).or_default() +=
                i64::try_from(rows).unwrap_or(i64::MAX);
        }
    }

    /// The finished report.
    fn finish(self, world: &World, ids: &OldIds) -> Report {
        let reads = [
            world.workspaces.len(),
            world.plans.len(),
            world.clusters.len(),
            world.partners.len(),
            world.users.len(),
            world.roles.len(),
        ];
        let kept: [Vec<i64>; 6] = [
            ids.workspaces.clone(),
            ids.plans.clone(),
            ids.clusters
                .iter()
                .filter_map(|c| c.first().copied())
                .collect(),
            ids.partners.clone(),
            ids.users
                .iter()
                .filter_map(|u| u.first().copied())
                .collect(),
            ids.roles
                .iter()
                .flatten()
                .filter_map(|r| r.first().copied())
                .collect(),
        ];
        let entities = ENTITIES
            .iter()
            .zip(reads)
            .zip(&kept)
            .map(|(((entity, table), read), kept)| {
                let [merged, skipped, refused] =
                    self.tallies.get(table).copied().unwrap_or_default();
                EntityCounts {
                    entity,
                    read,
                    migrated: kept.len(),
                    normalised: kept
                        .iter()
                        .filter(|id| self.normalised.contains(&(*table, **id)))
                        .count(),
                    merged,
                    skipped,
                    refused,
                }
            })
            .collect();
        let mut not_carried_over: Vec<NotCarried> = world
            .lost
            .iter()
            .map(|l| NotCarried {
                table: l.table,
                column: l.column,
                rows: l.rows,
            })
            .collect();
        let mut found: Vec<_> = self.lost.into_iter().collect();
        found.sort();
        not_carried_over.extend(found.into_iter().map(|((table, column), rows)| NotCarried {
            table,
            column,
            rows,
        }));
        Report {
            entities,
            anomalies: self.anomalies,
            not_carried_over,
            ..Report::default()
        }
    }
}

/// An anomaly without before/after values.
fn anomaly(
    case: &'static str,
    table: &'static str,
    ids: Vec<i64>,
    outcome: Outcome,
    detail: impl Into<String>,
) -> Anomaly {
    Anomaly {
        case,
        table,
        ids,
        outcome,
        detail: detail.into(),
        before: None,
        after: None,
    }
}

/// An anomaly where a value changed from `before` to `after`.
fn change(
    case: &'static str,
    table: &'static str,
    ids: Vec<i64>,
    detail: impl Into<String>,
    (before, after): (Value, Value),
) -> Anomaly {
    Anomaly {
        before: Some(before),
        after: Some(after),
        ..anomaly(case, table, ids, Outcome::Normalised, detail)
    }
}

// ---------------------------------------------------------------------------------------
// Lookups by id

/// The old rows by id, built once.
struct Index<'w> {
    plans: HashMap<i64, &'w Plan>,
    clusters: HashMap<i64, &'w Cluster>,
    users: HashMap<i64, &'w User>,
    roles: HashSet<i64>,
    roles_of: HashMap<i64, Vec<&'w Role>>,
}

impl<'w> Index<'w> {
    fn new(world: &'w World) -> Self {
        let mut roles_of: HashMap<i64, Vec<&Role>> = HashMap::new();
        for r in &world.roles {
            roles_of.entry(r.user_id).or_default().push(r);
        }
        Self {
            plans: world.plans.iter().map(|p| (p.id, p)).collect(),
            clusters: world.clusters.iter().map(|c| (c.id, c)).collect(),
            users: world.users.iter().map(|u| (u.id, u)).collect(),
            roles: world.roles.iter().map(|r| r.id).collect(),
            roles_of,
        }
    }

    /// The role rows of one old user, in id order.
    fn roles_of(&self, user: i64) -> &[&'w Role] {
        self.roles_of.get(&user).map_or(&[], Vec::as_slice)
    }
}

/// Decisions naming rows that do not exist refuse the run (case OP); they are ignored below.
fn unknown_decisions(index: &Index<'_>, r: &Resolutions, log: &mut Log) {
    let missing = |what: &str, id: i64| {
        format!("the resolution file names {what} {id}, which does not exist")
    };
    for (&id, decision) in &r.users {
        if !index.users.contains_key(&id) {
            log.note(anomaly(
                "OP",
                USER,
                vec![id],
                Outcome::Refused,
                missing("user", id),
            ));
        } else if let UserDecision::MergeInto(target) = decision {
            if !index.users.contains_key(target) {
                let detail = format!("user {id}: mergeInto {}", missing("user", *target));
                log.note(anomaly(
                    "OP",
                    USER,
                    vec![id, *target],
                    Outcome::Refused,
                    detail,
                ));
            }
        }
    }
    for &id in r.roles.keys() {
        if !index.roles.contains(&id) {
            log.note(anomaly(
                "OP",
                ROLE,
                vec![id],
                Outcome::Refused,
                missing("role row", id),
            ));
        }
    }
    for (&id, ClusterDecision::ResponsePlan(plan)) in &r.clusters {
        if !index.clusters.contains_key(&id) {
            log.note(anomaly(
                "OP",
                CLUSTER,
                vec![id],
                Outcome::Refused,
                missing("cluster", id),
            ));
        } else if !index.plans.contains_key(plan) {
            let detail = format!(
                "cluster {id}: responsePlan {}",
                missing("response plan", *plan)
            );
            log.note(anomaly("OP", CLUSTER, vec![id], Outcome::Refused, detail));
        }
    }
}

/// Old values idm has no column for that only the rows show: a username that is not the
/// email (it is the email at creation) and every role row's creation time.
fn lost_columns(world: &World, log: &mut Log) {
    let renamed = world
        .users
        .iter()
        .filter(|u| u.username.trim() != u.email.trim())
        .count();
    log.lose(USER, "username", renamed);
    log.lose(ROLE, "created", world.roles.len());
}

/// Records of one array with the old ids behind them.
#[derive(Default)]
struct Emitted<I> {
    records: Vec<Value>,
    ids: Vec<I>,
}

fn reference(prefix: &str, id: i64) -> Value {
    Value::String(format!("{prefix}:{id}"))
}

/// Sets `key` when there is a value.
fn put(record: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        record.insert(key.to_owned(), v.into());
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}
