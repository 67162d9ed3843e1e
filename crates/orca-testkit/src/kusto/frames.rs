//! The fake's v2 answer: the frame array a cluster sends for a non-progressive query.

use serde_json::{Value as Json, json};

use super::values::Frame;

/// `DataSetHeader`, the `@ExtendedProperties` table, one `PrimaryResult` table per result,
/// `QueryCompletionInformation`, `DataSetCompletion`.
pub(super) fn dataset(results: &[Frame]) -> Json {
    let mut frames = vec![
        json!({
            "FrameType": "DataSetHeader",
            "IsProgressive": false,
            "Version": "v2.0",
            "IsFragmented": false,
            "ErrorReportingPlacement": "EndOfTable",
        }),
        json!({
            "FrameType": "DataTable",
            "TableId": 0,
            "TableKind": "QueryProperties",
            "TableName": "@ExtendedProperties",
            "Columns": [
                {"ColumnName": "TableId", "ColumnType": "int"},
                {"ColumnName": "Key", "ColumnType": "string"},
                {"ColumnName": "Value", "ColumnType": "dynamic"},
            ],
            "Rows": [[1, "Visualization", {"Visualization": null, "Title": null}]],
        }),
    ];
    for (i, result) in results.iter().enumerate() {
        let columns: Vec<Json> = result
            .columns
            .iter()
            .map(|(name, ty)| json!({"ColumnName": name, "ColumnType": ty.name()}))
            .collect();
        let rows: Vec<Json> = result
            .rows
            .iter()
            .map(|row| Json::Array(row.iter().map(|v| v.to_json()).collect()))
            .collect();
        frames.push(json!({
            "FrameType": "DataTable",
            "TableId": i + 1,
            "TableKind": "PrimaryResult",
            "TableName": "PrimaryResult",
            "Columns": columns,
            "Rows": rows,
        }));
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let activity = "00000000-0000-0000-0000-000000000000";
    frames.push(json!({
        "FrameType": "DataTable",
        "TableId": results.len() + 1,
        "TableKind": "QueryCompletionInformation",
        "TableName": "QueryCompletionInformation",
        "Columns": [
            {"ColumnName": "Timestamp", "ColumnType": "datetime"},
            {"ColumnName": "ClientRequestId", "ColumnType": "string"},
            {"ColumnName": "ActivityId", "ColumnType": "guid"},
            {"ColumnName": "SubActivityId", "ColumnType": "guid"},
            {"ColumnName": "ParentActivityId", "ColumnType": "guid"},
            {"ColumnName": "Level", "ColumnType": "int"},
            {"ColumnName": "LevelName", "ColumnType": "string"},
            {"ColumnName": "StatusCode", "ColumnType": "int"},
            {"ColumnName": "StatusCodeName", "ColumnType": "string"},
            {"ColumnName": "EventType", "ColumnType": "int"},
            {"ColumnName": "EventTypeName", "ColumnType": "string"},
            {"ColumnName": "Payload", "ColumnType": "string"},
        ],
        "Rows": [[now, "", activity, activity, activity, 4, "Info", 0, "S_OK (0)", 4,
                  "QueryInfo", "{\"Count\":1,\"Text\":\"Query completed successfully\"}"]],
    }));
    frames.push(json!({"FrameType": "DataSetCompletion", "HasErrors": false, "Cancelled": false}));
    Json::Array(frames)
}
