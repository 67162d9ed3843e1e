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

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Stdio;
use std::sync::{Arc, Once};
use std::time::Duration;

use chrono::{DateTime, Utc};
use orca_core::{
    BoxFuture, Connector, ConnectorError, Customer, ErrorKind, Query, QueryOutput, SourceKey,
};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, ErrorCode, ErrorData,
    Implementation, JsonObject,
};
use rmcp::service::{ClientInitializeError, RunningService};
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransportConfig, StreamableHttpError,
};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceError, ServiceExt as _};
use serde::Deserialize;
use serde_json::Value;
use tokio::io::AsyncBufReadExt as _;

use crate::DataSet;
use crate::sources::context::SourceContext;
use crate::sources::secret::Secret;
use crate::store::HealthThresholds;
use crate::store::model::data_files::DataFile;
use crate::store::model::{DocRow, markdown_title};

/// Rows one answer is computed over, unless `max_items` says otherwise.
pub const DEFAULT_MAX_ITEMS: usize = 5000;

/// Characters of a tool's error text quoted in a message.
const QUOTED: usize = 300;

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

/// How the server is reached.
enum Endpoint {
    Stdio {
        argv: Vec<String>,
        env: BTreeMap<String, String>,
    },
    Http {
        url: String,
        token: Option<Secret>,
        client: reqwest::Client,
    },
}

/// An initialized MCP session.
type Session = RunningService<RoleClient, ClientConfig>;

/// A source served by a tool of another MCP server.
pub struct McpConnector {
    source: SourceKey,
    name: &'static str,
    endpoint: Endpoint,
    tool: String,
    /// The table the tool's rows belong to; `None` for docs.
    file: Option<DataFile>,
    /// The tool's column name -> DESIGN's.
    renames: HashMap<String, String>,
    max_items: usize,
    timeout: Duration,
    customers: Arc<[Customer]>,
    health: HealthThresholds,
    now: Option<DateTime<Utc>>,
    /// The session, opened on first use; `None` after it was lost.
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
}

impl std::fmt::Debug for McpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpConnector")
            .field("source", &self.source)
            .field("name", &self.name)
            .field("tool", &self.tool)
            .finish()
    }
}

/// The table of a source's rows; `None` for docs (documents, not a table).
fn table_of(source: SourceKey) -> Option<DataFile> {
    match source {
        SourceKey::Kusto => Some(DataFile::Cases),
        SourceKey::Icm => Some(DataFile::Incidents),
        SourceKey::Ado => Some(DataFile::WorkItems),
        SourceKey::Tenant => Some(DataFile::TenantMetrics),
        SourceKey::Docs => None,
    }
}

/// The DESIGN columns of a source's rows.
fn columns_of(source: SourceKey) -> Vec<&'static str> {
    match table_of(source) {
        Some(file) => file.header().collect(),
        None => vec!["Path", "Title", "Body"],
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
            endpoint,
            tool: tool.to_string(),
            file: table_of(ctx.source),
            renames,
            max_items: config.max_items,
            timeout: ctx.timeout,
            customers: ctx.customers.clone(),
            health: ctx.health.clone(),
            now: ctx.now,
            session: tokio::sync::Mutex::new(None),
        })
    }

    /// The whole call, without the overall timeout.
    async fn answer(&self, query: &Query) -> Result<QueryOutput, ConnectorError> {
        let mut arguments = match serde_json::to_value(query) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(ConnectorError::bad_query(format!(
                    "{}: the query cannot be written as tool arguments",
                    self.source
                )));
            }
        };
        arguments.insert("max_rows".into(), Value::from(self.max_items as u64 + 1));
        let result = self.call(arguments).await?;
        let (mut rows, mut truncated) = rows_of(self.source, &self.tool, result)?;
        if rows.len() > self.max_items {
            rows.truncate(self.max_items);
            truncated = true;
        }
        let source = self.source;
        let file = self.file;
        let renames = self.renames.clone();
        let customers = self.customers.to_vec();
        let query = query.clone();
        let now = self.now.unwrap_or_else(Utc::now).timestamp();
        let health = self.health.clone();
        let tool = self.tool.clone();
        let evaluate = move || {
            let mut data = DataSet::default();
            data.customers = customers;
            load_rows(source, &tool, file, &renames, &rows, &mut data)?;
            data.evaluate(&query, now, &health)
        };
        let mut output = tokio::task::spawn_blocking(evaluate).await.map_err(|e| {
            ConnectorError::unavailable(format!("{source}: the client-side evaluation failed: {e}"))
        })??;
        output.queries = 1;
        if truncated {
            output.summary.insert("truncated".into(), Value::Bool(true));
            output
                .summary
                .insert("max_items".into(), Value::from(self.max_items as u64));
            output.shaped.truncated = true;
        }
        Ok(output)
    }

    /// `tools/call` on the session, opened or reopened as needed.
    async fn call(&self, arguments: JsonObject) -> Result<CallToolResult, ConnectorError> {
        let params = CallToolRequestParams::new(self.tool.clone()).with_arguments(arguments);
        let (session, fresh) = self.session().await?;
        match self.call_on(&session, params.clone()).await {
            Err(failure) if failure.lost && failure.dead && !fresh => {
                tracing::debug!(source = %self.source, error = %failure.error, "the MCP session was lost; opening a new one");
                let (session, _) = self.session().await?;
                self.call_on(&session, params).await.map_err(|f| f.error)
            }
            result => result.map_err(|f| f.error),
        }
    }

    async fn call_on(
        &self,
        session: &Arc<Session>,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, Failure> {
        match session.peer().call_tool(params).await {
            Ok(result) => Ok(result),
            Err(e) => {
                let failure = service_failure(self.source, &self.tool, e);
                if failure.lost {
                    self.forget(session).await;
                }
                Err(failure)
            }
        }
    }

    /// The open session, or a new one; `true` when it was opened by this call.
    async fn session(&self) -> Result<(Arc<Session>, bool), ConnectorError> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref()
            && !session.is_closed()
            && !session.peer().is_transport_closed()
        {
            return Ok((session.clone(), false));
        }
        *slot = None;
        let session = Arc::new(self.connect().await?);
        *slot = Some(session.clone());
        Ok((session, true))
    }

    /// Drops `session` if it is still the current one (the next call opens another).
    async fn forget(&self, session: &Arc<Session>) {
        let mut slot = self.session.lock().await;
        if slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
            *slot = None;
        }
    }

    /// Starts or reaches the server and runs the `initialize` handshake.
    async fn connect(&self) -> Result<Session, ConnectorError> {
        let client = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("orca", env!("CARGO_PKG_VERSION")),
        );
        let source = self.source;
        match &self.endpoint {
            Endpoint::Stdio { argv, env } => {
                let (program, args) = argv.split_first().expect("checked when built");
                let mut command = tokio::process::Command::new(program);
                command.args(args).envs(env).kill_on_drop(true);
                let (transport, stderr) = TokioChildProcess::builder(command)
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(|e| spawn_error(source, program, &e))?;
                if let Some(stderr) = stderr {
                    let program = program.clone();
                    tokio::spawn(async move {
                        let mut lines = tokio::io::BufReader::new(stderr).lines();
                        while let Ok(Some(line)) = lines.next_line().await {
                            tracing::debug!(%source, %program, "{line}");
                        }
                    });
                }
                client.serve(transport).await.map_err(|e| {
                    let mut error = init_error(source, e);
                    if error.kind == ErrorKind::Unavailable {
                        error.message = format!(
                            "{}; the server `{program}` may have exited: run it yourself to see why",
                            error.message
                        );
                    }
                    error
                })
            }
            Endpoint::Http {
                url,
                token,
                client: http,
            } => {
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
                if let Some(secret) = token {
                    config = config.auth_header(secret.read(self.timeout).await?);
                }
                let transport = StreamableHttpClientTransport::with_client(http.clone(), config);
                client
                    .serve(transport)
                    .await
                    .map_err(|e| init_error(source, e))
            }
        }
    }

    /// `initialize` and `tools/list`, and whether the configured tool is offered.
    async fn check_tool(&self) -> Result<String, ConnectorError> {
        let (session, _) = self.session().await?;
        let tools = match session.peer().list_all_tools().await {
            Ok(tools) => tools,
            Err(e) => {
                let failure = service_failure(self.source, &self.tool, e);
                if failure.lost {
                    self.forget(&session).await;
                }
                return Err(failure.error);
            }
        };
        let server = session
            .peer()
            .peer_info()
            .and_then(|info| info.server_info.clone())
            .map(|i| format!("`{} {}`", i.name, i.version))
            .unwrap_or_else(|| "the MCP server".to_string());
        if tools.iter().any(|t| t.name == self.tool) {
            return Ok(format!("{server} offers the tool `{}`", self.tool));
        }
        let offered: Vec<String> = tools.iter().map(|t| format!("`{}`", t.name)).collect();
        let offered = if offered.is_empty() {
            "none".to_string()
        } else {
            offered.join(", ")
        };
        Err(ConnectorError::bad_query(format!(
            "{}: {server} has no tool `{}` (it offers {offered}); set [sources.{}] tool to one of them",
            self.source, self.tool, self.source
        )))
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
            tokio::time::timeout(self.timeout, self.check_tool())
                .await
                .unwrap_or_else(|_| Err(self.timed_out()))
        })
    }
}

/// The HTTP client of the streamable HTTP transport: rustls with ring (installed once), a
/// connect timeout, and no whole-request timeout (a session's event stream lives long; each
/// call is bounded by the connector instead).
fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .tcp_nodelay(true)
        .user_agent(concat!("orca/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// A classified failure of a request on a session.
struct Failure {
    error: ConnectorError,
    /// The session is no use any more (drop it).
    lost: bool,
    /// The session was found dead before any answer: worth one more try on a new one.
    dead: bool,
}

impl Failure {
    fn kept(error: ConnectorError) -> Failure {
        Failure {
            error,
            lost: false,
            dead: false,
        }
    }

    fn lost(error: ConnectorError, dead: bool) -> Failure {
        Failure {
            error,
            lost: true,
            dead,
        }
    }
}

fn service_failure(source: SourceKey, tool: &str, error: ServiceError) -> Failure {
    match error {
        ServiceError::McpError(data) => Failure::kept(rpc_error(source, tool, &data)),
        ServiceError::TransportSend(e) => {
            let (error, dead) = transport_error(source, e.error.as_ref());
            Failure::lost(error, dead)
        }
        ServiceError::TransportClosed => Failure::lost(
            ConnectorError::unavailable(format!(
                "{source}: the MCP session closed (the server exited or dropped the connection)"
            )),
            true,
        ),
        ServiceError::Timeout { .. } => Failure::kept(ConnectorError::new(
            ErrorKind::Timeout,
            format!("{source}: the MCP server did not answer in time"),
        )),
        ServiceError::UnexpectedResponse => Failure::kept(ConnectorError::bad_query(format!(
            "{source}: the MCP server answered `{tool}` with something other than a tool result (a task or an input request), which Orca does not support"
        ))),
        other => Failure::lost(
            ConnectorError::unavailable(format!("{source}: the MCP call failed: {other}")),
            false,
        ),
    }
}

/// A JSON-RPC error, by its code: the request's fault is permanent, the server's is not.
fn rpc_error(source: SourceKey, tool: &str, data: &ErrorData) -> ConnectorError {
    let message = format!(
        "{source}: the MCP server refused the call to `{tool}` (JSON-RPC error {}): {}",
        data.code.0,
        quote(&data.message)
    );
    match data.code {
        ErrorCode::PARSE_ERROR
        | ErrorCode::INVALID_REQUEST
        | ErrorCode::METHOD_NOT_FOUND
        | ErrorCode::INVALID_PARAMS
        | ErrorCode::RESOURCE_NOT_FOUND => ConnectorError::bad_query(message),
        _ => ConnectorError::unavailable(message),
    }
}

/// A transport failure, classified; `true` when the connection itself is gone (closed, refused,
/// broken pipe) rather than answered with an HTTP error.
fn transport_error(
    source: SourceKey,
    error: &(dyn std::error::Error + Send + Sync + 'static),
) -> (ConnectorError, bool) {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(http) = e.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            return http_error(source, http);
        }
        if let Some(e) = e.downcast_ref::<reqwest::Error>() {
            return (crate::http::send_error(source, e), e.is_connect());
        }
        if let Some(e) = e.downcast_ref::<std::io::Error>() {
            return (
                ConnectorError::unavailable(format!(
                    "{source}: the connection to the MCP server broke: {e}"
                )),
                true,
            );
        }
        next = e.source();
    }
    (
        ConnectorError::unavailable(format!("{source}: the MCP transport failed: {error}")),
        true,
    )
}

fn http_error(
    source: SourceKey,
    error: &StreamableHttpError<reqwest::Error>,
) -> (ConnectorError, bool) {
    let status = |code: u16, retry_after: Option<&str>, body: &str| {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) =
            retry_after.and_then(|v| reqwest::header::HeaderValue::from_str(v).ok())
        {
            headers.insert(reqwest::header::RETRY_AFTER, value);
        }
        let code = reqwest::StatusCode::from_u16(code)
            .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        (
            crate::http::status_error(source, code, &headers, body),
            false,
        )
    };
    let refused = |code: u16| {
        let message = format!(
            "{source}: the MCP server refused the credential (HTTP {code}); set [sources.{source}] token_env or token_command to a token it accepts"
        );
        (ConnectorError::new(ErrorKind::Auth, message), false)
    };
    match error {
        StreamableHttpError::HttpStatus(e) => status(e.status, e.retry_after.as_deref(), ""),
        StreamableHttpError::AuthRequired(_) => refused(401),
        StreamableHttpError::InsufficientScope(_) => refused(403),
        // The reqwest client reports other non-success statuses as "HTTP 400 Bad Request: body".
        StreamableHttpError::UnexpectedServerResponse(text) => {
            let code = text
                .strip_prefix("HTTP ")
                .and_then(|rest| rest.get(..3))
                .and_then(|digits| digits.parse::<u16>().ok());
            match code {
                Some(code @ (401 | 403)) => refused(code),
                Some(code) => {
                    let body = text.get(4 + 3..).unwrap_or_default();
                    let body = body.split_once(": ").map_or("", |(_, body)| body);
                    status(code, None, body)
                }
                None => (
                    ConnectorError::bad_query(format!(
                        "{source}: the server's answer is not MCP: {}",
                        quote(text)
                    )),
                    false,
                ),
            }
        }
        StreamableHttpError::Client(e) => (crate::http::send_error(source, e), e.is_connect()),
        StreamableHttpError::SessionExpired
        | StreamableHttpError::SessionRecoveryTimeout
        | StreamableHttpError::ReinitializationFailed(_) => (
            ConnectorError::unavailable(format!(
                "{source}: the MCP server dropped the session and a new one could not be opened: {error}"
            )),
            true,
        ),
        other => (
            ConnectorError::unavailable(format!("{source}: the MCP transport failed: {other}")),
            true,
        ),
    }
}

/// A failed `initialize`.
fn init_error(source: SourceKey, error: ClientInitializeError) -> ConnectorError {
    match error {
        ClientInitializeError::TransportError { error, .. } => {
            transport_error(source, error.error.as_ref()).0
        }
        ClientInitializeError::JsonRpcError(data) => rpc_error(source, "initialize", &data),
        ClientInitializeError::ConnectionClosed(reason) => ConnectorError::unavailable(format!(
            "{source}: the MCP server closed the connection during the handshake ({reason}); run its command yourself to see why"
        )),
        ClientInitializeError::Cancelled => {
            ConnectorError::unavailable(format!("{source}: the MCP handshake was cancelled"))
        }
        other => ConnectorError::bad_query(format!("{source}: the MCP handshake failed: {other}")),
    }
}

fn spawn_error(source: SourceKey, program: &str, error: &std::io::Error) -> ConnectorError {
    let message = format!(
        "{source}: cannot start the MCP server `{program}` ({error}); check [sources.{source}] command"
    );
    match error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            ConnectorError::bad_query(message)
        }
        _ => ConnectorError::unavailable(message),
    }
}

/// The start of a text, for a message.
fn quote(text: &str) -> String {
    let text = text.trim();
    let cut: String = text.chars().take(QUOTED).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// The rows of a tool result, and whether the tool said it cut them.
fn rows_of(
    source: SourceKey,
    tool: &str,
    result: CallToolResult,
) -> Result<(Vec<Value>, bool), ConnectorError> {
    let text = || {
        result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let structured = result.structured_content;
    if result.is_error == Some(true) {
        let mut message = text();
        if message.trim().is_empty() {
            message = structured
                .as_ref()
                .map(Value::to_string)
                .unwrap_or_else(|| "no reason given".into());
        }
        return Err(ConnectorError::bad_query(format!(
            "{source}: the MCP tool `{tool}` failed: {}",
            quote(&message)
        )));
    }
    let value = match structured {
        Some(value) => value,
        None => serde_json::from_str::<Value>(text().trim()).map_err(|_| {
            ConnectorError::bad_query(format!(
                "{source}: the MCP tool `{tool}` answered no structured content and its text is not JSON; it must return {{\"rows\": [...]}}"
            ))
        })?,
    };
    let Value::Object(mut value) = value else {
        return Err(no_rows(source, tool));
    };
    let truncated = value.get("truncated") == Some(&Value::Bool(true));
    match value.remove("rows") {
        Some(Value::Array(rows)) => Ok((rows, truncated)),
        _ => Err(no_rows(source, tool)),
    }
}

fn no_rows(source: SourceKey, tool: &str) -> ConnectorError {
    ConnectorError::bad_query(format!(
        "{source}: the MCP tool `{tool}` answered no `rows` array; it must return {{\"rows\": [...]}}"
    ))
}

/// Parses the tool's rows into `data` by the rules of an import; the first bad row fails them
/// all, with its position and every reason.
fn load_rows(
    source: SourceKey,
    tool: &str,
    file: Option<DataFile>,
    renames: &HashMap<String, String>,
    rows: &[Value],
    data: &mut DataSet,
) -> Result<(), ConnectorError> {
    let mut paths = HashSet::new();
    for (at, row) in rows.iter().enumerate() {
        let bad = |reason: String| {
            ConnectorError::bad_query(format!(
                "{source}: row {} of the MCP tool `{tool}`'s answer is bad: {reason}",
                at + 1
            ))
        };
        let Value::Object(object) = row else {
            return Err(bad("it is not an object".into()));
        };
        let mut fields: Vec<(&str, Cow<'_, str>)> = Vec::with_capacity(object.len());
        for (name, value) in object {
            let name = match renames.is_empty() {
                true => name.as_str(),
                false => renames.get(name).map_or(name.as_str(), String::as_str),
            };
            let text = match value {
                Value::String(s) => Cow::Borrowed(s.as_str()),
                Value::Null => Cow::Borrowed(""),
                Value::Number(n) => Cow::Owned(n.to_string()),
                Value::Bool(b) => Cow::Owned(b.to_string()),
                Value::Array(_) | Value::Object(_) => {
                    return Err(bad(format!("{name} is not a single value")));
                }
            };
            fields.push((name, text));
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_ref())).collect();
        match file {
            Some(file) => data.push_fields(file, &pairs).map_err(bad)?,
            None => {
                let doc = doc_row(&pairs).map_err(bad)?;
                if paths.insert(doc.path.clone()) {
                    data.docs.push(doc);
                }
            }
        }
    }
    Ok(())
}

/// A document row: `Path` and `Body` required, `Title` the body's first heading when absent.
fn doc_row(fields: &[(&str, &str)]) -> Result<DocRow, String> {
    // Kept as written (a snippet may end with the body's last line end).
    let get = |column: &str| {
        fields
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(column))
            .map(|(_, value)| *value)
            .filter(|value| !value.trim().is_empty())
    };
    let (Some(path), Some(body)) = (get("Path"), get("Body")) else {
        return Err("a document needs Path and Body".into());
    };
    let title = get("Title")
        .map(|t| t.trim().to_string())
        .or_else(|| markdown_title(body))
        .unwrap_or_else(|| path.trim().to_string());
    Ok(DocRow {
        path: path.trim().to_string(),
        title,
        body: body.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::ContentBlock;
    use serde_json::json;

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

    fn result(value: Value) -> CallToolResult {
        CallToolResult::structured(value)
    }

    #[test]
    fn rows_come_from_structured_content_or_json_text() {
        let (rows, cut) =
            rows_of(SourceKey::Icm, "t", result(json!({"rows": [{"a": 1}]}))).unwrap();
        assert_eq!((rows.len(), cut), (1, false));
        let text = CallToolResult::success(vec![ContentBlock::text(
            json!({"rows": [], "truncated": true}).to_string(),
        )]);
        let (rows, cut) = rows_of(SourceKey::Icm, "t", text).unwrap();
        assert_eq!((rows.len(), cut), (0, true));
        let missing = rows_of(SourceKey::Icm, "t", result(json!({"items": []}))).unwrap_err();
        assert!(missing.message.contains("no `rows` array"), "{missing}");
        let failed = CallToolResult::error(vec![ContentBlock::text("tenant list too long")]);
        let failed = rows_of(SourceKey::Icm, "search", failed).unwrap_err();
        assert_eq!(failed.kind, ErrorKind::BadQuery);
        assert!(
            failed
                .message
                .contains("`search` failed: tenant list too long"),
            "{failed}"
        );
    }

    #[test]
    fn rows_are_checked_as_an_import_checks_them() {
        let tenant = "a959ed19-58ec-5b04-a375-0e9a54aff769";
        let good = json!({"IncidentId": 400000001, "TenantId": tenant, "Severity": 2.5,
            "Status": "active", "Title": "x", "OwningTeam": "DLP", "CreatedAt": "2026-11-01T00:00:00Z",
            "MitigatedAt": null, "ResolvedAt": null, "CaseNumber": null, "Extra": [1]});
        let mut data = DataSet::default();
        let renames = HashMap::new();
        let load = |rows: &[Value], data: &mut DataSet| {
            load_rows(
                SourceKey::Icm,
                "t",
                Some(DataFile::Incidents),
                &renames,
                rows,
                data,
            )
        };
        // An extra column that is not a single value is refused, as any other.
        let error = load(std::slice::from_ref(&good), &mut data).unwrap_err();
        assert!(
            error.message.contains("row 1") && error.message.contains("Extra"),
            "{error}"
        );
        let mut good = good;
        good.as_object_mut().unwrap().remove("Extra");
        load(&[good.clone()], &mut data).unwrap();
        assert_eq!(data.incidents.len(), 1);
        assert_eq!(data.incidents[0].severity, 25);
        assert_eq!(data.incidents[0].status, "Active");
        let mut bad = good.clone();
        bad["Severity"] = json!(7);
        bad["CreatedAt"] = json!("yesterday");
        let error = load(&[good, bad], &mut DataSet::default()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::BadQuery);
        assert!(error.message.contains("row 2"), "{error}");
        assert!(
            error.message.contains("Severity \"7\"") && error.message.contains("CreatedAt"),
            "{error}"
        );
    }

    #[test]
    fn renamed_columns_and_documents_are_read() {
        let renames = HashMap::from([("id".to_string(), "IncidentId".to_string())]);
        let row = json!({"id": "400000002", "TenantId": "a959ed19-58ec-5b04-a375-0e9a54aff769",
            "Severity": "1", "Status": "Resolved", "CreatedAt": "2026-11-01T00:00:00Z",
            "ResolvedAt": "2026-11-02T00:00:00Z"});
        let mut data = DataSet::default();
        load_rows(
            SourceKey::Icm,
            "t",
            Some(DataFile::Incidents),
            &renames,
            &[row],
            &mut data,
        )
        .unwrap();
        assert_eq!(data.incidents[0].incident_id, 400000002);
        let doc = json!({"Path": "docs/dlp.md", "Body": "# DLP tips\nbody"});
        let mut data = DataSet::default();
        load_rows(
            SourceKey::Docs,
            "t",
            None,
            &HashMap::new(),
            &[doc.clone(), doc],
            &mut data,
        )
        .unwrap();
        assert_eq!(data.docs.len(), 1);
        assert_eq!(data.docs[0].title, "DLP tips");
    }

    #[test]
    fn json_rpc_errors_are_classified_by_code() {
        let kind =
            |code: ErrorCode| rpc_error(SourceKey::Icm, "t", &ErrorData::new(code, "m", None)).kind;
        assert_eq!(kind(ErrorCode::INVALID_PARAMS), ErrorKind::BadQuery);
        assert_eq!(kind(ErrorCode::METHOD_NOT_FOUND), ErrorKind::BadQuery);
        assert_eq!(kind(ErrorCode::INTERNAL_ERROR), ErrorKind::Unavailable);
        assert_eq!(kind(ErrorCode(-32000)), ErrorKind::Unavailable);
    }

    #[test]
    fn unexpected_statuses_from_the_http_client_are_classified() {
        let kind = |text: &'static str| {
            http_error(
                SourceKey::Icm,
                &StreamableHttpError::UnexpectedServerResponse(text.into()),
            )
            .0
            .kind
        };
        assert_eq!(kind("HTTP 400 Bad Request: nope"), ErrorKind::BadQuery);
        assert_eq!(kind("HTTP 401 Unauthorized: "), ErrorKind::Auth);
        assert_eq!(kind("HTTP 403 Forbidden"), ErrorKind::Auth);
        assert_eq!(kind("something else"), ErrorKind::BadQuery);
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
