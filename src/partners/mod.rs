//! Partner organisations and their clusters.

pub mod graphql;
pub mod store;
