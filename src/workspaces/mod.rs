//! Reference data: workspaces, their response plans and the plans' clusters.

pub mod graphql;
pub mod loader;
pub mod service;
pub mod store;
