//! The `orca` binary: CLI, config, rendering, exit codes.
fn main() {}
