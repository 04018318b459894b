//! `idm import-prp`: moving from the old partner-reporting portal. The old database is read
//! at one instant (`source`), mapped to an import document by the rules of
//! `docs/prp-migration.md` with every anomaly reported (`map`, with the operator's
//! decisions from `resolve`), and written through the import's checks and bulk inserts in one
//! transaction, keeping old id → idm id in `legacy_id` so that a later run applies exactly
//! what changed (`sync`).

pub mod map;
pub mod report;
pub mod resolve;
pub mod source;
pub mod sync;

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sea_orm::DatabaseConnection;

use report::Report;

/// What `idm import-prp` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The old portal's database, `postgres://…`.
    pub from: String,
    /// Check and report only; write nothing.
    pub dry_run: bool,
    /// The operator's decisions (`--resolve FILE`).
    pub resolve: Option<PathBuf>,
    /// No progress bar.
    pub quiet: bool,
}

/// Steps the progress bar counts: seven tables, mapping, checking, writing, applying,
/// recording, committing.
const STEPS: u64 = 13;

/// Runs the migration (see the module's comment) and returns its report; nothing is written
/// unless the report is complete and this is not a dry run.
pub async fn run(db: &DatabaseConnection, options: &Options) -> anyhow::Result<Report> {
    let resolutions = match &options.resolve {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            resolve::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => resolve::Resolutions::default(),
    };
    let bar = if options.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(STEPS), ProgressDrawTarget::stderr())
    };
    if let Ok(style) = ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message("reading the old database");
    let world = source::read(&options.from, |table, rows| {
        bar.inc(1);
        bar.set_message(format!("read {table} ({rows} rows)"));
    })
    .await?;
    bar.set_message("mapping");
    let mapped = map::map(&world, &resolutions);
    bar.inc(1);
    let mut report = mapped.report.clone();
    report.dry_run = options.dry_run;
    sync::apply(db, &world, mapped, &mut report, options.dry_run, |step| {
        bar.inc(1);
        bar.set_message(step.to_owned());
    })
    .await?;
    bar.finish_and_clear();
    Ok(report)
}
