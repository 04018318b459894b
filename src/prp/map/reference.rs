//! Workspaces and response plans.

use serde_json::{json, Map, Value};

use super::*;
use crate::domain::ResponsePlanType;
use crate::prp::report::Outcome;
use crate::prp::source::{Plan, Workspace, World};

pub(super) fn workspaces(world: &World) -> Emitted<i64> {
    let mut out = Emitted::default();
    for w in &world.workspaces {
        out.records.push(workspace(w));
        out.ids.push(w.id);
    }
    out
}

pub(super) fn workspace(w: &Workspace) -> Value {
    let mut r = Map::new();
    r.insert("ref".into(), reference("ws", w.id));
    r.insert("title".into(), w.title.clone().into());
    r.insert("workspaceCode".into(), w.workspace_code.clone().into());
    let area = w.business_area_code.as_deref().map(str::trim);
    put(&mut r, "businessAreaCode", area.filter(|a| !a.is_empty()));
    Value::Object(r)
}

pub(super) fn plans(world: &World, log: &mut Log) -> Emitted<i64> {
    let mut out = Emitted::default();
    for p in &world.plans {
        out.records.push(plan(p, log));
        out.ids.push(p.id);
    }
    out
}

/// A plan: its type by name (an unknown one refuses the run, D1), its own label for OTHER
/// plans (D1, decision 7), and an end before the start dropped (D2).
pub(super) fn plan(p: &Plan, log: &mut Log) -> Value {
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
