//! Exact counters kept in the same transaction as the rows they count, so the common
//! "every user" total is one key lookup instead of a scan of the user table.

use sea_orm_migration::prelude::*;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "CREATE TABLE counter (name VARCHAR(32) PRIMARY KEY, value BIGINT NOT NULL);\n\
             INSERT INTO counter (name, value) SELECT 'users', COUNT(*) FROM app_user",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, "DROP TABLE counter").await
    }
}
