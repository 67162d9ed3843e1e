//! One module per command; each takes the common flags and its own arguments.

pub mod ask;
pub mod chat;
pub mod customers;
pub mod data;
pub mod doctor;
pub mod mcp;
pub mod plan;
pub mod serve;
pub mod soak;
pub mod token;
