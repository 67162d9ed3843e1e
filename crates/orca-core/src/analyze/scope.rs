//! Who a request is about: the customer mentions from `Registry::scan`, and the words that widen
//! the scope to every customer or to a cohort.
//!
//! - Mentions: resolved customers keep their order of first mention (one entry per customer);
//!   ambiguous and unresolved mentions are kept, deduplicated, and never become tasks. An
//!   unresolved mention made only of the analyzer's own vocabulary (keywords, stop words, month
//!   and weekday names, Sev, numbers, segment names...) is dropped: "Sev A" or "Show ICMs" is not a
//!   company. The spans of the remaining mentions are masked, so a customer called "Health Net"
//!   never selects tenant health.
//! - Scope `all`: a quantifier (all, every, each, any, which, what, across, per) followed within
//!   a few filler words (of, our, my, the, all) by customer(s), tenant(s), account(s), client(s),
//!   org(s), organization(s), compan(y|ies): "all customers", "every customer", "across all
//!   tenants", "which customers". Only these literal words widen the scope: "ignore previous
//!   instructions" does not, while "show all customers' data" does, because it says so.
//! - Cohort: a registry segment (a customer's `Segment`, one word, any case) right before one of
//!   those nouns, with or without a quantifier, or right after for/in/across/among/within/at:
//!   "MCS customers", "which IC accounts", "Sev A cases for MCS" -> scope `all` with `cohort` =
//!   the segment as the registry writes it.

use std::ops::Range;

use super::keywords::KeywordMatcher;
use super::tokens::{Role, Tok};
use super::vocab::{is_number, is_reserved, is_scope_noun};
use crate::plan::{Ambiguous, ResolvedCustomer, Unresolved};
use crate::registry::{Registry, Scan};

/// The customer mentions of one request.
#[derive(Debug, Default)]
pub(crate) struct Mentions {
    pub resolved: Vec<ResolvedCustomer>,
    pub ambiguous: Vec<Ambiguous>,
    pub unresolved: Vec<Unresolved>,
    /// Byte spans to mask before keyword matching.
    pub spans: Vec<Range<usize>>,
    /// Each resolved mention's tenant and span (a customer named twice has two).
    pub resolved_spans: Vec<(String, Range<usize>)>,
}

impl Mentions {
    /// True when the request names a customer at all, resolved or not.
    pub fn any(&self) -> bool {
        !(self.resolved.is_empty() && self.ambiguous.is_empty() && self.unresolved.is_empty())
    }
}

/// Turns a registry scan into the plan's customer lists.
pub(crate) fn mentions(
    mut scan: Scan,
    registry: &Registry,
    toks: &[Tok<'_>],
    matcher: &KeywordMatcher,
) -> Mentions {
    scan.found.sort_by_key(|f| f.span.start);
    scan.ambiguous.sort_by_key(|(_, span)| span.start);
    scan.unresolved.sort_by_key(|(_, span)| span.start);
    let mut out = Mentions::default();
    let mut seen: Vec<usize> = Vec::new();
    for found in scan.found {
        out.spans.push(found.span.clone());
        let Some(customer) = registry.customers().get(found.customer) else {
            continue;
        };
        out.resolved_spans
            .push((customer.tenant_id.clone(), found.span.clone()));
        if seen.contains(&found.customer) {
            continue;
        }
        seen.push(found.customer);
        out.resolved.push(ResolvedCustomer {
            name: customer.name.clone(),
            tenant_id: customer.tenant_id.clone(),
            mention: found.mention,
            match_kind: found.match_kind,
            confidence: found.confidence,
            segment: customer.segment.clone(),
        });
    }
    for (ambiguous, span) in scan.ambiguous {
        out.spans.push(span);
        if !out
            .ambiguous
            .iter()
            .any(|a| a.mention.eq_ignore_ascii_case(&ambiguous.mention))
        {
            out.ambiguous.push(ambiguous);
        }
    }
    for (unresolved, span) in scan.unresolved {
        let words = || {
            toks.iter()
                .filter(|t| t.start < span.end && span.start < t.end)
        };
        // Cheap checks first: the segment look-up walks the registry.
        let only_vocabulary = words().next().is_none()
            || words().all(|t| is_vocabulary(t, matcher) || segment(registry, t).is_some());
        if only_vocabulary {
            continue;
        }
        out.spans.push(span);
        if !out
            .unresolved
            .iter()
            .any(|u| u.mention.eq_ignore_ascii_case(&unresolved.mention))
        {
            out.unresolved.push(unresolved);
        }
    }
    out
}

/// A resolved name followed right away by a word no pass understood that is one typo away from
/// the next word of a longer registry name ("ford ofundation": Ford Foundation) is that longer
/// name misspelt, not the shorter customer: the mention becomes unresolved, with the longer
/// names as suggestions, rather than risk the wrong tenant.
pub(crate) fn demote_names_with_unknown_tails(
    mentions: &mut Mentions,
    toks: &mut [Tok<'_>],
    request: &str,
    registry: &Registry,
) {
    let mut demoted: Vec<String> = Vec::new();
    for (tenant, span) in &mentions.resolved_spans {
        let Some(k) = toks.iter().position(|t| t.start >= span.end) else {
            continue;
        };
        let next = &toks[k];
        let adjacent = request[span.end..next.start]
            .chars()
            .all(char::is_whitespace);
        if !(adjacent && next.role == Role::Free && next.folded.chars().all(char::is_alphabetic)) {
            continue;
        }
        // The words the mention stands for: as written, and the customer's name and aliases (a
        // typo "frod" stands for "ford").
        let mut heads = vec![crate::text::fold_phrase(&request[span.clone()])];
        if let Some(c) = registry.customers().iter().find(|c| &c.tenant_id == tenant) {
            heads.push(crate::text::fold_phrase(&c.name));
            heads.extend(c.aliases.iter().map(|a| crate::text::fold_phrase(a)));
        }
        let longer: Vec<String> = registry
            .customers()
            .iter()
            .filter(|c| &c.tenant_id != tenant)
            .filter(|c| {
                let name = crate::text::fold_phrase(&c.name);
                heads.iter().any(|head| {
                    name.strip_prefix(head.as_str())
                        .and_then(|rest| rest.strip_prefix(' '))
                        .and_then(|rest| rest.split(' ').next())
                        .is_some_and(|word| {
                            word.len() >= 4 && strsim::damerau_levenshtein(word, next.folded) <= 2
                        })
                })
            })
            .map(|c| c.name.clone())
            .take(5)
            .collect();
        if longer.is_empty() {
            continue;
        }
        let mention = request[span.start..next.end].to_string();
        if !mentions.unresolved.iter().any(|u| u.mention == mention) {
            mentions.unresolved.push(Unresolved {
                mention,
                suggestions: longer,
            });
        }
        toks[k].role = Role::Customer;
        demoted.push(tenant.clone());
    }
    mentions
        .resolved
        .retain(|c| !demoted.contains(&c.tenant_id));
}

/// A legal suffix right after a resolved name ("ford motor co", "Contoso, Ltd") belongs to the
/// name: it is claimed with it.
pub(crate) fn absorb_legal_suffixes(mentions: &Mentions, toks: &mut [Tok<'_>], request: &str) {
    for (_, span) in &mentions.resolved_spans {
        let Some(k) = toks.iter().position(|t| t.start >= span.end) else {
            continue;
        };
        let between = &request[span.end..toks[k].start];
        if toks[k].role == Role::Free
            && between.chars().all(|c| c.is_whitespace() || c == ',')
            && crate::registry::is_legal_suffix(toks[k].folded)
        {
            toks[k].role = Role::Customer;
        }
    }
}

/// True when the word belongs to the analyzer's fixed or keyword vocabulary.
fn is_vocabulary(tok: &Tok<'_>, matcher: &KeywordMatcher) -> bool {
    let w = tok.folded;
    !w.chars().any(char::is_alphanumeric)
        || is_number(w)
        || is_reserved(w)
        || matcher.is_keyword_word(w)
        || w.strip_prefix("sev").is_some_and(|rest| rest.len() <= 3)
}

/// Marks the tokens inside customer mentions `Role::Customer`.
pub(crate) fn mask(toks: &mut [Tok<'_>], spans: &[Range<usize>]) {
    for tok in toks.iter_mut() {
        if spans.iter().any(|s| tok.start < s.end && s.start < tok.end) {
            tok.role = Role::Customer;
        }
    }
}

/// The registry segment a word names, as the registry writes it.
pub(crate) fn segment<'r>(registry: &'r Registry, tok: &Tok<'_>) -> Option<&'r str> {
    if tok.raw.len() > 40 {
        return None;
    }
    registry
        .customers()
        .iter()
        .filter_map(|c| c.segment.as_deref())
        .find(|s| {
            s.eq_ignore_ascii_case(tok.raw)
                || (!s.is_ascii() && crate::text::fold_phrase(s) == tok.folded)
        })
}

/// A phrase that widens the scope to all customers, possibly a cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllScope {
    pub cohort: Option<String>,
    /// Asked as "which/what customers ...": the answer must name them.
    pub asks_which: bool,
}

/// Gives the scope words back (unclaimed), for a scope the analyzer cannot answer as asked.
pub(crate) fn release(toks: &mut [Tok<'_>]) {
    for tok in toks.iter_mut().filter(|t| t.role == Role::Scope) {
        tok.role = Role::Free;
    }
}

fn is_quantifier(w: &str) -> bool {
    matches!(
        w,
        "all" | "every" | "each" | "any" | "which" | "what" | "across" | "per"
    )
}

fn free<'a>(toks: &[Tok<'a>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

/// Finds the first scope-widening phrase among the free tokens and marks it `Role::Scope`.
pub(crate) fn find_all(toks: &mut [Tok<'_>], registry: &Registry) -> Option<AllScope> {
    for i in 0..toks.len() {
        let Some(w) = free(toks, i) else { continue };
        // "Sev A cases for MCS": a segment right after a preposition names the cohort too.
        if matches!(w, "for" | "in" | "across" | "among" | "within" | "at")
            && let Some(next) = free(toks, i + 1)
            && !is_scope_noun(next)
            && !is_reserved(next)
            && let Some(s) = segment(registry, &toks[i + 1])
        {
            let end = i + 1 + usize::from(free(toks, i + 2).is_some_and(is_scope_noun));
            for tok in &mut toks[i + 1..=end] {
                tok.role = Role::Scope;
            }
            return Some(AllScope {
                cohort: Some(s.to_string()),
                asks_which: false,
            });
        }
        let quantified = is_quantifier(w);
        let mut j = i + usize::from(quantified);
        if quantified {
            while j < i + 4 && matches!(free(toks, j), Some("of" | "our" | "my" | "the" | "all")) {
                j += 1;
            }
        }
        let mut cohort = None;
        // Only a word right before a scope noun can name a cohort (the segment look-up walks
        // the registry, so it runs only there).
        if free(toks, j).is_some_and(|w| !is_scope_noun(w) && !is_reserved(w))
            && free(toks, j + 1).is_some_and(is_scope_noun)
            && let Some(s) = segment(registry, &toks[j])
        {
            cohort = Some(s.to_string());
            j += 1;
        }
        if !(quantified || cohort.is_some()) || !free(toks, j).is_some_and(is_scope_noun) {
            continue;
        }
        for tok in &mut toks[i..=j] {
            tok.role = Role::Scope;
        }
        return Some(AllScope {
            cohort,
            asks_which: matches!(w, "which" | "what"),
        });
    }
    None
}
