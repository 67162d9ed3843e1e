//! The `postgres` source: the embedded store's tables in PostgreSQL, served through a pool of
//! async connections (tokio-postgres + deadpool), and loaded by `orca data import --target
//! postgres` ([`import()`]). Several `orca serve` replicas pointed at one database answer the
//! same, which is how Orca runs beyond one machine.
//!
//! ```toml
//! [sources.tenant]
//! type = "postgres"
//! url_env = "ORCA_PG_URL"   # default; or url = "postgresql://orca@db:5432/orca"
//! schema = "public"         # default
//! pool_size = 8             # default: 4
//! ```
//!
//! Invariants:
//! - The answers are the store's: every query mirrors the store's agent for the source
//!   (`queries/`), every intent pushed down as SQL, every value a bound parameter.
//! - Every pooled connection starts with `search_path` set to the configured schema and
//!   `statement_timeout` set to the context's timeout (startup options, so no connection is ever
//!   used without them). One call is also bounded by a tokio timeout of the same length (the
//!   pool wait included); when the call's future is dropped (that timeout, or the engine's
//!   deadline), the running statement is cancelled on the server (a `CancelToken` fired on drop),
//!   so an abandoned query stops using the server at once, and that connection leaves the pool
//!   and closes (a cancel request arriving late could otherwise cancel a later call's statement).
//! - Errors are classified for the engine ([`classify`]): connection refused, a pool timeout,
//!   serialization failures and deadlocks are `Unavailable` (retryable); `statement_timeout` and
//!   cancellation are `Timeout`; refused credentials are `Auth`; a missing table, column or schema
//!   is a `BadQuery` saying to run `orca data import --target postgres`.
//!
//! Decisions where the issue is silent:
//! - Timestamps are `bigint` Unix seconds, as in the store (see `schema`), not `timestamptz`:
//!   the bucket arithmetic of trends is then the store's integer arithmetic.
//! - The connector never creates or migrates tables on its own (a read-only user can serve);
//!   [`import()`] and [`PostgresConnector::migrate`] do, under an advisory lock.
//! - `schema` is restricted to lower-case ASCII letters, digits and `_` (so it is written
//!   unquoted in SQL and in the connection options); anything else is a config error.
//! - Connections are not encrypted (`NoTls`): a URL with `sslmode=require` fails to connect
//!   with a sentence saying so; run PostgreSQL on a private network or a local socket.
//! - Customer names come from the `registry` table the import loads (as in the store), not
//!   from the context's registry, so the store and PostgreSQL answer alike for the same files.
//!
//! Layout: this file holds the config and the connector; `schema` the migrations; `import` the
//! loader; `queries/` one module per source, mirroring `store/agents/`.

pub mod import;
mod queries;
pub mod schema;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use orca_core::{BoxFuture, Connector, ConnectorError, ErrorKind, Query, QueryOutput, SourceKey};
use serde::Deserialize;
use tokio_postgres::error::SqlState;
use tokio_postgres::{CancelToken, NoTls};

pub use self::import::{PgImportError, import};
use self::queries::{AgentContext, AgentError};
pub use self::schema::SCHEMA_VERSION;
use crate::sources::context::SourceContext;
use crate::store::HealthThresholds;

/// The variable read for the URL when the config names neither `url` nor `url_env`.
pub const DEFAULT_URL_ENV: &str = "ORCA_PG_URL";
/// The schema when the config names none.
pub const DEFAULT_SCHEMA: &str = "public";
/// Connections per connector when the config names no `pool_size`.
pub const DEFAULT_POOL_SIZE: usize = 4;

/// What to run when the tables are missing or old.
const FIX: &str = "run `orca data import --target postgres --dir DIR` to create and load them";

/// Settings of `type = "postgres"`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// The variable holding the URL (default `ORCA_PG_URL`); not with `url`.
    #[serde(default)]
    pub url_env: Option<String>,
    /// The URL itself (`postgresql://user@host:5432/db`); not with `url_env`.
    #[serde(default)]
    pub url: Option<String>,
    /// The schema holding the tables (default `public`).
    #[serde(default)]
    pub schema: Option<String>,
    /// Pooled connections (default 4).
    #[serde(default)]
    pub pool_size: Option<usize>,
}

impl PostgresConfig {
    /// A config for tests: this URL and schema, the default pool.
    pub fn for_test(url: &str, schema: &str) -> Self {
        PostgresConfig {
            url: Some(url.to_string()),
            schema: Some(schema.to_string()),
            ..PostgresConfig::default()
        }
    }

    /// The schema (default `public`).
    pub fn schema(&self) -> &str {
        self.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)
    }

    /// The URL, from `url` or the variable; the error is one sentence saying what to set.
    pub fn url(&self) -> Result<String, String> {
        match (&self.url, &self.url_env) {
            (Some(_), Some(_)) => Err("sets both url and url_env; keep one".into()),
            (Some(url), None) => Ok(url.clone()),
            (None, env) => {
                let name = env.as_deref().unwrap_or(DEFAULT_URL_ENV);
                match std::env::var(name) {
                    Ok(url) if !url.trim().is_empty() => Ok(url),
                    _ => Err(format!(
                        "needs the PostgreSQL URL in ${name}, which is not set; export it \
                         (e.g. postgresql://orca@db.example:5432/orca) or set url"
                    )),
                }
            }
        }
    }

    /// Builds the connector (no connection is opened until the first query). Fails when the
    /// URL is missing or malformed, the schema name is not accepted, or the pool is empty.
    pub fn build(&self, ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        let connector = PostgresConnector::new(self, ctx)?;
        Ok(Arc::new(connector))
    }
}

/// Parses a URL into a client config; the error never repeats the URL (it may hold a password).
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, String> {
    url.trim().parse::<tokio_postgres::Config>().map_err(|e| {
        format!(
            "has a PostgreSQL URL that cannot be parsed ({e}); write it as \
             postgresql://user[:password]@host[:port]/database"
        )
    })
}

/// Checks a schema name (see [`schema::valid_schema_name`]).
pub fn check_schema_name(schema: &str) -> Result<(), String> {
    if schema::valid_schema_name(schema) {
        Ok(())
    } else {
        Err(format!(
            "names the schema {schema:?}, which is not accepted; use lower-case letters, digits \
             and _ (at most 63, not starting with a digit)"
        ))
    }
}

/// One source served from PostgreSQL.
pub struct PostgresConnector {
    pool: Pool,
    schema: String,
    source: SourceKey,
    health: HealthThresholds,
    now: Option<DateTime<Utc>>,
    timeout: Duration,
    name: String,
}

impl std::fmt::Debug for PostgresConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConnector")
            .field("source", &self.source)
            .field("schema", &self.schema)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl PostgresConnector {
    /// The connector of `ctx.source` over the config's database and schema.
    pub fn new(config: &PostgresConfig, ctx: &SourceContext) -> Result<Self, String> {
        let url = config.url()?;
        let mut pg = parse_url(&url)?;
        let schema = config.schema().to_string();
        check_schema_name(&schema)?;
        let pool_size = config.pool_size.unwrap_or(DEFAULT_POOL_SIZE);
        if pool_size == 0 {
            return Err("sets pool_size = 0; use at least 1".into());
        }
        session_settings(&mut pg, &schema, ctx.timeout);
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(ctx.timeout))
            .create_timeout(Some(ctx.timeout))
            .recycle_timeout(Some(ctx.timeout))
            .build()
            .map_err(|e| format!("cannot build the connection pool: {e}"))?;
        Ok(PostgresConnector {
            pool,
            schema,
            source: ctx.source,
            health: ctx.health.clone(),
            now: ctx.now,
            timeout: ctx.timeout,
            name: "postgres".to_string(),
        })
    }

    /// Creates the schema's tables or brings them to [`SCHEMA_VERSION`] (safe to run from
    /// several replicas at once: they queue on an advisory lock). Returns the version found.
    pub async fn migrate(&self) -> Result<i32, ConnectorError> {
        let mut client = self
            .pool
            .get()
            .await
            .map_err(|e| pool_error(self.source, e))?;
        let client: &mut tokio_postgres::Client = &mut client;
        schema::migrate(client, &self.schema)
            .await
            .map_err(|e| classify(self.source, &e))
    }

    async fn run_query(&self, query: &Query) -> Result<QueryOutput, ConnectorError> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| pool_error(self.source, e))?;
        let mut guard = CancelOnDrop(Some(client));
        let ctx = AgentContext {
            now: self.now.unwrap_or_else(Utc::now).timestamp(),
            health: self.health.clone(),
        };
        let result = match &guard.0 {
            Some(client) => queries::run(client, self.source, query, &ctx).await,
            None => Err(AgentError::Other(ConnectorError::unavailable(format!(
                "{}: the PostgreSQL connection was released before the query",
                self.source
            )))),
        };
        guard.release();
        result.map_err(|e| match e {
            AgentError::Sql(e) => classify(self.source, &e),
            AgentError::BadQuery(message) => {
                ConnectorError::bad_query(format!("{}: {message}", self.source))
            }
            AgentError::Other(e) => e,
        })
    }

    async fn check_tables(&self) -> Result<String, ConnectorError> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| pool_error(self.source, e))?;
        let schema = &self.schema;
        let missing = |what: String| {
            ConnectorError::bad_query(format!(
                "{}: PostgreSQL schema `{schema}` {what}; {FIX}",
                self.source
            ))
        };
        let version_table = client
            .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
            .await
            .map_err(|e| classify(self.source, &e))?;
        if !version_table.try_get::<_, bool>(0).unwrap_or(false) {
            return Err(missing(
                "has no Orca tables (no schema_version table)".into(),
            ));
        }
        let version: i32 = client
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|e| classify(self.source, &e))?;
        if version > SCHEMA_VERSION {
            return Err(ConnectorError::bad_query(format!(
                "{}: PostgreSQL schema `{schema}` is at version {version}, newer than this \
                 build reads ({SCHEMA_VERSION}); upgrade orca",
                self.source
            )));
        }
        if version < SCHEMA_VERSION {
            return Err(missing(format!(
                "is at version {version}, this build reads version {SCHEMA_VERSION}"
            )));
        }
        let names: Vec<String> = schema::TABLES.iter().map(|t| t.to_string()).collect();
        let present = client
            .query(
                "SELECT t FROM unnest($1::text[]) t WHERE to_regclass(t) IS NOT NULL",
                &[&names],
            )
            .await
            .map_err(|e| classify(self.source, &e))?;
        let present: Vec<String> = present
            .iter()
            .filter_map(|row| row.try_get::<_, String>(0).ok())
            .collect();
        let absent: Vec<&str> = schema::TABLES
            .iter()
            .copied()
            .filter(|t| !present.iter().any(|p| p == t))
            .collect();
        if !absent.is_empty() {
            return Err(missing(format!("lacks the tables {}", absent.join(", "))));
        }
        Ok(format!(
            "PostgreSQL schema `{schema}` at version {version}, every table present"
        ))
    }
}

/// Every pooled connection's session: `search_path` = the schema, `statement_timeout` = the
/// call timeout, an `application_name` for `pg_stat_activity`. Kept after options of the URL.
fn session_settings(pg: &mut tokio_postgres::Config, schema: &str, timeout: Duration) {
    let mut options = pg.get_options().unwrap_or_default().to_string();
    if !options.is_empty() {
        options.push(' ');
    }
    options.push_str(&format!(
        "-c search_path={schema} -c statement_timeout={}",
        timeout.as_millis().max(1)
    ));
    pg.options(options);
    if pg.get_application_name().is_none() {
        pg.application_name("orca");
    }
    pg.connect_timeout(timeout);
}

impl Connector for PostgresConnector {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            if query.source != self.source {
                return Err(ConnectorError::bad_query(format!(
                    "a {} query was sent to the {} connector",
                    query.source, self.source
                )));
            }
            match tokio::time::timeout(self.timeout, self.run_query(query)).await {
                Ok(result) => result,
                Err(_) => Err(ConnectorError::new(
                    ErrorKind::Timeout,
                    format!(
                        "{}: PostgreSQL did not answer within {} ms (the query was cancelled)",
                        self.source,
                        self.timeout.as_millis()
                    ),
                )),
            }
        })
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(async move {
            match tokio::time::timeout(self.timeout, self.check_tables()).await {
                Ok(result) => result,
                Err(_) => Err(ConnectorError::new(
                    ErrorKind::Timeout,
                    format!(
                        "{}: PostgreSQL did not answer within {} ms; check that it is reachable",
                        self.source,
                        self.timeout.as_millis()
                    ),
                )),
            }
        })
    }
}

/// Holds a call's pooled connection. Released after the call, the connection goes back to the
/// pool. Dropped while the call runs (the call was abandoned), it leaves the pool for good: a
/// task sends the server a cancel request for its running statement, then closes it. A cancel
/// request is asynchronous and names the backend, not the statement, so a connection it may
/// still reach is never handed to a later call (it would cancel that call's statement).
struct CancelOnDrop(Option<deadpool_postgres::Object>);

impl CancelOnDrop {
    /// The call finished: the connection goes back to the pool.
    fn release(&mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        let Some(object) = self.0.take() else { return };
        let client = deadpool_postgres::Object::take(object);
        let token: CancelToken = client.cancel_token();
        // A cancel request is a connection of its own; send it from a task (drop cannot wait).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = token.cancel_query(NoTls).await {
                    tracing::debug!(%error, "cancelling an abandoned PostgreSQL query failed");
                }
                drop(client);
            });
        }
    }
}

/// Classifies a pool failure.
fn pool_error(source: SourceKey, e: PoolError) -> ConnectorError {
    match e {
        PoolError::Backend(e) => classify(source, &e),
        PoolError::Timeout(_) => ConnectorError::unavailable(format!(
            "{source}: no PostgreSQL connection became available in time; check that the \
             server is reachable and not overloaded, or raise pool_size"
        )),
        other => ConnectorError::unavailable(format!(
            "{source}: the PostgreSQL connection pool failed ({other}); check the server"
        )),
    }
}

/// Classifies a PostgreSQL error for the engine (see the module docs), in one sentence naming
/// the source.
pub fn classify(source: SourceKey, e: &tokio_postgres::Error) -> ConnectorError {
    let (kind, message) = describe(e);
    ConnectorError::new(kind, format!("{source}: {message}"))
}

/// The class of a PostgreSQL error and one sentence saying what is wrong and what to do.
pub(crate) fn describe(e: &tokio_postgres::Error) -> (ErrorKind, String) {
    let Some(db) = e.as_db_error() else {
        // No server error: the connection could not be made, or broke.
        let reason = std::error::Error::source(e)
            .map(|s| s.to_string())
            .unwrap_or_else(|| e.to_string());
        return (
            ErrorKind::Unavailable,
            format!(
                "PostgreSQL is unreachable ({reason}); check that it runs and the URL's host \
                 and port"
            ),
        );
    };
    let code = db.code();
    let message = db.message();
    let class = &code.code()[..2];
    if *code == SqlState::QUERY_CANCELED {
        (
            ErrorKind::Timeout,
            format!("PostgreSQL cancelled the query ({message}); it took too long"),
        )
    } else if *code == SqlState::T_R_SERIALIZATION_FAILURE
        || *code == SqlState::T_R_DEADLOCK_DETECTED
        || *code == SqlState::LOCK_NOT_AVAILABLE
    {
        (
            ErrorKind::Unavailable,
            format!("PostgreSQL aborted the query ({message}); retrying may succeed"),
        )
    } else if class == "28" {
        (
            ErrorKind::Auth,
            format!(
                "PostgreSQL refused the credentials ({message}); check the user and password \
                 in the URL"
            ),
        )
    } else if *code == SqlState::UNDEFINED_TABLE
        || *code == SqlState::UNDEFINED_COLUMN
        || *code == SqlState::INVALID_SCHEMA_NAME
        || *code == SqlState::UNDEFINED_FUNCTION
    {
        (
            ErrorKind::BadQuery,
            format!("the Orca tables are missing or old in PostgreSQL ({message}); {FIX}"),
        )
    } else if matches!(class, "08" | "53" | "57" | "58") {
        (
            ErrorKind::Unavailable,
            format!("PostgreSQL cannot serve now ({message}); retry later or check the server"),
        )
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        (
            ErrorKind::BadQuery,
            format!("{message}; fix the database name in the URL"),
        )
    } else {
        (
            ErrorKind::BadQuery,
            format!(
                "PostgreSQL rejected the query ({message}, SQLSTATE {})",
                code.code()
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_url_and_url_env_is_refused() {
        let both = PostgresConfig {
            url: Some("postgresql://x@h/db".into()),
            url_env: Some("X".into()),
            ..PostgresConfig::default()
        };
        assert!(both.url().unwrap_err().contains("both"));
        let ctx = SourceContext::for_test(SourceKey::Tenant, Vec::new());
        let zero = PostgresConfig {
            pool_size: Some(0),
            ..PostgresConfig::for_test("postgresql://x@h/db", "public")
        };
        assert!(zero.build(&ctx).err().unwrap().contains("pool_size"));
    }

    #[test]
    fn sessions_keep_the_url_options_and_add_the_schema_and_timeout() {
        let mut pg = parse_url("postgresql://x@h/db?options=-c%20work_mem%3D8MB").unwrap();
        session_settings(&mut pg, "orca_x", Duration::from_millis(1500));
        assert_eq!(
            pg.get_options(),
            Some("-c work_mem=8MB -c search_path=orca_x -c statement_timeout=1500")
        );
        assert_eq!(pg.get_application_name(), Some("orca"));
        assert!(
            !parse_url("postgresql://u:secret@h:port/db")
                .unwrap_err()
                .contains("secret")
        );
    }
}
