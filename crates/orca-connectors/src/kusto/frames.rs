//! The Kusto v2 REST response: a JSON array of frames (`DataSetHeader`, one `DataTable` per
//! table, `DataSetCompletion`), read into the primary result tables of the batch, in order.
//!
//! Decisions:
//! - Only `TableKind: PrimaryResult` tables are results; `QueryProperties` and
//!   `QueryCompletionInformation` tables are read past.
//! - Errors are looked for in two places, as the service reports them: a row that is an object
//!   with `OneApiErrors` (a failure after the table began), and `DataSetCompletion.HasErrors` with
//!   its `OneApiErrors`. An error marked `@permanent: false` is transient (`Unavailable`); any
//!   other is a `BadQuery`.
//! - An answer that is not a frame array, or ends without `DataSetCompletion`, was cut short or
//!   is not from Kusto: `Unavailable` (retrying may help).
//! - Progressive (`IsProgressive: true`) answers are not asked for (the connector sets
//!   `results_progressive_enabled: false`); their fragment frames are rejected as unexpected.

use chrono::DateTime;
use orca_core::{ConnectorError, ErrorKind, SourceKey};
use serde_json::Value;

/// One result table: its columns (name, Kusto type) and rows of JSON values.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// The position of the column called `name`, or a `BadQuery` naming it.
    pub fn column(&self, source: SourceKey, name: &str) -> Result<usize, ConnectorError> {
        self.columns
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| {
                ConnectorError::bad_query(format!(
                    "{source}: the Kusto answer has no column `{name}` (columns: {}); check the \
                 table's column mapping",
                    self.columns
                        .iter()
                        .map(|c| c.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
    }
}

/// Reads a v2 answer into its primary result tables.
pub fn parse(source: SourceKey, body: &[u8]) -> Result<Vec<Table>, ConnectorError> {
    let cut_short = |what: &str| {
        ConnectorError::unavailable(format!(
            "{source}: the Kusto answer {what}; the service or a proxy cut it short, try again"
        ))
    };
    let frames: Vec<Value> =
        serde_json::from_slice(body).map_err(|_| cut_short("is not a JSON array of v2 frames"))?;
    let mut tables = Vec::new();
    let mut completed = false;
    for frame in &frames {
        let kind = frame.get("FrameType").and_then(Value::as_str).unwrap_or("");
        match kind {
            "DataSetHeader" => {}
            "DataTable" => {
                let table_kind = frame.get("TableKind").and_then(Value::as_str).unwrap_or("");
                let rows = frame.get("Rows").and_then(Value::as_array);
                if let Some(error) = rows.into_iter().flatten().find(|row| row.is_object()) {
                    return Err(one_api_error(source, error));
                }
                if table_kind != "PrimaryResult" {
                    continue;
                }
                tables.push(table_of(source, frame)?);
            }
            "DataSetCompletion" => {
                if frame.get("HasErrors").and_then(Value::as_bool) == Some(true) {
                    return Err(one_api_error(source, frame));
                }
                if frame.get("Cancelled").and_then(Value::as_bool) == Some(true) {
                    return Err(ConnectorError::new(
                        ErrorKind::Timeout,
                        format!("{source}: Kusto cancelled the query"),
                    ));
                }
                completed = true;
            }
            other => {
                return Err(cut_short(&format!(
                    "holds an unexpected frame `{other}` (progressive answers are not asked for)"
                )));
            }
        }
    }
    if !completed {
        return Err(cut_short("ended without its DataSetCompletion frame"));
    }
    Ok(tables)
}

fn table_of(source: SourceKey, frame: &Value) -> Result<Table, ConnectorError> {
    let bad = || {
        ConnectorError::unavailable(format!(
            "{source}: a Kusto result table has no Columns or Rows; the answer is not a v2 answer"
        ))
    };
    let columns = frame
        .get("Columns")
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|c| {
            let name = c.get("ColumnName").and_then(Value::as_str)?;
            let kind = c
                .get("ColumnType")
                .or_else(|| c.get("DataType"))
                .and_then(Value::as_str)
                .unwrap_or("dynamic");
            Some((name.to_string(), kind.to_ascii_lowercase()))
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    let rows = frame
        .get("Rows")
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|row| {
            row.as_array()
                .filter(|cells| cells.len() == columns.len())
                .cloned()
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    Ok(Table {
        name: frame
            .get("TableName")
            .and_then(Value::as_str)
            .unwrap_or("PrimaryResult")
            .to_string(),
        columns,
        rows,
    })
}

/// The error of an object holding `OneApiErrors` (a row, or the completion frame).
fn one_api_error(source: SourceKey, holder: &Value) -> ConnectorError {
    let first = holder
        .get("OneApiErrors")
        .and_then(Value::as_array)
        .and_then(|errors| errors.first())
        .and_then(|e| e.get("error"));
    let Some(error) = first else {
        return ConnectorError::unavailable(format!(
            "{source}: Kusto reported an error without details; try again"
        ));
    };
    let text = |key: &str| error.get(key).and_then(Value::as_str).unwrap_or("");
    let message = [text("@message"), text("message")]
        .into_iter()
        .find(|m| !m.is_empty())
        .unwrap_or("no message");
    let code = text("code");
    let permanent = error.get("@permanent").and_then(Value::as_bool) != Some(false);
    let kind = if permanent {
        ErrorKind::BadQuery
    } else {
        ErrorKind::Unavailable
    };
    ConnectorError::new(
        kind,
        format!("{source}: Kusto failed the query ({code}): {message}"),
    )
}

/// A `datetime` cell as Unix seconds (fractions dropped, as the store keeps whole seconds).
pub fn seconds(cell: &Value) -> Option<i64> {
    DateTime::parse_from_rfc3339(cell.as_str()?.trim())
        .ok()
        .map(|t| t.timestamp())
}

/// A numeric cell (`long`, `int`, `real`; `real`s may come as "NaN" or "Infinity" strings).
pub fn number(cell: &Value) -> Option<f64> {
    match cell {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

/// A `long` cell.
pub fn long(cell: &Value) -> Option<i64> {
    match cell {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|x| x as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A `string` cell (Kusto strings are never null; a null reads as empty).
pub fn text(cell: &Value) -> String {
    match cell {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frames(tables: Value, completion: Value) -> Vec<u8> {
        let mut all =
            vec![json!({"FrameType": "DataSetHeader", "IsProgressive": false, "Version": "v2.0"})];
        all.extend(tables.as_array().unwrap().iter().cloned());
        all.push(completion);
        serde_json::to_vec(&all).unwrap()
    }

    fn primary(rows: Value) -> Value {
        json!({"FrameType": "DataTable", "TableId": 1, "TableKind": "PrimaryResult",
               "TableName": "PrimaryResult",
               "Columns": [{"ColumnName": "n", "ColumnType": "long"}], "Rows": rows})
    }

    #[test]
    fn primary_results_are_read_and_other_tables_skipped() {
        let body = frames(
            json!([
                {"FrameType": "DataTable", "TableId": 0, "TableKind": "QueryProperties",
                 "TableName": "@ExtendedProperties",
                 "Columns": [{"ColumnName": "Key", "ColumnType": "string"}], "Rows": [["x"]]},
                primary(json!([[3]])),
                {"FrameType": "DataTable", "TableId": 2, "TableKind": "QueryCompletionInformation",
                 "TableName": "QueryCompletionInformation",
                 "Columns": [{"ColumnName": "Level", "ColumnType": "int"}], "Rows": [[4]]}
            ]),
            json!({"FrameType": "DataSetCompletion", "HasErrors": false, "Cancelled": false}),
        );
        let tables = parse(SourceKey::Kusto, &body).unwrap();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].rows, vec![vec![json!(3)]]);
    }

    #[test]
    fn errors_are_found_in_rows_and_in_the_completion() {
        let in_row = frames(
            json!([primary(
                json!([[1], {"OneApiErrors": [{"error": {"code": "LimitsExceeded",
                "message": "Query execution has exceeded the allowed limits", "@permanent": true}}]}])
            )]),
            json!({"FrameType": "DataSetCompletion", "HasErrors": true, "Cancelled": false}),
        );
        let e = parse(SourceKey::Kusto, &in_row).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadQuery);
        assert!(e.message.contains("LimitsExceeded"), "{e}");
        let transient = frames(
            json!([primary(json!([[1]]))]),
            json!({"FrameType": "DataSetCompletion", "HasErrors": true, "Cancelled": false,
                   "OneApiErrors": [{"error": {"code": "ServiceUnavailable", "message": "try later",
                                               "@permanent": false}}]}),
        );
        assert_eq!(
            parse(SourceKey::Kusto, &transient).unwrap_err().kind,
            ErrorKind::Unavailable
        );
    }

    #[test]
    fn a_cut_short_answer_is_unavailable() {
        let mut body = frames(
            json!([primary(json!([[1]]))]),
            json!({"FrameType": "DataSetHeader"}),
        );
        assert_eq!(
            parse(SourceKey::Kusto, &body).unwrap_err().kind,
            ErrorKind::Unavailable
        );
        body.truncate(body.len() / 2);
        assert_eq!(
            parse(SourceKey::Kusto, &body).unwrap_err().kind,
            ErrorKind::Unavailable
        );
    }

    #[test]
    fn cells_convert() {
        assert_eq!(seconds(&json!("2026-11-24T12:00:00Z")), Some(1_795_521_600));
        assert_eq!(
            seconds(&json!("2026-11-24T12:00:00.1234567Z")),
            Some(1_795_521_600)
        );
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(long(&json!(25)), Some(25));
        assert_eq!(text(&Value::Null), "");
    }
}
