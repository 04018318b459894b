//! Database migrations of `idm`: a frozen history, one file per step, no demo data.
//! Each step is written per backend (SQLite and PostgreSQL) so constraints such as partial
//! and expression unique indexes are exactly what the contract needs on both.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_initial;
mod m20261128_000002_role_user_index;
mod m20261128_000003_counter;
mod m20261128_000004_outbox_due_index;
mod m20261129_000005_sqlite_user_search;
mod m20261204_000006_audit_subject;
mod m20261205_000007_prp_migration;

/// The list of migrations, applied in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_initial::Migration),
            Box::new(m20261128_000002_role_user_index::Migration),
            Box::new(m20261128_000003_counter::Migration),
            Box::new(m20261128_000004_outbox_due_index::Migration),
            Box::new(m20261129_000005_sqlite_user_search::Migration),
            Box::new(m20261204_000006_audit_subject::Migration),
            Box::new(m20261205_000007_prp_migration::Migration),
        ]
    }
}

/// Runs each `;`-terminated statement of `sql` in order.
pub(crate) async fn run_script(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for statement in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}
