//! The idm rows a sync reads and writes: when each last changed, where a user's roles sit,
//! and the updates, deactivations and deletions, each with its audit event.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::Value;

use super::{Fate, CHUNK};
use crate::audit::store::{record, Change};
use crate::entity::{cluster, partner, partner_cluster, prp_role, response_plan, user, workspace};
use crate::import::check::{self, Batch};
use crate::import::writer::{Known, Written};
use crate::partners::store::partner_json;
use crate::roles::store::role_json;
use crate::users::store::user_json;
use crate::workspaces::store::{cluster_json, plan_json, workspace_json};

/// The idm rows among `ids` with their last change (None where idm never changes the entity).
pub(super) async fn changed_at(
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
pub(super) async fn times<E: EntityTrait>(
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
pub(super) enum Place {
    Workspace(i64),
    Cluster(i64),
    Global,
}

pub(super) fn place_of(role: &check::NewRole, known: &Known) -> Option<Place> {
    match (role.workspace, role.cluster) {
        (Some(w), _) => known.workspace(w).map(Place::Workspace),
        (_, Some(c)) => known.cluster(c).map(Place::Cluster),
        _ => Some(Place::Global),
    }
}

/// The places of the roles these users hold in idm now.
pub(super) async fn role_places(
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
pub(super) async fn update_rows(
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
        update_one::<workspace::Entity>(db, id, WORKSPACE, workspace_json, |m| {
            m.title = Set(w.title.clone());
            m.workspace_code = Set(w.code.clone());
            m.business_area_code = Set(w.business_area_code.clone());
            m.updated_at = Set(now);
        })
        .await?;
    }
    for (i, id) in updates("response_plan") {
        let p = &batch.plans[i];
        update_one::<response_plan::Entity>(db, id, PLAN, plan_json, |m| {
            m.workspace_id = Set(written.workspaces[p.workspace]);
            m.title = Set(p.title.clone());
            m.plan_type = Set(p.plan_type);
            m.plan_custom_type = Set(p.custom_type.clone());
            m.start_date = Set(p.start);
            m.end_date = Set(p.end);
        })
        .await?;
    }
    for (i, id) in updates("cluster") {
        let c = &batch.clusters[i];
        update_one::<cluster::Entity>(db, id, CLUSTER, cluster_json, |m| {
            m.response_plan_id = Set(Some(written.plans[c.plan]));
            m.cluster_type = Set(c.kind);
            m.imported_type = Set(c.imported_type.clone());
        })
        .await?;
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
        update_one::<user::Entity>(db, id, USER, user_json, |m| {
            m.email = Set(u.email.clone());
            m.first_name = Set(u.first_name.clone());
            m.last_name = Set(u.last_name.clone());
            m.position = Set(u.position.clone());
            m.partner_id = Set(u.partner.map(|p| written.partners[p]));
            m.is_active = Set(u.is_active);
            // A sign-in to idm since counts as much as one to the old portal.
            let in_idm = m.last_login.try_as_ref().copied().flatten();
            m.last_login = Set(in_idm.max(u.last_login));
            m.updated_at = Set(now);
        })
        .await?;
    }
    Ok(())
}

/// (audit action, target type) of each entity's update.
const WORKSPACE: (&str, &str) = ("workspace.update", "Workspace");
const PLAN: (&str, &str) = ("response_plan.update", "ResponsePlan");
const CLUSTER: (&str, &str) = ("cluster.update", "Cluster");
const USER: (&str, &str) = ("user.update", "User");
const ROLE: (&str, &str) = ("role.update", "PRPRole");

/// Changes row `id` of `E` by `set` and records the change with the row's audit snapshot
/// (`json`) before and after; nothing when idm no longer has the row.
async fn update_one<E>(
    db: &impl ConnectionTrait,
    id: i64,
    (action, target_type): (&str, &str),
    json: fn(&E::Model) -> Value,
    set: impl FnOnce(&mut E::ActiveModel),
) -> anyhow::Result<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel> + Clone,
    E::ActiveModel: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<i64>,
{
    let Some(before) = E::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let mut m = before.clone().into_active_model();
    set(&mut m);
    let after = m.update(db).await?;
    changed(db, action, target_type, id, json(&before), json(&after)).await?;
    Ok(())
}

pub(super) async fn update_roles(
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
        update_one::<prp_role::Entity>(db, id, ROLE, role_json, |m| {
            m.role = Set(role.role);
            m.workspace_id = Set(role.workspace.map(|w| written.workspaces[w]));
            m.cluster_id = Set(role.cluster.map(|c| written.clusters[c]));
            m.is_active = Set(role.is_active);
            m.updated_at = Set(now);
        })
        .await?;
    }
    Ok(())
}

pub(super) async fn links_of(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Vec<i64>, DbErr> {
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

pub(super) async fn changed(
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
pub(super) async fn deactivate(db: &impl ConnectionTrait, id: i64) -> anyhow::Result<bool> {
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

pub(super) async fn delete_role(db: &impl ConnectionTrait, id: i64) -> anyhow::Result<()> {
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

/// Moves idm's `lastLogin` of users already migrated forward to a later sign-in to the old
/// portal (as a sign-in to idm does: no update, no audit event); one statement per user
/// whose old sign-in is the later.
pub(super) async fn carry_sign_ins(
    db: &impl ConnectionTrait,
    batch: &Batch,
    fates: &[Fate],
) -> Result<(), DbErr> {
    let known: Vec<(i64, DateTime<Utc>)> = fates
        .iter()
        .zip(&batch.users)
        .filter_map(|(f, u)| Some((f.id()?, u.last_login?)))
        .collect();
    let ids: Vec<i64> = known.iter().map(|(id, _)| *id).collect();
    let mut in_idm: HashMap<i64, Option<DateTime<Utc>>> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, Option<DateTime<Utc>>)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::LastLogin)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        in_idm.extend(rows);
    }
    for (id, old) in known {
        if in_idm.get(&id).is_some_and(|idm| *idm < Some(old)) {
            crate::users::store::set_last_login(db, id, old).await?;
        }
    }
    Ok(())
}
