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
    Connector, ConnectorError, ContextItem, ErrorKind, Filters, ItemId, Query, QueryOutput,
    SourceKey, StatusFilter, TimeEvent, TimeRange,
};
use rusqlite::types::Value as SqlValue;
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
    store: Store,
    connectors: HashMap<SourceKey, Arc<dyn Connector>>,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::from_csv(fixture())
    }

    fn from_csv(from: &Path) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        import(dir.path(), from, &ProgressBar::hidden()).unwrap();
        let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
        let connectors = store
            .connectors_at(&HealthThresholds::default(), Some(now()))
            .into_iter()
            .map(|c| (c.source(), c))
            .collect();
        Fixture {
            _dir: dir,
            store,
            connectors,
        }
    }

    async fn run(&self, query: Query) -> QueryOutput {
        self.connectors[&query.source].run(&query).await.unwrap()
    }

    async fn fail(&self, query: Query) -> ConnectorError {
        self.connectors[&query.source]
            .run(&query)
            .await
            .unwrap_err()
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

// ---------------------------------------------------------------------------------------------
// The filters of DESIGN section 8 (states, exclusions, product areas, age, owner, item ids) and
// the time range's event column and inclusive end. Every expected answer is computed by a
// hand-written WHERE clause run with rusqlite on the same store file (never by the code under
// test), and also counted by hand so that a test cannot pass with both being wrong alike.
// ---------------------------------------------------------------------------------------------

/// Rows added to the small fixture for the filter tests (CSV lines appended to its files):
/// - cases 9 GM B Waiting area `dlp` (lower case) owner Aisha Khan, 10 Contoso C Resolved area
///   `DLP Endpoint` (not DLP), closed 02-27.
/// - incidents 500005 GM sev 4 Mitigated `DLPX rollout stuck` (not DLP), team `Purview DLP Service
///   Extended`; 500006 Contoso sev 25 Active `Teams messages not blocked by dlp policy` (DLP).
/// - work items 9006 Contoso Bug Active `Policy tips missing (DLP)` in `Purview\Portal` (DLP by
///   title), 9007 GM Feature New `Faster scans` in `Purview\DataMap\Service` (Data Map by path),
///   9008 GM DCR Active `DLPX support` in `Purview\Other\Service` (not DLP).
const EXTRA_ROWS: &[(&str, &str)] = &[
    (
        "cases.csv",
        "2602150000000009,22222222-2222-4222-8222-222222222222,Rule not matching,B,Waiting,dlp,2026-02-15T00:00:00Z,,Aisha Khan\n\
         2602260000000010,33333333-3333-4333-8333-333333333333,Device offline,C,Resolved,DLP Endpoint,2026-02-26T00:00:00Z,2026-02-27T00:00:00Z,Uma Patel\n",
    ),
    (
        "incidents.csv",
        "500005,22222222-2222-4222-8222-222222222222,4,Mitigated,DLPX rollout stuck,Purview DLP Service Extended,2026-02-20T00:00:00Z,2026-02-21T00:00:00Z,,\n\
         500006,33333333-3333-4333-8333-333333333333,25,Active,Teams messages not blocked by dlp policy,Purview DLP Service,2026-02-27T00:00:00Z,,,\n",
    ),
    (
        "work_items.csv",
        "9006,Bug,Active,Policy tips missing (DLP),Purview\\Portal,33333333-3333-4333-8333-333333333333,,2026-02-28T00:00:00Z,\n\
         9007,Feature,New,Faster scans,Purview\\DataMap\\Service,22222222-2222-4222-8222-222222222222,,2026-02-01T00:00:00Z,\n\
         9008,DCR,Active,DLPX support,Purview\\Other\\Service,22222222-2222-4222-8222-222222222222,,2026-02-02T00:00:00Z,\n",
    ),
];

/// The small fixture plus [`EXTRA_ROWS`], imported, with a plain read-only connection to the
/// same store file for the hand-written expectations.
struct Filtered {
    f: Fixture,
    db: rusqlite::Connection,
}

impl Filtered {
    fn new() -> Filtered {
        let csv = tempfile::tempdir().unwrap();
        for file in [
            "registry.csv",
            "cases.csv",
            "incidents.csv",
            "work_items.csv",
            "tenant_metrics.csv",
        ] {
            let mut text = std::fs::read_to_string(fixture().join(file)).unwrap();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            for (_, rows) in EXTRA_ROWS.iter().filter(|(name, _)| *name == file) {
                text.push_str(rows);
            }
            std::fs::write(csv.path().join(file), text).unwrap();
        }
        let f = Fixture::from_csv(csv.path());
        let db = rusqlite::Connection::open_with_flags(
            f.store.path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        Filtered { f, db }
    }

    /// The ids `sql` selects (its first column), as the connectors list them.
    fn truth(&self, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        let mut stmt = self.db.prepare(sql).unwrap();
        stmt.query_map(params, |row| row.get::<_, SqlValue>(0))
            .unwrap()
            .map(|v| match v.unwrap() {
                SqlValue::Integer(i) => i.to_string(),
                SqlValue::Text(t) => t,
                other => panic!("unexpected id {other:?}"),
            })
            .collect()
    }

    /// Case numbers matching `where_sql` (hand-written), newest first.
    fn cases(&self, where_sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        self.truth(
            &format!(
                "SELECT case_number FROM cases WHERE {where_sql} \
                 ORDER BY created_at DESC, case_number DESC"
            ),
            params,
        )
    }

    fn incidents(&self, where_sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        self.truth(
            &format!(
                "SELECT incident_id FROM incidents WHERE {where_sql} \
                 ORDER BY created_at DESC, incident_id DESC"
            ),
            params,
        )
    }

    fn work_items(&self, where_sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        self.truth(
            &format!(
                "SELECT id FROM work_items WHERE {where_sql} ORDER BY created_at DESC, id DESC"
            ),
            params,
        )
    }

    /// Runs `query` and checks its total, its ids and its rows against `expected`.
    async fn check(&self, query: Query, expected: &[String]) -> QueryOutput {
        let out = self.f.run(query.clone()).await;
        assert_eq!(
            out.summary["total"],
            json!(expected.len()),
            "{query:?}: {:?}",
            out.summary
        );
        assert_eq!(out.ids, expected, "{query:?}");
        let id_column = match query.source {
            SourceKey::Kusto => "CaseNumber",
            SourceKey::Icm => "IncidentId",
            _ => "Id",
        };
        let rows: Vec<String> = out
            .rows
            .iter()
            .map(|r| match &r[id_column] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(
            rows,
            expected[..expected.len().min(query.limit)],
            "{query:?}"
        );
        out
    }
}

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

fn secs(rfc3339: &str) -> i64 {
    at(rfc3339).timestamp()
}

fn range(from: &str, to: &str, to_inclusive: bool, event: TimeEvent) -> Option<TimeRange> {
    Some(TimeRange {
        to_inclusive,
        event,
        ..TimeRange::new(at(from), at(to), "test range")
    })
}

fn every_tenant(source: SourceKey) -> Query {
    Query {
        all_tenants: true,
        limit: 100,
        ..Query::new(source)
    }
}

fn with_filters(source: SourceKey, filters: Filters) -> Query {
    Query {
        filters,
        ..every_tenant(source)
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn item(source: SourceKey, id: &str) -> ItemId {
    ItemId {
        source,
        id: id.into(),
    }
}

#[tokio::test]
async fn an_item_stamped_exactly_at_to_counts_only_with_to_inclusive() {
    let t = Filtered::new();
    // Cases created in [02-27, 02-28 00:00]: 6 (02-27) and, at `to` exactly, 8 (02-28 00:00).
    let (from, to) = ("2026-02-27T00:00:00Z", "2026-02-28T00:00:00Z");
    let inclusive = t.cases(
        "created_at >= ?1 AND created_at <= ?2",
        [secs(from), secs(to)],
    );
    let exclusive = t.cases(
        "created_at >= ?1 AND created_at < ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(inclusive, ["2602280000000008", "2602270000000006"]);
    assert_eq!(exclusive, ["2602270000000006"]);
    for (to_inclusive, expected) in [(true, &inclusive), (false, &exclusive)] {
        let q = Query {
            time_range: range(from, to, to_inclusive, TimeEvent::Created),
            ..every_tenant(SourceKey::Kusto)
        };
        t.check(q, expected).await;
    }

    // Incidents in [02-25, 02-25 12:00]: 500001 is stamped at `to`.
    let (from, to) = ("2026-02-25T00:00:00Z", "2026-02-25T12:00:00Z");
    let inclusive = t.incidents(
        "created_at >= ?1 AND created_at <= ?2",
        [secs(from), secs(to)],
    );
    let exclusive = t.incidents(
        "created_at >= ?1 AND created_at < ?2",
        [secs(from), secs(to)],
    );
    assert_eq!((inclusive.len(), exclusive.len()), (1, 0));
    for (to_inclusive, expected) in [(true, &inclusive), (false, &exclusive)] {
        let q = Query {
            time_range: range(from, to, to_inclusive, TimeEvent::Created),
            ..every_tenant(SourceKey::Icm)
        };
        t.check(q, expected).await;
    }

    // Work items in [02-20, 02-26 00:00]: 9001 is stamped at `to`.
    let (from, to) = ("2026-02-20T00:00:00Z", "2026-02-26T00:00:00Z");
    let inclusive = t.work_items(
        "created_at >= ?1 AND created_at <= ?2",
        [secs(from), secs(to)],
    );
    let exclusive = t.work_items(
        "created_at >= ?1 AND created_at < ?2",
        [secs(from), secs(to)],
    );
    assert_eq!((inclusive, exclusive.clone()), (ids(&["9001"]), vec![]));
    for (to_inclusive, expected) in [(true, ids(&["9001"])), (false, exclusive)] {
        let q = Query {
            time_range: range(from, to, to_inclusive, TimeEvent::Created),
            ..every_tenant(SourceKey::Ado)
        };
        t.check(q, &expected).await;
    }

    // Tenant metrics in [02-01, 02-28 00:00]: Contoso's 02-28 values are at `to`; the latest
    // active_users is 250 with the end included and 500 (02-01) without.
    let (from, to) = ("2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z");
    for (to_inclusive, op) in [(true, "<="), (false, "<")] {
        let latest: f64 = t
            .db
            .query_row(
                &format!(
                    "SELECT value FROM tenant_metrics WHERE tenant_id = ?1 AND metric = 'active_users' \
                     AND date >= ?2 AND date {op} ?3 ORDER BY date DESC LIMIT 1"
                ),
                rusqlite::params![CONTOSO, secs(from), secs(to)],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(latest, if to_inclusive { 250.0 } else { 500.0 });
        let q = Query {
            time_range: range(from, to, to_inclusive, TimeEvent::Created),
            ..query(SourceKey::Tenant, &[CONTOSO])
        };
        let out = t.f.run(q).await;
        assert_eq!(
            out.summary["metrics"]["active_users"]["latest"], latest,
            "inclusive {to_inclusive}"
        );
    }
}

#[tokio::test]
async fn the_event_picks_the_time_column_or_fails_without_one() {
    let t = Filtered::new();
    // Cases closed in [01-06, 01-20 00:00]: 4 (closed 01-06 12:00) and 7 (closed 01-20 00:00,
    // at `to`); created in the same range: only 7 (01-15).
    let (from, to) = ("2026-01-06T00:00:00Z", "2026-01-20T00:00:00Z");
    let closed = t.cases(
        "closed_at >= ?1 AND closed_at <= ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(closed, ["2601150000000007", "2601050000000004"]);
    let q = Query {
        time_range: range(from, to, true, TimeEvent::Closed),
        ..every_tenant(SourceKey::Kusto)
    };
    t.check(q, &closed).await;
    let closed_exclusive = t.cases("closed_at >= ?1 AND closed_at < ?2", [secs(from), secs(to)]);
    assert_eq!(closed_exclusive, ["2601050000000004"]);
    let q = Query {
        time_range: range(from, to, false, TimeEvent::Closed),
        ..every_tenant(SourceKey::Kusto)
    };
    t.check(q, &closed_exclusive).await;
    let created = t.cases(
        "created_at >= ?1 AND created_at <= ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(created, ["2601150000000007"]);
    let q = Query {
        time_range: range(from, to, true, TimeEvent::Created),
        ..every_tenant(SourceKey::Kusto)
    };
    t.check(q, &created).await;

    // Incidents resolved in [01-07, 01-16 00:00]: 500003 (01-07 00:00) and 500004 (01-16 00:00,
    // at `to`); created in that range: only 500004 (500003 was created 01-06).
    let (from, to) = ("2026-01-07T00:00:00Z", "2026-01-16T00:00:00Z");
    let resolved = t.incidents(
        "resolved_at >= ?1 AND resolved_at <= ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(resolved, ["500004", "500003"]);
    let q = Query {
        time_range: range(from, to, true, TimeEvent::Closed),
        ..every_tenant(SourceKey::Icm)
    };
    t.check(q, &resolved).await;
    let created = t.incidents(
        "created_at >= ?1 AND created_at <= ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(created, ["500004"]);
    let q = Query {
        time_range: range(from, to, true, TimeEvent::Created),
        ..every_tenant(SourceKey::Icm)
    };
    t.check(q, &created).await;
    // Mitigated in February: 500002 (02-10) and 500005 (02-21); created in February are also
    // 500001 and 500006 (never mitigated).
    let (from, to) = ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z");
    let mitigated = t.incidents(
        "mitigated_at >= ?1 AND mitigated_at < ?2",
        [secs(from), secs(to)],
    );
    assert_eq!(mitigated, ["500005", "500002"]);
    let q = Query {
        time_range: range(from, to, false, TimeEvent::Mitigated),
        ..every_tenant(SourceKey::Icm)
    };
    t.check(q, &mitigated).await;

    // A source without the column says so instead of filtering on CreatedAt.
    for (source, event, reason) in [
        (
            SourceKey::Ado,
            TimeEvent::Closed,
            "work items have no closed date",
        ),
        (
            SourceKey::Ado,
            TimeEvent::Mitigated,
            "work items have no mitigated date",
        ),
        (
            SourceKey::Kusto,
            TimeEvent::Mitigated,
            "cases have no mitigated date",
        ),
    ] {
        let q = Query {
            time_range: range(from, to, false, event),
            ..every_tenant(source)
        };
        let err = t.f.fail(q).await;
        assert_eq!(err.kind, ErrorKind::BadQuery, "{err}");
        assert_eq!(err.message, format!("{source}: {reason}"));
    }
    // Work items that follow incidents do not apply the range, so its event cannot fail them.
    let q = Query {
        time_range: range(from, to, false, TimeEvent::Closed),
        context: vec![ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Icm,
            ids: ids(&["500001"]),
        }],
        ..every_tenant(SourceKey::Ado)
    };
    t.check(q, &t.work_items("incident_id = 500001", [])).await;

    // Tenant metrics have only Date: every event filters it alike.
    let base = Query {
        time_range: range(from, to, false, TimeEvent::Created),
        ..query(SourceKey::Tenant, &[FORD])
    };
    let created = t.f.run(base.clone()).await;
    for event in [TimeEvent::Closed, TimeEvent::Mitigated] {
        let q = Query {
            time_range: range(from, to, false, event),
            ..base.clone()
        };
        assert_eq!(t.f.run(q).await.summary, created.summary);
    }
}

#[tokio::test]
async fn exact_states_apply_per_source_and_unknown_ones_are_ignored() {
    let t = Filtered::new();
    let states = |list: &[&str]| Filters {
        states: ids(list),
        ..Filters::default()
    };
    // Waiting cases: 2 (Ford) and 9 (GM).
    let waiting = t.cases("status = 'Waiting'", []);
    assert_eq!(waiting, ["2602200000000002", "2602150000000009"]);
    t.check(
        with_filters(SourceKey::Kusto, states(&["Waiting"])),
        &waiting,
    )
    .await;
    // Mitigated incidents: 500005 and 500002.
    let mitigated = t.incidents("status = 'Mitigated'", []);
    assert_eq!(mitigated, ["500005", "500002"]);
    t.check(
        with_filters(SourceKey::Icm, states(&["Mitigated"])),
        &mitigated,
    )
    .await;
    // New work items: 9007 (02-01), 9003 (01-20), 9005 (01-16).
    let new = t.work_items("state = 'New'", []);
    assert_eq!(new, ["9007", "9003", "9005"]);
    t.check(with_filters(SourceKey::Ado, states(&["New"])), &new)
        .await;

    // One list for a multi-source request: each source applies the states it knows.
    let mixed = states(&["Waiting", "Mitigated", "New"]);
    t.check(with_filters(SourceKey::Kusto, mixed.clone()), &waiting)
        .await;
    t.check(with_filters(SourceKey::Icm, mixed.clone()), &mitigated)
        .await;
    t.check(with_filters(SourceKey::Ado, mixed), &new).await;

    // States a source does not know leave it unfiltered.
    let all_cases = t.cases("1", []);
    let all_incidents = t.incidents("1", []);
    let all_items = t.work_items("1", []);
    assert_eq!(
        (all_cases.len(), all_incidents.len(), all_items.len()),
        (10, 6, 8)
    );
    t.check(
        with_filters(SourceKey::Kusto, states(&["Mitigated", "New"])),
        &all_cases,
    )
    .await;
    t.check(
        with_filters(SourceKey::Icm, states(&["Waiting", "New"])),
        &all_incidents,
    )
    .await;
    t.check(
        with_filters(SourceKey::Ado, states(&["Waiting", "Mitigated"])),
        &all_items,
    )
    .await;

    // States combine with the status meaning: closed and Waiting is nothing.
    let q = with_filters(
        SourceKey::Kusto,
        Filters {
            status: Some(StatusFilter::Closed),
            ..states(&["Waiting"])
        },
    );
    t.check(q, &[]).await;
}

#[tokio::test]
async fn unresolved_incidents_are_active_or_mitigated() {
    let t = Filtered::new();
    let unresolved = t.incidents("status IN ('Active', 'Mitigated')", []);
    // 500006 and 500001 Active, 500005 and 500002 Mitigated.
    assert_eq!(unresolved, ["500006", "500001", "500005", "500002"]);
    let filters = Filters {
        status: Some(StatusFilter::Unresolved),
        ..Filters::default()
    };
    t.check(with_filters(SourceKey::Icm, filters.clone()), &unresolved)
        .await;
    // For cases and work items unresolved is open (not Resolved/Closed).
    let open_cases = t.cases("status NOT IN ('Resolved', 'Closed')", []);
    assert_eq!(open_cases.len(), 6);
    t.check(with_filters(SourceKey::Kusto, filters.clone()), &open_cases)
        .await;
    let open_items = t.work_items("state NOT IN ('Resolved', 'Closed')", []);
    assert_eq!(open_items.len(), 6);
    t.check(with_filters(SourceKey::Ado, filters), &open_items)
        .await;
}

#[tokio::test]
async fn excluded_severities_apply_to_their_own_kind() {
    let t = Filtered::new();
    let exclude = |list: &[&str]| Filters {
        exclude_severity: ids(list),
        ..Filters::default()
    };
    // Excluding Sev C drops cases 4, 6 and 10.
    let not_c = t.cases("severity <> 'C'", []);
    assert_eq!(not_c.len(), 7);
    t.check(with_filters(SourceKey::Kusto, exclude(&["C"])), &not_c)
        .await;
    // Incident digits do not touch cases.
    t.check(
        with_filters(SourceKey::Kusto, exclude(&["C", "25"])),
        &not_c,
    )
    .await;
    // Excluding Sev 2.5 drops 500002 and 500006; the letter is ignored by incidents.
    let not_25 = t.incidents("severity <> 25", []);
    assert_eq!(not_25, ["500001", "500005", "500004", "500003"]);
    t.check(with_filters(SourceKey::Icm, exclude(&["C", "25"])), &not_25)
        .await;
    // With a severity asked for too: Sev A or B, not C, open.
    let q = with_filters(
        SourceKey::Kusto,
        Filters {
            status: Some(StatusFilter::Open),
            severity: ids(&["A", "B"]),
            ..exclude(&["B"])
        },
    );
    let expected = t.cases(
        "severity IN ('A', 'B') AND severity <> 'B' AND status NOT IN ('Resolved', 'Closed')",
        [],
    );
    assert_eq!(expected, ["2602250000000001", "2512010000000005"]);
    t.check(q, &expected).await;
}

#[tokio::test]
async fn product_area_dlp_on_every_item_source() {
    let t = Filtered::new();
    let areas = |include: &[&str], exclude: &[&str]| Filters {
        product_areas: ids(include),
        exclude_product_areas: ids(exclude),
        ..Filters::default()
    };
    // Cases: ProductArea DLP in any case (1, 5, 8 and 9 `dlp`), not `DLP Endpoint` (10).
    let dlp_cases = t.cases("product_area IN ('DLP', 'dlp')", []);
    assert_eq!(
        dlp_cases,
        [
            "2602280000000008",
            "2602250000000001",
            "2602150000000009",
            "2512010000000005"
        ]
    );
    t.check(
        with_filters(SourceKey::Kusto, areas(&["DLP"], &[])),
        &dlp_cases,
    )
    .await;
    t.check(
        with_filters(SourceKey::Kusto, areas(&["dlp "], &[])),
        &dlp_cases,
    )
    .await;
    let other_cases = t.cases("product_area NOT IN ('DLP', 'dlp')", []);
    assert_eq!(other_cases.len(), 6);
    t.check(
        with_filters(SourceKey::Kusto, areas(&[], &["DLP"])),
        &other_cases,
    )
    .await;
    let two = t.cases("product_area IN ('DLP', 'dlp', 'eDiscovery')", []);
    assert_eq!(two.len(), 5);
    t.check(
        with_filters(SourceKey::Kusto, areas(&["DLP", "EDISCOVERY"], &[])),
        &two,
    )
    .await;

    // Incidents: `[DLP] ...` (500001) and `... by dlp policy` (500006); not `DLPX` (500005).
    let dlp_incidents = t.incidents("title LIKE '[DLP]%' OR title LIKE '% dlp %'", []);
    assert_eq!(dlp_incidents, ["500006", "500001"]);
    t.check(
        with_filters(SourceKey::Icm, areas(&["DLP"], &[])),
        &dlp_incidents,
    )
    .await;
    let other_incidents = t.incidents("NOT (title LIKE '[DLP]%' OR title LIKE '% dlp %')", []);
    assert_eq!(other_incidents.len(), 4);
    t.check(
        with_filters(SourceKey::Icm, areas(&[], &["dlp"])),
        &other_incidents,
    )
    .await;
    // A bracketed tag of several words: `[Insider Risk] outage`.
    let insider = t.incidents("title LIKE '[Insider Risk]%'", []);
    assert_eq!(insider, ["500004"]);
    t.check(
        with_filters(SourceKey::Icm, areas(&["insider risk"], &[])),
        &insider,
    )
    .await;

    // Work items: by area path (9001, 9004 `Purview\DLP\...`) or by title (9006 `(DLP)`); not
    // `DLPX support` (9008).
    let dlp_items = t.work_items(
        "area_path LIKE 'Purview\\DLP\\%' OR title LIKE '%(DLP)%'",
        [],
    );
    assert_eq!(dlp_items, ["9006", "9001", "9004"]);
    t.check(
        with_filters(SourceKey::Ado, areas(&["DLP"], &[])),
        &dlp_items,
    )
    .await;
    let other_items = t.work_items(
        "NOT (area_path LIKE 'Purview\\DLP\\%' OR title LIKE '%(DLP)%')",
        [],
    );
    assert_eq!(other_items.len(), 5);
    t.check(
        with_filters(SourceKey::Ado, areas(&[], &["DLP"])),
        &other_items,
    )
    .await;
    // "Data Map" is `DataMap` in an area path (9007).
    let data_map = t.work_items("area_path LIKE '%\\DataMap\\%'", []);
    assert_eq!(data_map, ["9007"]);
    t.check(
        with_filters(SourceKey::Ado, areas(&["Data Map"], &[])),
        &data_map,
    )
    .await;
    // Include and exclude together: DLP but not Insider Risk (no overlap) = DLP.
    t.check(
        with_filters(SourceKey::Ado, areas(&["DLP"], &["Insider Risk"])),
        &dlp_items,
    )
    .await;
}

#[tokio::test]
async fn created_before_keeps_items_created_at_or_before_the_instant() {
    let t = Filtered::new();
    let before = |instant: &str| Filters {
        created_before: Some(at(instant)),
        ..Filters::default()
    };
    // Case 3 was created exactly at 02-10 08:00: kept, with 7, 4, 5.
    let instant = "2026-02-10T08:00:00Z";
    let cases = t.cases("created_at <= ?1", [secs(instant)]);
    assert_eq!(
        cases,
        [
            "2602100000000003",
            "2601150000000007",
            "2601050000000004",
            "2512010000000005"
        ]
    );
    t.check(with_filters(SourceKey::Kusto, before(instant)), &cases)
        .await;
    // Incident 500002 exactly at 02-10 10:00: kept, with 500004 and 500003.
    let instant = "2026-02-10T10:00:00Z";
    let incidents = t.incidents("created_at <= ?1", [secs(instant)]);
    assert_eq!(incidents, ["500002", "500004", "500003"]);
    t.check(with_filters(SourceKey::Icm, before(instant)), &incidents)
        .await;
    // Work item 9003 exactly at 01-20: kept, with 9005 and 9004.
    let instant = "2026-01-20T00:00:00Z";
    let items = t.work_items("created_at <= ?1", [secs(instant)]);
    assert_eq!(items, ["9003", "9005", "9004"]);
    t.check(with_filters(SourceKey::Ado, before(instant)), &items)
        .await;
    // With a time range too: created in February and before 02-20 = 3 and 9 (and 2 at 02-20 09:00
    // is after the instant).
    let q = Query {
        time_range: range(
            "2026-02-01T00:00:00Z",
            "2026-03-01T00:00:00Z",
            false,
            TimeEvent::Created,
        ),
        ..with_filters(SourceKey::Kusto, before("2026-02-20T00:00:00Z"))
    };
    let expected = t.cases(
        "created_at >= ?1 AND created_at < ?2 AND created_at <= ?3",
        [
            secs("2026-02-01T00:00:00Z"),
            secs("2026-03-01T00:00:00Z"),
            secs("2026-02-20T00:00:00Z"),
        ],
    );
    assert_eq!(expected, ["2602150000000009", "2602100000000003"]);
    t.check(q, &expected).await;
    // Tenant health ignores it.
    let plain = t.f.run(query(SourceKey::Tenant, &[FORD])).await;
    let q = Query {
        filters: before(instant),
        ..query(SourceKey::Tenant, &[FORD])
    };
    assert_eq!(t.f.run(q).await.summary, plain.summary);
}

#[tokio::test]
async fn owner_is_the_whole_name_in_any_case() {
    let t = Filtered::new();
    let owner = |name: &str| Filters {
        owner: Some(name.into()),
        ..Filters::default()
    };
    // Ben Carter owns cases 2 and 3.
    let ben = t.cases("owner = 'Ben Carter'", []);
    assert_eq!(ben, ["2602200000000002", "2602100000000003"]);
    t.check(with_filters(SourceKey::Kusto, owner("ben CARTER")), &ben)
        .await;
    // A part of a name is not the owner.
    t.check(with_filters(SourceKey::Kusto, owner("Ben")), &[])
        .await;
    // Incidents: the owning team, whole (not `Purview DLP Service Extended`): 500006, 500001.
    let team = t.incidents("owning_team = 'Purview DLP Service'", []);
    assert_eq!(team, ["500006", "500001"]);
    t.check(
        with_filters(SourceKey::Icm, owner(" purview dlp service ")),
        &team,
    )
    .await;
    // Work items have no owner: a bad query, not every work item.
    let err =
        t.f.fail(with_filters(SourceKey::Ado, owner("Aisha Khan")))
            .await;
    assert_eq!(err.kind, ErrorKind::BadQuery);
    assert_eq!(err.message, "ado: work items have no owner to filter on");
}

#[tokio::test]
async fn item_ids_look_up_their_own_source_only() {
    let t = Filtered::new();
    let items = |list: Vec<ItemId>| Filters {
        item_ids: list,
        ..Filters::default()
    };
    let no_scope = |source, filters| Query {
        filters,
        limit: 100,
        ..Query::new(source)
    };
    // Cases by number, without a tenant scope: the id names the item.
    let case_ids = items(vec![
        item(SourceKey::Kusto, "2602100000000003"),
        item(SourceKey::Kusto, " 2601150000000007 "),
        item(SourceKey::Icm, "500001"),
    ]);
    let cases = t.cases(
        "case_number IN ('2602100000000003', '2601150000000007')",
        [],
    );
    assert_eq!(cases.len(), 2);
    t.check(no_scope(SourceKey::Kusto, case_ids.clone()), &cases)
        .await;
    // A caller scoped to Ford never sees GM's case 7.
    let ford_only = t.cases(
        "case_number IN ('2602100000000003', '2601150000000007') AND tenant_id = ?1",
        [FORD],
    );
    assert_eq!(ford_only, ["2602100000000003"]);
    let q = Query {
        filters: case_ids.clone(),
        ..query(SourceKey::Kusto, &[FORD])
    };
    t.check(q, &ford_only).await;
    // Nor does a cohort scope (IC is Contoso only).
    let q = Query {
        cohort: Some("IC".into()),
        ..every_tenant(SourceKey::Kusto)
    };
    t.check(
        Query {
            filters: case_ids,
            ..q
        },
        &[],
    )
    .await;

    // Incidents by id; a non-numeric id matches nothing and is not an error.
    let incidents = t.incidents("incident_id IN (500002, 500004)", []);
    assert_eq!(incidents, ["500002", "500004"]);
    let q = no_scope(
        SourceKey::Icm,
        items(vec![
            item(SourceKey::Icm, "500002"),
            item(SourceKey::Icm, "ICM-500003"),
            item(SourceKey::Icm, "500004"),
            item(SourceKey::Ado, "9001"),
        ]),
    );
    t.check(q, &incidents).await;
    let q = no_scope(
        SourceKey::Icm,
        items(vec![item(SourceKey::Icm, "not-a-number")]),
    );
    t.check(q, &[]).await;

    // Work items by id.
    let work_items = t.work_items("id = 9005", []);
    assert_eq!(work_items, ["9005"]);
    let q = no_scope(SourceKey::Ado, items(vec![item(SourceKey::Ado, "9005")]));
    t.check(q, &work_items).await;
    // Other filters still apply: 9005 is New, not Closed.
    let q = no_scope(
        SourceKey::Ado,
        Filters {
            states: ids(&["Closed"]),
            ..items(vec![item(SourceKey::Ado, "9005")])
        },
    );
    t.check(q, &[]).await;

    // Ids of other sources do not narrow a source: Ford's cases, all five.
    let q = Query {
        filters: items(vec![
            item(SourceKey::Icm, "500001"),
            item(SourceKey::Ado, "9001"),
        ]),
        ..query(SourceKey::Kusto, &[FORD])
    };
    t.check(q, &t.cases("tenant_id = ?1", [FORD])).await;
    // ... and do not stand in for its tenant scope.
    let err =
        t.f.fail(no_scope(
            SourceKey::Kusto,
            items(vec![item(SourceKey::Icm, "500001")]),
        ))
        .await;
    assert_eq!(err.kind, ErrorKind::BadQuery);
}

#[tokio::test]
async fn the_store_lists_its_product_areas() {
    let f = Fixture::new();
    assert_eq!(
        f.store.product_areas().unwrap(),
        [
            "Audit",
            "Data Map",
            "DLP",
            "eDiscovery",
            "Insider Risk",
            "Sensitivity Labels"
        ]
    );
    let t = Filtered::new();
    let expected = t.truth(
        "SELECT DISTINCT product_area FROM cases ORDER BY lower(product_area), product_area",
        [],
    );
    assert_eq!(t.f.store.product_areas().unwrap(), expected);
    assert!(expected.contains(&"dlp".to_string()) && expected.contains(&"DLP Endpoint".into()));
}
