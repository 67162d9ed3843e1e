//! The five agents against the hand-made fixture (`tests/fixtures/small`), imported into a
//! temporary store. Every expected number is counted by hand in the comments.
//!
//! Fixture, with now = 2026-03-01T00:00:00Z:
//! - Ford (1111...): cases 1 A Active 02-25, 2 B Waiting 02-20, 3 B Resolved 02-10,
//!   4 C Closed 01-05, 5 A Active 2025-12-01 (90 days old); incidents 500001 sev 2 Active (case 1),
//!   500002 sev 25 Mitigated after 4 h (case 3), 500003 sev 3 Resolved, mitigated after 10 h;
//!   work items 9001 Bug Active (inc 500001), 9002 Bug Closed (inc 500002), 9003 DCR New,
//!   9004 Feature Resolved.
//! - GM (2222...): cases 6 C Active 02-27, 7 A Closed 01-15; incident 500004 sev 1 Resolved
//!   (case 7, mitigated after 1 h); work item 9005 Bug New (inc 500004).
//! - Contoso (3333..., segment IC): case 8 B Active 02-28.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_connectors::{HealthThresholds, OpenMode, Store, import};
use orca_core::{
    Connector, ContextItem, ErrorKind, Filters, Query, QueryOutput, SourceKey, StatusFilter,
    TimeRange,
};
use serde_json::{Value, json};

const FORD: &str = "11111111-1111-4111-8111-111111111111";
const GM: &str = "22222222-2222-4222-8222-222222222222";
const CONTOSO: &str = "33333333-3333-4333-8333-333333333333";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

fn fixture() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small"))
}

struct Fixture {
    _dir: tempfile::TempDir,
    connectors: HashMap<SourceKey, Arc<dyn Connector>>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        import(dir.path(), fixture(), &ProgressBar::hidden()).unwrap();
        let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
        let connectors = store
            .connectors_at(&HealthThresholds::default(), Some(now()))
            .into_iter()
            .map(|c| (c.source(), c))
            .collect();
        Fixture {
            _dir: dir,
            connectors,
        }
    }

    async fn run(&self, query: Query) -> QueryOutput {
        self.connectors[&query.source].run(&query).await.unwrap()
    }
}

fn query(source: SourceKey, tenants: &[&str]) -> Query {
    Query {
        tenant_ids: tenants.iter().map(|t| t.to_string()).collect(),
        ..Query::new(source)
    }
}

fn last_30_days() -> Option<TimeRange> {
    Some(TimeRange::new(
        Utc.with_ymd_and_hms(2026, 1, 30, 0, 0, 0).unwrap(),
        now(),
        "last 30 days",
    ))
}

fn column(rows: &[Value], name: &str) -> Vec<Value> {
    rows.iter().map(|r| r[name].clone()).collect()
}

#[tokio::test]
async fn cases_for_one_customer() {
    let f = Fixture::new();
    let out = f.run(query(SourceKey::Kusto, &[FORD])).await;
    // Ford: 5 cases; open = Active/Waiting = 1, 2, 5; A = 1, 5; B = 2, 3; C = 4.
    assert_eq!(out.summary["total"], 5);
    assert_eq!(out.summary["open"], 3);
    assert_eq!(out.summary["by_severity"], json!({"A": 2, "B": 2, "C": 1}));
    assert_eq!(
        out.summary["by_status"],
        json!({"Active": 2, "Waiting": 1, "Resolved": 1, "Closed": 1})
    );
    // Case 5 opened 2025-12-01: 31 + 31 + 28 = 90 days before 2026-03-01.
    assert_eq!(out.summary["oldest_open_days"], 90);
    // Newest first.
    assert_eq!(
        column(&out.rows, "CaseNumber"),
        [
            "2602250000000001",
            "2602200000000002",
            "2602100000000003",
            "2601050000000004",
            "2512010000000005"
        ]
    );
    assert_eq!(out.rows[0]["CustomerName"], "Ford Motor Company");
    assert_eq!(out.rows[0]["Title"], "DLP tips missing, Outlook");
    assert_eq!(out.rows[0]["ClosedAt"], Value::Null);
    assert_eq!(out.rows[2]["ClosedAt"], "2026-02-12T08:00:00Z");
    assert_eq!(out.ids.len(), 5);
    assert_eq!(out.queries, 3);
}

#[tokio::test]
async fn case_filters_time_status_severity_and_limit() {
    let f = Fixture::new();
    // Last 30 days (from 01-30): cases 1, 2, 3; open 1, 2.
    let q = Query {
        time_range: last_30_days(),
        ..query(SourceKey::Kusto, &[FORD])
    };
    let out = f.run(q).await;
    assert_eq!(
        (out.summary["total"].clone(), out.summary["open"].clone()),
        (json!(3), json!(2))
    );

    // Open Sev A: cases 1 and 5.
    let q = Query {
        filters: Filters {
            status: Some(StatusFilter::Open),
            severity: vec!["A".into(), "1".into()],
            ..Filters::default()
        },
        ..query(SourceKey::Kusto, &[FORD])
    };
    let out = f.run(q).await;
    assert_eq!(out.summary["total"], 2);
    assert_eq!(
        column(&out.rows, "CaseNumber"),
        ["2602250000000001", "2512010000000005"]
    );

    // Closed: cases 3 and 4; oldest_open_days is null with no open case.
    let q = Query {
        filters: Filters {
            status: Some(StatusFilter::Closed),
            severity: vec![],
            ..Filters::default()
        },
        ..query(SourceKey::Kusto, &[FORD])
    };
    let out = f.run(q).await;
    assert_eq!(out.summary["total"], 2);
    assert_eq!(out.summary["oldest_open_days"], Value::Null);

    // Limit 2: two rows, summary and ids still over all 5.
    let q = Query {
        limit: 2,
        ..query(SourceKey::Kusto, &[FORD])
    };
    let out = f.run(q).await;
    assert_eq!(out.rows.len(), 2);
    assert_eq!(out.summary["total"], 5);
    assert_eq!(out.ids.len(), 5);
}

#[tokio::test]
async fn cases_for_all_tenants_and_cohorts() {
    let f = Fixture::new();
    let all = Query {
        all_tenants: true,
        ..Query::new(SourceKey::Kusto)
    };
    // 8 cases; open 1, 2, 5, 6, 8.
    let out = f.run(all.clone()).await;
    assert_eq!(
        (out.summary["total"].clone(), out.summary["open"].clone()),
        (json!(8), json!(5))
    );
    assert_eq!(out.rows[0]["CaseNumber"], "2602280000000008");
    // MCS = Ford + GM = 7 cases; IC (any case) = Contoso's 1.
    let mcs = Query {
        cohort: Some("MCS".into()),
        ..all.clone()
    };
    assert_eq!(f.run(mcs).await.summary["total"], 7);
    let ic = Query {
        cohort: Some("ic".into()),
        ..all
    };
    assert_eq!(f.run(ic).await.summary["total"], 1);
    // Two tenants: 5 + 2.
    assert_eq!(
        f.run(query(SourceKey::Kusto, &[FORD, GM])).await.summary["total"],
        7
    );
    // Upper-case tenant ids match too.
    let upper = FORD.to_uppercase();
    assert_eq!(
        f.run(query(SourceKey::Kusto, &[&upper])).await.summary["total"],
        5
    );
}

#[tokio::test]
async fn a_tenant_source_without_a_tenant_is_a_bad_query() {
    let f = Fixture::new();
    let err = f.connectors[&SourceKey::Kusto]
        .run(&Query::new(SourceKey::Kusto))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadQuery);
    assert!(!err.is_retryable());
    // A query for another source is refused too.
    let err = f.connectors[&SourceKey::Kusto]
        .run(&query(SourceKey::Icm, &[FORD]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadQuery);
}

#[tokio::test]
async fn incidents_for_one_customer() {
    let f = Fixture::new();
    let out = f.run(query(SourceKey::Icm, &[FORD])).await;
    // Ford: 500001 sev 2 Active, 500002 sev 25 Mitigated (4 h), 500003 sev 3 Resolved (10 h).
    assert_eq!(out.summary["total"], 3);
    assert_eq!(out.summary["active"], 1);
    assert_eq!(
        out.summary["by_severity"],
        json!({"1": 0, "2": 1, "25": 1, "3": 1, "4": 0})
    );
    assert_eq!(
        out.summary["by_status"],
        json!({"Active": 1, "Mitigated": 1, "Resolved": 1})
    );
    // Mean of 4 h and 10 h.
    assert_eq!(out.summary["mean_time_to_mitigate_hours"], 7.0);
    assert_eq!(column(&out.rows, "IncidentId"), [500001, 500002, 500003]);
    assert_eq!(out.rows[0]["CaseNumber"], "2602250000000001");
    assert_eq!(out.rows[2]["CaseNumber"], Value::Null);
    assert_eq!(out.ids, ["500001", "500002", "500003"]);

    // Sev 2.5 only (digits filter; the letter is ignored by incidents).
    let q = Query {
        filters: Filters {
            status: None,
            severity: vec!["25".into(), "A".into()],
            ..Filters::default()
        },
        ..query(SourceKey::Icm, &[FORD])
    };
    assert_eq!(f.run(q).await.summary["total"], 1);

    // Closed (not Active): 500002, 500003.
    let q = Query {
        filters: Filters {
            status: Some(StatusFilter::Closed),
            severity: vec![],
            ..Filters::default()
        },
        ..query(SourceKey::Icm, &[FORD])
    };
    assert_eq!(f.run(q).await.summary["total"], 2);

    // Contoso has none: mean time to mitigate is null.
    let out = f.run(query(SourceKey::Icm, &[CONTOSO])).await;
    assert_eq!(out.summary["total"], 0);
    assert_eq!(out.summary["mean_time_to_mitigate_hours"], Value::Null);
}

#[tokio::test]
async fn incidents_follow_linked_cases_and_work_items_follow_incidents() {
    let f = Fixture::new();
    // Ford's last-30-day cases are 1, 2, 3; the linked incidents are 500001 (case 1) and 500002
    // (case 3); the link replaces the time filter.
    let cases = f
        .run(Query {
            time_range: last_30_days(),
            ..query(SourceKey::Kusto, &[FORD])
        })
        .await;
    let icm = Query {
        time_range: last_30_days(),
        context: vec![ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Kusto,
            ids: cases.ids.clone(),
        }],
        ..query(SourceKey::Icm, &[FORD])
    };
    let incidents = f.run(icm).await;
    assert_eq!(incidents.summary["total"], 2);
    assert_eq!(incidents.summary["mean_time_to_mitigate_hours"], 4.0);
    assert_eq!(incidents.ids, ["500001", "500002"]);

    // Work items linked to 500001 and 500002: 9001 (Bug Active) and 9002 (Bug Closed).
    let ado = Query {
        context: vec![ContextItem {
            task_id: "t2".into(),
            source: SourceKey::Icm,
            ids: incidents.ids.clone(),
        }],
        ..query(SourceKey::Ado, &[FORD])
    };
    let items = f.run(ado).await;
    assert_eq!(items.summary["total"], 2);
    assert_eq!(items.summary["open_bugs"], 1);
    assert_eq!(items.ids, ["9001", "9002"]);

    // An empty context list matches nothing (no linked cases -> no incidents).
    let none = Query {
        context: vec![ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Kusto,
            ids: vec![],
        }],
        ..query(SourceKey::Icm, &[FORD])
    };
    assert_eq!(f.run(none).await.summary["total"], 0);
}

#[tokio::test]
async fn work_items_for_one_customer() {
    let f = Fixture::new();
    let out = f.run(query(SourceKey::Ado, &[FORD])).await;
    // Ford: 9001 Bug Active, 9002 Bug Closed, 9003 DCR New, 9004 Feature Resolved.
    assert_eq!(out.summary["total"], 4);
    assert_eq!(out.summary["open"], 2);
    assert_eq!(
        out.summary["by_type"],
        json!({"Bug": 2, "DCR": 1, "Feature": 1})
    );
    assert_eq!(
        out.summary["by_state"],
        json!({"New": 1, "Active": 1, "Resolved": 1, "Closed": 1})
    );
    assert_eq!(out.summary["open_bugs"], 1);
    assert_eq!(column(&out.rows, "Id"), [9001, 9002, 9003, 9004]);
    assert_eq!(out.rows[0]["AreaPath"], "Purview\\DLP\\Service");
    // All tenants, open: 9001, 9003, 9005; open bugs 9001, 9005.
    let q = Query {
        all_tenants: true,
        filters: Filters {
            status: Some(StatusFilter::Open),
            severity: vec![],
            ..Filters::default()
        },
        ..Query::new(SourceKey::Ado)
    };
    let out = f.run(q).await;
    // The same, bugs only: 9001 and 9005.
    let q = Query {
        all_tenants: true,
        filters: Filters {
            status: Some(StatusFilter::Open),
            work_item_types: vec!["Bug".into()],
            ..Filters::default()
        },
        ..Query::new(SourceKey::Ado)
    };
    let bugs = f.run(q).await;
    assert_eq!(bugs.summary["total"], 2);
    assert_eq!(bugs.summary["open_bugs"], 2);
    assert_eq!(out.summary["total"], 3);
    assert_eq!(out.summary["open_bugs"], 2);
}

#[tokio::test]
async fn tenant_health_for_one_customer() {
    let f = Fixture::new();
    // No range: the last 30 days of data end at 02-28 (window 01-30..02-28), so Ford's
    // 2025-12-01 values are out. active 800 -> 840 (+5%), labels 50 -> 55 (+10%), ratio
    // 840/1000 = 0.84, ingestion errors 1: healthy.
    let out = f.run(query(SourceKey::Tenant, &[FORD])).await;
    assert_eq!(out.summary["health"], "healthy");
    assert_eq!(out.summary["reasons"], json!([]));
    assert_eq!(out.summary["active_ratio"], 0.84);
    assert_eq!(out.summary["from"], "2026-01-30");
    assert_eq!(out.summary["to"], "2026-02-28");
    let active = &out.summary["metrics"]["active_users"];
    assert_eq!(
        (active["first"].clone(), active["latest"].clone()),
        (json!(800.0), json!(840.0))
    );
    assert_eq!(active["trend_pct"], 5.0);
    assert_eq!(out.summary["metrics"]["label_adoption"]["trend_pct"], 10.0);
    assert_eq!(out.summary["metrics"]["dlp_policy_matches"]["latest"], 44.0);
    // One row per metric: 5 metrics.
    assert_eq!(out.rows.len(), 5);

    // A range from November takes the 2025-12-01 values as first: active 100 -> 840.
    let q = Query {
        time_range: Some(TimeRange::new(
            Utc.with_ymd_and_hms(2025, 11, 1, 0, 0, 0).unwrap(),
            now(),
            "since November",
        )),
        ..query(SourceKey::Tenant, &[FORD])
    };
    let out = f.run(q).await;
    assert_eq!(out.summary["metrics"]["active_users"]["first"], 100.0);
    assert_eq!(out.summary["metrics"]["active_users"]["trend_pct"], 740.0);

    // GM: labels 50 -> 44 (-12% > 10%) and ingestion errors 12 (> 10): warning, two reasons.
    let out = f.run(query(SourceKey::Tenant, &[GM])).await;
    assert_eq!(out.summary["health"], "warning");
    assert_eq!(
        out.summary["reasons"].as_array().unwrap().len(),
        2,
        "{}",
        out.summary["reasons"]
    );

    // Contoso: errors 80 > 50, ratio 0.25 < 0.3, active -50% > 30%, labels -33.3% > 25%.
    let out = f.run(query(SourceKey::Tenant, &[CONTOSO])).await;
    assert_eq!(out.summary["health"], "unhealthy");
    assert_eq!(
        out.summary["reasons"].as_array().unwrap().len(),
        4,
        "{}",
        out.summary["reasons"]
    );
}

#[tokio::test]
async fn tenant_health_for_all_customers() {
    let f = Fixture::new();
    let all = Query {
        all_tenants: true,
        ..Query::new(SourceKey::Tenant)
    };
    let out = f.run(all.clone()).await;
    // Ford healthy, GM warning, Contoso unhealthy; rows are the flagged ones, worst first.
    assert_eq!(out.summary["tenants"], 3);
    assert_eq!(
        (
            out.summary["healthy"].clone(),
            out.summary["warning"].clone(),
            out.summary["unhealthy"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    assert_eq!(
        column(&out.rows, "CustomerName"),
        ["Contoso, Ltd.", "General Motors"]
    );
    assert_eq!(column(&out.rows, "health"), ["unhealthy", "warning"]);
    // The MCS cohort: Ford and GM.
    let mcs = Query {
        cohort: Some("MCS".into()),
        ..all
    };
    let out = f.run(mcs).await;
    assert_eq!(out.summary["tenants"], 2);
    assert_eq!(out.summary["unhealthy"], 0);
    // A tenant with no metrics is "unknown".
    let out = f
        .run(query(
            SourceKey::Tenant,
            &["44444444-4444-4444-8444-444444444444"],
        ))
        .await;
    assert_eq!(out.summary["health"], "unknown");
}

#[tokio::test]
async fn docs_are_ranked_and_hostile_terms_are_harmless() {
    let f = Fixture::new();
    let q = Query {
        search_terms: vec!["policy tips".into()],
        ..Query::new(SourceKey::Docs)
    };
    let out = f.run(q).await;
    // "policy" is in dlp-tips.md (title and body) and audit.md (body); "tips" only in dlp-tips.
    assert_eq!(out.summary["total"], 2);
    assert_eq!(
        column(&out.rows, "path"),
        ["docs/dlp-tips.md", "docs/audit.md"]
    );
    assert_eq!(out.rows[0]["title"], "DLP policy tips");
    assert!(
        out.rows[0]["snippet"].as_str().unwrap().contains("**"),
        "{}",
        out.rows[0]["snippet"]
    );
    assert!(out.rows[0]["score"].as_f64().unwrap() > out.rows[1]["score"].as_f64().unwrap());

    for hostile in [
        vec!["NEAR(".to_string(), "\"".into(), "title:*".into()],
        vec!["') OR 1=1; DROP TABLE docs; --".into()],
        vec!["AND".into(), "OR".into(), "NOT".into(), "^label*".into()],
        vec!["\u{0}".into(), "\"\"\"".into()],
    ] {
        let q = Query {
            search_terms: hostile.clone(),
            ..Query::new(SourceKey::Docs)
        };
        let out = f.connectors[&SourceKey::Docs].run(&q).await;
        assert!(out.is_ok(), "{hostile:?}: {out:?}");
    }
    // "label*" searches the word "label" (stemmed: labels).
    let q = Query {
        search_terms: vec!["^label*".into()],
        ..Query::new(SourceKey::Docs)
    };
    assert_eq!(f.run(q).await.summary["total"], 1);
    // No words: nothing, no error.
    assert_eq!(f.run(Query::new(SourceKey::Docs)).await.summary["total"], 0);
}
