//! The summaries of the item sources, folded from one small grouped result: every connector that
//! pushes the summary down (the store, PostgreSQL, Kusto) asks its source for one row per
//! (status, severity) or (state, type) with the counts, and folds those rows here, so the
//! summary's fields mean the same whatever the source.
//!
//! Status semantics are DESIGN section 6's: open cases are Active or Waiting, open work items are
//! not Resolved or Closed, and open incidents are Active.

use orca_core::summary::{
    CaseSeverities, CaseStatuses, CaseSummary, IncidentSeverities, IncidentStatuses,
    IncidentSummary, WorkItemStates, WorkItemSummary, WorkItemTypes,
};
use serde_json::{Map, Value};

/// One (status, severity) group of cases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CaseGroup {
    pub status: String,
    /// `A`, `B` or `C`.
    pub severity: String,
    pub count: i64,
}

/// One (status, severity) group of incidents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IncidentGroup {
    pub status: String,
    /// 0-4, or 25 for Sev 2.5.
    pub severity: i64,
    pub count: i64,
    /// Seconds from creation to mitigation, summed over the group's mitigated incidents.
    pub mitigation_seconds: f64,
    /// The group's mitigated incidents.
    pub mitigated: i64,
}

/// One (state, type) group of work items.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WorkItemGroup {
    pub state: String,
    /// `Bug`, `DCR` or `Feature`.
    pub kind: String,
    pub count: i64,
}

/// Open cases: Active or Waiting.
pub(crate) fn is_open_case(status: &str) -> bool {
    status == "Active" || status == "Waiting"
}

/// Open work items: neither Resolved nor Closed.
pub(crate) fn is_open_work_item(state: &str) -> bool {
    state != "Resolved" && state != "Closed"
}

/// One decimal, as every measured value is shown.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The case summary and the total; `oldest_open` is the creation (Unix s) of the oldest open case
/// and `now` the clock its age is counted on.
pub(crate) fn cases(
    groups: &[CaseGroup],
    oldest_open: Option<i64>,
    now: i64,
) -> (Map<String, Value>, i64) {
    let count = |keep: &dyn Fn(&CaseGroup) -> bool| -> i64 {
        groups.iter().filter(|g| keep(g)).map(|g| g.count).sum()
    };
    let n = |keep: &dyn Fn(&CaseGroup) -> bool| count(keep) as u64;
    let by_severity = |open_only: bool| {
        let sev = |s: &str| n(&|g| g.severity == s && (!open_only || is_open_case(&g.status)));
        CaseSeverities {
            a: sev("A"),
            b: sev("B"),
            c: sev("C"),
        }
    };
    let status = |s: &str| n(&|g| g.status == s);
    let total = count(&|_| true);
    let summary = CaseSummary {
        total: total as u64,
        open: Some(n(&|g| is_open_case(&g.status))),
        by_severity: by_severity(false),
        open_by_severity: by_severity(true),
        by_status: CaseStatuses {
            active: status("Active"),
            waiting: status("Waiting"),
            resolved: status("Resolved"),
            closed: status("Closed"),
        },
        oldest_open_days: oldest_open.map(|t| ((now - t).max(0) / 86_400) as u64),
    };
    (summary.to_map(), total)
}

/// The incident summary and the total.
pub(crate) fn incidents(groups: &[IncidentGroup]) -> (Map<String, Value>, i64) {
    let count = |keep: &dyn Fn(&IncidentGroup) -> bool| -> i64 {
        groups.iter().filter(|g| keep(g)).map(|g| g.count).sum()
    };
    let total = count(&|_| true);
    let active = count(&|g| g.status == "Active");
    let severity = |s: i64| count(&|g| g.severity == s) as u64;
    let status = |s: &str| count(&|g| g.status == s) as u64;
    let mitigated: i64 = groups.iter().map(|g| g.mitigated).sum();
    let seconds: f64 = groups.iter().map(|g| g.mitigation_seconds).sum();
    let summary = IncidentSummary {
        total: total as u64,
        active: Some(active as u64),
        open: Some(active as u64),
        by_severity: IncidentSeverities {
            sev0: Some(severity(0)).filter(|n| *n > 0),
            sev1: severity(1),
            sev2: severity(2),
            sev25: severity(25),
            sev3: severity(3),
            sev4: severity(4),
        },
        by_status: IncidentStatuses {
            active: active as u64,
            mitigated: status("Mitigated"),
            resolved: status("Resolved"),
        },
        mean_time_to_mitigate_hours: (mitigated > 0)
            .then(|| round1(seconds / 3600.0 / mitigated as f64)),
    };
    (summary.to_map(), total)
}

/// The work item summary and the total.
pub(crate) fn work_items(groups: &[WorkItemGroup]) -> (Map<String, Value>, i64) {
    let count = |keep: &dyn Fn(&WorkItemGroup) -> bool| -> i64 {
        groups.iter().filter(|g| keep(g)).map(|g| g.count).sum()
    };
    let n = |keep: &dyn Fn(&WorkItemGroup) -> bool| count(keep) as u64;
    let total = count(&|_| true);
    let kind = |k: &str| n(&|g| g.kind == k);
    let state = |s: &str| n(&|g| g.state == s);
    let summary = WorkItemSummary {
        total: total as u64,
        open: n(&|g| is_open_work_item(&g.state)),
        by_type: WorkItemTypes {
            bug: kind("Bug"),
            dcr: kind("DCR"),
            feature: kind("Feature"),
        },
        by_state: WorkItemStates {
            new: state("New"),
            active: state("Active"),
            resolved: state("Resolved"),
            closed: state("Closed"),
        },
        open_bugs: Some(n(&|g| g.kind == "Bug" && is_open_work_item(&g.state))),
    };
    (summary.to_map(), total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_fold_into_the_summaries() {
        let case = |status: &str, severity: &str, count| CaseGroup {
            status: status.into(),
            severity: severity.into(),
            count,
        };
        let (summary, total) = cases(
            &[
                case("Active", "A", 2),
                case("Closed", "A", 3),
                case("Waiting", "C", 1),
            ],
            Some(86_400),
            10 * 86_400,
        );
        assert_eq!(total, 6);
        assert_eq!(summary["open"], 3);
        assert_eq!(summary["by_severity"]["A"], 5);
        assert_eq!(summary["open_by_severity"]["A"], 2);
        assert_eq!(summary["oldest_open_days"], 9);

        let (summary, total) = incidents(&[
            IncidentGroup {
                status: "Active".into(),
                severity: 25,
                count: 2,
                mitigation_seconds: 0.0,
                mitigated: 0,
            },
            IncidentGroup {
                status: "Mitigated".into(),
                severity: 1,
                count: 2,
                mitigation_seconds: 2.0 * 3600.0 + 3.0 * 3600.0,
                mitigated: 2,
            },
        ]);
        assert_eq!(total, 4);
        assert_eq!(summary["active"], 2);
        assert_eq!(summary["mean_time_to_mitigate_hours"], 2.5);

        let item = |state: &str, kind: &str, count| WorkItemGroup {
            state: state.into(),
            kind: kind.into(),
            count,
        };
        let (summary, total) = work_items(&[item("New", "Bug", 2), item("Closed", "Bug", 1)]);
        assert_eq!(total, 3);
        assert_eq!(summary["open_bugs"], 2);
    }
}
