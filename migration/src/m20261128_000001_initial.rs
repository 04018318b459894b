//! The initial schema: reference data, partners, users, roles, audit, outbox and settings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::run_script;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in an order that satisfies foreign keys; `{ID}`, `{TS}`, `{JSON}` are per backend.
const TABLES: &str = r#"
CREATE TABLE setting (
    key VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE workspace (
    id {ID},
    title VARCHAR(255) NOT NULL,
    workspace_code VARCHAR(8) NOT NULL,
    business_area_code VARCHAR(32),
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT uq_workspace_code UNIQUE (workspace_code)
);
CREATE TABLE response_plan (
    id {ID},
    workspace_id BIGINT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    title VARCHAR(255) NOT NULL,
    plan_type VARCHAR(16) NOT NULL,
    start_date DATE,
    end_date DATE,
    created_at {TS} NOT NULL,
    CONSTRAINT uq_response_plan_title UNIQUE (workspace_id, plan_type, title),
    CONSTRAINT ck_response_plan_dates CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE TABLE cluster (
    id {ID},
    response_plan_id BIGINT REFERENCES response_plan (id) ON DELETE CASCADE,
    cluster_type VARCHAR(64) NOT NULL,
    imported_type VARCHAR(255),
    created_at {TS} NOT NULL
);
CREATE UNIQUE INDEX uq_cluster_plan_type ON cluster (response_plan_id, cluster_type, COALESCE(imported_type, ''));
CREATE TABLE partner (
    id {ID},
    title VARCHAR(255) NOT NULL,
    short_title VARCHAR(50) NOT NULL DEFAULT '',
    alternate_title VARCHAR(255),
    partner_type VARCHAR(64) NOT NULL,
    shared_partner VARCHAR(32) NOT NULL,
    cso_type VARCHAR(64),
    email VARCHAR(255),
    phone_number VARCHAR(64),
    street_address VARCHAR(512),
    city VARCHAR(64),
    postal_code VARCHAR(32),
    country_code VARCHAR(2),
    total_ct_cp_cents BIGINT,
    total_ct_cy_cents BIGINT,
    vendor_number VARCHAR(30),
    alternate_id INTEGER,
    rating VARCHAR(50),
    basis_for_risk_rating VARCHAR(50),
    type_of_assessment VARCHAR(50),
    ocha_external_id VARCHAR(128),
    external_id VARCHAR(128),
    external_source VARCHAR(16),
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT uq_partner_vendor_number UNIQUE (vendor_number),
    CONSTRAINT uq_partner_ocha_external_id UNIQUE (ocha_external_id),
    CONSTRAINT uq_partner_external UNIQUE (external_source, external_id)
);
CREATE INDEX ix_partner_title ON partner (title, id);
CREATE INDEX ix_partner_type ON partner (partner_type, id);
CREATE TABLE partner_cluster (
    partner_id BIGINT NOT NULL REFERENCES partner (id) ON DELETE CASCADE,
    cluster_id BIGINT NOT NULL REFERENCES cluster (id) ON DELETE CASCADE,
    PRIMARY KEY (partner_id, cluster_id)
);
CREATE INDEX ix_partner_cluster_cluster ON partner_cluster (cluster_id);
CREATE TABLE app_user (
    id {ID},
    email VARCHAR(254) NOT NULL,
    first_name VARCHAR(64) NOT NULL,
    last_name VARCHAR(64) NOT NULL,
    position VARCHAR(64),
    partner_id BIGINT REFERENCES partner (id) ON DELETE SET NULL,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_login {TS},
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT uq_user_email UNIQUE (email)
);
CREATE INDEX ix_user_partner ON app_user (partner_id, id);
CREATE INDEX ix_user_first_name ON app_user (first_name, id);
CREATE INDEX ix_user_last_name ON app_user (last_name, id);
CREATE INDEX ix_user_last_login ON app_user (last_login, id);
CREATE TABLE prp_role (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    role VARCHAR(32) NOT NULL,
    workspace_id BIGINT REFERENCES workspace (id) ON DELETE CASCADE,
    cluster_id BIGINT REFERENCES cluster (id) ON DELETE CASCADE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {TS} NOT NULL,
    updated_at {TS} NOT NULL,
    CONSTRAINT ck_prp_role_scope CHECK (
        (role IN ('IP_AUTHORIZED_OFFICER', 'IP_EDITOR', 'IP_VIEWER', 'IP_ADMIN') AND workspace_id IS NOT NULL AND cluster_id IS NULL)
        OR (role = 'CLUSTER_SYSTEM_ADMIN' AND workspace_id IS NULL AND cluster_id IS NULL)
        OR (role IN ('CLUSTER_IMO', 'CLUSTER_VIEWER', 'CLUSTER_COORDINATOR', 'CLUSTER_MEMBER') AND cluster_id IS NOT NULL AND workspace_id IS NULL)
    )
);
CREATE UNIQUE INDEX uq_prp_role_user_workspace ON prp_role (user_id, workspace_id) WHERE workspace_id IS NOT NULL;
CREATE UNIQUE INDEX uq_prp_role_user_cluster ON prp_role (user_id, cluster_id) WHERE cluster_id IS NOT NULL;
CREATE UNIQUE INDEX uq_prp_role_user_system_admin ON prp_role (user_id) WHERE role = 'CLUSTER_SYSTEM_ADMIN';
CREATE INDEX ix_prp_role_workspace ON prp_role (workspace_id, user_id);
CREATE INDEX ix_prp_role_cluster ON prp_role (cluster_id, user_id);
CREATE INDEX ix_prp_role_role ON prp_role (role, user_id);
CREATE TABLE audit_event (
    id {ID},
    at {TS} NOT NULL,
    actor_id BIGINT REFERENCES app_user (id) ON DELETE SET NULL,
    action VARCHAR(64) NOT NULL,
    target_type VARCHAR(32) NOT NULL,
    target_id BIGINT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX ix_audit_event_actor ON audit_event (actor_id, id);
CREATE INDEX ix_audit_event_target ON audit_event (target_type, target_id, id);
CREATE TABLE outbox (
    id {ID},
    created_at {TS} NOT NULL,
    kind VARCHAR(32) NOT NULL,
    recipient VARCHAR(254) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {TS} NOT NULL,
    delivered_at {TS},
    last_error TEXT
);
CREATE INDEX ix_outbox_pending ON outbox (delivered_at, next_attempt_at)
"#;

const POSTGRES_EXTRA: &str = r#"
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX ix_user_email_trgm ON app_user USING gin (email gin_trgm_ops);
CREATE INDEX ix_user_name_trgm ON app_user USING gin ((lower(first_name || ' ' || last_name)) gin_trgm_ops);
CREATE INDEX ix_partner_title_trgm ON partner USING gin (lower(title || ' ' || short_title || ' ' || COALESCE(alternate_title, '')) gin_trgm_ops)
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let (id, ts) = match backend {
            DatabaseBackend::Postgres => ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ"),
            _ => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT"),
        };
        let sql = TABLES.replace("{ID}", id).replace("{TS}", ts);
        run_script(manager, &sql).await?;
        if backend == DatabaseBackend::Postgres {
            run_script(manager, POSTGRES_EXTRA).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_script(
            manager,
            "DROP TABLE outbox;\nDROP TABLE audit_event;\nDROP TABLE prp_role;\nDROP TABLE app_user;\n\
             DROP TABLE partner_cluster;\nDROP TABLE partner;\nDROP TABLE cluster;\n\
             DROP TABLE response_plan;\nDROP TABLE workspace;\nDROP TABLE setting",
        )
        .await
    }
}
