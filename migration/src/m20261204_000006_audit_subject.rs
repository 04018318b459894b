//! The subject of an audit event (contract 1.1 §9.4): the user it is about, as a column of
//! its own, indexed with the event id so that a person's history pages by keyset. Existing
//! events get theirs: a user event its target, a role event the role's holder (`userId` of
//! the row's JSON after the change, or before it for a deletion). Also each actor's
//! invitations by time, which the invitation rate limit counts (contract 1.1 §9.5): a
//! partial index, so that the role and user writes that make most events do not maintain it.

use sea_orm_migration::prelude::*;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let holder = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "(COALESCE(after_json, before_json)::json ->> 'userId')::bigint"
            }
            _ => "CAST(json_extract(COALESCE(after_json, before_json), '$.userId') AS INTEGER)",
        };
        run_script(
            manager,
            &format!(
                "ALTER TABLE audit_event ADD COLUMN subject_id BIGINT;\n\
                 UPDATE audit_event SET subject_id = target_id WHERE target_type = 'User';\n\
                 UPDATE audit_event SET subject_id = {holder} WHERE target_type = 'PRPRole';\n\
                 CREATE INDEX ix_audit_event_subject ON audit_event (subject_id, id);\n\
                 CREATE INDEX ix_audit_event_invitations ON audit_event (actor_id, at) \
                   WHERE action = 'user.create'"
            ),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "DROP INDEX ix_audit_event_invitations;\n\
             DROP INDEX ix_audit_event_subject;\n\
             ALTER TABLE audit_event DROP COLUMN subject_id",
        )
        .await
    }
}
