//! Request analysis: free text + registry + `Analyzer` (the config, compiled) + now -> `Plan`.
//!
//! Deterministic and explainable: the same inputs always give the same plan, and every score
//! point has a factor saying why. Invariant: a task's tenant always comes from a registry
//! customer that `Registry::scan_with` resolved from the request's own words; nothing else (no
//! instruction-like text, no default) ever adds a customer.
//!
//! # One claim table
//! Every word of the request is a [`Tok`] with a [`Role`]. Passes run in a fixed priority order
//! and each claims only words no earlier pass claimed, so a conflict is settled by that order
//! and nothing else:
//!
//! 1. validation: empty, over `max_request_chars` characters, or a control character other than
//!    tab, newline and carriage return -> error;
//! 2. customers ([`scope`]): `Registry::scan_with`, told the analyzer's vocabulary so that a
//!    data, filter or filler word is a name only with a sign of being one;
//! 3. agent keywords ([`keywords`]), from the config, whole words, plurals, phrases; then item
//!    ids right after an item word ("case 2611240001000050", "ICM 400000457") ([`items`]);
//! 4. age ("older than 30 days", "created before October") and the time range ([`time_range`]);
//!    an impossible or future range is an error, never dropped; then the event verb right before
//!    the range ("closed last week" filters on ClosedAt);
//! 5. filters ([`filters`]): status and states, severities, product areas, negation, owner;
//! 6. scope ([`scope`]): "all customers", cohorts ("MCS customers");
//! 7. filler words (`vocab::is_filler`) and link words;
//! 8. what is left: the docs agent's search terms when the plan asks the docs, else
//!    `not_understood`, which the answer states in its first line.
//!
//! # Decisions
//! - A request is never silently widened. Agent words with no customer and no scope words
//!   ("How many Sev A cases were opened last week?") are about every customer (`scope: all`)
//!   only when every other word was understood; a named customer that does not resolve
//!   (unresolved or ambiguous), a name-like leftover word, or any not-understood word gives the
//!   customer agents no task, with a factor, and the answer says why.
//! - No agent word, but a customer named (resolved, ambiguous or unresolved) or scope all: the
//!   overview set `config.default_agents`, `default_agents: true`, and a factor. No agent word
//!   and no customer: a product question for `config.fallback_agents` (docs) when there are words
//!   to search for; a request of filler words only ("hi") is bad input ([`AnalyzeError::Nothing`]).
//! - "which customers ..." asks for customers by name: only tenant health answers that today (its
//!   rows name the unhealthy ones), so elsewhere "which" stays not understood until the rank and
//!   list intents exist.
//! - Prompt-injection-like text is only words: "ignore previous instructions" selects nothing;
//!   the literal words "all customers" do mean scope all, since anyone may ask that.

mod analyzer;
mod areas;
pub(crate) mod complexity;
mod filters;
mod intent;
mod items;
mod keywords;
mod leftover;
mod scope;
pub(crate) mod tasks;
mod time_range;
pub(crate) mod tokens;
mod vocab;

use chrono::{DateTime, Utc};

pub use analyzer::Analyzer;

use crate::names::{AgentName, SourceKey};
use crate::plan::{Complexity, Plan, Scope, Strategy, TimeEvent};
use crate::registry::Registry;
use crate::shape::{Intent, Shape};
use crate::text;
use keywords::KeywordMatcher;
use tokens::{Role, Tok, tokens};

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
    /// A time phrase that names no possible range: in the future, reversed, an impossible date.
    #[error("{0}")]
    BadTimeRange(String),
    /// A question Orca cannot answer with its data: a write ("delete all cases"), a forecast,
    /// the weather. The text says why, in one sentence (DESIGN section 9).
    #[error("Orca cannot answer this: {0}")]
    CannotAnswer(String),
    /// Only filler words ("hi", "please"): nothing to look up.
    #[error(
        "the request asks nothing Orca can look up: name a customer, a kind of data (cases, incidents, work items, tenant health) or a product question"
    )]
    Nothing,
}

/// Checks a request's form only (empty, too long, control characters), before any work: callers
/// use it to reject bad input before loading data.
pub fn check_request(request: &str, analyzer: &Analyzer) -> Result<(), AnalyzeError> {
    validate(request, analyzer.config().max_request_chars)
}

/// Analyzes one request. See the module documentation for the rules.
pub fn analyze(
    request: &str,
    registry: &Registry,
    analyzer: &Analyzer,
    now: DateTime<Utc>,
) -> Result<Plan, AnalyzeError> {
    let config = analyzer.config();
    validate(request, config.max_request_chars)?;
    let matcher = analyzer.keywords();
    let areas = analyzer.areas();
    let words = text::words(request);
    let mut toks = tokens(&words);
    let mut notes: Vec<String> = Vec::new();
    if let Some(reason) = vocab::cannot_answer(&toks) {
        return Err(AnalyzeError::CannotAnswer(reason.to_string()));
    }

    // 2. Customers, told which words are the analyzer's own.
    let vocabulary = |w: &str| {
        vocab::is_reserved(w)
            || vocab::is_filler(w)
            || matcher.is_keyword_word(w)
            || areas.is_area_word(w)
    };
    let mut mentions = scope::mentions(
        registry.scan_with(request, &vocabulary),
        registry,
        &toks,
        matcher,
    );
    scope::mask(&mut toks, &mentions.spans);

    // 3. Agent words, then the ids of single items.
    let agent_mentions = matcher.find(&mut toks);
    let mut item_ids = items::item_ids(&mut toks, &agent_mentions);
    // "icm400000005", "case2611240001000050": the item word fused with its id.
    let fused = items::fused_item_ids(&mut toks);

    // 4. Age, time range, and the verb that picks the event column.
    let created_before = match time_range::find_age(&mut toks, now) {
        Some(Ok(age)) => Some(age.created_before),
        Some(Err(message)) => return Err(AnalyzeError::BadTimeRange(message)),
        None => None,
    };
    // "created before October": the creation verb belongs to the age filter.
    time_range::claim_verb_before(&mut toks, |t| t.role == Role::Time);
    let age_tokens: Vec<bool> = toks.iter().map(|t| t.role == Role::Time).collect();
    let mut time_range = match time_range::find(&mut toks, now) {
        time_range::TimeOutcome::None => None,
        time_range::TimeOutcome::Range(range) => Some(range),
        time_range::TimeOutcome::Invalid(message) => {
            return Err(AnalyzeError::BadTimeRange(message));
        }
    };
    if let Some(range) = &mut time_range {
        range.event = time_range::event_verb(&mut toks, &age_tokens).unwrap_or(TimeEvent::Created);
    }

    // 5. Filters.
    let wants_work_items = agent_mentions
        .iter()
        .any(|m| m.agent == AgentName::WorkItemManager);
    let (mut filters, filter_notes) = filters::find(
        &mut toks,
        &filters::Context {
            areas,
            work_items: wants_work_items,
        },
    );
    notes.extend(filter_notes);
    // A critsit is a critical situation: a Sev A case.
    let critsit = agent_mentions.iter().any(|m| {
        let words: Vec<&str> = toks[m.first..=m.last].iter().map(|t| t.folded).collect();
        matches!(
            words.as_slice(),
            ["critsit" | "critsits"] | ["crit", "sit" | "sits"]
        )
    });
    if critsit && !filters.severity.iter().any(|s| s == "A") {
        filters.severity.insert(0, "A".to_string());
    }
    filters.created_before = created_before;

    // 5b. The intent: what kind of answer ("top 5", "by severity", "per month", "oldest").
    let items = agent_mentions.iter().any(|m| {
        matches!(
            m.agent,
            AgentName::SupportCaseManager
                | AgentName::EscalationManager
                | AgentName::WorkItemManager
        )
    }) || !fused.is_empty()
        || (agent_mentions.is_empty()
            && (filters::implied_by_severity(&filters).is_some() || mentions.any()));
    let names_items = !item_ids.is_empty() || !fused.is_empty();
    let found_intent = intent::find(&mut toks, items, names_items, time_range.as_ref(), now);
    if time_range.is_none() {
        time_range = found_intent.default_range.clone();
    }
    let mut shape = found_intent.shape;
    // A comparison needs two sides: two periods ("this month vs last month") or two customers.
    let mut compare_range = None;
    if !found_intent.compare_words.is_empty() && matches!(shape.intent, Intent::Count) {
        match time_range::find(&mut toks, now) {
            time_range::TimeOutcome::Range(other) => compare_range = Some(other),
            time_range::TimeOutcome::Invalid(message) => {
                return Err(AnalyzeError::BadTimeRange(message));
            }
            time_range::TimeOutcome::None => {}
        }
        // "up compared to last month": that period against the one since it ended.
        if compare_range.is_none()
            && mentions.resolved.len() < 2
            && let Some(range) = &time_range
            && range.to < now
        {
            let mut since = crate::plan::TimeRange::new(range.to, now, "since then");
            since.to_inclusive = true;
            since.event = range.event;
            compare_range = Some(range.clone());
            time_range = Some(since);
        }
        if compare_range.is_some() || mentions.resolved.len() >= 2 {
            shape.intent = Intent::Compare;
            for &k in &found_intent.compare_words {
                toks[k].role = Role::Intent;
            }
        }
    }

    // "how many customers are in MCS": the registry answers, through the cases agent.
    let counts_customers = agent_mentions.is_empty()
        && shape.intent == Intent::Count
        && toks.windows(4).chain(toks.windows(3)).any(|w| {
            w[0].role == Role::Free
                && w[0].folded == "how"
                && w[1].folded == "many"
                && (vocab::is_scope_noun(w[2].folded)
                    || w.get(3).is_some_and(|t| vocab::is_scope_noun(t.folded)))
        });
    if counts_customers {
        shape.intent = Intent::Aggregate;
        shape.measure = crate::shape::Measure::Customers;
        if let Some(k) = toks
            .iter()
            .position(|t| t.role == Role::Free && t.folded == "how")
        {
            toks[k].role = Role::Intent;
            toks[k + 1].role = Role::Intent;
        }
    }

    // 6. Scope words.
    let mut all_scope = scope::find_all(&mut toks, registry);
    // "which customer has the most open cases": across every customer unless some are named.
    if found_intent.across_customers && !mentions.any() && all_scope.is_none() {
        all_scope = Some(scope::AllScope {
            cohort: None,
            asks_which: false,
        });
    }

    // Agents: the words', else the overview set, else the fallback set.
    let mut requested: Vec<AgentName> = Vec::new();
    let mut default_agents = false;
    let primary;
    for (agent, id) in fused {
        if !item_ids.contains(&id) {
            item_ids.push(id);
        }
        if !requested.contains(&agent) {
            requested.push(agent);
        }
    }
    filters.item_ids = item_ids;
    if let Some(first) = agent_mentions.first() {
        primary = first.agent;
        requested.extend(agent_mentions.iter().map(|m| m.agent));
    } else if let Some(&first) = requested.first() {
        primary = first;
    } else if counts_customers {
        // The registry's customers are counted by the cases agent's store.
        primary = AgentName::SupportCaseManager;
        requested.push(primary);
        notes.push("customers counted from the registry".to_string());
        if all_scope.is_none() && !mentions.any() {
            all_scope = Some(scope::AllScope {
                cohort: None,
                asks_which: false,
            });
        }
    } else if let Some(agent) = filters::implied_by_severity(&filters) {
        // "p1s this month": priorities are incidents'; "sev a this week": cases'.
        primary = agent;
        requested.push(agent);
        notes.push(format!(
            "no agent word: the severity implies {}",
            agent.source()
        ));
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
    // "Which customers have open cases?" asks for names: only tenant health lists them today.
    if all_scope.as_ref().is_some_and(|a| a.asks_which) && primary != AgentName::TenantHealthMonitor
    {
        scope::release(&mut toks);
        all_scope = None;
    }

    // 7-8. Filler, then what is left: docs search terms or not understood.
    leftover::claim_filler(&mut toks);
    scope::absorb_legal_suffixes(&mentions, &mut toks, request);
    scope::demote_names_with_unknown_tails(&mut mentions, &mut toks, request, registry);
    let asks_docs = requested.contains(&AgentName::PurviewExpert);
    let search_terms = leftover::search_terms(&toks);
    let mut not_understood = if asks_docs {
        Vec::new()
    } else {
        leftover::not_understood(request, &toks)
    };
    // A filter that no requested source can apply was understood, but cannot be honoured:
    // saying so beats counting everything ("Sev A incidents": incidents have Sev 0-4).
    not_understood.extend(filters::inapplicable_filters(&filters, &requested));
    // A product question with nothing to search for ("hi", "please"). A time range or a filter
    // alone ("what about last week?", "only the open ones") is kept: chat follow-ups build on it.
    if requested == config.fallback_agents
        && !agent_mentions.iter().any(|m| m.agent == primary)
        && search_terms.is_empty()
        && time_range.is_none()
        && filters.is_empty()
    {
        return Err(AnalyzeError::Nothing);
    }

    filters.work_item_types = items::work_item_types(&toks, &agent_mentions);
    let deps = tasks::dependencies(&toks, &agent_mentions);
    let agents = tasks::order(&requested, &deps);
    let critical = tasks::critical_agents(primary, &deps);
    let signals = complexity::signals(&toks);

    let (mut scope, cohort) = match (&all_scope, mentions.resolved.is_empty()) {
        (Some(all), _) => (Scope::All, all.cohort.clone()),
        (None, false) => (Scope::Customers, None),
        (None, true) => (Scope::None, None),
    };
    let has_customer_agent = agents.iter().any(|a| *a != AgentName::PurviewExpert);
    let single_items = agents
        .iter()
        .filter(|a| **a != AgentName::PurviewExpert)
        .all(|a| filters.ids_of(a.source()).next().is_some());
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
        Scope::None if !has_customer_agent => tasks::Targets::Unscoped,
        Scope::None => match name_like(&toks, matcher) {
            Some(name) => {
                notes.push(format!(
                    "no task for customer agents: \"{name}\" may name a customer that is not in the registry"
                ));
                tasks::Targets::Nobody
            }
            None if !not_understood.is_empty() && !single_items => {
                notes.push(
                    "no task for customer agents: part of the request was not understood, so it is not widened to all customers"
                        .to_string(),
                );
                tasks::Targets::Nobody
            }
            None => {
                // "How many Sev A cases were opened last week?" is about every customer; "case
                // 2611240001000050" names its item, whoever the customer is.
                scope = Scope::All;
                if single_items {
                    notes.push("single items named by id: any customer".to_string());
                } else {
                    notes.push("no customer named: all customers".to_string());
                }
                tasks::Targets::Unscoped
            }
        },
    };
    let mut tasks = tasks::build(&agents, &deps, &critical, targets);
    let (mut agents, mut deps) = (agents, deps);
    // An investigation runs as a chain (`crate::investigate`): the first item agent's items
    // against the period before, by area, then incidents, work items and known issues.
    if shape.intent == Intent::Investigate
        && !tasks.is_empty()
        && let Some(range) = &time_range
    {
        let agent = agents
            .iter()
            .copied()
            .find(|a| {
                matches!(
                    a,
                    AgentName::SupportCaseManager
                        | AgentName::EscalationManager
                        | AgentName::WorkItemManager
                )
            })
            .unwrap_or(AgentName::SupportCaseManager);
        tasks = crate::investigate::chain(&mentions.resolved, agent, range);
        agents = AgentName::ALL
            .into_iter()
            .filter(|a| tasks.iter().any(|t| t.agent == *a))
            .collect();
        deps = agents
            .iter()
            .filter(|a| **a != agent && **a != AgentName::PurviewExpert)
            .map(|a| (*a, agent))
            .collect();
        default_agents = false;
        notes.push(format!(
            "investigation: {} against the period before, by product area, then incidents, work items and known issues of the area that drives the change",
            agent.source()
        ));
    }
    if let (Some(other), Some(main)) = (compare_range, &time_range)
        && deps.is_empty()
    {
        tasks = tasks::for_two_periods(tasks, main, other);
    }
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
    if requested.contains(&AgentName::PurviewExpert) && !has_customer_agent {
        shape = Shape {
            intent: Intent::Docs,
            ..Shape::default()
        };
    } else if shape.intent == Intent::Count && !filters.item_ids.is_empty() {
        shape.intent = Intent::Lookup;
    }

    let mut plan = Plan {
        request: request.to_string(),
        interpretation: String::new(),
        not_understood,
        complexity: Complexity::from_score(score),
        score,
        factors,
        strategy: Strategy::of(&tasks),
        agents,
        data_sources,
        scope,
        cohort_tenants: cohort
            .as_deref()
            .map(|c| registry.segment_tenants(c))
            .unwrap_or_default(),
        cohort,
        customers: mentions.resolved,
        unresolved: mentions.unresolved,
        ambiguous: mentions.ambiguous,
        time_range,
        filters,
        tasks,
        estimated_ms,
        intent: shape.intent,
        shape,
        search_terms,
        default_agents,
        not_permitted: Vec::new(),
        permitted_tenants: None,
    };
    plan.interpretation = crate::describe::interpretation(&plan);
    Ok(plan)
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
