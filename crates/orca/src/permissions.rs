//! What a caller may see: every tenant, a set of tenants, or the tenants of some registry
//! segments. Front ends (HTTP, MCP) attach `Permissions` to an ask; the service restricts the plan
//! right after analysis, before anything runs.
//!
//! Invariant: a restricted plan holds no task, customer or candidate name outside the caller's
//! permissions; a customer named outside them is reported in `Plan::not_permitted` by the words
//! of the request only; `scope: all` tasks carry the explicit permitted tenant list
//! (`Plan::permitted_tenants`), so their queries, and any cache key built from them, never cross
//! permission scopes.

use std::collections::{BTreeSet, HashSet};

use orca_core::{Customer, NotPermitted, Plan, Registry, Scope, Strategy};
use serde::{Deserialize, Serialize};

/// The tenants a caller may see. Tenant ids and segments are compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "scope", content = "values")]
pub enum Permissions {
    /// Every tenant.
    All,
    /// Only these tenant ids (lower case).
    Tenants(BTreeSet<String>),
    /// Only the tenants whose registry segment is one of these (lower case).
    Segments(BTreeSet<String>),
}

impl Permissions {
    /// Permissions for these tenant ids (trimmed, lower-cased).
    pub fn tenants<I: IntoIterator<Item = S>, S: AsRef<str>>(ids: I) -> Permissions {
        Permissions::Tenants(fold(ids))
    }

    /// Permissions for the tenants of these registry segments (trimmed, lower-cased).
    pub fn segments<I: IntoIterator<Item = S>, S: AsRef<str>>(segments: I) -> Permissions {
        Permissions::Segments(fold(segments))
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Permissions::All)
    }

    /// Whether a tenant, with its registry segment, may be seen.
    pub fn permits(&self, tenant_id: &str, segment: Option<&str>) -> bool {
        match self {
            Permissions::All => true,
            Permissions::Tenants(ids) => ids.contains(&tenant_id.trim().to_ascii_lowercase()),
            Permissions::Segments(segments) => {
                segment.is_some_and(|s| segments.contains(&s.trim().to_ascii_lowercase()))
            }
        }
    }

    pub fn permits_customer(&self, customer: &Customer) -> bool {
        self.permits(&customer.tenant_id, customer.segment.as_deref())
    }

    /// A short human description ("all tenants", "2 tenants", "segments MCS, IC").
    pub fn describe(&self) -> String {
        match self {
            Permissions::All => "all tenants".to_string(),
            Permissions::Tenants(ids) => {
                format!(
                    "{} tenant{}",
                    ids.len(),
                    if ids.len() == 1 { "" } else { "s" }
                )
            }
            Permissions::Segments(s) => {
                let list: Vec<&str> = s.iter().map(String::as_str).collect();
                format!("segments {}", list.join(", "))
            }
        }
    }

    /// Restricts a plan to what these permissions allow (see the module docs). `All` returns
    /// the plan unchanged.
    pub fn restrict(&self, mut plan: Plan, registry: &Registry) -> Plan {
        if self.is_all() {
            return plan;
        }
        let segment_of = |tenant_id: &str| -> Option<String> {
            registry
                .customers()
                .iter()
                .find(|c| c.tenant_id.eq_ignore_ascii_case(tenant_id))
                .and_then(|c| c.segment.clone())
        };
        let permitted_name = |name: &str| -> bool {
            registry
                .customers()
                .iter()
                .any(|c| c.name == name && self.permits_customer(c))
        };

        // Named customers.
        let mut refused: HashSet<String> = HashSet::new();
        let mut kept = Vec::with_capacity(plan.customers.len());
        for customer in std::mem::take(&mut plan.customers) {
            let segment = customer
                .segment
                .clone()
                .or_else(|| segment_of(&customer.tenant_id));
            if self.permits(&customer.tenant_id, segment.as_deref()) {
                kept.push(customer);
            } else {
                refused.insert(customer.tenant_id.to_ascii_lowercase());
                plan.not_permitted.push(NotPermitted {
                    mention: customer.mention,
                });
            }
        }
        plan.customers = kept;

        // Names offered as candidates or suggestions: only permitted ones.
        for a in &mut plan.ambiguous {
            a.candidates.retain(|name| permitted_name(name));
        }
        for u in &mut plan.unresolved {
            u.suggestions.retain(|name| permitted_name(name));
        }

        // Scope-wide tasks: the explicit permitted tenant list (in the cohort, if any).
        let mut drop_scope_wide = false;
        if plan.scope == Scope::All {
            let cohort = plan.cohort.as_deref().map(str::trim);
            let mut permitted: Vec<String> = registry
                .customers()
                .iter()
                .filter(|c| self.permits_customer(c))
                .filter(|c| match cohort {
                    Some(cohort) => c
                        .segment
                        .as_deref()
                        .is_some_and(|s| s.trim().eq_ignore_ascii_case(cohort)),
                    None => true,
                })
                .map(|c| c.tenant_id.to_ascii_lowercase())
                .collect();
            permitted.sort();
            permitted.dedup();
            if permitted.is_empty() {
                drop_scope_wide = true;
                plan.not_permitted.push(NotPermitted {
                    mention: match &plan.cohort {
                        Some(c) => format!("{c} customers"),
                        None => "all customers".to_string(),
                    },
                });
            }
            plan.permitted_tenants = Some(permitted);
        }

        // Tasks: drop those of refused customers (and scope-wide ones with nothing permitted),
        // then, transitively, those depending on a dropped task.
        let scope_all = plan.scope == Scope::All;
        let mut dropped: HashSet<String> = plan
            .tasks
            .iter()
            .filter(|t| match &t.tenant_id {
                Some(tenant) => refused.contains(&tenant.to_ascii_lowercase()),
                None => scope_all && drop_scope_wide && t.source != orca_core::SourceKey::Docs,
            })
            .map(|t| t.id.clone())
            .collect();
        loop {
            let more: Vec<String> = plan
                .tasks
                .iter()
                .filter(|t| !dropped.contains(&t.id))
                .filter(|t| t.depends_on.iter().any(|d| dropped.contains(d)))
                .map(|t| t.id.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            dropped.extend(more);
        }
        if !dropped.is_empty() {
            plan.tasks.retain(|t| !dropped.contains(&t.id));
            plan.strategy = if plan.tasks.is_empty() {
                Strategy::Direct
            } else {
                Strategy::of(&plan.tasks)
            };
        }
        // The sentence must say what will now be answered, never the unrestricted question.
        plan.interpretation = orca_core::describe::interpretation(&plan);
        plan
    }
}

fn fold<I: IntoIterator<Item = S>, S: AsRef<str>>(values: I) -> BTreeSet<String> {
    values
        .into_iter()
        .map(|v| v.as_ref().trim().to_ascii_lowercase())
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTRY: &str = "Customer Name,Tenant ID,Aliases,Segment\n\
        Ford Motor Company,11111111-1111-1111-1111-111111111111,Ford,MCS\n\
        Toyota Motor Corporation,22222222-2222-2222-2222-222222222222,Toyota,IC\n\
        Contoso Ltd,33333333-3333-3333-3333-333333333333,Contoso,MCS\n";

    fn registry() -> Registry {
        Registry::from_csv(REGISTRY.as_bytes()).unwrap().0
    }

    fn plan(request: &str) -> Plan {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .to_utc();
        orca_core::analyze(request, &registry(), &Default::default(), now).unwrap()
    }

    #[test]
    fn all_leaves_the_plan_unchanged() {
        let p = plan("cases for Ford and Toyota");
        assert_eq!(Permissions::All.restrict(p.clone(), &registry()), p);
    }

    #[test]
    fn a_customer_outside_the_scope_is_reported_and_gets_no_task() {
        let ford = Permissions::tenants(["11111111-1111-1111-1111-111111111111"]);
        let p = ford.restrict(plan("cases and ICMs for Ford and Toyota"), &registry());
        assert_eq!(p.customers.len(), 1);
        assert_eq!(p.customers[0].name, "Ford Motor Company");
        assert_eq!(
            p.not_permitted,
            [NotPermitted {
                mention: "Toyota".into()
            }]
        );
        assert!(!p.tasks.is_empty());
        assert!(
            p.tasks
                .iter()
                .all(|t| t.tenant_id.as_deref() == Some("11111111-1111-1111-1111-111111111111"))
        );
    }

    #[test]
    fn segments_permit_by_registry_segment() {
        let mcs = Permissions::segments(["mcs"]);
        let p = mcs.restrict(plan("cases for Contoso and Toyota"), &registry());
        assert_eq!(p.customers.len(), 1);
        assert_eq!(p.not_permitted.len(), 1);
    }

    #[test]
    fn scope_all_becomes_the_permitted_tenant_list() {
        let mcs = Permissions::segments(["MCS"]);
        let p = mcs.restrict(plan("open cases for all customers"), &registry());
        assert_eq!(p.scope, Scope::All);
        assert_eq!(
            p.permitted_tenants.as_deref(),
            Some(
                &[
                    "11111111-1111-1111-1111-111111111111".to_string(),
                    "33333333-3333-3333-3333-333333333333".to_string()
                ][..]
            )
        );
        let task = &p.tasks[0];
        let query = orca_engine::query_for(&p, task, vec![], 20);
        assert!(!query.all_tenants);
        assert_eq!(query.tenant_ids.len(), 2);
    }

    #[test]
    fn scope_all_with_nothing_permitted_runs_nothing() {
        let none = Permissions::segments(["nope"]);
        let p = none.restrict(plan("open cases for all customers"), &registry());
        assert!(p.tasks.is_empty());
        assert_eq!(p.not_permitted.len(), 1);
    }

    #[test]
    fn tenant_ids_compare_case_insensitively() {
        let p = Permissions::tenants([" 11111111-1111-1111-1111-111111111111 "]);
        assert!(p.permits("11111111-1111-1111-1111-111111111111", None));
        assert!(!p.permits("22222222-2222-2222-2222-222222222222", Some("MCS")));
        assert!(Permissions::segments(["mcs"]).permits("x", Some(" MCS ")));
    }
}
