//! The one integration test binary: every test starts the real router on port 0 over a fresh
//! database with real migrations (SQLite by default; PostgreSQL when IDM_TEST_DATABASE_URL
//! points at a server, with a fresh database per test).
#![expect(
    clippy::expect_used,
    reason = "a test fails loudly at the first broken step"
)]

mod abuse;
mod amendments;
mod audit;
mod concurrency;
mod console;
mod explore;
mod faults;
mod fixtures;
mod helpers;
mod http;
mod invitations;
mod oidc;
mod operability;
mod outbox;
mod pagination;
mod partners;
mod performance;
mod props;
mod provider;
mod prp;
mod prp_map;
mod reference;
mod roles;
mod schema;
mod security;
mod sign_in;
mod users;
mod viewer;
