//! The migration report: per entity what was read and what became of it, every anomaly with
//! its case code (`docs/prp-migration.md` table (b)) and old row ids, what was not carried
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
    /// The case code of `docs/prp-migration.md` (U5, R10, …), or `OP` for an operator's
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
        self.import_errors.is_empty()
            && self.anomalies.iter().all(|a| a.outcome != Outcome::Refused)
    }
}

/// Anomalies shown per case on the terminal before "…and N more" (the JSON has them all).
const SHOWN_PER_CASE: usize = 3;

impl Report {
    /// The human summary printed on the terminal.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let refused: Vec<&Anomaly> = self
            .anomalies
            .iter()
            .filter(|a| a.outcome == Outcome::Refused)
            .collect();
        let verdict = match (self.complete(), self.dry_run) {
            (true, true) => "complete (dry run: nothing was written)".to_owned(),
            (true, false) => "complete".to_owned(),
            (false, _) => format!(
                "NOT complete: {} refused row(s), {} import error(s); nothing was written",
                refused.len(),
                self.import_errors.len()
            ),
        };
        out.push_str(&format!("import-prp: {verdict}\n\n"));
        out.push_str(&format!(
            "{:<14}{:>9}{:>10}{:>8}{:>12}{:>9}{:>9}\n",
            "old rows", "read", "migrated", "merged", "normalised", "skipped", "refused"
        ));
        for e in &self.entities {
            out.push_str(&format!(
                "{:<14}{:>9}{:>10}{:>8}{:>12}{:>9}{:>9}\n",
                e.entity, e.read, e.migrated, e.merged, e.normalised, e.skipped, e.refused
            ));
        }
        if !self.applied.is_empty() {
            out.push_str(&format!(
                "\n{:<14}{:>9}{:>9}{:>11}{:>13}{:>9}{:>11}\n",
                "in idm", "created", "updated", "unchanged", "deactivated", "deleted", "conflicts"
            ));
            for a in &self.applied {
                out.push_str(&format!(
                    "{:<14}{:>9}{:>9}{:>11}{:>13}{:>9}{:>11}\n",
                    a.entity,
                    a.created,
                    a.updated,
                    a.unchanged,
                    a.deactivated,
                    a.deleted,
                    a.conflicts
                ));
            }
        }
        let mut cases: Vec<(&str, Outcome)> = Vec::new();
        for a in &self.anomalies {
            if !cases.contains(&(a.case, a.outcome)) {
                cases.push((a.case, a.outcome));
            }
        }
        // In the pipeline's order: reference data, partners, users, roles, then decisions.
        cases.sort_by_key(|(case, _)| {
            let family = "WDCPUR".find(|c| case.starts_with(c)).unwrap_or(6);
            let number: u32 = case
                .trim_start_matches(char::is_alphabetic)
                .parse()
                .unwrap_or(0);
            (family, number)
        });
        if !cases.is_empty() {
            out.push_str("\nanomalies (case, outcome, rows: what was done)\n");
        }
        for (case, outcome) in cases {
            let of_case: Vec<&Anomaly> = self
                .anomalies
                .iter()
                .filter(|a| a.case == case && a.outcome == outcome)
                .collect();
            let shown = if outcome == Outcome::Refused {
                of_case.len()
            } else {
                SHOWN_PER_CASE
            };
            out.push_str(&format!(
                "  {case:<4} {:<11} {:>6}\n",
                format!("{outcome:?}").to_lowercase(),
                of_case.len()
            ));
            for a in of_case.iter().take(shown) {
                let ids: Vec<String> = a.ids.iter().map(i64::to_string).collect();
                out.push_str(&format!(
                    "         {} {}: {}\n",
                    a.table,
                    ids.join(", "),
                    a.detail
                ));
            }
            if of_case.len() > shown {
                out.push_str(&format!("         … and {} more\n", of_case.len() - shown));
            }
        }
        for e in self.import_errors.iter().take(20) {
            out.push_str(&format!("  import check: {e}\n"));
        }
        if self.import_errors.len() > 20 {
            out.push_str(&format!(
                "  … and {} more import errors\n",
                self.import_errors.len() - 20
            ));
        }
        if !self.conflicts.is_empty() {
            out.push_str(&format!(
                "\nconflicts ({}): idm's version kept\n",
                self.conflicts.len()
            ));
            for c in self.conflicts.iter().take(20) {
                out.push_str(&format!(
                    "  {} old {} → idm {}: {}\n",
                    c.entity, c.old_id, c.idm_id, c.detail
                ));
            }
        }
        let lost: Vec<String> = self
            .not_carried_over
            .iter()
            .filter(|n| n.rows > 0)
            .map(|n| format!("{}.{} ({})", n.table, n.column, n.rows))
            .collect();
        if !lost.is_empty() {
            out.push_str(&format!("\nnot carried over: {}\n", lost.join(", ")));
        }
        out
    }
}
