//! The `idm` command line: serve, migrate, import, import-prp, token, schema, check-config.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use idm::app::{self, Application};
use idm::config::{ConfigArgs, LogFormat};
use tracing_subscriber::EnvFilter;

/// mimalloc: the service allocates many small strings per request (rows, JSON); it is
/// markedly faster than the system allocator for that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Identity management for the partner-reporting portal
#[derive(Parser)]
#[command(name = "idm", version)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate the database, then serve GraphQL
    Serve {
        /// Load the demo data set into an empty database and print a token per demo user
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations
    Migrate,
    /// Load a JSON document (users, partners, roles, ...), all or nothing
    Import {
        /// The JSON file
        file: PathBuf,
    },
    /// Migrate users, roles, partners and reference data from the old partner-reporting
    /// portal's PostgreSQL database (read only, at one instant), all or nothing; run it again
    /// to apply what changed there since
    ImportPrp {
        /// The old portal's database, e.g. postgres://reader@prp-db/prp
        #[arg(long, value_name = "URL")]
        from: String,
        /// Check and report only; write nothing
        #[arg(long)]
        dry_run: bool,
        /// The operator's decisions for what the rules refuse (JSON; see the README)
        #[arg(long, value_name = "FILE")]
        resolve: Option<PathBuf>,
        /// Also write the full report as JSON
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// No progress bar
        #[arg(long)]
        quiet: bool,
    },
    /// Print a token for a user, signed with the configured HS256 secret
    Token {
        /// The user's email
        #[arg(long)]
        email: String,
        /// Lifetime in seconds
        #[arg(long, default_value_t = 86_400)]
        ttl: i64,
    },
    /// Print the GraphQL schema (SDL)
    Schema,
    /// Check the configuration, reach the database and the SMTP server, and say what was
    /// found; exits non-zero on a problem (run it before a deploy)
    CheckConfig,
}

/// Logs to stderr: JSON lines (`IDM_LOG_FORMAT=json`, and by default when stderr is not a
/// terminal: a file, a pipe, journald) for log collectors, or text, coloured only on a
/// terminal and never with `NO_COLOR`.
fn init_logging(format: Option<LogFormat>) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let terminal = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format.unwrap_or(if terminal {
        LogFormat::Text
    } else {
        LogFormat::Json
    }) {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        LogFormat::Text => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            builder.with_ansi(terminal && !no_color).init()
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("idm: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Schema = cli.command {
        print!("{}", idm::graphql::sdl());
        return Ok(());
    }
    let config = cli.config.into_config()?;
    if let Command::CheckConfig = cli.command {
        let found = app::check(&config).await;
        for (ok, line) in &found {
            println!("{} {line}", if *ok { "ok  " } else { "FAIL" });
        }
        return match found.iter().filter(|(ok, _)| !ok).count() {
            0 => Ok(()),
            n => Err(anyhow::anyhow!("check-config: {n} problem(s)")),
        };
    }
    let purpose = match cli.command {
        Command::Serve { .. } => app::Purpose::Serve,
        _ => app::Purpose::Command,
    };
    let db = app::connect_and_migrate(&config, purpose).await?;
    match cli.command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let summary = idm::import::import_json(&db, &text).await?;
            println!("{summary}");
            Ok(())
        }
        Command::ImportPrp {
            from,
            dry_run,
            resolve,
            report: report_file,
            quiet,
        } => {
            let options = idm::prp::Options {
                from,
                dry_run,
                resolve,
                quiet,
            };
            let report = idm::prp::run(&db, &options).await?;
            print!("{}", report.summary());
            if let Some(path) = report_file {
                let json = serde_json::to_string_pretty(&report)?;
                std::fs::write(&path, json)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            }
            if report.complete() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "the migration is not complete; see the report (--resolve FILE gives decisions)"
                ))
            }
        }
        Command::Token { email, ttl } => {
            let state = app::state(config, db).await?;
            println!("{}", state.keys.issue(&email, ttl)?);
            Ok(())
        }
        Command::Serve { demo } => {
            let state = app::state(config, db).await?;
            let server = Application::build(state.clone()).await?;
            let addr = server.address()?;
            if demo {
                idm::demo::load_and_print(&state, addr).await?;
            }
            let shutdown = app::shutdown_signal();
            if let Some(metrics) = server.metrics_address()? {
                tracing::info!(%metrics, "metrics at http://{metrics}/metrics");
            }
            tracing::info!(%addr, "listening; GraphiQL at http://{addr}/graphiql");
            server.run_until(shutdown).await
        }
        Command::Schema | Command::CheckConfig => Ok(()),
    }
}
