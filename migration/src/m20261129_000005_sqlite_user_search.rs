//! SQLite's substring search of users: a trigram FTS5 index of each user's email and
//! lower-case full name, kept by triggers, so `nameEmail` finds its candidates through the
//! index instead of scanning every user (PostgreSQL has its `pg_trgm` indexes since the
//! first migration; nothing changes there). The search still applies its LIKE conditions to
//! the candidates, so the index only narrows, never decides.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        run_script(
            manager,
            "CREATE VIRTUAL TABLE user_search USING fts5(email, full_name, tokenize = 'trigram');\n\
             INSERT INTO user_search (rowid, email, full_name) \
               SELECT id, email, lower(first_name || ' ' || last_name) FROM app_user;\n\
             CREATE TRIGGER user_search_insert AFTER INSERT ON app_user BEGIN \
               INSERT INTO user_search (rowid, email, full_name) \
               VALUES (new.id, new.email, lower(new.first_name || ' ' || new.last_name)); END;\n\
             CREATE TRIGGER user_search_update AFTER UPDATE OF email, first_name, last_name \
               ON app_user BEGIN \
               DELETE FROM user_search WHERE rowid = old.id; \
               INSERT INTO user_search (rowid, email, full_name) \
               VALUES (new.id, new.email, lower(new.first_name || ' ' || new.last_name)); END;\n\
             CREATE TRIGGER user_search_delete AFTER DELETE ON app_user BEGIN \
               DELETE FROM user_search WHERE rowid = old.id; END",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        run_script(
            manager,
            "DROP TRIGGER user_search_delete;\n\
             DROP TRIGGER user_search_update;\n\
             DROP TRIGGER user_search_insert;\n\
             DROP TABLE user_search",
        )
        .await
    }
}
