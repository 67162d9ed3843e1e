//! The MCP server as reached: the endpoint (a child on stdio or a streamable HTTP URL), the one
//! session shared by concurrent calls, opened on first use and again after it is lost, and the
//! requests made on it (`tools/call`, and `tools/list` for a check).

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Once};
use std::time::Duration;

use orca_core::{ConnectorError, ErrorKind, SourceKey};
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    JsonObject,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt as _};
use tokio::io::AsyncBufReadExt as _;

use super::errors::{Failure, init_error, service_failure, spawn_error};
use crate::sources::secret::Secret;

/// How the server is reached.
pub(super) enum Endpoint {
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

/// The server of one connector and its session.
pub(super) struct Server {
    source: SourceKey,
    tool: String,
    endpoint: Endpoint,
    timeout: Duration,
    /// The session, opened on first use; `None` after it was lost.
    session: tokio::sync::Mutex<Option<Arc<Session>>>,
}

/// The HTTP client of the streamable HTTP transport: rustls with ring (installed once), a
/// connect timeout, and no whole-request timeout (a session's event stream lives long; each
/// call is bounded by the connector instead).
pub(super) fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
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

impl Server {
    /// Nothing is contacted until the first call.
    pub(super) fn new(
        source: SourceKey,
        tool: &str,
        endpoint: Endpoint,
        timeout: Duration,
    ) -> Server {
        Server {
            source,
            tool: tool.to_string(),
            endpoint,
            timeout,
            session: tokio::sync::Mutex::new(None),
        }
    }

    /// The tool called for every query.
    pub(super) fn tool(&self) -> &str {
        &self.tool
    }

    /// `tools/call` on the session, opened or reopened as needed.
    pub(super) async fn call(
        &self,
        arguments: JsonObject,
    ) -> Result<CallToolResult, ConnectorError> {
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
    pub(super) async fn check_tool(&self) -> Result<String, ConnectorError> {
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
}
