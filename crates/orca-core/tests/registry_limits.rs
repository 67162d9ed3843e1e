//! Long names (issue 14.2): a registry name or alias longer than `MAX_NAME_CHARS` is a row error,
//! a longer name looked up is refused, and the worst input the limits allow (many names at the
//! limit, a request at `max_request_chars`, words too long to correct) completes in bounded
//! work. The work bounds themselves are counted in the unit tests of `registry::resolve`
//! (edit-distance cells) and `registry::fuzzy` (index strings per word).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use orca_core::registry::{
    Customer, MAX_NAME_CHARS, NameTooLong, Registry, RowError, check_name_length, format_guid,
};
use orca_core::{Analyzer, analyze};

const HEADER: &str = "Customer Name,Tenant ID,Aliases,Segment\n";

fn id(i: u64) -> String {
    format_guid(0x1111_0000_0000_0000_0000_0000_0000_0000 + u128::from(i))
}

#[path = "support/letters.rs"]
mod support;
use support::letters;

/// A capitalized name of exactly `chars` characters: words of up to 40 letters.
fn name(seed: u64, chars: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    while out.len() < chars {
        if !out.is_empty() {
            out.push(' ');
        }
        let word = letters(seed * 1_000 + n, 40.min(chars - out.len()).max(1));
        let mut word = word.chars();
        out.extend(word.next().map(|c| c.to_ascii_uppercase()));
        out.extend(word);
        n += 1;
    }
    out.truncate(chars);
    out.trim_end().to_owned() + &"x".repeat(chars - out.trim_end().len())
}

fn reasons(errors: &[RowError]) -> Vec<(u64, String)> {
    errors.iter().map(|e| (e.line, e.reason.clone())).collect()
}

#[test]
fn names_and_aliases_over_the_limit_are_row_errors() {
    let at_limit = name(1, MAX_NAME_CHARS);
    let over = name(2, MAX_NAME_CHARS + 1);
    let huge = "A".to_owned() + &"a".repeat(29_999);
    let wide = "é".repeat(MAX_NAME_CHARS); // 200 characters, 400 bytes: within the limit
    let alias = name(3, MAX_NAME_CHARS);
    let csv = format!(
        "{HEADER}\
         {at_limit},{},,IC\n\
         {over},{},,IC\n\
         Contoso,{},Con;{over},IC\n\
         {huge},{},,IC\n\
         {wide},{},{alias},IC\n\
         Globex,{},,IC\n",
        id(1),
        id(2),
        id(3),
        id(4),
        id(5),
        // The tenant id of a skipped row is free for a later one.
        id(2),
    );
    let (registry, errors) = Registry::from_csv(csv.as_bytes()).expect("loads");
    let names: Vec<&str> = registry
        .customers()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, [at_limit.as_str(), wide.as_str(), "Globex"]);
    assert_eq!(
        reasons(&errors),
        [
            (
                3,
                "customer name is 201 characters long; at most 200 are allowed".to_owned()
            ),
            (
                4,
                "alias 2 is 201 characters long; at most 200 are allowed".to_owned()
            ),
            (
                5,
                "customer name is 30000 characters long; at most 200 are allowed".to_owned()
            ),
        ]
    );
    // Never truncated: nothing of the skipped names resolves.
    assert!(
        registry
            .resolve(&over[..MAX_NAME_CHARS])
            .iter()
            .all(|c| c.confidence < 1.0)
    );
    assert_eq!(registry.resolve(&at_limit).len(), 1);
    assert_eq!(registry.resolve(&at_limit)[0].confidence, 1.0);
}

#[test]
fn from_customers_caps_like_the_loader() {
    let customer = |name: String, i: u64, aliases: Vec<String>| Customer {
        name,
        tenant_id: id(i),
        aliases,
        segment: None,
        attributes: Default::default(),
    };
    let rows = vec![
        customer(name(1, MAX_NAME_CHARS), 1, Vec::new()),
        customer(name(2, MAX_NAME_CHARS + 1), 2, Vec::new()),
        customer("Contoso".into(), 3, vec![name(3, MAX_NAME_CHARS + 1)]),
        customer("Globex".into(), 2, vec![name(4, MAX_NAME_CHARS)]),
    ];
    let (registry, errors) = Registry::from_customers(rows);
    assert_eq!(registry.len(), 2);
    assert_eq!(
        reasons(&errors),
        [
            (
                3,
                "customer name is 201 characters long; at most 200 are allowed".to_owned()
            ),
            (
                4,
                "alias 1 is 201 characters long; at most 200 are allowed".to_owned()
            ),
        ]
    );
}

#[test]
fn a_name_looked_up_over_the_limit_is_refused() {
    assert_eq!(check_name_length(&name(1, MAX_NAME_CHARS)), Ok(()));
    assert_eq!(
        check_name_length(&format!("  {}  ", name(1, MAX_NAME_CHARS))),
        Ok(())
    );
    assert_eq!(check_name_length(&"é".repeat(MAX_NAME_CHARS)), Ok(()));
    let error = check_name_length(&"a".repeat(60_000)).unwrap_err();
    assert_eq!(error, NameTooLong { chars: 60_000 });
    assert_eq!(
        error.to_string(),
        "the customer name is 60000 characters long; at most 200 are accepted"
    );
    let (registry, _) =
        Registry::from_csv(format!("{HEADER}Ford,{},,IC\n", id(1)).as_bytes()).unwrap();
    assert_eq!(registry.resolve(&format!("Ford{}", "d".repeat(60_000))), []);
}

/// The worst input the limits allow: 300 names at the limit (words of 40 letters, too long to
/// correct) with aliases of 30-letter words (the longest kind that is corrected, so the typo
/// index is at its largest per word), requests of `max_request_chars` (a 3,990-letter word in a
/// customer slot; a list of long unknown names and typos, each unresolved with suggestions)
/// and names looked up at the limit. Before the limits, the 3,990-letter word alone took
/// over a minute. The work bounds are counted in the unit tests (edit-distance cells
/// in `registry::resolve`, index entries per word in `registry::fuzzy`); the time check is
/// only a backstop, at about 20 times what a debug build needs here (release: 0.15 s, mostly
/// the typo index built once), so it fails when something is quadratic again, not on a slow
/// or busy machine.
#[test]
fn the_worst_case_the_limits_allow_completes() {
    let started = Instant::now();
    let mut csv = String::from(HEADER);
    for i in 0..300u64 {
        let short_words: Vec<String> = (0..6).map(|n| letters(i * 10 + n, 30)).collect();
        csv.push_str(&format!(
            "{},{},{},IC\n",
            name(i, MAX_NAME_CHARS),
            id(i),
            short_words.join(" ")
        ));
    }
    let (registry, errors) = Registry::from_csv(csv.as_bytes()).expect("loads");
    assert_eq!(errors, []);
    assert_eq!(registry.len(), 300);

    let analyzer = Analyzer::default();
    let limit = analyzer.config().max_request_chars;
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let typo = {
        // A registry word of 30 letters with its first two letters swapped.
        let word = letters(7 * 10, 30);
        format!("{}{}{}", &word[1..2], &word[..1], &word[2..])
    };
    let requests = [
        format!("cases for {}", "Q".to_owned() + &letters(99, limit - 11)),
        {
            let mut r = String::from("cases for ");
            let mut n = 0;
            while r.len() + 80 < limit {
                r.push_str(&format!("{} and {} ", name(5_000 + n, 40), typo));
                n += 1;
            }
            r
        },
        registry.customers()[..20]
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
            .chars()
            .take(limit)
            .collect(),
    ];

    for request in &requests {
        assert!(request.chars().count() <= limit);
        let _ = registry.scan(request);
        let _ = analyze(request, &registry, &analyzer, now);
    }
    for i in 0..20 {
        let candidates = registry.resolve(&name(90_000 + i, MAX_NAME_CHARS));
        assert!(candidates.len() <= 10);
    }
    // Alias words of several customers, each with its first two letters swapped.
    let words: Vec<String> = (0..6)
        .map(|i| {
            let word = letters(i * 10 + i, 30);
            format!("{}{}{}", &word[1..2], &word[..1], &word[2..])
        })
        .collect();
    assert!(registry.resolve(&words.join(" ")).len() <= 10);
    let typed = registry.resolve(&typo);
    assert!(typed.len() <= 10);
    eprintln!("worst case: {:?}", started.elapsed());
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

/// One request looks up at most 16 words as typos (each costs up to ~500 index searches);
/// a person misspells a handful of names at most.
#[test]
fn a_request_corrects_at_most_16_typos() {
    let (registry, _) =
        Registry::from_csv(include_str!("fixtures/registry.csv").as_bytes()).expect("loads");
    let request = format!("cases for {}", vec!["Toyta"; 20].join(", "));
    let scan = registry.scan(&request);
    let toyota = scan
        .found
        .iter()
        .filter(|f| registry.customers()[f.customer].name.starts_with("Toyota"))
        .count();
    assert_eq!(toyota, 16, "{scan:#?}");
    assert_eq!(scan.unresolved.len(), 4, "{scan:#?}");
    let few = registry.scan("cases for Toyta, Fnord and Deutsche Telekon");
    assert_eq!(few.found.len(), 3, "{few:#?}");
}
