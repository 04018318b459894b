//! Users: listing under the visibility rules, creation, updates and (de)activation.

pub mod graphql;
pub mod loader;
pub mod object;
pub mod page;
pub mod service;
pub mod store;
