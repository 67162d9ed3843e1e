//! Rendering plans and reports for people (text, markdown) and programs (JSON).
//!
//! JSON is the DESIGN section 5 shape, serialized straight from the core types, so the contract
//! lives in one place. Text leads with the answer sentence, then compact tables.

mod blocks;
mod plan;
mod report;

pub use plan::plan_text;
pub use report::{report_markdown, report_text, report_text_width, text_width};

use serde_json::Value;

/// The serde name of a unit enum variant ("customers", "open").
pub(crate) fn enum_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A JSON value as a short table cell.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".to_string(),
        Value::String(s) => truncate(s, 60),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.2}"),
            _ => n.to_string(),
        },
        Value::Object(map) => object_cell(map, |k| k),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(cell).collect();
            truncate(&parts.join(", "), 80)
        }
        other => truncate(&other.to_string(), 60),
    }
}

/// An object as `key:value` pairs in one short cell, each key shown as `label` reads it.
pub(crate) fn object_cell<'m>(
    map: &'m serde_json::Map<String, Value>,
    label: impl Fn(&'m str) -> &'m str,
) -> String {
    let parts: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}:{}", label(k), cell(v)))
        .collect();
    truncate(&parts.join(" "), 80)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}
