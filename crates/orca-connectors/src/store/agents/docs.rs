//! `docs`: full-text search over the product docs (FTS5, bm25 ranking, title weighted 5x body).
//!
//! Invariant: user words never reach FTS5 syntax. Each search term is split on anything that is
//! not a letter or digit, each piece is quoted, and the pieces are OR-ed; the expression is then a
//! bound parameter. So `NEAR(`, `"`, `*`, `title:` or `AND` search as plain words (or vanish).
//!
//! Docs have no tenant, time or item fields: scope, time range and every filter are ignored.

use orca_core::{Query, QueryOutput};
use rusqlite::Connection;
use serde_json::{Map, json};

use super::{AgentError, limit_of, query_rows};

/// Most words in one search.
const MAX_TERMS: usize = 32;

impl crate::Store {
    /// One document by its `path` (as the docs agent's rows name it): `(title, body)`, or `None`
    /// when no document has that path. For the dashboard's link from a passage to its document.
    pub fn doc(&self, path: &str) -> Result<Option<(String, String)>, crate::StoreError> {
        use rusqlite::OptionalExtension as _;
        let conn = self.reader()?;
        let result = conn
            .query_row(
                "SELECT title, body FROM docs WHERE path = ?1",
                [path],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(|e| crate::StoreError::sqlite(self.path(), e));
        self.give_back(conn);
        result
    }
}

pub(super) fn run(conn: &Connection, query: &Query) -> Result<QueryOutput, AgentError> {
    let words = search_words(&query.search_terms);
    let mut summary = Map::new();
    summary.insert("terms".into(), json!(words));
    if words.is_empty() {
        summary.insert("total".into(), json!(0));
        return Ok(QueryOutput {
            summary,
            ..QueryOutput::default()
        });
    }
    let expression = words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" OR ");

    let total: i64 = conn.query_row(
        "SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?1",
        [&expression],
        |row| row.get(0),
    )?;
    summary.insert("total".into(), json!(total));

    let rows = query_rows(
        conn,
        "SELECT d.title, d.path, snippet(docs_fts, 1, '**', '**', ' … ', 16), bm25(docs_fts, 5.0, 1.0) AS rank \
         FROM docs_fts JOIN docs d ON d.id = docs_fts.rowid \
         WHERE docs_fts MATCH ?1 ORDER BY rank, d.path LIMIT ?2",
        rusqlite::params![expression, limit_of(query)],
        |row| {
            let rank: f64 = row.get(3)?;
            Ok(json!({
                "title": row.get::<_, String>(0)?,
                "path": row.get::<_, String>(1)?,
                "snippet": row.get::<_, String>(2)?,
                "score": (-rank * 1000.0).round() / 1000.0,
            }))
        },
    )?;

    Ok(QueryOutput {
        summary,
        rows,
        ids: Vec::new(),
        queries: 2,
        shaped: Default::default(),
    })
}

/// The searchable words of the terms: letters and digits only, lower case, unique, in order.
pub(crate) fn search_words(terms: &[String]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for piece in terms
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_alphanumeric()))
        .filter(|p| !p.is_empty())
    {
        let word = piece.to_lowercase();
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == MAX_TERMS {
            break;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_syntax_is_stripped() {
        let terms = [
            "NEAR(dlp",
            "\"tips\"*",
            "title:label",
            "a-b",
            "AND",
            "",
            "Ünïcode",
        ];
        let terms: Vec<String> = terms.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            search_words(&terms),
            [
                "near",
                "dlp",
                "tips",
                "title",
                "label",
                "a",
                "b",
                "and",
                "ünïcode"
            ]
        );
        assert!(search_words(&["\"*():^".to_string()]).is_empty());
    }
}
