//! The mapping from the old portal's rows to an import document, by the rules of
//! `../shared/prp/README.md` (table (b), its pipeline order and the 2026-12-04 decisions),
//! with every anomaly in the report and the old row ids behind every record. Pure: no
//! database, no clock; every lookup is by id through hash maps, so it stays linear in the rows.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::report::{Anomaly, EntityCounts, NotCarried, Outcome, Report};
use super::resolve::{ClusterDecision, Resolutions, RoleDecision, UserDecision};
use super::source::{Cluster, Partner, Plan, Role, User, Workspace, World};
use crate::domain::{
    ClusterType, CsoType, ExternalSource, PartnerType, ResponsePlanType, RoleType, SharedPartner,
};
use crate::email::is_email;
use crate::validate::Checker;

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

// ---------------------------------------------------------------------------------------
// Workspaces and response plans

fn workspaces(world: &World) -> Emitted<i64> {
    let mut out = Emitted::default();
    for w in &world.workspaces {
        out.records.push(workspace(w));
        out.ids.push(w.id);
    }
    out
}

fn workspace(w: &Workspace) -> Value {
    let mut r = Map::new();
    r.insert("ref".into(), reference("ws", w.id));
    r.insert("title".into(), w.title.clone().into());
    r.insert("workspaceCode".into(), w.workspace_code.clone().into());
    let area = w.business_area_code.as_deref().map(str::trim);
    put(&mut r, "businessAreaCode", area.filter(|a| !a.is_empty()));
    Value::Object(r)
}

fn plans(world: &World, log: &mut Log) -> Emitted<i64> {
    let mut out = Emitted::default();
    for p in &world.plans {
        out.records.push(plan(p, log));
        out.ids.push(p.id);
    }
    out
}

/// A plan: its type by name (an unknown one refuses the run, D1), its own label for OTHER
/// plans (D1, decision 7), and an end before the start dropped (D2).
fn plan(p: &Plan, log: &mut Log) -> Value {
    let mut r = Map::new();
    r.insert("ref".into(), reference("rp", p.id));
    r.insert("workspace".into(), reference("ws", p.workspace_id));
    r.insert("title".into(), p.title.clone().into());
    let kind = ResponsePlanType::parse(&p.plan_type);
    if kind.is_none() {
        let detail = format!("plan type {:?} has no counterpart", p.plan_type);
        log.note(anomaly("D1", PLAN, vec![p.id], Outcome::Refused, detail));
    }
    r.insert("planType".into(), p.plan_type.clone().into());
    let label = p
        .plan_custom_type_label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if let Some(label) = label {
        if kind == Some(ResponsePlanType::Other) {
            r.insert("planCustomType".into(), label.into());
        } else {
            log.note(change(
                "D1",
                PLAN,
                vec![p.id],
                "a custom type label on a plan that is not OTHER is dropped",
                (json!({"planCustomType": label}), json!({})),
            ));
            log.lose(PLAN, "plan_custom_type_label", 1);
        }
    }
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    put(&mut r, "start", p.start.map(day));
    match (p.start, p.end) {
        (Some(start), Some(end)) if end < start => {
            log.note(change(
                "D2",
                PLAN,
                vec![p.id],
                "end before start: end dropped, start kept",
                (
                    json!({"start": day(start), "end": day(end)}),
                    json!({"start": day(start)}),
                ),
            ));
        }
        _ => put(&mut r, "end", p.end.map(day)),
    }
    Value::Object(r)
}

// ---------------------------------------------------------------------------------------
// Clusters

/// What became of an old cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
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
struct Clusters {
    records: Vec<Value>,
    ids: Vec<Vec<i64>>,
    fate: HashMap<i64, Fate>,
}

impl Clusters {
    /// The cluster a reference to old cluster `id` lands on, or why none.
    fn target(&self, id: i64) -> Result<i64, Fate> {
        match self.fate.get(&id) {
            Some(Fate::Kept { .. }) => Ok(id),
            Some(Fate::Into(kept)) => Ok(*kept),
            Some(other) => Err(*other),
            None => Err(Fate::Dropped),
        }
    }

    /// The plan of a cluster in the document.
    fn plan(&self, id: i64) -> Option<i64> {
        match self.fate.get(&id) {
            Some(Fate::Kept { plan }) => Some(*plan),
            _ => None,
        }
    }
}

/// C1 (plan-less: attach, drop or refuse), type by name, C3 (imported without a name), then
/// C2 (a duplicate (plan, type, importedType) folded into the oldest of its group).
fn clusters(world: &World, index: &Index<'_>, r: &Resolutions, log: &mut Log) -> Clusters {
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

fn cluster_record(id: i64, plan: i64, kind: &str, imported: Option<String>) -> Value {
    let mut r = Map::new();
    r.insert("ref".into(), reference("cl", id));
    r.insert("responsePlan".into(), reference("rp", plan));
    r.insert("type".into(), kind.into());
    put(&mut r, "importedType", imported);
    Value::Object(r)
}

/// Plan-less clusters that a role row (not dropped or skipped by the operator) or a partner
/// link refers to.
fn referenced_planless(world: &World, index: &Index<'_>, r: &Resolutions) -> HashSet<i64> {
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
fn cluster_plan(
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
fn cluster_kind(c: &Cluster, log: &mut Log) -> (String, Option<String>) {
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

// ---------------------------------------------------------------------------------------
// Partners

fn partners(world: &World, clusters: &Clusters, log: &mut Log) -> Emitted<i64> {
    let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
    for (partner, cluster) in &world.partner_clusters {
        links.entry(*partner).or_default().push(*cluster);
    }
    title_groups(&world.partners, log);
    let mut taken = HashMap::new();
    let mut out = Emitted::default();
    for p in &world.partners {
        let mut r = partner(p, log);
        if let Some((id, source)) = external(p, &mut taken, log) {
            r.insert("externalId".into(), id.into());
            r.insert("externalSource".into(), source.as_str().into());
        }
        let linked = links.get(&p.id).map_or(&[][..], Vec::as_slice);
        let linked = partner_clusters(p.id, linked, clusters, log);
        if !linked.is_empty() {
            let refs = linked.into_iter().map(|c| reference("cl", c)).collect();
            r.insert("clusters".into(), refs);
        }
        out.records.push(Value::Object(r));
        out.ids.push(p.id);
    }
    out
}

/// P3: partners sharing a title (compared trimmed, ignoring case) are all kept; each group is
/// reported, and flagged a probable duplicate when some have a vendor number and some not.
fn title_groups(partners: &[Partner], log: &mut Log) {
    let mut groups: HashMap<String, Vec<&Partner>> = HashMap::new();
    for p in partners {
        groups
            .entry(p.title.trim().to_lowercase())
            .or_default()
            .push(p);
    }
    let mut shared: Vec<Vec<&Partner>> = groups.into_values().filter(|g| g.len() > 1).collect();
    shared.sort_by_key(|g| g.first().map(|p| p.id));
    for group in shared {
        let vendor = |p: &&Partner| {
            p.vendor_number
                .as_deref()
                .is_some_and(|v| !v.trim().is_empty())
        };
        let probable = group.iter().any(vendor) && !group.iter().all(vendor);
        let detail = if probable {
            "same title: probably one organisation re-created without a vendor number (kept; for a human to merge)"
        } else {
            "same title on several partners (kept: titles are not unique)"
        };
        log.note(anomaly(
            "P3",
            PARTNER,
            group.iter().map(|p| p.id).collect(),
            Outcome::Kept,
            detail,
        ));
    }
}

/// A partner's own fields, value by value (P2, P3, P5–P8).
fn partner(p: &Partner, log: &mut Log) -> Map<String, Value> {
    let mut r = Map::new();
    r.insert("ref".into(), reference("p", p.id));
    r.insert("title".into(), partner_title(p, log).into());
    r.insert("shortTitle".into(), p.short_title.clone().into());
    put(&mut r, "alternateTitle", p.alternate_title.clone());
    let kind = partner_type(p, log);
    r.insert("partnerType".into(), kind.as_str().into());
    put(
        &mut r,
        "sharedPartner",
        shared_partner(p, log).map(SharedPartner::as_str),
    );
    put(
        &mut r,
        "csoType",
        cso_type(p, kind, log).map(CsoType::as_str),
    );
    put(&mut r, "email", contact_email(p, log));
    put(&mut r, "phoneNumber", p.phone_number.clone());
    put(&mut r, "streetAddress", p.street_address.clone());
    put(&mut r, "city", p.city.clone());
    put(&mut r, "postalCode", p.postal_code.clone());
    put(&mut r, "countryCode", country_code(p, log));
    put(&mut r, "totalCtCp", p.total_ct_cp.map(|d| d.to_string()));
    put(&mut r, "totalCtCy", p.total_ct_cy.map(|d| d.to_string()));
    put(&mut r, "vendorNumber", vendor_number(p, log));
    put(&mut r, "alternateId", p.alternate_id);
    put(&mut r, "rating", p.rating.clone());
    put(
        &mut r,
        "basisForRiskRating",
        p.basis_for_risk_rating.clone(),
    );
    put(&mut r, "typeOfAssessment", p.type_of_assessment.clone());
    put(&mut r, "ochaExternalId", p.ocha_external_id.clone());
    r
}

/// P3: the title trimmed.
fn partner_title(p: &Partner, log: &mut Log) -> String {
    let title = p.title.trim();
    if title != p.title {
        log.note(change(
            "P3",
            PARTNER,
            vec![p.id],
            "title trimmed",
            (json!(p.title), json!(title)),
        ));
    }
    title.to_owned()
}

/// PartnerType by PRP value; anything else (P5, seen: '') is GOVERNMENT, PRP's default.
fn partner_type(p: &Partner, log: &mut Log) -> PartnerType {
    let kind = match p.partner_type.as_str() {
        "B/M" => Some(PartnerType::BilateralMultilateral),
        "CSO" => Some(PartnerType::CivilSocietyOrganization),
        "Gov" => Some(PartnerType::Government),
        "UNA" => Some(PartnerType::UnAgency),
        _ => None,
    };
    kind.unwrap_or_else(|| {
        log.note(change(
            "P5",
            PARTNER,
            vec![p.id],
            "unknown partner type: GOVERNMENT, PRP's default",
            (
                json!({"partnerType": p.partner_type}),
                json!({"partnerType": "GOVERNMENT"}),
            ),
        ));
        PartnerType::Government
    })
}

/// SharedPartner by PRP value; an unknown one is left out (idm's default NO) and reported.
fn shared_partner(p: &Partner, log: &mut Log) -> Option<SharedPartner> {
    let shared = match p.shared_partner.as_str() {
        "No" => Some(SharedPartner::No),
        "UND" => Some(SharedPartner::WithUndp),
        "UNF" => Some(SharedPartner::WithUnfpa),
        "U&U" => Some(SharedPartner::WithUndpAndUnfpa),
        _ => None,
    };
    if shared.is_none() {
        log.note(change(
            "P5",
            PARTNER,
            vec![p.id],
            "unknown shared-partner value: NO, PRP's default",
            (
                json!({"sharedPartner": p.shared_partner}),
                json!({"sharedPartner": "NO"}),
            ),
        ));
    }
    shared
}

/// P6: '' is null, a type on a non-CSO partner is dropped, 'RC' is RED_CROSS_RED_CRESCENT.
fn cso_type(p: &Partner, kind: PartnerType, log: &mut Log) -> Option<CsoType> {
    let raw = p.cso_type.as_deref()?;
    let cso = match raw {
        "Int" => Some(CsoType::International),
        "Nat" => Some(CsoType::National),
        "CBO" => Some(CsoType::CommunityBasedOrganization),
        "AI" => Some(CsoType::AcademicInstitution),
        "RC" => Some(CsoType::RedCrossRedCrescent),
        _ => None,
    };
    let before = json!({"csoType": raw});
    let Some(cso) = cso else {
        let detail = if raw.trim().is_empty() {
            "blank CSO type: null"
        } else {
            "unknown CSO type: null"
        };
        log.note(change(
            "P6",
            PARTNER,
            vec![p.id],
            detail,
            (before, json!({"csoType": null})),
        ));
        return None;
    };
    if kind != PartnerType::CivilSocietyOrganization {
        let detail = format!("CSO type on a {} partner: dropped", kind.as_str());
        log.note(change(
            "P6",
            PARTNER,
            vec![p.id],
            detail,
            (before, json!({"csoType": null})),
        ));
        return None;
    }
    Some(cso)
}

/// P7: the contact email trimmed; '' is null; for a list, its first valid address; anything
/// else that is not an address is null.
fn contact_email(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.email.as_deref()?;
    let trimmed = raw.trim();
    let clean = if trimmed.is_empty() || is_email(trimmed) {
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    } else {
        trimmed
            .split([';', ','])
            .map(str::trim)
            .find(|a| is_email(a))
            .map(str::to_owned)
    };
    if clean.as_deref() != Some(raw) {
        let detail = match (&clean, trimmed.is_empty()) {
            (_, true) => "blank email: null",
            (Some(_), false) if is_email(trimmed) => "email trimmed",
            (Some(_), false) => "email list: its first valid address",
            (None, false) => "email is not an address: null",
        };
        log.note(change(
            "P7",
            PARTNER,
            vec![p.id],
            detail,
            (json!({"email": raw}), json!({"email": clean})),
        ));
    }
    clean
}

/// P8: the country code trimmed; '' (or a code idm does not know) is null.
fn country_code(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.country_code.as_deref()?;
    let code = raw.trim();
    let mut c = Checker::new(&[]);
    c.country_code("countryCode", Some(code));
    let clean = (!code.is_empty() && c.errors.is_empty()).then(|| code.to_owned());
    if clean.as_deref() != Some(raw) {
        let detail = if code.is_empty() {
            "blank country code: null"
        } else {
            "not an ISO 3166-1 alpha-2 code: null"
        };
        log.note(change(
            "P8",
            PARTNER,
            vec![p.id],
            detail,
            (json!({"countryCode": raw}), json!({"countryCode": clean})),
        ));
    }
    clean
}

/// P2: a blank vendor number is null.
fn vendor_number(p: &Partner, log: &mut Log) -> Option<String> {
    let raw = p.vendor_number.as_deref()?;
    if raw.trim().is_empty() {
        log.note(change(
            "P2",
            PARTNER,
            vec![p.id],
            "blank vendor number: null",
            (json!({"vendorNumber": raw}), json!({"vendorNumber": null})),
        ));
        return None;
    }
    Some(raw.to_owned())
}

/// P4: the external id and source go together; an id without a source (eTools) or a source
/// without an id is dropped, and counted as not carried over; so is a pair a partner of a
/// lower id already holds (idm keeps (source, id) unique; PRP does not).
fn external(
    p: &Partner,
    taken: &mut HashMap<(ExternalSource, String), i64>,
    log: &mut Log,
) -> Option<(String, ExternalSource)> {
    let blank_is_none = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let (id, source) = (
        blank_is_none(&p.external_id),
        blank_is_none(&p.external_source),
    );
    let known = source.as_deref().and_then(ExternalSource::parse);
    let detail = match (&id, &source, known) {
        (None, None, _) => return None,
        (Some(id), Some(_), Some(known)) => match taken.entry((known, id.clone())) {
            Entry::Vacant(v) => {
                v.insert(p.id);
                return Some((id.clone(), known));
            }
            Entry::Occupied(o) => format!(
                "{} id {id} already belongs to partner {}: dropped here",
                known.as_str(),
                o.get()
            ),
        },
        (Some(_), None, _) => "external id without a source (eTools partner id): dropped".into(),
        (Some(_), Some(_), None) => "external source unknown: id and source dropped".into(),
        (None, Some(_), _) => "external source without an id: dropped".into(),
    };
    if id.is_some() {
        log.lose(PARTNER, "external_id", 1);
    }
    if source.is_some() {
        log.lose(PARTNER, "external_source", 1);
    }
    let before = json!({"externalId": p.external_id, "externalSource": p.external_source});
    log.note(change(
        "P4",
        PARTNER,
        vec![p.id],
        detail,
        (before, json!({})),
    ));
    None
}

/// The partner's clusters through the C2 map, deduplicated; links to a refused plan-less
/// cluster are left out (the cluster's own anomaly blocks the run).
fn partner_clusters(partner: i64, links: &[i64], clusters: &Clusters, log: &mut Log) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(links.len());
    let mut repointed = false;
    for &c in links {
        let Ok(target) = clusters.target(c) else {
            continue;
        };
        repointed |= target != c;
        if !out.contains(&target) {
            out.push(target);
        }
    }
    if repointed {
        log.note(change(
            "C2",
            PARTNER,
            vec![partner],
            "cluster links repointed to the kept cluster of a merged pair",
            (json!({"clusters": links}), json!({"clusters": out})),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------------
// Users: who becomes one idm user

/// One idm user: the kept old row and the rows folded into it.
struct Person<'w> {
    kept: &'w User,
    /// Every old row of the person, the kept one first.
    members: Vec<&'w User>,
    email: String,
}

/// Skips (operator, U9), forced merges (operator), email normalisation (U7, U6, U8) and
/// U5 groups: the people of the document, in the order of their kept row's id.
fn people<'w>(
    world: &'w World,
    index: &Index<'w>,
    r: &Resolutions,
    log: &mut Log,
) -> Vec<Person<'w>> {
    let skipped = skips(world, index, r, log);
    let forced = forced_merges(index, r, &skipped, log);
    let merged_away: HashSet<i64> = forced.values().flatten().map(|u| u.id).collect();
    let mut groups: Vec<(String, Vec<&User>)> = Vec::new();
    let mut by_email: HashMap<String, usize> = HashMap::new();
    for u in &world.users {
        if skipped.contains(&u.id) || merged_away.contains(&u.id) {
            continue;
        }
        let Some(email) = user_email(u, log) else {
            let n = 1 + forced.get(&u.id).map_or(0, Vec::len);
            log.tally(USER, Tally::Refused, n);
            log.tally(ROLE, Tally::Refused, roles_count(index, u, &forced));
            continue;
        };
        let at = *by_email.entry(email.clone()).or_insert_with(|| {
            groups.push((email, Vec::new()));
            groups.len() - 1
        });
        if let Some((_, group)) = groups.get_mut(at) {
            group.push(u);
        }
    }
    let mut people: Vec<Person> = groups
        .into_iter()
        .filter_map(|(email, group)| person(email, group, &forced, index, log))
        .collect();
    people.sort_by_key(|p| p.kept.id);
    people
}

fn roles_count(index: &Index<'_>, u: &User, forced: &HashMap<i64, Vec<&User>>) -> usize {
    let folded = forced
        .get(&u.id)
        .map_or(0, |m| m.iter().map(|f| index.roles_of(f.id).len()).sum());
    index.roles_of(u.id).len() + folded
}

/// Users left out: the operator's skips, then U9 (a blank email, or a staff or superuser
/// account without roles). A staff account with roles and an email stays, reported.
fn skips(world: &World, index: &Index<'_>, r: &Resolutions, log: &mut Log) -> HashSet<i64> {
    let mut skipped = HashSet::new();
    for u in &world.users {
        let roles = index.roles_of(u.id).len();
        let admin = u.is_staff || u.is_superuser;
        let reason = match r.users.get(&u.id) {
            Some(UserDecision::Skip) => Some(("OP", "skipped by the operator, with its roles")),
            // The operator's merge wins over U9: the account's roles go to the target.
            Some(UserDecision::MergeInto(_)) => None,
            None if u.email.trim().is_empty() => {
                Some(("U9", "account without an email (service account): skipped"))
            }
            None if admin && roles == 0 => {
                Some(("U9", "staff or superuser account without roles: skipped"))
            }
            None => {
                if admin {
                    let detail = "staff or superuser account with roles: migrates as a plain user";
                    log.note(anomaly("U9", USER, vec![u.id], Outcome::Kept, detail));
                }
                None
            }
        };
        if let Some((case, detail)) = reason {
            log.note(anomaly(case, USER, vec![u.id], Outcome::Skipped, detail));
            log.tally(USER, Tally::Skipped, 1);
            log.tally(ROLE, Tally::Skipped, roles);
            skipped.insert(u.id);
        }
    }
    skipped
}

/// The operator's merges: target id -> users folded into it. A merge into a user that is
/// skipped or itself merged away refuses the run and is ignored.
fn forced_merges<'w>(
    index: &Index<'w>,
    r: &Resolutions,
    skipped: &HashSet<i64>,
    log: &mut Log,
) -> HashMap<i64, Vec<&'w User>> {
    let mut forced: HashMap<i64, Vec<&User>> = HashMap::new();
    for (&id, decision) in &r.users {
        let UserDecision::MergeInto(target) = *decision else {
            continue;
        };
        let (Some(&user), true) = (index.users.get(&id), index.users.contains_key(&target)) else {
            continue; // reported by unknown_decisions
        };
        let problem = if skipped.contains(&target) {
            Some("the target is skipped")
        } else if matches!(r.users.get(&target), Some(UserDecision::MergeInto(_))) {
            Some("the target is itself merged into another user")
        } else {
            None
        };
        if let Some(problem) = problem {
            let detail = format!("user {id}: mergeInto {target} cannot apply: {problem}");
            log.note(anomaly(
                "OP",
                USER,
                vec![id, target],
                Outcome::Refused,
                detail,
            ));
            continue;
        }
        log.note(Anomaly {
            after: Some(json!({"survivor": target})),
            ..anomaly(
                "OP",
                USER,
                vec![target, id],
                Outcome::Merged,
                format!("user {id} merged into user {target} by the operator"),
            )
        });
        forced.entry(target).or_default().push(user);
    }
    forced
}

/// The stored form of a user's email: trimmed (U7), ASCII letters lowered (U6), an IDN
/// domain in `xn--` form (U8). None, refusing the run, when it is still not an address.
fn user_email(u: &User, log: &mut Log) -> Option<String> {
    let trimmed = u.email.trim();
    if trimmed != u.email {
        log.note(change(
            "U7",
            USER,
            vec![u.id],
            "email trimmed",
            (json!(u.email), json!(trimmed)),
        ));
    }
    let lower = trimmed.to_ascii_lowercase();
    if lower != trimmed {
        log.note(change(
            "U6",
            USER,
            vec![u.id],
            "email lower-cased (ASCII letters)",
            (json!(trimmed), json!(lower)),
        ));
    }
    match crate::email::stored(&lower) {
        Ok(stored) => {
            if stored != lower {
                log.note(change("U8", USER, vec![u.id], "internationalised domain in xn-- form: the identity provider must send the same form", (json!(lower), json!(stored))));
            }
            Some(stored)
        }
        Err(problem) => {
            let detail = format!(
                "email {:?}: {}; skip the user or fix the address in PRP",
                u.email,
                problem.message()
            );
            log.note(anomaly("U9", USER, vec![u.id], Outcome::Refused, detail));
            None
        }
    }
}

/// One email's users (and those the operator folded into them) as one person (U5), or None
/// when the group disagrees on partner or on being active (refused).
fn person<'w>(
    email: String,
    group: Vec<&'w User>,
    forced: &HashMap<i64, Vec<&'w User>>,
    index: &Index<'w>,
    log: &mut Log,
) -> Option<Person<'w>> {
    let folded = |u: &User| forced.get(&u.id).map_or(&[][..], Vec::as_slice);
    let all_ids = || -> Vec<i64> {
        group
            .iter()
            .flat_map(|u| std::iter::once(*u).chain(folded(u).iter().copied()))
            .map(|u| u.id)
            .collect()
    };
    let first = *group.first()?;
    if group.len() == 1 {
        let mut members = vec![first];
        members.extend(folded(first).iter().copied());
        log.tally(USER, Tally::Merged, members.len() - 1);
        return Some(Person {
            kept: first,
            members,
            email,
        });
    }
    let partners: HashSet<i64> = group.iter().filter_map(|u| u.partner_id).collect();
    let active: HashSet<bool> = group.iter().map(|u| u.is_active).collect();
    if partners.len() > 1 || active.len() > 1 {
        let ids = all_ids();
        let detail = format!("users {ids:?} share the email {email} but disagree on partner or on being active: merge or skip them in the resolution file");
        log.note(Anomaly {
            before: Some(json!(group
                .iter()
                .map(|u| json!({"id": u.id, "partner": u.partner_id, "isActive": u.is_active}))
                .collect::<Vec<_>>())),
            ..anomaly("U5", USER, ids.clone(), Outcome::Refused, detail)
        });
        log.tally(USER, Tally::Refused, ids.len());
        log.tally(
            ROLE,
            Tally::Refused,
            ids.iter().map(|id| index.roles_of(*id).len()).sum(),
        );
        return None;
    }
    let kept = *group
        .iter()
        .max_by_key(|u| (u.last_login, u.date_joined, std::cmp::Reverse(u.id)))?;
    let mut members = vec![kept];
    members.extend(group.iter().filter(|u| u.id != kept.id).copied());
    members.extend(group.iter().flat_map(|u| folded(u).iter().copied()));
    members[1..].sort_by_key(|u| u.id);
    let ids: Vec<i64> = members.iter().map(|u| u.id).collect();
    let detail = format!("users sharing the email {email} but for case merged into user {} (latest sign-in); roles united", kept.id);
    log.note(Anomaly {
        after: Some(json!({"survivor": kept.id, "email": email})),
        ..anomaly("U5", USER, ids, Outcome::Merged, detail)
    });
    log.tally(USER, Tally::Merged, members.len() - 1);
    Some(Person {
        kept,
        members,
        email,
    })
}

// ---------------------------------------------------------------------------------------
// Users: records

/// The users of the document with their role records.
#[derive(Default)]
struct Users {
    records: Vec<Value>,
    ids: Vec<Vec<i64>>,
    role_ids: Vec<Vec<Vec<i64>>>,
}

fn users(
    people: &[Person<'_>],
    index: &Index<'_>,
    clusters: &Clusters,
    r: &Resolutions,
    log: &mut Log,
) -> Users {
    let mut out = Users::default();
    for p in people {
        let grants = grants(p, index, clusters, r, log);
        let (record, role_ids) = user_record(p, &grants, log);
        out.records.push(record);
        out.ids.push(p.members.iter().map(|u| u.id).collect());
        out.role_ids.push(role_ids);
    }
    out
}

fn user_record(p: &Person<'_>, grants: &[Grant<'_>], log: &mut Log) -> (Value, Vec<Vec<i64>>) {
    let u = p.kept;
    let (first, last) = names(u, &p.email, log);
    let partner = u
        .partner_id
        .or_else(|| p.members.iter().find_map(|m| m.partner_id));
    let mut r = Map::new();
    r.insert("ref".into(), reference("u", u.id));
    r.insert("email".into(), p.email.clone().into());
    r.insert("firstName".into(), first.into());
    r.insert("lastName".into(), last.into());
    put(&mut r, "position", position(u, log));
    put(&mut r, "partner", partner.map(|id| reference("p", id)));
    r.insert("isActive".into(), u.is_active.into());
    let last_login = p.members.iter().filter_map(|m| m.last_login).max();
    put(&mut r, "lastLogin", last_login.map(time));
    let joined = p
        .members
        .iter()
        .map(|m| m.date_joined)
        .min()
        .unwrap_or(u.date_joined);
    r.insert("createdAt".into(), time(joined).into());
    if partner.is_none() && grants.iter().any(|g| g.role.is_ip()) {
        log.note(anomaly(
            "U2",
            USER,
            vec![u.id],
            Outcome::Kept,
            "user without a partner holds IP roles: kept, they grant nothing in idm",
        ));
    }
    let roles: Vec<Value> = grants.iter().map(Grant::record).collect();
    r.insert("roles".into(), roles.into());
    let role_ids = grants
        .iter()
        .map(|g| {
            std::iter::once(g.row.id)
                .chain(g.folded.iter().copied())
                .collect()
        })
        .collect();
    (Value::Object(r), role_ids)
}

/// U11: names trimmed. U10: kept as PRP has them (an empty last name is allowed); both
/// empty: the first name is the email's local part; only the first empty: the last name
/// moves to the first, so the full name stays.
fn names(u: &User, email: &str, log: &mut Log) -> (String, String) {
    let (first, last) = (u.first_name.trim(), u.last_name.trim());
    if first != u.first_name || last != u.last_name {
        log.note(change(
            "U11",
            USER,
            vec![u.id],
            "names trimmed",
            (
                json!({"firstName": u.first_name, "lastName": u.last_name}),
                json!({"firstName": first, "lastName": last}),
            ),
        ));
    }
    let before = json!({"firstName": first, "lastName": last});
    match (first.is_empty(), last.is_empty()) {
        (true, true) => {
            let local: String = email
                .split('@')
                .next()
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect();
            log.note(change(
                "U10",
                USER,
                vec![u.id],
                "both names empty: first name from the email",
                (before, json!({"firstName": local, "lastName": ""})),
            ));
            (local, String::new())
        }
        (true, false) => {
            log.note(change(
                "U10",
                USER,
                vec![u.id],
                "first name empty: the last name moves to it",
                (before, json!({"firstName": last, "lastName": ""})),
            ));
            (last.to_owned(), String::new())
        }
        (false, true) => {
            log.note(anomaly(
                "U10",
                USER,
                vec![u.id],
                Outcome::Kept,
                "empty last name kept (contract 1.1 §9.12)",
            ));
            (first.to_owned(), String::new())
        }
        (false, false) => (first.to_owned(), last.to_owned()),
    }
}

/// U12: a blank position is null.
fn position(u: &User, log: &mut Log) -> Option<String> {
    let raw = u.position.as_deref()?;
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        log.note(change(
            "U12",
            USER,
            vec![u.id],
            "blank position: null",
            (json!({"position": raw}), json!({"position": null})),
        ));
        return None;
    }
    Some(trimmed.to_owned())
}

// ---------------------------------------------------------------------------------------
// Roles

/// One role row on its way into the document.
#[derive(Debug, Clone)]
struct Grant<'w> {
    row: &'w Role,
    role: RoleType,
    workspace: Option<i64>,
    cluster: Option<i64>,
    is_active: bool,
    /// Rows folded into this one (R9, R11).
    folded: Vec<i64>,
    /// Moved from the duplicate cluster of a C2 pair.
    repointed: bool,
}

impl Grant<'_> {
    fn record(&self) -> Value {
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

    fn is_csa(&self) -> bool {
        self.role == RoleType::ClusterSystemAdmin
    }

    fn is_cluster_role(&self) -> bool {
        !self.role.is_ip() && !self.is_csa()
    }

    /// Oldest first: by creation, then id.
    fn age(&self) -> (DateTime<Utc>, i64) {
        (self.row.created, self.row.id)
    }
}

/// A person's role rows (all members', in id order) through the pipeline: value (operator,
/// R13) and C2 map, scope repair (R2/R3, R6, R4, R5), CSA rules (R8, R7), per-scope dedupe
/// (R9–R12). R1 (inactive rows) is reported for rows that reach the document.
fn grants<'w>(
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
fn read_role<'w>(
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
fn role_value(row: &Role, log: &mut Log) -> Option<RoleType> {
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
fn repair_scope<'w>(
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
fn csa_rules<'w>(grants: Vec<Grant<'w>>, log: &mut Log) -> Vec<Grant<'w>> {
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
fn dedupe<'w>(grants: Vec<Grant<'w>>, log: &mut Log) -> Vec<Grant<'w>> {
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
fn one_per_scope<'w>(mut group: Vec<Grant<'w>>, log: &mut Log) -> Option<Grant<'w>> {
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
fn provenance(kept: &Grant<'_>, rest: &[Grant<'_>]) -> &'static str {
    if rest.iter().any(|g| g.row.user_id != kept.row.user_id) {
        " (rows of users merged by email, U5)"
    } else if kept.repointed || rest.iter().any(|g| g.repointed) {
        " (rows met on the kept cluster of a merged pair, C2)"
    } else {
        ""
    }
}

/// Precedence within a portal: AO > ADMIN > EDITOR > VIEWER; IMO > COORDINATOR > MEMBER > VIEWER.
fn rank(role: RoleType) -> u8 {
    match role {
        RoleType::IpAuthorizedOfficer | RoleType::ClusterImo => 0,
        RoleType::IpAdmin | RoleType::ClusterCoordinator => 1,
        RoleType::IpEditor | RoleType::ClusterMember => 2,
        RoleType::IpViewer | RoleType::ClusterViewer => 3,
        RoleType::ClusterSystemAdmin => 4,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, NaiveDate, TimeZone};
    use rust_decimal::Decimal;

    use super::*;
    use crate::prp::resolve::parse;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + Duration::days(n)
    }

    /// Two workspaces with a plan each; clusters 100 (HEALTH) and 101 (EDUCATION) in plan
    /// 10 of workspace 1, 200 (HEALTH) in plan 20 of workspace 2; partner 1000 (a CSO).
    fn world() -> World {
        let ws = |id, code: &str| Workspace {
            id,
            external_id: None,
            external_source: None,
            title: format!("Workspace {code}"),
            workspace_code: code.into(),
            business_area_code: Some("0060".into()),
        };
        let plan = |id, workspace_id| Plan {
            id,
            external_id: None,
            external_source: None,
            title: format!("Plan {id}"),
            plan_type: "HRP".into(),
            start: NaiveDate::from_ymd_opt(2020, 1, 1),
            end: NaiveDate::from_ymd_opt(2020, 12, 31),
            workspace_id,
            plan_custom_type_label: None,
        };
        World {
            workspaces: vec![ws(1, "SYR"), ws(2, "LBN")],
            plans: vec![plan(10, 1), plan(20, 2)],
            clusters: vec![
                cluster(100, "health", Some(10)),
                cluster(101, "education", Some(10)),
                cluster(200, "health", Some(20)),
            ],
            partners: vec![partner(1000)],
            ..World::default()
        }
    }

    fn cluster(id: i64, kind: &str, plan: Option<i64>) -> Cluster {
        Cluster {
            id,
            external_id: None,
            external_source: None,
            kind: kind.into(),
            imported_type: None,
            response_plan_id: plan,
        }
    }

    fn partner(id: i64) -> Partner {
        Partner {
            id,
            external_id: None,
            external_source: None,
            title: format!("Partner {id}"),
            short_title: String::new(),
            alternate_title: None,
            partner_type: "CSO".into(),
            shared_partner: "No".into(),
            cso_type: Some("Int".into()),
            email: None,
            phone_number: None,
            street_address: None,
            city: None,
            postal_code: None,
            country_code: None,
            total_ct_cp: None,
            total_ct_cy: None,
            vendor_number: None,
            alternate_id: None,
            rating: None,
            basis_for_risk_rating: None,
            type_of_assessment: None,
            ocha_external_id: None,
        }
    }

    fn user(id: i64, email: &str) -> User {
        User {
            id,
            last_login: None,
            is_superuser: false,
            username: email.into(),
            is_staff: false,
            is_active: true,
            date_joined: day(id),
            first_name: "Ana".into(),
            last_name: "Lopez".into(),
            email: email.into(),
            partner_id: Some(1000),
            position: None,
        }
    }

    fn role(id: i64, user_id: i64, role: &str, ws: Option<i64>, cl: Option<i64>) -> Role {
        Role {
            id,
            created: day(id),
            role: role.into(),
            cluster_id: cl,
            user_id,
            workspace_id: ws,
            is_active: true,
        }
    }

    /// A world of one user (1, ana@x.org) with these role rows.
    fn with_roles(roles: Vec<Role>) -> World {
        World {
            users: vec![user(1, "ana@x.org")],
            roles,
            ..world()
        }
    }

    fn run(w: &World) -> Mapped {
        checked(w, &Resolutions::default())
    }

    /// Maps and checks what holds for every mapping: each entity's rows add up, and a
    /// complete report comes with a document the import accepts.
    fn checked(w: &World, r: &Resolutions) -> Mapped {
        let m = map(w, r);
        for e in &m.report.entities {
            assert_eq!(
                e.read,
                e.migrated + e.merged + e.skipped + e.refused,
                "{e:?}"
            );
        }
        if m.report.complete() {
            let errors = crate::import::validate(&m.document.to_string());
            assert_eq!(errors, Vec::<String>::new());
        }
        m
    }

    fn resolved(w: &World, file: &str) -> Mapped {
        checked(w, &parse(file).unwrap())
    }

    fn found<'a>(m: &'a Mapped, case: &str) -> Vec<&'a Anomaly> {
        m.report
            .anomalies
            .iter()
            .filter(|a| a.case == case)
            .collect()
    }

    /// The one anomaly of `case`.
    fn one<'a>(m: &'a Mapped, case: &str) -> &'a Anomaly {
        let all = found(m, case);
        assert_eq!(all.len(), 1, "{case}: {:#?}", m.report.anomalies);
        all[0]
    }

    fn users(m: &Mapped) -> &Vec<Value> {
        m.document["users"].as_array().unwrap()
    }

    fn roles(m: &Mapped) -> Vec<Value> {
        users(m)
            .iter()
            .flat_map(|u| u["roles"].as_array().unwrap().clone())
            .collect()
    }

    fn counts(m: &Mapped, entity: &str) -> EntityCounts {
        m.report
            .entities
            .iter()
            .find(|e| e.entity == entity)
            .unwrap()
            .clone()
    }

    #[test]
    fn a_plain_world_maps_field_by_field() {
        let mut w = with_roles(vec![
            role(1, 1, "IP_EDITOR", Some(1), None),
            role(2, 1, "CLUSTER_MEMBER", None, Some(101)),
        ]);
        w.users[0].last_login = Some(day(30));
        w.users[0].position = Some("Officer".into());
        w.partner_clusters = vec![(1000, 100)];
        let m = run(&w);
        assert!(m.report.complete());
        assert_eq!(m.report.anomalies, vec![]);
        let d = &m.document;
        assert_eq!(
            d["workspaces"][0],
            json!({"ref": "ws:1", "title": "Workspace SYR", "workspaceCode": "SYR", "businessAreaCode": "0060"})
        );
        assert_eq!(
            d["responsePlans"][1],
            json!({"ref": "rp:20", "workspace": "ws:2", "title": "Plan 20", "planType": "HRP", "start": "2020-01-01", "end": "2020-12-31"})
        );
        assert_eq!(
            d["clusters"][1],
            json!({"ref": "cl:101", "responsePlan": "rp:10", "type": "EDUCATION"})
        );
        assert_eq!(
            d["partners"][0],
            json!({"ref": "p:1000", "title": "Partner 1000", "shortTitle": "", "partnerType": "CIVIL_SOCIETY_ORGANIZATION",
                   "sharedPartner": "NO", "csoType": "INTERNATIONAL", "clusters": ["cl:100"]})
        );
        assert_eq!(
            users(&m)[0],
            json!({"ref": "u:1", "email": "ana@x.org", "firstName": "Ana", "lastName": "Lopez", "position": "Officer",
                   "partner": "p:1000", "isActive": true, "lastLogin": "2020-01-31T00:00:00Z", "createdAt": "2020-01-02T00:00:00Z",
                   "roles": [{"role": "IP_EDITOR", "workspace": "ws:1", "isActive": true},
                             {"role": "CLUSTER_MEMBER", "cluster": "cl:101", "isActive": true}]})
        );
        assert_eq!(
            m.ids,
            OldIds {
                workspaces: vec![1, 2],
                plans: vec![10, 20],
                clusters: vec![vec![100], vec![101], vec![200]],
                partners: vec![1000],
                users: vec![vec![1]],
                roles: vec![vec![vec![1], vec![2]]],
            }
        );
        let u = counts(&m, "user");
        assert_eq!((u.read, u.migrated, u.normalised), (1, 1, 0));
    }

    #[test]
    fn u5_case_only_twins_merge_into_the_latest_signed_in_account_with_their_roles() {
        let mut w = world();
        let mut old = user(1, "Ana.Lopez@x.org");
        old.last_login = Some(day(40));
        let mut new = user(2, "ana.lopez@x.org");
        new.last_login = Some(day(50));
        new.partner_id = None;
        w.users = vec![old, new];
        w.roles = vec![
            role(5, 1, "IP_AUTHORIZED_OFFICER", Some(1), None),
            role(6, 2, "IP_VIEWER", Some(1), None),
            role(7, 2, "CLUSTER_VIEWER", None, Some(100)),
        ];
        let m = run(&w);
        assert!(m.report.complete());
        let u = &users(&m)[0];
        assert_eq!(users(&m).len(), 1);
        assert_eq!(u["ref"], "u:2");
        assert_eq!(u["email"], "ana.lopez@x.org");
        assert_eq!(u["partner"], "p:1000", "the one partner of the group");
        assert_eq!(u["createdAt"], "2020-01-02T00:00:00Z", "the earliest join");
        assert_eq!(u["lastLogin"], "2020-02-20T00:00:00Z");
        assert_eq!(m.ids.users, vec![vec![2, 1]]);
        let merged = one(&m, "U5");
        assert_eq!(
            (merged.outcome, merged.ids.clone()),
            (Outcome::Merged, vec![2, 1])
        );
        assert_eq!(one(&m, "U6").ids, vec![1]);
        // AO and viewer met in workspace 1: R10 precedence keeps the AO.
        let r10 = one(&m, "R10");
        assert_eq!(
            (r10.ids.clone(), r10.outcome),
            (vec![5, 6], Outcome::Dropped)
        );
        assert!(r10.detail.contains("U5"), "{}", r10.detail);
        assert_eq!(m.ids.roles, vec![vec![vec![5], vec![7]]]);
        let c = counts(&m, "user");
        assert_eq!((c.migrated, c.merged), (1, 1));
    }

    #[test]
    fn u5_twins_that_disagree_refuse_the_run_until_the_operator_decides() {
        let mut w = world();
        w.partners.push(partner(2000));
        let mut other = user(2, "ana@x.org");
        other.partner_id = Some(2000);
        w.users = vec![user(1, "ANA@x.org"), other];
        w.roles = vec![role(5, 1, "IP_EDITOR", Some(1), None)];
        let m = run(&w);
        assert!(!m.report.complete());
        let refused = one(&m, "U5");
        assert_eq!(
            (refused.outcome, refused.ids.clone()),
            (Outcome::Refused, vec![1, 2])
        );
        assert!(users(&m).is_empty());
        assert_eq!(
            (counts(&m, "user").refused, counts(&m, "role").refused),
            (2, 1)
        );

        let m = resolved(&w, r#"{"users": {"2": {"mergeInto": 1}}}"#);
        assert!(m.report.complete(), "{:#?}", m.report.anomalies);
        assert_eq!(m.ids.users, vec![vec![1, 2]]);
        assert_eq!(users(&m)[0]["partner"], "p:1000", "the target's partner");
        assert_eq!(one(&m, "OP").outcome, Outcome::Merged);

        let m = resolved(&w, r#"{"users": {"1": "skip"}}"#);
        assert!(m.report.complete());
        assert_eq!(m.ids.users, vec![vec![2]]);
        assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
        assert_eq!(counts(&m, "role").skipped, 1, "the skipped user's roles");

        // The operator's merge wins over U9's skip of an account without an email.
        w.users[0].email = String::new();
        let m = resolved(&w, r#"{"users": {"1": {"mergeInto": 2}}}"#);
        assert!(m.report.complete());
        assert_eq!(m.ids.users, vec![vec![2, 1]]);
        assert_eq!(m.ids.roles, vec![vec![vec![5]]]);
        assert!(found(&m, "U9").is_empty());
        w.users[0].email = "ANA@x.org".into();
        let m = resolved(&w, r#"{"users": {"1": "skip"}}"#);
        assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
        assert_eq!(counts(&m, "role").skipped, 1, "the skipped user's roles");
    }

    #[test]
    fn a_forced_merge_into_a_skipped_or_missing_user_refuses_the_run() {
        let mut w = world();
        w.users = vec![user(1, "a@x.org"), user(2, "b@x.org"), user(3, "c@x.org")];
        let m = resolved(&w, r#"{"users": {"2": {"mergeInto": 1}, "1": "skip"}}"#);
        assert!(!m.report.complete());
        assert!(found(&m, "OP")
            .iter()
            .any(|a| a.outcome == Outcome::Refused && a.detail.contains("skipped")));
        let m = resolved(
            &w,
            r#"{"users": {"3": {"mergeInto": 9}, "8": "skip"}, "roles": {"77": "drop"}, "clusters": {"5": {"responsePlan": 10}}}"#,
        );
        let refused: Vec<Vec<i64>> = found(&m, "OP")
            .iter()
            .filter(|a| a.outcome == Outcome::Refused)
            .map(|a| a.ids.clone())
            .collect();
        assert_eq!(refused, vec![vec![3, 9], vec![8], vec![77], vec![5]]);
    }

    #[test]
    fn u6_u7_u8_emails_are_trimmed_lowered_and_their_domain_encoded() {
        let mut w = world();
        w.users = vec![
            user(1, " Bob.Smith@X.org "),
            user(2, "eva@ong-espérance.ht"),
            user(3, "not an address"),
        ];
        let m = run(&w);
        assert_eq!(users(&m)[0]["email"], "bob.smith@x.org");
        let trimmed = one(&m, "U7");
        assert_eq!(
            (trimmed.before.clone(), trimmed.after.clone()),
            (
                Some(json!(" Bob.Smith@X.org ")),
                Some(json!("Bob.Smith@X.org"))
            )
        );
        assert_eq!(one(&m, "U6").after, Some(json!("bob.smith@x.org")));
        let idn = crate::email::stored("eva@ong-espérance.ht").unwrap();
        assert!(idn.contains("xn--"));
        assert_eq!(users(&m)[1]["email"], idn.as_str());
        assert_eq!(one(&m, "U8").after, Some(json!(idn)));
        let bad = one(&m, "U9");
        assert_eq!((bad.outcome, bad.ids.clone()), (Outcome::Refused, vec![3]));
        assert_eq!(counts(&m, "user").normalised, 2);
    }

    #[test]
    fn u9_service_accounts_are_skipped_and_staff_with_roles_migrate() {
        let mut w = world();
        let mut service = user(1, "");
        service.is_staff = true;
        let mut admin = user(2, "admin@x.org");
        admin.is_superuser = true;
        let mut staff = user(3, "staff@x.org");
        staff.is_staff = true;
        w.users = vec![service, admin, staff];
        w.roles = vec![role(9, 3, "IP_VIEWER", Some(1), None)];
        let m = run(&w);
        let outcomes: Vec<_> = found(&m, "U9")
            .iter()
            .map(|a| (a.ids[0], a.outcome))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                (1, Outcome::Skipped),
                (2, Outcome::Skipped),
                (3, Outcome::Kept)
            ]
        );
        assert_eq!(m.ids.users, vec![vec![3]]);
        assert_eq!(counts(&m, "user").skipped, 2);
    }

    #[test]
    fn u10_u11_u12_names_are_kept_as_prp_has_them_trimmed() {
        let mut w = world();
        let named = |id, email, first: &str, last: &str| User {
            first_name: first.into(),
            last_name: last.into(),
            ..user(id, email)
        };
        w.users = vec![
            named(1, "abdul@x.org", "Abdul Rahman Al Hassan", ""),
            named(2, "mulugeta@x.org", "Mulugeta", ""),
            named(3, "b2c.person@x.org", "", ""),
            named(4, "spaces@x.org", " Ana", "Lopez "),
            named(5, "family@x.org", "", "Nguyen"),
            User {
                position: Some(" ".into()),
                ..user(6, "pos@x.org")
            },
        ];
        let m = run(&w);
        let names: Vec<(Value, Value)> = users(&m)
            .iter()
            .map(|u| (u["firstName"].clone(), u["lastName"].clone()))
            .collect();
        assert_eq!(
            names,
            vec![
                (json!("Abdul Rahman Al Hassan"), json!("")),
                (json!("Mulugeta"), json!("")),
                (json!("b2c.person"), json!("")),
                (json!("Ana"), json!("Lopez")),
                (json!("Nguyen"), json!("")),
                (json!("Ana"), json!("Lopez")),
            ]
        );
        let u10: Vec<_> = found(&m, "U10")
            .iter()
            .map(|a| (a.ids[0], a.outcome))
            .collect();
        assert_eq!(
            u10,
            vec![
                (1, Outcome::Kept),
                (2, Outcome::Kept),
                (3, Outcome::Normalised),
                (5, Outcome::Normalised)
            ]
        );
        assert_eq!(one(&m, "U11").ids, vec![4]);
        assert_eq!(one(&m, "U12").ids, vec![6]);
        assert!(users(&m)[5].get("position").is_none());
    }

    #[test]
    fn u2_partnerless_users_keep_their_ip_roles_reported() {
        let mut w = with_roles(vec![role(1, 1, "IP_VIEWER", Some(1), None)]);
        w.users[0].partner_id = None;
        let m = run(&w);
        assert_eq!(one(&m, "U2").outcome, Outcome::Kept);
        assert_eq!(roles(&m).len(), 1);
    }

    #[test]
    fn r2_r3_a_cluster_role_loses_its_workspace_whichever_it_was() {
        let m = run(&with_roles(vec![
            role(1, 1, "CLUSTER_IMO", Some(1), Some(100)),
            role(2, 1, "CLUSTER_IMO", Some(2), Some(101)),
        ]));
        assert_eq!(one(&m, "R2").ids, vec![1]);
        assert_eq!(one(&m, "R3").ids, vec![2]);
        assert_eq!(
            roles(&m),
            vec![
                json!({"role": "CLUSTER_IMO", "cluster": "cl:100", "isActive": true}),
                json!({"role": "CLUSTER_IMO", "cluster": "cl:101", "isActive": true}),
            ]
        );
        assert_eq!(counts(&m, "role").normalised, 2);
    }

    #[test]
    fn r4_an_ip_role_without_a_workspace_is_dropped_and_its_cluster_never_kept() {
        let m = run(&with_roles(vec![
            role(1, 1, "IP_EDITOR", None, None),
            role(2, 1, "IP_EDITOR", None, Some(100)),
            role(3, 1, "IP_VIEWER", Some(1), Some(100)),
        ]));
        let r4: Vec<_> = found(&m, "R4")
            .iter()
            .map(|a| (a.ids[0], a.outcome))
            .collect();
        assert_eq!(
            r4,
            vec![
                (1, Outcome::Dropped),
                (2, Outcome::Dropped),
                (3, Outcome::Normalised)
            ]
        );
        assert_eq!(
            roles(&m),
            vec![json!({"role": "IP_VIEWER", "workspace": "ws:1", "isActive": true})]
        );
        assert_eq!(counts(&m, "role").skipped, 2);
    }

    #[test]
    fn r5_a_cluster_role_without_a_cluster_is_dropped() {
        let m = run(&with_roles(vec![
            role(1, 1, "CLUSTER_MEMBER", None, None),
            role(2, 1, "CLUSTER_VIEWER", Some(1), None),
        ]));
        assert_eq!(found(&m, "R5").len(), 2);
        assert!(roles(&m).is_empty());
    }

    #[test]
    fn r6_a_system_admin_row_loses_its_scope() {
        let m = run(&with_roles(vec![role(
            1,
            1,
            "CLUSTER_SYSTEM_ADMIN",
            None,
            Some(100),
        )]));
        assert_eq!(
            one(&m, "R6").after,
            Some(json!({"workspace": null, "cluster": null}))
        );
        assert_eq!(
            roles(&m),
            vec![json!({"role": "CLUSTER_SYSTEM_ADMIN", "isActive": true})]
        );
    }

    #[test]
    fn r7_an_active_system_admin_replaces_cluster_roles_an_inactive_one_does_not() {
        let rows = |active| {
            vec![
                role(1, 1, "CLUSTER_IMO", None, Some(100)),
                Role {
                    is_active: active,
                    ..role(2, 1, "CLUSTER_SYSTEM_ADMIN", None, None)
                },
                role(3, 1, "IP_EDITOR", Some(1), None),
            ]
        };
        let m = run(&with_roles(rows(true)));
        let r7 = one(&m, "R7");
        assert_eq!((r7.ids.clone(), r7.outcome), (vec![2, 1], Outcome::Dropped));
        assert_eq!(m.ids.roles, vec![vec![vec![2], vec![3]]]);
        let m = run(&with_roles(rows(false)));
        let r7 = one(&m, "R7");
        assert_eq!((r7.ids.clone(), r7.outcome), (vec![2, 1], Outcome::Kept));
        assert_eq!(m.ids.roles, vec![vec![vec![1], vec![2], vec![3]]]);
    }

    #[test]
    fn r8_of_two_system_admin_rows_the_active_one_stays() {
        let m = run(&with_roles(vec![
            Role {
                is_active: false,
                ..role(1, 1, "CLUSTER_SYSTEM_ADMIN", None, None)
            },
            role(2, 1, "CLUSTER_SYSTEM_ADMIN", None, None),
        ]));
        assert_eq!(one(&m, "R8").ids, vec![2, 1]);
        assert_eq!(m.ids.roles, vec![vec![vec![2]]]);
    }

    #[test]
    fn r9_r11_exact_duplicates_collapse_into_the_oldest_active_when_any_is() {
        let m = run(&with_roles(vec![
            Role {
                is_active: false,
                ..role(1, 1, "IP_EDITOR", Some(1), None)
            },
            role(2, 1, "IP_EDITOR", Some(1), None),
            role(3, 1, "CLUSTER_MEMBER", None, Some(100)),
            role(4, 1, "CLUSTER_MEMBER", None, Some(100)),
        ]));
        assert_eq!(
            (one(&m, "R9").ids.clone(), one(&m, "R9").outcome),
            (vec![1, 2], Outcome::Merged)
        );
        assert_eq!(one(&m, "R11").ids, vec![3, 4]);
        assert_eq!(m.ids.roles, vec![vec![vec![1, 2], vec![3, 4]]]);
        assert_eq!(
            roles(&m)[0],
            json!({"role": "IP_EDITOR", "workspace": "ws:1", "isActive": true})
        );
        let c = counts(&m, "role");
        assert_eq!((c.migrated, c.merged, c.normalised), (2, 2, 1));
        assert!(
            found(&m, "R1").is_empty(),
            "no inactive row reaches the document"
        );
    }

    #[test]
    fn r10_r12_different_roles_in_one_scope_go_by_activity_then_rank_then_age() {
        let m = run(&with_roles(vec![
            role(1, 1, "IP_VIEWER", Some(1), None),
            Role {
                is_active: false,
                ..role(2, 1, "IP_AUTHORIZED_OFFICER", Some(1), None)
            },
            role(3, 1, "IP_EDITOR", Some(2), None),
            role(4, 1, "IP_AUTHORIZED_OFFICER", Some(2), None),
            role(5, 1, "CLUSTER_MEMBER", None, Some(100)),
            role(6, 1, "CLUSTER_COORDINATOR", None, Some(100)),
        ]));
        let mut r10: Vec<_> = found(&m, "R10").iter().map(|a| a.ids.clone()).collect();
        r10.sort();
        assert_eq!(r10, vec![vec![1, 2], vec![4, 3]]);
        assert_eq!(one(&m, "R12").ids, vec![6, 5]);
        assert_eq!(m.ids.roles, vec![vec![vec![1], vec![4], vec![6]]]);
    }

    #[test]
    fn r13_a_variant_of_one_role_is_folded_anything_else_waits_for_the_operator() {
        let w = with_roles(vec![
            role(1, 1, "ip_viewer", Some(1), None),
            role(2, 1, " Cluster-Member ", None, Some(100)),
            role(3, 1, "CLUSTER_ADMIN", None, Some(101)),
        ]);
        let m = run(&w);
        let r13: Vec<_> = found(&m, "R13")
            .iter()
            .map(|a| (a.ids[0], a.outcome))
            .collect();
        assert_eq!(
            r13,
            vec![
                (1, Outcome::Normalised),
                (2, Outcome::Normalised),
                (3, Outcome::Refused)
            ]
        );
        assert!(!m.report.complete());
        assert_eq!(counts(&m, "role").refused, 1);
        assert_eq!(roles(&m).len(), 2);

        let m = resolved(&w, r#"{"roles": {"3": {"role": "CLUSTER_VIEWER"}}}"#);
        assert!(m.report.complete());
        assert_eq!(
            roles(&m)[2],
            json!({"role": "CLUSTER_VIEWER", "cluster": "cl:101", "isActive": true})
        );
        let m = resolved(&w, r#"{"roles": {"3": {"role": "IP_ADMIN"}}}"#);
        assert_eq!(
            one(&m, "R4").ids,
            vec![3],
            "a mapped role still goes through the scope rules"
        );
        let m = resolved(&w, r#"{"roles": {"3": "drop"}}"#);
        assert!(m.report.complete());
        assert_eq!(one(&m, "OP").outcome, Outcome::Skipped);
        assert_eq!(counts(&m, "role").skipped, 1);
    }

    #[test]
    fn c1_a_planless_cluster_is_dropped_refused_or_attached() {
        let mut w = world();
        w.clusters.push(cluster(300, "wash", None));
        let m = run(&w);
        assert_eq!(
            (one(&m, "C1").outcome, m.ids.clusters.len()),
            (Outcome::Dropped, 3)
        );

        w.users = vec![user(1, "ana@x.org")];
        w.roles = vec![role(1, 1, "CLUSTER_MEMBER", None, Some(300))];
        w.partner_clusters = vec![(1000, 300), (1000, 100)];
        let m = run(&w);
        assert_eq!(one(&m, "C1").outcome, Outcome::Refused);
        assert!(!m.report.complete());
        assert_eq!(
            (counts(&m, "cluster").refused, counts(&m, "role").refused),
            (1, 1)
        );
        assert_eq!(m.document["partners"][0]["clusters"], json!(["cl:100"]));

        let m = resolved(&w, r#"{"clusters": {"300": {"responsePlan": 20}}}"#);
        assert!(m.report.complete(), "{:#?}", m.report.anomalies);
        assert_eq!(one(&m, "C1").outcome, Outcome::Normalised);
        assert_eq!(m.document["clusters"][3]["responsePlan"], "rp:20");
        assert!(found(&m, "C2").is_empty());

        let m = resolved(&w, r#"{"roles": {"1": "drop"}}"#);
        assert_eq!(
            one(&m, "C1").outcome,
            Outcome::Refused,
            "the partner link still refers to it"
        );
    }

    #[test]
    fn c2_a_duplicate_cluster_folds_into_the_oldest_with_its_roles_and_links() {
        let mut w = with_roles(vec![
            role(1, 1, "CLUSTER_IMO", None, Some(100)),
            role(2, 1, "CLUSTER_IMO", None, Some(102)),
        ]);
        w.clusters.push(cluster(102, "health", Some(10)));
        w.partner_clusters = vec![(1000, 102), (1000, 100)];
        let m = run(&w);
        let merged: Vec<_> = found(&m, "C2")
            .iter()
            .map(|a| (a.table, a.ids.clone(), a.outcome))
            .collect();
        assert_eq!(
            merged,
            vec![
                (CLUSTER, vec![100, 102], Outcome::Merged),
                (PARTNER, vec![1000], Outcome::Normalised),
                (ROLE, vec![2], Outcome::Normalised),
            ]
        );
        assert_eq!(m.ids.clusters, vec![vec![100, 102], vec![101], vec![200]]);
        assert_eq!(m.document["partners"][0]["clusters"], json!(["cl:100"]));
        let r11 = one(&m, "R11");
        assert_eq!(r11.ids, vec![1, 2]);
        assert!(r11.detail.contains("C2"));
        assert_eq!(m.ids.roles, vec![vec![vec![1, 2]]]);
    }

    #[test]
    fn c3_an_imported_cluster_without_a_name_is_named_imported() {
        let mut w = world();
        w.clusters.push(Cluster {
            imported_type: Some(" ".into()),
            ..cluster(103, "imported", Some(10))
        });
        w.clusters.push(Cluster {
            imported_type: Some("Shelter/NFI".into()),
            ..cluster(104, "imported", Some(10))
        });
        let m = run(&w);
        assert_eq!(one(&m, "C3").ids, vec![103]);
        assert_eq!(m.document["clusters"][3]["importedType"], "Imported");
        assert_eq!(m.document["clusters"][4]["importedType"], "Shelter/NFI");
    }

    #[test]
    fn d1_d2_plan_labels_and_dates() {
        let mut w = world();
        w.plans[0].end = NaiveDate::from_ymd_opt(2019, 6, 30);
        w.plans[1].plan_type = "OTHER".into();
        w.plans[1].plan_custom_type_label = Some("Joint Response Plan".into());
        w.plans.push(Plan {
            plan_custom_type_label: Some("Stray".into()),
            start: None,
            end: None,
            ..w.plans[0].clone()
        });
        w.plans[2].id = 30;
        w.plans[2].title = "Plan 30".into();
        let m = run(&w);
        let d2 = one(&m, "D2");
        assert_eq!(d2.after, Some(json!({"start": "2020-01-01"})));
        assert!(m.document["responsePlans"][0].get("end").is_none());
        assert_eq!(
            m.document["responsePlans"][1]["planCustomType"],
            "Joint Response Plan"
        );
        assert_eq!(one(&m, "D1").ids, vec![30]);
        assert!(m.document["responsePlans"][2]
            .get("planCustomType")
            .is_none());
        assert!(m
            .report
            .not_carried_over
            .iter()
            .any(|l| l.column == "plan_custom_type_label" && l.rows == 1));
    }

    #[test]
    fn p2_to_p8_partner_values_are_cleaned_and_reported() {
        let mut w = world();
        let p = |id, f: fn(&mut Partner)| {
            let mut p = partner(id);
            f(&mut p);
            p
        };
        w.partners = vec![
            p(1, |p| p.vendor_number = Some(String::new())),
            p(2, |p| p.title = "Al-Nour Relief Society ".into()),
            p(3, |p| p.title = "al-nour relief society".into()),
            p(4, |p| {
                p.title = "AL-NOUR RELIEF SOCIETY".into();
                p.vendor_number = Some("2500212345".into());
            }),
            p(5, |p| p.external_id = Some("4411".into())),
            p(6, |p| p.external_source = Some("HPC".into())),
            p(7, |p| {
                p.partner_type = String::new();
                p.cso_type = None;
            }),
            p(8, |p| {
                p.partner_type = "Gov".into();
                p.cso_type = Some(String::new());
            }),
            p(9, |p| {
                p.partner_type = "Gov".into();
                p.cso_type = Some("Nat".into());
            }),
            p(10, |p| p.cso_type = Some("RC".into())),
            p(11, |p| p.email = Some(String::new())),
            p(12, |p| {
                p.email = Some("info@ngo.org; director@ngo.org".into())
            }),
            p(13, |p| p.email = Some("n/a".into())),
            p(14, |p| p.country_code = Some(String::new())),
            p(15, |p| {
                p.external_id = Some("77".into());
                p.external_source = Some("OPS".into());
                p.total_ct_cp = Some(Decimal::new(125_050, 2));
            }),
            p(16, |p| {
                p.external_id = Some("77".into());
                p.external_source = Some("OPS".into());
            }),
        ];
        let m = run(&w);
        let d = &m.document["partners"];
        let field = |i: usize, f: &str| d[i].get(f).cloned();
        assert_eq!(one(&m, "P2").ids, vec![1]);
        assert_eq!(field(0, "vendorNumber"), None);
        let p3: Vec<_> = found(&m, "P3")
            .iter()
            .map(|a| (a.ids.clone(), a.outcome))
            .collect();
        assert_eq!(
            p3,
            vec![
                (vec![2, 3, 4], Outcome::Kept),
                (vec![2], Outcome::Normalised)
            ]
        );
        assert_eq!(field(1, "title"), Some(json!("Al-Nour Relief Society")));
        let p4: Vec<_> = found(&m, "P4").iter().map(|a| a.ids[0]).collect();
        assert_eq!(p4, vec![5, 6, 16]);
        assert_eq!(
            (field(4, "externalId"), field(5, "externalSource")),
            (None, None)
        );
        assert_eq!(
            (field(14, "externalId"), field(14, "externalSource")),
            (Some(json!("77")), Some(json!("OPS")))
        );
        assert_eq!(field(14, "totalCtCp"), Some(json!("1250.50")));
        assert_eq!(
            (one(&m, "P5").ids.clone(), field(6, "partnerType")),
            (vec![7], Some(json!("GOVERNMENT")))
        );
        let p6: Vec<_> = found(&m, "P6").iter().map(|a| a.ids[0]).collect();
        assert_eq!(p6, vec![8, 9]);
        assert_eq!((field(7, "csoType"), field(8, "csoType")), (None, None));
        assert_eq!(field(9, "csoType"), Some(json!("RED_CROSS_RED_CRESCENT")));
        let p7: Vec<_> = found(&m, "P7").iter().map(|a| a.ids[0]).collect();
        assert_eq!(p7, vec![11, 12, 13]);
        assert_eq!(
            (field(10, "email"), field(11, "email"), field(12, "email")),
            (None, Some(json!("info@ngo.org")), None)
        );
        assert_eq!(
            (one(&m, "P8").ids.clone(), field(13, "countryCode")),
            (vec![14], None)
        );
        let lost = |column| {
            m.report
                .not_carried_over
                .iter()
                .find(|l| l.table == PARTNER && l.column == column)
                .map(|l| l.rows)
        };
        assert_eq!(
            (lost("external_id"), lost("external_source")),
            (Some(2), Some(2))
        );
        assert_eq!(counts(&m, "partner").normalised, 12);
    }

    #[test]
    fn r1_inactive_rows_are_kept_and_listed() {
        let m = run(&with_roles(vec![Role {
            is_active: false,
            ..role(1, 1, "IP_VIEWER", Some(1), None)
        }]));
        assert_eq!(one(&m, "R1").outcome, Outcome::Kept);
        assert_eq!(roles(&m)[0]["isActive"], false);
    }
}
