//! `docs`: product documents in PostgreSQL, ranked exactly as the store ranks them.
//!
//! Decision (the issue allows it for docs): PostgreSQL full-text search cannot give the store's
//! answer. The store ranks with SQLite FTS5 (Porter stemmer, `unicode61` tokens, bm25 with the
//! title weighted 5x, `snippet()` passages); `tsvector` uses the Snowball stemmer and
//! `ts_rank`/`ts_headline`, so matches, scores, order and passages would all differ. Documents
//! are a small table (product docs and known issues, hundreds, not millions), so this agent reads
//! them (`path`, `title`, `body`, at most [`MAX_DOCS`]) and ranks them with the store's own FTS5
//! search on a blocking thread (`DataSet::evaluate`, an in-memory SQLite database). The answer is
//! then the store's, word for word; the cost is one read of the table per docs question. A docs
//! table larger than [`MAX_DOCS`] is refused with a sentence saying to serve docs from the store.

use deadpool_postgres::ClientWrapper as Client;
use orca_core::{Query, QueryOutput, SourceKey};

use super::{AgentContext, AgentError};
use crate::store::DataSet;
use crate::store::model::DocRow;

/// Most documents ranked client-side.
pub(crate) const MAX_DOCS: i64 = 20_000;

pub(crate) async fn run(
    client: &Client,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
    let rows = client
        .query(
            "SELECT path, title, body FROM docs ORDER BY id LIMIT $1",
            &[&(MAX_DOCS + 1)],
        )
        .await?;
    if rows.len() as i64 > MAX_DOCS {
        return Err(AgentError::BadQuery(format!(
            "the docs table holds more than {MAX_DOCS} documents, more than this connector ranks; \
             serve docs from the embedded store (remove [sources.docs])"
        )));
    }
    let mut data = DataSet::default();
    for row in rows {
        data.docs.push(DocRow {
            path: row.try_get(0)?,
            title: row.try_get(1)?,
            body: row.try_get(2)?,
        });
    }
    let query = query.clone();
    let (now, health) = (ctx.now, ctx.health.clone());
    let ranked = tokio::task::spawn_blocking(move || data.evaluate(&query, now, &health))
        .await
        .map_err(|e| {
            AgentError::Other(orca_core::ConnectorError::unavailable(format!(
                "{}: ranking the documents failed: {e}",
                SourceKey::Docs
            )))
        })?;
    let mut output = ranked.map_err(AgentError::Other)?;
    output.queries = 1;
    Ok(output)
}
