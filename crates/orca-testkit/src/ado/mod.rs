//! A loopback Azure DevOps: an axum server on `127.0.0.1:0` serving the fixture's work items
//! through the two REST calls the connector makes, in their documented shapes.
//!
//! - `POST /{organization}/{project}/_apis/wit/wiql?api-version=7.1[&timePrecision=true][&$top=N]`
//!   with `{"query": WIQL}`: the query is parsed ([`wiql`], the subset the connector emits) and
//!   evaluated on the items; the answer is `{"queryType": "flat", "queryResultType":
//!   "workItem", "asOf", "columns", "sortColumns", "workItems": [{"id", "url"}]}`.
//! - `POST /{organization}[/{project}]/_apis/wit/workitemsbatch?api-version=7.1` with `{"ids",
//!   "fields", "errorPolicy"}`: `{"count", "value": [{"id", "rev", "fields", "url"}]}`, only the
//!   fields asked for, empty ones left out as the service leaves them out; more than 200 ids is a
//!   400, as the service refuses them; an unknown id is `null` with `errorPolicy: omit`, else a
//!   404.
//!
//! As the service: basic auth with any user name and the PAT ([`AdoFake::pat`]); a wrong or
//! missing one gets a 203 with an HTML sign-in page. Another organization or project is a 404;
//! a missing `api-version` a 400. Items carry the project `Purview` of organization `contoso`,
//! DESIGN's work item columns under the connector's default reference names
//! (`Custom.TenantId`, `Custom.IncidentId` for the two a process adds), and creation dates with
//! milliseconds (a fixed part of a second per item), as the service stamps them: a connector
//! that drops time precision or compares bounds to the second loses items.
//!
//! [`FaultSwitch`]: every later call answers with the status set (JSON body, `Retry-After` when
//! given) or never answers; the WIQL texts received are kept for `take_query_texts`, and the
//! calls are counted ([`AdoFake::wiql_calls`], [`AdoFake::batch_calls`]), and so is the most
//! batch calls answered at once ([`AdoFake::most_batches_at_once`]; with
//! [`AdoFake::set_batch_delay`] each batch answer waits, so concurrent calls overlap).

pub mod wiql;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use chrono::{SecondsFormat, TimeZone, Utc};
use serde_json::{Map, Value, json};

use self::wiql::{Kind, Reader};
use crate::conformance::{FakeFault, FaultSwitch};
use crate::fixture::Fixture;
use orca_connectors::DataSet;

/// The organization the fake serves.
pub const ORGANIZATION: &str = "contoso";
/// The project the fake serves.
pub const PROJECT: &str = "Purview";
/// The most ids one batch call accepts.
pub const MAX_BATCH: usize = 200;

/// A running fake; the server stops when it is dropped.
pub struct AdoFake {
    addr: SocketAddr,
    state: Arc<Fake>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for AdoFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdoFake").field("addr", &self.addr).finish()
    }
}

impl Drop for AdoFake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The fake's state: the items, the fault, what it received.
struct Fake {
    /// Each item's fields by reference name, in the fixture's order.
    items: Vec<(i64, Map<String, Value>)>,
    pat: String,
    base: String,
    fault: Mutex<FakeFault>,
    texts: Mutex<Vec<String>>,
    wiql_calls: AtomicUsize,
    batch_calls: AtomicUsize,
    batches_now: AtomicUsize,
    batches_most: AtomicUsize,
    batch_delay: Mutex<Duration>,
}

impl FaultSwitch for Fake {
    fn set(&self, fault: FakeFault) {
        *self.fault.lock().expect("fault lock") = fault;
    }

    fn take_query_texts(&self) -> Vec<String> {
        std::mem::take(&mut *self.texts.lock().expect("texts lock"))
    }
}

/// The kind of each field the fake holds.
fn kind(name: &str) -> Option<Kind> {
    match name {
        "System.Id" | "Custom.IncidentId" => Some(Kind::Integer),
        "System.CreatedDate" => Some(Kind::Date),
        "System.WorkItemType"
        | "System.State"
        | "System.Title"
        | "System.AreaPath"
        | "System.Tags"
        | "System.TeamProject"
        | "Custom.TenantId" => Some(Kind::Text),
        _ => None,
    }
}

impl AdoFake {
    /// Starts a fake serving `fixture`'s work items.
    pub async fn start(fixture: &Fixture) -> AdoFake {
        AdoFake::serve(&fixture.data).await
    }

    /// Starts a fake serving the work items of `data` (a larger set than the fixture's, say).
    pub async fn serve(data: &DataSet) -> AdoFake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let base = format!("http://{addr}");
        let items = data
            .work_items
            .iter()
            .map(|w| {
                // A fixed part of a second per item, as the service stamps creation dates.
                let millis = w.created_at * 1000 + (w.id * 37).rem_euclid(1000);
                let created = Utc
                    .timestamp_millis_opt(millis)
                    .single()
                    .expect("a fixture date")
                    .to_rfc3339_opts(SecondsFormat::Millis, true);
                let mut fields = Map::new();
                fields.insert("System.Id".into(), json!(w.id));
                fields.insert("System.TeamProject".into(), json!(PROJECT));
                fields.insert("System.WorkItemType".into(), json!(w.work_item_type));
                fields.insert("System.State".into(), json!(w.state));
                fields.insert("System.Title".into(), json!(w.title));
                fields.insert("System.AreaPath".into(), json!(w.area_path));
                fields.insert("System.CreatedDate".into(), json!(created));
                fields.insert("Custom.TenantId".into(), json!(w.tenant_id));
                if !w.tags.is_empty() {
                    fields.insert("System.Tags".into(), json!(w.tags));
                }
                if let Some(incident) = w.incident_id {
                    fields.insert("Custom.IncidentId".into(), json!(incident));
                }
                (w.id, fields)
            })
            .collect();
        let state = Arc::new(Fake {
            items,
            pat: "fake-pat-0123456789".into(),
            base,
            fault: Mutex::new(FakeFault::None),
            texts: Mutex::new(Vec::new()),
            wiql_calls: AtomicUsize::new(0),
            batch_calls: AtomicUsize::new(0),
            batches_now: AtomicUsize::new(0),
            batches_most: AtomicUsize::new(0),
            batch_delay: Mutex::new(Duration::ZERO),
        });
        let app = Router::new()
            .route("/{organization}/{project}/_apis/wit/wiql", post(wiql_call))
            .route(
                "/{organization}/_apis/wit/workitemsbatch",
                post(batch_in_organization),
            )
            .route(
                "/{organization}/{project}/_apis/wit/workitemsbatch",
                post(batch_in_project),
            )
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        AdoFake {
            addr,
            state,
            server,
        }
    }

    /// The base URL (`base_url` of the connector).
    pub fn url(&self) -> String {
        self.state.base.clone()
    }

    /// The fault switch.
    pub fn switch(&self) -> Arc<dyn FaultSwitch> {
        self.state.clone()
    }

    /// The personal access token the fake accepts.
    pub fn pat(&self) -> &str {
        &self.state.pat
    }

    /// WIQL calls received (any answer).
    pub fn wiql_calls(&self) -> usize {
        self.state.wiql_calls.load(Ordering::SeqCst)
    }

    /// `workitemsbatch` calls received (any answer).
    pub fn batch_calls(&self) -> usize {
        self.state.batch_calls.load(Ordering::SeqCst)
    }

    /// The most `workitemsbatch` calls that were being answered at the same time.
    pub fn most_batches_at_once(&self) -> usize {
        self.state.batches_most.load(Ordering::SeqCst)
    }

    /// Every later batch answer waits this long first (0 by default).
    pub fn set_batch_delay(&self, delay: Duration) {
        *self.state.batch_delay.lock().expect("delay lock") = delay;
    }
}

/// The service's error body: `{"message", "typeKey"}`.
fn error(status: StatusCode, type_key: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({
            "$id": "1",
            "innerException": null,
            "message": message,
            "typeName": format!("Microsoft.TeamFoundation.WorkItemTracking.Server.{type_key}, Microsoft.TeamFoundation.WorkItemTracking.Server"),
            "typeKey": type_key,
            "errorCode": 0,
            "eventId": 3200,
        })),
    )
        .into_response()
}

/// What every call goes through first: the fault, the address, the version and the credential.
async fn gate(
    fake: &Fake,
    organization: &str,
    project: Option<&str>,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Result<(), Response> {
    let fault = fake.fault.lock().expect("fault lock").clone();
    match fault {
        FakeFault::None => {}
        FakeFault::Hang => std::future::pending::<()>().await,
        FakeFault::Status {
            code,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = error(status, "FakeFault", &format!("fault injected: {code}"));
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return Err(response);
        }
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .and_then(|v| String::from_utf8(v).ok());
    // Any user name; the password is the token.
    let accepted = given
        .as_deref()
        .and_then(|g| g.split_once(':'))
        .is_some_and(|(_, pat)| pat == fake.pat);
    if !accepted {
        return Err(sign_in_page());
    }
    if organization != ORGANIZATION || project.is_some_and(|p| p != PROJECT) {
        return Err(error(
            StatusCode::NOT_FOUND,
            "ProjectDoesNotExistWithNameException",
            &format!(
                "TF200016: The following project does not exist: {}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
                project.unwrap_or(organization)
            ),
        ));
    }
    if params.get("api-version").map(String::as_str) != Some("7.1") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "VssVersionOutOfRangeException",
            "The requested REST API version is missing or not supported; add api-version=7.1.",
        ));
    }
    Ok(())
}

/// What the service answers a refused credential with: a sign-in page, status 203.
fn sign_in_page() -> Response {
    (
        StatusCode::NON_AUTHORITATIVE_INFORMATION,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>\
         <body><p>Sign in to your account</p></body></html>",
    )
        .into_response()
}

async fn wiql_call(
    State(fake): State<Arc<Fake>>,
    Path((organization, project)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    fake.wiql_calls.fetch_add(1, Ordering::SeqCst);
    if let Err(response) = gate(&fake, &organization, Some(&project), &params, &headers).await {
        return response;
    }
    let Some(text) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("query").and_then(Value::as_str).map(String::from))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "ArgumentNullException",
            "Value cannot be null. Parameter name: wiql",
        );
    };
    fake.texts.lock().expect("texts lock").push(text.clone());
    let parsed = match wiql::parse(&text) {
        Ok(parsed) => parsed,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "WorkItemTrackingQueryResultTypeInvalidException",
                &format!("TF51006: The query statement is not valid: {e}"),
            );
        }
    };
    if let Some(unknown) = parsed.fields().into_iter().find(|f| kind(f).is_none()) {
        return error(
            StatusCode::BAD_REQUEST,
            "WorkItemTrackingQueryFieldNotFoundException",
            &wiql::unknown_field(unknown),
        );
    }
    let top = match params.get("$top").map(|t| t.parse::<usize>()) {
        None => usize::MAX,
        Some(Ok(top)) => top,
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "ArgumentException",
                "$top must be a number.",
            );
        }
    };
    let reader = Reader {
        kind: &kind,
        time_precision: params
            .get("timePrecision")
            .is_some_and(|v| v.eq_ignore_ascii_case("true")),
    };
    let mut found = Vec::new();
    for (id, fields) in &fake.items {
        let keep = match &parsed.filter {
            Some(filter) => reader.matches(filter, fields),
            None => Ok(true),
        };
        match keep {
            Ok(true) => found.push((*id, fields)),
            Ok(false) => {}
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "WorkItemTrackingQueryResultTypeInvalidException",
                    &e,
                );
            }
        }
    }
    if !parsed.order.is_empty() {
        found.sort_by(|a, b| reader.order(&parsed.order, a.1, b.1));
    }
    let item_url = |id: i64| format!("{}/{ORGANIZATION}/_apis/wit/workItems/{id}", fake.base);
    let field_url = |name: &str| format!("{}/{ORGANIZATION}/_apis/wit/fields/{name}", fake.base);
    let work_items: Vec<Value> = found
        .iter()
        .take(top)
        .map(|(id, _)| json!({"id": id, "url": item_url(*id)}))
        .collect();
    axum::Json(json!({
        "queryType": "flat",
        "queryResultType": "workItem",
        "asOf": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        "columns": parsed.select.iter().map(|name| json!({
            "referenceName": name,
            "name": name.rsplit('.').next().unwrap_or(name),
            "url": field_url(name),
        })).collect::<Vec<_>>(),
        "sortColumns": parsed.order.iter().map(|(name, descending)| json!({
            "field": {"referenceName": name, "name": name.rsplit('.').next().unwrap_or(name), "url": field_url(name)},
            "descending": descending,
        })).collect::<Vec<_>>(),
        "workItems": work_items,
    }))
    .into_response()
}

async fn batch_in_organization(
    State(fake): State<Arc<Fake>>,
    Path(organization): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    batch_call(&fake, &organization, None, &params, &headers, &body).await
}

async fn batch_in_project(
    State(fake): State<Arc<Fake>>,
    Path((organization, project)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    batch_call(
        &fake,
        &organization,
        Some(&project),
        &params,
        &headers,
        &body,
    )
    .await
}

/// Counts a call out of `batches_now` however it ends (answered, or dropped mid-way).
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn batch_call(
    fake: &Fake,
    organization: &str,
    project: Option<&str>,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    fake.batch_calls.fetch_add(1, Ordering::SeqCst);
    let now = fake.batches_now.fetch_add(1, Ordering::SeqCst) + 1;
    fake.batches_most.fetch_max(now, Ordering::SeqCst);
    let _leave = Leave(&fake.batches_now);
    let delay = *fake.batch_delay.lock().expect("delay lock");
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Err(response) = gate(fake, organization, project, params, headers).await {
        return response;
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VssPropertyValidationException",
            "The request body is not valid JSON.",
        );
    };
    let Some(ids) = request
        .get("ids")
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().map(Value::as_i64).collect::<Option<Vec<i64>>>())
        .filter(|ids| !ids.is_empty())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "VssPropertyValidationException",
            "The ids list is missing or empty.",
        );
    };
    if ids.len() > MAX_BATCH {
        return error(
            StatusCode::BAD_REQUEST,
            "VssPropertyValidationException",
            &format!(
                "The maximum number of work items that can be requested in a batch is {MAX_BATCH}; {} were requested.",
                ids.len()
            ),
        );
    }
    let fields: Option<Vec<String>> = match request.get("fields") {
        None | Some(Value::Null) => None,
        Some(list) => match list.as_array().and_then(|l| {
            l.iter()
                .map(|f| f.as_str().map(String::from))
                .collect::<Option<Vec<_>>>()
        }) {
            Some(list) => Some(list),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "VssPropertyValidationException",
                    "fields must be a list of field reference names.",
                );
            }
        },
    };
    if let Some(unknown) = fields.iter().flatten().find(|f| kind(f).is_none()) {
        return error(
            StatusCode::BAD_REQUEST,
            "WorkItemTrackingFieldDefinitionNotFoundException",
            &format!("TF51535: Cannot find field {unknown}."),
        );
    }
    let omit = request
        .get("errorPolicy")
        .and_then(Value::as_str)
        .is_some_and(|p| p.eq_ignore_ascii_case("omit"));
    let by_id: HashMap<i64, &Map<String, Value>> =
        fake.items.iter().map(|(id, f)| (*id, f)).collect();
    let mut value = Vec::with_capacity(ids.len());
    for id in ids {
        match by_id.get(&id) {
            Some(all) => {
                let chosen: Map<String, Value> = all
                    .iter()
                    .filter(|(name, _)| {
                        fields
                            .as_ref()
                            .is_none_or(|list| list.iter().any(|f| f.eq_ignore_ascii_case(name)))
                    })
                    .map(|(n, v)| (n.clone(), v.clone()))
                    .collect();
                value.push(json!({
                    "id": id,
                    "rev": 1,
                    "fields": chosen,
                    "url": format!("{}/{ORGANIZATION}/_apis/wit/workItems/{id}", fake.base),
                }));
            }
            None if omit => value.push(Value::Null),
            None => {
                return error(
                    StatusCode::NOT_FOUND,
                    "WorkItemUnauthorizedAccessException",
                    &format!(
                        "TF401232: Work item {id} does not exist, or you do not have permissions to read it."
                    ),
                );
            }
        }
    }
    axum::Json(json!({"count": value.len(), "value": value})).into_response()
}
