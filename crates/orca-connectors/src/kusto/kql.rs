//! KQL text of the Kusto connector: one batch per query, built from fixed fragments, configured
//! identifiers (quoted as `['name']`) and parameter names. Every value of a query (tenant ids,
//! dates, severities, states, areas, owner, ids, the row limit) is a declared query parameter
//! (`declare query_parameters(p0:dynamic, ...);`) whose value travels in
//! `properties.Parameters`, written as a KQL literal in a string as the REST API expects
//! (strings as they are, `datetime(...)`, `dynamic([...])`, digits).
//!
//! Invariant: nothing in a batch's text comes from a query's values; a value that looks like KQL
//! (`x' or 1==1 | take 1`) only ever reaches the service as a parameter's value.
//!
//! The filter (`let M = T | where ...;`) follows the store's semantics, documented in
//! `store/agents/mod.rs`; the differences KQL forces are written where they happen:
//! - Product areas of incidents and work items (a whole word in the title or area path) are one
//!   regular expression per list, `(^|[^a-z0-9])(dlp|data map|datamap)([^a-z0-9]|$)`, matched
//!   against `tolower(...)` of the text: the store's GLOB patterns, as a regex; the names are
//!   escaped, and the expression is a parameter.
//! - `=~` and `in~` (owner, tenant ids) fold ASCII case only, as SQLite's `COLLATE NOCASE` does.
//!   `tolower()` (product areas) folds Unicode case where SQLite's `lower()` folds ASCII only:
//!   the two differ only for non-ASCII letters whose lower case is ASCII (the Kelvin sign).

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};

/// A batch of KQL statements and its parameters.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    declarations: Vec<String>,
    parameters: Map<String, Value>,
    statements: Vec<String>,
    /// Tabular statements: each gives one PrimaryResult table, in order.
    pub(crate) results: usize,
}

impl Batch {
    fn declare(&mut self, kind: &str, literal: String) -> String {
        let name = format!("p{}", self.declarations.len());
        self.declarations.push(format!("{name}:{kind}"));
        self.parameters.insert(name.clone(), Value::String(literal));
        name
    }

    /// A `string` parameter.
    pub(crate) fn string(&mut self, value: &str) -> String {
        self.declare("string", value.to_string())
    }

    /// A `long` parameter.
    pub(crate) fn long(&mut self, value: i64) -> String {
        self.declare("long", value.to_string())
    }

    /// A `datetime` parameter at `secs` Unix seconds.
    pub(crate) fn datetime(&mut self, secs: i64) -> String {
        let text = DateTime::<Utc>::from_timestamp(secs, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        self.declare("datetime", format!("datetime({text})"))
    }

    /// A `dynamic` array of strings.
    pub(crate) fn strings<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> String {
        let list: Vec<Value> = values
            .into_iter()
            .map(|v| Value::String(v.into()))
            .collect();
        self.declare("dynamic", format!("dynamic({})", Value::Array(list)))
    }

    /// A `dynamic` array of longs.
    pub(crate) fn longs(&mut self, values: impl IntoIterator<Item = i64>) -> String {
        let list: Vec<Value> = values.into_iter().map(Value::from).collect();
        self.declare("dynamic", format!("dynamic({})", Value::Array(list)))
    }

    /// `let name = body;`
    pub(crate) fn let_(&mut self, name: &str, body: String) {
        self.statements.push(format!("let {name} = {body}"));
    }

    /// A tabular statement: one more result table.
    pub(crate) fn tabular(&mut self, body: String) {
        self.statements.push(body);
        self.results += 1;
    }

    /// The CSL text: the declaration first, then the statements, `;`-separated.
    pub(crate) fn text(&self) -> String {
        let mut text = String::new();
        if !self.declarations.is_empty() {
            let _ = writeln!(
                text,
                "declare query_parameters({});",
                self.declarations.join(", ")
            );
        }
        text.push_str(&self.statements.join(";\n"));
        text
    }

    /// `properties.Parameters`.
    pub(crate) fn parameters(&self) -> &Map<String, Value> {
        &self.parameters
    }
}

/// A configured table or column name as a KQL identifier: `['name']`, quotes and backslashes
/// escaped.
pub(crate) fn ident(name: &str) -> String {
    let mut quoted = String::from("['");
    for c in name.chars() {
        match c {
            '\'' => quoted.push_str("\\'"),
            '\\' => quoted.push_str("\\\\"),
            c => quoted.push(c),
        }
    }
    quoted.push_str("']");
    quoted
}

/// A regular expression matching any of `areas` as a whole word (no ASCII letter or digit on
/// either side) in lower-cased text: each name as written (inner whitespace collapsed to one
/// space) and, when `spaces_removed`, also without its spaces. `None` when no name has a word.
pub(crate) fn area_regex(areas: &[String], spaces_removed: bool) -> Option<String> {
    let mut forms: Vec<String> = Vec::new();
    for area in areas {
        let words: Vec<String> = area
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        if words.is_empty() {
            continue;
        }
        let mut candidates = vec![words.join(" ")];
        if spaces_removed && words.len() > 1 {
            candidates.push(words.concat());
        }
        for form in candidates {
            let escaped = escape_regex(&form);
            if !forms.contains(&escaped) {
                forms.push(escaped);
            }
        }
    }
    (!forms.is_empty()).then(|| format!("(^|[^a-z0-9])({})([^a-z0-9]|$)", forms.join("|")))
}

/// `text` with every regex metacharacter escaped.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parameters_and_the_text_declares_them() {
        let mut batch = Batch::default();
        let owner = batch.string("x' or 1==1 | take 1");
        let ids = batch.strings(["a\"b", "c"]);
        let from = batch.datetime(1_764_000_000);
        batch.let_(
            "M",
            format!("{} | where {} =~ {owner}", ident("cases"), ident("Owner")),
        );
        batch.tabular(format!(
            "M | where {} in ({ids}) and {} >= {from} | count",
            ident("CaseNumber"),
            ident("CreatedAt")
        ));
        let text = batch.text();
        assert!(
            text.starts_with("declare query_parameters(p0:string, p1:dynamic, p2:datetime);\n"),
            "{text}"
        );
        assert!(!text.contains("take 1"), "{text}");
        assert_eq!(batch.parameters()["p0"], "x' or 1==1 | take 1");
        assert_eq!(batch.parameters()["p1"], "dynamic([\"a\\\"b\",\"c\"])");
        assert_eq!(batch.parameters()["p2"], "datetime(2025-11-24T16:00:00Z)");
        assert_eq!(batch.results, 1);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("cases"), "['cases']");
        assert_eq!(ident("it's"), "['it\\'s']");
    }

    #[test]
    fn area_regexes_escape_names_and_add_the_spaceless_form() {
        let areas = [
            "DLP".to_string(),
            " Data   Map ".into(),
            "a.b".into(),
            " ".into(),
        ];
        assert_eq!(
            area_regex(&areas, true).unwrap(),
            "(^|[^a-z0-9])(dlp|data map|datamap|a\\.b)([^a-z0-9]|$)"
        );
        assert_eq!(area_regex(&[" ".to_string()], true), None);
    }
}
