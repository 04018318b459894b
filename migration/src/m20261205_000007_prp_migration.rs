//! What moving from the old partner-reporting portal needs (contract 1.1 §9.13, `idm
//! import-prp`): a plan's own label for type OTHER, and the legacy-id table that ties each
//! old row to the idm row made from it, so that a later run updates instead of duplicating.
//! `digest` is a hash of what the old row was mapped to when it was last applied (a changed
//! old row has another); `synced_at` is when, so that an idm row changed since is known.

use sea_orm_migration::prelude::*;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "TIMESTAMPTZ",
            _ => "TEXT",
        };
        run_script(
            manager,
            &format!(
                "ALTER TABLE response_plan ADD COLUMN plan_custom_type VARCHAR(255);\n\
                 CREATE TABLE legacy_id (\n\
                   entity VARCHAR(16) NOT NULL,\n\
                   source VARCHAR(16) NOT NULL,\n\
                   old_id BIGINT NOT NULL,\n\
                   idm_id BIGINT NOT NULL,\n\
                   external_source VARCHAR(32),\n\
                   external_id VARCHAR(255),\n\
                   digest VARCHAR(64) NOT NULL,\n\
                   synced_at {ts} NOT NULL,\n\
                   PRIMARY KEY (entity, source, old_id)\n\
                 );\n\
                 CREATE INDEX ix_legacy_id_idm ON legacy_id (entity, idm_id)"
            ),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "DROP TABLE legacy_id;\n\
             ALTER TABLE response_plan DROP COLUMN plan_custom_type",
        )
        .await
    }
}
