//! Name normalization: the folded key under which names, aliases and windows of free text are
//! compared ("Procter & Gamble" = "procter and gamble", "Contoso Ltd" = "contoso").
//!
//! Invariant: a legal suffix is removed only as a whole word at the end of a name, and never
//! when nothing but suffixes (or "the"/"and") would be left ("Incyte" keeps "incyte", "Company"
//! keeps "company").

use std::ops::Range;

use crate::text;

/// Legal-form suffixes, folded (the tokenizer drops dots: "S.A." is "sa"). Sorted. The list
/// `is_legal_suffix` spells out as a match (a test keeps the two in step).
#[cfg(test)]
const LEGAL_SUFFIXES: &[&str] = &[
    "ab",
    "ag",
    "asa",
    "bhd",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "kgaa",
    "kk",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "na",
    "nv",
    "oy",
    "oyj",
    "plc",
    "pllc",
    "pte",
    "pty",
    "pvt",
    "sa",
    "sarl",
    "sas",
    "se",
    "spa",
    "srl",
];

/// Suffixes that are unmistakable abbreviations, so they end a company name even when written in
/// lower case ("contoso ltd"); the others ("limited", "co", "se", "na", ...) are ordinary words or
/// region codes too and count in free text only when capitalized or dotted. Sorted.
const STRONG_SUFFIXES: &[&str] = &[
    "bhd",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kgaa",
    "llc",
    "llp",
    "ltd",
    "oyj",
    "plc",
    "pllc",
    "pty",
    "sarl",
];

/// Words that say "this is a company" without being a legal form ("Initech Industries"); used
/// only to spot unknown companies, never stripped. Sorted.
const COMPANY_WORDS: &[&str] = &[
    "bank",
    "enterprises",
    "group",
    "holdings",
    "industries",
    "labs",
    "partners",
    "solutions",
    "systems",
    "technologies",
    "ventures",
];

pub(crate) fn is_legal_suffix(token: &str) -> bool {
    // Called for most words of every request: a match on length first, no search.
    match token.len() {
        2 => matches!(
            token,
            "ab" | "ag" | "bv" | "co" | "kg" | "kk" | "lp" | "na" | "nv" | "oy" | "sa" | "se"
        ),
        3 => matches!(
            token,
            "asa"
                | "bhd"
                | "inc"
                | "llc"
                | "llp"
                | "ltd"
                | "oyj"
                | "plc"
                | "pte"
                | "pty"
                | "pvt"
                | "sas"
                | "spa"
                | "srl"
        ),
        4 => matches!(token, "corp" | "gmbh" | "kgaa" | "pllc" | "sarl"),
        7 => token == "company" || token == "limited",
        11 => token == "corporation",
        12 => token == "incorporated",
        _ => false,
    }
}

pub(crate) fn is_strong_suffix(token: &str) -> bool {
    STRONG_SUFFIXES.binary_search(&token).is_ok()
}

pub(crate) fn is_company_word(token: &str) -> bool {
    COMPANY_WORDS.binary_search(&token).is_ok()
}

/// The normalized form of one folded word: `&` alone is "and", `&` inside a word is dropped
/// ("at&t" -> "att", "p&g" -> "pg"), hyphens split ("coca-cola" -> "coca cola").
pub(crate) fn norm_word(folded: &str) -> String {
    norm_word_if_changed(folded).unwrap_or_else(|| folded.to_owned())
}

/// `norm_word`, or `None` when it is `folded` itself (most words: no allocation).
pub(crate) fn norm_word_if_changed(folded: &str) -> Option<String> {
    if !folded.contains(['&', '-']) {
        return None;
    }
    Some(norm_word_slow(folded))
}

fn norm_word_slow(folded: &str) -> String {
    if folded.chars().all(|c| c == '&') {
        return "and".to_owned();
    }
    let mut out = String::with_capacity(folded.len());
    for part in folded.split('-').filter(|p| p.chars().any(|c| c != '&')) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(part.chars().filter(|&c| c != '&'));
    }
    out
}

/// Which normalized words of a name (or of a window of text) remain after removing trailing
/// legal suffixes (with an "and" right before them: "Wells Fargo & Company") and, when
/// `strip_the`, a leading "the". `absorbable(i)` says whether word `i` may be removed as a
/// suffix. Nothing is removed when only suffixes and fillers would be left.
pub(crate) fn kept_words<S: AsRef<str>>(
    words: &[S],
    absorbable: impl Fn(usize) -> bool,
    strip_the: bool,
) -> Range<usize> {
    let is_filler = |w: &str| is_legal_suffix(w) || w == "the" || w == "and";
    if words.iter().all(|w| is_filler(w.as_ref())) {
        return 0..words.len();
    }
    let mut end = words.len();
    let mut stripped = false;
    while end > 1 {
        let last = words[end - 1].as_ref();
        if is_legal_suffix(last) && absorbable(end - 1) {
            stripped = true;
        } else if !(stripped && last == "and") {
            break;
        }
        end -= 1;
    }
    let start = usize::from(strip_the && end > 1 && words[0].as_ref() == "the");
    start..end
}

/// The normalized key of a registry name or alias, or of a name typed on its own: folded
/// words, `&` as "and", trailing legal suffixes and a leading "the" removed. Empty when the
/// name has no word at all.
pub(crate) fn name_key(name: &str) -> String {
    if name.is_ascii()
        && !name.contains(['&', '-'])
        && let Some(key) = ascii_name_key(name)
    {
        return key;
    }
    general_name_key(name)
}

/// `name_key` for any name, through `text::words`.
fn general_name_key(name: &str) -> String {
    let norms: Vec<String> = text::words(name)
        .iter()
        .map(|w| norm_word(&w.folded))
        .collect();
    let kept = kept_words(&norms, |_| true, true);
    norms[kept].join(" ")
}

/// `name_key` for ASCII names without `&` or `-` (most names), in one pass and one
/// allocation: the same words as `text::words`, folded the same way. `None` for names of more
/// than 16 words.
fn ascii_name_key(name: &str) -> Option<String> {
    const MAX_WORDS: usize = 16;
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut bounds = [(0usize, 0usize); MAX_WORDS];
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        if count == MAX_WORDS {
            return None;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let start = out.len();
        out.push(char::from(bytes[i].to_ascii_lowercase()));
        i += 1;
        loop {
            if i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                out.push(char::from(bytes[i].to_ascii_lowercase()));
                i += 1;
            } else if i + 1 < bytes.len()
                && matches!(bytes[i], b'\'' | b'.')
                && bytes[i + 1].is_ascii_alphanumeric()
            {
                // A joiner inside a word; folding drops it ("S.A" -> "sa").
                out.push(char::from(bytes[i + 1].to_ascii_lowercase()));
                i += 2;
            } else {
                break;
            }
        }
        bounds[count] = (start, out.len());
        count += 1;
    }
    let mut words = [""; MAX_WORDS];
    for (word, &(a, b)) in words.iter_mut().zip(&bounds[..count]) {
        *word = &out[a..b];
    }
    let kept = kept_words(&words[..count], |_| true, true);
    if kept == (0..count) {
        return Some(out);
    }
    Some(out[bounds[kept.start].0..bounds[kept.end - 1].1].to_owned())
}

/// Are `a` and `b` the same words as written, ignoring case and what lies between words
/// ("Fabrikam, Inc." and "fabrikam inc")? This is the "exact" (and alias) match; no allocation.
pub(crate) fn same_words(a: &str, b: &str) -> bool {
    let mut left = text::word_spans(a);
    let mut right = text::word_spans(b);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let lower = |s: &str| {
                    s.chars()
                        .flat_map(char::to_lowercase)
                        .collect::<Vec<char>>()
                };
                let (x, y) = (&a[x], &b[y]);
                let equal = if x.is_ascii() && y.is_ascii() {
                    x.eq_ignore_ascii_case(y)
                } else {
                    lower(x) == lower(y)
                };
                if !equal {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// `raw` without a possessive ending ("Ford's" -> "Ford"), if it has one.
pub(crate) fn strip_possessive(raw: &str) -> Option<&str> {
    ["'s", "'S", "’s", "’S"]
        .iter()
        .find_map(|end| raw.strip_suffix(end))
        .filter(|base| !base.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [LEGAL_SUFFIXES, STRONG_SUFFIXES, COMPANY_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn suffix_match_is_the_list() {
        for s in LEGAL_SUFFIXES {
            assert!(is_legal_suffix(s), "{s}");
        }
        let listed = |w: &str| LEGAL_SUFFIXES.contains(&w);
        for w in [
            "",
            "a",
            "and",
            "the",
            "incorporate",
            "corps",
            "gmb",
            "ltdx",
            "s",
            "sarls",
        ] {
            assert_eq!(is_legal_suffix(w), listed(w), "{w}");
        }
    }

    #[test]
    fn keys() {
        let cases = [
            ("Contoso Ltd", "contoso"),
            ("Contoso", "contoso"),
            ("Lincoln Electric", "lincoln electric"),
            ("Incyte", "incyte"),
            ("Procter & Gamble", "procter and gamble"),
            ("Procter and Gamble", "procter and gamble"),
            ("Wells Fargo & Company", "wells fargo"),
            ("Nestlé S.A.", "nestle"),
            ("McDonald's Corporation", "mcdonalds"),
            ("Bank of America, N.A.", "bank of america"),
            ("The Home Depot", "home depot"),
            ("AT&T Inc.", "att"),
            ("Coca-Cola Company", "coca cola"),
            ("Foo Co., Ltd.", "foo"),
            ("Company", "company"),
            ("The Company Limited", "the company limited"),
            ("The", "the"),
            ("&", "and"),
            ("!!!", ""),
        ];
        for (name, key) in cases {
            assert_eq!(name_key(name), key, "{name}");
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        for name in [
            "Contoso Ltd",
            "The Home Depot",
            "McDonald's Corporation",
            "S.A.",
            "Bank of America, N.A.",
            "  x  ",
            "'a",
            "a'",
            "a''b",
            "a.'b",
            "The Inc",
            "3M Company",
            "O'Neil's Co.",
            "",
            "a b c d e f g h i j k l m n o p q r",
        ] {
            assert_eq!(name_key(name), general_name_key(name), "{name:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_fast_path_agrees_on_any_ascii(name in "[ -~]{0,40}") {
            proptest::prop_assert_eq!(name_key(&name), general_name_key(&name));
        }
    }

    #[test]
    fn lower_and_possessive() {
        assert!(same_words("Fabrikam, Inc.", "fabrikam inc"));
        assert!(same_words("Société  Générale", "SOCIÉTÉ GÉNÉRALE"));
        assert!(!same_words("Société Générale", "Societe Generale"));
        assert!(!same_words("Ford", "Ford Foundation"));
        assert!(!same_words("Ford Foundation", "Ford"));
        assert!(same_words("", "  "));
        assert_eq!(strip_possessive("Ford's"), Some("Ford"));
        assert_eq!(strip_possessive("Nestlé’s"), Some("Nestlé"));
        assert_eq!(strip_possessive("'s"), None);
        assert_eq!(strip_possessive("Fords"), None);
    }
}
