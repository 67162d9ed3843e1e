//! Request analysis: free text + registry + config + now -> `Plan`.
//!
//! Deterministic and explainable: the same inputs always give the same plan, and every score
//! point has a factor saying why. Invariant: a task's tenant always comes from a registry
//! customer that `Registry::scan` resolved from the request's own words; nothing else (no
//! instruction-like text, no default) ever adds a customer.
//!
//! One pass per concern, over the request's words (`text::words`), each claiming the words it
//! uses so that later passes see only what is left:
//!
//! 1. validation: empty or whitespace-only, over `max_request_chars` characters, or a control
//!    character other than tab, newline and carriage return (which count as spaces) -> error;
//! 2. customers ([`scope`]): `Registry::scan`, then the mention spans are masked;
//! 3. agent keywords ([`keywords`]), from the config, whole words, plurals, phrases;
//! 4. filters ([`filters`]): status and severity;
//! 5. time range ([`time_range`]), relative to `now`;
//! 6. scope ([`scope`]): "all customers", "which customers", cohorts ("MCS customers");
//! 7. tasks ([`tasks`]): dependencies, order, critical tasks; complexity ([`complexity`]).
//!
//! Decisions:
//! - No agent word, but a customer named (resolved, ambiguous or unresolved) or scope all: the
//!   overview set `config.default_agents` (kusto, icm, tenant), `default_agents: true`, and a
//!   factor. No agent word and no customer at all: the request is taken as a product question
//!   and gets `config.fallback_agents` (docs), with a factor; scope `none`.
//! - Agent words but no customer and no scope words ("How many Sev A cases were opened last
//!   week?"): the question is about the whole book, so scope `all` and one task per agent with a
//!   null tenant, with a factor saying so. But when the request did name customers and none of them resolved
//!   (ambiguous or unknown mentions), or a leftover word is written like a name and is none of the
//!   analyzer's words ("Any incidents for Microsoft?"), customer agents get no task at all, with a
//!   factor: a failed narrowing never widens to every customer (precision before recall).
//! - Prompt-injection-like text is only words: "ignore previous instructions" selects nothing;
//!   the literal words "all customers" do mean scope all, since anyone may ask that.
//! - `search_terms`: the folded words left after customer mentions, agent keywords, filters, time
//!   and scope words and stop words are taken out, in order, without repeats.

pub(crate) mod complexity;
mod filters;
mod keywords;
mod scope;
pub(crate) mod tasks;
mod time_range;
mod vocab;

use chrono::{DateTime, Utc};

pub use keywords::KeywordMatcher;
pub(crate) use keywords::canonical_phrase;

use crate::config::AnalyzerConfig;
use crate::names::{AgentName, SourceKey};
use crate::plan::{Complexity, Plan, Scope, Strategy};
use crate::registry::Registry;
use crate::text::{self, Word};

/// A request that cannot be analyzed: always the caller's input, so exit code 2 / HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyzeError {
    /// Nothing but whitespace.
    #[error("the request is empty")]
    Empty,
    /// More than `max_request_chars` characters (characters, not bytes).
    #[error("the request is {chars} characters long; the limit is {max}")]
    TooLong { chars: usize, max: usize },
    /// A control character other than tab, newline or carriage return; `position` is 1-based,
    /// in characters.
    #[error("the request contains a control character at position {position}")]
    ControlCharacter { position: usize },
}

/// Checks a request's form only (empty, too long, control characters), before any work: callers
/// use it to reject bad input before loading data.
pub fn check_request(request: &str, config: &AnalyzerConfig) -> Result<(), AnalyzeError> {
    validate(request, config.max_request_chars)
}

/// Analyzes one request. See the module documentation for the rules.
pub fn analyze(
    request: &str,
    registry: &Registry,
    config: &AnalyzerConfig,
    now: DateTime<Utc>,
) -> Result<Plan, AnalyzeError> {
    validate(request, config.max_request_chars)?;
    let matcher = config.matcher();
    let words = text::words(request);
    let mut toks = tokens(&words);
    let mut notes: Vec<String> = Vec::new();

    let mentions = scope::mentions(registry.scan(request), registry, &toks, matcher);
    scope::mask(&mut toks, &mentions.spans);
    let agent_mentions = matcher.find(&mut toks);
    let (filters, filter_notes) = filters::find(&mut toks);
    let time_range = match time_range::find(&mut toks, now) {
        time_range::TimeOutcome::None => None,
        time_range::TimeOutcome::Range(range) => Some(range),
        time_range::TimeOutcome::Invalid(note) => {
            notes.push(note);
            None
        }
    };
    notes.extend(filter_notes);
    let all_scope = scope::find_all(&mut toks, registry);
    let signals = complexity::signals(&toks);

    // Agents: the words', else the overview set, else the fallback set.
    let mut requested: Vec<AgentName> = Vec::new();
    let mut default_agents = false;
    let primary;
    if let Some(first) = agent_mentions.first() {
        primary = first.agent;
        requested.extend(agent_mentions.iter().map(|m| m.agent));
    } else if mentions.any() || all_scope.is_some() {
        default_agents = true;
        requested.extend(&config.default_agents);
        primary = requested
            .first()
            .copied()
            .unwrap_or(AgentName::SupportCaseManager);
        notes.push(format!(
            "no agent word: default overview set ({})",
            source_list(&requested)
        ));
    } else {
        requested.extend(&config.fallback_agents);
        primary = requested
            .first()
            .copied()
            .unwrap_or(AgentName::PurviewExpert);
        notes.push(format!(
            "no customer and no agent word: product question ({})",
            source_list(&requested)
        ));
    }

    let mut filters = filters;
    filters.work_item_types = work_item_types(&toks, &agent_mentions);
    let deps = tasks::dependencies(&toks, &agent_mentions);
    let agents = tasks::order(&requested, &deps);
    let critical = tasks::critical_agents(primary, &deps);

    let (mut scope, cohort) = match (&all_scope, mentions.resolved.is_empty()) {
        (Some(all), _) => (Scope::All, all.cohort.clone()),
        (None, false) => (Scope::Customers, None),
        (None, true) => (Scope::None, None),
    };
    let has_customer_agent = agents.iter().any(|a| *a != AgentName::PurviewExpert);
    let targets = match scope {
        Scope::Customers => tasks::Targets::Customers(&mentions.resolved),
        Scope::All => tasks::Targets::Unscoped,
        Scope::None if mentions.any() => {
            if has_customer_agent {
                notes.push(
                    "no task for customer agents: no customer named was resolved".to_string(),
                );
            }
            tasks::Targets::Nobody
        }
        Scope::None => match name_like(&toks, matcher) {
            Some(name) if has_customer_agent => {
                notes.push(format!(
                    "no task for customer agents: \"{name}\" may name a customer that is not in the registry"
                ));
                tasks::Targets::Nobody
            }
            _ => {
                if has_customer_agent {
                    // "How many Sev A cases were opened last week?" is about every customer.
                    scope = Scope::All;
                    notes.push("no customer named: all customers".to_string());
                }
                tasks::Targets::Unscoped
            }
        },
    };
    let tasks = tasks::build(&agents, &deps, &critical, targets);
    let data_sources: Vec<SourceKey> = agents.iter().map(|a| a.source()).collect();

    let (score, mut factors) = complexity::score(&complexity::Inputs {
        sources: &data_sources,
        customers: mentions.resolved.len(),
        scope,
        cohort: cohort.as_deref(),
        signals: &signals,
        deps: &deps,
    });
    factors.extend(notes);
    let estimated_ms = complexity::estimated_ms(&tasks, config);

    Ok(Plan {
        request: request.to_string(),
        interpretation: String::new(),
        not_understood: Vec::new(),
        complexity: Complexity::from_score(score),
        score,
        factors,
        strategy: Strategy::of(&tasks),
        agents,
        data_sources,
        scope,
        cohort,
        customers: mentions.resolved,
        unresolved: mentions.unresolved,
        ambiguous: mentions.ambiguous,
        time_range,
        filters,
        tasks,
        estimated_ms,
        search_terms: search_terms(&toks),
        default_agents,
        not_permitted: Vec::new(),
        permitted_tenants: None,
    })
}

/// Work item types the request asks for: "bugs" -> Bug, "DCRs" -> DCR, "feature requests" ->
/// Feature. A generic mention ("work items", "ADO", "DevOps") asks for every type, unless it
/// only qualifies a specific one right after it ("ADO bugs", "DevOps DCRs"). Empty = every type.
fn work_item_types(toks: &[Tok<'_>], mentions: &[keywords::AgentMention]) -> Vec<String> {
    let kind = |m: &keywords::AgentMention| -> Option<&'static str> {
        let words: Vec<&str> = toks[m.first..=m.last]
            .iter()
            .map(|t| keywords::singular(t.folded))
            .collect();
        match words.as_slice() {
            [.., "bug"] => Some("Bug"),
            [.., "dcr"] | ["design", "change", "request"] => Some("DCR"),
            ["feature"] | ["feature", "request"] => Some("Feature"),
            _ => None,
        }
    };
    let ado: Vec<&keywords::AgentMention> = mentions
        .iter()
        .filter(|m| m.agent == AgentName::WorkItemManager)
        .collect();
    let mut types: Vec<String> = Vec::new();
    for (i, m) in ado.iter().enumerate() {
        match kind(m) {
            Some(t) => {
                if !types.iter().any(|x| x == t) {
                    types.push(t.to_string());
                }
            }
            None => {
                let qualifies_next = ado
                    .get(i + 1)
                    .is_some_and(|next| next.first == m.last + 1 && kind(next).is_some());
                if !qualifies_next {
                    return Vec::new();
                }
            }
        }
    }
    types.sort();
    types
}

/// Rejects empty, too long and control-character requests.
fn validate(request: &str, max_chars: usize) -> Result<(), AnalyzeError> {
    if request.trim().is_empty() {
        return Err(AnalyzeError::Empty);
    }
    let chars = request.chars().count();
    if chars > max_chars {
        return Err(AnalyzeError::TooLong {
            chars,
            max: max_chars,
        });
    }
    if let Some(index) = request
        .chars()
        .position(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(AnalyzeError::ControlCharacter {
            position: index + 1,
        });
    }
    Ok(())
}

/// The first word left over by every pass that is written like a name ("Microsoft", "ACME") and
/// is none of the analyzer's words: a customer the registry does not know, perhaps.
fn name_like<'a>(toks: &[Tok<'a>], matcher: &KeywordMatcher) -> Option<&'a str> {
    toks.iter()
        .find(|t| {
            t.role == Role::Free
                && t.raw.chars().next().is_some_and(char::is_uppercase)
                && t.folded.chars().any(char::is_alphabetic)
                && !vocab::is_reserved(t.folded)
                && !matcher.is_keyword_word(t.folded)
        })
        .map(|t| t.raw)
}

fn source_list(agents: &[AgentName]) -> String {
    agents
        .iter()
        .map(|a| a.source().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn search_terms(toks: &[Tok<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tok in toks {
        if tok.role == Role::Free
            && !vocab::is_stop_word(tok.folded)
            && tok.folded.chars().any(char::is_alphanumeric)
            && !out.iter().any(|w| w == tok.folded)
        {
            out.push(tok.folded.to_string());
        }
    }
    out
}

/// Which pass claimed a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Not claimed yet.
    Free,
    Customer,
    Keyword,
    Filter,
    Time,
    Scope,
}

/// One word of the request as the passes see it.
#[derive(Debug, Clone)]
pub(crate) struct Tok<'a> {
    pub raw: &'a str,
    pub folded: &'a str,
    pub start: usize,
    pub end: usize,
    pub role: Role,
}

/// The passes' view of the words: a possessive "'s" is dropped from the folded form, so "last
/// week's", "today's" and "Contoso's" read as "week", "today" and "contoso".
pub(crate) fn tokens<'a>(words: &'a [Word<'a>]) -> Vec<Tok<'a>> {
    words
        .iter()
        .map(|w| {
            let possessive = ["'s", "'S", "\u{2019}s", "\u{2019}S"]
                .iter()
                .any(|e| w.raw.ends_with(e));
            let folded = match w.folded.strip_suffix('s') {
                Some(base) if possessive && !base.is_empty() => base,
                _ => w.folded.as_str(),
            };
            Tok {
                raw: w.raw,
                folded,
                start: w.start,
                end: w.end,
                role: Role::Free,
            }
        })
        .collect()
}
