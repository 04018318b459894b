//! Audit events: written in the same transaction as every change, read by `auditEvents`.

pub mod graphql;
pub mod store;
