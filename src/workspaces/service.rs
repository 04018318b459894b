//! The reference data's mutations as plain functions (cluster system admins only): the guard
//! before and again inside the transaction, the checks, the row and its audit event.

use chrono::NaiveDate;

use super::store;
use crate::audit::store::{record, Change};
use crate::auth::Requester;
use crate::context::{authority, Call};
use crate::domain::{ClusterType, ResponsePlanType};
use crate::entity::{cluster, response_plan, workspace};
use crate::error::{ErrorCode, MutationError, UserError};
use crate::ids::{self, Kind};
use crate::permissions;
use crate::validate::Checker;

/// createResponsePlan's input, as given.
pub struct PlanInput<'a> {
    pub workspace_id: &'a str,
    pub title: &'a str,
    pub plan_type: ResponsePlanType,
    pub custom_type: Option<&'a str>,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
}

/// The requester, if it may manage reference data as signed in (checked again inside the
/// transaction by [`create`]).
fn manager<'a>(call: Call<'a>) -> Result<&'a Requester, MutationError> {
    let r = call.requester()?;
    permissions::check_manage_reference_data(&r.person).map_err(|d| UserError::denied(d, &[]))?;
    Ok(r)
}

/// Runs `insert` in a transaction in which the requester may still manage reference data, and
/// records what it created as `action` on a `target_type`.
async fn create<T>(
    call: Call<'_>,
    r: &Requester,
    (action, target_type): (&'static str, &'static str),
    insert: impl AsyncFnOnce(
        &sea_orm::DatabaseTransaction,
    ) -> Result<(T, i64, serde_json::Value), MutationError>,
) -> Result<T, MutationError> {
    call.in_transaction(async |txn| {
        // Checked again with the requester's roles as they are inside the transaction.
        permissions::check_manage_reference_data(&authority(txn, r).await?)
            .map_err(|d| UserError::denied(d, &[]))?;
        let (created, id, json) = insert(txn).await?;
        record(
            txn,
            Change {
                actor: Some(r.id()),
                action,
                target_type,
                target_id: id,
                before: None,
                after: Some(json),
            },
        )
        .await?;
        Ok(created)
    })
    .await
}

/// Creates a workspace.
pub async fn create_workspace(
    call: Call<'_>,
    title: &str,
    code: &str,
    area: Option<&str>,
) -> Result<workspace::Model, MutationError> {
    let r = manager(call)?;
    let mut c = Checker::new(&["input"]);
    let title = c.text("title", title, 1, 255);
    let code = c.text("workspaceCode", code, 1, 8);
    let area = c.optional_text("businessAreaCode", area, 32);
    c.finish().map_err(MutationError::Rejected)?;
    create(call, r, ("workspace.create", "Workspace"), async |txn| {
        let w = store::insert_workspace(txn, title, code, area).await?;
        let json = store::workspace_json(&w);
        let id = w.id;
        Ok((w, id, json))
    })
    .await
}

/// Creates a response plan in a workspace.
pub async fn create_response_plan(
    call: Call<'_>,
    input: PlanInput<'_>,
) -> Result<response_plan::Model, MutationError> {
    let r = manager(call)?;
    let mut c = Checker::new(&["input"]);
    let title = c.text("title", input.title, 1, 255);
    let custom_type = c.plan_custom_type(input.custom_type, input.plan_type);
    if let (Some(start), Some(end)) = (input.start, input.end) {
        if end < start {
            c.fail(ErrorCode::Validation, "end", "must not be before start");
        }
    }
    let workspace_id = ids::decode(Kind::Workspace, input.workspace_id);
    if workspace_id.is_none() {
        c.fail(ErrorCode::Validation, "workspaceId", "not a Workspace ID");
    }
    c.finish().map_err(MutationError::Rejected)?;
    let workspace_id = workspace_id.unwrap_or_default();
    create(
        call,
        r,
        ("response_plan.create", "ResponsePlan"),
        async |txn| {
            if store::find_workspace(txn, workspace_id).await?.is_none() {
                return Err(not_found("workspaceId", Kind::Workspace));
            }
            let p = store::insert_plan(
                txn,
                store::NewPlan {
                    workspace_id,
                    title,
                    plan_type: input.plan_type,
                    custom_type,
                    start: input.start,
                    end: input.end,
                },
            )
            .await?;
            let json = store::plan_json(&p);
            let id = p.id;
            Ok((p, id, json))
        },
    )
    .await
}

/// Creates a cluster in a response plan.
pub async fn create_cluster(
    call: Call<'_>,
    plan_id: &str,
    kind: ClusterType,
    imported_type: Option<&str>,
) -> Result<cluster::Model, MutationError> {
    let r = manager(call)?;
    let mut c = Checker::new(&["input"]);
    let imported = c.optional_text("importedType", imported_type, 255);
    if kind == ClusterType::Imported && imported.is_none() {
        c.fail(
            ErrorCode::Validation,
            "importedType",
            "required when type is IMPORTED",
        );
    }
    let plan_id = ids::decode(Kind::ResponsePlan, plan_id);
    if plan_id.is_none() {
        c.fail(
            ErrorCode::Validation,
            "responsePlanId",
            "not a ResponsePlan ID",
        );
    }
    c.finish().map_err(MutationError::Rejected)?;
    let plan_id = plan_id.unwrap_or_default();
    create(call, r, ("cluster.create", "Cluster"), async |txn| {
        if store::find_plan(txn, plan_id).await?.is_none() {
            return Err(not_found("responsePlanId", Kind::ResponsePlan));
        }
        let cl = store::insert_cluster(txn, plan_id, kind, imported).await?;
        let json = store::cluster_json(&cl);
        let id = cl.id;
        Ok((cl, id, json))
    })
    .await
}

fn not_found(field: &str, kind: Kind) -> MutationError {
    UserError::new(
        ErrorCode::NotFound,
        format!("no such {}", kind.type_name()),
        &["input", field],
    )
    .into()
}
