//! The idm side of `import-prp`: the mapped document goes through the import's checks, then,
//! in one write transaction, each record is compared with what the legacy-id table says an
//! earlier run wrote: new records are inserted through the import's bulk writer, records whose
//! old row changed are updated (unless idm changed the row since: idm wins, a conflict),
//! users gone from the old database are deactivated and role rows gone from it deleted.
//! A dry run does all of it and rolls back.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod legacy;
mod rows;

use legacy::{externals, legacy_list, upsert_legacy, Legacy};
use rows::{
    carry_sign_ins, changed_at, deactivate, delete_role, place_of, role_places, update_roles,
    update_rows,
};

use super::map::{Mapped, OldIds};
use super::report::{Applied, Conflict, Report};
use super::source::World;
use crate::entity::legacy_id;
use crate::import::check::{self};
use crate::import::writer::{self, Known, Written};

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

/// A user's record without its roles (they have their own digests) and its last sign-in.
fn user_record(user: &Value) -> Value {
    let mut u = user.clone();
    if let Some(o) = u.as_object_mut() {
        o.remove("roles");
        // Signing in is no change to a user: it moves `lastLogin` forward on its own
        // (`carry_sign_ins`), without an update or an audit event.
        o.remove("lastLogin");
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
        crate::import::conflicts::conflicts(&txn, &batch, &known).await?,
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
    carry_sign_ins(&txn, &batch, &fate("user")).await?;

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
