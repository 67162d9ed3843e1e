//! The summaries of the item sources, typed: one struct per source, written by the store agents
//! and read by the answer, so neither side spells a key by hand.
//! Invariant: the JSON of each struct is the section `summary` of DESIGN section 5, field for
//! field and in the same order, so `to_map` then `from_map` gives back the same summary.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `total` every summary carries (documents too), 0 when missing or not a count.
pub fn total(summary: &Map<String, Value>) -> u64 {
    summary.get("total").and_then(Value::as_u64).unwrap_or(0)
}

/// `kusto`: support cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseSummary {
    /// Every matching case.
    pub total: u64,
    /// Matching cases still open (Active or Waiting); `None` only from a source that does not
    /// count them.
    pub open: Option<u64>,
    /// Matching cases per severity.
    pub by_severity: CaseSeverities,
    /// Open matching cases per severity.
    pub open_by_severity: CaseSeverities,
    /// Matching cases per status.
    pub by_status: CaseStatuses,
    /// Age in whole days of the oldest open matching case; null when none is open.
    pub oldest_open_days: Option<u64>,
}

/// Case counts per severity letter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseSeverities {
    /// Severity A, the most severe.
    #[serde(rename = "A")]
    pub a: u64,
    /// Severity B.
    #[serde(rename = "B")]
    pub b: u64,
    /// Severity C, the least severe.
    #[serde(rename = "C")]
    pub c: u64,
}

/// Case counts per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct CaseStatuses {
    /// Open, with the support engineer.
    pub active: u64,
    /// Open, waiting on the customer.
    pub waiting: u64,
    /// Closed with a resolution.
    pub resolved: u64,
    /// Closed.
    pub closed: u64,
}

/// `icm`: incidents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentSummary {
    /// Every matching incident.
    pub total: u64,
    /// Matching incidents with status Active; `None` only from a source that does not count
    /// them.
    pub active: Option<u64>,
    /// The same count as `active` ("open" means Active for incidents).
    pub open: Option<u64>,
    /// Matching incidents per severity.
    pub by_severity: IncidentSeverities,
    /// Matching incidents per status.
    pub by_status: IncidentStatuses,
    /// Mean hours from creation to mitigation over the mitigated matching incidents, to one
    /// decimal; null when none is mitigated.
    pub mean_time_to_mitigate_hours: Option<f64>,
}

/// Incident counts per severity; key `25` is Sev 2.5.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncidentSeverities {
    /// Sev 0, present only when some incident has it.
    #[serde(rename = "0", skip_serializing_if = "Option::is_none")]
    pub sev0: Option<u64>,
    /// Sev 1.
    #[serde(rename = "1")]
    pub sev1: u64,
    /// Sev 2.
    #[serde(rename = "2")]
    pub sev2: u64,
    /// Sev 2.5 (stored as 25).
    #[serde(rename = "25")]
    pub sev25: u64,
    /// Sev 3.
    #[serde(rename = "3")]
    pub sev3: u64,
    /// Sev 4.
    #[serde(rename = "4")]
    pub sev4: u64,
}

/// Incident counts per status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct IncidentStatuses {
    /// Open.
    pub active: u64,
    /// Mitigated, not yet resolved.
    pub mitigated: u64,
    /// Resolved.
    pub resolved: u64,
}

/// `ado`: work items.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkItemSummary {
    /// Every matching work item.
    pub total: u64,
    /// Matching work items not Resolved or Closed.
    pub open: u64,
    /// Matching work items per type.
    pub by_type: WorkItemTypes,
    /// Matching work items per state.
    pub by_state: WorkItemStates,
    /// Open matching bugs; `None` only from a source that does not count them.
    pub open_bugs: Option<u64>,
}

/// Work item counts per type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkItemTypes {
    /// Bugs.
    #[serde(rename = "Bug")]
    pub bug: u64,
    /// Design change requests.
    #[serde(rename = "DCR")]
    pub dcr: u64,
    /// Features.
    #[serde(rename = "Feature")]
    pub feature: u64,
}

/// Work item counts per state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
pub struct WorkItemStates {
    /// Not started.
    pub new: u64,
    /// In progress.
    pub active: u64,
    /// Done, not yet closed.
    pub resolved: u64,
    /// Closed.
    pub closed: u64,
}

/// `tenant`: tenant health, for one tenant or for several.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HealthSummary {
    /// One tenant asked for: its verdict, with the counts (of it alone).
    Tenant(TenantHealth),
    /// Several tenants (a list, all of them or a cohort): counts per verdict.
    Tenants(HealthCounts),
}

/// Tenants per verdict over the range; a tenant without metrics in the range is not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCounts {
    /// First day judged (`YYYY-MM-DD`).
    pub from: String,
    /// Last day judged (`YYYY-MM-DD`, included).
    pub to: String,
    /// Tenants judged (the same as `tenants`).
    pub total: u64,
    /// Tenants judged.
    pub tenants: u64,
    /// Tenants judged healthy.
    pub healthy: u64,
    /// Tenants judged warning.
    pub warning: u64,
    /// Tenants judged unhealthy.
    pub unhealthy: u64,
}

/// The health of one tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantHealth {
    /// The counts over this one tenant (0 or 1 each).
    #[serde(flatten)]
    pub counts: HealthCounts,
    /// `healthy`, `warning`, `unhealthy`, or `unknown` without metrics in the range.
    pub health: String,
    /// Why the verdict is not healthy, one sentence each ("no metrics in the range" when
    /// unknown).
    pub reasons: Vec<String>,
    /// Latest active users over licensed users, to three decimals; null without both.
    pub active_ratio: Option<f64>,
    /// Each metric over the range, by name.
    pub metrics: BTreeMap<String, MetricSummary>,
}

/// One daily metric over the range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricSummary {
    /// The last value in the range.
    pub latest: f64,
    /// The first value in the range.
    pub first: f64,
    /// Change from the first value to the latest, percent to one decimal; null when the first
    /// is 0.
    pub trend_pct: Option<f64>,
    /// The day of the latest value (`YYYY-MM-DD`).
    pub date: String,
}

/// `to_map` and `from_map` of a summary struct.
macro_rules! map_conversions {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// This summary as a section's `summary` object.
            pub fn to_map(&self) -> Map<String, Value> {
                to_map(self)
            }

            /// The summary in `map`, missing keys defaulted; `None` when a key holds a value
            /// of the wrong kind.
            pub fn from_map(map: &Map<String, Value>) -> Option<Self> {
                from_map(map)
            }
        }
    )*};
}

map_conversions!(CaseSummary, IncidentSummary, WorkItemSummary);

impl HealthSummary {
    /// This summary as a section's `summary` object.
    pub fn to_map(&self) -> Map<String, Value> {
        to_map(self)
    }

    /// One tenant's health when `map` holds a verdict (`health`), the counts over several when
    /// it holds `tenants`; `None` without either (no metrics judged) or when a key holds a
    /// value of the wrong kind.
    pub fn from_map(map: &Map<String, Value>) -> Option<Self> {
        if map.contains_key("health") {
            from_map(map).map(HealthSummary::Tenant)
        } else if map.contains_key("tenants") {
            from_map(map).map(HealthSummary::Tenants)
        } else {
            None
        }
    }
}

fn to_map<T: Serialize>(summary: &T) -> Map<String, Value> {
    match serde_json::to_value(summary) {
        Ok(Value::Object(map)) => map,
        // Every summary is a struct of numbers, strings and lists: always an object.
        _ => Map::new(),
    }
}

fn from_map<T: DeserializeOwned>(map: &Map<String, Value>) -> Option<T> {
    serde_json::from_value(Value::Object(map.clone())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    /// The map keeps every key in order, and reads back as the same summary.
    fn round_trips(
        map: Map<String, Value>,
        to: impl Fn(&Map<String, Value>) -> Map<String, Value>,
    ) {
        let again = to(&map);
        assert_eq!(
            serde_json::to_string(&again).unwrap(),
            serde_json::to_string(&map).unwrap()
        );
    }

    #[test]
    fn cases_round_trip_with_their_names() {
        let map = object(json!({
            "total": 95, "open": 24,
            "by_severity": {"A": 10, "B": 40, "C": 45},
            "open_by_severity": {"A": 6, "B": 8, "C": 10},
            "by_status": {"Active": 20, "Waiting": 4, "Resolved": 50, "Closed": 21},
            "oldest_open_days": null,
        }));
        round_trips(map.clone(), |m| CaseSummary::from_map(m).unwrap().to_map());
        let s = CaseSummary::from_map(&map).unwrap();
        assert_eq!((s.total, s.open, s.open_by_severity.a), (95, Some(24), 6));
        assert_eq!(s.by_status.waiting, 4);
        assert_eq!(s.oldest_open_days, None);
    }

    #[test]
    fn incidents_keep_sev_0_only_when_present() {
        let map = object(json!({
            "total": 7, "active": 2, "open": 2,
            "by_severity": {"1": 1, "2": 2, "25": 1, "3": 2, "4": 1},
            "by_status": {"Active": 2, "Mitigated": 1, "Resolved": 4},
            "mean_time_to_mitigate_hours": 3.5,
        }));
        round_trips(map.clone(), |m| {
            IncidentSummary::from_map(m).unwrap().to_map()
        });
        let s = IncidentSummary::from_map(&map).unwrap();
        assert_eq!((s.by_severity.sev0, s.by_severity.sev25), (None, 1));
        assert_eq!(s.mean_time_to_mitigate_hours, Some(3.5));
        let with_sev0 = IncidentSummary {
            by_severity: IncidentSeverities {
                sev0: Some(1),
                ..Default::default()
            },
            ..Default::default()
        };
        let keys: Vec<String> = with_sev0.to_map()["by_severity"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["0", "1", "2", "25", "3", "4"]);
    }

    #[test]
    fn work_items_round_trip_with_their_names() {
        let map = object(json!({
            "total": 12, "open": 5,
            "by_type": {"Bug": 6, "DCR": 3, "Feature": 3},
            "by_state": {"New": 2, "Active": 3, "Resolved": 4, "Closed": 3},
            "open_bugs": 2,
        }));
        round_trips(map.clone(), |m| {
            WorkItemSummary::from_map(m).unwrap().to_map()
        });
        let s = WorkItemSummary::from_map(&map).unwrap();
        assert_eq!(
            (s.by_type.dcr, s.by_state.new, s.open_bugs),
            (3, 2, Some(2))
        );
    }

    #[test]
    fn health_is_one_tenant_or_several() {
        let one = object(json!({
            "from": "2026-10-01", "to": "2026-10-30",
            "total": 1, "tenants": 1, "healthy": 0, "warning": 1, "unhealthy": 0,
            "health": "warning", "reasons": ["ingestion_errors 12 above 10"],
            "active_ratio": 0.62,
            "metrics": {"active_users": {"latest": 620.0, "first": 640.0, "trend_pct": -3.1,
                                         "date": "2026-10-30"}},
        }));
        round_trips(one.clone(), |m| {
            HealthSummary::from_map(m).unwrap().to_map()
        });
        let Some(HealthSummary::Tenant(t)) = HealthSummary::from_map(&one) else {
            panic!("one tenant");
        };
        assert_eq!((t.health.as_str(), t.counts.warning), ("warning", 1));
        assert_eq!(t.metrics["active_users"].trend_pct, Some(-3.1));

        let several = object(json!({
            "from": "2026-10-01", "to": "2026-10-30",
            "total": 3, "tenants": 3, "healthy": 1, "warning": 1, "unhealthy": 1,
        }));
        round_trips(several.clone(), |m| {
            HealthSummary::from_map(m).unwrap().to_map()
        });
        assert!(matches!(
            HealthSummary::from_map(&several),
            Some(HealthSummary::Tenants(HealthCounts { unhealthy: 1, .. }))
        ));
        assert_eq!(HealthSummary::from_map(&object(json!({"total": 0}))), None);
    }

    #[test]
    fn missing_keys_default_and_wrong_kinds_do_not_read() {
        let s = CaseSummary::from_map(&object(json!({"total": 2}))).unwrap();
        assert_eq!((s.total, s.open, s.by_severity.a), (2, None, 0));
        assert_eq!(
            CaseSummary::from_map(&object(json!({"total": "two"}))),
            None
        );
        assert_eq!(total(&object(json!({"total": 4, "terms": ["dlp"]}))), 4);
        assert_eq!(total(&Map::new()), 0);
    }
}
