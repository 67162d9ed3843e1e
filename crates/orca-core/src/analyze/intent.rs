//! Intents (DESIGN section 9): which kind of answer a request asks for, and the words that say
//! so, claimed as `Role::Intent`.
//!
//! - Rank: "top N [customers]", "most", "highest", "biggest", "fewest", "least", "lowest",
//!   "which/what customer(s) ...", "rank", "ranking", "leaderboard". "which customer" ranks
//!   one (ties kept), "which customers" (without most/fewest) lists every customer with a match,
//!   "top N" ranks N. Only items (cases, incidents, work items) are ranked.
//! - Breakdown: "by|per X", "broken down by X", "grouped by X", "split by X", where X is product
//!   area, area, product, severity, sev, priority, status, state, owner, engineer, assignee, team,
//!   customer, account, tenant, type; "breakdown", "distribution" alone break down by product
//!   area.
//! - Trend: "trend(s)", "trending [up|down]", "over time", "per|by day|week|month", "daily",
//!   "weekly", "monthly", "week over week", "month over month", "getting better|worse",
//!   "improving", "worsening", "rising", "increasing", "decreasing", "going up|down". The bucket
//!   is the one asked, else chosen by the range (up to 31 days: day; up to 26 weeks: week;
//!   longer: month). Without a time range, last month and this month, by month.
//! - List: "list", "oldest", "newest", "latest", "most recent", "earliest", "N oldest", "all"
//!   right before the items' words ("all open cases"): rows sorted as asked, N of them, every
//!   one (up to `Shape::MAX_ROWS`) for "all".
//! - Lookup: an item named by its id with a field word ("who owns", "owner", "status",
//!   "state", "assigned"): the item's row.
//! - Aggregate: "average|avg|mean age", "how old" -> average age in days; "mean|average time to
//!   mitigate", "mttm", "time to mitigate" -> mean hours to mitigate.
//!
//! Invariant: a word is claimed only when the intent is answered (the connectors push it down);
//! words of intents not built yet (compare, investigate) stay unclaimed and are reported as not
//! understood.

use chrono::{DateTime, Utc};

use super::tokens::{Role, Tok};
use super::vocab::{is_number, is_scope_noun, number_word};
use crate::plan::TimeRange;
use crate::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};

/// Entries of a ranking asked without a number ("top customers", "which customers have the
/// most ...").
const DEFAULT_TOP: usize = 10;

/// What the intent pass found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Found {
    pub shape: Shape,
    /// The intent asks across customers (rank, "which customers"): scope all unless named.
    pub across_customers: bool,
    /// Trend without a time range: the default range to use.
    pub default_range: Option<TimeRange>,
    /// Words that ask for a comparison ("compare", "vs", "than"): left unclaimed here; the
    /// analyzer claims them when there are two sides (two customers or two periods).
    pub compare_words: Vec<usize>,
}

fn free<'w>(toks: &[Tok<'w>], i: usize) -> Option<&'w str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

fn claim(toks: &mut [Tok<'_>], from: usize, to: usize) {
    for tok in &mut toks[from..to] {
        tok.role = Role::Intent;
    }
}

fn count_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let w = free(toks, i)?;
    if is_number(w) {
        return w.parse().ok().filter(|n| (1..=Shape::MAX_ROWS).contains(n));
    }
    number_word(w).map(|n| n as usize)
}

fn group_word(w: &str, next: Option<&str>) -> Option<(GroupBy, usize)> {
    Some(match (w, next) {
        ("product", Some("area" | "areas")) | ("feature", Some("area" | "areas")) => {
            (GroupBy::ProductArea, 2)
        }
        ("area" | "areas" | "product" | "products" | "component" | "components", _) => {
            (GroupBy::ProductArea, 1)
        }
        ("severity" | "severities" | "sev" | "priority" | "priorities", _) => {
            (GroupBy::Severity, 1)
        }
        ("status" | "statuses" | "state" | "states", _) => (GroupBy::Status, 1),
        (
            "owner" | "owners" | "engineer" | "engineers" | "assignee" | "assignees" | "team"
            | "teams",
            _,
        ) => (GroupBy::Owner, 1),
        (
            "customer" | "customers" | "account" | "accounts" | "tenant" | "tenants" | "client"
            | "clients",
            _,
        ) => (GroupBy::Customer, 1),
        ("type" | "types" | "kind" | "kinds", _) => (GroupBy::WorkItemType, 1),
        _ => return None,
    })
}

fn bucket_word(w: &str) -> Option<Bucket> {
    Some(match w {
        "day" | "days" | "daily" => Bucket::Day,
        "week" | "weeks" | "weekly" => Bucket::Week,
        "month" | "months" | "monthly" => Bucket::Month,
        _ => return None,
    })
}

/// The bucket for a range: up to 31 days by day, up to 26 weeks by week, else by month.
pub(crate) fn bucket_for(range: &TimeRange) -> Bucket {
    let days = (range.to - range.from).num_days();
    if days <= 31 {
        Bucket::Day
    } else if days <= 26 * 7 {
        Bucket::Week
    } else {
        Bucket::Month
    }
}

/// Finds the intent words among the free tokens. `items` says the request asks for cases,
/// incidents or work items (the sources that aggregate); `ids` that it names single items.
pub(crate) fn find(
    toks: &mut [Tok<'_>],
    items: bool,
    ids: bool,
    time_range: Option<&TimeRange>,
    now: DateTime<Utc>,
) -> Found {
    let mut found = Found::default();
    let mut intent: Option<Intent> = None;
    // "which customers ..." (plural): every customer, or the top ones with "most".
    let mut plural_which = false;
    let set = |intent: &mut Option<Intent>, new: Intent| {
        // The first intent found wins, except that a rank or breakdown outranks a list word.
        match intent {
            None => *intent = Some(new),
            Some(Intent::List) if new != Intent::List => *intent = Some(new),
            _ => {}
        }
    };
    let n = toks.len();
    let mut i = 0;
    while i < n {
        let Some(w) = free(toks, i) else {
            i += 1;
            continue;
        };
        let next = free(toks, i + 1);
        // --- list order words first ("most recent" is no rank) --------------------------
        let list_sort = match (w, next) {
            ("most", Some("recent")) => Some((Order::Desc, SortKey::Created, 2)),
            ("oldest" | "earliest", _) => Some((Order::Asc, SortKey::Created, 1)),
            ("newest" | "latest" | "recent", _) => Some((Order::Desc, SortKey::Created, 1)),
            ("most" | "highest", Some("severe" | "critical")) => {
                Some((Order::Desc, SortKey::Severity, 2))
            }
            ("worst", _) if !items => None,
            _ => None,
        };
        if let Some((order, by, mut len)) = list_sort
            && items
        {
            set(&mut intent, Intent::List);
            // "oldest first", "newest first": the order said twice.
            if free(toks, i + len) == Some("first") {
                claim(toks, i + len, i + len + 1);
                len += 1;
            }
            found.shape.sort = Some(Sort { by, order });
            // "the 5 oldest" or "oldest 5": the count; "the oldest open case": one.
            if i > 0
                && let Some(count) = count_at(toks, i - 1)
            {
                found.shape.limit = Some(count);
                claim(toks, i - 1, i);
            } else if let Some(count) = count_at(toks, i + len) {
                found.shape.limit = Some(count);
                claim(toks, i + len, i + len + 1);
            } else if let Some(item) = toks[i + len..].iter().find(|t| t.role == Role::Keyword)
                && !item.folded.ends_with('s')
            {
                found.shape.limit = Some(1);
            }
            claim(toks, i, i + len);
            i += len;
            continue;
        }
        // "sorted by severity", "ordered by date": a list's order, not a breakdown.
        if items && matches!(w, "sorted" | "sort" | "ordered" | "order") && next == Some("by") {
            let key = free(toks, i + 2);
            let by = match key {
                Some("severity" | "sev" | "priority") => Some(SortKey::Severity),
                Some("date" | "created" | "age" | "time" | "creation") => Some(SortKey::Created),
                _ => None,
            };
            if let Some(by) = by {
                set(&mut intent, Intent::List);
                // Most severe first; by date, newest first ("oldest first" says otherwise).
                let order = match (by, free(toks, i + 3)) {
                    (_, Some("asc" | "ascending")) => Order::Asc,
                    (SortKey::Created, Some("oldest")) => Order::Asc,
                    _ => Order::Desc,
                };
                found.shape.sort = Some(Sort { by, order });
                let mut len = 3;
                if matches!(
                    free(toks, i + 3),
                    Some("asc" | "ascending" | "desc" | "descending" | "oldest" | "newest")
                ) {
                    len += 1;
                    if free(toks, i + 4) == Some("first") {
                        len += 1;
                    }
                }
                claim(toks, i, i + len);
                i += len;
                continue;
            }
        }
        match w {
            // --- rank ----------------------------------------------------------------------
            "top" | "bottom" if items => {
                let mut len = 1;
                found.shape.limit = Some(count_at(toks, i + 1).unwrap_or(DEFAULT_TOP));
                if count_at(toks, i + 1).is_some() {
                    len += 1;
                }
                set(&mut intent, Intent::Rank);
                found.across_customers = true;
                if w == "bottom" {
                    found.shape.sort = Some(Sort {
                        by: SortKey::Value,
                        order: Order::Asc,
                    });
                }
                claim(toks, i, i + len);
                i += len;
                continue;
            }
            // "the most open cases", "which customer has the most": a ranking; "least
            // privilege", "most important" are not.
            // "biggest customers by cases", "least active accounts by incidents": the same,
            // with the customers named before what ranks them.
            "most" | "highest" | "biggest" | "largest" | "fewest" | "least" | "lowest"
                if items && next.is_some_and(is_scope_noun) && free(toks, i + 2) == Some("by") =>
            {
                set(&mut intent, Intent::Rank);
                found.across_customers = true;
                plural_which |= next.is_some_and(|n| n.ends_with('s'));
                found.shape.sort = Some(rank_sort(w));
                claim(toks, i, i + 3);
                i += 3;
                continue;
            }
            "most" | "highest" | "biggest" | "largest" | "fewest" | "least" | "lowest"
                if items
                    && (intent == Some(Intent::Rank)
                        || toks.get(i + 1).is_none_or(|t| {
                            matches!(t.role, Role::Filter | Role::Keyword | Role::Area)
                        })) =>
            {
                set(&mut intent, Intent::Rank);
                found.across_customers = true;
                found.shape.sort = Some(rank_sort(w));
                claim(toks, i, i + 1);
            }
            "which" | "what" if items => {
                // "which customer", "which MCS customers", "what accounts".
                let noun = (1..=2).find_map(|k| {
                    free(toks, i + k)
                        .filter(|w| {
                            matches!(
                                *w,
                                "customer"
                                    | "customers"
                                    | "account"
                                    | "accounts"
                                    | "tenant"
                                    | "tenants"
                                    | "client"
                                    | "clients"
                            )
                        })
                        .map(|w| (k, w))
                });
                if let Some((k, noun)) = noun {
                    set(&mut intent, Intent::Rank);
                    found.across_customers = true;
                    if !noun.ends_with('s') && found.shape.limit.is_none() {
                        found.shape.limit = Some(1);
                    }
                    if noun.ends_with('s') {
                        plural_which = true;
                    }
                    claim(toks, i, i + 1);
                    // The noun itself, unless a cohort word sits between (the scope pass
                    // reads "MCS customers").
                    if k == 1 {
                        claim(toks, i + 1, i + 2);
                    }
                } else if toks[i + 1..toks.len().min(i + 5)]
                    .iter()
                    .any(|t| t.role == Role::Keyword)
                {
                    // "which GM incidents are still active": the items asked for, as listed.
                    claim(toks, i, i + 1);
                }
            }
            // "how many customers have open Sev A cases", "number of MCS accounts with
            // incidents": the customers that have them, counted and named (a rank of every
            // one), never the items' own count. Without items ("how many customers are in
            // MCS") the registry answers: see `counts_customers` in analyze/mod.rs.
            "how" | "number" | "count"
                if items
                    && matches!(
                        (w, next),
                        ("how", Some("many")) | ("number" | "count", Some("of"))
                    )
                    && (2..=3).any(|k| free(toks, i + k).is_some_and(is_scope_noun)) =>
            {
                set(&mut intent, Intent::Rank);
                found.across_customers = true;
                plural_which = true;
                claim(toks, i, i + 2);
                // The noun itself, unless a cohort word sits between (the scope pass reads
                // "MCS customers").
                if free(toks, i + 2).is_some_and(is_scope_noun) {
                    claim(toks, i + 2, i + 3);
                }
                i += 2;
                continue;
            }
            "rank" | "ranked" | "ranking" | "rankings" | "leaderboard" if items => {
                set(&mut intent, Intent::Rank);
                found.across_customers = true;
                claim(toks, i, i + 1);
            }
            // --- breakdown and trend buckets ---------------------------------------------------
            // "how many open incidents does each MCS customer have": one value per customer
            // (the cohort word stays for the scope pass).
            "each" | "per" | "every"
                if items
                    && free(toks, i + 2).is_some_and(|w| {
                        matches!(
                            w,
                            "customer"
                                | "customers"
                                | "account"
                                | "accounts"
                                | "tenant"
                                | "tenants"
                        )
                    })
                    && next.is_some_and(|w| group_word(w, None).is_none()) =>
            {
                set(&mut intent, Intent::Breakdown);
                found.shape.group_by = Some(GroupBy::Customer);
                claim(toks, i, i + 1);
            }
            "by" | "per" | "each" if items => {
                let after = free(toks, i + 2);
                if let Some(bucket) = next.and_then(bucket_word) {
                    set(&mut intent, Intent::Trend);
                    found.shape.bucket = Some(bucket);
                    claim(toks, i, i + 2);
                    i += 2;
                    continue;
                }
                if let Some((group, len)) = next.and_then(|x| group_word(x, after)) {
                    set(&mut intent, Intent::Breakdown);
                    found.shape.group_by = Some(group);
                    claim(toks, i, i + 1 + len);
                    i += 1 + len;
                    continue;
                }
                // "top 5 customers by Sev A cases": what the ranking counts.
                if intent == Some(Intent::Rank)
                    && toks.get(i + 1).is_some_and(|t| {
                        matches!(t.role, Role::Filter | Role::Keyword | Role::Area)
                    })
                {
                    claim(toks, i, i + 1);
                }
            }
            "broken" | "grouped" | "split" | "group" | "break"
                if items && matches!(next, Some("by" | "down")) =>
            {
                let mut k = i + 1;
                if free(toks, k) == Some("down") {
                    k += 1;
                }
                if free(toks, k) == Some("by") {
                    k += 1;
                }
                set(&mut intent, Intent::Breakdown);
                if let Some((group, len)) =
                    free(toks, k).and_then(|x| group_word(x, free(toks, k + 1)))
                {
                    found.shape.group_by = Some(group);
                    k += len;
                }
                claim(toks, i, k);
                i = k;
                continue;
            }
            "breakdown" | "distribution" | "split" if items => {
                set(&mut intent, Intent::Breakdown);
                let mut len = 1;
                if matches!(next, Some("of" | "by")) {
                    len += 1;
                    if let Some((group, glen)) =
                        free(toks, i + 2).and_then(|x| group_word(x, free(toks, i + 3)))
                        && next == Some("by")
                    {
                        found.shape.group_by = Some(group);
                        len += glen;
                    }
                }
                claim(toks, i, i + len);
                i += len;
                continue;
            }
            "daily" | "weekly" | "monthly" if items => {
                set(&mut intent, Intent::Trend);
                found.shape.bucket = bucket_word(w);
                claim(toks, i, i + 1);
            }
            "trend" | "trends" | "trending" | "trended" if items => {
                set(&mut intent, Intent::Trend);
                let len = if matches!(next, Some("up" | "down" | "upward" | "downward")) {
                    2
                } else {
                    1
                };
                claim(toks, i, i + len);
                i += len;
                continue;
            }
            "over" if items && next == Some("time") => {
                set(&mut intent, Intent::Trend);
                claim(toks, i, i + 2);
                i += 2;
                continue;
            }
            "getting" | "going" | "go" | "goes" | "went" | "gone" | "get" | "got"
                if items && matches!(next, Some("better" | "worse" | "up" | "down")) =>
            {
                set(&mut intent, Intent::Trend);
                // "go up or down", "getting better or worse": both directions asked.
                let mut len = 2;
                if free(toks, i + 2) == Some("or")
                    && matches!(free(toks, i + 3), Some("better" | "worse" | "up" | "down"))
                {
                    len = 4;
                }
                claim(toks, i, i + len);
                i += len;
                continue;
            }
            "improving" | "worsening" | "rising" | "increasing" | "decreasing" | "declining"
            | "growing" | "changed" | "evolved" | "evolution" | "history" | "historical"
            | "increase" | "increased" | "decrease" | "decreased" | "grow" | "grew" | "rise"
            | "rose" | "improve" | "improved" | "worsen" | "worsened"
                if items =>
            {
                set(&mut intent, Intent::Trend);
                claim(toks, i, i + 1);
            }
            // --- list ------------------------------------------------------------------------
            "list" | "listing" | "enumerate" if items => {
                set(&mut intent, Intent::List);
                let len = if next == Some("of") { 2 } else { 1 };
                claim(toks, i, i + len);
                if next == Some("all") || free(toks, i + len) == Some("all") {
                    found.shape.limit = Some(Shape::MAX_ROWS);
                }
                i += len;
                continue;
            }
            // --- lookup ----------------------------------------------------------------------
            "owns" | "owner" | "assigned" | "assignee" | "status" | "state" | "who" if ids => {
                set(&mut intent, Intent::Lookup);
                claim(toks, i, i + 1);
            }
            // --- aggregate -------------------------------------------------------------------
            "average" | "avg" | "mean" if items => {
                if matches!(next, Some("age" | "ages")) {
                    set(&mut intent, Intent::Aggregate);
                    found.shape.measure = Measure::AverageAgeDays;
                    claim(toks, i, i + 2);
                    i += 2;
                    continue;
                }
                if next == Some("time")
                    && free(toks, i + 2) == Some("to")
                    && matches!(
                        free(toks, i + 3),
                        Some("mitigate" | "mitigation" | "mitigated")
                    )
                {
                    set(&mut intent, Intent::Aggregate);
                    found.shape.measure = Measure::MeanTimeToMitigateHours;
                    claim(toks, i, i + 4);
                    i += 4;
                    continue;
                }
            }
            "mttm" if items => {
                set(&mut intent, Intent::Aggregate);
                found.shape.measure = Measure::MeanTimeToMitigateHours;
                claim(toks, i, i + 1);
            }
            "time"
                if items
                    && next == Some("to")
                    && matches!(free(toks, i + 2), Some("mitigate" | "mitigation")) =>
            {
                set(&mut intent, Intent::Aggregate);
                found.shape.measure = Measure::MeanTimeToMitigateHours;
                claim(toks, i, i + 3);
                i += 3;
                continue;
            }
            // "how long do GM incidents take to mitigate", "how long to mitigate": the mean.
            "how" if items && next == Some("long") => {
                let to = (i + 2..toks.len()).find(|&j| {
                    free(toks, j) == Some("to")
                        && matches!(free(toks, j + 1), Some("mitigate" | "mitigation"))
                });
                if let Some(to) = to {
                    set(&mut intent, Intent::Aggregate);
                    found.shape.measure = Measure::MeanTimeToMitigateHours;
                    claim(toks, i, i + 2);
                    let take = to > i + 2
                        && matches!(
                            free(toks, to - 1),
                            Some("take" | "takes" | "took" | "taking")
                        );
                    claim(toks, if take { to - 1 } else { to }, to + 2);
                    i += 2;
                    continue;
                }
            }
            "how" if items && next == Some("old") => {
                set(&mut intent, Intent::Aggregate);
                found.shape.measure = Measure::AverageAgeDays;
                claim(toks, i, i + 2);
                i += 2;
                continue;
            }
            // --- investigate ---------------------------------------------------------------
            "why" | "investigate" | "investigation" | "rca" | "spike" | "spiked" | "spikes"
            | "spiking" | "jump" | "jumped" | "surge" | "surged" | "driving" | "drove"
            | "drivers" | "driver"
                if items =>
            {
                set(&mut intent, Intent::Investigate);
                claim(toks, i, i + 1);
            }
            "root" if items && next == Some("cause") => {
                set(&mut intent, Intent::Investigate);
                claim(toks, i, i + 2);
                i += 2;
                continue;
            }
            "caused" | "behind"
                if items && i > 0 && matches!(free(toks, i - 1), Some("what" | "whats")) =>
            {
                set(&mut intent, Intent::Investigate);
                claim(toks, i - 1, i + 1);
            }
            "compare" | "compared" | "comparing" | "comparison" | "versus" | "vs" | "against"
            | "than"
                if items =>
            {
                found.compare_words.push(i);
                // "more than", "fewer than": part of the comparison.
                if w == "than"
                    && i > 0
                    && matches!(free(toks, i - 1), Some("more" | "fewer" | "less"))
                {
                    found.compare_words.push(i - 1);
                }
            }
            "all"
                if items
                    && intent.is_none()
                    && toks.get(i + 1).is_some_and(|t| {
                        matches!(t.role, Role::Filter | Role::Keyword | Role::Area)
                    }) =>
            {
                // "all open cases for Ford", "show all bugs": every row, listed.
                set(&mut intent, Intent::List);
                found.shape.limit = Some(Shape::MAX_ROWS);
                claim(toks, i, i + 1);
            }
            _ => {}
        }
        i += 1;
    }
    let Some(intent) = intent else {
        return found;
    };
    found.shape.intent = intent;
    match intent {
        Intent::Rank => {
            found.shape.group_by = Some(GroupBy::Customer);
            // "which customers have open Sev A cases": every one of them.
            if found.shape.limit.is_none() {
                let asked_most = found.shape.sort.is_some();
                found.shape.limit = Some(match (asked_most, plural_which) {
                    (true, true) => DEFAULT_TOP,
                    (true, false) => 1,
                    (false, _) => Shape::MAX_ROWS,
                });
            }
        }
        Intent::Breakdown => {
            if found.shape.group_by.is_none() {
                found.shape.group_by = Some(GroupBy::ProductArea);
            }
            if found.shape.group_by == Some(GroupBy::Customer) {
                found.across_customers = true;
            }
        }
        Intent::Trend => {
            if time_range.is_none() {
                found.default_range = Some(default_trend_range(now));
                found.shape.bucket.get_or_insert(Bucket::Month);
            }
            if found.shape.bucket.is_none() {
                let range = time_range.or(found.default_range.as_ref());
                found.shape.bucket = Some(range.map_or(Bucket::Month, bucket_for));
            }
        }
        Intent::List => {
            found
                .shape
                .limit
                .get_or_insert(crate::connector::Query::DEFAULT_LIMIT);
        }
        Intent::Investigate if time_range.is_none() => {
            // "why did Contoso's cases spike": the last 30 days against the 30 before.
            let mut range = TimeRange::new(now - chrono::TimeDelta::days(30), now, "last 30 days");
            range.to_inclusive = true;
            found.default_range = Some(range);
        }
        _ => {}
    }
    found
}

/// A trend asked without a time range: last month and this month, up to now.
fn default_trend_range(now: DateTime<Utc>) -> TimeRange {
    use chrono::{Datelike, Months, NaiveDate};
    let today = now.date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last_month = this_month
        .checked_sub_months(Months::new(1))
        .unwrap_or(this_month);
    let mut range = TimeRange::new(
        last_month
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc(),
        now,
        "last month and this month",
    );
    range.to_inclusive = true;
    range
}

/// The order a rank word asks for: "fewest", "least" and "lowest" ascending, the rest
/// descending.
fn rank_sort(word: &str) -> Sort {
    let order = if matches!(word, "fewest" | "least" | "lowest") {
        Order::Asc
    } else {
        Order::Desc
    };
    Sort {
        by: SortKey::Value,
        order,
    }
}
