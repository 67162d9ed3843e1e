//! One CSV record to one row: every field parsed by its column of [`DataFile::columns`], every
//! problem of the row collected into one reason ("Severity \"D\" is not one of A, B, C; ...").
//!
//! Invariant: a row is returned only when it has no problem at all.

use csv::ByteRecord;

use crate::store::model::data_files::{Column, DataFile};
use crate::store::model::{
    CaseRow, IncidentRow, MetricRow, WorkItemRow, parse_case_severity, parse_case_status,
    parse_date, parse_incident_severity, parse_incident_status, parse_tenant_id, parse_timestamp,
    parse_work_item_state, parse_work_item_type,
};

/// The position of column `$name` of `DataFile::$file`, found when compiling: a name that is
/// not in the table does not build.
macro_rules! at {
    ($file:ident, $name:literal) => {
        const { DataFile::$file.position($name) }
    };
}

/// A parsed row of any file.
pub(super) enum Row {
    Case(CaseRow),
    Incident(IncidentRow),
    WorkItem(WorkItemRow),
    Metric(MetricRow),
}

impl Row {
    pub(super) fn tenant_id(&self) -> &str {
        match self {
            Row::Case(r) => &r.tenant_id,
            Row::Incident(r) => &r.tenant_id,
            Row::WorkItem(r) => &r.tenant_id,
            Row::Metric(r) => &r.tenant_id,
        }
    }
}

/// Parses one record of `file`, whose columns sit at `index` (by [`DataFile::columns`] order;
/// `None` for an absent optional column). The error is every reason the row is bad, joined.
pub(super) fn parse_row(
    file: DataFile,
    record: &ByteRecord,
    index: &[Option<usize>],
) -> Result<Row, String> {
    let mut f = Fields {
        record,
        index,
        columns: file.columns(),
        reasons: Vec::new(),
    };
    let row = match file {
        DataFile::Cases => case(&mut f),
        DataFile::Incidents => incident(&mut f),
        DataFile::WorkItems => work_item(&mut f),
        DataFile::TenantMetrics => metric(&mut f),
        // Read whole by `Registry::from_csv`, never row by row.
        DataFile::Registry => None,
    };
    match row {
        Some(row) if f.reasons.is_empty() => Ok(row),
        _ if f.reasons.is_empty() => Err("invalid row".to_string()),
        _ => Err(f.reasons.join("; ")),
    }
}

fn case(f: &mut Fields<'_>) -> Option<Row> {
    let case_number = f.required(at!(Cases, "CaseNumber")).map(str::to_string);
    let tenant_id = f.tenant(at!(Cases, "TenantId"));
    let title = f.text(at!(Cases, "Title"));
    let severity = f.parsed(at!(Cases, "Severity"), parse_case_severity);
    let status = f.parsed(at!(Cases, "Status"), parse_case_status);
    let product_area = f.text(at!(Cases, "ProductArea"));
    let created_at = f.time(at!(Cases, "CreatedAt"));
    let closed_at = f.optional_time(at!(Cases, "ClosedAt"));
    let owner = f.text(at!(Cases, "Owner"));
    f.not_before(closed_at, at!(Cases, "ClosedAt"), created_at);
    Some(Row::Case(CaseRow {
        case_number: case_number?,
        tenant_id: tenant_id?,
        title,
        severity: severity?,
        status: status?,
        product_area,
        created_at: created_at?,
        closed_at,
        owner,
    }))
}

fn incident(f: &mut Fields<'_>) -> Option<Row> {
    let incident_id = f.parsed(at!(Incidents, "IncidentId"), parse_id);
    let tenant_id = f.tenant(at!(Incidents, "TenantId"));
    let severity = f.parsed(at!(Incidents, "Severity"), parse_incident_severity);
    let status = f.parsed(at!(Incidents, "Status"), parse_incident_status);
    let title = f.text(at!(Incidents, "Title"));
    let owning_team = f.text(at!(Incidents, "OwningTeam"));
    let created_at = f.time(at!(Incidents, "CreatedAt"));
    let mitigated_at = f.optional_time(at!(Incidents, "MitigatedAt"));
    let resolved_at = f.optional_time(at!(Incidents, "ResolvedAt"));
    let case_number = Some(f.text(at!(Incidents, "CaseNumber"))).filter(|c| !c.is_empty());
    f.not_before(mitigated_at, at!(Incidents, "MitigatedAt"), created_at);
    f.not_before(resolved_at, at!(Incidents, "ResolvedAt"), created_at);
    Some(Row::Incident(IncidentRow {
        incident_id: incident_id?,
        tenant_id: tenant_id?,
        severity: severity?,
        status: status?,
        title,
        owning_team,
        created_at: created_at?,
        mitigated_at,
        resolved_at,
        case_number,
    }))
}

fn work_item(f: &mut Fields<'_>) -> Option<Row> {
    let id = f.parsed(at!(WorkItems, "Id"), parse_id);
    let work_item_type = f.parsed(at!(WorkItems, "WorkItemType"), parse_work_item_type);
    let state = f.parsed(at!(WorkItems, "State"), parse_work_item_state);
    let title = f.text(at!(WorkItems, "Title"));
    let area_path = f.text(at!(WorkItems, "AreaPath"));
    let tenant_id = f.tenant(at!(WorkItems, "TenantId"));
    let tags = f.text(at!(WorkItems, "Tags"));
    let created_at = f.time(at!(WorkItems, "CreatedAt"));
    let incident_id = f.optional(at!(WorkItems, "IncidentId"), parse_id);
    Some(Row::WorkItem(WorkItemRow {
        id: id?,
        work_item_type: work_item_type?,
        state: state?,
        title,
        area_path,
        tenant_id: tenant_id?,
        tags,
        created_at: created_at?,
        incident_id,
    }))
}

fn metric(f: &mut Fields<'_>) -> Option<Row> {
    let tenant_id = f.tenant(at!(TenantMetrics, "TenantId"));
    let date = f.parsed(at!(TenantMetrics, "Date"), parse_date);
    let metric = f.parsed(at!(TenantMetrics, "Metric"), parse_metric_name);
    let value = f.parsed(at!(TenantMetrics, "Value"), parse_value);
    Some(Row::Metric(MetricRow {
        tenant_id: tenant_id?,
        date: date?,
        metric: metric?,
        value: value?,
    }))
}

fn parse_id(value: &str) -> Option<i64> {
    value.parse::<i64>().ok().filter(|id| *id > 0)
}

fn parse_metric_name(value: &str) -> Option<String> {
    (!value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then(|| value.to_string())
}

fn parse_value(value: &str) -> Option<f64> {
    value.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The fields of one row, by column of the data file, with the row's problems collected.
struct Fields<'r> {
    record: &'r ByteRecord,
    /// Position in the record of each column (by [`DataFile::columns`] order).
    index: &'r [Option<usize>],
    columns: &'static [Column],
    reasons: Vec<String>,
}

impl<'r> Fields<'r> {
    fn name(&self, column: usize) -> &'static str {
        self.columns[column].name
    }

    fn raw(&mut self, column: usize) -> &'r str {
        let Some(position) = self.index[column] else {
            return "";
        };
        let bytes = self.record.get(position).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(text) => text.trim(),
            Err(_) => {
                let reason = format!(
                    "{} is not valid UTF-8 (save the file as UTF-8)",
                    self.name(column)
                );
                self.reasons.push(reason);
                ""
            }
        }
    }

    fn text(&mut self, column: usize) -> String {
        self.raw(column).to_string()
    }

    fn required(&mut self, column: usize) -> Option<&'r str> {
        let value = self.raw(column);
        if value.is_empty() {
            self.reasons.push(format!("{} is empty", self.name(column)));
            return None;
        }
        Some(value)
    }

    fn parsed<T>(&mut self, column: usize, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let value = self.required(column)?;
        self.parse_with(column, value, parse)
    }

    fn optional<T>(&mut self, column: usize, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let value = self.raw(column);
        if value.is_empty() {
            return None;
        }
        self.parse_with(column, value, parse)
    }

    /// `parse(value)`, recording why when it fails (in the words of the column's kind).
    fn parse_with<T>(
        &mut self,
        column: usize,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            let Column { name, kind, .. } = self.columns[column];
            let expected = kind.expected();
            self.reasons
                .push(format!("{name} \"{value}\" is not {expected}"));
        }
        parsed
    }

    fn tenant(&mut self, column: usize) -> Option<String> {
        self.parsed(column, parse_tenant_id)
    }

    fn time(&mut self, column: usize) -> Option<i64> {
        self.parsed(column, parse_timestamp)
    }

    fn optional_time(&mut self, column: usize) -> Option<i64> {
        self.optional(column, parse_timestamp)
    }

    /// Records a problem when `later` (the value of `column`) is before `created`.
    fn not_before(&mut self, later: Option<i64>, column: usize, created: Option<i64>) {
        if let (Some(later), Some(created)) = (later, created)
            && later < created
        {
            let reason = format!("{} is before CreatedAt", self.name(column));
            self.reasons.push(reason);
        }
    }
}
