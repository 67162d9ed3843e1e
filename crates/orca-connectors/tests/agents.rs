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

// ---------------------------------------------------------------------------------------------
// Intents (issue 12). The truth is counted with hand-written SQL against the same store file,
// opened with rusqlite directly, never through the agents.

use orca_connectors::{GenerateOptions, generate};
use orca_core::shape::{
    Bucket, Direction, GroupBy, Intent, Measure, Order, Shape, Shaped, Sort, SortKey,
};

/// A generated store (40 customers) and a plain connection to its file for the truth.
struct Generated {
    _dir: tempfile::TempDir,
    sql: rusqlite::Connection,
    connectors: HashMap<SourceKey, Arc<dyn Connector>>,
}

impl Generated {
    fn new() -> Generated {
        let dir = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            seed: 7,
            customers: Some(40),
            scale: 1.5,
            now: now(),
        };
        generate(dir.path(), &opts, &ProgressBar::hidden()).unwrap();
        let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
        let connectors = store
            .connectors_at(&HealthThresholds::default(), Some(now()))
            .into_iter()
            .map(|c| (c.source(), c))
            .collect();
        let sql = rusqlite::Connection::open(orca_connectors::store::db_path(dir.path())).unwrap();
        Generated {
            _dir: dir,
            sql,
            connectors,
        }
    }

    async fn run(&self, query: Query) -> QueryOutput {
        self.connectors[&query.source].run(&query).await.unwrap()
    }

    /// `(text, number)` rows of a hand-written query.
    fn pairs(&self, sql: &str, params: impl rusqlite::Params) -> Vec<(String, f64)> {
        let mut stmt = self.sql.prepare(sql).unwrap();
        stmt.query_map(params, |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn number(&self, sql: &str, params: impl rusqlite::Params) -> f64 {
        self.sql.query_row(sql, params, |r| r.get(0)).unwrap()
    }

    fn ford(&self) -> String {
        self.sql
            .query_row(
                "SELECT tenant_id FROM registry WHERE name = 'Ford Motor Company'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }
}

fn shaped(source: SourceKey, shape: Shape) -> Query {
    Query {
        shape,
        ..every_tenant(source)
    }
}

fn shape(intent: Intent) -> Shape {
    Shape {
        intent,
        ..Shape::default()
    }
}

fn open(mut query: Query) -> Query {
    query.filters.status = Some(StatusFilter::Open);
    query
}

fn rank_shape(limit: usize, order: Order) -> Shape {
    Shape {
        group_by: Some(GroupBy::Customer),
        limit: Some(limit),
        sort: Some(Sort {
            by: SortKey::Value,
            order,
        }),
        ..shape(Intent::Rank)
    }
}

/// `(name, tenant, value)` of a ranking.
fn ranked(out: &Shaped) -> Vec<(String, String, f64)> {
    out.ranking
        .iter()
        .map(|r| {
            (
                r.customer.name.clone(),
                r.customer.tenant_id.clone(),
                r.value,
            )
        })
        .collect()
}

/// The first `limit` entries of an ordered list and every entry tied with the last of them.
fn with_ties<T: Clone>(all: &[T], limit: usize, value: impl Fn(&T) -> f64) -> Vec<T> {
    let mut kept: Vec<T> = all.iter().take(limit).cloned().collect();
    if let Some(last) = kept.last().map(&value) {
        kept.extend(
            all.iter()
                .skip(limit)
                .take_while(|e| value(e) == last)
                .cloned(),
        );
    }
    kept
}

#[tokio::test]
async fn rank_counts_per_customer_like_hand_written_sql_with_ties_kept() {
    let g = Generated::new();
    let sources = [
        (
            SourceKey::Kusto,
            "cases",
            "t.status NOT IN ('Resolved', 'Closed')",
        ),
        (SourceKey::Icm, "incidents", "t.status = 'Active'"),
        (
            SourceKey::Ado,
            "work_items",
            "t.state NOT IN ('Resolved', 'Closed')",
        ),
    ];
    let mut ties_seen = 0;
    for (source, table, open_sql) in sources {
        for (order, sql_order) in [(Order::Desc, "DESC"), (Order::Asc, "ASC")] {
            let truth: Vec<(String, String, f64)> = {
                let sql = format!(
                    "SELECT r.name, t.tenant_id, count(*) AS n FROM {table} t \
                     JOIN registry r ON r.tenant_id = t.tenant_id WHERE {open_sql} \
                     GROUP BY t.tenant_id ORDER BY n {sql_order}, r.name"
                );
                let mut stmt = g.sql.prepare(&sql).unwrap();
                stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            assert!(truth.len() > 10, "{source}: {} customers", truth.len());
            for limit in [1, 3, 5, 10] {
                let out = g.run(open(shaped(source, rank_shape(limit, order)))).await;
                let expected = with_ties(&truth, limit, |e| e.2);
                if expected.len() > limit {
                    ties_seen += 1;
                }
                assert_eq!(
                    ranked(&out.shaped),
                    expected,
                    "{source} {order:?} top {limit}"
                );
                assert_eq!(out.shaped.truncated, truth.len() > expected.len());
                assert!(out.rows.is_empty() && out.ids.is_empty());
            }
        }
    }
    assert!(
        ties_seen > 0,
        "the data set must hold ties for this test to mean something"
    );
}

#[tokio::test]
async fn rank_keeps_every_customer_tied_with_the_last_entry() {
    let f = Fixture::new();
    // Open cases: Ford 3 (1, 2, 5), GM 1 (6), Contoso 1 (8).
    let rank = |limit| Query {
        filters: Filters {
            status: Some(StatusFilter::Open),
            ..Filters::default()
        },
        shape: Shape {
            limit: Some(limit),
            ..shape(Intent::Rank)
        },
        ..every_tenant(SourceKey::Kusto)
    };
    let out = f.run(rank(2)).await;
    let names: Vec<(&str, f64)> = out
        .shaped
        .ranking
        .iter()
        .map(|r| (r.customer.name.as_str(), r.value))
        .collect();
    assert_eq!(
        names,
        [
            ("Ford Motor Company", 3.0),
            ("Contoso, Ltd.", 1.0),
            ("General Motors", 1.0)
        ]
    );
    assert!(!out.shaped.truncated);
    assert_eq!(out.shaped.ranking[0].customer.tenant_id, FORD);
    let out = f.run(rank(1)).await;
    assert_eq!(out.shaped.ranking.len(), 1);
    assert!(out.shaped.truncated);
    // The summary is the count's, whatever the intent.
    let count = f.run(rank(1)).await.summary;
    let mut plain = rank(1);
    plain.shape = Shape::default();
    assert_eq!(count, f.run(plain).await.summary);
}

#[tokio::test]
async fn rank_by_a_measure_uses_the_measure() {
    let g = Generated::new();
    let query = Query {
        shape: Shape {
            measure: Measure::MeanTimeToMitigateHours,
            ..rank_shape(3, Order::Desc)
        },
        ..every_tenant(SourceKey::Icm)
    };
    let out = g.run(query).await;
    let truth = g.pairs(
        "SELECT t.tenant_id, round(avg((mitigated_at - created_at) / 3600.0), 1) AS h \
         FROM incidents t WHERE mitigated_at IS NOT NULL GROUP BY tenant_id \
         ORDER BY h DESC, (SELECT name FROM registry r WHERE r.tenant_id = t.tenant_id)",
        [],
    );
    let expected = with_ties(&truth, 3, |e| e.1);
    let got: Vec<(String, f64)> = out
        .shaped
        .ranking
        .iter()
        .map(|r| (r.customer.tenant_id.clone(), r.value))
        .collect();
    assert_eq!(got, expected);
}

/// Expected groups: `(key, count)` sorted by count desc then key, with shares of `total`.
fn expected_groups(mut counts: Vec<(String, f64)>, total: f64) -> Vec<(String, f64, f64)> {
    counts.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
        .into_iter()
        .map(|(k, n)| (k, n, (n / total * 1000.0).round() / 1000.0))
        .collect()
}

fn groups_of(out: &QueryOutput) -> Vec<(String, f64, f64)> {
    out.shaped
        .groups
        .iter()
        .map(|g| (g.key.clone(), g.value, g.share))
        .collect()
}

/// The demo data's AreaPath keys and their product areas, written out by hand.
fn area_named(key: &str) -> String {
    match key {
        "InformationProtection" => "Sensitivity Labels",
        "DataMap" => "Data Map",
        "InsiderRisk" => "Insider Risk",
        "DataLifecycle" => "Retention",
        "CommunicationCompliance" => "Communication Compliance",
        other => other,
    }
    .to_string()
}

#[tokio::test]
async fn breakdowns_match_hand_written_sql_for_every_group_of_every_source() {
    let g = Generated::new();
    // Filters shared with the count: Sev A and B cases, open items, the last 120 days.
    let since = secs("2025-11-01T00:00:00Z");
    let window = range(
        "2025-11-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
        false,
        TimeEvent::Created,
    );
    let by_name =
        "SELECT r.name, count(*) FROM {table} t JOIN registry r ON r.tenant_id = t.tenant_id";
    let cases_where = "WHERE t.severity IN ('A', 'B') AND t.created_at >= ?1 AND t.created_at < ?2";
    let incidents_where =
        "WHERE t.status <> 'Resolved' AND t.created_at >= ?1 AND t.created_at < ?2";
    let work_items_where =
        "WHERE t.state NOT IN ('Resolved', 'Closed') AND t.created_at >= ?1 AND t.created_at < ?2";
    let checks: Vec<(SourceKey, GroupBy, String, &str)> = vec![
        (
            SourceKey::Kusto,
            GroupBy::ProductArea,
            "SELECT product_area, count(*) FROM cases t".into(),
            cases_where,
        ),
        (
            SourceKey::Kusto,
            GroupBy::Severity,
            "SELECT severity, count(*) FROM cases t".into(),
            cases_where,
        ),
        (
            SourceKey::Kusto,
            GroupBy::Status,
            "SELECT status, count(*) FROM cases t".into(),
            cases_where,
        ),
        (
            SourceKey::Kusto,
            GroupBy::Owner,
            "SELECT owner, count(*) FROM cases t".into(),
            cases_where,
        ),
        (
            SourceKey::Kusto,
            GroupBy::Customer,
            by_name.replace("{table}", "cases"),
            cases_where,
        ),
        (
            SourceKey::Icm,
            GroupBy::Severity,
            "SELECT severity || '', count(*) FROM incidents t".into(),
            incidents_where,
        ),
        (
            SourceKey::Icm,
            GroupBy::Status,
            "SELECT status, count(*) FROM incidents t".into(),
            incidents_where,
        ),
        (
            SourceKey::Icm,
            GroupBy::Owner,
            "SELECT owning_team, count(*) FROM incidents t".into(),
            incidents_where,
        ),
        (
            SourceKey::Icm,
            GroupBy::Customer,
            by_name.replace("{table}", "incidents"),
            incidents_where,
        ),
        (
            SourceKey::Icm,
            GroupBy::ProductArea,
            "SELECT CASE WHEN title LIKE '[%]%' THEN substr(title, 2, instr(title, ']') - 2) \
             ELSE '(none)' END, count(*) FROM incidents t"
                .into(),
            incidents_where,
        ),
        (
            SourceKey::Ado,
            GroupBy::WorkItemType,
            "SELECT work_item_type, count(*) FROM work_items t".into(),
            work_items_where,
        ),
        (
            SourceKey::Ado,
            GroupBy::Status,
            "SELECT state, count(*) FROM work_items t".into(),
            work_items_where,
        ),
        (
            SourceKey::Ado,
            GroupBy::Customer,
            by_name.replace("{table}", "work_items"),
            work_items_where,
        ),
    ];
    for (source, group_by, select, filter) in checks {
        let mut query = shaped(
            source,
            Shape {
                group_by: Some(group_by),
                ..shape(Intent::Breakdown)
            },
        );
        query.time_range = window.clone();
        match source {
            SourceKey::Kusto => query.filters.severity = vec!["A".into(), "B".into()],
            SourceKey::Icm => query.filters.status = Some(StatusFilter::Unresolved),
            _ => query.filters.status = Some(StatusFilter::Open),
        }
        let out = g.run(query).await;
        let counts = g.pairs(
            &format!("{select} {filter} GROUP BY 1"),
            [since, secs("2026-03-01T00:00:00Z")],
        );
        let total: f64 = counts.iter().map(|c| c.1).sum();
        assert!(total > 20.0, "{source} {group_by:?}: {total} items");
        assert!(counts.len() > 1, "{source} {group_by:?}");
        assert_eq!(out.summary["total"], total as i64, "{source} {group_by:?}");
        assert_eq!(
            groups_of(&out),
            expected_groups(counts, total),
            "{source} {group_by:?}"
        );
        assert!(out.rows.is_empty());
    }

    // Work items by product area: the AreaPath's second segment, the demo keys named.
    let paths = g.pairs(
        "SELECT area_path, count(*) FROM work_items t \
         WHERE t.state NOT IN ('Resolved', 'Closed') GROUP BY 1",
        [],
    );
    let mut counts: Vec<(String, f64)> = Vec::new();
    for (path, n) in paths {
        let key = area_named(path.split('\\').nth(1).unwrap_or("(none)"));
        match counts.iter_mut().find(|c| c.0 == key) {
            Some(c) => c.1 += n,
            None => counts.push((key, n)),
        }
    }
    let total: f64 = counts.iter().map(|c| c.1).sum();
    let out = g
        .run(open(shaped(
            SourceKey::Ado,
            Shape {
                group_by: Some(GroupBy::ProductArea),
                ..shape(Intent::Breakdown)
            },
        )))
        .await;
    assert!(counts.iter().any(|c| c.0 == "Sensitivity Labels"));
    assert_eq!(groups_of(&out), expected_groups(counts, total));
}

#[tokio::test]
async fn incidents_without_an_area_tag_and_odd_area_paths_group_as_none() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["registry.csv", "cases.csv"] {
        std::fs::copy(fixture().join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(
        dir.path().join("incidents.csv"),
        "IncidentId,TenantId,Severity,Status,Title,OwningTeam,CreatedAt,MitigatedAt,ResolvedAt,CaseNumber\n\
         1,11111111-1111-4111-8111-111111111111,2,Active,[DLP] sync,T,2026-02-01T00:00:00Z,,,\n\
         2,11111111-1111-4111-8111-111111111111,3,Active,no tag here,T,2026-02-01T00:00:00Z,,,\n\
         3,11111111-1111-4111-8111-111111111111,3,Active,[] empty tag,T,2026-02-01T00:00:00Z,,,\n\
         4,11111111-1111-4111-8111-111111111111,4,Active,[Data Map] scan,T,2026-02-01T00:00:00Z,,,\n\
         5,11111111-1111-4111-8111-111111111111,4,Active,[DLP] again,T,2026-02-01T00:00:00Z,,,\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("work_items.csv"),
        "Id,WorkItemType,State,Title,AreaPath,TenantId,Tags,CreatedAt,IncidentId\n\
         1,Bug,New,a,Purview\\DLP\\Client,11111111-1111-4111-8111-111111111111,,2026-02-01T00:00:00Z,\n\
         2,Bug,New,b,Purview,11111111-1111-4111-8111-111111111111,,2026-02-01T00:00:00Z,\n\
         3,Bug,New,c,Purview\\DataMap,11111111-1111-4111-8111-111111111111,,2026-02-01T00:00:00Z,\n\
         4,Bug,New,d,Other\\Billing\\X,11111111-1111-4111-8111-111111111111,,2026-02-01T00:00:00Z,\n",
    )
    .unwrap();
    let f = Fixture::from_csv(dir.path());
    let by_area = |source| Query {
        shape: Shape {
            group_by: Some(GroupBy::ProductArea),
            ..shape(Intent::Breakdown)
        },
        ..query(source, &[FORD])
    };
    let keys = |out: &QueryOutput| -> Vec<(String, f64)> {
        out.shaped
            .groups
            .iter()
            .map(|g| (g.key.clone(), g.value))
            .collect()
    };
    let out = f.run(by_area(SourceKey::Icm)).await;
    assert_eq!(
        keys(&out),
        [
            ("(none)".to_string(), 2.0),
            ("DLP".into(), 2.0),
            ("Data Map".into(), 1.0)
        ]
    );
    assert_eq!(out.shaped.groups[0].share, 0.4);
    let out = f.run(by_area(SourceKey::Ado)).await;
    assert_eq!(
        keys(&out),
        [
            ("(none)".to_string(), 1.0),
            ("Billing".into(), 1.0),
            ("DLP".into(), 1.0),
            ("Data Map".into(), 1.0)
        ]
    );
}

#[tokio::test]
async fn week_buckets_start_on_monday_and_keep_empty_weeks() {
    let f = Fixture::new();
    // Ford's cases: 01-05 (a Monday), 02-10, 02-20, 02-25 in [2026-01-01, 2026-03-01).
    let query = Query {
        time_range: range(
            "2026-01-01T00:00:00Z",
            "2026-03-01T00:00:00Z",
            false,
            TimeEvent::Created,
        ),
        shape: Shape {
            bucket: Some(Bucket::Week),
            ..shape(Intent::Trend)
        },
        ..query(SourceKey::Kusto, &[FORD])
    };
    let out = f.run(query).await;
    let series: Vec<(String, String, f64)> = out
        .shaped
        .series
        .iter()
        .map(|p| {
            (
                p.start.format("%m-%d %a").to_string(),
                p.end.format("%m-%d").to_string(),
                p.value,
            )
        })
        .collect();
    let expected: Vec<(String, String, f64)> = [
        ("12-29 Mon", "01-05", 0.0),
        ("01-05 Mon", "01-12", 1.0),
        ("01-12 Mon", "01-19", 0.0),
        ("01-19 Mon", "01-26", 0.0),
        ("01-26 Mon", "02-02", 0.0),
        ("02-02 Mon", "02-09", 0.0),
        ("02-09 Mon", "02-16", 1.0),
        ("02-16 Mon", "02-23", 1.0),
        ("02-23 Mon", "03-01", 1.0),
    ]
    .iter()
    .map(|(s, e, v)| (s.to_string(), e.to_string(), *v))
    .collect();
    assert_eq!(series, expected);
    assert_eq!(out.shaped.bucket, Some(Bucket::Week));
    let change = out.shaped.change.clone().unwrap();
    assert_eq!((change.from_value, change.to_value), (0.0, 1.0));
    assert_eq!(change.direction, Direction::Up);
    assert_eq!(out.summary["total"], 4);
}

#[tokio::test]
async fn trends_match_hand_written_counts_per_bucket_on_the_event_column() {
    let g = Generated::new();
    let ford = g.ford();
    let cases: [(SourceKey, TimeEvent, &str); 5] = [
        (
            SourceKey::Kusto,
            TimeEvent::Created,
            "SELECT count(*) FROM cases WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3",
        ),
        (
            SourceKey::Kusto,
            TimeEvent::Closed,
            "SELECT count(*) FROM cases WHERE tenant_id = ?1 AND closed_at >= ?2 AND closed_at < ?3",
        ),
        (
            SourceKey::Icm,
            TimeEvent::Mitigated,
            "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND mitigated_at >= ?2 AND mitigated_at < ?3",
        ),
        (
            SourceKey::Icm,
            TimeEvent::Closed,
            "SELECT count(*) FROM incidents WHERE tenant_id = ?1 AND resolved_at >= ?2 AND resolved_at < ?3",
        ),
        (
            SourceKey::Ado,
            TimeEvent::Created,
            "SELECT count(*) FROM work_items WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3",
        ),
    ];
    let (from, to) = ("2025-09-10T00:00:00Z", "2026-03-01T00:00:00Z");
    for (source, event, count_sql) in cases {
        for bucket in [Bucket::Day, Bucket::Week, Bucket::Month] {
            let query = Query {
                time_range: range(from, to, false, event),
                shape: Shape {
                    bucket: Some(bucket),
                    ..shape(Intent::Trend)
                },
                ..query(source, &[&ford])
            };
            let out = g.run(query).await;
            let series = &out.shaped.series;
            let first = series.first().unwrap();
            let last = series.last().unwrap();
            let expected_first = match bucket {
                Bucket::Day => "2025-09-10",
                Bucket::Week => "2025-09-08",
                Bucket::Month => "2025-09-01",
            };
            assert_eq!(first.start.format("%Y-%m-%d").to_string(), expected_first);
            assert_eq!(last.end, at(to));
            let mut sum = 0.0;
            for (i, p) in series.iter().enumerate() {
                if i > 0 {
                    assert_eq!(p.start, series[i - 1].end, "contiguous buckets");
                }
                let lo = p.start.timestamp().max(secs(from));
                let n = g.number(count_sql, rusqlite::params![ford, lo, p.end.timestamp()]);
                assert_eq!(p.value, n, "{source} {event:?} {bucket:?} {}", p.start);
                sum += n;
            }
            assert!(sum > 5.0, "{source} {event:?}: {sum}");
            assert!(series.iter().any(|p| p.value == 0.0) || bucket != Bucket::Day);
            assert_eq!(out.summary["total"], sum as i64);
            let change = out.shaped.change.clone().unwrap();
            assert_eq!(
                (change.from_value, change.to_value),
                (first.value, last.value)
            );
        }
    }
}

#[tokio::test]
async fn lists_sort_as_asked_and_say_when_truncated() {
    let g = Generated::new();
    let list = |source, by, order, limit| Query {
        limit,
        shape: Shape {
            sort: Some(Sort { by, order }),
            ..shape(Intent::List)
        },
        ..every_tenant(source)
    };
    // "The 5 oldest open cases".
    let out = g
        .run(open(list(
            SourceKey::Kusto,
            SortKey::Created,
            Order::Asc,
            5,
        )))
        .await;
    let truth = g.pairs(
        "SELECT case_number, created_at FROM cases WHERE status IN ('Active', 'Waiting') \
         ORDER BY created_at, case_number LIMIT 5",
        [],
    );
    let keys: Vec<String> = truth.into_iter().map(|t| t.0).collect();
    assert_eq!(column(&out.rows, "CaseNumber"), keys);
    assert_eq!(out.shaped.limit, Some(5));
    assert!(out.shaped.truncated);
    assert_eq!(out.shaped.sort.unwrap().order, Order::Asc);

    // Most severe incidents first: 0, 1, 2, 2.5 (stored 25), 3, 4; then newest, then highest id.
    let out = g
        .run(list(SourceKey::Icm, SortKey::Severity, Order::Desc, 100))
        .await;
    let truth = g.pairs(
        "SELECT CAST(incident_id AS TEXT), severity FROM incidents ORDER BY \
         CASE severity WHEN 0 THEN 0 WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 25 THEN 3 WHEN 3 THEN 4 ELSE 5 END, \
         created_at DESC, incident_id DESC LIMIT 100",
        [],
    );
    let ids: Vec<Value> = truth
        .iter()
        .map(|t| json!(t.0.parse::<i64>().unwrap()))
        .collect();
    assert_eq!(column(&out.rows, "IncidentId"), ids);
    let severities: Vec<f64> = truth.iter().map(|t| t.1).collect();
    assert!(severities.contains(&1.0) && severities.contains(&2.0));
    assert!(out.shaped.truncated);

    // Least severe cases first; newest first without a sort; a list that fits is not truncated.
    let out = g
        .run(list(SourceKey::Kusto, SortKey::Severity, Order::Asc, 30))
        .await;
    let truth = g.pairs(
        "SELECT case_number, 0 FROM cases ORDER BY severity DESC, created_at DESC, case_number DESC LIMIT 30",
        [],
    );
    assert_eq!(
        column(&out.rows, "CaseNumber"),
        truth.into_iter().map(|t| t.0).collect::<Vec<_>>()
    );
    let total = g.number("SELECT count(*) FROM work_items", []) as usize;
    let mut all = list(SourceKey::Ado, SortKey::Created, Order::Desc, total);
    all.shape.sort = None;
    let out = g.run(all).await;
    assert_eq!(out.rows.len(), total);
    assert!(!out.shaped.truncated);
    assert_eq!(out.shaped.limit, Some(total));
    let newest = g.number("SELECT max(id) FROM work_items WHERE created_at = (SELECT max(created_at) FROM work_items)", []);
    assert_eq!(out.rows[0]["Id"], newest as i64);
}

#[tokio::test]
async fn aggregates_match_hand_written_sql() {
    let g = Generated::new();
    let measure = |measure| Shape {
        measure,
        ..shape(Intent::Aggregate)
    };
    let now_s = now().timestamp();
    let out = g
        .run(open(shaped(
            SourceKey::Kusto,
            measure(Measure::AverageAgeDays),
        )))
        .await;
    let truth = g.number(
        "SELECT round(avg((?1 - created_at) / 86400.0), 1) FROM cases WHERE status IN ('Active', 'Waiting')",
        [now_s],
    );
    assert_eq!(out.shaped.value, Some(truth));
    assert!(truth > 1.0);

    let out = g
        .run(shaped(
            SourceKey::Icm,
            measure(Measure::MeanTimeToMitigateHours),
        ))
        .await;
    let truth = g.number(
        "SELECT round(sum(mitigated_at - created_at) / 3600.0 / count(*), 1) FROM incidents WHERE mitigated_at IS NOT NULL",
        [],
    );
    assert_eq!(out.shaped.value, Some(truth));
    assert_eq!(out.summary["mean_time_to_mitigate_hours"], truth);

    let out = g.run(shaped(SourceKey::Ado, measure(Measure::Count))).await;
    assert_eq!(
        out.shaped.value,
        Some(g.number("SELECT count(*) FROM work_items", []))
    );

    // Customers in the scope: every one, a cohort, listed tenants.
    let customers = measure(Measure::Customers);
    let out = g.run(shaped(SourceKey::Kusto, customers)).await;
    assert_eq!(out.shaped.value, Some(40.0));
    let segment: String = g
        .sql
        .query_row("SELECT segment FROM registry WHERE segment IS NOT NULL GROUP BY segment ORDER BY count(*) DESC", [], |r| r.get(0))
        .unwrap();
    let in_segment = g.number(
        "SELECT count(*) FROM registry WHERE segment = ?1",
        [&segment],
    );
    assert!(in_segment > 1.0 && in_segment < 40.0);
    let mut cohort = shaped(SourceKey::Kusto, customers);
    cohort.cohort = Some(segment.to_lowercase());
    assert_eq!(g.run(cohort).await.shaped.value, Some(in_segment));
    let listed = Query {
        shape: customers,
        ..query(SourceKey::Kusto, &[&g.ford(), "no-such-tenant"])
    };
    assert_eq!(g.run(listed).await.shaped.value, Some(1.0));
}

#[tokio::test]
async fn shapes_a_source_cannot_give_are_bad_queries_with_a_reason() {
    let f = Fixture::new();
    let group = |source, group_by| Query {
        shape: Shape {
            group_by: Some(group_by),
            ..shape(Intent::Breakdown)
        },
        ..query(source, &[FORD])
    };
    let with_shape = |source, shape| Query {
        shape,
        ..query(source, &[FORD])
    };
    let sorted = |source, by| Query {
        shape: Shape {
            sort: Some(Sort {
                by,
                order: Order::Desc,
            }),
            ..shape(Intent::List)
        },
        ..query(source, &[FORD])
    };
    let failures = [
        (
            group(SourceKey::Ado, GroupBy::Owner),
            "ado: work items have no owner to group by",
        ),
        (
            group(SourceKey::Ado, GroupBy::Severity),
            "ado: work items have no severity to group by",
        ),
        (
            group(SourceKey::Kusto, GroupBy::WorkItemType),
            "kusto: cases have no work item type to group by",
        ),
        (
            with_shape(SourceKey::Kusto, shape(Intent::Breakdown)),
            "kusto: a breakdown needs something to group by",
        ),
        (
            with_shape(SourceKey::Kusto, shape(Intent::Trend)),
            "kusto: a trend needs a time range",
        ),
        (
            Query {
                time_range: range(
                    "2026-01-01T00:00:00Z",
                    "2026-02-01T00:00:00Z",
                    false,
                    TimeEvent::Closed,
                ),
                ..with_shape(SourceKey::Ado, shape(Intent::Trend))
            },
            "ado: work items have no closed date",
        ),
        (
            sorted(SourceKey::Ado, SortKey::Severity),
            "ado: work items have no severity to sort by",
        ),
        (
            with_shape(
                SourceKey::Kusto,
                Shape {
                    measure: Measure::MeanTimeToMitigateHours,
                    ..shape(Intent::Aggregate)
                },
            ),
            "kusto: cases have no time to mitigate",
        ),
        (
            with_shape(
                SourceKey::Icm,
                Shape {
                    measure: Measure::Customers,
                    ..shape(Intent::Aggregate)
                },
            ),
            "icm: the number of customers is answered by the cases source",
        ),
        (
            with_shape(
                SourceKey::Kusto,
                Shape {
                    group_by: Some(GroupBy::ProductArea),
                    ..shape(Intent::Rank)
                },
            ),
            "kusto: a ranking is by customer, not by product area; ask for a breakdown by product area",
        ),
    ];
    for (query, message) in failures {
        let error = f.fail(query).await;
        assert_eq!(error.kind, ErrorKind::BadQuery);
        assert_eq!(error.message, message);
    }
}
