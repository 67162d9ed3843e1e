//! The classes of words the scan's rules consult: list words, the request's own function words,
//! the agents' data words, filter and time words, the words before a customer slot, and the
//! junk an injected slot is made of. Folded (normalized) words in, no registry needed.

/// Words a request may put right before a customer: "cases for Target", "customer Zoom".
pub(super) const SLOT_BEFORE: &[&str] = &[
    "account",
    "at",
    "compare",
    "client",
    "customer",
    "customers",
    "for",
    "from",
    "tenant",
];
/// Words before an unknown capitalized name that make it look like a customer ("at Globex").
pub(super) const UNKNOWN_SLOT_BEFORE: &[&str] = &[
    "about",
    "account",
    "at",
    "client",
    "customer",
    "customers",
    "for",
    "from",
    "tenant",
    "with",
];

/// A short word: two characters, or three with a digit ("gm", "pg", "3m").
pub(super) fn is_short(form: &str) -> bool {
    let n = form.chars().count();
    n <= 2 || (n <= 3 && form.chars().any(|c| c.is_ascii_digit()))
}

/// Words that join the items of a list of customers ("ford and gm", "ford vs gm"); `&` alone
/// is normalized to "and".
pub(super) fn is_list_word(w: &str) -> bool {
    matches!(w, "and" | "or" | "vs" | "versus" | "nor" | "plus")
}

/// Function words and verbs of asking that may come right before a customer's name ("show visa
/// cases", "how many ups cases", "get me target's bugs").
pub(super) fn is_request_word(w: &str) -> bool {
    matches!(
        w,
        "show"
            | "list"
            | "get"
            | "give"
            | "me"
            | "many"
            | "much"
            | "all"
            | "any"
            | "of"
            | "for"
            | "with"
            | "about"
            | "are"
            | "is"
            | "were"
            | "was"
            | "have"
            | "has"
            | "had"
            | "do"
            | "does"
            | "did"
            | "see"
            | "find"
            | "pull"
            | "display"
            | "fetch"
            | "total"
            | "count"
            | "number"
            | "check"
            | "from"
            | "at"
            | "on"
            | "in"
            | "please"
            | "pls"
    )
}

/// The agents' data words (DESIGN section 2): a request with one of them asks for customer
/// data, which makes a short name ("gm cases") or a name of two common words ("best buy
/// cases") a name, and a word right before one a typo candidate ("toyta cases").
pub(super) fn is_data_word(w: &str) -> bool {
    matches!(
        w,
        "case"
            | "cases"
            | "ticket"
            | "tickets"
            | "sr"
            | "srs"
            | "icm"
            | "icms"
            | "incident"
            | "incidents"
            | "escalation"
            | "escalations"
            | "outage"
            | "outages"
            | "critsit"
            | "critsits"
            | "bug"
            | "bugs"
            | "ado"
            | "dcr"
            | "dcrs"
            | "workitem"
            | "workitems"
            | "items"
            | "health"
            | "adoption"
            | "usage"
            | "metrics"
            | "sev"
            | "severity"
    )
}

/// Status and severity words a request puts after a customer ("for target open cases").
pub(super) fn is_filter_word(w: &str) -> bool {
    matches!(
        w,
        "open"
            | "opened"
            | "active"
            | "waiting"
            | "new"
            | "pending"
            | "closed"
            | "resolved"
            | "unresolved"
            | "mitigated"
            | "critical"
            | "created"
            | "filed"
            | "escalated"
            | "not"
    )
}

/// Words that start a time phrase ("this month", "last 30 days", "in March", "since Monday").
pub(super) fn is_time_word(w: &str) -> bool {
    matches!(
        w,
        "last"
            | "past"
            | "previous"
            | "this"
            | "today"
            | "yesterday"
            | "tonight"
            | "since"
            | "ytd"
            | "mtd"
            | "qtd"
            | "recent"
            | "recently"
            | "january"
            | "jan"
            | "february"
            | "feb"
            | "march"
            | "april"
            | "apr"
            | "june"
            | "jun"
            | "july"
            | "jul"
            | "august"
            | "aug"
            | "september"
            | "sep"
            | "sept"
            | "october"
            | "oct"
            | "november"
            | "nov"
            | "december"
            | "dec"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "q1"
            | "q2"
            | "q3"
            | "q4"
            | "h1"
            | "h2"
    ) || (!w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
}

/// Words a slot filled with junk may have ("for ' OR 1=1 --"): no name is in it.
pub(super) fn is_junk_word(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_digit())
        || matches!(
            w,
            "or" | "and"
                | "not"
                | "null"
                | "true"
                | "false"
                | "select"
                | "union"
                | "from"
                | "where"
                | "drop"
                | "table"
                | "the"
                | "a"
                | "an"
                | "is"
        )
}
