//! Dev-only test kit for Orca's connectors.
//!
//! - [`fixture`]: one small deterministic data set (CSV files, the same rows in memory, and an
//!   embedded store imported from them) that every connector and fake serves;
//! - [`conformance`]: the suite every connector passes, the store included: the same answers as
//!   the store for every intent of DESIGN section 9, scope/time/filter pushdown, an empty result
//!   for an unknown tenant, timeouts and cancellation, classified errors, and no query text built
//!   from user words;
//! - loopback fakes that speak the documented wire formats and serve the fixture: [`kusto`]
//!   (`POST /v2/rest/query`), [`ado`] (WIQL and `workitemsbatch`), [`mcp`] (an rmcp tool).

pub mod ado;
pub mod conformance;
pub mod fixture;
pub mod kusto;
pub mod mcp;

pub use conformance::{FakeFault, FaultSwitch, Subject};
pub use fixture::Fixture;
