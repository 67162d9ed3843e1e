//! The cache key: a source plus its query, normalized so that queries that must give the same
//! answer get the same key.
//!
//! Normalization: tenant ids and severities sorted and deduplicated; context items keyed by
//! source and their ids (sorted), not by the task id that produced them; the time range's ends
//! rounded down to `granularity` (so "last 30 days" asked at 12:00:05 and 12:00:50 is one key;
//! an absolute range such as "Q3 2026" is already aligned and does not change); the range's label
//! dropped (it does not change the rows). Search terms keep their order (the docs connector
//! reports them in order). Invariant: two queries with different keys may have the same answer,
//! never the reverse: every field a connector reads is in the key.

use orca_core::{Filters, Query, SourceKey};
use serde::Serialize;

/// A normalized query: what the memory tier hashes and the shared tier names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CacheKey {
    pub source: SourceKey,
    pub tenant_ids: Vec<String>,
    pub all_tenants: bool,
    pub cohort: Option<String>,
    /// Unix seconds, rounded down to the granularity.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Whether `to` is included, and the event column the range applies to.
    pub to_inclusive: bool,
    pub event: Option<orca_core::TimeEvent>,
    /// Every filter (new filter fields join the key by themselves); severities sorted.
    pub filters: Filters,
    pub search_terms: Vec<String>,
    pub limit: usize,
    /// The shape of the answer (group, bucket, sort, limit, measure).
    pub shape: orca_core::shape::Shape,
    /// `(source, ids)` of each dependency output, ids sorted; items sorted.
    pub context: Vec<(SourceKey, Vec<String>)>,
}

impl CacheKey {
    /// The key of `query`, time rounded down to `granularity_secs` (>= 1).
    pub fn of(query: &Query, granularity_secs: u64) -> CacheKey {
        // Exhaustive on purpose: a new `Query` field does not compile until it is in the key.
        let Query {
            source,
            tenant_ids,
            all_tenants,
            cohort,
            time_range,
            filters,
            search_terms,
            limit,
            shape,
            context,
        } = query;
        let g = granularity_secs.max(1) as i64;
        let round = |t: i64| t.div_euclid(g) * g;
        let mut tenant_ids = tenant_ids.clone();
        sort_dedup(&mut tenant_ids);
        let mut filters = filters.clone();
        sort_dedup(&mut filters.severity);
        sort_dedup(&mut filters.exclude_severity);
        sort_dedup(&mut filters.states);
        filters.item_ids.sort();
        filters.item_ids.dedup();
        let mut context: Vec<(SourceKey, Vec<String>)> = context
            .iter()
            .map(|c| {
                let mut ids = c.ids.clone();
                sort_dedup(&mut ids);
                (c.source, ids)
            })
            .collect();
        context.sort();
        CacheKey {
            source: *source,
            tenant_ids,
            all_tenants: *all_tenants,
            cohort: cohort.clone(),
            from: time_range.as_ref().map(|r| round(r.from.timestamp())),
            to: time_range.as_ref().map(|r| round(r.to.timestamp())),
            to_inclusive: time_range.as_ref().is_some_and(|r| r.to_inclusive),
            event: time_range.as_ref().map(|r| r.event),
            filters,
            search_terms: search_terms.clone(),
            limit: *limit,
            shape: *shape,
            context,
        }
    }

    /// The canonical text of the key (compact JSON, fields in declaration order): stored inside
    /// shared-tier values and checked on read, so a hash collision can never serve another
    /// query's (another tenant's) rows.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The shared-tier key: `{prefix}{source}:{fnv1a64(canonical) as 16 hex digits}`.
    pub fn shared_name(&self, prefix: &str, canonical: &str) -> String {
        format!(
            "{prefix}{}:{:016x}",
            self.source,
            fnv1a64(canonical.as_bytes())
        )
    }
}

fn sort_dedup(v: &mut Vec<String>) {
    v.sort();
    v.dedup();
}

/// FNV-1a, 64 bits: stable across builds and platforms (unlike `DefaultHasher`), so replicas of
/// different versions agree on names. Collisions are caught by the canonical key in the value.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use orca_core::{ContextItem, StatusFilter, TimeRange};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn query() -> Query {
        let mut q = Query::new(SourceKey::Kusto);
        q.tenant_ids = vec!["b".into(), "a".into()];
        q.time_range = Some(TimeRange::new(
            at("2026-10-25T12:00:05Z"),
            at("2026-11-24T12:00:05Z"),
            "last 30 days",
        ));
        q.filters.severity = vec!["B".into(), "A".into(), "A".into()];
        q
    }

    #[test]
    fn a_minute_apart_in_one_bucket_is_one_key() {
        let early = query();
        let mut late = query();
        let range = late.time_range.as_mut().unwrap();
        range.from = at("2026-10-25T12:00:50Z");
        range.to = at("2026-11-24T12:00:50Z");
        range.label = "the last 30 days".into();
        assert_eq!(CacheKey::of(&early, 60), CacheKey::of(&late, 60));
        // The next minute is another key, and a granularity of 1 s keeps them apart.
        assert_ne!(CacheKey::of(&early, 1), CacheKey::of(&late, 1));
        let mut next = query();
        next.time_range.as_mut().unwrap().to = at("2026-11-24T12:01:00Z");
        assert_ne!(CacheKey::of(&early, 60), CacheKey::of(&next, 60));
    }

    #[test]
    fn order_and_repeats_do_not_matter_but_every_field_does() {
        let a = query();
        let mut b = query();
        b.tenant_ids = vec!["a".into(), "b".into(), "a".into()];
        b.filters.severity = vec!["A".into(), "B".into()];
        assert_eq!(CacheKey::of(&a, 60), CacheKey::of(&b, 60));

        let base = CacheKey::of(&a, 60);
        let mut other = query();
        other.tenant_ids = vec!["a".into()];
        assert_ne!(base, CacheKey::of(&other, 60), "tenants");
        let mut other = query();
        other.filters.status = Some(StatusFilter::Open);
        assert_ne!(base, CacheKey::of(&other, 60), "status");
        let mut other = query();
        other.filters.work_item_types = vec!["Bug".into()];
        assert_ne!(base, CacheKey::of(&other, 60), "work item types");
        let mut other = query();
        other.limit = 5;
        assert_ne!(base, CacheKey::of(&other, 60), "limit");
        let mut other = query();
        other.source = SourceKey::Icm;
        assert_ne!(base, CacheKey::of(&other, 60), "source");
        let mut other = query();
        other.search_terms = vec!["labels".into()];
        assert_ne!(base, CacheKey::of(&other, 60), "search terms");
        let mut other = query();
        other.all_tenants = true;
        other.cohort = Some("MCS".into());
        assert_ne!(base, CacheKey::of(&other, 60), "scope");
        let mut other = query();
        other.time_range = None;
        assert_ne!(base, CacheKey::of(&other, 60), "time range");
    }

    #[test]
    fn context_is_keyed_by_source_and_ids_not_task_ids() {
        let mut a = query();
        a.context = vec![ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Icm,
            ids: vec!["2".into(), "1".into()],
        }];
        let mut b = query();
        b.context = vec![ContextItem {
            task_id: "t7".into(),
            source: SourceKey::Icm,
            ids: vec!["1".into(), "2".into()],
        }];
        assert_eq!(CacheKey::of(&a, 60), CacheKey::of(&b, 60));
        b.context[0].ids.push("3".into());
        assert_ne!(CacheKey::of(&a, 60), CacheKey::of(&b, 60));
    }

    #[test]
    fn shared_names_are_stable_and_prefixed() {
        let key = CacheKey::of(&query(), 60);
        let canonical = key.canonical();
        let name = key.shared_name("orca:v1:", &canonical);
        assert!(name.starts_with("orca:v1:kusto:"), "{name}");
        assert_eq!(name.len(), "orca:v1:kusto:".len() + 16);
        assert_eq!(name, key.shared_name("orca:v1:", &canonical));
        // FNV-1a test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
