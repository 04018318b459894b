//! Roles: scoped grants of users, created, changed and removed under the role guard.

pub mod grant;
pub mod graphql;
pub mod service;
pub mod store;
