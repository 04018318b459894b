//! `idm`: a GraphQL identity-management service for a humanitarian partner-reporting portal.
//! It decides who may see which users and who may give which role to whom.

pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod config;
pub mod console;
pub mod context;
pub mod db;
pub mod demo;
pub mod detach;
pub mod documents;
pub mod domain;
pub mod email;
pub mod entity;
pub mod error;
pub mod graphql;
pub mod http;
pub mod ids;
pub mod import;
pub mod keyset;
pub mod limits;
pub mod node;
pub mod notify;
pub mod outbox;
pub mod pagination;
pub mod partners;
pub mod permissions;
pub mod prp;
pub mod roles;
pub mod scalars;
pub mod settings;
pub mod users;
pub mod validate;
pub mod workspaces;
