//! Roles are read by user on every request (the requester's roles, each listed user's roles);
//! the partial unique indexes on (user, scope) cannot serve `user_id IN (...)`.

use sea_orm_migration::prelude::*;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "CREATE INDEX ix_prp_role_user ON prp_role (user_id, id)",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(manager, "DROP INDEX ix_prp_role_user").await
    }
}
