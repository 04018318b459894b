//! The migration report: per entity what was read and what became of it, every anomaly with
//! its case code (`../shared/prp/README.md` table (b)) and old row ids, what was not carried
//! over, and what a run changed in idm. Printed as a summary on the terminal and written as
//! JSON with `--report`.

use serde::Serialize;
use serde_json::Value;

/// What became of one anomaly's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Carried over as it is (reported for information).
    Kept,
    /// Carried over with a deterministic change (`before` → `after`).
    Normalised,
    /// Folded into another row of the same entity (`after` names the survivor).
    Merged,
    /// Left out on purpose (a service account, an operator's decision).
    Skipped,
    /// A role row or link dropped by a rule.
    Dropped,
    /// Needs a human decision: nothing is written until the resolution file gives one.
    Refused,
}

/// One messy case met in the old data.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Anomaly {
    /// The case code of `../shared/prp/README.md` (U5, R10, …), or `OP` for an operator's
    /// decision from the resolution file.
    pub case: &'static str,
    /// The old table, e.g. `account_user`.
    pub table: &'static str,
    /// The old row ids concerned, the one kept first where one is.
    pub ids: Vec<i64>,
    pub outcome: Outcome,
    /// What was done, in words.
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Per entity: old rows read and what became of them. `migrated` counts rows that are (or
/// would be) in idm, `normalised` those of them changed on the way, `merged` rows folded into
/// another, `skipped` and `dropped` rows left out by a rule or decision, `refused` rows that
/// block the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityCounts {
    pub entity: &'static str,
    pub read: usize,
    pub migrated: usize,
    pub normalised: usize,
    pub merged: usize,
    pub skipped: usize,
    pub refused: usize,
}

/// A column with no place in idm and the number of old rows holding a value in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotCarried {
    pub table: &'static str,
    pub column: &'static str,
    pub rows: i64,
}

/// What a run did (or, dry, would do) to idm, per entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    pub entity: &'static str,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Users deactivated because the old row is gone.
    pub deactivated: usize,
    /// Role rows deleted because the old row is gone.
    pub deleted: usize,
    /// Rows changed in idm since the last run and changed in the old database too: idm wins.
    pub conflicts: usize,
}

/// A row changed on both sides since the last run, left as idm has it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub entity: &'static str,
    pub old_id: i64,
    pub idm_id: i64,
    pub detail: String,
}

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub dry_run: bool,
    pub entities: Vec<EntityCounts>,
    pub anomalies: Vec<Anomaly>,
    pub not_carried_over: Vec<NotCarried>,
    /// Errors of the import's own checks (none when the mapping is right), each naming the
    /// old row by its ref.
    pub import_errors: Vec<String>,
    pub applied: Vec<Applied>,
    pub conflicts: Vec<Conflict>,
    /// (entity, old id, idm id) of every row carried over, after a real run.
    pub legacy_ids: Vec<(&'static str, i64, i64)>,
}

impl Report {
    /// True when nothing blocks the migration: no refused row and no import error.
    pub fn complete(&self) -> bool {
        self.import_errors.is_empty() && self.anomalies.iter().all(|a| a.outcome != Outcome::Refused)
    }
}
