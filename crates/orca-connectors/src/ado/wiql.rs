//! The WIQL text of a query: which work item ids to fetch, filtered at the source as far as WIQL
//! can say it, newest first.
//!
//! Invariant: the text is assembled from fixed fragments, field reference names checked when
//! the config was read ([`super::batch::FieldNames`]), and values written only through
//! [`string_literal`] (single quotes doubled), [`date_literal`] (formatted from a typed instant)
//! or as integers parsed here. A user's word never reaches the text as written.
//!
//! What is pushed down (every condition ANDed; the store's semantics are applied again to the
//! fetched rows, so each condition only has to keep every row the store would keep):
//! - the project (`[System.TeamProject]`), the work item types and states Orca knows (DESIGN
//!   section 6), narrowed by `work_item_types`, `states`, `exclude_states` and the status filter,
//!   folded into one `IN` list each;
//! - the tenant scope: `tenant_ids`, or a cohort resolved to its tenants through the registry;
//!   every tenant (`all_tenants`) asks for a non-empty tenant field;
//! - `item_ids` and the incident ids of `icm` context (integers only);
//! - the time range and `created_before` on the creation date, without context (the link
//!   replaces the time filters, as in the store). Upper bounds that include their instant are
//!   sent as `<` the next second: the store keeps whole seconds, the service milliseconds.
//!
//! Left to the client-side evaluation: product areas (whole words in the title or area path,
//! which WIQL's `CONTAINS WORDS` does not match the same way), `owner` (work items have none:
//! the store's semantics refuse it) and a tenant or id list longer than [`MAX_LISTED`] values
//! (WIQL texts are limited to 32,768 characters).
//!
//! A query that matches nothing whatever the data (every state excluded, ids that are not
//! integers, an empty cohort or context list) is [`Plan::Nothing`]: no request is sent, and the
//! store's semantics answer over no rows. So is a query without any scope, which the store
//! refuses: the evaluation gives that refusal without fetching the whole project.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use orca_core::{Customer, Query, SourceKey, StatusFilter, TimeEvent};

use super::batch::FieldNames;
use crate::store::model::data_files::{WORK_ITEM_STATES, WORK_ITEM_TYPES};
use crate::store::model::{parse_work_item_state, parse_work_item_type};

/// Most values of one `IN` list sent; a longer list is applied client-side only.
pub const MAX_LISTED: usize = 500;

/// What to ask the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No work item can match: answer over no rows without a request.
    Nothing,
    /// The WIQL text selecting the ids to fetch.
    Wiql(String),
}

/// A WIQL string literal: the value in single quotes, each single quote doubled.
pub fn string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A WIQL date literal of an instant, to the second in UTC (the service compares times only
/// with `timePrecision=true`, which the connector always sends).
pub fn date_literal(instant: DateTime<Utc>) -> String {
    format!("'{}'", instant.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// A field reference: `[System.State]`. Names are checked when the config is read.
pub fn field(name: &str) -> String {
    format!("[{name}]")
}

/// `[field] IN (a, b)` of already-written literals.
fn in_list(name: &str, literals: &[String]) -> String {
    format!("{} IN ({})", field(name), literals.join(", "))
}

/// The reachability check: selects nothing, but names every configured field, so the service
/// refuses it when a field does not exist in the organization.
pub fn check_text(fields: &FieldNames) -> String {
    let selected: Vec<String> = fields.all().iter().map(|f| field(f)).collect();
    format!(
        "SELECT {} FROM WorkItems WHERE {} = 0",
        selected.join(", "),
        field(&fields.id)
    )
}

/// The WIQL of `query` (see the module docs).
pub fn plan(query: &Query, fields: &FieldNames, project: &str, customers: &[Customer]) -> Plan {
    let filters = &query.filters;
    let mut conditions = vec![format!(
        "[System.TeamProject] = {}",
        string_literal(project)
    )];

    // Types and states Orca knows, narrowed by the filters.
    let types: Vec<&str> = if filters.work_item_types.is_empty() {
        WORK_ITEM_TYPES.to_vec()
    } else {
        let mut asked: Vec<&str> = filters
            .work_item_types
            .iter()
            .filter_map(|t| parse_work_item_type(t))
            .collect();
        asked.dedup();
        WORK_ITEM_TYPES
            .into_iter()
            .filter(|t| asked.contains(t))
            .collect()
    };
    let included: Vec<&str> = filters
        .states
        .iter()
        .filter_map(|s| parse_work_item_state(s))
        .collect();
    let excluded: Vec<&str> = filters
        .exclude_states
        .iter()
        .filter_map(|s| parse_work_item_state(s))
        .collect();
    let is_open = |s: &str| s != "Resolved" && s != "Closed";
    let states: Vec<&str> = WORK_ITEM_STATES
        .into_iter()
        .filter(|s| included.is_empty() || included.contains(s))
        .filter(|s| !excluded.contains(s))
        .filter(|s| match filters.status {
            Some(StatusFilter::Open | StatusFilter::Unresolved) => is_open(s),
            Some(StatusFilter::Closed) => !is_open(s),
            None => true,
        })
        .collect();
    if types.is_empty() || states.is_empty() {
        return Plan::Nothing;
    }
    let literals = |values: &[&str]| -> Vec<String> {
        values.iter().map(|v| string_literal(v)).collect::<Vec<_>>()
    };
    conditions.push(in_list(&fields.work_item_type, &literals(&types)));
    conditions.push(in_list(&fields.state, &literals(&states)));

    // Items named by id, and items linked to incidents of the context.
    let own_ids: Vec<&str> = filters.ids_of(SourceKey::Ado).map(str::trim).collect();
    if !own_ids.is_empty() {
        let ids = integers(own_ids.iter().copied());
        if ids.is_empty() {
            return Plan::Nothing;
        }
        if ids.len() <= MAX_LISTED {
            conditions.push(in_list(&fields.id, &ids));
        }
    }
    let mut linked = query
        .context
        .iter()
        .filter(|c| c.source == SourceKey::Icm)
        .peekable();
    let has_link = linked.peek().is_some();
    if has_link {
        let ids = integers(linked.flat_map(|c| c.ids.iter().map(String::as_str)));
        if ids.is_empty() {
            return Plan::Nothing;
        }
        if ids.len() <= MAX_LISTED {
            conditions.push(in_list(&fields.incident_id, &ids));
        }
    }

    // The tenant scope.
    let tenants: Option<Vec<String>> = if query.all_tenants {
        query
            .cohort
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|cohort| {
                customers
                    .iter()
                    .filter(|c| {
                        c.segment
                            .as_deref()
                            .is_some_and(|s| s.eq_ignore_ascii_case(cohort))
                    })
                    .map(|c| c.tenant_id.trim().to_ascii_lowercase())
                    .collect()
            })
    } else if !query.tenant_ids.is_empty() {
        Some(
            query
                .tenant_ids
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .collect(),
        )
    } else if own_ids.is_empty() && !has_link {
        // No scope at all: the store refuses the query; do not fetch the whole project.
        return Plan::Nothing;
    } else {
        None
    };
    match tenants {
        Some(tenants) if tenants.is_empty() => return Plan::Nothing,
        Some(mut tenants) if tenants.len() <= MAX_LISTED => {
            tenants.sort();
            tenants.dedup();
            let literals: Vec<String> = tenants.iter().map(|t| string_literal(t)).collect();
            conditions.push(in_list(&fields.tenant_id, &literals));
        }
        _ => conditions.push(format!("{} <> ''", field(&fields.tenant_id))),
    }

    // Time, on the creation date, unless a context link replaces it.
    if !has_link {
        let created = field(&fields.created_at);
        if let Some(range) = &query.time_range
            && range.event == TimeEvent::Created
        {
            conditions.push(format!("{created} >= {}", date_literal(range.from)));
            let before = if range.to_inclusive {
                range.to + Duration::seconds(1)
            } else {
                range.to
            };
            conditions.push(format!("{created} < {}", date_literal(before)));
        }
        if let Some(instant) = filters.created_before {
            conditions.push(format!(
                "{created} < {}",
                date_literal(instant + Duration::seconds(1))
            ));
        }
    }

    Plan::Wiql(format!(
        "SELECT {} FROM WorkItems WHERE {} ORDER BY {} DESC, {} DESC",
        field(&fields.id),
        conditions.join(" AND "),
        field(&fields.created_at),
        field(&fields.id)
    ))
}

/// The values that are integers, as WIQL integer literals; the others match nothing.
fn integers<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut ids: Vec<i64> = values
        .into_iter()
        .filter_map(|v| v.trim().parse::<i64>().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|i| i.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use orca_core::plan::{ItemId, TimeRange};
    use orca_core::{ContextItem, Filters};

    use super::*;

    const FORD: &str = "2f8b1a2c-0000-4000-8000-000000000001";

    fn wiql(query: &Query) -> String {
        match plan(query, &FieldNames::default(), "Pur'view", &[]) {
            Plan::Wiql(text) => text,
            Plan::Nothing => panic!("a request was expected"),
        }
    }

    fn scoped() -> Query {
        let mut query = Query::new(SourceKey::Ado);
        query.tenant_ids = vec![format!(" {} ", FORD.to_uppercase())];
        query
    }

    #[test]
    fn literals_double_single_quotes() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal("''"), "''''''");
        assert_eq!(
            date_literal(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()),
            "'2026-11-24T12:00:00Z'"
        );
    }

    #[test]
    fn a_scoped_count_names_project_types_states_and_tenants() {
        assert_eq!(
            wiql(&scoped()),
            format!(
                "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = 'Pur''view' \
                 AND [System.WorkItemType] IN ('Bug', 'DCR', 'Feature') \
                 AND [System.State] IN ('New', 'Active', 'Resolved', 'Closed') \
                 AND [Custom.TenantId] IN ('{FORD}') \
                 ORDER BY [System.CreatedDate] DESC, [System.Id] DESC"
            )
        );
    }

    #[test]
    fn a_hostile_tenant_value_stays_inside_its_literal() {
        let mut query = Query::new(SourceKey::Ado);
        let hostile = "x') OR [System.Id] > 0 OR ('";
        query.tenant_ids = vec![hostile.into()];
        let text = wiql(&query);
        assert!(!text.contains(hostile), "{text}");
        assert!(
            text.contains("IN ('x'') or [system.id] > 0 or (''')"),
            "{text}"
        );
    }

    #[test]
    fn filters_fold_into_the_lists_and_time_bounds() {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        let mut query = scoped();
        query.filters = Filters {
            status: Some(StatusFilter::Open),
            states: vec!["active".into(), "closed".into(), "waiting".into()],
            work_item_types: vec!["bug".into(), "Epic".into()],
            created_before: Some(now - Duration::days(1)),
            ..Filters::default()
        };
        query.time_range = Some(TimeRange {
            to_inclusive: true,
            ..TimeRange::new(now - Duration::days(30), now, "last 30 days")
        });
        let text = wiql(&query);
        assert!(text.contains("[System.WorkItemType] IN ('Bug')"), "{text}");
        assert!(text.contains("[System.State] IN ('Active')"), "{text}");
        assert!(
            text.contains(
                "[System.CreatedDate] >= '2026-10-25T12:00:00Z' \
                 AND [System.CreatedDate] < '2026-11-24T12:00:01Z' \
                 AND [System.CreatedDate] < '2026-11-23T12:00:01Z'"
            ),
            "{text}"
        );
    }

    #[test]
    fn ids_and_context_are_integers_and_replace_time() {
        let mut query = scoped();
        query.filters.item_ids = vec![
            ItemId {
                source: SourceKey::Ado,
                id: " 3000061 ".into(),
            },
            ItemId {
                source: SourceKey::Icm,
                id: "x".into(),
            },
        ];
        query.context = vec![ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Icm,
            ids: vec!["400000457".into(), "abc'".into(), "400000001".into()],
        }];
        query.time_range = Some(TimeRange::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap(),
            "January",
        ));
        let text = wiql(&query);
        assert!(text.contains("[System.Id] IN (3000061)"), "{text}");
        assert!(
            text.contains("[Custom.IncidentId] IN (400000001, 400000457)"),
            "{text}"
        );
        assert!(!text.contains("CreatedDate] >="), "{text}");
    }

    #[test]
    fn queries_that_match_nothing_send_nothing() {
        let nothing = |edit: &dyn Fn(&mut Query)| {
            let mut query = scoped();
            edit(&mut query);
            plan(&query, &FieldNames::default(), "P", &[]) == Plan::Nothing
        };
        assert!(nothing(&|q| q.filters.exclude_states =
            WORK_ITEM_STATES.iter().map(|s| s.to_string()).collect()));
        assert!(nothing(&|q| q.filters.work_item_types = vec!["Epic".into()]));
        assert!(nothing(&|q| q.filters.item_ids = vec![ItemId {
            source: SourceKey::Ado,
            id: "bug-1".into()
        }]));
        assert!(nothing(&|q| {
            q.tenant_ids.clear();
            q.all_tenants = true;
            q.cohort = Some("Nobody".into());
        }));
        assert!(nothing(&|q| q.tenant_ids.clear()));
        assert!(!nothing(&|q| {
            q.tenant_ids.clear();
            q.all_tenants = true;
        }));
    }

    #[test]
    fn every_tenant_asks_for_a_tenant_field_and_a_cohort_for_its_tenants() {
        let mut query = Query::new(SourceKey::Ado);
        query.all_tenants = true;
        assert!(wiql(&query).contains("[Custom.TenantId] <> ''"));
        let customers = vec![Customer {
            name: "Ford".into(),
            tenant_id: FORD.into(),
            aliases: vec![],
            segment: Some("MCS".into()),
            attributes: Default::default(),
        }];
        query.cohort = Some(" mcs ".into());
        let Plan::Wiql(text) = plan(&query, &FieldNames::default(), "P", &customers) else {
            panic!("a request was expected");
        };
        assert!(
            text.contains(&format!("[Custom.TenantId] IN ('{FORD}')")),
            "{text}"
        );
    }

    #[test]
    fn the_check_names_every_field() {
        let text = check_text(&FieldNames::default());
        assert!(
            text.starts_with("SELECT [System.Id], [System.WorkItemType]"),
            "{text}"
        );
        assert!(text.contains("[Custom.IncidentId]"), "{text}");
        assert!(text.ends_with("WHERE [System.Id] = 0"), "{text}");
    }
}
