//! The data files of DESIGN section 6, written down once: each file's name and its columns, in
//! order, with what each column holds. `import` reads by this table, `write_csv` writes by it, and
//! any other loader (a PostgreSQL import) can map its tables onto it.
//!
//! Invariant: the column order is the order of DESIGN section 6, which is the order of the CSV
//! files that `orca data generate --out` writes; readers find columns by name, never by position
//! in a file.

use self::ValueKind::{
    Date, Id, IncidentSeverity, MetricName, Number, OneOf, TenantId, Text, Timestamp,
};

/// Case severities, most urgent first.
pub const CASE_SEVERITIES: [&str; 3] = ["A", "B", "C"];
/// Case statuses in lifecycle order.
pub const CASE_STATUSES: [&str; 4] = ["Active", "Waiting", "Resolved", "Closed"];
/// Incident severities, most urgent first (25 is Sev 2.5).
pub const INCIDENT_SEVERITIES: [i64; 6] = [0, 1, 2, 25, 3, 4];
/// Incident statuses in lifecycle order.
pub const INCIDENT_STATUSES: [&str; 3] = ["Active", "Mitigated", "Resolved"];
/// Work item types.
pub const WORK_ITEM_TYPES: [&str; 3] = ["Bug", "DCR", "Feature"];
/// Work item states in lifecycle order.
pub const WORK_ITEM_STATES: [&str; 4] = ["New", "Active", "Resolved", "Closed"];

/// The folder of Markdown documents (`docs/*.md`, one document each) beside the CSV files.
pub const DOCS_DIR: &str = "docs";

/// One CSV file of DESIGN section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataFile {
    /// The customer registry (DESIGN section 3).
    Registry,
    Cases,
    Incidents,
    WorkItems,
    TenantMetrics,
}

/// What the values of a column are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Free text, kept as written (trimmed).
    Text,
    /// A positive integer.
    Id,
    /// A tenant GUID.
    TenantId,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// A calendar day: `YYYY-MM-DD` or an RFC 3339 timestamp.
    Date,
    /// One of these words (any case; stored as written here).
    OneOf(&'static [&'static str]),
    /// An incident severity: one of [`INCIDENT_SEVERITIES`], `2.5` also meaning 25.
    IncidentSeverity,
    /// A metric name: letters, digits and `_`.
    MetricName,
    /// A finite number.
    Number,
}

impl ValueKind {
    /// What a value of this kind is, for "Severity \"D\" is not one of A, B, C".
    pub fn expected(self) -> String {
        match self {
            ValueKind::Text => "text".to_string(),
            ValueKind::Id => "a positive integer".to_string(),
            ValueKind::TenantId => "a tenant GUID".to_string(),
            ValueKind::Timestamp => "an RFC 3339 timestamp (e.g. 2026-03-01T08:15:00Z)".to_string(),
            ValueKind::Date => "a date (YYYY-MM-DD or RFC 3339)".to_string(),
            ValueKind::OneOf(words) => format!("one of {}", words.join(", ")),
            ValueKind::IncidentSeverity => "one of 0, 1, 2, 25 (or 2.5), 3, 4".to_string(),
            ValueKind::MetricName => "a metric name (letters, digits, _)".to_string(),
            ValueKind::Number => "a number".to_string(),
        }
    }
}

/// One column of a data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header as DESIGN writes it.
    pub name: &'static str,
    /// A file without this column cannot be read, and a row must give it a value. An optional
    /// column that is absent, or empty in a row, reads as no value.
    pub required: bool,
    pub kind: ValueKind,
}

const fn required(name: &'static str, kind: ValueKind) -> Column {
    Column {
        name,
        required: true,
        kind,
    }
}

const fn optional(name: &'static str, kind: ValueKind) -> Column {
    Column {
        name,
        required: false,
        kind,
    }
}

const REGISTRY: &[Column] = &[
    required("Customer Name", Text),
    required("Tenant ID", TenantId),
    // Several, separated by `;`.
    optional("Aliases", Text),
    // The cohort, e.g. `MCS` or `IC`.
    optional("Segment", Text),
];

const CASES: &[Column] = &[
    required("CaseNumber", Text),
    required("TenantId", TenantId),
    optional("Title", Text),
    required("Severity", OneOf(&CASE_SEVERITIES)),
    required("Status", OneOf(&CASE_STATUSES)),
    optional("ProductArea", Text),
    required("CreatedAt", Timestamp),
    optional("ClosedAt", Timestamp),
    optional("Owner", Text),
];

const INCIDENTS: &[Column] = &[
    required("IncidentId", Id),
    required("TenantId", TenantId),
    required("Severity", IncidentSeverity),
    required("Status", OneOf(&INCIDENT_STATUSES)),
    optional("Title", Text),
    optional("OwningTeam", Text),
    required("CreatedAt", Timestamp),
    optional("MitigatedAt", Timestamp),
    optional("ResolvedAt", Timestamp),
    optional("CaseNumber", Text),
];

const WORK_ITEMS: &[Column] = &[
    required("Id", Id),
    required("WorkItemType", OneOf(&WORK_ITEM_TYPES)),
    required("State", OneOf(&WORK_ITEM_STATES)),
    optional("Title", Text),
    optional("AreaPath", Text),
    required("TenantId", TenantId),
    // Several, separated by `;`.
    optional("Tags", Text),
    required("CreatedAt", Timestamp),
    optional("IncidentId", Id),
];

const TENANT_METRICS: &[Column] = &[
    required("TenantId", TenantId),
    required("Date", Date),
    required("Metric", MetricName),
    required("Value", Number),
];

impl DataFile {
    /// Every data file, in load order: the registry first, so that rows find their customers.
    pub const ALL: [DataFile; 5] = [
        DataFile::Registry,
        DataFile::Cases,
        DataFile::Incidents,
        DataFile::WorkItems,
        DataFile::TenantMetrics,
    ];

    /// The file's name in a data directory.
    pub const fn file_name(self) -> &'static str {
        match self {
            DataFile::Registry => "registry.csv",
            DataFile::Cases => "cases.csv",
            DataFile::Incidents => "incidents.csv",
            DataFile::WorkItems => "work_items.csv",
            DataFile::TenantMetrics => "tenant_metrics.csv",
        }
    }

    /// The columns in DESIGN order. The registry may carry more (kept as attributes).
    pub const fn columns(self) -> &'static [Column] {
        match self {
            DataFile::Registry => REGISTRY,
            DataFile::Cases => CASES,
            DataFile::Incidents => INCIDENTS,
            DataFile::WorkItems => WORK_ITEMS,
            DataFile::TenantMetrics => TENANT_METRICS,
        }
    }

    /// The column names in DESIGN order: the header row.
    pub fn header(self) -> impl Iterator<Item = &'static str> {
        self.columns().iter().map(|column| column.name)
    }

    /// The position of the column called `name` among [`Self::columns`]. In a `const` a name
    /// that is not there fails the build, so a reader that uses positions cannot drift from
    /// this table.
    pub const fn position(self, name: &str) -> usize {
        let columns = self.columns();
        let mut i = 0;
        while i < columns.len() {
            if same_text(columns[i].name, name) {
                return i;
            }
            i += 1;
        }
        panic!("no such column in this data file")
    }
}

/// `a == b`, usable in a `const fn`.
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_those_of_design_section_6() {
        let header = |file: DataFile| file.header().collect::<Vec<_>>().join(",");
        assert_eq!(
            header(DataFile::Cases),
            "CaseNumber,TenantId,Title,Severity,Status,ProductArea,CreatedAt,ClosedAt,Owner"
        );
        assert_eq!(
            header(DataFile::Incidents),
            "IncidentId,TenantId,Severity,Status,Title,OwningTeam,CreatedAt,MitigatedAt,ResolvedAt,CaseNumber"
        );
        assert_eq!(
            header(DataFile::WorkItems),
            "Id,WorkItemType,State,Title,AreaPath,TenantId,Tags,CreatedAt,IncidentId"
        );
        assert_eq!(
            header(DataFile::TenantMetrics),
            "TenantId,Date,Metric,Value"
        );
        assert_eq!(
            header(DataFile::Registry),
            "Customer Name,Tenant ID,Aliases,Segment"
        );
    }

    #[test]
    fn positions_follow_the_table() {
        for file in DataFile::ALL {
            for (i, column) in file.columns().iter().enumerate() {
                assert_eq!(file.position(column.name), i, "{}", column.name);
            }
        }
        const CLOSED_AT: usize = DataFile::Cases.position("ClosedAt");
        assert_eq!(CLOSED_AT, 7);
    }

    #[test]
    fn all_lists_every_file_once_in_declaration_order() {
        // Writers kept per file index by `file as usize` rely on it.
        for (i, file) in DataFile::ALL.into_iter().enumerate() {
            assert_eq!(file as usize, i, "{file:?}");
        }
    }

    #[test]
    fn expected_values_are_spelled_out() {
        assert_eq!(
            ValueKind::OneOf(&CASE_STATUSES).expected(),
            "one of Active, Waiting, Resolved, Closed"
        );
        assert_eq!(ValueKind::Id.expected(), "a positive integer");
    }
}
