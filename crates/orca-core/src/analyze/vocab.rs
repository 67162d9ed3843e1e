//! The analyzer's fixed vocabulary: stop words, number words, month and weekday names, and the
//! words of its own rules (time, filters, scope, complexity, links).
//!
//! Invariant: every word a rule reacts to is listed here as reserved, so a company-like mention
//! made only of such words ("Sev A", "Show ICMs", "March") is never reported as an unknown
//! customer.

/// Words that carry no search meaning: dropped from `search_terms`.
pub(crate) fn is_stop_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "about"
            | "across"
            | "after"
            | "all"
            | "also"
            | "am"
            | "an"
            | "and"
            | "any"
            | "are"
            | "as"
            | "at"
            | "be"
            | "been"
            | "before"
            | "being"
            | "between"
            | "both"
            | "but"
            | "by"
            | "can"
            | "could"
            | "did"
            | "do"
            | "does"
            | "doing"
            | "during"
            | "each"
            | "every"
            | "few"
            | "for"
            | "from"
            | "full"
            | "get"
            | "give"
            | "going"
            | "had"
            | "has"
            | "have"
            | "having"
            | "he"
            | "her"
            | "here"
            | "him"
            | "his"
            | "how"
            | "i"
            | "if"
            | "in"
            | "into"
            | "is"
            | "it"
            | "its"
            | "just"
            | "let"
            | "list"
            | "many"
            | "me"
            | "more"
            | "most"
            | "much"
            | "my"
            | "no"
            | "not"
            | "now"
            | "of"
            | "on"
            | "or"
            | "our"
            | "out"
            | "over"
            | "please"
            | "report"
            | "s"
            | "she"
            | "should"
            | "show"
            | "so"
            | "some"
            | "tell"
            | "than"
            | "that"
            | "the"
            | "their"
            | "them"
            | "then"
            | "there"
            | "these"
            | "they"
            | "this"
            | "those"
            | "to"
            | "up"
            | "us"
            | "was"
            | "we"
            | "were"
            | "what"
            | "whats"
            | "when"
            | "where"
            | "which"
            | "while"
            | "who"
            | "why"
            | "will"
            | "with"
            | "would"
            | "you"
            | "your"
    )
}

/// Why Orca cannot answer a request, if it asks for something Orca does not do: a write as the
/// request's verb ("delete all cases for Ford", "please close case 123", "can you assign ...";
/// the first word after politeness), a forecast or prediction anywhere, or the weather. Orca
/// only reads what happened; such requests are refused, never answered with something else.
pub(crate) fn cannot_answer(toks: &[super::Tok<'_>]) -> Option<&'static str> {
    const POLITE: &[&str] = &[
        "please", "pls", "can", "could", "would", "will", "you", "kindly", "hey", "hi", "orca",
    ];
    let first = toks
        .iter()
        .map(|t| t.folded)
        .find(|w| !POLITE.contains(w))?;
    if matches!(
        first,
        "delete"
            | "remove"
            | "purge"
            | "erase"
            | "update"
            | "edit"
            | "modify"
            | "assign"
            | "reassign"
            | "close"
            | "resolve"
            | "reopen"
            | "mitigate"
            | "escalate"
            | "create"
            | "open"
            | "merge"
            | "send"
            | "email"
            | "cancel"
            | "approve"
            | "restart"
    ) {
        // "open cases for Ford" is a question; "open a case for Ford" is a write.
        let imperative_open = first != "open"
            || toks
                .iter()
                .skip_while(|t| t.folded != "open")
                .nth(1)
                .is_some_and(|t| matches!(t.folded, "a" | "an" | "new"));
        if imperative_open {
            return Some(
                "it only reads support data; it cannot create, change or delete cases, incidents or work items",
            );
        }
    }
    if toks.iter().any(|t| {
        matches!(
            t.folded,
            "forecast"
                | "forecasts"
                | "predict"
                | "predicted"
                | "prediction"
                | "predictions"
                | "projected"
                | "projection"
        )
    }) {
        return Some("it reports what happened; it does not forecast");
    }
    if toks
        .iter()
        .any(|t| matches!(t.folded, "weather" | "temperature" | "rain" | "snow"))
    {
        return Some(
            "it knows support cases, incidents, work items, tenant health and product docs, not the weather",
        );
    }
    None
}

/// Words that carry no question of their own: function words, the verbs and nouns of asking
/// ("show", "give me", "how many", "details"), greetings, link words between kinds of data
/// ("linked", "those"), and the nouns of who ("customer", "tenant", "account"). A request's word
/// that no pass claims and that is not filler is reported as not understood.
///
/// Not filler on purpose (so a question that needs them is never answered as a plain count):
/// most, least, top, fewest, trend, compare, average, per, by, which... (the intents of DESIGN
/// section 9), and the negation words, which the filter pass claims when they negate something.
pub(crate) fn is_filler(w: &str) -> bool {
    is_scope_noun(w)
        || (is_stop_word(w)
            && !matches!(
                w,
                "most" | "few" | "which" | "why" | "by" | "between" | "no" | "not"
            ))
        || matches!(
            w,
            "show"
                | "shows"
                | "showing"
                | "give"
                | "list"
                | "lists"
                | "listing"
                | "get"
                | "tell"
                | "find"
                | "display"
                | "fetch"
                | "pull"
                | "retrieve"
                | "provide"
                | "check"
                | "lookup"
                | "look"
                | "see"
                | "need"
                | "want"
                | "wanna"
                | "help"
                | "explain"
                | "describe"
                | "summarise"
                | "summarize"
                | "summary"
                | "overview"
                | "number"
                | "count"
                | "counts"
                | "total"
                | "totals"
                | "details"
                | "detail"
                | "info"
                | "information"
                | "please"
                | "pls"
                | "plz"
                | "ok"
                | "okay"
                | "anything"
                | "everything"
                | "going"
                | "status"
                | "statuses"
                | "state"
                | "current"
                | "currently"
                | "right"
                | "there"
                | "theres"
                | "exist"
                | "exists"
                | "existing"
                | "hi"
                | "hello"
                | "hey"
                | "thanks"
                | "thank"
                | "cheers"
                | "data"
                | "report"
                | "reports"
                | "reporting"
                | "full"
                | "complete"
                | "whole"
                | "entire"
                | "quick"
                | "quickly"
                | "know"
                | "like"
                | "id"
                | "ids"
                | "listed"
                | "give-me"
                | "got"
                | "gotten"
                | "having"
                | "getting"
                | "items"
                | "item"
                | "records"
                | "record"
                | "linked"
                | "related"
                | "tied"
                | "associated"
                | "attached"
                | "connected"
                | "behind"
                | "caused"
                | "causing"
                | "underlying"
                | "blocking"
                | "spawned"
                | "correlated"
                | "corresponding"
                | "same"
                | "such"
                | "plus"
                | "along"
                | "together"
                | "including"
                | "include"
                | "includes"
                | "also"
                | "too"
                | "etc"
                | "still"
                | "yet"
                | "ever"
                | "currently-open"
                | "show-me"
                | "me"
                | "anybody"
                | "someone"
                | "somebody"
                | "whats"
                | "what's"
                | "hows"
                | "how's"
                | "doing"
                | "look-up"
                | "see-all"
                | "view"
                | "able"
                | "kindly"
                | "quick-look"
                | "latest"
                | "altogether"
                | "overall"
                | "combined"
                | "only"
                | "ones"
                | "volume"
                | "volumes"
                | "amount"
                | "thx"
                | "ty"
                | "tia"
                | "u"
                | "ur"
                | "asap"
                | "q"
                | "orca"
                | "hiya"
                | "yo"
                | "fyi"
                | "btw"
                | "instead"
                | "again"
        )
}

/// Words the analyzer's own rules use: with stop words, keywords, segments and numbers they make
/// up the vocabulary that cannot, alone, form a customer mention.
pub(crate) fn is_reserved(w: &str) -> bool {
    is_stop_word(w)
        || month_number(w).is_some()
        || number_word(w).is_some()
        || is_weekday(w)
        || quarter_number(w).is_some()
        || matches!(
            w,
            // time
            "last" | "past" | "previous" | "prior" | "this" | "current" | "today" | "yesterday"
                | "since" | "until" | "till" | "through" | "thru" | "day" | "days" | "week"
                | "weeks" | "month" | "months" | "quarter" | "quarters" | "year" | "years"
                | "hour" | "hours" | "ytd" | "mtd" | "qtd" | "date" | "year-to-date"
                | "weekly" | "monthly" | "daily" | "recent" | "recently" | "ago"
                | "tomorrow" | "upcoming" | "weekend" | "fortnight" | "fortnights" | "half"
                | "halves" | "h1" | "h2" | "older" | "aged"
                // filters
                | "not" | "non" | "other" | "rather" | "except" | "excluding" | "exclude" | "without"
                | "besides" | "minus" | "ignoring" | "arent" | "isnt" | "dont" | "doesnt"
                | "waiting" | "assigned" | "owned" | "owner"
                | "sev" | "severity" | "severities" | "open" | "opened" | "active" | "outstanding"
                | "unresolved" | "closed" | "resolved" | "fixed" | "mitigated" | "critical"
                | "high" | "b" | "c" | "status"
                // scope
                | "customer" | "customers" | "tenant" | "tenants" | "account" | "accounts"
                | "client" | "clients" | "org" | "orgs" | "organization" | "organizations"
                // complexity
                | "trend" | "trends" | "trending" | "spike" | "spikes" | "spiked" | "history"
                | "historical" | "timeline" | "compare" | "comparison" | "versus" | "vs"
                | "breakdown" | "distribution" | "investigate" | "investigation" | "root"
                | "cause" | "rca"
                // links and commands
                | "linked" | "related" | "tied" | "associated" | "attached" | "connected"
                | "behind" | "caused" | "underlying" | "find" | "count" | "summary"
                | "summarize" | "overview" | "hi" | "hello" | "thanks" | "ignore"
                | "instructions" | "data" | "new" | "top"
                // requests' own verbs and nouns
                | "display" | "fetch" | "pull" | "retrieve" | "provide" | "check" | "lookup"
                | "look" | "see" | "need" | "want" | "help" | "explain" | "describe" | "summarise"
                | "give" | "number" | "total" | "details" | "detail" | "info" | "information"
                | "latest" | "please" | "ok" | "okay" | "any" | "anything" | "everything"
                | "going" | "about" | "full" | "report" | "reports" | "dashboard" | "table"
                // the product's own words (Microsoft Purview support)
                | "purview" | "dlp" | "mip" | "aip" | "irm" | "ediscovery" | "sharepoint" | "onedrive"
                | "exchange" | "teams" | "intune" | "m365" | "o365" | "office" | "azure" | "entra"
                | "defender" | "sensitivity" | "label" | "labels" | "retention" | "policy"
                | "policies" | "audit" | "insider" | "risk" | "compliance" | "copilot" | "api"
        )
}

/// "one" .. "twelve" -> 1 .. 12.
pub(crate) fn number_word(w: &str) -> Option<u32> {
    Some(match w {
        "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        _ => return None,
    })
}

/// Month names and their usual abbreviations -> 1 .. 12.
pub(crate) fn month_number(w: &str) -> Option<u32> {
    Some(match w {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

pub(crate) fn is_weekday(w: &str) -> bool {
    weekday(w).is_some()
}

/// Weekday names -> days from Monday (0 .. 6). Abbreviations only where they are not words.
pub(crate) fn weekday(w: &str) -> Option<u32> {
    Some(match w {
        "monday" | "mon" => 0,
        "tuesday" | "tue" | "tues" => 1,
        "wednesday" | "wed" => 2,
        "thursday" | "thu" | "thur" | "thurs" => 3,
        "friday" | "fri" => 4,
        "saturday" => 5,
        "sunday" => 6,
        _ => return None,
    })
}

/// "q1" .. "q4" -> 1 .. 4.
pub(crate) fn quarter_number(w: &str) -> Option<u32> {
    match w {
        "q1" => Some(1),
        "q2" => Some(2),
        "q3" => Some(3),
        "q4" => Some(4),
        _ => None,
    }
}

/// True when the word is all ASCII digits.
pub(crate) fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

/// The nouns of who a request is about: "customers", "tenants", "accounts", "companies"...
pub(crate) fn is_scope_noun(w: &str) -> bool {
    matches!(
        w,
        "customer"
            | "customers"
            | "tenant"
            | "tenants"
            | "account"
            | "accounts"
            | "client"
            | "clients"
            | "org"
            | "orgs"
            | "organization"
            | "organizations"
            | "organisation"
            | "organisations"
            | "company"
            | "companies"
    )
}
