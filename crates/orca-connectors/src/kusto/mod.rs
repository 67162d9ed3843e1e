//! `type = "kusto"`: a source served from Azure Data Explorer over the v2 REST query endpoint.
//!
//! ```toml
//! [sources.kusto]
//! type = "kusto"
//! cluster = "https://help.kusto.windows.net"
//! database = "Support"
//! token_env = "ORCA_KUSTO_TOKEN"     # or token_command = ["az", "account", "get-access-token", ...]
//! [sources.kusto.tables.cases]       # optional: the team's own names
//! table = "SupportCases"
//! columns = { CaseNumber = "Id" }
//! ```
//!
//! One query is one `POST {cluster}/v2/rest/query` with `{"db", "csl", "properties": {"Options",
//! "Parameters"}}` and a bearer token: a batch (`kql.rs`) whose first statement binds the
//! filtered rows (`let M = T | where ...`) and whose tabular statements answer the summary and
//! the shape, one PrimaryResult table each (`frames.rs` reads them). `items.rs` builds the batch
//! of cases, incidents and work items and `answer.rs` turns its tables into the store's
//! `QueryOutput`; `metrics.rs` answers tenant health.
//!
//! The connector serves any source the store serves from a table: `kusto` (cases), `icm`
//! (incidents), `ado` (work items), `tenant` (daily metrics). `docs` is full-text search over
//! Markdown files, not a table, and is refused when built.
//!
//! Pushed down, per intent: the summary is one `summarize count() ... by Status, Severity` (or
//! State, WorkItemType) folded exactly as the store folds its own; rows and ids are `order by ...
//! | take N`; rank and breakdown `summarize ... by TenantId` or by the group key; trend
//! `summarize count() by bin(CreatedAt, 1d)`, `bin_at(CreatedAt, 7d, datetime(2024-01-01))`
//! (weeks aligned on a Monday, the store's weeks) or `startofmonth(CreatedAt)`; aggregates
//! `summarize avg(...)`. What stays client-side, and why:
//! - ranking ties and names: the store keeps every customer tied with the last ranked one and
//!   orders ties by registry name, which Kusto does not hold, so the connector fetches one row per
//!   tenant (`summarize ... by TenantId`, bounded by the number of tenants) and ranks it with the
//!   store's own rule;
//! - tenant health: the verdict compares each metric's first and last value in the window with
//!   the configured thresholds; Kusto finds those values (`summarize arg_min(Date, Value)` and
//!   `arg_max` by tenant and metric, scope and window pushed down) and the store's own agent
//!   judges them (`DataSet::evaluate`, `metrics.rs`), so the verdicts and reasons are the store's
//!   word for word;
//! - the number of customers in a scope ("how many customers are in MCS") is the registry's,
//!   counted from the context's registry.
//!
//! Decisions where the issue is silent:
//! - One round trip per query: the summary, the rows and the ids (or the shape) are tabular
//!   statements of one batch over one `let M`, so the filter is written and sent once.
//! - Tenant ids are compared with `in~` (ASCII case-insensitive): a cluster may hold upper-case
//!   GUIDs where the store holds lower case. A cohort is resolved to its tenants from the
//!   context's registry, as the store resolves it from its registry table.
//! - Kusto strings are never null: an empty linked CaseNumber of an incident reads as none.
//! - Averages (average age, time to mitigate) are rounded to one decimal in Rust, as the store
//!   rounds its aggregate values; for rankings and groups the store rounds in SQL (`round(x,
//!   1)`), which could differ in the last decimal only for a value within about 1e-15 of a
//!   rounding boundary.
//! - Linkable ids are capped at the store's `MAX_LINK_IDS`; `Options.servertimeout` is the
//!   context's per-call timeout, so the cluster stops working when Orca stops waiting.
//!
//! Errors: HTTP statuses through `crate::http` (429 and 503 with Retry-After transient, 400
//! permanent, 401/403 Auth), errors inside the frames as `frames.rs` says, a missing token as
//! `Auth` naming its variable or command.

mod answer;
mod frames;
mod items;
mod kql;
mod metrics;
mod tables;

pub use frames::{Table, parse as parse_frames};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use orca_core::{BoxFuture, Connector, ConnectorError, ErrorKind, Query, QueryOutput, SourceKey};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http;
use crate::sources::context::SourceContext;
use crate::sources::mapping::Tables;
use crate::sources::secret::Secret;
use crate::store::model::data_files::DataFile;

/// Settings of `type = "kusto"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KustoConfig {
    /// The cluster URL, e.g. `https://help.kusto.windows.net`.
    pub cluster: String,
    /// The database queried.
    pub database: String,
    /// An environment variable holding an AAD access token for the cluster.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A command printing one (`az account get-access-token --resource <cluster>`).
    #[serde(default)]
    pub token_command: Option<Vec<String>>,
    /// Table and column names of this cluster, when they differ from DESIGN section 6.
    #[serde(default)]
    pub tables: Tables,
}

impl KustoConfig {
    /// Settings for tests: `cluster`, `database`, the token printed by `token_command`, DESIGN
    /// names.
    pub fn for_test(cluster: &str, database: &str, token_command: &[&str]) -> KustoConfig {
        KustoConfig {
            cluster: cluster.to_string(),
            database: database.to_string(),
            token_env: None,
            token_command: Some(token_command.iter().map(|s| s.to_string()).collect()),
            tables: Tables::default(),
        }
    }

    /// Builds the connector of `ctx.source`; every problem of the settings in one sentence.
    pub fn build(&self, ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        Ok(Arc::new(KustoConnector::new(self, ctx)?))
    }
}

/// The table a source is read from.
fn table_of(source: SourceKey) -> Option<DataFile> {
    match source {
        SourceKey::Kusto => Some(DataFile::Cases),
        SourceKey::Icm => Some(DataFile::Incidents),
        SourceKey::Ado => Some(DataFile::WorkItems),
        SourceKey::Tenant => Some(DataFile::TenantMetrics),
        SourceKey::Docs => None,
    }
}

/// One source served from a Kusto database.
pub struct KustoConnector {
    source: SourceKey,
    file: DataFile,
    endpoint: String,
    cluster: String,
    database: String,
    token: Secret,
    tables: Tables,
    client: reqwest::Client,
    timeout: Duration,
    /// Registry names by lower-case tenant id (rankings, rows' CustomerName).
    names: HashMap<String, String>,
    ctx: SourceContext,
    requests: AtomicU64,
}

impl std::fmt::Debug for KustoConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KustoConnector")
            .field("source", &self.source)
            .field("cluster", &self.cluster)
            .field("database", &self.database)
            .finish()
    }
}

impl KustoConnector {
    fn new(config: &KustoConfig, ctx: &SourceContext) -> Result<KustoConnector, String> {
        let Some(file) = table_of(ctx.source) else {
            return Err(
                "type = \"kusto\" cannot serve docs: documents are searched as Markdown files, \
                 not read from a table; leave [sources.docs] out to use the embedded store"
                    .into(),
            );
        };
        let cluster = config.cluster.trim().trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&cluster).map_err(|e| {
            format!("cluster `{cluster}` is not a URL ({e}); write it as https://<name>.kusto.windows.net")
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(format!(
                "cluster `{cluster}` is not an http(s) URL; write it as https://<name>.kusto.windows.net"
            ));
        }
        if config.database.trim().is_empty() {
            return Err("database is empty; set it to the Kusto database to query".into());
        }
        let problems = config.tables.problems();
        if !problems.is_empty() {
            return Err(format!("{}; fix the table mapping", problems.join("; ")));
        }
        let token = Secret::from_settings(
            "token_env",
            config.token_env.as_deref(),
            "token_command",
            config.token_command.as_deref(),
        )?;
        let client = http::client(ctx.timeout)?;
        Ok(KustoConnector {
            source: ctx.source,
            file,
            endpoint: format!("{cluster}/v2/rest/query"),
            cluster,
            database: config.database.trim().to_string(),
            token,
            tables: config.tables.clone(),
            client,
            timeout: ctx.timeout,
            names: ctx
                .customers
                .iter()
                .map(|c| (c.tenant_id.trim().to_ascii_lowercase(), c.name.clone()))
                .collect(),
            ctx: ctx.clone(),
            requests: AtomicU64::new(0),
        })
    }

    /// The cluster's name of the DESIGN column `column` of this source's table, quoted.
    fn col(&self, column: &str) -> String {
        kql::ident(self.tables.column(self.file, column))
    }

    /// This source's table, quoted.
    fn table(&self) -> String {
        kql::ident(&self.tables.table(self.file))
    }

    /// The registry name of a tenant.
    fn name_of(&self, tenant_id: &str) -> Option<&str> {
        self.names
            .get(&tenant_id.trim().to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Sends one batch; its primary result tables, as many as it has tabular statements.
    async fn execute(&self, batch: &kql::Batch) -> Result<Vec<Table>, ConnectorError> {
        let source = self.source;
        let token = self.token.read(self.timeout).await?;
        let request_id = self.requests.fetch_add(1, Ordering::Relaxed);
        let body = json!({
            "db": self.database,
            "csl": batch.text(),
            "properties": {
                "Options": {
                    "results_progressive_enabled": false,
                    "servertimeout": timespan(self.timeout),
                },
                "Parameters": Value::Object(batch.parameters().clone()),
            },
        });
        let response = self
            .client
            .post(&self.endpoint)
            .bearer_auth(token)
            .header("Accept", "application/json")
            .header("x-ms-app", "orca")
            .header(
                "x-ms-client-request-id",
                format!("orca;{}-{request_id}", std::process::id()),
            )
            .json(&body)
            .send()
            .await
            .map_err(|e| http::send_error(source, &e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| http::send_error(source, &e))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes);
            let error = http::status_error(source, status, &headers, &error_text(&text));
            if error.kind == ErrorKind::Auth {
                // A kept command output may be an expired token: the next query asks again.
                self.token.forget();
            }
            return Err(error);
        }
        let tables = frames::parse(source, &bytes)?;
        if tables.len() != batch.results {
            return Err(ConnectorError::bad_query(format!(
                "{source}: Kusto answered {} result tables where {} were asked for; the query's \
                 tables or the cluster's answer format are not what the connector expects",
                tables.len(),
                batch.results
            )));
        }
        Ok(tables)
    }

    async fn check_tables(&self) -> Result<String, ConnectorError> {
        let source = self.source;
        let table = self.tables.table(self.file);
        let key = crate::sources::mapping::default_table(self.file);
        let mut batch = kql::Batch::default();
        batch.tabular(format!("{} | take 0", self.table()));
        let tables = match self.execute(&batch).await {
            Ok(tables) => tables,
            Err(e) if e.kind == ErrorKind::BadQuery => {
                return Err(ConnectorError::bad_query(format!(
                    "{source}: cannot read table `{table}` in database `{}` of {} ({}); set \
                     [sources.{source}.tables.{key}] table to the table's name",
                    self.database, self.cluster, e.message
                )));
            }
            Err(e) if e.kind == ErrorKind::Auth => {
                return Err(ConnectorError::new(
                    ErrorKind::Auth,
                    format!(
                        "{}; give the token {} access to database `{}` (a fresh token from `az \
                         account get-access-token --resource {}`)",
                        e.message,
                        self.token.describe(),
                        self.database,
                        self.cluster
                    ),
                ));
            }
            Err(e) => return Err(e),
        };
        let present: Vec<&str> = tables
            .first()
            .map(|t| t.columns.iter().map(|c| c.0.as_str()).collect())
            .unwrap_or_default();
        let missing: Vec<String> = self
            .file
            .columns()
            .iter()
            .map(|c| self.tables.column(self.file, c.name))
            .filter(|theirs| !present.contains(theirs))
            .map(|theirs| format!("`{theirs}`"))
            .collect();
        if !missing.is_empty() {
            return Err(ConnectorError::bad_query(format!(
                "{source}: table `{table}` in database `{}` has no column {}; add it or map it \
                 under [sources.{source}.tables.{key}] columns",
                self.database,
                missing.join(", ")
            )));
        }
        Ok(format!(
            "table `{table}` with its {} columns in database `{}` of {}",
            self.file.columns().len(),
            self.database,
            self.cluster
        ))
    }
}

/// A duration as a Kusto timespan literal's text (`hh:mm:ss.fff`, hours beyond a day allowed).
fn timespan(duration: Duration) -> String {
    let ms = duration.as_millis();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// The reason in a Kusto error body (`{"error": {"@message" | "message"}}`), else the body.
fn error_text(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let message = error.and_then(|e| {
        e.get("@message")
            .or_else(|| e.get("message"))
            .and_then(Value::as_str)
    });
    match message {
        Some(m) => m.to_string(),
        None => body.to_string(),
    }
}

impl Connector for KustoConnector {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        "kusto-http"
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            if query.source != self.source {
                return Err(ConnectorError::bad_query(format!(
                    "a {} query was sent to the {} connector",
                    query.source, self.source
                )));
            }
            match self.source {
                SourceKey::Tenant => metrics::run(self, query).await,
                _ => items::run(self, query).await,
            }
        })
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(self.check_tables())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(source: SourceKey) -> SourceContext {
        SourceContext::for_test(source, Vec::new())
    }

    #[test]
    fn settings_are_checked_when_built() {
        let ok = KustoConfig::for_test("https://help.kusto.windows.net/", "Support", &["echo"]);
        assert!(ok.build(&ctx(SourceKey::Kusto)).is_ok());
        let docs = ok.build(&ctx(SourceKey::Docs)).err().unwrap();
        assert!(docs.contains("cannot serve docs"), "{docs}");
        let bad_url = KustoConfig {
            cluster: "help.kusto".into(),
            ..ok.clone()
        };
        assert!(
            bad_url
                .build(&ctx(SourceKey::Kusto))
                .err()
                .unwrap()
                .contains("not a URL")
        );
        let no_db = KustoConfig {
            database: " ".into(),
            ..ok.clone()
        };
        assert!(
            no_db
                .build(&ctx(SourceKey::Icm))
                .err()
                .unwrap()
                .contains("database is empty")
        );
        let no_token = KustoConfig {
            token_command: None,
            ..ok.clone()
        };
        assert!(
            no_token
                .build(&ctx(SourceKey::Ado))
                .err()
                .unwrap()
                .contains("token_env")
        );
    }

    #[test]
    fn the_config_reads_from_toml_and_refuses_unknown_keys() {
        let config: KustoConfig = toml::from_str(
            "cluster = \"https://c.kusto.windows.net\"\ndatabase = \"D\"\ntoken_command = [\"az\"]\n\
             [tables.cases]\ntable = \"SupportCases\"\ncolumns = { Owner = \"AssignedTo\" }\n",
        )
        .unwrap();
        assert_eq!(config.tables.table(DataFile::Cases), "SupportCases");
        let mapped = KustoConfig {
            tables: toml::from_str("[cases]\ncolumns = { Nope = \"x\" }\n").unwrap(),
            ..config.clone()
        };
        assert!(
            mapped
                .build(&ctx(SourceKey::Kusto))
                .err()
                .unwrap()
                .contains("`Nope`")
        );
        assert!(
            toml::from_str::<KustoConfig>("cluster = \"x\"\ndatabase = \"d\"\nurl = 1").is_err()
        );
    }

    #[test]
    fn the_server_timeout_is_a_timespan() {
        assert_eq!(timespan(Duration::from_millis(1500)), "00:00:01.500");
        assert_eq!(timespan(Duration::from_secs(3_725)), "01:02:05.000");
    }

    #[test]
    fn error_bodies_give_their_message() {
        let body = r#"{"error":{"code":"General_BadRequest","message":"Request is invalid","@message":"Syntax error: x"}}"#;
        assert_eq!(error_text(body), "Syntax error: x");
        assert_eq!(error_text("plain"), "plain");
    }
}
