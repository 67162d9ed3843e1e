//! Azure DevOps work items (`type = "azure_devops"`, the `ado` source): a WIQL query selects the
//! ids, `workitemsbatch` fetches their fields in chunks of at most 200, and the store's own
//! semantics answer the query over the fetched rows ([`DataSet::evaluate`]), because WIQL can
//! filter but cannot group, count or bucket.
//!
//! ```toml
//! [sources.ado]
//! type = "azure_devops"
//! organization = "contoso"
//! project = "Purview"
//! pat_env = "ORCA_ADO_PAT"          # or pat_command = ["..."]
//! max_items = 5000                  # the most work items fetched for one answer
//! [sources.ado.fields]              # DESIGN column -> reference name (defaults in `batch`)
//! TenantId = "Custom.TenantId"
//! IncidentId = "Custom.IncidentId"
//! ```
//!
//! The protocol, per query (the whole of it bounded by the context's timeout):
//! 1. `POST {base_url}/{organization}/{project}/_apis/wit/wiql?api-version=7.1&timePrecision=true&$top={max_items + 1}`
//!    with `{"query": WIQL}` ([`wiql`]: what is pushed down, and how values are escaped);
//! 2. `POST {base_url}/{organization}/_apis/wit/workitemsbatch?api-version=7.1` with `{"ids",
//!    "fields", "errorPolicy"}` per chunk of [`batch::MAX_BATCH`] ids, at most
//!    [`CONCURRENT_BATCHES`] at once;
//! 3. the rows (with the registry, for names and cohorts) evaluated on a blocking thread.
//!
//! Invariants and decisions:
//! - The same answer as the store for the same rows: the pushdown only narrows what is fetched,
//!   and the evaluation applies every filter again with the store's code.
//! - `max_items` bounds the fetch. When WIQL finds more (`$top` asks for one more to know), the
//!   newest `max_items` are fetched and the answer says so: the summary gets `"truncated": true`
//!   and `"max_items": N` (its counts cover those N work items only), and the output's
//!   `truncated` flag is set. The summary keys are an addition to the work item summary that
//!   readers of it ignore; no new type was needed.
//! - Auth: a personal access token as basic auth (`:` + PAT, base64). The service answers a
//!   refused token with a sign-in page (203, or any `text/html` body) rather than 401: that is
//!   an `Auth` error saying to check the PAT, as 401 and 403 are. The token is read per call
//!   ([`Secret::read`]: a variable every time, a `pat_command`'s output kept a while); a refusal
//!   makes the command run again on the next call ([`Secret::forget`]), so a rotated PAT is
//!   picked up without a restart.
//! - Statuses: [`crate::http::status_error`] (429 and 503 with `Retry-After` rate limited, other
//!   5xx unavailable, other 4xx a bad query); 404 says the organization or project is unknown.
//! - A batch chunk that fails fails the call (a partial count would be a wrong answer); the
//!   chunks still running are cancelled.

pub mod batch;
pub mod wiql;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use orca_core::{
    BoxFuture, Connector, ConnectorError, Customer, ErrorKind, Query, QueryOutput, SourceKey,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use serde_json::Value;

pub use self::batch::{FieldNames, MAX_BATCH};
pub use self::wiql::{Plan, date_literal, string_literal};
use crate::DataSet;
use crate::sources::context::SourceContext;
use crate::sources::secret::Secret;
use crate::store::HealthThresholds;
use crate::store::model::WorkItemRow;

/// Batch calls in flight at once for one query.
pub const CONCURRENT_BATCHES: usize = 4;
/// The REST API version the connector speaks.
pub const API_VERSION: &str = "7.1";
/// The most work items one WIQL query may return (the service refuses more).
pub const MAX_WIQL_ITEMS: usize = 20_000;

/// Settings of `type = "azure_devops"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoConfig {
    /// The organization (`https://dev.azure.com/{organization}`).
    pub organization: String,
    /// The project holding the work items.
    pub project: String,
    /// The environment variable holding the personal access token.
    #[serde(default)]
    pub pat_env: Option<String>,
    /// Or a command (no shell) printing it.
    #[serde(default)]
    pub pat_command: Option<Vec<String>>,
    /// The service's address; Azure DevOps Services by default (a server's collection URL, or a
    /// fake in tests).
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The most work items fetched for one answer (see the module docs).
    #[serde(default = "default_max_items")]
    pub max_items: usize,
    /// DESIGN work item column -> Azure DevOps field reference name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

fn default_base_url() -> String {
    "https://dev.azure.com".into()
}

fn default_max_items() -> usize {
    5000
}

impl AdoConfig {
    /// Settings for tests: the service at `base_url`, organization `contoso`, project
    /// `Purview`, the token printed by `echo` (a command, so no environment is touched).
    pub fn for_test(base_url: &str, pat: &str) -> AdoConfig {
        AdoConfig {
            organization: "contoso".into(),
            project: "Purview".into(),
            pat_env: None,
            pat_command: Some(vec!["echo".into(), pat.into()]),
            base_url: base_url.into(),
            max_items: default_max_items(),
            fields: BTreeMap::new(),
        }
    }

    /// Builds the connector; fails with every problem of the settings in one sentence.
    pub fn build(&self, ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        self.connector(ctx)
            .map(|c| Arc::new(c) as Arc<dyn Connector>)
    }

    /// Builds the concrete connector (see [`AdoConfig::build`]).
    pub fn connector(&self, ctx: &SourceContext) -> Result<AdoConnector, String> {
        if ctx.source != SourceKey::Ado {
            return Err(format!(
                "type = \"azure_devops\" serves work items (the `ado` source), not `{}`; use it under [sources.ado]",
                ctx.source
            ));
        }
        let mut problems = Vec::new();
        let organization = self.organization.trim();
        let project = self.project.trim();
        if organization.is_empty() {
            problems.push("organization is empty".to_string());
        }
        if project.is_empty() {
            problems.push("project is empty".to_string());
        }
        if !(1..=MAX_WIQL_ITEMS).contains(&self.max_items) {
            problems.push(format!(
                "max_items = {} is out of range (1 to {MAX_WIQL_ITEMS}, the most one WIQL query returns)",
                self.max_items
            ));
        }
        let secret = Secret::from_settings(
            "pat_env",
            self.pat_env.as_deref(),
            "pat_command",
            self.pat_command.as_deref(),
        )
        .map_err(|e| problems.push(e))
        .ok();
        let fields = FieldNames::with_overrides(&self.fields)
            .map_err(|e| problems.extend(e))
            .ok();
        let base = match Url::parse(self.base_url.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && !url.cannot_be_a_base() => {
                Some(url)
            }
            _ => {
                problems.push(format!(
                    "base_url = \"{}\" is not an http(s) address (the default is https://dev.azure.com)",
                    self.base_url
                ));
                None
            }
        };
        let client = crate::http::client(ctx.timeout)
            .map_err(|e| problems.push(e))
            .ok();
        let (Some(secret), Some(fields), Some(base), Some(client), true) =
            (secret, fields, base, client, problems.is_empty())
        else {
            return Err(problems.join("; "));
        };
        let endpoint = |segments: &[&str]| -> Url {
            let mut url = base.clone();
            if let Ok(mut path) = url.path_segments_mut() {
                path.pop_if_empty().extend(segments);
            }
            url
        };
        Ok(AdoConnector {
            wiql_url: endpoint(&[organization, project, "_apis", "wit", "wiql"]),
            batch_url: endpoint(&[organization, "_apis", "wit", "workitemsbatch"]),
            organization: organization.to_string(),
            project: project.to_string(),
            secret,
            fields: Arc::new(fields),
            max_items: self.max_items,
            client,
            customers: ctx.customers.clone(),
            health: ctx.health.clone(),
            now: ctx.now,
            timeout: ctx.timeout,
        })
    }
}

/// The `ado` source served by Azure DevOps (see the module docs).
pub struct AdoConnector {
    wiql_url: Url,
    batch_url: Url,
    organization: String,
    project: String,
    secret: Secret,
    fields: Arc<FieldNames>,
    max_items: usize,
    client: reqwest::Client,
    customers: Arc<[Customer]>,
    health: HealthThresholds,
    now: Option<DateTime<Utc>>,
    timeout: Duration,
}

impl std::fmt::Debug for AdoConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdoConnector")
            .field("wiql_url", &self.wiql_url.as_str())
            .field("max_items", &self.max_items)
            .finish_non_exhaustive()
    }
}

impl Connector for AdoConnector {
    fn source(&self) -> SourceKey {
        SourceKey::Ado
    }

    fn name(&self) -> &str {
        "ado-rest"
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            if query.source != SourceKey::Ado {
                return Err(ConnectorError::bad_query(format!(
                    "ado: this connector serves work items, not `{}`",
                    query.source
                )));
            }
            tokio::time::timeout(self.timeout, self.answer(query))
                .await
                .unwrap_or_else(|_| {
                    Err(ConnectorError::new(
                        ErrorKind::Timeout,
                        format!(
                            "ado: Azure DevOps did not answer within {} ms",
                            self.timeout.as_millis()
                        ),
                    ))
                })
        })
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(async move {
            let text = wiql::check_text(&self.fields);
            let checked = tokio::time::timeout(self.timeout, self.wiql(&text, 1)).await;
            match checked {
                Ok(Ok(_)) => Ok(format!(
                    "Azure DevOps project {}/{} answered a WIQL query naming every mapped field",
                    self.organization, self.project
                )),
                Ok(Err(e)) if e.kind == ErrorKind::BadQuery => {
                    Err(ConnectorError::bad_query(format!(
                        "{e}; check that every field of [sources.ado.fields] exists in the project's process (defaults: {})",
                        self.fields.all().join(", ")
                    )))
                }
                Ok(Err(e)) if e.is_retryable() => Err(ConnectorError::new(
                    e.kind.clone(),
                    format!(
                        "{e}; check base_url ({}) and that Azure DevOps is reachable from here",
                        self.wiql_url.origin().ascii_serialization()
                    ),
                )),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(ConnectorError::new(
                    ErrorKind::Timeout,
                    format!(
                        "ado: Azure DevOps at {} did not answer within {} ms; check base_url and the network",
                        self.wiql_url.origin().ascii_serialization(),
                        self.timeout.as_millis()
                    ),
                )),
            }
        })
    }
}

impl AdoConnector {
    /// The whole protocol for one query (without the overall timeout).
    async fn answer(&self, query: &Query) -> Result<QueryOutput, ConnectorError> {
        let plan = wiql::plan(query, &self.fields, &self.project, &self.customers);
        let mut rows = Vec::new();
        let mut queries = 0;
        let mut truncated = false;
        if let Plan::Wiql(text) = plan {
            let mut ids = self.wiql(&text, self.max_items + 1).await?;
            queries += 1;
            truncated = ids.len() > self.max_items;
            ids.truncate(self.max_items);
            let (fetched, calls) = self.fetch(&ids).await?;
            rows = fetched;
            queries += calls;
        }
        let mut data = DataSet::default();
        data.customers = self.customers.to_vec();
        data.work_items = rows;
        let query = query.clone();
        let now = self.now.unwrap_or_else(Utc::now).timestamp();
        let health = self.health.clone();
        let mut output = tokio::task::spawn_blocking(move || data.evaluate(&query, now, &health))
            .await
            .map_err(|e| {
                ConnectorError::unavailable(format!("ado: the client-side evaluation failed: {e}"))
            })??;
        output.queries = queries;
        if truncated {
            output.summary.insert("truncated".into(), Value::Bool(true));
            output
                .summary
                .insert("max_items".into(), Value::from(self.max_items as u64));
            output.shaped.truncated = true;
        }
        Ok(output)
    }

    /// The ids a WIQL text selects, in its order, at most `top`.
    async fn wiql(&self, text: &str, top: usize) -> Result<Vec<i64>, ConnectorError> {
        let mut url = self.wiql_url.clone();
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION)
            .append_pair("timePrecision", "true")
            .append_pair("$top", &top.to_string());
        let body = serde_json::json!({ "query": text });
        let answer = self.post(url, &body).await?;
        let items = answer
            .get("workItems")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                ConnectorError::unavailable(
                    "ado: the WIQL answer has no `workItems` list; check that base_url is an Azure DevOps address",
                )
            })?;
        Ok(items
            .iter()
            .filter_map(|item| item.get("id").and_then(Value::as_i64))
            .collect())
    }

    /// The rows of `ids`, in chunks run concurrently; also the number of calls made.
    async fn fetch(&self, ids: &[i64]) -> Result<(Vec<WorkItemRow>, u32), ConnectorError> {
        if ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let auth = self.authorization().await?;
        let fetched = self.fetch_chunks(ids, auth).await;
        let (mut rows, calls, skipped) = self.forget_refused(fetched)?;
        if skipped > 0 {
            tracing::debug!(
                source = "ado",
                skipped,
                "work items that cannot be rows of DESIGN section 6 (type, state, tenant or date) were left out"
            );
        }
        // A chunk may repeat an id another returned (an item moved between calls): one row each.
        rows.sort_by_key(|r| r.id);
        rows.dedup_by_key(|r| r.id);
        Ok((rows, calls))
    }

    /// Runs the batch calls, [`CONCURRENT_BATCHES`] at a time; the first failure cancels the
    /// others (dropping the set aborts its tasks).
    async fn fetch_chunks(
        &self,
        ids: &[i64],
        auth: HeaderValue,
    ) -> Result<(Vec<WorkItemRow>, u32, usize), ConnectorError> {
        let mut url = self.batch_url.clone();
        url.query_pairs_mut()
            .append_pair("api-version", API_VERSION);
        let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENT_BATCHES));
        let mut calls = tokio::task::JoinSet::new();
        for chunk in ids.chunks(MAX_BATCH) {
            let body = batch::request(chunk, &self.fields);
            let client = self.client.clone();
            let url = url.clone();
            let auth = auth.clone();
            let fields = self.fields.clone();
            let permits = permits.clone();
            calls.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let answer = post(&client, url, &auth, &body).await?;
                batch::rows(&answer, &fields).map_err(|e| {
                    ConnectorError::unavailable(format!(
                        "ado: {e}; check that base_url is an Azure DevOps address"
                    ))
                })
            });
        }
        let count = calls.len() as u32;
        let mut rows: Vec<WorkItemRow> = Vec::with_capacity(ids.len());
        let mut skipped = 0;
        while let Some(done) = calls.join_next().await {
            let (chunk, unfit) = done.map_err(|e| {
                ConnectorError::unavailable(format!("ado: a workitemsbatch call failed: {e}"))
            })??;
            rows.extend(chunk);
            skipped += unfit;
        }
        Ok((rows, count, skipped))
    }

    /// Posts a JSON body with the token, and classifies the answer.
    async fn post(&self, url: Url, body: &Value) -> Result<Value, ConnectorError> {
        let auth = self.authorization().await?;
        let answer = post(&self.client, url, &auth, body).await;
        self.forget_refused(answer)
    }

    /// Forgets the token when the service refused it, so the next call reads it again.
    fn forget_refused<T>(&self, answer: Result<T, ConnectorError>) -> Result<T, ConnectorError> {
        if let Err(e) = &answer
            && e.kind == ErrorKind::Auth
        {
            self.secret.forget();
        }
        answer.map_err(|e| match e.kind {
            ErrorKind::Auth => ConnectorError::new(
                ErrorKind::Auth,
                format!(
                    "{e}; check that {} holds a valid personal access token of organization {} with the Work Items (Read) scope",
                    self.secret.describe(),
                    self.organization
                ),
            ),
            _ => e,
        })
    }

    /// The `Authorization` header: basic auth with an empty user and the token.
    async fn authorization(&self) -> Result<HeaderValue, ConnectorError> {
        let pat = self.secret.read(self.timeout).await?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!(":{pat}"));
        let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).map_err(|_| {
            ConnectorError::new(
                ErrorKind::Auth,
                format!(
                    "ado: the personal access token from {} cannot be sent in a header; check its value",
                    self.secret.describe()
                ),
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// One POST with a JSON body; the answer's JSON, or the error it means.
async fn post(
    client: &reqwest::Client,
    url: Url,
    auth: &HeaderValue,
    body: &Value,
) -> Result<Value, ConnectorError> {
    let source = SourceKey::Ado;
    let response = client
        .post(url)
        .header(AUTHORIZATION, auth.clone())
        .json(body)
        .send()
        .await
        .map_err(|e| crate::http::send_error(source, &e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let html = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("text/html"));
    let text = response
        .text()
        .await
        .map_err(|e| crate::http::send_error(source, &e))?;
    if status == StatusCode::NON_AUTHORITATIVE_INFORMATION || (status.is_success() && html) {
        return Err(ConnectorError::new(
            ErrorKind::Auth,
            format!(
                "ado: Azure DevOps refused the credential (it answered {} with a sign-in page)",
                status.as_u16()
            ),
        ));
    }
    if status == StatusCode::NOT_FOUND {
        return Err(ConnectorError::bad_query(
            "ado: Azure DevOps answered 404 Not Found; check organization, project and base_url",
        ));
    }
    if !status.is_success() {
        // The service's error body is `{"message": ..., "typeKey": ...}`: quote the message.
        let reason = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("message")?.as_str().map(String::from))
            .unwrap_or(text);
        return Err(crate::http::status_error(source, status, &headers, &reason));
    }
    serde_json::from_str(&text).map_err(|e| {
        ConnectorError::unavailable(format!(
            "ado: the answer is not JSON ({e}); check that base_url is an Azure DevOps address"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(source: SourceKey) -> SourceContext {
        SourceContext::for_test(source, Vec::new())
    }

    #[test]
    fn settings_read_from_toml_with_defaults() {
        let config: AdoConfig = toml::from_str(
            "organization = \"contoso\"\nproject = \"Purview\"\npat_env = \"ORCA_ADO_PAT\"\n\
             [fields]\nTenantId = \"Custom.AadTenantId\"\n",
        )
        .unwrap();
        assert_eq!(config.base_url, "https://dev.azure.com");
        assert_eq!(config.max_items, 5000);
        let connector = config.connector(&context(SourceKey::Ado)).unwrap();
        assert_eq!(
            connector.wiql_url.as_str(),
            "https://dev.azure.com/contoso/Purview/_apis/wit/wiql"
        );
        assert_eq!(
            connector.batch_url.as_str(),
            "https://dev.azure.com/contoso/_apis/wit/workitemsbatch"
        );
        assert_eq!(connector.fields.tenant_id, "Custom.AadTenantId");
        let unknown =
            toml::from_str::<AdoConfig>("organization = \"o\"\nproject = \"p\"\nurl = 1\n");
        assert!(unknown.is_err());
    }

    #[test]
    fn a_project_name_is_one_path_segment() {
        let mut config = AdoConfig::for_test("http://127.0.0.1:9/tfs/", "pat");
        config.project = "Data Map/x".into();
        let connector = config.connector(&context(SourceKey::Ado)).unwrap();
        assert_eq!(
            connector.wiql_url.as_str(),
            "http://127.0.0.1:9/tfs/contoso/Data%20Map%2Fx/_apis/wit/wiql"
        );
    }

    #[test]
    fn settings_that_cannot_work_are_said_at_once() {
        let config = AdoConfig {
            organization: " ".into(),
            project: "P".into(),
            pat_env: None,
            pat_command: None,
            base_url: "ftp://x".into(),
            max_items: 0,
            fields: [("Owner".to_string(), "System.AssignedTo".to_string())].into(),
        };
        let e = config.connector(&context(SourceKey::Ado)).unwrap_err();
        for part in [
            "organization is empty",
            "max_items = 0",
            "pat_env",
            "`Owner`",
            "base_url",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
        let other = AdoConfig::for_test("http://127.0.0.1:9", "pat")
            .connector(&context(SourceKey::Kusto))
            .unwrap_err();
        assert!(other.contains("not `kusto`"), "{other}");
    }
}
