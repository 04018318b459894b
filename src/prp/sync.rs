//! The idm side of `import-prp`: the mapped document goes through the import's checks, then,
//! in one write transaction, each record is compared with what the legacy-id table says an
//! earlier run wrote: new records are inserted through the import's bulk writer, records whose
//! old row changed are updated (unless idm changed the row since: idm wins, a conflict),
//! users gone from the old database are deactivated and role rows gone from it deleted.
//! A dry run does all of it and rolls back.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::map::{Mapped, OldIds};
use super::report::{Applied, Conflict, Report};
use super::source::World;
use crate::audit::store::{record, Change};
use crate::entity::{
    cluster, legacy_id, partner, partner_cluster, prp_role, response_plan, user, workspace,
};
use crate::import::check::{self, Batch};
use crate::import::writer::{self, Known, Written};
use crate::partners::store::partner_json;
use crate::roles::store::role_json;
use crate::users::store::user_json;
use crate::workspaces::store::{cluster_json, plan_json, workspace_json};

/// The legacy-id table's source name for the old portal.
const SOURCE: &str = "PRP";

/// Bound parameters per `IN (…)` list, under both backends' limits.
const CHUNK: usize = 30_000;

/// The entities of the legacy-id table, in writing order.
const ENTITIES: [&str; 6] = [
    "workspace",
    "response_plan",
    "cluster",
    "partner",
    "user",
    "role",
];

/// A stable hash of what an old row was mapped to: a different digest means the old row
/// changed since the run that stored it.
fn digest(record: &Value) -> String {
    let mut hex = String::with_capacity(32);
    for b in &Sha256::digest(record.to_string().as_bytes())[..16] {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The digests of a document's records: per entity in document order, and per role record
/// with its (user, role) position.
#[derive(Default)]
struct Digests {
    entities: HashMap<&'static str, Vec<String>>,
    roles: Vec<String>,
    role_pos: Vec<(usize, usize)>,
    role_counts: Vec<usize>,
}

impl Digests {
    fn of(document: &Value) -> Self {
        let mut d = Digests::default();
        for (entity, key) in [
            ("workspace", "workspaces"),
            ("response_plan", "responsePlans"),
            ("cluster", "clusters"),
            ("partner", "partners"),
            ("user", "users"),
        ] {
            let digests = records(document, key)
                .iter()
                .map(|r| {
                    if entity == "user" {
                        digest(&user_record(r))
                    } else {
                        digest(r)
                    }
                })
                .collect();
            d.entities.insert(entity, digests);
        }
        for (u, user) in records(document, "users").iter().enumerate() {
            let roles = user["roles"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            d.role_counts.push(roles.len());
            for (r, role) in roles.iter().enumerate() {
                d.roles
                    .push(digest(&serde_json::json!([user["ref"], role])));
                d.role_pos.push((u, r));
            }
        }
        d
    }

    fn of_entity(&self, entity: &str) -> &[String] {
        self.entities.get(entity).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// What a record is to this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    New,
    Unchanged(i64),
    Update(i64),
    /// Changed on both sides since the last run, or deleted in idm: left as idm has it.
    Conflict(i64),
}

impl Fate {
    fn id(self) -> Option<i64> {
        match self {
            Fate::New => None,
            Fate::Unchanged(id) | Fate::Update(id) | Fate::Conflict(id) => Some(id),
        }
    }
}

/// What an earlier run recorded of one old row.
struct Recorded {
    entity: &'static str,
    old_id: i64,
    idm_id: i64,
    digest: String,
    synced_at: DateTime<Utc>,
}

/// The legacy-id rows of earlier runs, by (entity, old id).
struct Legacy(HashMap<(&'static str, i64), Recorded>);

impl Legacy {
    async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut found = HashMap::new();
        each_legacy_row(db, |entity, r| {
            let recorded = Recorded {
                entity,
                old_id: r.old_id,
                idm_id: r.idm_id,
                digest: r.digest,
                synced_at: r.synced_at,
            };
            found.insert((entity, r.old_id), recorded);
        })
        .await?;
        Ok(Legacy(found))
    }

    /// The row of the first of `old_ids` an earlier run recorded.
    fn find(&self, entity: &'static str, old_ids: &[i64]) -> Option<&Recorded> {
        old_ids.iter().find_map(|&id| self.0.get(&(entity, id)))
    }
}

/// What changed in one entity, for the report and the legacy-id table.
#[derive(Default)]
struct Tally {
    applied: Applied,
    /// (old ids, idm id, digest) to record.
    record: Vec<(Vec<i64>, i64, String)>,
}

/// Decides each record's fate from the legacy rows and, for known ones, the idm row's
/// `updated_at` (None for entities idm never changes, and for rows idm no longer has).
fn fates(
    entity: &'static str,
    legacy: &Legacy,
    old_ids: &[&[i64]],
    digests: &[String],
    changed_at: &HashMap<i64, Option<DateTime<Utc>>>,
    conflicts: &mut Vec<Conflict>,
) -> Vec<Fate> {
    old_ids
        .iter()
        .zip(digests)
        .map(|(ids, d)| {
            let Some(l) = legacy.find(entity, ids) else {
                return Fate::New;
            };
            let Some(updated) = changed_at.get(&l.idm_id) else {
                // Deleted in idm: idm wins; a conflict only when the old row changed too.
                if &l.digest != d {
                    conflicts.push(Conflict {
                        entity,
                        old_id: l.old_id,
                        idm_id: l.idm_id,
                        detail: "changed in the old database, deleted in idm: left deleted"
                            .to_owned(),
                    });
                }
                return Fate::Conflict(l.idm_id);
            };
            if &l.digest == d {
                Fate::Unchanged(l.idm_id)
            } else if updated.is_some_and(|t| t > l.synced_at) {
                conflicts.push(Conflict {
                    entity,
                    old_id: l.old_id,
                    idm_id: l.idm_id,
                    detail: "changed in both since the last run: idm's version kept".to_owned(),
                });
                Fate::Conflict(l.idm_id)
            } else {
                Fate::Update(l.idm_id)
            }
        })
        .collect()
}

/// The records of one array of the document.
fn records<'a>(document: &'a Value, key: &str) -> Vec<&'a Value> {
    document[key]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// A user's record without its roles (they have their own digests).
fn user_record(user: &Value) -> Value {
    let mut u = user.clone();
    if let Some(o) = u.as_object_mut() {
        o.remove("roles");
    }
    u
}

/// Names the old row of each error ("users[812]" gains " (u:4711)", the record's ref).
fn name_rows(errors: Vec<String>, ids: &OldIds) -> Vec<String> {
    errors
        .into_iter()
        .map(|e| {
            let Some((head, rest)) = e.split_once(']') else {
                return e;
            };
            let Some((key, index)) = head.split_once('[') else {
                return e;
            };
            let Ok(i) = index.parse::<usize>() else {
                return e;
            };
            let first = |v: &Vec<Vec<i64>>| v.get(i).and_then(|o| o.first().copied());
            let reference = match key {
                "workspaces" => ids.workspaces.get(i).map(|id| format!("ws:{id}")),
                "responsePlans" => ids.plans.get(i).map(|id| format!("rp:{id}")),
                "clusters" => first(&ids.clusters).map(|id| format!("cl:{id}")),
                "partners" => ids.partners.get(i).map(|id| format!("p:{id}")),
                "users" => first(&ids.users).map(|id| format!("u:{id}")),
                _ => None,
            };
            match reference {
                Some(r) => format!("{head}] ({r}){rest}"),
                None => e,
            }
        })
        .collect()
}

/// Checks and applies the mapped document (see the module's comment); fills the report's
/// `import_errors`, `applied`, `conflicts` and `legacy_ids`. Nothing is written when the
/// report is not complete or `dry_run` is set.
pub async fn apply(
    db: &DatabaseConnection,
    world: &World,
    mapped: Mapped,
    report: &mut Report,
    dry_run: bool,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<()> {
    let Mapped { document, ids, .. } = mapped;
    progress("checking the document");
    let digests = Digests::of(&document);
    let (batch, errors) = check::check_value(&document);
    report.import_errors = name_rows(errors, &ids);
    // The checked rows and the digests are all that is needed from here: a large document is
    // not held through the writes.
    drop(document);
    let txn = crate::db::begin_write(db).await?;
    let legacy = Legacy::load(&txn).await?;
    let ids = &ids;
    let mut conflicts = Vec::new();

    // Fates per entity, from digests of the records and the idm rows' change times.
    let one = |v: &[i64]| -> Vec<Vec<i64>> { v.iter().map(|&i| vec![i]).collect() };
    let workspace_ids = one(&ids.workspaces);
    let plan_ids = one(&ids.plans);
    let partner_ids = one(&ids.partners);
    let arrays: [(&'static str, &[Vec<i64>]); 5] = [
        ("workspace", &workspace_ids),
        ("response_plan", &plan_ids),
        ("cluster", &ids.clusters),
        ("partner", &partner_ids),
        ("user", &ids.users),
    ];
    let mut all_fates: HashMap<&'static str, Vec<Fate>> = HashMap::new();
    for (entity, old) in arrays {
        let known_ids: Vec<i64> = old
            .iter()
            .filter_map(|o| legacy.find(entity, o).map(|l| l.idm_id))
            .collect();
        let changed_at = changed_at(&txn, entity, &known_ids).await?;
        let old_refs: Vec<&[i64]> = old.iter().map(Vec::as_slice).collect();
        let fates = fates(
            entity,
            &legacy,
            &old_refs,
            digests.of_entity(entity),
            &changed_at,
            &mut conflicts,
        );
        all_fates.insert(entity, fates);
    }
    let fate = |entity: &str| all_fates.get(entity).cloned().unwrap_or_default();

    // Roles: per user, per role record.
    let user_fates = fate("user");
    let role_pos = &digests.role_pos;
    let role_digests = &digests.roles;
    let role_old: Vec<&[i64]> = role_pos
        .iter()
        .map(|&(u, r)| {
            ids.roles
                .get(u)
                .and_then(|rs| rs.get(r))
                .map(Vec::as_slice)
                .unwrap_or(&[])
        })
        .collect();
    let known_roles: Vec<i64> = role_old
        .iter()
        .filter_map(|o| legacy.find("role", o).map(|l| l.idm_id))
        .collect();
    let role_changed = changed_at(&txn, "role", &known_roles).await?;
    let role_fates = fates(
        "role",
        &legacy,
        &role_old,
        role_digests,
        &role_changed,
        &mut conflicts,
    );

    let mut known = Known {
        workspaces: fate("workspace").iter().map(|f| f.id()).collect(),
        plans: fate("response_plan").iter().map(|f| f.id()).collect(),
        clusters: fate("cluster").iter().map(|f| f.id()).collect(),
        partners: fate("partner").iter().map(|f| f.id()).collect(),
        users: user_fates.iter().map(|f| f.id()).collect(),
        new_roles: digests
            .role_counts
            .iter()
            .map(|&n| vec![false; n])
            .collect(),
    };
    // New roles of known users, unless idm gave the user a role in the same place meanwhile.
    let taken = role_places(&txn, known.users.iter().flatten().copied().collect()).await?;
    for (k, &(u, r)) in role_pos.iter().enumerate() {
        if role_fates[k] != Fate::New {
            continue;
        }
        let Some(user_id) = known.user(u) else {
            continue;
        };
        let place = batch
            .users
            .get(u)
            .and_then(|b| b.roles.get(r))
            .map(|role| place_of(role, &known));
        match place {
            Some(Some(p)) if taken.contains(&(user_id, p)) => conflicts.push(Conflict {
                entity: "role",
                old_id: role_old[k].first().copied().unwrap_or_default(),
                idm_id: user_id,
                detail: "new in the old database, but idm gave the user a role in the same \
                         place meanwhile: idm's role kept"
                    .to_owned(),
            }),
            _ => known.new_roles[u][r] = true,
        }
    }

    report.import_errors.extend(name_rows(
        writer::conflicts(&txn, &batch, &known).await?,
        ids,
    ));
    report.conflicts = conflicts;
    if !report.complete() {
        txn.rollback().await?;
        return Ok(());
    }

    progress("writing new rows");
    let written = writer::write_new(&txn, &batch, &known).await?;
    progress("applying changes");
    let now = Utc::now();
    let mut tallies: HashMap<&'static str, Tally> = HashMap::new();
    for (entity, old) in arrays {
        let fates = fate(entity);
        let digests = digests.of_entity(entity);
        let ids_of = written_ids(&written, entity);
        let tally = tallies.entry(entity).or_default();
        tally.applied.entity = entity;
        for (i, f) in fates.iter().enumerate() {
            count(&mut tally.applied, *f);
            if matches!(f, Fate::New | Fate::Update(_)) {
                tally
                    .record
                    .push((old[i].clone(), ids_of[i], digests[i].clone()));
            }
        }
    }
    update_rows(&txn, &batch, &written, &all_fates, now).await?;

    // Roles: created, updated, unchanged, conflicts.
    let tally = tallies.entry("role").or_default();
    tally.applied.entity = "role";
    let role_updates: Vec<(usize, usize, i64)> = role_pos
        .iter()
        .zip(&role_fates)
        .filter_map(|(&(u, r), f)| match f {
            Fate::Update(id) => Some((u, r, *id)),
            _ => None,
        })
        .collect();
    for (k, &(u, r)) in role_pos.iter().enumerate() {
        let id = match role_fates[k] {
            Fate::New => written.roles[u][r],
            f => {
                count(&mut tally.applied, f);
                match f {
                    Fate::Update(id) => Some(id),
                    _ => None,
                }
            }
        };
        if role_fates[k] == Fate::New && id.is_some() {
            tally.applied.created += 1;
        }
        if let Some(id) = id {
            tally
                .record
                .push((role_old[k].to_vec(), id, role_digests[k].clone()));
        }
    }
    update_roles(&txn, &batch, &written, &role_updates, now).await?;

    // Gone from the old database: users deactivated, role rows deleted.
    let present_users: HashSet<i64> = world.users.iter().map(|u| u.id).collect();
    let mapped_roles: HashSet<i64> = ids.roles.iter().flatten().flatten().copied().collect();
    let mut gone_roles = Vec::new();
    for l in legacy.0.values() {
        match l.entity {
            "user" if !present_users.contains(&l.old_id) && deactivate(&txn, l.idm_id).await? => {
                tallies.entry("user").or_default().applied.deactivated += 1;
            }
            "role" if !mapped_roles.contains(&l.old_id) => gone_roles.push(l),
            _ => {}
        }
    }
    let gone_changed = changed_at(
        &txn,
        "role",
        &gone_roles.iter().map(|l| l.idm_id).collect::<Vec<_>>(),
    )
    .await?;
    for l in gone_roles {
        match gone_changed.get(&l.idm_id) {
            Some(Some(t)) if *t > l.synced_at => report.conflicts.push(Conflict {
                entity: "role",
                old_id: l.old_id,
                idm_id: l.idm_id,
                detail: "deleted in the old database, changed in idm since: idm's role kept"
                    .to_owned(),
            }),
            Some(_) => {
                delete_role(&txn, l.idm_id).await?;
                tallies.entry("role").or_default().applied.deleted += 1;
            }
            None => {}
        }
        legacy_id::Entity::delete_by_id((l.entity.to_owned(), SOURCE.to_owned(), l.old_id))
            .exec(&txn)
            .await?;
    }

    progress("recording old ids");
    let external = externals(world);
    let mut rows = Vec::new();
    for entity in ENTITIES {
        let Some(tally) = tallies.remove(entity) else {
            continue;
        };
        for (olds, idm_id, d) in tally.record {
            for old in olds {
                let (source, id) = external.get(&(entity, old)).cloned().unwrap_or_default();
                rows.push(legacy_id::ActiveModel {
                    entity: Set(entity.to_owned()),
                    source: Set(SOURCE.to_owned()),
                    old_id: Set(old),
                    idm_id: Set(idm_id),
                    external_source: Set(source),
                    external_id: Set(id),
                    digest: Set(d.clone()),
                    synced_at: Set(now),
                });
            }
        }
        report.applied.push(tally.applied);
    }
    upsert_legacy(&txn, rows).await?;
    if !dry_run {
        report.legacy_ids = legacy_list(&txn).await?;
    }
    if dry_run {
        txn.rollback().await?;
    } else {
        progress("committing");
        txn.commit().await?;
        if let Err(e) = crate::db::refresh_statistics(db).await {
            tracing::warn!(error = %e, "import-prp committed, but refreshing statistics failed");
        }
    }
    Ok(())
}

fn count(applied: &mut Applied, fate: Fate) {
    match fate {
        Fate::New => applied.created += 1,
        Fate::Unchanged(_) => applied.unchanged += 1,
        Fate::Update(_) => applied.updated += 1,
        Fate::Conflict(_) => applied.conflicts += 1,
    }
}

fn written_ids<'a>(written: &'a Written, entity: &str) -> &'a [i64] {
    match entity {
        "workspace" => &written.workspaces,
        "response_plan" => &written.plans,
        "cluster" => &written.clusters,
        "partner" => &written.partners,
        _ => &written.users,
    }
}

/// The idm rows among `ids` with their last change (None where idm never changes the entity).
async fn changed_at(
    db: &impl ConnectionTrait,
    entity: &str,
    ids: &[i64],
) -> Result<HashMap<i64, Option<DateTime<Utc>>>, DbErr> {
    match entity {
        "workspace" => {
            times::<workspace::Entity>(
                db,
                workspace::Column::Id,
                Some(workspace::Column::UpdatedAt),
                ids,
            )
            .await
        }
        "response_plan" => {
            times::<response_plan::Entity>(db, response_plan::Column::Id, None, ids).await
        }
        "cluster" => times::<cluster::Entity>(db, cluster::Column::Id, None, ids).await,
        "partner" => {
            times::<partner::Entity>(
                db,
                partner::Column::Id,
                Some(partner::Column::UpdatedAt),
                ids,
            )
            .await
        }
        "user" => {
            times::<user::Entity>(db, user::Column::Id, Some(user::Column::UpdatedAt), ids).await
        }
        _ => {
            times::<prp_role::Entity>(
                db,
                prp_role::Column::Id,
                Some(prp_role::Column::UpdatedAt),
                ids,
            )
            .await
        }
    }
}

/// (id, updated_at) of the rows of `E` among `ids`; only the ids when `updated` is None.
async fn times<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id: E::Column,
    updated: Option<E::Column>,
    ids: &[i64],
) -> Result<HashMap<i64, Option<DateTime<Utc>>>, DbErr> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let select = E::find()
            .select_only()
            .column(id)
            .filter(id.is_in(chunk.iter().copied()));
        match updated {
            Some(updated) => {
                let rows: Vec<(i64, DateTime<Utc>)> =
                    select.column(updated).into_tuple().all(db).await?;
                found.extend(rows.into_iter().map(|(id, t)| (id, Some(t))));
            }
            None => {
                let rows: Vec<i64> = select.into_tuple().all(db).await?;
                found.extend(rows.into_iter().map(|id| (id, None)));
            }
        }
    }
    Ok(found)
}

/// Where a role sits, as the uniqueness rules see it: the workspace (IP), the cluster, or
/// nowhere in particular (the system admin role, one per user).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Workspace(i64),
    Cluster(i64),
    Global,
}

fn place_of(role: &check::NewRole, known: &Known) -> Option<Place> {
    match (role.workspace, role.cluster) {
        (Some(w), _) => known.workspace(w).map(Place::Workspace),
        (_, Some(c)) => known.cluster(c).map(Place::Cluster),
        _ => Some(Place::Global),
    }
}

/// The places of the roles these users hold in idm now.
async fn role_places(
    db: &impl ConnectionTrait,
    users: Vec<i64>,
) -> Result<HashSet<(i64, Place)>, DbErr> {
    let mut taken = HashSet::new();
    for chunk in users.chunks(CHUNK) {
        for r in prp_role::Entity::find()
            .filter(prp_role::Column::UserId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            let place = match (r.workspace_id, r.cluster_id) {
                (Some(w), _) => Place::Workspace(w),
                (_, Some(c)) => Place::Cluster(c),
                _ => Place::Global,
            };
            taken.insert((r.user_id, place));
        }
    }
    Ok(taken)
}

/// Applies the records whose old row changed (and idm's did not) to their idm rows, each
/// with an audit event by no one (the import).
async fn update_rows(
    db: &impl ConnectionTrait,
    batch: &Batch,
    written: &Written,
    fates: &HashMap<&'static str, Vec<Fate>>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let updates = |entity: &str| -> Vec<(usize, i64)> {
        fates
            .get(entity)
            .map(|f| {
                f.iter()
                    .enumerate()
                    .filter_map(|(i, f)| match f {
                        Fate::Update(id) => Some((i, *id)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    for (i, id) in updates("workspace") {
        let w = &batch.workspaces[i];
        if let Some(before) = workspace::Entity::find_by_id(id).one(db).await? {
            let mut m = before.clone().into_active_model();
            m.title = Set(w.title.clone());
            m.workspace_code = Set(w.code.clone());
            m.business_area_code = Set(w.business_area_code.clone());
            m.updated_at = Set(now);
            let after = m.update(db).await?;
            changed(
                db,
                "workspace.update",
                "Workspace",
                id,
                workspace_json(&before),
                workspace_json(&after),
            )
            .await?;
        }
    }
    for (i, id) in updates("response_plan") {
        let p = &batch.plans[i];
        if let Some(before) = response_plan::Entity::find_by_id(id).one(db).await? {
            let mut m = before.clone().into_active_model();
            m.workspace_id = Set(written.workspaces[p.workspace]);
            m.title = Set(p.title.clone());
            m.plan_type = Set(p.plan_type.as_str().to_owned());
            m.plan_custom_type = Set(p.custom_type.clone());
            m.start_date = Set(p.start);
            m.end_date = Set(p.end);
            let after = m.update(db).await?;
            changed(
                db,
                "response_plan.update",
                "ResponsePlan",
                id,
                plan_json(&before),
                plan_json(&after),
            )
            .await?;
        }
    }
    for (i, id) in updates("cluster") {
        let c = &batch.clusters[i];
        if let Some(before) = cluster::Entity::find_by_id(id).one(db).await? {
            let mut m = before.clone().into_active_model();
            m.response_plan_id = Set(Some(written.plans[c.plan]));
            m.cluster_type = Set(c.kind.as_str().to_owned());
            m.imported_type = Set(c.imported_type.clone());
            let after = m.update(db).await?;
            changed(
                db,
                "cluster.update",
                "Cluster",
                id,
                cluster_json(&before),
                cluster_json(&after),
            )
            .await?;
        }
    }
    for (i, id) in updates("partner") {
        let p = &batch.partners[i];
        if let Some(before) = partner::Entity::find_by_id(id).one(db).await? {
            let old_links = links_of(db, id).await?;
            let mut m = p.model.clone();
            m.id = Set(id);
            m.created_at = Set(before.created_at);
            m.updated_at = Set(now);
            let after = m.update(db).await?;
            let links: Vec<i64> = p.clusters.iter().map(|&c| written.clusters[c]).collect();
            if links != old_links {
                partner_cluster::Entity::delete_many()
                    .filter(partner_cluster::Column::PartnerId.eq(id))
                    .exec(db)
                    .await?;
                for &c in &links {
                    partner_cluster::ActiveModel {
                        partner_id: Set(id),
                        cluster_id: Set(c),
                    }
                    .insert(db)
                    .await?;
                }
            }
            changed(
                db,
                "partner.update",
                "Partner",
                id,
                partner_json(&before, &old_links),
                partner_json(&after, &links),
            )
            .await?;
        }
    }
    for (i, id) in updates("user") {
        let u = &batch.users[i];
        if let Some(before) = user::Entity::find_by_id(id).one(db).await? {
            let mut m = before.clone().into_active_model();
            m.email = Set(u.email.clone());
            m.first_name = Set(u.first_name.clone());
            m.last_name = Set(u.last_name.clone());
            m.position = Set(u.position.clone());
            m.partner_id = Set(u.partner.map(|p| written.partners[p]));
            m.is_active = Set(u.is_active);
            // A sign-in to idm since counts as much as one to the old portal.
            m.last_login = Set(before.last_login.max(u.last_login));
            m.updated_at = Set(now);
            let after = m.update(db).await?;
            changed(
                db,
                "user.update",
                "User",
                id,
                user_json(&before),
                user_json(&after),
            )
            .await?;
        }
    }
    Ok(())
}

async fn update_roles(
    db: &impl ConnectionTrait,
    batch: &Batch,
    written: &Written,
    updates: &[(usize, usize, i64)],
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for &(u, r, id) in updates {
        let Some(role) = batch.users.get(u).and_then(|b| b.roles.get(r)) else {
            continue;
        };
        if let Some(before) = prp_role::Entity::find_by_id(id).one(db).await? {
            let mut m = before.clone().into_active_model();
            m.role = Set(role.role.as_str().to_owned());
            m.workspace_id = Set(role.workspace.map(|w| written.workspaces[w]));
            m.cluster_id = Set(role.cluster.map(|c| written.clusters[c]));
            m.is_active = Set(role.is_active);
            m.updated_at = Set(now);
            let after = m.update(db).await?;
            changed(
                db,
                "role.update",
                "PRPRole",
                id,
                role_json(&before),
                role_json(&after),
            )
            .await?;
        }
    }
    Ok(())
}

async fn links_of(db: &impl ConnectionTrait, partner_id: i64) -> Result<Vec<i64>, DbErr> {
    let mut links: Vec<i64> = partner_cluster::Entity::find()
        .filter(partner_cluster::Column::PartnerId.eq(partner_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.cluster_id)
        .collect();
    links.sort_unstable();
    Ok(links)
}

async fn changed(
    db: &impl ConnectionTrait,
    action: &str,
    target_type: &str,
    target_id: i64,
    before: Value,
    after: Value,
) -> Result<(), DbErr> {
    record(
        db,
        Change {
            actor: None,
            action,
            target_type,
            target_id,
            before: Some(before),
            after: Some(after),
        },
    )
    .await
}

/// Deactivates a user whose old row is gone; false when it already was.
async fn deactivate(db: &impl ConnectionTrait, id: i64) -> anyhow::Result<bool> {
    let Some(before) = user::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if !before.is_active {
        return Ok(false);
    }
    let mut m = before.clone().into_active_model();
    m.is_active = Set(false);
    m.updated_at = Set(Utc::now());
    let after = m.update(db).await?;
    changed(
        db,
        "user.update",
        "User",
        id,
        user_json(&before),
        user_json(&after),
    )
    .await?;
    Ok(true)
}

async fn delete_role(db: &impl ConnectionTrait, id: i64) -> anyhow::Result<()> {
    if let Some(before) = prp_role::Entity::find_by_id(id).one(db).await? {
        prp_role::Entity::delete_by_id(id).exec(db).await?;
        record(
            db,
            Change {
                actor: None,
                action: "role.delete",
                target_type: "PRPRole",
                target_id: id,
                before: Some(role_json(&before)),
                after: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Each old row's own external reference, by (entity, old id).
/// An old row's (external source, external id).
type External = (Option<String>, Option<String>);

fn externals(world: &World) -> HashMap<(&'static str, i64), External> {
    let mut out = HashMap::new();
    for w in &world.workspaces {
        out.insert(
            ("workspace", w.id),
            (w.external_source.clone(), w.external_id.clone()),
        );
    }
    for p in &world.plans {
        out.insert(
            ("response_plan", p.id),
            (p.external_source.clone(), p.external_id.clone()),
        );
    }
    for c in &world.clusters {
        out.insert(
            ("cluster", c.id),
            (c.external_source.clone(), c.external_id.clone()),
        );
    }
    for p in &world.partners {
        out.insert(
            ("partner", p.id),
            (p.external_source.clone(), p.external_id.clone()),
        );
    }
    out
}

async fn upsert_legacy(
    db: &impl ConnectionTrait,
    rows: Vec<legacy_id::ActiveModel>,
) -> Result<(), DbErr> {
    // 8 columns per row: stay under SQLite's 32766 parameters.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(4_000).collect();
        legacy_id::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    legacy_id::Column::Entity,
                    legacy_id::Column::Source,
                    legacy_id::Column::OldId,
                ])
                .update_columns([
                    legacy_id::Column::IdmId,
                    legacy_id::Column::ExternalSource,
                    legacy_id::Column::ExternalId,
                    legacy_id::Column::Digest,
                    legacy_id::Column::SyncedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn legacy_list(db: &impl ConnectionTrait) -> Result<Vec<(&'static str, i64, i64)>, DbErr> {
    let mut out = Vec::new();
    each_legacy_row(db, |entity, r| out.push((entity, r.old_id, r.idm_id))).await?;
    out.sort_unstable();
    Ok(out)
}

/// Legacy-id rows read per page (a large portal has hundreds of thousands of them, and a
/// driver holds a whole result in memory before it is mapped).
const LEGACY_PAGE: u64 = 20_000;

/// Calls `each` with every legacy-id row of the old portal, page by page in key order.
async fn each_legacy_row(
    db: &impl ConnectionTrait,
    mut each: impl FnMut(&'static str, legacy_id::Model),
) -> Result<(), DbErr> {
    for entity in ENTITIES {
        let mut after = i64::MIN;
        loop {
            let page = legacy_id::Entity::find()
                .filter(legacy_id::Column::Entity.eq(entity))
                .filter(legacy_id::Column::Source.eq(SOURCE))
                .filter(legacy_id::Column::OldId.gt(after))
                .order_by_asc(legacy_id::Column::OldId)
                .limit(LEGACY_PAGE)
                .all(db)
                .await?;
            let Some(last) = page.last().map(|r| r.old_id) else {
                break;
            };
            after = last;
            for r in page {
                each(entity, r);
            }
        }
    }
    Ok(())
}
