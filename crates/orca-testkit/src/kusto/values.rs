//! The fake's values and tables: Kusto's scalar types (`string`, `long`, `real`, `datetime`,
//! `timespan`, `bool`, `dynamic`), values as a v2 frame writes them (datetimes as ISO 8601 with
//! `Z`, reals `NaN` / `Infinity` as strings), and the four tables of DESIGN section 6 over a data
//! set, with DESIGN column names and Kusto types.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use orca_connectors::DataSet;
use orca_connectors::sources::Tables;
use orca_connectors::store::model::data_files::DataFile;
use serde_json::Value as Json;

/// 100 ns ticks per second.
pub(super) const TICKS: i64 = 10_000_000;
/// Ticks from 0001-01-01 (the origin of `bin`) to 1970-01-01.
pub(super) const EPOCH_OFFSET: i64 = 719_162 * 86_400 * TICKS;

/// A column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Type {
    String,
    Long,
    Real,
    DateTime,
    TimeSpan,
    Bool,
    Dynamic,
}

impl Type {
    pub(super) fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Long => "long",
            Type::Real => "real",
            Type::DateTime => "datetime",
            Type::TimeSpan => "timespan",
            Type::Bool => "bool",
            Type::Dynamic => "dynamic",
        }
    }

    pub(super) fn parse(name: &str) -> Option<Type> {
        Some(match name {
            "string" => Type::String,
            "long" | "int" => Type::Long,
            "real" | "double" => Type::Real,
            "datetime" | "date" => Type::DateTime,
            "timespan" | "time" => Type::TimeSpan,
            "bool" | "boolean" => Type::Bool,
            "dynamic" => Type::Dynamic,
            _ => return None,
        })
    }

    pub(super) fn numeric(self) -> bool {
        matches!(self, Type::Long | Type::Real)
    }
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum V {
    Null,
    Bool(bool),
    Long(i64),
    Real(f64),
    Str(String),
    /// Ticks since 1970-01-01.
    Time(i64),
    /// Ticks.
    Span(i64),
    Dyn(Json),
}

impl V {
    /// The JSON of a cell in a v2 frame.
    pub(super) fn to_json(&self) -> Json {
        match self {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Long(n) => Json::from(*n),
            V::Real(x) if x.is_nan() => Json::String("NaN".into()),
            V::Real(x) if x.is_infinite() => {
                Json::String(if *x > 0.0 { "Infinity" } else { "-Infinity" }.into())
            }
            V::Real(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
            V::Str(s) => Json::String(s.clone()),
            V::Time(t) => Json::String(format_time(*t)),
            V::Span(t) => Json::String(format_span(*t)),
            V::Dyn(j) => j.clone(),
        }
    }

    pub(super) fn as_f64(&self) -> Option<f64> {
        match self {
            V::Long(n) => Some(*n as f64),
            V::Real(x) => Some(*x),
            _ => None,
        }
    }
}

pub(super) fn format_time(ticks: i64) -> String {
    let secs = ticks.div_euclid(TICKS);
    let frac = ticks.rem_euclid(TICKS);
    let t = Utc.timestamp_opt(secs, 0).single().unwrap_or_default();
    if frac == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        format!("{}.{frac:07}Z", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

pub(super) fn format_span(ticks: i64) -> String {
    let sign = if ticks < 0 { "-" } else { "" };
    let t = ticks.unsigned_abs();
    let secs = t / TICKS as u64;
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    let frac = t % TICKS as u64;
    let day = if d > 0 {
        format!("{d}.")
    } else {
        String::new()
    };
    let fraction = if frac > 0 {
        format!(".{frac:07}")
    } else {
        String::new()
    };
    format!("{sign}{day}{h:02}:{m:02}:{s:02}{fraction}")
}

/// A `datetime` literal or parameter value as ticks.
pub(super) fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    let secs_nanos = if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        (t.timestamp(), t.timestamp_subsec_nanos())
    } else if let Some(t) = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), f).ok())
    {
        let t = t.and_utc();
        (t.timestamp(), t.timestamp_subsec_nanos())
    } else {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        (d.and_hms_opt(0, 0, 0)?.and_utc().timestamp(), 0)
    };
    Some(secs_nanos.0 * TICKS + i64::from(secs_nanos.1 / 100))
}

/// A table: typed columns and rows.
#[derive(Debug, Clone, Default)]
pub(super) struct Frame {
    pub columns: Vec<(String, Type)>,
    pub rows: Vec<Vec<V>>,
}

pub(super) fn secs(t: i64) -> V {
    V::Time(t * TICKS)
}

pub(super) fn opt_secs(t: Option<i64>) -> V {
    t.map_or(V::Null, secs)
}

pub(super) fn text(s: &str) -> V {
    V::Str(s.to_string())
}

/// The four tables of DESIGN section 6 over a data set, with DESIGN names and Kusto types.
pub(super) fn tables(data: &DataSet) -> HashMap<String, Frame> {
    use Type::*;
    let cols = |list: &[(&str, Type)]| -> Vec<(std::string::String, Type)> {
        list.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    };
    let mut out = HashMap::new();
    out.insert(
        "cases".to_string(),
        Frame {
            columns: cols(&[
                ("CaseNumber", String),
                ("TenantId", String),
                ("Title", String),
                ("Severity", String),
                ("Status", String),
                ("ProductArea", String),
                ("CreatedAt", DateTime),
                ("ClosedAt", DateTime),
                ("Owner", String),
            ]),
            rows: data
                .cases
                .iter()
                .map(|c| {
                    vec![
                        text(&c.case_number),
                        text(&c.tenant_id),
                        text(&c.title),
                        text(c.severity),
                        text(c.status),
                        text(&c.product_area),
                        secs(c.created_at),
                        opt_secs(c.closed_at),
                        text(&c.owner),
                    ]
                })
                .collect(),
        },
    );
    out.insert(
        "incidents".to_string(),
        Frame {
            columns: cols(&[
                ("IncidentId", Long),
                ("TenantId", String),
                ("Severity", Long),
                ("Status", String),
                ("Title", String),
                ("OwningTeam", String),
                ("CreatedAt", DateTime),
                ("MitigatedAt", DateTime),
                ("ResolvedAt", DateTime),
                ("CaseNumber", String),
            ]),
            rows: data
                .incidents
                .iter()
                .map(|i| {
                    vec![
                        V::Long(i.incident_id),
                        text(&i.tenant_id),
                        V::Long(i.severity),
                        text(i.status),
                        text(&i.title),
                        text(&i.owning_team),
                        secs(i.created_at),
                        opt_secs(i.mitigated_at),
                        opt_secs(i.resolved_at),
                        text(i.case_number.as_deref().unwrap_or("")),
                    ]
                })
                .collect(),
        },
    );
    out.insert(
        "work_items".to_string(),
        Frame {
            columns: cols(&[
                ("Id", Long),
                ("WorkItemType", String),
                ("State", String),
                ("Title", String),
                ("AreaPath", String),
                ("TenantId", String),
                ("Tags", String),
                ("CreatedAt", DateTime),
                ("IncidentId", Long),
            ]),
            rows: data
                .work_items
                .iter()
                .map(|w| {
                    vec![
                        V::Long(w.id),
                        text(w.work_item_type),
                        text(w.state),
                        text(&w.title),
                        text(&w.area_path),
                        text(&w.tenant_id),
                        text(&w.tags),
                        secs(w.created_at),
                        w.incident_id.map_or(V::Null, V::Long),
                    ]
                })
                .collect(),
        },
    );
    out.insert(
        "tenant_metrics".to_string(),
        Frame {
            columns: cols(&[
                ("TenantId", String),
                ("Date", DateTime),
                ("Metric", String),
                ("Value", Real),
            ]),
            rows: data
                .metrics
                .iter()
                .map(|m| {
                    vec![
                        text(&m.tenant_id),
                        secs(m.date),
                        text(&m.metric),
                        V::Real(m.value),
                    ]
                })
                .collect(),
        },
    );
    out
}

/// `tables` (DESIGN names) under the names of a `[sources.*.tables]` mapping.
pub(super) fn renamed(tables: HashMap<String, Frame>, names: &Tables) -> HashMap<String, Frame> {
    tables
        .into_iter()
        .map(|(name, mut frame)| {
            let file = match name.as_str() {
                "cases" => DataFile::Cases,
                "incidents" => DataFile::Incidents,
                "work_items" => DataFile::WorkItems,
                _ => DataFile::TenantMetrics,
            };
            for column in &mut frame.columns {
                column.0 = names.column(file, &column.0).to_string();
            }
            (names.table(file), frame)
        })
        .collect()
}
