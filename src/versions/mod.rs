//! A model's versions as the versions screen shows them: the registry's list, which version
//! is live, the governance facts read from registry tags, and how a rollback would be done
//! (a secret-free description, so that the pure update can show the exact request).

pub mod live;

pub use crate::domain::{GovernanceFacts, RollbackSpec, SpecBackend, VersionFigures, VersionsSnapshot};
