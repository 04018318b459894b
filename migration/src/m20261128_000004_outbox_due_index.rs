//! The outbox's pending rows by id, and only those: the worker claims the oldest due rows
//! with `ORDER BY id LIMIT n`, which this index answers by reading n entries however many rows
//! were delivered before (the old index on `(delivered_at, next_attempt_at)` made every claim
//! sort the whole backlog). Delivered rows leave the index, so it stays as small as the
//! backlog, and a claim (which moves only `next_attempt_at`) can update a row in place.

use sea_orm_migration::prelude::*;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "DROP INDEX ix_outbox_pending;\n\
             CREATE INDEX ix_outbox_due ON outbox (id) WHERE delivered_at IS NULL",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "DROP INDEX ix_outbox_due;\n\
             CREATE INDEX ix_outbox_pending ON outbox (delivered_at, next_attempt_at)",
        )
        .await
    }
}
