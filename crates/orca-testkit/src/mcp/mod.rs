//! The MCP loopback fake: an in-process rmcp server whose tools serve the fixture's rows the way
//! a team's MCP server would, over streamable HTTP on `127.0.0.1:0` ([`McpFake`]) or stdio (the
//! `mcp_fake_stdio` binary of this crate, for `command = [...]`).
//!
//! One tool per source, each answering the contract of `orca_connectors::mcp` (the query's
//! JSON as arguments, `{"rows": [...]}` as structured content, DESIGN section 6 columns):
//! `search_cases` (`kusto`), `search_incidents` (`icm`), `search_work_items` (`ado`),
//! `get_tenant_metrics` (`tenant`), `search_docs` (`docs`). A tool filters the fixture's rows
//! with plain Rust by what a real server would push down (tenants, the time range on the event's
//! column, the source's item ids, `max_rows`), and never narrower than the query: a row whose
//! event time is empty, or a metric of the day the range starts in, is kept, since Orca applies
//! every filter again. Rows keep the fixture's order.
//!
//! Faults ([`FaultSwitch`]): a status fault is answered by an axum middleware in front of the rmcp
//! service, for every request of the MCP endpoint, with that status (and `Retry-After` when
//! given; a 401 also carries a `WWW-Authenticate` challenge, as RFC 9110 requires, a 403 none);
//! `Hang` makes the tool never answer until the client cancels the request. The query texts are
//! the JSON arguments of every tool call received. A tenant id that is not a GUID is refused with
//! a tool error (`isError`), as a server validating its input would. With
//! [`Control::require_token`], every request without that bearer token is answered 401.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt as _;
use orca_connectors::DataSet;
use orca_connectors::store::model::{
    CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow, format_date, format_timestamp,
    parse_tenant_id,
};
use orca_core::plan::TimeEvent;
use orca_core::{Query, SourceKey};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::conformance::{FakeFault, FaultSwitch};

/// The path the fake serves MCP at.
pub const PATH: &str = "/mcp";

/// The tool serving each source's rows.
pub fn tool_of(source: SourceKey) -> &'static str {
    match source {
        SourceKey::Kusto => "search_cases",
        SourceKey::Icm => "search_incidents",
        SourceKey::Ado => "search_work_items",
        SourceKey::Tenant => "get_tenant_metrics",
        SourceKey::Docs => "search_docs",
    }
}

fn source_of(tool: &str) -> Option<SourceKey> {
    SourceKey::ALL.into_iter().find(|s| tool_of(*s) == tool)
}

/// The fake's control panel and records, shared by its sessions and middleware.
#[derive(Debug, Default)]
pub struct Control {
    fault: Mutex<Option<FakeFault>>,
    texts: Mutex<Vec<String>>,
    /// Tool calls answered (or hung) since the start.
    calls: Mutex<u64>,
    /// The bearer token every request must carry, when set.
    token: Mutex<Option<String>>,
}

impl Control {
    fn fault(&self) -> FakeFault {
        self.fault
            .lock()
            .expect("fault lock")
            .clone()
            .unwrap_or(FakeFault::None)
    }

    /// Every later request must carry `Authorization: Bearer <token>` (else 401).
    pub fn require_token(&self, token: Option<&str>) {
        *self.token.lock().expect("token lock") = token.map(str::to_string);
    }

    /// Tool calls received since the start.
    pub fn calls(&self) -> u64 {
        *self.calls.lock().expect("calls lock")
    }
}

impl FaultSwitch for Control {
    fn set(&self, fault: FakeFault) {
        *self.fault.lock().expect("fault lock") = Some(fault);
    }

    fn take_query_texts(&self) -> Vec<String> {
        std::mem::take(&mut *self.texts.lock().expect("texts lock"))
    }
}

/// The MCP server handler over a data set: cheap to clone, one per session.
#[derive(Debug, Clone)]
pub struct FixtureServer {
    data: Arc<DataSet>,
    control: Arc<Control>,
    /// Exit the process when call N + 1 arrives (the stdio fake: a server that dies).
    exit_after: Option<u64>,
}

impl FixtureServer {
    pub fn new(data: Arc<DataSet>, control: Arc<Control>) -> FixtureServer {
        FixtureServer {
            data,
            control,
            exit_after: None,
        }
    }

    /// Makes the process exit, without answering, when tool call `n + 1` arrives (stdio only:
    /// a server that dies under its client).
    pub fn with_exit_after(mut self, n: Option<u64>) -> FixtureServer {
        self.exit_after = n;
        self
    }

    /// One tool call: the rows of `source` matching `arguments`, or a tool error.
    async fn answer(
        &self,
        source: SourceKey,
        arguments: JsonObject,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let text = Value::Object(arguments.clone()).to_string();
        self.control.texts.lock().expect("texts lock").push(text);
        let calls = {
            let mut calls = self.control.calls.lock().expect("calls lock");
            *calls += 1;
            *calls
        };
        if self.exit_after.is_some_and(|n| calls > n) {
            std::process::exit(0);
        }
        if self.control.fault() == FakeFault::Hang {
            context.ct.cancelled().await;
            return CallToolResult::error(vec![ContentBlock::text("cancelled")]);
        }
        let max_rows = arguments
            .get("max_rows")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |n| n as usize);
        let query: Query = match serde_json::from_value(Value::Object(arguments)) {
            Ok(query) => query,
            Err(e) => return tool_error(format!("the arguments are not a query: {e}")),
        };
        if query.source != source {
            return tool_error(format!(
                "this tool serves {source}, the query is for {}",
                query.source
            ));
        }
        if let Some(bad) = query
            .tenant_ids
            .iter()
            .find(|t| parse_tenant_id(t).is_none())
        {
            return tool_error(format!("tenant id `{bad}` is not a GUID"));
        }
        let mut rows = rows_for(&self.data, &query);
        rows.truncate(max_rows);
        let count = rows.len();
        let mut result = CallToolResult::structured(Value::Null);
        // The rows once, as structured content; the text says what it holds (a copy of a large
        // answer in text doubled what crossed the wire).
        result.content = vec![ContentBlock::text(format!("{count} {source} rows"))];
        result.structured_content = Some(json!({ "rows": rows }));
        result
    }
}

fn tool_error(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// The tools, one per source.
pub fn tools() -> Vec<Tool> {
    let schema = json!({
        "type": "object",
        "properties": {
            "source": {"type": "string", "description": "kusto, icm, ado, tenant or docs"},
            "tenant_ids": {"type": "array", "items": {"type": "string"}},
            "all_tenants": {"type": "boolean"},
            "time_range": {"type": ["object", "null"]},
            "filters": {"type": "object"},
            "max_rows": {"type": "integer"}
        },
        "required": ["source"]
    });
    let Value::Object(schema) = schema else {
        unreachable!("a JSON object literal")
    };
    let schema = Arc::new(schema);
    SourceKey::ALL
        .into_iter()
        .map(|source| {
            Tool::new(
                tool_of(source),
                format!("The {source} rows matching an Orca query, DESIGN section 6 columns."),
                schema.clone(),
            )
        })
        .collect()
}

impl ServerHandler for FixtureServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new("orca-mcp-fake", env!("CARGO_PKG_VERSION")),
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        tools().into_iter().find(|t| t.name == name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(source) = source_of(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!("unknown tool `{}`", request.name),
                None,
            ));
        };
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.answer(source, arguments, &context).await.into())
    }
}

/// The rows of `query.source` a server would return for `query`: scope, time and ids pushed
/// down, never narrower than the query (see the module docs), in the data set's order.
pub fn rows_for(data: &DataSet, query: &Query) -> Vec<Value> {
    let tenants: Vec<String> = query
        .tenant_ids
        .iter()
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let in_scope = |tenant: &str| {
        query.all_tenants || tenants.is_empty() || tenants.iter().any(|t| t == tenant)
    };
    let ids: Vec<&str> = query.filters.ids_of(query.source).map(str::trim).collect();
    let wanted = |id: &str| ids.is_empty() || ids.contains(&id);
    // Inclusive at both ends: wider than a half-open range, never narrower.
    let in_time = |at: Option<i64>, slack: i64| match (&query.time_range, at) {
        (Some(range), Some(at)) => {
            range.from.timestamp() - slack <= at && at <= range.to.timestamp()
        }
        _ => true,
    };
    let event = query.time_range.as_ref().map(|r| r.event);
    match query.source {
        SourceKey::Kusto => data
            .cases
            .iter()
            .filter(|r| in_scope(&r.tenant_id) && wanted(&r.case_number))
            .filter(|r| match event {
                Some(TimeEvent::Closed) => in_time(r.closed_at, 0),
                Some(TimeEvent::Mitigated) => true,
                _ => in_time(Some(r.created_at), 0),
            })
            .map(case_json)
            .collect(),
        SourceKey::Icm => data
            .incidents
            .iter()
            .filter(|r| in_scope(&r.tenant_id) && wanted(&r.incident_id.to_string()))
            .filter(|r| match event {
                Some(TimeEvent::Closed) => in_time(r.resolved_at, 0),
                Some(TimeEvent::Mitigated) => in_time(r.mitigated_at, 0),
                _ => in_time(Some(r.created_at), 0),
            })
            .map(incident_json)
            .collect(),
        SourceKey::Ado => data
            .work_items
            .iter()
            .filter(|r| in_scope(&r.tenant_id) && wanted(&r.id.to_string()))
            .filter(|r| match event {
                Some(TimeEvent::Created) | None => in_time(Some(r.created_at), 0),
                _ => true,
            })
            .map(work_item_json)
            .collect(),
        // A metric is dated by its day's midnight: keep the day the range starts in.
        SourceKey::Tenant => data
            .metrics
            .iter()
            .filter(|r| in_scope(&r.tenant_id) && in_time(Some(r.date), 86_400))
            .map(metric_json)
            .collect(),
        SourceKey::Docs => data.docs.iter().map(doc_json).collect(),
    }
}

fn time(at: Option<i64>) -> Value {
    at.map_or(Value::Null, |t| Value::from(format_timestamp(t)))
}

fn case_json(r: &CaseRow) -> Value {
    json!({
        "CaseNumber": r.case_number, "TenantId": r.tenant_id, "Title": r.title,
        "Severity": r.severity, "Status": r.status, "ProductArea": r.product_area,
        "CreatedAt": format_timestamp(r.created_at), "ClosedAt": time(r.closed_at),
        "Owner": r.owner,
    })
}

fn incident_json(r: &IncidentRow) -> Value {
    // Sev 2.5 as most IcM exports write it.
    let severity = if r.severity == 25 {
        json!(2.5)
    } else {
        json!(r.severity)
    };
    json!({
        "IncidentId": r.incident_id, "TenantId": r.tenant_id, "Severity": severity,
        "Status": r.status, "Title": r.title, "OwningTeam": r.owning_team,
        "CreatedAt": format_timestamp(r.created_at), "MitigatedAt": time(r.mitigated_at),
        "ResolvedAt": time(r.resolved_at), "CaseNumber": r.case_number,
    })
}

fn work_item_json(r: &WorkItemRow) -> Value {
    json!({
        "Id": r.id, "WorkItemType": r.work_item_type, "State": r.state, "Title": r.title,
        "AreaPath": r.area_path, "TenantId": r.tenant_id, "Tags": r.tags,
        "CreatedAt": format_timestamp(r.created_at), "IncidentId": r.incident_id,
    })
}

fn metric_json(r: &MetricRow) -> Value {
    json!({
        "TenantId": r.tenant_id, "Date": format_date(r.date), "Metric": r.metric,
        "Value": r.value,
    })
}

fn doc_json(r: &DocRow) -> Value {
    json!({ "Path": r.path, "Title": r.title, "Body": r.body })
}

/// The fake serving streamable HTTP on a loopback port until stopped or dropped.
pub struct McpFake {
    addr: SocketAddr,
    control: Arc<Control>,
    /// Ends every session (their event streams) and the server.
    shutdown: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl McpFake {
    /// Serves `data` on a free loopback port.
    pub async fn start(data: Arc<DataSet>) -> McpFake {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        McpFake::start_on(addr, data, Arc::new(Control::default())).await
    }

    /// Serves `data` on `addr` (a restart binds the address it had) with `control`.
    pub async fn start_on(addr: SocketAddr, data: Arc<DataSet>, control: Arc<Control>) -> McpFake {
        let shutdown = CancellationToken::new();
        let config =
            StreamableHttpServerConfig::default().with_cancellation_token(shutdown.child_token());
        let handler = FixtureServer::new(data, control.clone());
        let service = StreamableHttpService::new(
            move || Ok(handler.clone()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        let router = axum::Router::new()
            .route_service(PATH, service)
            .layer(axum::middleware::from_fn_with_state(control.clone(), gate));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("a loopback port for the MCP fake");
        let addr = listener.local_addr().expect("the fake's address");
        // An event stream is written in small pieces: without TCP_NODELAY each answer waited
        // for the client's delayed ACK (about 40 ms).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let stop = shutdown.clone();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
        });
        McpFake {
            addr,
            control,
            shutdown,
            server: Some(server),
        }
    }

    /// The MCP endpoint, e.g. `http://127.0.0.1:41234/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault switch and records.
    pub fn control(&self) -> Arc<Control> {
        self.control.clone()
    }

    /// The fault switch, as the conformance suite takes it.
    pub fn faults(&self) -> Arc<dyn FaultSwitch> {
        self.control.clone()
    }

    /// Ends every session and stops serving; the port is free when this returns.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for McpFake {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Answers every request with the status fault when one is set.
async fn gate(State(control): State<Arc<Control>>, request: Request, next: Next) -> Response {
    let required = control.token.lock().expect("token lock").clone();
    if let Some(token) = required {
        let sent = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if sent != Some(token.as_str()) {
            return status_response(401, None);
        }
    }
    let FakeFault::Status {
        code,
        retry_after_secs,
    } = control.fault()
    else {
        return next.run(request).await;
    };
    status_response(code, retry_after_secs)
}

/// A refusal with `code`, as the fault or the token check says.
fn status_response(code: u16, retry_after_secs: Option<u64>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, format!("the MCP fake answers {code}")).into_response();
    let headers = response.headers_mut();
    if let Some(secs) = retry_after_secs {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"orca-mcp-fake\""),
        );
    }
    response
}
