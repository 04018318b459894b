//! The mapping from the old portal's rows to an import document (stand-in for the interface
//! until the mapping lands).

use super::report::Report;
use super::resolve::Resolutions;
use super::source::World;

pub struct Mapped {
    pub document: serde_json::Value,
    pub ids: OldIds,
    pub report: Report,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct OldIds {
    pub workspaces: Vec<i64>,
    pub plans: Vec<i64>,
    pub clusters: Vec<Vec<i64>>,
    pub partners: Vec<i64>,
    pub users: Vec<Vec<i64>>,
    pub roles: Vec<Vec<Vec<i64>>>,
}

pub fn map(_world: &World, _resolutions: &Resolutions) -> Mapped {
    Mapped {
        document: serde_json::json!({}),
        ids: OldIds::default(),
        report: Report::default(),
    }
}
