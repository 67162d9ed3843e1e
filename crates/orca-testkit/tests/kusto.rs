//! The Kusto connector over the loopback Kusto fake: the conformance suite for every source it
//! serves (cases, incidents, work items, tenant health) with the fake's faults, then what only
//! this pair shows: the CSL carries values as declared parameters only, frame edge cases
//! (errors inside rows, `HasErrors`, a missing table, a cut-short answer) are classified, a bad
//! token is an auth error, and `check` names a missing table or column with its fix.

use std::sync::Arc;

use orca_connectors::HealthThresholds;
use orca_connectors::kusto::KustoConfig;
use orca_connectors::sources::SourceContext;
use orca_core::plan::{StatusFilter, TimeEvent, TimeRange};
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Shape};
use orca_core::{Connector, ErrorKind, Query, SourceKey};
use orca_testkit::kusto::KustoFake;
use orca_testkit::{Fixture, Subject, conformance};
use serde_json::json;

/// The fake's token, printed by a command (no environment variable to set in a test).
fn token_command(token: &str) -> Vec<String> {
    vec!["echo".into(), token.into()]
}

fn context(fixture: &Fixture, source: SourceKey) -> SourceContext {
    SourceContext {
        source,
        customers: fixture.customers().into(),
        health: HealthThresholds::default(),
        now: Some(Fixture::now()),
        timeout: Subject::TIMEOUT,
    }
}

fn config(fake: &KustoFake) -> KustoConfig {
    let mut config = KustoConfig::for_test(&fake.url(), KustoFake::DATABASE, &[]);
    config.token_command = Some(token_command(KustoFake::TOKEN));
    config
}

fn connector(fixture: &Fixture, fake: &KustoFake, source: SourceKey) -> Arc<dyn Connector> {
    match config(fake).build(&context(fixture, source)) {
        Ok(connector) => connector,
        Err(e) => panic!("{source}: {e}"),
    }
}

const SOURCES: [SourceKey; 4] = [
    SourceKey::Kusto,
    SourceKey::Icm,
    SourceKey::Ado,
    SourceKey::Tenant,
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kusto_connector_gives_the_store_answers_over_the_fake() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let subject = Subject {
        name: "kusto fake".into(),
        connectors: SOURCES
            .into_iter()
            .map(|source| connector(&fixture, &fake, source))
            .collect(),
        fake: Some(fake.switch()),
    };
    conformance::run(&subject, &fixture).await;
}

/// A team's own schema: every table renamed, and columns of each (the id, a time column, the
/// owner, a severity, a state, a metric's date and value) under other names.
fn renamed_schema() -> orca_connectors::sources::Tables {
    use orca_connectors::sources::TableMap;
    let map = |table: &str, columns: &[(&str, &str)]| TableMap {
        table: Some(table.to_string()),
        columns: columns
            .iter()
            .map(|(design, theirs)| (design.to_string(), theirs.to_string()))
            .collect(),
    };
    orca_connectors::sources::Tables {
        cases: map(
            "SupportCases",
            &[
                ("CaseNumber", "Id"),
                ("Owner", "AssignedTo"),
                ("CreatedAt", "OpenedAt"),
                ("ProductArea", "Area"),
            ],
        ),
        incidents: map(
            "IcmIncidents",
            &[
                ("Severity", "Sev"),
                ("OwningTeam", "Team"),
                ("MitigatedAt", "Mitigated"),
                ("Title", "Name"),
            ],
        ),
        work_items: map(
            "Bugs",
            &[
                ("State", "WorkItemState"),
                ("AreaPath", "Path"),
                ("IncidentId", "IcmId"),
            ],
        ),
        tenant_metrics: map(
            "TenantDaily",
            &[
                ("Date", "Day"),
                ("Value", "MetricValue"),
                ("TenantId", "AadTenantId"),
            ],
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapped_schema_gives_the_same_answers() {
    let fixture = Fixture::new();
    let names = renamed_schema();
    let fake = KustoFake::start_renamed(&fixture, &names).await;
    let mut mapped = config(&fake);
    mapped.tables = names;
    let subject = Subject {
        name: "kusto fake, renamed tables and columns".into(),
        connectors: SOURCES
            .into_iter()
            .map(|source| match mapped.build(&context(&fixture, source)) {
                Ok(connector) => connector,
                Err(e) => panic!("{source}: {e}"),
            })
            .collect(),
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
    for connector in &subject.connectors {
        let checked = connector.check().await;
        assert!(checked.is_ok(), "{}: {checked:?}", connector.source());
    }
    // The same connector with DESIGN names finds neither the tables nor the columns.
    let unmapped = connector(&fixture, &fake, SourceKey::Kusto);
    let e = unmapped.check().await.expect_err("no table `cases`");
    assert!(e.message.contains("`cases`"), "{e}");
}

fn ford_query(fixture: &Fixture, source: SourceKey) -> Query {
    let mut query = Query::new(source);
    query.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    query
}

#[tokio::test]
async fn values_travel_only_as_declared_parameters() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let switch = fake.switch();
    let cases = connector(&fixture, &fake, SourceKey::Kusto);
    let ford = fixture.tenant("Ford Motor Company");
    let mut query = ford_query(&fixture, SourceKey::Kusto);
    query.filters.owner = Some("Aisha Khan' or 1==1 //".into());
    query.filters.product_areas = vec!["DLP\") | take 1".into()];
    query.filters.severity = vec!["A".into()];
    query.filters.status = Some(StatusFilter::Open);
    let now = Fixture::now();
    query.time_range = Some(TimeRange::new(
        now - chrono::Duration::days(90),
        now,
        "last 90 days",
    ));
    let _ = switch.take_query_texts();
    cases.run(&query).await.expect("the query runs");
    let texts = switch.take_query_texts();
    assert_eq!(texts.len(), 1, "one round trip per query: {texts:?}");
    let text = &texts[0];
    assert!(
        text.starts_with("declare query_parameters(p0:dynamic, "),
        "{text}"
    );
    for value in [ford.as_str(), "Aisha", "take 1", "\"A\"", "2026-"] {
        assert!(!text.contains(value), "`{value}` is in the text: {text}");
    }
    assert!(
        text.contains("let M = ['cases'] | where ['TenantId'] in~ (p0)"),
        "{text}"
    );
    assert!(text.contains("['Owner'] =~ p"), "{text}");

    // A weekly trend is a summarize by Monday weeks; a ranking a summarize by tenant.
    query.shape = Shape {
        intent: Intent::Trend,
        bucket: Some(Bucket::Week),
        ..Shape::default()
    };
    cases.run(&query).await.expect("a trend runs");
    query.shape = Shape {
        intent: Intent::Rank,
        group_by: Some(GroupBy::Customer),
        ..Shape::default()
    };
    cases.run(&query).await.expect("a ranking runs");
    let texts = switch.take_query_texts();
    assert!(
        texts[0].contains(
            "summarize n = count() by b = bin_at(['CreatedAt'], 7d, datetime(2024-01-01))"
        ),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains("summarize a = count() by k = ['TenantId']"),
        "{}",
        texts[1]
    );

    // Tenant health without a range: one round trip, the first and last values computed there.
    let tenant = connector(&fixture, &fake, SourceKey::Tenant);
    tenant
        .run(&ford_query(&fixture, SourceKey::Tenant))
        .await
        .expect("health runs");
    let texts = switch.take_query_texts();
    assert_eq!(texts.len(), 1, "{texts:?}");
    for part in [
        "toscalar(S | summarize max(['Date']))",
        "arg_min(Date, Value)",
        "arg_max(Date, Value)",
    ] {
        assert!(texts[0].contains(part), "`{part}` is not in {}", texts[0]);
    }
    assert!(!texts[0].contains(&ford), "{}", texts[0]);
}

fn header() -> serde_json::Value {
    json!({"FrameType": "DataSetHeader", "IsProgressive": false, "Version": "v2.0"})
}

fn completion(has_errors: bool) -> serde_json::Value {
    json!({"FrameType": "DataSetCompletion", "HasErrors": has_errors, "Cancelled": false})
}

fn table(kind: &str, rows: serde_json::Value) -> serde_json::Value {
    json!({"FrameType": "DataTable", "TableId": 1, "TableKind": kind, "TableName": kind,
           "Columns": [{"ColumnName": "id", "ColumnType": "string"}], "Rows": rows})
}

#[tokio::test]
async fn frame_edge_cases_are_classified() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let cases = connector(&fixture, &fake, SourceKey::Kusto);
    let query = ford_query(&fixture, SourceKey::Kusto);
    let error_object = |permanent: bool| {
        json!({"OneApiErrors": [{"error": {"code": "LimitsExceeded", "message": "Query execution has exceeded the allowed limits",
            "@type": "Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException",
            "@message": "Query execution has exceeded the allowed limits (80DA0003): the results of this query exceed the set limit of 500000 records", "@permanent": permanent}}]})
    };
    let answers = [
        (
            "an error inside the rows",
            json!([
                header(),
                table("PrimaryResult", json!([["1"], error_object(true)])),
                completion(true)
            ]),
            ErrorKind::BadQuery,
        ),
        (
            "HasErrors with OneApiErrors",
            json!([header(), table("PrimaryResult", json!([["1"]])), {
                "FrameType": "DataSetCompletion", "HasErrors": true, "Cancelled": false,
                "OneApiErrors": [{"error": {"code": "ServiceBusy", "message": "busy", "@permanent": false}}]}]),
            ErrorKind::Unavailable,
        ),
        (
            "no PrimaryResult table",
            json!([
                header(),
                table("QueryCompletionInformation", json!([["x"]])),
                completion(false)
            ]),
            ErrorKind::BadQuery,
        ),
        (
            "no DataSetCompletion",
            json!([header(), table("PrimaryResult", json!([["1"]]))]),
            ErrorKind::Unavailable,
        ),
        (
            "not a frame array",
            json!({"Tables": []}),
            ErrorKind::Unavailable,
        ),
    ];
    for (what, body, kind) in answers {
        fake.answer_with(Some(body));
        match cases.run(&query).await {
            Ok(out) => panic!("{what}: answered {out:?}"),
            Err(e) => assert_eq!(e.kind, kind, "{what}: {e}"),
        }
    }
    fake.answer_with(None);
    cases.run(&query).await.expect("answers again");
}

#[tokio::test]
async fn a_wrong_token_is_an_auth_error_and_kql_the_fake_cannot_run_is_a_bad_query() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let mut wrong = config(&fake);
    wrong.token_command = Some(token_command("not-the-token"));
    let cases = wrong
        .build(&context(&fixture, SourceKey::Kusto))
        .expect("builds");
    let e = cases
        .run(&ford_query(&fixture, SourceKey::Kusto))
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    assert!(e.message.contains("401"), "{e}");

    // A mapping to a column the table lacks: the fake refuses the KQL, never answers wrongly.
    let mut mapped = config(&fake);
    mapped
        .tables
        .cases
        .columns
        .insert("Owner".into(), "AssignedTo".into());
    let cases = mapped
        .build(&context(&fixture, SourceKey::Kusto))
        .expect("builds");
    let e = cases
        .run(&ford_query(&fixture, SourceKey::Kusto))
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::BadQuery, "{e}");
    assert!(e.message.contains("AssignedTo"), "{e}");
}

#[tokio::test]
async fn check_names_a_missing_table_or_column_and_the_fix() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    for source in SOURCES {
        let ok = connector(&fixture, &fake, source).check().await;
        assert!(ok.is_ok(), "{source}: {ok:?}");
    }
    let mut mapped = config(&fake);
    mapped
        .tables
        .incidents
        .columns
        .insert("OwningTeam".into(), "Team".into());
    let e = mapped
        .build(&context(&fixture, SourceKey::Icm))
        .expect("builds")
        .check()
        .await
        .expect_err("a missing column");
    assert!(
        e.message.contains("`Team`") && e.message.contains("[sources.icm.tables.incidents]"),
        "{e}"
    );
    let mut stranger = config(&fake);
    stranger.token_command = Some(token_command("an-expired-token"));
    let e = stranger
        .build(&context(&fixture, SourceKey::Kusto))
        .expect("builds")
        .check()
        .await
        .expect_err("a refused token");
    assert_eq!(e.kind, ErrorKind::Auth, "{e}");
    assert!(
        e.message.contains("access to database `Fixture`") && e.message.contains("az account"),
        "{e}"
    );
    let mut renamed = config(&fake);
    renamed.tables.work_items.table = Some("WorkItems".into());
    let e = renamed
        .build(&context(&fixture, SourceKey::Ado))
        .expect("builds")
        .check()
        .await
        .expect_err("a missing table");
    assert!(
        e.message.contains("`WorkItems`")
            && e.message.contains("[sources.ado.tables.work_items] table"),
        "{e}"
    );
}

#[tokio::test]
async fn a_closed_time_range_on_work_items_is_refused_as_the_store_refuses_it() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let switch = fake.switch();
    let items = connector(&fixture, &fake, SourceKey::Ado);
    let mut query = ford_query(&fixture, SourceKey::Ado);
    let now = Fixture::now();
    query.time_range = Some(TimeRange {
        event: TimeEvent::Closed,
        ..TimeRange::new(now - chrono::Duration::days(7), now, "last week")
    });
    let _ = switch.take_query_texts();
    let e = items.run(&query).await.expect_err("refused");
    assert_eq!(e.kind, ErrorKind::BadQuery);
    assert!(e.message.contains("no closed date"), "{e}");
    assert!(
        switch.take_query_texts().is_empty(),
        "refused before sending"
    );
}

#[test]
fn docs_is_not_a_kusto_source() {
    let fixture = Fixture::new();
    let config = KustoConfig::for_test("http://127.0.0.1:9", "D", &["echo", "t"]);
    let e = config
        .build(&context(&fixture, SourceKey::Docs))
        .err()
        .expect("refused");
    assert!(e.contains("cannot serve docs"), "{e}");
}

/// Queries beyond the conformance suite's, each compared with the store's answer: cohorts,
/// rankings and breakdowns by another measure, the closed and mitigated trends, the unusual
/// severity and state filters, lookups that match nothing, tenant health without a range.
fn more_queries(fixture: &Fixture, source: SourceKey) -> Vec<(String, Query)> {
    let now = Fixture::now();
    let days = |n: i64| now - chrono::Duration::days(n);
    let ford = fixture.tenant("Ford Motor Company");
    let gm = fixture.tenant("General Motors");
    let base = |edit: &dyn Fn(&mut Query)| {
        let mut q = Query::new(source);
        q.tenant_ids = vec![ford.clone(), gm.clone()];
        edit(&mut q);
        q
    };
    let shape = |intent: Intent, group_by: Option<GroupBy>, measure: Measure| Shape {
        intent,
        group_by,
        measure,
        ..Shape::default()
    };
    let mut out: Vec<(String, Query)> = vec![
        (
            "cohort MCS".into(),
            base(&|q| {
                q.tenant_ids.clear();
                q.all_tenants = true;
                q.cohort = Some("mcs".into());
            }),
        ),
        ("no scope: refused".into(), base(&|q| q.tenant_ids.clear())),
        (
            "unknown cohort: empty".into(),
            base(&|q| {
                q.all_tenants = true;
                q.cohort = Some("nobody".into());
            }),
        ),
    ];
    if source == SourceKey::Tenant {
        out.push((
            "health of one tenant, no range".into(),
            base(&|q| q.tenant_ids.truncate(1)),
        ));
        out.push((
            "health of an unknown tenant".into(),
            base(&|q| q.tenant_ids = vec!["00000000-0000-0000-0000-000000000001".into()]),
        ));
        out.push((
            "health of a cohort, a half-open range".into(),
            base(&|q| {
                q.tenant_ids.clear();
                q.all_tenants = true;
                q.cohort = Some("IC".into());
                q.time_range = Some(TimeRange::new(days(60), days(20), "a window"));
            }),
        ));
        return out;
    }
    let age = Measure::AverageAgeDays;
    out.extend([
        (
            "rank by average age, fewest first, top 3".to_string(),
            base(&|q| {
                q.tenant_ids.clear();
                q.all_tenants = true;
                q.shape = Shape {
                    sort: Some(orca_core::shape::Sort {
                        by: orca_core::shape::SortKey::Value,
                        order: orca_core::shape::Order::Asc,
                    }),
                    limit: Some(3),
                    ..shape(Intent::Rank, Some(GroupBy::Customer), age)
                };
            }),
        ),
        (
            "breakdown by customer, average age".into(),
            base(&|q| q.shape = shape(Intent::Breakdown, Some(GroupBy::Customer), age)),
        ),
        (
            "breakdown by product area, average age".into(),
            base(&|q| q.shape = shape(Intent::Breakdown, Some(GroupBy::ProductArea), age)),
        ),
        (
            "breakdown by customer".into(),
            base(&|q| {
                q.tenant_ids.clear();
                q.all_tenants = true;
                q.shape = shape(Intent::Breakdown, Some(GroupBy::Customer), Measure::Count)
            }),
        ),
        (
            "trend, bucket chosen by a 400-day range".into(),
            base(&|q| {
                q.time_range = Some(TimeRange::new(days(400), now, "400 days"));
                q.shape = shape(Intent::Trend, None, Measure::Count);
            }),
        ),
        (
            "aggregate count".into(),
            base(&|q| q.shape = shape(Intent::Aggregate, None, Measure::Count)),
        ),
        (
            "aggregate customers in a cohort".into(),
            base(&|q| {
                q.all_tenants = true;
                q.cohort = Some("MCS".into());
                q.shape = shape(Intent::Aggregate, None, Measure::Customers);
            }),
        ),
        (
            "every state excluded".into(),
            base(&|q| {
                q.filters.exclude_states = [
                    "New",
                    "Active",
                    "Waiting",
                    "Mitigated",
                    "Resolved",
                    "Closed",
                ]
                .map(String::from)
                .to_vec();
            }),
        ),
        (
            "unresolved, created before 20 days ago".into(),
            base(&|q| {
                q.filters.status = Some(StatusFilter::Unresolved);
                q.filters.created_before = Some(days(20));
            }),
        ),
        (
            "lookup of an id that is not there".into(),
            base(&|q| {
                q.filters.item_ids = vec![orca_core::plan::ItemId {
                    source,
                    id: "999".into(),
                }];
            }),
        ),
        (
            "lookup of an id that is no number".into(),
            base(&|q| {
                q.tenant_ids.clear();
                q.filters.item_ids = vec![orca_core::plan::ItemId {
                    source,
                    id: "abc".into(),
                }];
            }),
        ),
        (
            "two product areas, one of two words".into(),
            base(&|q| {
                q.all_tenants = true;
                q.filters.product_areas = vec!["Data Map".into(), "eDiscovery".into()];
            }),
        ),
        (
            "list, 3 oldest open".into(),
            base(&|q| {
                q.limit = 3;
                q.filters.status = Some(StatusFilter::Open);
                q.shape = Shape {
                    sort: Some(orca_core::shape::Sort {
                        by: orca_core::shape::SortKey::Created,
                        order: orca_core::shape::Order::Asc,
                    }),
                    ..shape(Intent::List, None, Measure::Count)
                };
            }),
        ),
    ]);
    match source {
        SourceKey::Kusto => out.extend([
            (
                "trend of closed cases per month".to_string(),
                base(&|q| {
                    q.time_range = Some(TimeRange {
                        event: TimeEvent::Closed,
                        to_inclusive: true,
                        ..TimeRange::new(days(180), now, "180 days")
                    });
                    q.shape = Shape {
                        bucket: Some(Bucket::Month),
                        ..shape(Intent::Trend, None, Measure::Count)
                    };
                }),
            ),
            (
                "list, least severe first".into(),
                base(&|q| {
                    q.shape = Shape {
                        sort: Some(orca_core::shape::Sort {
                            by: orca_core::shape::SortKey::Severity,
                            order: orca_core::shape::Order::Asc,
                        }),
                        ..shape(Intent::List, None, Measure::Count)
                    };
                }),
            ),
        ]),
        SourceKey::Icm => out.extend([
            (
                "Sev 2.5 only".to_string(),
                base(&|q| q.filters.severity = vec!["25".into()]),
            ),
            (
                "an unknown severity: empty".into(),
                base(&|q| q.filters.severity = vec!["9".into()]),
            ),
            (
                "Sev 2.5 excluded, closed".into(),
                base(&|q| {
                    q.filters.exclude_severity = vec!["25".into()];
                    q.filters.states = vec!["closed".into()];
                }),
            ),
            (
                "list, least severe first".into(),
                base(&|q| {
                    q.all_tenants = true;
                    q.shape = Shape {
                        sort: Some(orca_core::shape::Sort {
                            by: orca_core::shape::SortKey::Severity,
                            order: orca_core::shape::Order::Asc,
                        }),
                        ..shape(Intent::List, None, Measure::Count)
                    };
                }),
            ),
            (
                "rank by mean time to mitigate".into(),
                base(&|q| {
                    q.all_tenants = true;
                    q.shape = shape(Intent::Rank, None, Measure::MeanTimeToMitigateHours);
                }),
            ),
            (
                "breakdown by severity, mean time to mitigate".into(),
                base(&|q| {
                    q.shape = shape(
                        Intent::Breakdown,
                        Some(GroupBy::Severity),
                        Measure::MeanTimeToMitigateHours,
                    );
                }),
            ),
            (
                "mitigated per week".into(),
                base(&|q| {
                    q.time_range = Some(TimeRange {
                        event: TimeEvent::Mitigated,
                        ..TimeRange::new(days(60), now, "60 days")
                    });
                    q.shape = Shape {
                        bucket: Some(Bucket::Week),
                        ..shape(Intent::Trend, None, Measure::Count)
                    };
                }),
            ),
            (
                "an empty context: nothing".into(),
                base(&|q| {
                    q.context = vec![orca_core::ContextItem {
                        task_id: "t1".into(),
                        source: SourceKey::Kusto,
                        ids: Vec::new(),
                    }];
                }),
            ),
        ]),
        _ => out.extend([
            (
                "Sensitivity Labels work items by area".to_string(),
                base(&|q| {
                    q.all_tenants = true;
                    q.filters.product_areas = vec!["Sensitivity Labels".into()];
                    q.shape = shape(
                        Intent::Breakdown,
                        Some(GroupBy::ProductArea),
                        Measure::Count,
                    );
                }),
            ),
            (
                "types are matched as written".into(),
                base(&|q| q.filters.work_item_types = vec!["bug".into(), "DCR".into()]),
            ),
            (
                "breakdown by type, average age".into(),
                base(&|q| {
                    q.shape = shape(Intent::Breakdown, Some(GroupBy::WorkItemType), age);
                }),
            ),
            (
                "an owner: refused".into(),
                base(&|q| q.filters.owner = Some("x".into())),
            ),
        ]),
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_shapes_and_filters_give_the_store_answers() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let mut failures = Vec::new();
    let (mut compared, mut refused) = (0, Vec::new());
    for source in SOURCES {
        let kusto = connector(&fixture, &fake, source);
        let store = fixture.store_connector(source);
        for (name, query) in more_queries(&fixture, source) {
            compared += 1;
            match (store.run(&query).await, kusto.run(&query).await) {
                (Ok(expected), Ok(got)) => {
                    if let Some(d) = conformance::difference(&expected, &got) {
                        failures.push(format!("{source}: {name}: {d}"));
                    }
                }
                (Err(e), Err(g)) if e.kind == g.kind => refused.push(format!("{source}: {name}")),
                (expected, got) => failures.push(format!(
                    "{source}: {name}: the store gave {:?}, kusto {:?}",
                    expected.map(|_| "an answer"),
                    got.map(|_| "an answer")
                )),
            }
        }
    }
    assert!(compared > 60, "{compared} compared");
    // Only the queries meant to be refused are: no scope (4 sources), a work item owner, and the
    // number of customers asked of incidents and work items (the cases source answers it).
    assert_eq!(refused.len(), 7, "refused: {refused:?}");
    assert!(
        failures.is_empty(),
        "{} differ:\n- {}",
        failures.len(),
        failures.join("\n- ")
    );
}
