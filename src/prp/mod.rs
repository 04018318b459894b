//! `idm import-prp`: moving from the old partner-reporting portal. The old database is read
//! at one instant (`source`), mapped to an import document by the rules of
//! `../shared/prp/README.md` with every anomaly reported (`map`, with the operator's
//! decisions from `resolve`), and written through the import's checks and bulk inserts in one
//! transaction, keeping old id → idm id in `legacy_id` so that a later run applies exactly
//! what changed (`sync`).

pub mod map;
pub mod report;
pub mod resolve;
pub mod source;
