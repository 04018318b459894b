//! The database half of the import: bulk inserts of every row and its audit event, in the
//! caller's transaction, after `conflicts` checked what must be unique against the rows
//! already there.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, Iterable,
};
use serde_json::Value;

use super::check::Batch;
use super::ImportSummary;
use crate::entity::{
    audit_event, cluster, partner_cluster, prp_role, response_plan, user, workspace,
};
use crate::partners::store::partner_json;
use crate::roles::store::role_json;
use crate::users::store::user_json;
use crate::workspaces::store::{cluster_json, plan_json, workspace_json};

/// Rows per INSERT statement at most, however narrow the table.
const MAX_ROWS: usize = 10_000;

/// Bound parameters per statement, under the backend's limit: SQLite's 32766 and
/// PostgreSQL's 65535. Fewer, larger statements matter on PostgreSQL, where each round trip
/// costs far more than the rows it carries.
pub(super) fn max_params(db: &impl ConnectionTrait) -> usize {
    match db.get_database_backend() {
        DbBackend::Postgres => 65_000,
        _ => 32_000,
    }
}

/// Rows of `E` per INSERT statement.
fn rows_per_statement<E: EntityTrait>(max_params: usize) -> usize {
    let columns = E::Column::iter().count().max(1);
    (max_params / columns).clamp(1, MAX_ROWS)
}

/// Inserts the rows in bulk and returns them as stored, in the order given.
async fn insert_returning<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<Vec<<A::Entity as EntityTrait>::Model>, DbErr>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let per = rows_per_statement::<A::Entity>(max_params(db));
    let mut stored = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        if chunk.is_empty() {
            return Ok(stored);
        }
        stored.extend(
            A::Entity::insert_many(chunk)
                .exec_with_returning(db)
                .await?,
        );
    }
}

/// Inserts the rows in bulk, returning nothing.
async fn insert_plain<A: ActiveModelTrait>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), DbErr> {
    let per = rows_per_statement::<A::Entity>(max_params(db));
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<A> = rows.by_ref().take(per).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
}

/// Ids of the stored rows, after checking they came back in the order they were sent (both
/// backends return `INSERT ... RETURNING` rows in VALUES order; this makes sure of it).
fn ids_in_order<M>(
    stored: &[M],
    sent: usize,
    table: &str,
    id: fn(&M) -> i64,
    same: impl Fn(usize, &M) -> bool,
) -> anyhow::Result<Vec<i64>> {
    if stored.len() != sent || stored.iter().enumerate().any(|(i, m)| !same(i, m)) {
        anyhow::bail!(
            "the database returned the inserted {table} rows out of order; nothing was imported"
        );
    }
    Ok(stored.iter().map(id).collect())
}

/// The audit events of the import, collected while inserting.
struct Audit {
    at: DateTime<Utc>,
    events: Vec<audit_event::ActiveModel>,
}

impl Audit {
    /// Writes the events collected so far, so that a large import never holds them all.
    async fn flush(&mut self, db: &impl ConnectionTrait) -> Result<(), DbErr> {
        insert_plain(db, std::mem::take(&mut self.events)).await
    }

    fn created(&mut self, action: &str, target_type: &str, target_id: i64, after: Value) {
        let subject = crate::audit::store::subject_of(target_type, target_id, None, Some(&after));
        self.events.push(audit_event::ActiveModel {
            subject_id: Set(subject),
            at: Set(self.at),
            actor_id: Set(None),
            action: Set(action.to_owned()),
            target_type: Set(target_type.to_owned()),
            target_id: Set(target_id),
            before_json: Set(None),
            after_json: Set(Some(after.to_string())),
            ..Default::default()
        });
    }
}

/// Which records of a batch idm already holds (a later run of `idm import-prp`): their ids
/// stand in for references and they are not inserted. Empty for a plain import. A role is
/// inserted only when its user is new or `new_roles` says so.
#[derive(Debug, Default)]
pub struct Known {
    pub workspaces: Vec<Option<i64>>,
    pub plans: Vec<Option<i64>>,
    pub clusters: Vec<Option<i64>>,
    pub partners: Vec<Option<i64>>,
    pub users: Vec<Option<i64>>,
    /// For a known user, per role of the record: insert it?
    pub new_roles: Vec<Vec<bool>>,
}

fn at(ids: &[Option<i64>], i: usize) -> Option<i64> {
    ids.get(i).copied().flatten()
}

impl Known {
    pub fn workspace(&self, i: usize) -> Option<i64> {
        at(&self.workspaces, i)
    }
    pub fn plan(&self, i: usize) -> Option<i64> {
        at(&self.plans, i)
    }
    pub fn cluster(&self, i: usize) -> Option<i64> {
        at(&self.clusters, i)
    }
    pub fn partner(&self, i: usize) -> Option<i64> {
        at(&self.partners, i)
    }
    pub fn user(&self, i: usize) -> Option<i64> {
        at(&self.users, i)
    }
    fn inserts_role(&self, user: usize, role: usize) -> bool {
        self.user(user).is_none()
            || self
                .new_roles
                .get(user)
                .and_then(|r| r.get(role))
                .copied()
                .unwrap_or(false)
    }
}

/// The idm id of every record of a written batch, by position (`roles[user][role]` is None
/// for a role of a known user that was not inserted), and what was inserted.
#[derive(Debug, Default)]
pub struct Written {
    pub workspaces: Vec<i64>,
    pub plans: Vec<i64>,
    pub clusters: Vec<i64>,
    pub partners: Vec<i64>,
    pub users: Vec<i64>,
    pub roles: Vec<Vec<Option<i64>>>,
    pub summary: ImportSummary,
}

/// Inserts the records `known` does not hold, built by `build`; returns every record's id
/// (known or new) and the stored new rows. `same` checks each stored row against the record
/// it was built from.
async fn insert_new<T, A>(
    db: &impl ConnectionTrait,
    table: &str,
    records: &[T],
    known: impl Fn(usize) -> Option<i64>,
    build: impl Fn(&T) -> A,
    same: impl Fn(&T, &<A::Entity as EntityTrait>::Model) -> bool,
    id: fn(&<A::Entity as EntityTrait>::Model) -> i64,
) -> anyhow::Result<(Vec<i64>, Vec<<A::Entity as EntityTrait>::Model>)>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let fresh: Vec<usize> = (0..records.len()).filter(|&i| known(i).is_none()).collect();
    let stored = insert_returning(db, fresh.iter().map(|&i| build(&records[i])).collect()).await?;
    let new_ids = ids_in_order(&stored, fresh.len(), table, id, |k, m| {
        same(&records[fresh[k]], m)
    })?;
    let mut ids: Vec<i64> = (0..records.len()).map(|i| known(i).unwrap_or(0)).collect();
    for (&i, new) in fresh.iter().zip(new_ids) {
        ids[i] = new;
    }
    Ok((ids, stored))
}

/// Writes a checked batch (which must have no errors) with one audit event per created row.
pub async fn write(db: &impl ConnectionTrait, batch: &Batch) -> anyhow::Result<ImportSummary> {
    Ok(write_new(db, batch, &Known::default()).await?.summary)
}

/// Writes the records of a checked batch that `known` does not hold, one audit event per
/// created row, references to known records going to their ids.
pub async fn write_new(
    db: &impl ConnectionTrait,
    batch: &Batch,
    known: &Known,
) -> anyhow::Result<Written> {
    let now = Utc::now();
    let mut audit = Audit {
        at: now,
        events: Vec::new(),
    };

    let (workspace_ids, stored) = insert_new(
        db,
        "workspace",
        &batch.workspaces,
        |i| known.workspace(i),
        |w| workspace::ActiveModel {
            title: Set(w.title.clone()),
            workspace_code: Set(w.code.clone()),
            business_area_code: Set(w.business_area_code.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        },
        |w, m| m.workspace_code == w.code,
        |m| m.id,
    )
    .await?;
    for m in &stored {
        audit.created("workspace.create", "Workspace", m.id, workspace_json(m));
    }
    let workspaces = stored.len();

    let (plan_ids, stored) = insert_new(
        db,
        "response_plan",
        &batch.plans,
        |i| known.plan(i),
        |p| response_plan::ActiveModel {
            workspace_id: Set(workspace_ids[p.workspace]),
            title: Set(p.title.clone()),
            plan_type: Set(p.plan_type),
            plan_custom_type: Set(p.custom_type.clone()),
            start_date: Set(p.start),
            end_date: Set(p.end),
            created_at: Set(now),
            ..Default::default()
        },
        |p, m| m.title == p.title && m.workspace_id == workspace_ids[p.workspace],
        |m| m.id,
    )
    .await?;
    for m in &stored {
        audit.created("response_plan.create", "ResponsePlan", m.id, plan_json(m));
    }
    let response_plans = stored.len();

    let (cluster_ids, stored) = insert_new(
        db,
        "cluster",
        &batch.clusters,
        |i| known.cluster(i),
        |c| cluster::ActiveModel {
            response_plan_id: Set(Some(plan_ids[c.plan])),
            cluster_type: Set(c.kind),
            imported_type: Set(c.imported_type.clone()),
            created_at: Set(now),
            ..Default::default()
        },
        |c, m| m.cluster_type == c.kind && m.response_plan_id == Some(plan_ids[c.plan]),
        |m| m.id,
    )
    .await?;
    for m in &stored {
        audit.created("cluster.create", "Cluster", m.id, cluster_json(m));
    }
    let clusters = stored.len();

    let (partner_ids, stored) = insert_new(
        db,
        "partner",
        &batch.partners,
        |i| known.partner(i),
        |p| {
            let mut m = p.model.clone();
            m.created_at = Set(now);
            m.updated_at = Set(now);
            m
        },
        |p, m| {
            p.model.title.try_as_ref() == Some(&m.title)
                && p.model.vendor_number.try_as_ref() == Some(&m.vendor_number)
        },
        |m| m.id,
    )
    .await?;
    let new_partners: Vec<&super::check::NewPartner> = batch
        .partners
        .iter()
        .enumerate()
        .filter(|(i, _)| known.partner(*i).is_none())
        .map(|(_, p)| p)
        .collect();
    let mut links = Vec::new();
    for (m, p) in stored.iter().zip(new_partners) {
        let clusters: Vec<i64> = p.clusters.iter().map(|&c| cluster_ids[c]).collect();
        links.extend(clusters.iter().map(|&c| partner_cluster::ActiveModel {
            partner_id: Set(m.id),
            cluster_id: Set(c),
        }));
        audit.created(
            "partner.create",
            "Partner",
            m.id,
            partner_json(m, &clusters),
        );
    }
    insert_plain(db, links).await?;
    let partners = stored.len();

    let (user_ids, stored) = insert_new(
        db,
        "app_user",
        &batch.users,
        |i| known.user(i),
        |u| user::ActiveModel {
            email: Set(u.email.clone()),
            first_name: Set(u.first_name.clone()),
            last_name: Set(u.last_name.clone()),
            position: Set(u.position.clone()),
            partner_id: Set(u.partner.map(|p| partner_ids[p])),
            is_active: Set(u.is_active),
            last_login: Set(u.last_login),
            created_at: Set(u.created_at.unwrap_or(now)),
            updated_at: Set(now),
            ..Default::default()
        },
        |u, m| m.email == u.email,
        |m| m.id,
    )
    .await?;
    for m in &stored {
        audit.created("user.create", "User", m.id, user_json(m));
    }
    crate::users::store::add_to_user_count(db, stored.len() as i64).await?;
    let users = stored.len();
    audit.flush(db).await?;
    drop(stored);

    // (user index, role index, user id, role) of every role to insert.
    let roles: Vec<(usize, usize, i64, &super::check::NewRole)> = batch
        .users
        .iter()
        .enumerate()
        .flat_map(|(u, user)| {
            let id = user_ids[u];
            user.roles
                .iter()
                .enumerate()
                .filter(move |(r, _)| known.inserts_role(u, *r))
                .map(move |(r, role)| (u, r, id, role))
        })
        .collect();
    let stored = insert_returning(
        db,
        roles
            .iter()
            .map(|(_, _, user_id, r)| prp_role::ActiveModel {
                user_id: Set(*user_id),
                role: Set(r.role),
                workspace_id: Set(r.workspace.map(|w| workspace_ids[w])),
                cluster_id: Set(r.cluster.map(|c| cluster_ids[c])),
                is_active: Set(r.is_active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
    )
    .await?;
    let role_ids = ids_in_order(
        &stored,
        roles.len(),
        "prp_role",
        |m| m.id,
        |i, m| m.user_id == roles[i].2 && m.role == roles[i].3.role,
    )?;
    for m in &stored {
        audit.created("role.create", "PRPRole", m.id, role_json(m));
    }
    drop(stored);
    let mut by_user: Vec<Vec<Option<i64>>> = batch
        .users
        .iter()
        .map(|u| vec![None; u.roles.len()])
        .collect();
    for ((u, r, _, _), id) in roles.iter().zip(&role_ids) {
        by_user[*u][*r] = Some(*id);
    }

    audit.flush(db).await?;
    Ok(Written {
        summary: ImportSummary {
            workspaces,
            response_plans,
            clusters,
            partners,
            users,
            roles: role_ids.len(),
        },
        workspaces: workspace_ids,
        plans: plan_ids,
        clusters: cluster_ids,
        partners: partner_ids,
        users: user_ids,
        roles: by_user,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::partner;

    #[test]
    fn statements_stay_under_the_parameter_limits() {
        for (limit, max) in [(32_766, 32_000), (65_535, 65_000)] {
            for (rows, columns) in [
                (
                    rows_per_statement::<partner::Entity>(max),
                    partner::Column::iter().count(),
                ),
                (
                    rows_per_statement::<user::Entity>(max),
                    user::Column::iter().count(),
                ),
                (
                    rows_per_statement::<audit_event::Entity>(max),
                    audit_event::Column::iter().count(),
                ),
                (
                    rows_per_statement::<partner_cluster::Entity>(max),
                    partner_cluster::Column::iter().count(),
                ),
            ] {
                assert!(
                    rows >= 1 && rows * columns <= limit,
                    "{rows} rows of {columns} columns"
                );
            }
        }
    }
}
