//! SeaORM entities: one file per table, plain data with no behaviour. GraphQL types are
//! built from these in each aggregate's module, never exposed directly.

pub mod audit_event;
pub mod cluster;
pub mod legacy_id;
pub mod outbox;
pub mod partner;
pub mod partner_cluster;
pub mod positional;
pub mod prp_role;
pub mod response_plan;
pub mod setting;
pub mod user;
pub mod workspace;
