//! Partner organisations and their clusters.

pub mod draft;
pub mod graphql;
pub mod object;
pub mod service;
pub mod store;
