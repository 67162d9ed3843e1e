//! Table and column names of a remote source: DESIGN section 6 names by default (`cases` with
//! `CaseNumber`, `TenantId`, ...), each overridable in config, so a team maps Orca onto its own
//! schema without code:
//!
//! ```toml
//! [sources.kusto.tables.cases]
//! table = "SupportCases"
//! columns = { CaseNumber = "Id", TenantId = "AadTenantId" }
//! ```
//!
//! Names are configuration, never user words; connectors still quote them as identifiers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::store::model::data_files::DataFile;

/// One table's name and column overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableMap {
    /// The source's table name; DESIGN's (`cases`, `incidents`, ...) when absent.
    pub table: Option<String>,
    /// DESIGN column name -> the source's column name.
    pub columns: BTreeMap<String, String>,
}

/// The overrides of every table a remote source may hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tables {
    pub cases: TableMap,
    pub incidents: TableMap,
    pub work_items: TableMap,
    pub tenant_metrics: TableMap,
}

impl Tables {
    fn map(&self, file: DataFile) -> Option<&TableMap> {
        match file {
            DataFile::Cases => Some(&self.cases),
            DataFile::Incidents => Some(&self.incidents),
            DataFile::WorkItems => Some(&self.work_items),
            DataFile::TenantMetrics => Some(&self.tenant_metrics),
            DataFile::Registry => None,
        }
    }

    /// The source's name of `file`'s table.
    pub fn table(&self, file: DataFile) -> String {
        self.map(file)
            .and_then(|m| m.table.clone())
            .unwrap_or_else(|| default_table(file).to_string())
    }

    /// The source's name of the DESIGN column `column` of `file`.
    pub fn column<'a>(&'a self, file: DataFile, column: &'a str) -> &'a str {
        self.map(file)
            .and_then(|m| m.columns.get(column))
            .map_or(column, String::as_str)
    }

    /// Every override that names no DESIGN column, or is empty, in one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for file in [
            DataFile::Cases,
            DataFile::Incidents,
            DataFile::WorkItems,
            DataFile::TenantMetrics,
        ] {
            let Some(map) = self.map(file) else { continue };
            let name = default_table(file);
            if map.table.as_deref().is_some_and(|t| t.trim().is_empty()) {
                problems.push(format!("tables.{name}.table is empty"));
            }
            for (design, theirs) in &map.columns {
                if !file.columns().iter().any(|c| c.name == design) {
                    let known: Vec<&str> = file.columns().iter().map(|c| c.name).collect();
                    problems.push(format!(
                        "tables.{name}.columns names `{design}`, which is not a column of {name} (known: {})",
                        known.join(", ")
                    ));
                }
                if theirs.trim().is_empty() {
                    problems.push(format!("tables.{name}.columns.{design} is empty"));
                }
            }
        }
        problems
    }
}

/// DESIGN section 6's table name of a data file (its file name without `.csv`).
pub fn default_table(file: DataFile) -> &'static str {
    file.file_name().trim_end_matches(".csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_default_to_design_and_overrides_apply() {
        let tables: Tables = toml::from_str(
            "[cases]\ntable = \"SupportCases\"\ncolumns = { CaseNumber = \"Id\" }\n",
        )
        .unwrap();
        assert_eq!(tables.table(DataFile::Cases), "SupportCases");
        assert_eq!(tables.column(DataFile::Cases, "CaseNumber"), "Id");
        assert_eq!(tables.column(DataFile::Cases, "TenantId"), "TenantId");
        assert_eq!(tables.table(DataFile::Incidents), "incidents");
        assert!(tables.problems().is_empty());
    }

    #[test]
    fn an_override_of_an_unknown_column_is_a_problem() {
        let tables: Tables =
            toml::from_str("[cases]\ncolumns = { CaseNo = \"Id\", Owner = \" \" }\n").unwrap();
        let problems = tables.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("`CaseNo`"), "{problems:?}");
    }
}
