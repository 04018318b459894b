//! The import's uniqueness rules that need the rows already in the database (emails, workspace
//! codes, vendor numbers, OCHA and external ids, plans and clusters by their keys), run in the
//! write transaction so nothing can slip in before the inserts.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value;

use super::check::Batch;
use super::json::Errors;
use super::writer::{max_params, Known};
use crate::domain::ExternalSource;
use crate::entity::{partner, user, workspace};

/// The values of `column` among `values` that rows of `E` already hold.
async fn existing<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
    values: &[&str],
) -> Result<HashSet<String>, DbErr> {
    let mut found = HashSet::new();
    for chunk in values.chunks(max_params(db)) {
        let rows: Vec<Option<String>> = E::find()
            .select_only()
            .column(column)
            .filter(column.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().flatten());
    }
    Ok(found)
}

/// Errors for every value of the batch that the database already holds where it must be
/// unique. Run it in the write transaction, so nothing can slip in before the inserts.
pub async fn conflicts(
    db: &impl ConnectionTrait,
    batch: &Batch,
    known: &Known,
) -> Result<Vec<String>, DbErr> {
    let mut errors = Errors::default();

    let codes: Vec<&str> = batch
        .workspaces
        .iter()
        .enumerate()
        .filter(|(i, _)| known.workspace(*i).is_none())
        .map(|(_, w)| w.code.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    let taken = existing::<workspace::Entity>(db, workspace::Column::WorkspaceCode, &codes).await?;
    for (i, w) in batch.workspaces.iter().enumerate() {
        if known.workspace(i).is_none() && taken.contains(&w.code) {
            errors.at(
                format!("workspaces[{i}].workspaceCode"),
                format_args!(
                    "{} is already used by a workspace in the database",
                    Value::from(w.code.as_str())
                ),
            );
        }
    }

    let emails: Vec<&str> = batch
        .users
        .iter()
        .enumerate()
        .filter(|(i, _)| known.user(*i).is_none())
        .map(|(_, u)| u.email.as_str())
        .filter(|e| !e.is_empty())
        .collect();
    let taken = existing::<user::Entity>(db, user::Column::Email, &emails).await?;
    for (i, u) in batch.users.iter().enumerate() {
        if known.user(i).is_none() && taken.contains(&u.email) {
            errors.at(
                format!("users[{i}].email"),
                format_args!(
                    "{} is already used by a user in the database",
                    Value::from(u.email.as_str())
                ),
            );
        }
    }

    // Known partners keep their values: only new ones can clash.
    let keyed = |get: fn(&partner::ActiveModel) -> Option<&String>| -> Vec<Option<&String>> {
        batch
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| known.partner(i).map_or_else(|| get(&p.model), |_| None))
            .collect()
    };
    let vendor_numbers = keyed(|m| m.vendor_number.try_as_ref().and_then(Option::as_ref));
    let ocha_ids = keyed(|m| m.ocha_external_id.try_as_ref().and_then(Option::as_ref));
    let external_ids = keyed(|m| m.external_id.try_as_ref().and_then(Option::as_ref));
    let lookups = [
        (
            partner::Column::VendorNumber,
            &vendor_numbers,
            "vendorNumber",
            "vendor number",
        ),
        (
            partner::Column::OchaExternalId,
            &ocha_ids,
            "ochaExternalId",
            "OCHA id",
        ),
    ];
    for (column, values, field, what) in lookups {
        let wanted: Vec<&str> = values.iter().flatten().map(|s| s.as_str()).collect();
        let taken = existing::<partner::Entity>(db, column, &wanted).await?;
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v.filter(|v| taken.contains(*v)) {
                errors.at(
                    format!("partners[{i}].{field}"),
                    format_args!(
                        "{} is already the {what} of a partner in the database",
                        Value::from(v.as_str())
                    ),
                );
            }
        }
    }
    let wanted: Vec<&str> = external_ids.iter().flatten().map(|s| s.as_str()).collect();
    let mut taken: HashSet<(ExternalSource, String)> = HashSet::new();
    for chunk in wanted.chunks(max_params(db)) {
        let rows: Vec<(Option<ExternalSource>, Option<String>)> = partner::Entity::find()
            .select_only()
            .column(partner::Column::ExternalSource)
            .column(partner::Column::ExternalId)
            .filter(partner::Column::ExternalId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(rows.into_iter().filter_map(|(s, id)| Some((s?, id?))));
    }
    for (i, p) in batch.partners.iter().enumerate() {
        let source = p.model.external_source.try_as_ref().cloned().flatten();
        if let (Some(source), Some(id)) = (source, external_ids[i]) {
            if taken.contains(&(source, id.clone())) {
                errors.at(
                    format!("partners[{i}].externalId"),
                    format_args!(
                        "{} is already the {source} id of a partner in the database",
                        Value::from(id.as_str())
                    ),
                );
            }
        }
    }
    Ok(errors.0)
}
