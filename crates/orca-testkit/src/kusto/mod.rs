//! PLACEHOLDER: the kusto loopback fake (being written, issue 15).
