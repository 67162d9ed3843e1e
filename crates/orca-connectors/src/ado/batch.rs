//! `workitemsbatch`: the request for one chunk of ids, and the mapping of the service's work
//! items (`{"id", "rev", "fields": {reference name: value}}`) onto the rows of DESIGN section 6.
//!
//! Field names: DESIGN's work item columns map to Azure DevOps reference names, each
//! overridable under `[sources.ado.fields]` (`TenantId = "Custom.AadTenantId"`). The defaults
//! are the system fields (`System.Id`, `System.WorkItemType`, `System.State`, `System.Title`,
//! `System.AreaPath`, `System.Tags`, `System.CreatedDate`) and two custom fields a process must
//! add, `Custom.TenantId` and `Custom.IncidentId` (Azure DevOps has no tenant or incident
//! field of its own; `Custom.` is the prefix the service gives fields added to an inherited
//! process). A reference name is letters, digits, `.` and `_`, starting with a letter: it is
//! written into WIQL between brackets, so nothing else may appear in it.
//!
//! Mapping decisions:
//! - An item whose type or state is not one of DESIGN's (the connector asks only for those, so
//!   this happens only when a process renames them), whose tenant field is not a GUID, or whose
//!   creation date is unreadable, cannot be a row of the store: it is skipped and counted.
//! - Missing fields (the service leaves out empty ones) are empty text; the incident id is a
//!   number or a numeric text, else none. Tenant ids are kept in lower case, dates to the second,
//!   as an import keeps them.
//! - `errorPolicy: omit`: an id deleted between the WIQL query and the batch comes back as
//!   `null` and is left out, instead of failing the whole chunk.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::store::model::data_files::DataFile;
use crate::store::model::{
    WorkItemRow, parse_tenant_id, parse_timestamp, parse_work_item_state, parse_work_item_type,
};

/// Most ids one `workitemsbatch` call accepts (the service refuses more).
pub const MAX_BATCH: usize = 200;

/// The Azure DevOps reference name of each DESIGN work item column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNames {
    pub id: String,
    pub work_item_type: String,
    pub state: String,
    pub title: String,
    pub area_path: String,
    pub tenant_id: String,
    pub tags: String,
    pub created_at: String,
    pub incident_id: String,
}

impl Default for FieldNames {
    fn default() -> Self {
        FieldNames {
            id: "System.Id".into(),
            work_item_type: "System.WorkItemType".into(),
            state: "System.State".into(),
            title: "System.Title".into(),
            area_path: "System.AreaPath".into(),
            tenant_id: "Custom.TenantId".into(),
            tags: "System.Tags".into(),
            created_at: "System.CreatedDate".into(),
            incident_id: "Custom.IncidentId".into(),
        }
    }
}

impl FieldNames {
    /// The defaults with `overrides` (DESIGN column -> reference name) applied; every problem in
    /// one sentence each.
    pub fn with_overrides(overrides: &BTreeMap<String, String>) -> Result<FieldNames, Vec<String>> {
        let mut names = FieldNames::default();
        let mut problems = Vec::new();
        for (column, name) in overrides {
            let name = name.trim();
            if !is_reference_name(name) {
                problems.push(format!(
                    "fields.{column} = \"{name}\" is not a field reference name (letters, digits, `.` and `_`, starting with a letter, e.g. \"Custom.TenantId\")"
                ));
                continue;
            }
            let slot = match column.as_str() {
                "Id" => &mut names.id,
                "WorkItemType" => &mut names.work_item_type,
                "State" => &mut names.state,
                "Title" => &mut names.title,
                "AreaPath" => &mut names.area_path,
                "TenantId" => &mut names.tenant_id,
                "Tags" => &mut names.tags,
                "CreatedAt" => &mut names.created_at,
                "IncidentId" => &mut names.incident_id,
                _ => {
                    let known: Vec<&str> = DataFile::WorkItems
                        .columns()
                        .iter()
                        .map(|c| c.name)
                        .collect();
                    problems.push(format!(
                        "fields names `{column}`, which is not a work item column (known: {})",
                        known.join(", ")
                    ));
                    continue;
                }
            };
            *slot = name.to_string();
        }
        if problems.is_empty() {
            Ok(names)
        } else {
            Err(problems)
        }
    }

    /// Every reference name, in DESIGN's column order: the `fields` of a batch request.
    pub fn all(&self) -> [&str; 9] {
        [
            &self.id,
            &self.work_item_type,
            &self.state,
            &self.title,
            &self.area_path,
            &self.tenant_id,
            &self.tags,
            &self.created_at,
            &self.incident_id,
        ]
    }
}

/// A reference name WIQL can hold between brackets.
fn is_reference_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

/// The body of one `workitemsbatch` call.
pub fn request(ids: &[i64], fields: &FieldNames) -> Value {
    json!({
        "ids": ids,
        "fields": fields.all(),
        "errorPolicy": "omit",
    })
}

/// The rows of one batch answer, and how many items could not be rows.
pub fn rows(answer: &Value, fields: &FieldNames) -> Result<(Vec<WorkItemRow>, usize), String> {
    let items = answer
        .get("value")
        .and_then(Value::as_array)
        .ok_or("the workitemsbatch answer has no `value` list")?;
    let mut rows = Vec::with_capacity(items.len());
    let mut skipped = 0;
    for item in items.iter().filter(|i| !i.is_null()) {
        match row(item, fields) {
            Some(row) => rows.push(row),
            None => skipped += 1,
        }
    }
    Ok((rows, skipped))
}

/// One work item as a row, or `None` when it cannot be one (see the module docs).
fn row(item: &Value, names: &FieldNames) -> Option<WorkItemRow> {
    let fields = item.get("fields")?;
    let text = |name: &str| -> &str { fields.get(name).and_then(Value::as_str).unwrap_or("") };
    let id = item
        .get("id")
        .and_then(Value::as_i64)
        .or_else(|| fields.get(&names.id).and_then(Value::as_i64))?;
    let incident_id = match fields.get(&names.incident_id) {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    Some(WorkItemRow {
        id,
        work_item_type: parse_work_item_type(text(&names.work_item_type))?,
        state: parse_work_item_state(text(&names.state))?,
        title: text(&names.title).to_string(),
        area_path: text(&names.area_path).to_string(),
        tenant_id: parse_tenant_id(text(&names.tenant_id))?,
        tags: text(&names.tags).to_string(),
        created_at: parse_timestamp(text(&names.created_at))?,
        incident_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_defaults_and_bad_ones_are_said() {
        let overrides: BTreeMap<String, String> = [
            ("TenantId".to_string(), " Custom.AadTenant ".to_string()),
            ("IncidentId".into(), "Microsoft.VSTS.Incident".into()),
        ]
        .into();
        let names = FieldNames::with_overrides(&overrides).unwrap();
        assert_eq!(names.tenant_id, "Custom.AadTenant");
        assert_eq!(names.incident_id, "Microsoft.VSTS.Incident");
        assert_eq!(names.state, "System.State");

        let bad: BTreeMap<String, String> = [
            ("Owner".to_string(), "System.AssignedTo".to_string()),
            ("Title".into(), "System.Title] = 'x".into()),
        ]
        .into();
        let problems = FieldNames::with_overrides(&bad).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("`Owner`"), "{problems:?}");
        assert!(
            problems[1].contains("not a field reference name"),
            "{problems:?}"
        );
    }

    #[test]
    fn items_map_to_rows_and_unfit_ones_are_counted() {
        let names = FieldNames::default();
        let answer = json!({"count": 4, "value": [
            {"id": 7, "rev": 3, "fields": {
                "System.Id": 7, "System.WorkItemType": "bug", "System.State": "Active",
                "System.Title": "DLP tips", "System.AreaPath": "Purview\\DLP",
                "Custom.TenantId": "2F8B1A2C-0000-4000-8000-000000000001",
                "System.CreatedDate": "2026-11-20T10:00:00.517Z", "Custom.IncidentId": "400000457"
            }},
            {"id": 8, "rev": 1, "fields": {
                "System.WorkItemType": "Task", "System.State": "Active",
                "Custom.TenantId": "2f8b1a2c-0000-4000-8000-000000000001",
                "System.CreatedDate": "2026-11-20T10:00:00Z"
            }},
            {"id": 9, "rev": 1, "fields": {
                "System.WorkItemType": "Feature", "System.State": "New",
                "System.CreatedDate": "2026-11-20T10:00:00Z"
            }},
            null
        ]});
        let (rows, skipped) = rows(&answer, &names).unwrap();
        assert_eq!(skipped, 2);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.id, row.work_item_type, row.state),
            (7, "Bug", "Active")
        );
        assert_eq!(row.tenant_id, "2f8b1a2c-0000-4000-8000-000000000001");
        assert_eq!(row.created_at, 1_795_168_800);
        assert_eq!(row.incident_id, Some(400000457));
        assert_eq!(row.tags, "");
        assert!(super::rows(&json!({"count": 0}), &names).is_err());
    }

    #[test]
    fn a_request_names_ids_fields_and_the_omit_policy() {
        let body = request(&[1, 2], &FieldNames::default());
        assert_eq!(body["ids"], json!([1, 2]));
        assert_eq!(body["fields"].as_array().map(Vec::len), Some(9));
        assert_eq!(body["errorPolicy"], "omit");
    }
}
