//! The demo data set's fixed parts, compiled into the binary: the demo customer registry
//! (`data/demo_registry.csv`, 222 customers with stable tenant ids) and the product docs
//! (`data/docs/*.md`).
//!
//! The tenant ids are UUID v5 of the customer name in the namespace
//! `6f1c1c2e-0d5b-4c43-9a8e-3a0a5f0c0de0` (Python: `uuid.uuid5(NS, name)`), so they are stable and
//! can be reproduced when a customer is added.
//!
//! Invariant: the shipped CSV is parsed by the same rules as an imported registry's required
//! columns; a test proves every row is valid, so generation never meets a bad row.

use std::collections::BTreeMap;

use orca_core::Customer;

use super::model::data_files::DOCS_DIR;
use super::model::{DocRow, markdown_title, parse_tenant_id};

/// The demo registry as shipped (DESIGN section 3 columns plus Region and Industry).
pub const DEMO_REGISTRY_CSV: &str = include_str!("../../data/demo_registry.csv");

/// The product docs: (file name, Markdown).
pub const DOCS: &[(&str, &str)] = &[
    (
        "audit-log-retention.md",
        include_str!("../../data/docs/audit-log-retention.md"),
    ),
    (
        "audit-log-search.md",
        include_str!("../../data/docs/audit-log-search.md"),
    ),
    (
        "communication-compliance.md",
        include_str!("../../data/docs/communication-compliance.md"),
    ),
    (
        "content-explorer.md",
        include_str!("../../data/docs/content-explorer.md"),
    ),
    (
        "data-map-classification.md",
        include_str!("../../data/docs/data-map-classification.md"),
    ),
    (
        "data-map-scans.md",
        include_str!("../../data/docs/data-map-scans.md"),
    ),
    (
        "dlp-endpoint-onboarding.md",
        include_str!("../../data/docs/dlp-endpoint-onboarding.md"),
    ),
    (
        "dlp-false-positives.md",
        include_str!("../../data/docs/dlp-false-positives.md"),
    ),
    (
        "dlp-policy-tips.md",
        include_str!("../../data/docs/dlp-policy-tips.md"),
    ),
    (
        "ediscovery-holds.md",
        include_str!("../../data/docs/ediscovery-holds.md"),
    ),
    (
        "ediscovery-search-export.md",
        include_str!("../../data/docs/ediscovery-search-export.md"),
    ),
    (
        "exact-data-match.md",
        include_str!("../../data/docs/exact-data-match.md"),
    ),
    (
        "information-barriers.md",
        include_str!("../../data/docs/information-barriers.md"),
    ),
    (
        "insider-risk-alerts.md",
        include_str!("../../data/docs/insider-risk-alerts.md"),
    ),
    (
        "insider-risk-policies.md",
        include_str!("../../data/docs/insider-risk-policies.md"),
    ),
    (
        "known-issue-audit-latency.md",
        include_str!("../../data/docs/known-issue-audit-latency.md"),
    ),
    (
        "known-issue-data-map-ingestion.md",
        include_str!("../../data/docs/known-issue-data-map-ingestion.md"),
    ),
    (
        "known-issue-dlp-teams-delay.md",
        include_str!("../../data/docs/known-issue-dlp-teams-delay.md"),
    ),
    (
        "known-issue-label-sync.md",
        include_str!("../../data/docs/known-issue-label-sync.md"),
    ),
    (
        "purview-roles.md",
        include_str!("../../data/docs/purview-roles.md"),
    ),
    (
        "records-management.md",
        include_str!("../../data/docs/records-management.md"),
    ),
    (
        "retention-policies.md",
        include_str!("../../data/docs/retention-policies.md"),
    ),
    (
        "sensitivity-labels-auto-labeling.md",
        include_str!("../../data/docs/sensitivity-labels-auto-labeling.md"),
    ),
    (
        "sensitivity-labels-encryption.md",
        include_str!("../../data/docs/sensitivity-labels-encryption.md"),
    ),
    (
        "sensitivity-labels-overview.md",
        include_str!("../../data/docs/sensitivity-labels-overview.md"),
    ),
];

/// The demo customers in file order (Ford, GM, Toyota and Contoso first).
pub fn demo_customers() -> Vec<Customer> {
    let mut reader = csv::Reader::from_reader(DEMO_REGISTRY_CSV.as_bytes());
    let headers = reader.headers().cloned().unwrap_or_default();
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|record| {
            let mut customer = Customer {
                name: String::new(),
                tenant_id: String::new(),
                aliases: Vec::new(),
                segment: None,
                attributes: BTreeMap::new(),
            };
            for (header, value) in headers.iter().zip(record.iter()) {
                match header {
                    "Customer Name" => customer.name = value.trim().to_string(),
                    "Tenant ID" => customer.tenant_id = parse_tenant_id(value)?,
                    "Aliases" => {
                        customer.aliases = value
                            .split(';')
                            .map(str::trim)
                            .filter(|a| !a.is_empty())
                            .map(str::to_string)
                            .collect()
                    }
                    "Segment" => {
                        customer.segment = Some(value.trim().to_string()).filter(|s| !s.is_empty())
                    }
                    other => {
                        customer
                            .attributes
                            .insert(other.to_string(), value.trim().to_string());
                    }
                }
            }
            (!customer.name.is_empty()).then_some(customer)
        })
        .collect()
}

/// The product docs as rows (`docs/<file>`, title from the first heading).
pub fn demo_docs() -> Vec<DocRow> {
    DOCS.iter()
        .map(|(file, body)| DocRow {
            path: format!("{DOCS_DIR}/{file}"),
            title: markdown_title(body).unwrap_or_else(|| file.to_string()),
            body: body.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_demo_registry_row_is_valid_and_unique() {
        let rows = DEMO_REGISTRY_CSV.lines().count() - 1;
        let customers = demo_customers();
        assert_eq!(customers.len(), rows);
        assert!(customers.len() >= 200);
        let tenants: HashSet<_> = customers.iter().map(|c| &c.tenant_id).collect();
        assert_eq!(tenants.len(), customers.len());
        let names: Vec<_> = customers.iter().take(4).map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Ford Motor Company",
                "General Motors",
                "Toyota Motor Corporation",
                "Contoso"
            ]
        );
        for c in &customers {
            let segment = c.segment.as_deref();
            assert!(matches!(segment, Some("MCS" | "IC")), "{}", c.name);
        }
        for name in [
            "Ford Foundation",
            "General Mills",
            "Procter & Gamble",
            "Nestlé",
            "Delta Air Lines",
        ] {
            assert!(customers.iter().any(|c| c.name == name), "{name}");
        }
    }

    #[test]
    fn there_are_twenty_docs_with_titles() {
        let docs = demo_docs();
        assert!(docs.len() >= 20);
        assert!(
            docs.iter()
                .all(|d| !d.title.is_empty() && !d.title.starts_with('#'))
        );
    }
}
