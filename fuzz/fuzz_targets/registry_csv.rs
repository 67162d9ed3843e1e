//! `Registry::from_csv` on arbitrary bytes: never panics, and what it keeps is what the loader
//! promises (non-empty trimmed names, canonical unique tenant ids), and loading the kept
//! customers again (as the store does) keeps every one of them unchanged.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use orca_core::Registry;
use orca_core::registry::canonical_tenant_id;

fuzz_target!(|data: &[u8]| {
    let Ok((registry, row_errors)) = Registry::from_csv(data) else {
        return;
    };
    // Row errors come after the header and in increasing line order, whatever the line ends
    // (bare CR ends once reported every row as line 1).
    let mut last = 1;
    for error in &row_errors {
        assert!(error.line > last, "row errors follow the header in order: {error:?}");
        last = error.line;
        assert!(!error.reason.is_empty());
    }
    let mut tenants = HashSet::new();
    for customer in registry.customers() {
        assert!(!customer.name.is_empty());
        assert_eq!(customer.name, customer.name.trim());
        assert_eq!(
            canonical_tenant_id(&customer.tenant_id).as_deref(),
            Some(customer.tenant_id.as_str()),
            "tenant ids are kept canonical"
        );
        assert!(
            tenants.insert(customer.tenant_id.clone()),
            "duplicate tenant {}",
            customer.tenant_id
        );
    }
    let (again, errors) = Registry::from_customers(registry.customers().to_vec());
    assert!(
        errors.is_empty(),
        "reloading kept customers rejected some: {errors:?}"
    );
    assert_eq!(again.customers(), registry.customers());
    // Lookups by every kept name (a few) and a scan of the input never panic.
    for customer in registry.customers().iter().take(4) {
        let _ = registry.resolve(&customer.name);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = registry.scan(text);
    }
});
