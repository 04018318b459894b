//! The legacy-id table: what earlier runs recorded of each old row, read page by page, and
//! written back (upserted) with each old row's own external reference.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{ENTITIES, SOURCE};
use crate::entity::legacy_id;
use crate::prp::source::World;

/// What an earlier run recorded of one old row.
pub(super) struct Recorded {
    pub(super) entity: &'static str,
    pub(super) old_id: i64,
    pub(super) idm_id: i64,
    pub(super) digest: String,
    pub(super) synced_at: DateTime<Utc>,
}

/// The legacy-id rows of earlier runs, by (entity, old id).
pub(super) struct Legacy(pub(super) HashMap<(&'static str, i64), Recorded>);

impl Legacy {
    pub(super) async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
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
    pub(super) fn find(&self, entity: &'static str, old_ids: &[i64]) -> Option<&Recorded> {
        old_ids.iter().find_map(|&id| self.0.get(&(entity, id)))
    }
}

/// Each old row's own external reference, by (entity, old id).
/// An old row's (external source, external id).
pub(super) type External = (Option<String>, Option<String>);

pub(super) fn externals(world: &World) -> HashMap<(&'static str, i64), External> {
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

pub(super) async fn upsert_legacy(
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

pub(super) async fn legacy_list(
    db: &impl ConnectionTrait,
) -> Result<Vec<(&'static str, i64, i64)>, DbErr> {
    let mut out = Vec::new();
    each_legacy_row(db, |entity, r| out.push((entity, r.old_id, r.idm_id))).await?;
    out.sort_unstable();
    Ok(out)
}

/// Legacy-id rows read per page (a large portal has hundreds of thousands of them, and a
/// driver holds a whole result in memory before it is mapped).
pub(super) const LEGACY_PAGE: u64 = 20_000;

/// Calls `each` with every legacy-id row of the old portal, page by page in key order.
pub(super) async fn each_legacy_row(
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
