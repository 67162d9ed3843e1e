//! `type = "mcp"`: a source served by a tool of another MCP server (the seed guide's
//! `query_icms_mcp`), over stdio (a child process) or streamable HTTP, with the official Rust SDK
//! (rmcp) as the client.
//!
//! ```toml
//! [sources.icm]
//! type = "mcp"
//! command = ["icm-mcp-server", "--region", "emea"]   # or url = "https://icm.example.com/mcp"
//! env = { ICM_LOG = "warn" }                          # stdio only: added to the child's environment
//! # token_env = "ORCA_ICM_TOKEN"                      # HTTP only: a bearer token (or token_command)
//! tool = "search_incidents"
//! max_items = 5000                                    # the most rows one answer is computed over
//! # columns = { IncidentId = "id" }                   # the tool's names of DESIGN columns
//! ```
//!
//! The contract with the remote tool (what a team's MCP server implements):
//! - Arguments: the typed query, serialized as `orca_core::Query` is (`source`, `tenant_ids`,
//!   `all_tenants`, `cohort`, `time_range` {`from`, `to`, `to_inclusive`, `event`: created,
//!   closed or mitigated}, `filters` {`status`, `severity`, `states`, `item_ids`, `owner`, ...},
//!   `search_terms`, `limit`, `shape`, `context`), plus `max_rows`: the most rows Orca reads
//!   (`max_items + 1`, so a longer answer is seen as cut). `limit` and `shape` describe the answer
//!   Orca computes, not the rows wanted: the tool returns every matching row, not `limit` of them.
//!   Cohorts arrive already resolved to `tenant_ids` (the engine resolves them).
//! - Result: structured content (or a JSON text content) `{"rows": [...]}`, each row an object
//!   with DESIGN section 6's columns of the source's table (`IncidentId`, `TenantId`, `Severity`,
//!   `Status`, `Title`, `OwningTeam`, `CreatedAt`, `MitigatedAt`, `ResolvedAt`, `CaseNumber` for
//!   `icm`; cases, work items and tenant metrics likewise; `Path`, `Title`, `Body` for `docs`),
//!   timestamps RFC 3339, missing or `null` values empty. An optional `"truncated": true` says the
//!   tool itself cut the list.
//! - The tool may filter by any part of the query (tenants, time range, ids, ...) but must return
//!   at least every row that matches: Orca applies every filter again and computes the answer
//!   client-side with the store's own semantics ([`DataSet::evaluate`]), so the same rows give
//!   the store's answer, word for word.
//!
//! Invariants and decisions:
//! - Rows are parsed and checked exactly as `orca data import` checks a CSV record
//!   ([`DataSet::push_fields`]); a bad row fails the call with its position and every reason
//!   (a partial count would be a wrong answer).
//! - `max_items` bounds the rows read. More rows than that: the answer is computed over the
//!   first `max_items` in the tool's order and says so as the Azure DevOps connector does: the
//!   summary gets `"truncated": true` and `"max_items": N`, and the output's `truncated` flag is
//!   set.
//! - One session per connector, opened on first use (`initialize`), shared by concurrent calls,
//!   and opened again after it is lost: a child process that exited, an HTTP session the server
//!   dropped (rmcp re-initializes on 404 itself) or any transport failure drops the session, and
//!   a call that found its reused session dead is tried once more on a fresh one (the tool is
//!   read-only). Tool errors, JSON-RPC errors and timeouts keep the session.
//! - The whole call (connecting included) is bounded by the context's timeout (`Timeout`), and is
//!   cancel-safe: a dropped call cancels its request (`notifications/cancelled`), and a connect
//!   dropped half way leaves no session behind.
//! - Errors: a tool result with `isError` is `BadQuery` with the tool's text; JSON-RPC errors by
//!   code (parse, invalid request or params, unknown method: `BadQuery`; others `Unavailable`);
//!   HTTP statuses as [`crate::http::status_error`] classifies them (429 and 503 with
//!   Retry-After `RateLimited`, 5xx `Unavailable`, 401/403 `Auth`, other 4xx `BadQuery`); a
//!   child that cannot start because the program is missing is `BadQuery` (the config is wrong),
//!   a closed transport or refused connection `Unavailable`.
//! - The child's stderr goes to the log (debug level), never to Orca's own stderr.
//!
//! Layout: this file holds the config and the connector (building it, the overall timeout);
//! `session` the endpoint and the shared session (connecting, reconnecting, `tools/call`,
//! `tools/list`); `rows` the tool's arguments and the answer over its rows (reading, checking,
//! cutting, evaluating); `errors` the classification of failures. Each depends only on those
//! after it.
//!
//! [`DataSet::evaluate`]: crate::DataSet::evaluate
//! [`DataSet::push_fields`]: crate::DataSet::push_fields

mod errors;
mod rows;
mod session;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use orca_core::{BoxFuture, Connector, ConnectorError, ErrorKind, Query, QueryOutput, SourceKey};
use serde::Deserialize;

use self::rows::{Reader, columns_of};
use self::session::{Endpoint, Server, http_client};
use crate::sources::context::SourceContext;
use crate::sources::secret::Secret;

/// Rows one answer is computed over, unless `max_items` says otherwise.
pub const DEFAULT_MAX_ITEMS: usize = 5000;

/// Settings of `type = "mcp"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// The server as a child process speaking MCP on stdio: the program and its arguments.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Variables added to the child's environment (stdio only).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The server's streamable HTTP endpoint, e.g. `https://icm.example.com/mcp`.
    #[serde(default)]
    pub url: Option<String>,
    /// An environment variable holding a bearer token for the HTTP endpoint.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A command printing one.
    #[serde(default)]
    pub token_command: Option<Vec<String>>,
    /// The tool called for every query, e.g. `search_incidents`.
    pub tool: String,
    /// The most rows one answer is computed over (default 5000).
    #[serde(default = "default_max_items")]
    pub max_items: usize,
    /// The tool's names of DESIGN columns, e.g. `{ IncidentId = "id" }`.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

fn default_max_items() -> usize {
    DEFAULT_MAX_ITEMS
}

impl McpConfig {
    /// A server reached over streamable HTTP (tests and examples).
    pub fn http(url: impl Into<String>, tool: impl Into<String>) -> Self {
        McpConfig {
            command: None,
            env: BTreeMap::new(),
            url: Some(url.into()),
            token_env: None,
            token_command: None,
            tool: tool.into(),
            max_items: DEFAULT_MAX_ITEMS,
            columns: BTreeMap::new(),
        }
    }

    /// A server started as a child process speaking MCP on stdio (tests and examples).
    pub fn stdio(command: Vec<String>, tool: impl Into<String>) -> Self {
        McpConfig {
            command: Some(command),
            url: None,
            ..McpConfig::http("", tool)
        }
    }

    /// Builds the connector; nothing is contacted until the first query or check.
    pub fn build(&self, ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        Ok(Arc::new(McpConnector::new(self, ctx)?))
    }
}

/// A source served by a tool of another MCP server.
pub struct McpConnector {
    source: SourceKey,
    name: &'static str,
    timeout: Duration,
    /// The server and its session.
    server: Server,
    /// What turns the tool's rows into an answer.
    reader: Reader,
}

impl std::fmt::Debug for McpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpConnector")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("tool", &self.server.tool())
            .finish()
    }
}

impl McpConnector {
    fn new(config: &McpConfig, ctx: &SourceContext) -> Result<McpConnector, String> {
        let tool = config.tool.trim();
        if tool.is_empty() {
            return Err("tool is empty: name the MCP server's tool to call".into());
        }
        if config.max_items == 0 {
            return Err("max_items must be at least 1".into());
        }
        let known = columns_of(ctx.source);
        let mut renames = HashMap::new();
        for (design, theirs) in &config.columns {
            if !known.contains(&design.as_str()) {
                return Err(format!(
                    "columns names `{design}`, which is not a column of {} rows (known: {})",
                    ctx.source,
                    known.join(", ")
                ));
            }
            if theirs.trim().is_empty() {
                return Err(format!("columns.{design} is empty"));
            }
            renames.insert(theirs.trim().to_string(), design.clone());
        }
        let has_token = config.token_env.is_some() || config.token_command.is_some();
        let (endpoint, name) = match (&config.command, &config.url) {
            (Some(argv), None) => {
                if argv.first().is_none_or(|p| p.trim().is_empty()) {
                    return Err("command is empty: give the server's program and arguments, e.g. [\"icm-mcp-server\"]".into());
                }
                if has_token {
                    return Err("token_env and token_command apply to url, not command: pass a stdio server its credential with env".into());
                }
                let endpoint = Endpoint::Stdio {
                    argv: argv.clone(),
                    env: config.env.clone(),
                };
                (endpoint, "mcp-stdio")
            }
            (None, Some(url)) => {
                let parsed = reqwest::Url::parse(url.trim())
                    .map_err(|e| format!("url `{url}` is not a URL ({e})"))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(format!("url `{url}` must start with http:// or https://"));
                }
                if !config.env.is_empty() {
                    return Err(
                        "env applies to command (a child process), not url: remove it".into(),
                    );
                }
                let token = if has_token {
                    Some(Secret::from_settings(
                        "token_env",
                        config.token_env.as_deref(),
                        "token_command",
                        config.token_command.as_deref(),
                    )?)
                } else {
                    None
                };
                let endpoint = Endpoint::Http {
                    url: parsed.to_string(),
                    token,
                    client: http_client(ctx.timeout)?,
                };
                (endpoint, "mcp-http")
            }
            (Some(_), Some(_)) => return Err("set command or url, not both".into()),
            (None, None) => {
                return Err(
                    "needs command (a server started on stdio) or url (a streamable HTTP endpoint)"
                        .into(),
                );
            }
        };
        Ok(McpConnector {
            source: ctx.source,
            name,
            timeout: ctx.timeout,
            server: Server::new(ctx.source, tool, endpoint, ctx.timeout),
            reader: Reader::new(ctx, tool, renames, config.max_items),
        })
    }

    /// The whole call, without the overall timeout.
    async fn answer(&self, query: &Query) -> Result<QueryOutput, ConnectorError> {
        let arguments = self.reader.arguments(query)?;
        let result = self.server.call(arguments).await?;
        self.reader.answer(query, result).await
    }

    fn timed_out(&self) -> ConnectorError {
        ConnectorError::new(
            ErrorKind::Timeout,
            format!(
                "{}: the MCP server did not answer within {} ms",
                self.source,
                self.timeout.as_millis()
            ),
        )
    }
}

impl Connector for McpConnector {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        self.name
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.answer(query))
                .await
                .unwrap_or_else(|_| Err(self.timed_out()))
        })
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(async move {
            tokio::time::timeout(self.timeout, self.server.check_tool())
                .await
                .unwrap_or_else(|_| Err(self.timed_out()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Result<McpConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    fn build(text: &str) -> Result<Arc<dyn Connector>, String> {
        config(text)?.build(&SourceContext::for_test(SourceKey::Icm, Vec::new()))
    }

    #[test]
    fn a_config_names_a_command_or_a_url_and_a_tool() {
        let stdio = config("command = [\"icm-mcp-server\", \"-v\"]\ntool = \"search_incidents\"\nenv = { A = \"1\" }").unwrap();
        assert_eq!(stdio.max_items, DEFAULT_MAX_ITEMS);
        assert_eq!(
            build("command = [\"x\"]\ntool = \"t\"").unwrap().name(),
            "mcp-stdio"
        );
        let http =
            build("url = \"http://127.0.0.1:9/mcp\"\ntool = \"t\"\ntoken_env = \"T\"").unwrap();
        assert_eq!(http.name(), "mcp-http");
        assert!(
            config("tool = \"t\"\nurl = \"http://x\"\nport = 1")
                .unwrap_err()
                .contains("port")
        );
    }

    #[test]
    fn settings_that_cannot_work_are_refused_in_one_sentence() {
        for (text, expected) in [
            ("tool = \"t\"", "needs command"),
            (
                "tool = \"t\"\ncommand = [\"a\"]\nurl = \"http://x\"",
                "not both",
            ),
            ("tool = \" \"\ncommand = [\"a\"]", "tool is empty"),
            ("tool = \"t\"\ncommand = []", "command is empty"),
            ("tool = \"t\"\nurl = \"ftp://x\"", "http://"),
            ("tool = \"t\"\nurl = \"not a url\"", "not a URL"),
            (
                "tool = \"t\"\ncommand = [\"a\"]\ntoken_env = \"T\"",
                "apply to url",
            ),
            (
                "tool = \"t\"\nurl = \"http://x\"\nenv = { A = \"1\" }",
                "applies to command",
            ),
            (
                "tool = \"t\"\ncommand = [\"a\"]\nmax_items = 0",
                "at least 1",
            ),
            (
                "tool = \"t\"\ncommand = [\"a\"]\ncolumns = { Id = \"id\" }",
                "not a column",
            ),
        ] {
            let error = build(text).map(|_| ()).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[tokio::test]
    async fn a_missing_program_is_a_config_error() {
        let config = McpConfig::stdio(vec!["/nonexistent/orca-mcp-fake".into()], "t");
        let connector = config
            .build(&SourceContext::for_test(SourceKey::Icm, Vec::new()))
            .unwrap();
        let error = connector
            .run(&Query::new(SourceKey::Icm))
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadQuery, "{error}");
        assert!(
            error.message.contains("/nonexistent/orca-mcp-fake"),
            "{error}"
        );
    }
}
