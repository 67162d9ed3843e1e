//! PLACEHOLDER: the ado loopback fake (being written, issue 15).
