//! The rows of DESIGN section 6 as Rust values, and the parsing and formatting of their fields.
//! The files themselves (names, columns, allowed values) are [`data_files`].
//!
//! Invariant: every value that reaches the database went through one of these parsers, so the
//! store only ever holds canonical spellings ("Active", "A", 25) and UTC Unix seconds.

pub mod data_files;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};

use data_files::{
    CASE_SEVERITIES, CASE_STATUSES, INCIDENT_SEVERITIES, INCIDENT_STATUSES, WORK_ITEM_STATES,
    WORK_ITEM_TYPES,
};

/// The daily tenant metrics the generator writes and tenant health reads.
pub const METRICS: [&str; 5] = [
    "active_users",
    "licensed_users",
    "dlp_policy_matches",
    "label_adoption",
    "ingestion_errors",
];

/// One support case (`cases.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub case_number: String,
    pub tenant_id: String,
    pub title: String,
    pub severity: &'static str,
    pub status: &'static str,
    pub product_area: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub owner: String,
}

/// One IcM incident (`incidents.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub incident_id: i64,
    pub tenant_id: String,
    pub severity: i64,
    pub status: &'static str,
    pub title: String,
    pub owning_team: String,
    pub created_at: i64,
    pub mitigated_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub case_number: Option<String>,
}

/// One ADO work item (`work_items.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkItemRow {
    pub id: i64,
    pub work_item_type: &'static str,
    pub state: &'static str,
    pub title: String,
    pub area_path: String,
    pub tenant_id: String,
    pub tags: String,
    pub created_at: i64,
    pub incident_id: Option<i64>,
}

/// One daily metric value (`tenant_metrics.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub tenant_id: String,
    /// Unix seconds of the day's UTC midnight.
    pub date: i64,
    pub metric: String,
    pub value: f64,
}

/// One Markdown document (`docs/*.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct DocRow {
    /// `docs/<file name>`.
    pub path: String,
    pub title: String,
    pub body: String,
}

fn canonical(value: &str, allowed: &[&'static str]) -> Option<&'static str> {
    let value = value.trim();
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(value))
}

pub fn parse_case_severity(value: &str) -> Option<&'static str> {
    canonical(value, &CASE_SEVERITIES)
}

pub fn parse_case_status(value: &str) -> Option<&'static str> {
    canonical(value, &CASE_STATUSES)
}

pub fn parse_incident_status(value: &str) -> Option<&'static str> {
    canonical(value, &INCIDENT_STATUSES)
}

pub fn parse_work_item_type(value: &str) -> Option<&'static str> {
    canonical(value, &WORK_ITEM_TYPES)
}

pub fn parse_work_item_state(value: &str) -> Option<&'static str> {
    canonical(value, &WORK_ITEM_STATES)
}

/// Incident severity: `0`..`4`, `25` or `2.5` (Sev 2.5, stored as 25).
pub fn parse_incident_severity(value: &str) -> Option<i64> {
    match value.trim() {
        "2.5" => Some(25),
        v => v
            .parse::<i64>()
            .ok()
            .filter(|s| INCIDENT_SEVERITIES.contains(s)),
    }
}

/// A tenant id: a GUID (8-4-4-4-12 hex digits, braces allowed), returned in lower case.
pub fn parse_tenant_id(value: &str) -> Option<String> {
    let v = value.trim();
    let v = v
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .unwrap_or(v);
    let groups: Vec<&str> = v.split('-').collect();
    let shape_ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    shape_ok.then(|| v.to_ascii_lowercase())
}

/// An RFC 3339 timestamp as Unix seconds (sub-second parts are dropped).
pub fn parse_timestamp(value: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(value.trim())
        .ok()
        .map(|t| t.timestamp())
}

/// A metric date: `YYYY-MM-DD` or an RFC 3339 timestamp, as the Unix seconds of that UTC day's
/// midnight.
pub fn parse_date(value: &str) -> Option<i64> {
    let v = value.trim();
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Some(day_start(d));
    }
    parse_timestamp(v).map(|t| t - t.rem_euclid(86_400))
}

pub fn day_start(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default()
}

/// Unix seconds as RFC 3339 with a `Z` ("2026-03-01T08:15:00Z").
pub fn format_timestamp(secs: i64) -> String {
    match Utc.timestamp_opt(secs, 0).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
        None => secs.to_string(),
    }
}

/// Unix seconds as a calendar date ("2026-03-01").
pub fn format_date(secs: i64) -> String {
    match Utc.timestamp_opt(secs, 0).single() {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => secs.to_string(),
    }
}

/// The title of a Markdown document: its first heading, else the first non-empty line.
pub fn markdown_title(body: &str) -> Option<String> {
    let lines = || body.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| lines().next().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerations_are_canonicalized() {
        assert_eq!(parse_case_severity(" a "), Some("A"));
        assert_eq!(parse_case_severity("D"), None);
        assert_eq!(parse_case_status("waiting"), Some("Waiting"));
        assert_eq!(parse_incident_severity("2.5"), Some(25));
        assert_eq!(parse_incident_severity("25"), Some(25));
        assert_eq!(parse_incident_severity("5"), None);
        assert_eq!(parse_work_item_type("dcr"), Some("DCR"));
        assert_eq!(parse_work_item_state("CLOSED"), Some("Closed"));
    }

    #[test]
    fn tenant_ids_are_guids_in_lower_case() {
        assert_eq!(
            parse_tenant_id("{A959ED19-58EC-5B04-A375-0E9A54AFF769}").as_deref(),
            Some("a959ed19-58ec-5b04-a375-0e9a54aff769")
        );
        assert_eq!(parse_tenant_id("a959ed19-58ec-5b04-a375"), None);
        assert_eq!(
            parse_tenant_id("g959ed19-58ec-5b04-a375-0e9a54aff769"),
            None
        );
    }

    #[test]
    fn times_round_trip() {
        let t = parse_timestamp("2026-03-01T08:15:00+01:00").unwrap();
        assert_eq!(format_timestamp(t), "2026-03-01T07:15:00Z");
        assert_eq!(parse_date("2026-03-01"), parse_date("2026-03-01T23:59:59Z"));
        assert_eq!(format_date(parse_date("2026-03-01").unwrap()), "2026-03-01");
        assert_eq!(parse_timestamp("2026-03-01"), None);
    }

    #[test]
    fn markdown_titles() {
        assert_eq!(
            markdown_title("\n# DLP tips\nbody").as_deref(),
            Some("DLP tips")
        );
        assert_eq!(
            markdown_title("plain first line\n").as_deref(),
            Some("plain first line")
        );
        assert_eq!(markdown_title("  \n"), None);
    }
}
