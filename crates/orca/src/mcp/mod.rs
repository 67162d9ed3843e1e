//! Orca as an MCP server for LLM assistants (Claude, Copilot, VS Code agents): the same `Orca`
//! service as the CLI, exposed as four read-only tools (`ask`, `plan`, `resolve_customer`,
//! `stats`) over stdio (`orca mcp`) and streamable HTTP (`/mcp` on `orca serve`, see [`http`]).
//!
//! Invariant: a tool never fails the protocol because of what the caller asked: bad input, unknown
//! customers and failed sources come back as tool results with `isError: true` and one clear
//! sentence, so the model can correct itself; only an unknown tool name is a protocol error.
//! Nothing here writes to stdout except the stdio transport itself.

pub mod http;
pub mod sessions;
pub mod stdio;
pub mod tools;

use crate::out::errln;
use std::io::IsTerminal as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt as _};

use crate::permissions::Permissions;
use crate::service::Orca;

/// What the server tells a client about itself when it connects.
const INSTRUCTIONS: &str = "Orca answers questions about Microsoft Purview customers from \
support cases, incidents (ICMs), Azure DevOps work items, tenant health metrics and product docs. \
Call `ask` with the user's question in plain words (one call may cover several customers and \
sources). Call `resolve_customer` when a customer name is unknown or ambiguous, `plan` to see how \
a question will be understood without running it, and `stats` when answers come back partial.";

/// Who calls a tool over HTTP: the front end that authenticated the request (the server's `/mcp`
/// gate) puts it in the request's extensions; rmcp hands tools the HTTP request parts. Absent on
/// stdio, where the caller is the local user, who can read the store anyway.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name, for the service's activity record (`AskOptions::caller`).
    pub name: Arc<str>,
    /// What this caller may see.
    pub permissions: Arc<Permissions>,
}

/// The MCP server handler: one per session, cheap to clone (the service is shared).
#[derive(Clone)]
pub struct OrcaMcp {
    orca: Orca,
    /// The clock for relative time ranges when a call gives none (`--now`); else the real one.
    default_now: Option<DateTime<Utc>>,
    /// Refuse calls that carry no permissions (HTTP behind authentication); stdio needs none.
    require_permissions: bool,
}

impl OrcaMcp {
    pub fn new(orca: Orca) -> OrcaMcp {
        OrcaMcp {
            orca,
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

/// The caller of a tool over HTTP (see [`Caller`]); `None` on stdio.
pub(crate) fn caller(context: &RequestContext<RoleServer>) -> Option<Caller> {
    let parts = context.extensions.get::<axum::http::request::Parts>()?;
    parts.extensions.get::<Caller>().cloned()
}

/// Serves MCP on stdin/stdout until the client closes stdin, answering lines that are not
/// messages with JSON-RPC errors ([`stdio`]). Logs go to stderr.
pub async fn serve_stdio(server: OrcaMcp) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() {
        errln!(
            "orca mcp speaks the Model Context Protocol on stdin/stdout: start it from an MCP \
             client such as Claude Desktop or VS Code (see the README). Ctrl-D ends it."
        );
    }
    let (stdin, stdout) = rmcp::transport::stdio();
    let transport = stdio::StdioTransport::new(stdin, stdout);
    let running = server.serve(transport).await.map_err(|e| {
        anyhow::anyhow!("cannot start the MCP session on stdio (no MCP client on stdin?): {e}")
    })?;
    tracing::info!("MCP server ready on stdio");
    running
        .waiting()
        .await
        .map_err(|e| anyhow::anyhow!("the MCP session on stdio failed: {e}"))?;
    Ok(())
}
