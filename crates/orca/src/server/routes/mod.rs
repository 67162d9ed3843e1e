//! The API's handlers, one module per resource.

pub mod ask;
pub mod customers;
pub mod docs;
pub mod health;
pub mod stats;
