//! Runs a `Plan`'s task graph against connectors: fan-out, deadline, retry, breaker, bulkhead.
//!
//! Invariant: knows the `Connector` trait, never a concrete connector; nothing runs past the
//! request deadline.
