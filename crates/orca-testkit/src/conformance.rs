//! The conformance suite every connector passes, the embedded store included.
//!
//! The reference is the store over the fixture: its answers are checked against hand-written SQL
//! in its own tests (`orca-connectors/tests`, `orca/tests/intents.rs`), and this suite adds a few
//! truths of its own, counted straight from the fixture's rows. Every other connector must give
//! the store's answer for the same query: summary, rows (same order, same JSON), linkable ids and
//! the aggregated outputs (ranking, groups, series, list bounds) of every intent of DESIGN
//! section 9, under tenant, time and filter pushdown.
//!
//! Beyond the answers, a [`Subject`] backed by a fake is checked for what only a fake can show:
//! the per-call timeout (a source that hangs ends as `Timeout` within the context's timeout),
//! cancellation (an abandoned call leaves the connector usable), errors classified transient or
//! permanent as the source's status says, and no query text built from user words (a hostile
//! owner name never appears in the query text the source received).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use orca_core::plan::{ItemId, StatusFilter, TimeEvent, TimeRange};
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};
use orca_core::{Connector, ContextItem, ErrorKind, Query, QueryOutput, SourceKey};

use crate::fixture::Fixture;

/// A fault a fake can be told to answer with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeFault {
    /// Answer normally.
    None,
    /// Answer every call with this HTTP status (or the source's equivalent), with a
    /// `Retry-After` of this many seconds when given.
    Status {
        code: u16,
        retry_after_secs: Option<u64>,
    },
    /// Never answer (until the call is abandoned).
    Hang,
}

/// The control panel of a fake.
pub trait FaultSwitch: Send + Sync {
    /// Every later call answers with `fault`.
    fn set(&self, fault: FakeFault);
    /// The query texts received since the last call (KQL, WIQL, SQL, tool arguments as JSON),
    /// parameters excluded where the protocol carries them apart.
    fn take_query_texts(&self) -> Vec<String>;
}

/// What the suite runs against.
pub struct Subject {
    /// For messages ("kusto fake").
    pub name: String,
    /// One connector per source it serves, built with the fixture's clock
    /// ([`Fixture::now`]), its registry, and a context timeout of [`Subject::TIMEOUT`].
    pub connectors: Vec<Arc<dyn Connector>>,
    /// The fake behind the connectors; `None` for the store and real servers.
    pub fake: Option<Arc<dyn FaultSwitch>>,
}

impl Subject {
    /// The context timeout subjects are built with (`SourceContext::timeout`).
    pub const TIMEOUT: Duration = Duration::from_millis(1500);
}

/// One query of the suite, with a name for messages.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub query: Query,
}

/// The suite's queries for `source` over the fixture: every intent, each filter, several scopes.
pub fn cases(fixture: &Fixture, source: SourceKey) -> Vec<Case> {
    let ford = fixture.tenant("Ford Motor Company");
    let gm = fixture.tenant("General Motors");
    let now = Fixture::now();
    let days = |n: i64| now - Span::days(n);
    let mut out = Vec::new();
    let mut add = |name: &str, edit: &dyn Fn(&mut Query)| {
        let mut query = Query::new(source);
        query.tenant_ids = vec![ford.clone()];
        edit(&mut query);
        out.push(Case {
            name: format!("{source}: {name}"),
            query,
        });
    };
    let range = |from: DateTime<Utc>, to: DateTime<Utc>, event: TimeEvent| TimeRange {
        event,
        to_inclusive: true,
        ..TimeRange::new(from, to, "fixture range")
    };
    let shape = |intent: Intent| Shape {
        intent,
        ..Shape::default()
    };

    if source == SourceKey::Docs {
        for terms in [
            &["dlp", "policy"][..],
            &["sensitivity", "labels"],
            &["ediscovery"],
            &["nothing-matches-this"],
        ] {
            add(&format!("docs search {terms:?}"), &|q| {
                q.tenant_ids.clear();
                q.search_terms = terms.iter().map(|t| t.to_string()).collect();
                q.shape = shape(Intent::Docs);
            });
        }
        return out;
    }

    // Scope.
    add("count, one tenant", &|_| {});
    add("count, two tenants", &|q| q.tenant_ids.push(gm.clone()));
    add("count, all tenants", &|q| {
        q.tenant_ids.clear();
        q.all_tenants = true;
    });
    add("count, unknown tenant: empty", &|q| {
        q.tenant_ids = vec!["00000000-0000-0000-0000-000000000000".into()];
    });
    // Time.
    add("last 30 days", &|q| {
        q.time_range = Some(range(days(30), now, TimeEvent::Created))
    });
    add("half-open range", &|q| {
        q.time_range = Some(TimeRange::new(days(60), days(30), "a month"))
    });
    if source == SourceKey::Tenant {
        add("health, last 14 days", &|q| {
            q.tenant_ids.push(gm.clone());
            q.time_range = Some(range(days(14), now, TimeEvent::Created));
        });
        add("health, all tenants", &|q| {
            q.tenant_ids.clear();
            q.all_tenants = true;
        });
        return out;
    }
    match source {
        SourceKey::Kusto => add("closed in the last 30 days", &|q| {
            q.time_range = Some(range(days(30), now, TimeEvent::Closed))
        }),
        SourceKey::Icm => add("mitigated in the last 30 days", &|q| {
            q.time_range = Some(range(days(30), now, TimeEvent::Mitigated))
        }),
        _ => {}
    }
    // Filters.
    add("open", &|q| q.filters.status = Some(StatusFilter::Open));
    add("closed", &|q| q.filters.status = Some(StatusFilter::Closed));
    add("unresolved", &|q| {
        q.filters.status = Some(StatusFilter::Unresolved)
    });
    add("states", &|q| {
        q.filters.states = vec!["Active".into(), "Waiting".into(), "New".into()]
    });
    add("excluded states", &|q| {
        q.filters.exclude_states = vec!["Closed".into(), "Resolved".into()]
    });
    add("severity", &|q| {
        q.tenant_ids.push(gm.clone());
        q.filters.severity = vec!["A".into(), "1".into(), "25".into()];
    });
    add("excluded severity", &|q| {
        q.filters.exclude_severity = vec!["C".into(), "4".into()]
    });
    let area = match source {
        SourceKey::Kusto => "DLP",
        SourceKey::Icm => "DLP",
        _ => "Data Map",
    };
    add("product area", &|q| {
        q.tenant_ids.clear();
        q.all_tenants = true;
        q.filters.product_areas = vec![area.to_ascii_lowercase()];
    });
    add("excluded product area", &|q| {
        q.filters.exclude_product_areas = vec![area.into()]
    });
    add("created before", &|q| {
        q.filters.created_before = Some(days(45))
    });
    if source == SourceKey::Ado {
        add("work item types", &|q| {
            q.filters.work_item_types = vec!["Bug".into()]
        });
    } else {
        let owner = owner_of(fixture, source, &ford);
        add("owner", &|q| {
            q.filters.owner = Some(owner.to_ascii_uppercase())
        });
    }
    let first = first_id(fixture, source, &ford);
    add("lookup by id", &|q| {
        q.tenant_ids.clear();
        q.all_tenants = true;
        q.filters.item_ids = vec![ItemId {
            source,
            id: first.clone(),
        }];
        q.shape = shape(Intent::Lookup);
    });
    add("lookup by an id of another customer: empty", &|q| {
        q.tenant_ids = vec![gm.clone()];
        q.filters.item_ids = vec![ItemId {
            source,
            id: first.clone(),
        }];
    });
    // Context sharing.
    match source {
        SourceKey::Icm => {
            let ids: Vec<String> = fixture
                .data
                .cases
                .iter()
                .filter(|c| c.tenant_id == ford)
                .map(|c| c.case_number.clone())
                .collect();
            add("incidents of Ford's cases (context)", &|q| {
                q.context = vec![ContextItem {
                    task_id: "t1".into(),
                    source: SourceKey::Kusto,
                    ids: ids.clone(),
                }];
            });
        }
        SourceKey::Ado => {
            let ids: Vec<String> = fixture
                .data
                .incidents
                .iter()
                .map(|i| i.incident_id.to_string())
                .collect();
            add("work items of incidents (context)", &|q| {
                q.tenant_ids.clear();
                q.all_tenants = true;
                q.context = vec![ContextItem {
                    task_id: "t1".into(),
                    source: SourceKey::Icm,
                    ids: ids.clone(),
                }];
            });
        }
        _ => {}
    }
    // Intents.
    for (by, order) in [
        (SortKey::Created, Order::Asc),
        (SortKey::Created, Order::Desc),
        (SortKey::Severity, Order::Desc),
    ] {
        add(&format!("list by {by:?} {order:?}, 5"), &|q| {
            q.tenant_ids.push(gm.clone());
            q.limit = 5;
            q.shape = Shape {
                sort: Some(Sort { by, order }),
                limit: Some(5),
                ..shape(Intent::List)
            };
        });
    }
    add("rank customers, top 5", &|q| {
        q.tenant_ids.clear();
        q.all_tenants = true;
        q.filters.status = Some(StatusFilter::Open);
        q.shape = Shape {
            group_by: Some(GroupBy::Customer),
            limit: Some(5),
            ..shape(Intent::Rank)
        };
    });
    let groups: &[GroupBy] = match source {
        SourceKey::Kusto => &[
            GroupBy::ProductArea,
            GroupBy::Severity,
            GroupBy::Status,
            GroupBy::Owner,
            GroupBy::Customer,
        ],
        SourceKey::Icm => &[
            GroupBy::ProductArea,
            GroupBy::Severity,
            GroupBy::Status,
            GroupBy::Owner,
        ],
        _ => &[GroupBy::ProductArea, GroupBy::Status, GroupBy::WorkItemType],
    };
    for &by in groups {
        add(&format!("breakdown by {by:?}"), &|q| {
            q.tenant_ids.push(gm.clone());
            q.shape = Shape {
                group_by: Some(by),
                ..shape(Intent::Breakdown)
            };
        });
    }
    for (bucket, span) in [(Bucket::Day, 14), (Bucket::Week, 90), (Bucket::Month, 180)] {
        add(&format!("trend per {bucket:?}"), &|q| {
            q.time_range = Some(range(days(span), now, TimeEvent::Created));
            q.shape = Shape {
                bucket: Some(bucket),
                ..shape(Intent::Trend)
            };
        });
    }
    add("compare: one side of a period comparison", &|q| {
        q.time_range = Some(TimeRange::new(days(60), days(30), "previous 30 days"));
        q.shape = shape(Intent::Compare);
    });
    add("aggregate: average age of open items", &|q| {
        q.tenant_ids.clear();
        q.all_tenants = true;
        q.filters.status = Some(StatusFilter::Open);
        q.shape = Shape {
            measure: Measure::AverageAgeDays,
            ..shape(Intent::Aggregate)
        };
    });
    if source == SourceKey::Icm {
        add("aggregate: mean time to mitigate", &|q| {
            q.shape = Shape {
                measure: Measure::MeanTimeToMitigateHours,
                ..shape(Intent::Aggregate)
            };
        });
    }
    out
}

/// An owner (cases) or owning team (incidents) of `tenant` in the fixture.
fn owner_of(fixture: &Fixture, source: SourceKey, tenant: &str) -> String {
    match source {
        SourceKey::Kusto => fixture
            .data
            .cases
            .iter()
            .find(|c| c.tenant_id == tenant && !c.owner.is_empty())
            .map(|c| c.owner.clone()),
        _ => fixture
            .data
            .incidents
            .iter()
            .find(|i| i.tenant_id == tenant && !i.owning_team.is_empty())
            .map(|i| i.owning_team.clone()),
    }
    .expect("the fixture has an owner for Ford")
}

/// The id of one item of `tenant` in the fixture.
fn first_id(fixture: &Fixture, source: SourceKey, tenant: &str) -> String {
    let data = &fixture.data;
    match source {
        SourceKey::Kusto => data
            .cases
            .iter()
            .find(|c| c.tenant_id == tenant)
            .map(|c| c.case_number.clone()),
        SourceKey::Icm => data
            .incidents
            .iter()
            .find(|i| i.tenant_id == tenant)
            .map(|i| i.incident_id.to_string()),
        _ => data
            .work_items
            .iter()
            .find(|w| w.tenant_id == tenant)
            .map(|w| w.id.to_string()),
    }
    .expect("the fixture has an item of Ford")
}

/// Runs the suite: for each source the subject serves, each case's output must equal the store's;
/// then, for a subject with a fake, the fault checks. Panics with every difference found.
pub async fn run(subject: &Subject, fixture: &Fixture) {
    let mut failures = Vec::new();
    let mut compared = 0;
    for connector in &subject.connectors {
        let source = connector.source();
        let reference = fixture.store_connector(source);
        for case in cases(fixture, source) {
            let expected = reference.run(&case.query).await;
            let got = connector.run(&case.query).await;
            compared += 1;
            match (expected, got) {
                (Ok(expected), Ok(got)) => {
                    if let Some(difference) = difference(&expected, &got) {
                        failures.push(format!("{}: {difference}", case.name));
                    }
                }
                // A query the store refuses (work items have no severity to sort by) must be
                // refused the same way.
                (Err(expected), Err(got)) if expected.kind == got.kind => {}
                (Err(expected), Ok(_)) => failures.push(format!(
                    "{}: answered, but the store refuses it: {expected}",
                    case.name
                )),
                (_, Err(e)) => failures.push(format!("{}: failed: {e} ({:?})", case.name, e.kind)),
            }
        }
        if let Some(fake) = &subject.fake {
            failures.extend(fault_checks(connector.as_ref(), fake.as_ref(), fixture).await);
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} of the checks failed ({compared} answers compared):\n- {}",
        subject.name,
        failures.len(),
        failures.join("\n- ")
    );
    assert!(compared > 0, "{}: no case was compared", subject.name);
}

/// The first difference between two outputs, said in one line; `None` when they are equal.
pub fn difference(expected: &QueryOutput, got: &QueryOutput) -> Option<String> {
    let json = |o: &QueryOutput| {
        let mut value = serde_json::to_value(o).expect("an output serializes");
        // Round trips differ by source and are not part of the answer.
        value.as_object_mut().map(|m| m.remove("queries"));
        value
    };
    let (expected, got) = (json(expected), json(got));
    if expected == got {
        return None;
    }
    let (e, g) = (expected.as_object()?, got.as_object()?);
    for key in e.keys().chain(g.keys()) {
        if e.get(key) != g.get(key) {
            let show = |v: Option<&serde_json::Value>| {
                let text = v.map_or("(absent)".to_string(), |v| v.to_string());
                if text.len() > 400 {
                    format!("{}...", &text[..text.floor_char_boundary(400)])
                } else {
                    text
                }
            };
            return Some(format!(
                "`{key}` differs: expected {} got {}",
                show(e.get(key)),
                show(g.get(key))
            ));
        }
    }
    Some("outputs differ".into())
}

/// A status the fake answers with, its Retry-After, what it should be, and the check.
type ErrorClass = (u16, Option<u64>, &'static str, fn(&ErrorKind) -> bool);

/// Timeouts, cancellation, error classes and the query texts, through the fake.
async fn fault_checks(
    connector: &dyn Connector,
    fake: &dyn FaultSwitch,
    fixture: &Fixture,
) -> Vec<String> {
    let source = connector.source();
    let name = |check: &str| format!("{source}: {check}");
    let mut failures = Vec::new();
    let mut query = Query::new(source);
    query.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    if source == SourceKey::Docs {
        query.tenant_ids.clear();
        query.search_terms = vec!["dlp".into()];
    }

    // No user words in the query text.
    let hostile = "x' or '1'='1\" | take 1 --";
    let _ = fake.take_query_texts();
    let mut probe = query.clone();
    // Work items have no owner: the store refuses the filter, and a connector may refuse it
    // before sending anything, so their probe carries the value as a product area instead.
    if source == SourceKey::Ado {
        probe.filters.product_areas.push(hostile.into());
    } else {
        probe.filters.owner = Some(hostile.into());
    }
    probe.search_terms.push(hostile.into());
    let _ = connector.run(&probe).await;
    let texts = fake.take_query_texts();
    if texts.is_empty() {
        failures.push(name("the fake recorded no query text"));
    }
    if let Some(text) = texts.iter().find(|t| t.contains(hostile)) {
        failures.push(name(&format!(
            "a user value was spliced into the query text: {text}"
        )));
    }

    // Errors classified as the status says.
    let classes: [ErrorClass; 5] = [
        (429, Some(2), "rate limited with Retry-After", |k| {
            *k == ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(2)),
            }
        }),
        (503, None, "transient", |k| {
            matches!(k, ErrorKind::Unavailable | ErrorKind::RateLimited { .. })
        }),
        (400, None, "a bad query", |k| *k == ErrorKind::BadQuery),
        (401, None, "an auth error", |k| *k == ErrorKind::Auth),
        (403, None, "an auth error", |k| *k == ErrorKind::Auth),
    ];
    for (code, retry_after_secs, expected, check) in classes {
        fake.set(FakeFault::Status {
            code,
            retry_after_secs,
        });
        match connector.run(&query).await {
            Ok(_) => failures.push(name(&format!("status {code} was answered as a success"))),
            Err(e) if check(&e.kind) => {}
            Err(e) => failures.push(name(&format!(
                "status {code} should be {expected}, got {:?}: {e}",
                e.kind
            ))),
        }
    }

    // The per-call timeout: a source that never answers ends as a Timeout, in time.
    fake.set(FakeFault::Hang);
    let bound = Subject::TIMEOUT * 2;
    match tokio::time::timeout(bound, connector.run(&query)).await {
        Err(_) => failures.push(name(&format!(
            "a hanging source was still waited for after {bound:?} (timeout {:?})",
            Subject::TIMEOUT
        ))),
        Ok(Ok(_)) => failures.push(name("a hanging source answered")),
        Ok(Err(e)) if e.kind == ErrorKind::Timeout => {}
        Ok(Err(e)) => failures.push(name(&format!(
            "a hanging source should end as a Timeout, got {:?}: {e}",
            e.kind
        ))),
    }

    // Cancellation: abandon a hanging call; the connector then answers normally.
    let abandoned = tokio::time::timeout(Duration::from_millis(50), connector.run(&query)).await;
    if abandoned.is_ok() {
        failures.push(name("a hanging call ended before it was abandoned"));
    }
    fake.set(FakeFault::None);
    if let Err(e) = connector.run(&query).await {
        failures.push(name(&format!(
            "after an abandoned call the connector failed: {e}"
        )));
    }
    failures
}
