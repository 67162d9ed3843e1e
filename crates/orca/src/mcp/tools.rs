//! The four MCP tools, in one list the reader can see ([`all`]) and one dispatch ([`call`]): each
//! has a description written for a model, a described input schema (schemars), an output schema,
//! and returns structured content plus a short text rendering.
//!
//! Invariant: every tool is read-only and closed-world (it reads Orca's own store); caller mistakes
//! and failed sources are `isError` results with one clear sentence, never protocol errors.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use orca_core::{AnalyzeError, Plan, Report, Section};
use orca_engine::EngineEvent;
use rmcp::handler::server::tool::schema_for_type;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, JsonObject, ProgressNotificationParam,
    ProgressToken, Tool, ToolAnnotations,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Peer, RoleServer};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{Caller, OrcaMcp};
use crate::permissions::Permissions;
use crate::service::{AskError, AskOptions};

pub const ASK: &str = "ask";
pub const PLAN: &str = "plan";
pub const RESOLVE_CUSTOMER: &str = "resolve_customer";
pub const STATS: &str = "stats";

const ASK_DESCRIPTION: &str = "\
Answer a plain-language question about customers from their support cases, incidents (ICMs), \
Azure DevOps work items (bugs, DCRs, features), daily tenant health metrics and product docs. \
Orca resolves customer names to tenant ids, runs the needed data sources in parallel with \
deadlines and retries, and returns one report.

Use it whenever the user asks about a customer's or a cohort's cases, escalations, bugs, tenant \
health or known product issues. One call covers several customers and sources: pass the whole \
question, do not split it per customer.

Returns `answer` (the answer in a few sentences: quote it), `sections` (one per data source and \
customer, each with `status`, `summary` counts and the matching `rows`), `partial` (true when a \
source failed or timed out; `errors` says which and why, and the answer is still usable), \
`timings`, `cache` and the `plan` it ran. `plan.interpretation` restates in one sentence what \
was answered (names, filters, absolute dates): check it against the question. \
`plan.not_understood` lists words Orca did not understand; when it is not empty the answer \
leaves them out (the answer's first line says so): tell the user or rephrase with Orca's words. \
An unknown or ambiguous customer, an empty request or \
a failed essential source is an error result that says what to fix: call `resolve_customer` or \
ask the user which customer they meant.

Examples: \"How many cases does Ford have?\", \"Show open Sev A cases, ICMs and ADO bugs for \
Ford, GM and Toyota in the last 30 days\", \"ADO bugs linked to Ford's ICMs\", \"Which MCS \
customers have unhealthy tenants?\", \"known issues with sensitivity labels\".";

const PLAN_DESCRIPTION: &str = "\
Show how Orca understands a request without running anything: the customers it resolved (with \
match kind and confidence), mentions it could not resolve or found ambiguous, the agents and \
data sources it would query, the time range, filters, the task graph and its strategy (direct, \
sequential or parallel), `interpretation` (one sentence: what would be answered) and \
`not_understood` (words it did not understand). Takes microseconds.

Use it to check a question before asking it, or to explain why an answer covers what it covers. \
Returns the plan object. Examples: \"Why did Contoso's Sev A cases spike last month?\", \
\"ADO bugs linked to Ford's ICMs\" (shows the bugs task waiting for the ICMs task).";

const RESOLVE_DESCRIPTION: &str = "\
Look up a customer name in Orca's registry. Returns every candidate, best first, with its \
tenant id, segment, how it matched (`exact` name, `alias`, `normalized` spelling, or `fuzzy` for \
typos) and a confidence (1.0 for exact, alias and normalized; lower for fuzzy).

Use it when the user names a customer you are unsure of, when `ask` reports an unknown or \
ambiguous customer, or to find a tenant id. Several candidates mean the name is ambiguous: ask \
the user which one. No candidate is an error result. Examples: \"Ford\", \"Toyta\" (a typo), \
\"General\" (General Electric or General Mills).";

const STATS_DESCRIPTION: &str = "\
Orca's activity and health since this server started, over every client it serves: asks served \
(and how many were partial, unanswered, rejected or cancelled), result cache hits and misses, the \
registry size, and each \
data source's circuit breaker (`closed` = healthy, `open` = failing and skipped until it is \
retried, `half_open` = probing).

Use it when answers come back partial, to tell whether a data source is down, or when the user \
asks about Orca itself. Takes no arguments.";

/// Input of `ask`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AskInput {
    /// The question in plain words, as the user asked it, e.g. "Show open Sev A cases and ICMs
    /// for Ford and Toyota in the last 30 days". Name customers as the user did.
    pub request: String,
    /// How to render the text part of the result (the structured report is always returned):
    /// `summary` (default: the answer and key figures), `text` or `markdown` (the full report
    /// with tables), `json` (the report as JSON text).
    #[serde(default)]
    pub format: Option<TextFormat>,
    /// The clock for relative time ranges such as "last 30 days", RFC 3339
    /// (e.g. "2026-11-24T12:00:00Z"). Default: now.
    #[serde(default)]
    pub now: Option<String>,
    /// Bypass the result cache and read every source afresh. Default: false.
    #[serde(default)]
    pub no_cache: Option<bool>,
}

/// The text rendering of an `ask` result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    #[default]
    Summary,
    Text,
    Markdown,
    Json,
}

/// Input of `plan`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PlanInput {
    /// The question in plain words, e.g. "cases and ICMs for Ford in the last 30 days".
    pub request: String,
    /// The clock for relative time ranges, RFC 3339 (e.g. "2026-11-24T12:00:00Z"). Default: now.
    #[serde(default)]
    pub now: Option<String>,
}

/// Input of `resolve_customer`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResolveInput {
    /// A customer name, alias or something close to one, e.g. "Ford", "Toyta", "General".
    pub name: String,
}

/// Input of `stats`: none.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct StatsInput {}

/// Output of `resolve_customer`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResolveOutput {
    /// The name looked up, trimmed.
    pub query: String,
    /// Matching customers, best first; several mean the name is ambiguous.
    pub candidates: Vec<CandidateOutput>,
}

/// One registry customer a name may mean.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CandidateOutput {
    /// The customer's registry name.
    pub name: String,
    /// The customer's tenant id (a GUID).
    pub tenant_id: String,
    /// How the name matched, in order of trust.
    #[serde(rename = "match")]
    pub match_kind: MatchKindOutput,
    /// 1.0 for exact, alias and normalized matches; below 1.0 for fuzzy ones.
    pub confidence: f64,
    /// The customer's segment (cohort), e.g. "MCS", if the registry has one.
    pub segment: Option<String>,
}

/// How a name matched a registry customer.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchKindOutput {
    Exact,
    Alias,
    Normalized,
    Fuzzy,
}

impl From<orca_core::MatchKind> for MatchKindOutput {
    fn from(kind: orca_core::MatchKind) -> Self {
        match kind {
            orca_core::MatchKind::Exact => MatchKindOutput::Exact,
            orca_core::MatchKind::Alias => MatchKindOutput::Alias,
            orca_core::MatchKind::Normalized => MatchKindOutput::Normalized,
            orca_core::MatchKind::Fuzzy => MatchKindOutput::Fuzzy,
        }
    }
}

/// Output of `stats`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatsOutput {
    /// Orca's version.
    pub version: String,
    /// Seconds since this server started.
    pub uptime_s: f64,
    /// Asks handled by this server, from every client and front end.
    pub asks: AskCounters,
    /// Result cache lookups summed over the asks served.
    pub cache: CacheOutput,
    /// Customers in the registry.
    pub registry_customers: usize,
    /// The circuit breaker of each data source that has a connector.
    pub breakers: Vec<BreakerOutput>,
}

/// Ask counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AskCounters {
    /// Asks that produced a report (complete or partial).
    pub served: u64,
    /// Reports with at least one section not ok.
    pub partial: u64,
    /// Reports whose essential (critical) source failed.
    pub unanswered: u64,
    /// Asks refused before running: an empty or malformed request, unknown customers only, or
    /// nothing the caller may see.
    pub rejected: u64,
    /// Asks the client cancelled.
    pub cancelled: u64,
}

/// Result cache figures.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CacheOutput {
    pub hits: u64,
    pub misses: u64,
    /// hits / (hits + misses); 0 without lookups.
    pub hit_rate: f64,
}

/// One source's circuit breaker.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BreakerOutput {
    /// The data source: kusto, icm, ado, tenant or docs.
    pub source: String,
    /// closed (healthy), open (failing, skipped) or half_open (probing).
    pub state: String,
    /// Consecutive failed tasks counted while closed.
    pub failures: u32,
    /// Why the breaker is open.
    pub reason: Option<String>,
    /// Milliseconds until an open breaker lets a probe through.
    pub retry_in_ms: Option<u64>,
}

/// Every tool Orca serves.
pub fn all() -> Vec<Tool> {
    let read_only = |title: &str| {
        ToolAnnotations::with_title(title)
            .read_only(true)
            .destructive(false)
            .idempotent(true)
            .open_world(false)
    };
    vec![
        Tool::new(ASK, ASK_DESCRIPTION, schema_for_type::<AskInput>())
            .with_title("Ask Orca about customers")
            .with_raw_output_schema(crate::schema::object::<Report>())
            .annotate(read_only("Ask Orca about customers")),
        Tool::new(PLAN, PLAN_DESCRIPTION, schema_for_type::<PlanInput>())
            .with_title("Plan a request (nothing runs)")
            .with_raw_output_schema(crate::schema::object::<Plan>())
            .annotate(read_only("Plan a request (nothing runs)")),
        Tool::new(
            RESOLVE_CUSTOMER,
            RESOLVE_DESCRIPTION,
            schema_for_type::<ResolveInput>(),
        )
        .with_title("Resolve a customer name")
        .with_output_schema::<ResolveOutput>()
        .annotate(read_only("Resolve a customer name")),
        Tool::new(STATS, STATS_DESCRIPTION, schema_for_type::<StatsInput>())
            .with_title("Orca health and activity")
            .with_output_schema::<StatsOutput>()
            .annotate(read_only("Orca health and activity")),
    ]
}

/// Runs one tool call. Only an unknown tool name is a protocol error.
pub async fn call(
    server: &OrcaMcp,
    request: CallToolRequestParams,
    context: RequestContext<RoleServer>,
) -> Result<CallToolResult, ErrorData> {
    let arguments = request.arguments.unwrap_or_default();
    let caller = super::caller(&context);
    let permissions = caller.as_ref().map(|c| Arc::clone(&c.permissions));
    if caller.is_none() && server.requires_permissions() && is_tool(&request.name) {
        return Ok(error_result(
            "this request was not authenticated: send `Authorization: Bearer <token>` with a token from `orca token add`",
        ));
    }
    let result = match request.name.as_ref() {
        ASK => match parse::<AskInput>(ASK, arguments) {
            Ok(input) => ask(server, input, caller, &context).await,
            Err(message) => error_result(message),
        },
        PLAN => match parse::<PlanInput>(PLAN, arguments) {
            Ok(input) => plan(server, input, permissions.as_deref()),
            Err(message) => error_result(message),
        },
        RESOLVE_CUSTOMER => match parse::<ResolveInput>(RESOLVE_CUSTOMER, arguments) {
            Ok(input) => resolve_customer(server, input, permissions.as_deref()),
            Err(message) => error_result(message),
        },
        STATS => stats(server),
        other => {
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool `{other}`; the tools are ask, plan, resolve_customer and stats"
                ),
                None,
            ));
        }
    };
    Ok(result)
}

fn is_tool(name: &str) -> bool {
    [ASK, PLAN, RESOLVE_CUSTOMER, STATS].contains(&name)
}

/// Arguments that do not fit the schema are the caller's to fix: an error result, not a protocol
/// error, so the model sees the message and retries.
fn parse<T: DeserializeOwned>(tool: &str, arguments: JsonObject) -> Result<T, String> {
    serde_json::from_value(Value::Object(arguments))
        .map_err(|e| format!("invalid arguments for `{tool}`: {e}"))
}

fn error_result(message: impl Into<String>) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// A successful result: `output` as structured content, `text` for the reader.
fn structured_result(text: String, output: &impl Serialize) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(serde_json::to_value(output).unwrap_or(Value::Null));
    result
}

fn parse_now(
    now: Option<&str>,
    default: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, String> {
    match now.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| {
                format!(
                    "`now` must be an RFC 3339 timestamp like 2026-11-24T12:00:00Z, not `{s}` ({e})"
                )
            }),
    }
}

/// Runs an ask; the service records it (answered, cancelled or refused), as for every front end.
async fn ask(
    server: &OrcaMcp,
    input: AskInput,
    caller: Option<Caller>,
    context: &RequestContext<RoleServer>,
) -> CallToolResult {
    let now = match parse_now(input.now.as_deref(), server.default_now()) {
        Ok(now) => now,
        Err(message) => return error_result(message),
    };
    // Cancelling the MCP request (notifications/cancelled) cancels the run.
    let cancel = context.ct.child_token();
    let progress_token = context.meta.get_progress_token();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let options = AskOptions {
        now,
        no_cache: input.no_cache.unwrap_or(false),
        events: progress_token.is_some().then_some(events_tx),
        cancel: cancel.clone(),
        permissions: caller.as_ref().map(|c| Arc::clone(&c.permissions)),
        caller: caller.map(|c| c.name),
    };
    let asked = server.orca().ask(&input.request, options);
    let outcome = match progress_token {
        Some(token) => with_progress(asked, events_rx, &context.peer, token).await,
        None => asked.await,
    };
    match outcome {
        Ok(_) if cancel.is_cancelled() => {
            error_result("the ask was cancelled before every source answered")
        }
        Ok(report) => report_result(&report, input.format.unwrap_or_default()),
        Err(e) => error_result(ask_error_message(&e)),
    }
}

fn ask_error_message(e: &AskError) -> String {
    match e {
        AskError::BadRequest(AnalyzeError::Empty) => {
            "the request is empty: pass the user's question in `request`, e.g. \"How many cases does Ford have?\"".to_string()
        }
        AskError::BadRequest(e) => e.to_string(),
        AskError::NothingToAnswer(answer) => format!(
            "nothing to run: {answer} Call `resolve_customer` to find the right name, or ask the user."
        ),
        AskError::NotPermitted(answer) => {
            format!("not permitted: {answer} This connection may not see those customers.")
        }
    }
}

/// Runs the ask while forwarding one progress notification per finished section. Notifications
/// stop when the ask ends (the final response is never followed by progress).
async fn with_progress(
    asked: impl Future<Output = Result<Report, AskError>>,
    mut events: mpsc::UnboundedReceiver<EngineEvent>,
    peer: &Peer<RoleServer>,
    token: ProgressToken,
) -> Result<Report, AskError> {
    let mut progress = Progress {
        token,
        total: None,
        done: 0,
    };
    let mut asked = std::pin::pin!(asked);
    let outcome = loop {
        tokio::select! {
            outcome = &mut asked => break outcome,
            Some(event) = events.recv() => {
                if let Some(param) = progress.on(&event) {
                    // A client that went away just stops hearing about progress.
                    let _ = peer.notify_progress(param).await;
                }
            }
        }
    };
    // Sections that finished as the run ended: reported before the response, never after it.
    while let Ok(event) = events.try_recv() {
        if let Some(param) = progress.on(&event) {
            let _ = peer.notify_progress(param).await;
        }
    }
    outcome
}

/// Turns engine events into MCP progress: `progress` counts finished sections out of the tasks.
struct Progress {
    token: ProgressToken,
    total: Option<f64>,
    done: u32,
}

impl Progress {
    fn on(&mut self, event: &EngineEvent) -> Option<ProgressNotificationParam> {
        match event {
            EngineEvent::RunStarted { tasks, .. } => {
                self.total = Some(*tasks as f64);
                None
            }
            EngineEvent::TaskFinished(section) => {
                self.done += 1;
                let mut param =
                    ProgressNotificationParam::new(self.token.clone(), f64::from(self.done))
                        .with_message(section_progress(section));
                if let Some(total) = self.total {
                    param = param.with_total(total);
                }
                Some(param)
            }
            _ => None,
        }
    }
}

fn section_progress(s: &Section) -> String {
    let who = s
        .customer
        .as_ref()
        .map(|c| format!(" for {}", c.name))
        .unwrap_or_default();
    let mut line = format!("{} ({}){who}: {}", s.agent, s.source, s.status.as_str());
    if let Some(reason) = &s.reason {
        line.push_str(&format!(" ({reason})"));
    }
    line
}

/// The report as structured content plus text. A report whose essential source failed is an error
/// result (with the report, so what did arrive is not lost); a partial one is a normal result
/// whose text says what is missing.
fn report_result(report: &Report, format: TextFormat) -> CallToolResult {
    let text = match format {
        TextFormat::Summary => report_summary(report),
        TextFormat::Text => crate::render::report_text_width(report, false, 100),
        TextFormat::Markdown => crate::render::report_markdown(report, false),
        TextFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
    };
    let mut result = structured_result(text, report);
    if report.unanswered {
        result.is_error = Some(true);
    }
    result
}

/// The short text of an ask: the answer, what is missing and why, and the key figures.
pub fn report_summary(report: &Report) -> String {
    let mut out = String::new();
    if report.unanswered {
        out.push_str("Could not answer the main question: an essential source failed.\n");
    }
    out.push_str(report.answer.trim_end());
    out.push('\n');
    if report.partial {
        let missing: Vec<String> = report
            .errors
            .iter()
            .map(|e| {
                let who = e
                    .customer
                    .as_deref()
                    .map(|c| format!(" for {c}"))
                    .unwrap_or_default();
                format!("{}{who}: {}", e.source, e.reason)
            })
            .collect();
        out.push_str(&format!(
            "Partial answer; missing: {}.\n",
            missing.join("; ")
        ));
    }
    let ok = report.sections.iter().filter(|s| s.is_ok()).count();
    let rows: usize = report.sections.iter().map(|s| s.rows.len()).sum();
    let t = &report.timings;
    out.push_str(&format!(
        "{ok}/{} sections ok, {rows} rows · {:.1} ms (speedup {:.1}x) · cache {} hits / {} misses",
        report.sections.len(),
        t.total_ms,
        t.speedup,
        report.cache.hits,
        report.cache.misses
    ));
    out
}

/// Plans on the async worker, as `ask` does: the request is capped at `max_request_chars` and
/// the registry's work on it is bounded (`orca_core::registry`, "Cost": about two milliseconds
/// at worst), cheaper than a hop to the blocking pool.
fn plan(server: &OrcaMcp, input: PlanInput, permissions: Option<&Permissions>) -> CallToolResult {
    let now = match parse_now(input.now.as_deref(), server.default_now()) {
        Ok(now) => now,
        Err(message) => return error_result(message),
    };
    match server
        .orca()
        .plan_permitted(&input.request, now, permissions)
    {
        Ok(plan) => structured_result(crate::render::plan_text(&plan), &plan),
        Err(AnalyzeError::Empty) => error_result(
            "the request is empty: pass the user's question in `request`, e.g. \"cases and ICMs for Ford\"",
        ),
        Err(e) => error_result(e.to_string()),
    }
}

fn resolve_customer(
    server: &OrcaMcp,
    input: ResolveInput,
    permissions: Option<&Permissions>,
) -> CallToolResult {
    let name = input.name.trim();
    if name.is_empty() {
        return error_result("the customer name is empty: pass a name such as \"Ford\" in `name`");
    }
    if name.chars().any(char::is_control) {
        return error_result("the customer name contains a control character");
    }
    if let Err(e) = orca_core::registry::check_name_length(name) {
        return error_result(e.to_string());
    }
    // On the async worker on purpose: with the name capped, `Registry::resolve` is bounded
    // work (a fixed edit-distance budget: about a millisecond at worst, microseconds for real
    // names), cheaper than a hop to the blocking pool.
    let candidates = match permissions {
        Some(permissions) => server.orca().resolve_permitted(name, permissions),
        None => server.orca().resolve(name),
    };
    let candidates: Vec<CandidateOutput> = candidates
        .into_iter()
        .map(|c| CandidateOutput {
            name: c.name,
            tenant_id: c.tenant_id,
            match_kind: c.match_kind.into(),
            confidence: c.confidence,
            segment: c.segment,
        })
        .collect();
    let text = match candidates.as_slice() {
        [] => format!("No customer in the registry matches \"{name}\"."),
        [only] => format!(
            "\"{name}\" is {} (tenant {}), {} match, confidence {:.2}.",
            only.name,
            only.tenant_id,
            match_kind_str(only.match_kind),
            only.confidence
        ),
        many => {
            let listed: Vec<String> = many
                .iter()
                .map(|c| {
                    format!(
                        "{} (tenant {}, {} {:.2})",
                        c.name,
                        c.tenant_id,
                        match_kind_str(c.match_kind),
                        c.confidence
                    )
                })
                .collect();
            format!(
                "\"{name}\" may mean {} customers: {}.",
                many.len(),
                listed.join("; ")
            )
        }
    };
    let is_error = candidates.is_empty();
    let output = ResolveOutput {
        query: name.to_string(),
        candidates,
    };
    let mut result = structured_result(text, &output);
    result.is_error = Some(is_error);
    result
}

fn match_kind_str(kind: MatchKindOutput) -> &'static str {
    match kind {
        MatchKindOutput::Exact => "exact",
        MatchKindOutput::Alias => "alias",
        MatchKindOutput::Normalized => "normalized",
        MatchKindOutput::Fuzzy => "fuzzy",
    }
}

/// The service's activity (every front end's asks, see `service::activity`) and its breakers.
fn stats(server: &OrcaMcp) -> CallToolResult {
    let monitor = server.orca().activity().monitor();
    let (counts, cache) = monitor.counts();
    let counters = AskCounters {
        served: counts.answered,
        partial: counts.partial,
        unanswered: counts.unanswered,
        rejected: counts.rejected,
        cancelled: counts.cancelled,
    };
    let breakers: Vec<BreakerOutput> = server
        .orca()
        .engine()
        .breaker_states()
        .into_iter()
        .map(|(source, b)| BreakerOutput {
            source: source.as_str().to_string(),
            state: b.state.to_string(),
            failures: b.failures,
            reason: b.reason,
            retry_in_ms: b.retry_in_ms,
        })
        .collect();
    let output = StatsOutput {
        version: env!("CARGO_PKG_VERSION").to_string(),
        uptime_s: monitor.uptime_s(),
        asks: counters,
        cache: CacheOutput {
            hits: cache.hits,
            misses: cache.misses,
            hit_rate: cache.hit_rate,
        },
        registry_customers: server.orca().registry().len(),
        breakers,
    };
    let unhealthy: Vec<String> = output
        .breakers
        .iter()
        .filter(|b| b.state != "closed")
        .map(|b| format!("{} {}", b.source, b.state))
        .collect();
    let text = format!(
        "{} asks served ({} partial, {} unanswered), {} rejected, {} cancelled · cache {} hits / {} misses · sources: {}",
        counters.served,
        counters.partial,
        counters.unanswered,
        counters.rejected,
        counters.cancelled,
        cache.hits,
        cache.misses,
        if unhealthy.is_empty() {
            "all healthy".to_string()
        } else {
            unhealthy.join(", ")
        }
    );
    structured_result(text, &output)
}
