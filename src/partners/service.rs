//! The partners' mutations as plain functions: the guard (before and again inside the
//! transaction), the draft's validation, the row with its clusters and the audit event.

use async_graphql::ID;
use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use super::draft::PartnerDraft;
use super::store;
use crate::audit::store::{record, Change};
use crate::context::{authority, Call};
use crate::entity::partner;
use crate::error::{ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::permissions;
use crate::validate::Checker;

/// Creates a partner from its draft, in the clusters named by `cluster_ids`.
pub async fn create_partner(
    call: Call<'_>,
    draft: PartnerDraft,
    cluster_ids: Option<&[ID]>,
) -> Result<partner::Model, MutationError> {
    let r = call.requester()?;
    permissions::check_manage_partners(&r.person).map_err(|d| UserError::denied(d, &[]))?;
    let mut c = Checker::new(&["input"]);
    let now = Utc::now();
    let mut model = partner::ActiveModel {
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    draft.validate_into(&mut c, &mut model);
    c.finish().map_err(MutationError::Rejected)?;
    let max = call.state.config.limits.max_list_input;
    call.in_transaction(async |txn| {
        // Checked again with the requester's roles as they are inside the transaction.
        permissions::check_manage_partners(&authority(txn, r).await?)
            .map_err(|d| UserError::denied(d, &[]))?;
        let clusters = resolve_clusters(txn, cluster_ids, max)
            .await?
            .unwrap_or_default();
        let p = store::insert(txn, model).await?;
        store::set_clusters(txn, p.id, &clusters).await?;
        record(
            txn,
            Change {
                actor: Some(r.id()),
                action: "partner.create",
                target_type: "Partner",
                target_id: p.id,
                before: None,
                after: Some(store::partner_json(&p, &clusters)),
            },
        )
        .await?;
        Ok(p)
    })
    .await
}

/// Changes the partner `id`: `change` edits its draft as stored; `cluster_ids`, when given,
/// replaces its clusters.
pub async fn update_partner(
    call: Call<'_>,
    id: &str,
    change: impl FnOnce(&mut PartnerDraft),
    cluster_ids: Option<&[ID]>,
) -> Result<partner::Model, MutationError> {
    let r = call.requester()?;
    permissions::check_manage_partners(&r.person).map_err(|d| UserError::denied(d, &[]))?;
    let id = ids::decode(Kind::Partner, id)
        .ok_or_else(|| UserError::validation("id", "not a Partner ID"))?;
    let max = call.state.config.limits.max_list_input;
    call.in_transaction(async |txn| {
        // Checked again with the requester's roles as they are inside the transaction.
        permissions::check_manage_partners(&authority(txn, r).await?)
            .map_err(|d| UserError::denied(d, &[]))?;
        let before = store::find(txn, id).await?.ok_or_else(|| {
            UserError::new(ErrorCode::NotFound, "no such partner", &["input", "id"])
        })?;
        let before_clusters: Vec<i64> = store::clusters_of(txn, &[id])
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let mut draft = PartnerDraft::from_model(&before);
        change(&mut draft);
        let mut c = Checker::new(&["input"]);
        let mut model: partner::ActiveModel = before.clone().into();
        draft.validate_into(&mut c, &mut model);
        c.finish().map_err(MutationError::Rejected)?;
        model.updated_at = Set(Utc::now());
        let clusters = resolve_clusters(txn, cluster_ids, max).await?;
        let p = store::update(txn, model).await?;
        if let Some(clusters) = &clusters {
            store::set_clusters(txn, p.id, clusters).await?;
        }
        let after_clusters = clusters.unwrap_or_else(|| before_clusters.clone());
        record(
            txn,
            Change {
                actor: Some(r.id()),
                action: "partner.update",
                target_type: "Partner",
                target_id: p.id,
                before: Some(store::partner_json(&before, &before_clusters)),
                after: Some(store::partner_json(&p, &after_clusters)),
            },
        )
        .await?;
        Ok(p)
    })
    .await
}

/// Decodes cluster IDs of a partner input and checks they exist.
async fn resolve_clusters(
    db: &impl ConnectionTrait,
    ids: Option<&[ID]>,
    max: usize,
) -> Result<Option<Vec<i64>>, MutationError> {
    let Some(ids) = ids else { return Ok(None) };
    if ids.len() > max {
        return Err(UserError::validation("clusterIds", format!("at most {max} clusters")).into());
    }
    let mut out = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        let path = ["input", "clusterIds", &i.to_string()]
            .map(str::to_owned)
            .to_vec();
        let Some(c) = ids::decode(Kind::Cluster, id) else {
            return Err(
                UserError::new(ErrorCode::Validation, "not a Cluster ID", &[])
                    .with_field(path)
                    .into(),
            );
        };
        if crate::workspaces::store::find_cluster(db, c)
            .await?
            .is_none()
        {
            return Err(UserError::new(ErrorCode::NotFound, "no such cluster", &[])
                .with_field(path)
                .into());
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Ok(Some(out))
}
