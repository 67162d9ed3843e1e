//! The rows of an answer: the query as the tool's arguments, the tool's result read into rows
//! (structured content or JSON text), checked as an import checks them, cut at `max_items`, and
//! the answer computed over them client-side.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use orca_core::{ConnectorError, Customer, Query, QueryOutput, SourceKey};
use rmcp::model::{CallToolResult, JsonObject};
use serde_json::Value;

use super::errors::quote;
use crate::DataSet;
use crate::sources::context::SourceContext;
use crate::store::HealthThresholds;
use crate::store::model::data_files::DataFile;
use crate::store::model::{DocRow, markdown_title};

/// What turns the tool's rows into an answer: the source's table, the column renames, the
/// bound on rows, and what the evaluation needs (customers, health thresholds, the clock).
pub(super) struct Reader {
    source: SourceKey,
    tool: String,
    /// The table the tool's rows belong to; `None` for docs.
    file: Option<DataFile>,
    /// The tool's column name -> DESIGN's.
    renames: HashMap<String, String>,
    max_items: usize,
    customers: Arc<[Customer]>,
    health: HealthThresholds,
    now: Option<DateTime<Utc>>,
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
pub(super) fn columns_of(source: SourceKey) -> Vec<&'static str> {
    match table_of(source) {
        Some(file) => file.header().collect(),
        None => vec!["Path", "Title", "Body"],
    }
}

impl Reader {
    pub(super) fn new(
        ctx: &SourceContext,
        tool: &str,
        renames: HashMap<String, String>,
        max_items: usize,
    ) -> Reader {
        Reader {
            source: ctx.source,
            tool: tool.to_string(),
            file: table_of(ctx.source),
            renames,
            max_items,
            customers: ctx.customers.clone(),
            health: ctx.health.clone(),
            now: ctx.now,
        }
    }

    /// The tool's arguments: the typed query, plus `max_rows` (one more than `max_items`, so a
    /// longer answer is seen as cut).
    pub(super) fn arguments(&self, query: &Query) -> Result<JsonObject, ConnectorError> {
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
        Ok(arguments)
    }

    /// The answer over the rows of the tool's `result`, computed client-side.
    pub(super) async fn answer(
        &self,
        query: &Query,
        result: CallToolResult,
    ) -> Result<QueryOutput, ConnectorError> {
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
    use orca_core::ErrorKind;
    use rmcp::model::ContentBlock;
    use serde_json::json;

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
}
