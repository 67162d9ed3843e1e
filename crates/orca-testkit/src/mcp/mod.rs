//! PLACEHOLDER: the mcp loopback fake (being written, issue 15).
