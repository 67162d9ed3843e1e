//! Orca as an MCP server for LLM assistants (Claude, Copilot, VS Code agents): the same `Orca`
//! service as the CLI, exposed as four read-only tools (`ask`, `plan`, `resolve_customer`,
//! `stats`) over stdio (`orca mcp`) and streamable HTTP (`/mcp` on `orca serve`, see [`http`]).
//!
//! Invariant: a tool never fails the protocol because of what the caller asked: bad input, unknown
//! customers and failed sources come back as tool results with `isError: true` and one clear
//! sentence, so the model can correct itself; only an unknown tool name is a protocol error.
//! Nothing here writes to stdout except the stdio transport itself.

pub mod http;
pub mod tools;

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};

use crate::permissions::Permissions;
use crate::server::auth::Principal;
use crate::service::Orca;

/// What the server tells a client about itself when it connects.
const INSTRUCTIONS: &str = "Orca answers questions about Microsoft Purview customers from \
support cases, incidents (ICMs), Azure DevOps work items, tenant health metrics and product docs. \
Call `ask` with the user's question in plain words (one call may cover several customers and \
sources). Call `resolve_customer` when a customer name is unknown or ambiguous, `plan` to see how \
a question will be understood without running it, and `stats` when answers come back partial.";

/// Counters shared by every session of one server process (stdio has one session; HTTP has one
/// per client), reported by the `stats` tool.
#[derive(Debug)]
pub struct McpStats {
    started: Instant,
    asks: AtomicU64,
    partial: AtomicU64,
    unanswered: AtomicU64,
    rejected: AtomicU64,
    cancelled: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl Default for McpStats {
    fn default() -> Self {
        McpStats {
            started: Instant::now(),
            asks: AtomicU64::new(0),
            partial: AtomicU64::new(0),
            unanswered: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        }
    }
}

/// How one ask ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AskOutcome {
    Answered { partial: bool, unanswered: bool },
    Rejected,
    Cancelled,
}

impl McpStats {
    pub(crate) fn record(&self, outcome: AskOutcome, cache: &orca_core::CacheStats) {
        let add = |counter: &AtomicU64, n: u64| counter.fetch_add(n, Ordering::Relaxed);
        match outcome {
            AskOutcome::Answered {
                partial,
                unanswered,
            } => {
                add(&self.asks, 1);
                add(&self.partial, u64::from(partial));
                add(&self.unanswered, u64::from(unanswered));
            }
            AskOutcome::Rejected => {
                add(&self.rejected, 1);
            }
            AskOutcome::Cancelled => {
                add(&self.cancelled, 1);
            }
        }
        add(&self.cache_hits, cache.hits);
        add(&self.cache_misses, cache.misses);
    }

    pub(crate) fn snapshot(&self) -> tools::AskCounters {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        tools::AskCounters {
            served: get(&self.asks),
            partial: get(&self.partial),
            unanswered: get(&self.unanswered),
            rejected: get(&self.rejected),
            cancelled: get(&self.cancelled),
        }
    }

    pub(crate) fn cache(&self) -> orca_core::CacheStats {
        orca_core::CacheStats::new(
            self.cache_hits.load(Ordering::Relaxed),
            self.cache_misses.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn uptime_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

/// The MCP server handler: one per session, cheap to clone (the service and counters are shared).
#[derive(Clone)]
pub struct OrcaMcp {
    orca: Orca,
    stats: Arc<McpStats>,
    /// The clock for relative time ranges when a call gives none (`--now`); else the real one.
    default_now: Option<DateTime<Utc>>,
    /// Refuse calls that carry no permissions (HTTP behind authentication); stdio needs none.
    require_permissions: bool,
}

impl OrcaMcp {
    pub fn new(orca: Orca) -> OrcaMcp {
        OrcaMcp::with_stats(orca, Arc::default())
    }

    /// A handler whose counters are shared with other sessions (the HTTP transport).
    pub fn with_stats(orca: Orca, stats: Arc<McpStats>) -> OrcaMcp {
        OrcaMcp {
            orca,
            stats,
            default_now: None,
            require_permissions: false,
        }
    }

    /// Sets the clock used when a call gives no `now` (the `--now` flag).
    pub fn with_default_now(mut self, now: Option<DateTime<Utc>>) -> OrcaMcp {
        self.default_now = now;
        self
    }

    /// Refuses tool calls whose HTTP request carries no permissions from authentication.
    pub fn with_required_permissions(mut self, required: bool) -> OrcaMcp {
        self.require_permissions = required;
        self
    }

    pub(crate) fn requires_permissions(&self) -> bool {
        self.require_permissions
    }

    pub fn orca(&self) -> &Orca {
        &self.orca
    }

    pub fn stats(&self) -> &Arc<McpStats> {
        &self.stats
    }

    pub(crate) fn default_now(&self) -> Option<DateTime<Utc>> {
        self.default_now
    }
}

impl ServerHandler for OrcaMcp {
    fn get_info(&self) -> ServerConfig {
        let mut implementation = Implementation::new("orca", env!("CARGO_PKG_VERSION"));
        implementation.title = Some("Orca customer insights".to_string());
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(implementation)
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools::all().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let result = tools::call(self, request, context).await?;
        Ok(result.into())
    }
}

/// What the caller of a tool may see: the permissions of the [`Principal`] that the HTTP server's
/// authentication attached to *this* request (rmcp hands tools the HTTP request parts); `None` on
/// stdio, where the caller is the local user, who can read the store anyway.
pub(crate) fn permissions(context: &RequestContext<RoleServer>) -> Option<Arc<Permissions>> {
    let parts = context.extensions.get::<axum::http::request::Parts>()?;
    let principal = parts.extensions.get::<Principal>()?;
    Some(Arc::clone(&principal.permissions))
}

/// Serves MCP on stdin/stdout until the client closes stdin. Logs go to stderr.
pub async fn serve_stdio(server: OrcaMcp) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() {
        eprintln!(
            "orca mcp speaks the Model Context Protocol on stdin/stdout: start it from an MCP \
             client such as Claude Desktop or VS Code (see the README). Ctrl-D ends it."
        );
    }
    let running = server.serve(rmcp::transport::stdio()).await.map_err(|e| {
        anyhow::anyhow!("cannot start the MCP session on stdio (no MCP client on stdin?): {e}")
    })?;
    tracing::info!("MCP server ready on stdio");
    running
        .waiting()
        .await
        .map_err(|e| anyhow::anyhow!("the MCP session on stdio failed: {e}"))?;
    Ok(())
}
