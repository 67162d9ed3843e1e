//! The fake's scalar functions, operators and aggregations over [`V`] values, with Kusto's null
//! rules: comparisons with null are false, arithmetic with null is null, aggregations skip nulls.

use std::cmp::Ordering;

use chrono::{Datelike, TimeZone, Utc};
use serde_json::Value as Json;

use super::kql::Op;
use super::values::{EPOCH_OFFSET, TICKS, V, format_span, format_time};

/// Every scalar function the fake has (for the error naming an unknown one).
pub(super) const KNOWN: [&str; 20] = [
    "tolower",
    "toupper",
    "tostring",
    "tolong",
    "todouble",
    "toreal",
    "isnull",
    "isnotnull",
    "isempty",
    "isnotempty",
    "not",
    "strlen",
    "indexof",
    "substring",
    "split",
    "strcat",
    "bin",
    "bin_at",
    "startofmonth",
    "startofday",
];

pub(super) fn from_json(j: Json) -> V {
    match j {
        Json::Null => V::Null,
        Json::Bool(b) => V::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => V::Long(i),
            None => V::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => V::Str(s),
        other => V::Dyn(other),
    }
}

/// Equality for `in`: strings exactly (or ignoring case), numbers by value.
pub(super) fn same(a: &V, b: &V, any_case: bool) -> bool {
    match (a, b) {
        (V::Str(x), V::Str(y)) if any_case => x.eq_ignore_ascii_case(y),
        (V::Str(x), V::Str(y)) => x == y,
        (x, y) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q,
            _ => x == y,
        },
    }
}

pub(super) fn compare(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Str(x), V::Str(y)) => Some(x.cmp(y)),
        (V::Time(x), V::Time(y)) | (V::Span(x), V::Span(y)) => Some(x.cmp(y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(y)),
        (V::Long(x), V::Long(y)) => Some(x.cmp(y)),
        (x, y) => x.as_f64()?.partial_cmp(&y.as_f64()?),
    }
}

/// Sort order: nulls first ascending, last descending (Kusto's defaults).
pub(super) fn order_values(a: &V, b: &V, descending: bool) -> Ordering {
    match (a == &V::Null, b == &V::Null) {
        (true, true) => Ordering::Equal,
        (true, false) => {
            if descending {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (false, true) => {
            if descending {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        _ => {
            let o = compare(a, b).unwrap_or(Ordering::Equal);
            if descending { o.reverse() } else { o }
        }
    }
}

pub(super) fn binary(op: Op, x: &V, y: &V) -> V {
    if *x == V::Null || *y == V::Null {
        return match op {
            Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::EqCi | Op::NeCi => {
                V::Bool(false)
            }
            _ => V::Null,
        };
    }
    match op {
        Op::Eq => V::Bool(compare(x, y) == Some(Ordering::Equal)),
        Op::Ne => V::Bool(compare(x, y) != Some(Ordering::Equal)),
        Op::Lt => V::Bool(compare(x, y) == Some(Ordering::Less)),
        Op::Le => V::Bool(matches!(
            compare(x, y),
            Some(Ordering::Less | Ordering::Equal)
        )),
        Op::Gt => V::Bool(compare(x, y) == Some(Ordering::Greater)),
        Op::Ge => V::Bool(matches!(
            compare(x, y),
            Some(Ordering::Greater | Ordering::Equal)
        )),
        Op::EqCi | Op::NeCi => {
            let equal = match (x, y) {
                (V::Str(a), V::Str(b)) => a.eq_ignore_ascii_case(b),
                _ => false,
            };
            V::Bool(equal == (op == Op::EqCi))
        }
        Op::Add | Op::Sub => {
            let sign = if op == Op::Add { 1 } else { -1 };
            match (x, y) {
                (V::Time(a), V::Time(b)) if op == Op::Sub => V::Span(a - b),
                (V::Time(a), V::Span(b)) => V::Time(a + sign * b),
                (V::Span(a), V::Span(b)) => V::Span(a + sign * b),
                (V::Long(a), V::Long(b)) => V::Long(a + sign * b),
                (a, b) => match (a.as_f64(), b.as_f64()) {
                    (Some(p), Some(q)) => V::Real(p + sign as f64 * q),
                    _ => V::Null,
                },
            }
        }
        Op::Mul => match (x, y) {
            (V::Long(a), V::Long(b)) => V::Long(a * b),
            (V::Span(a), b) => b
                .as_f64()
                .map_or(V::Null, |q| V::Span((*a as f64 * q) as i64)),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(p), Some(q)) => V::Real(p * q),
                _ => V::Null,
            },
        },
        Op::Div => match (x, y) {
            (V::Span(a), V::Span(b)) => V::Real(*a as f64 / *b as f64),
            (V::Span(a), b) => b
                .as_f64()
                .map_or(V::Null, |q| V::Span((*a as f64 / q) as i64)),
            (V::Long(_), V::Long(0)) => V::Null,
            (V::Long(a), V::Long(b)) => V::Long(a / b),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(p), Some(q)) => V::Real(p / q),
                _ => V::Null,
            },
        },
        Op::And | Op::Or => V::Null,
    }
}

pub(super) fn call(f: &str, args: &[V]) -> V {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(V::Null);
    match f {
        "tolower" | "toupper" => match arg(0) {
            V::Str(s) if f == "tolower" => V::Str(s.to_lowercase()),
            V::Str(s) => V::Str(s.to_uppercase()),
            _ => V::Null,
        },
        "tostring" => match arg(0) {
            V::Null => V::Str(String::new()),
            V::Str(s) => V::Str(s),
            V::Dyn(Json::String(s)) => V::Str(s),
            V::Dyn(Json::Null) => V::Str(String::new()),
            V::Long(n) => V::Str(n.to_string()),
            V::Real(x) => V::Str(x.to_string()),
            V::Bool(b) => V::Str(b.to_string()),
            V::Time(t) => V::Str(format_time(t)),
            V::Span(t) => V::Str(format_span(t)),
            V::Dyn(j) => V::Str(j.to_string()),
        },
        "tolong" => match arg(0) {
            V::Long(n) => V::Long(n),
            V::Real(x) => V::Long(x as i64),
            V::Str(s) => s.trim().parse().map_or(V::Null, V::Long),
            V::Time(t) | V::Span(t) => V::Long(t),
            V::Bool(b) => V::Long(i64::from(b)),
            _ => V::Null,
        },
        "todouble" | "toreal" => match arg(0) {
            V::Str(s) => s.trim().parse().map_or(V::Null, V::Real),
            v => v.as_f64().map_or(V::Null, V::Real),
        },
        "isnull" => V::Bool(arg(0) == V::Null),
        "isnotnull" => V::Bool(arg(0) != V::Null),
        "isempty" | "isnotempty" => {
            let empty = matches!(arg(0), V::Null | V::Dyn(Json::Null))
                || matches!(arg(0), V::Str(ref s) if s.is_empty());
            V::Bool(empty == (f == "isempty"))
        }
        "not" => match arg(0) {
            V::Bool(b) => V::Bool(!b),
            _ => V::Null,
        },
        "strlen" => match arg(0) {
            V::Str(s) => V::Long(s.chars().count() as i64),
            _ => V::Null,
        },
        "indexof" => match (arg(0), arg(1)) {
            (V::Str(s), V::Str(needle)) => V::Long(
                s.find(&needle)
                    .map_or(-1, |byte| s[..byte].chars().count() as i64),
            ),
            _ => V::Null,
        },
        "substring" => match (arg(0), arg(1)) {
            (V::Str(s), V::Long(start)) => {
                let start = usize::try_from(start.max(0)).unwrap_or(0);
                let chars = s.chars().skip(start);
                V::Str(match arg(2) {
                    V::Long(len) => chars
                        .take(usize::try_from(len.max(0)).unwrap_or(0))
                        .collect(),
                    _ => chars.collect(),
                })
            }
            _ => V::Null,
        },
        "split" => match (arg(0), arg(1)) {
            (V::Str(s), V::Str(sep)) if !sep.is_empty() => V::Dyn(Json::Array(
                s.split(sep.as_str())
                    .map(|p| Json::String(p.into()))
                    .collect(),
            )),
            _ => V::Null,
        },
        "strcat" => V::Str(
            args.iter()
                .map(|a| match call("tostring", std::slice::from_ref(a)) {
                    V::Str(s) => s,
                    _ => String::new(),
                })
                .collect(),
        ),
        "bin" => match (arg(0), arg(1)) {
            (V::Time(t), V::Span(width)) if width > 0 => {
                V::Time((t + EPOCH_OFFSET).div_euclid(width) * width - EPOCH_OFFSET)
            }
            (V::Long(n), V::Long(width)) if width > 0 => V::Long(n.div_euclid(width) * width),
            (v, w) => match (v.as_f64(), w.as_f64()) {
                (Some(x), Some(width)) if width > 0.0 => V::Real((x / width).floor() * width),
                _ => V::Null,
            },
        },
        // bin_at(value, width, fixed point): bins aligned on the fixed point.
        "bin_at" => match (arg(0), arg(1), arg(2)) {
            (V::Time(t), V::Span(width), V::Time(at)) if width > 0 => {
                V::Time((t - at).div_euclid(width) * width + at)
            }
            _ => V::Null,
        },
        "startofday" => match arg(0) {
            V::Time(t) => V::Time(t.div_euclid(86_400 * TICKS) * 86_400 * TICKS),
            _ => V::Null,
        },
        "startofmonth" => match arg(0) {
            V::Time(t) => {
                let d = Utc
                    .timestamp_opt(t.div_euclid(TICKS), 0)
                    .single()
                    .unwrap_or_default();
                let first = Utc
                    .with_ymd_and_hms(d.year(), d.month(), 1, 0, 0, 0)
                    .single()
                    .unwrap_or_default();
                V::Time(first.timestamp() * TICKS)
            }
            _ => V::Null,
        },
        "iff" | "iif" => {
            let pick = if arg(0) == V::Bool(true) {
                arg(1)
            } else {
                arg(2)
            };
            // A numeric iff whose branches differ in type gives reals.
            match (&arg(1), &arg(2), &pick) {
                (V::Long(_), V::Real(_), V::Long(n)) | (V::Real(_), V::Long(_), V::Long(n)) => {
                    V::Real(*n as f64)
                }
                _ => pick,
            }
        }
        _ => V::Null,
    }
}

/// One aggregation over a group's values (nulls skipped).
pub(super) fn aggregate(kind: &str, values: &[V]) -> V {
    let present = values.iter().filter(|v| **v != V::Null);
    match kind {
        "count" => V::Long(values.len() as i64),
        "countif" => V::Long(values.iter().filter(|v| **v == V::Bool(true)).count() as i64),
        "sum" => {
            if values.iter().all(|v| matches!(v, V::Long(_) | V::Null)) {
                V::Long(
                    present
                        .filter_map(|v| match v {
                            V::Long(n) => Some(*n),
                            _ => None,
                        })
                        .sum(),
                )
            } else {
                V::Real(accurate_sum(present.filter_map(V::as_f64)))
            }
        }
        "avg" => {
            let numbers: Vec<f64> = present.filter_map(V::as_f64).collect();
            if numbers.is_empty() {
                V::Null
            } else {
                V::Real(accurate_sum(numbers.iter().copied()) / numbers.len() as f64)
            }
        }
        "min" | "max" => {
            let mut best: Option<&V> = None;
            for v in present {
                let better = match best {
                    None => true,
                    Some(b) => {
                        let o = compare(v, b).unwrap_or(Ordering::Equal);
                        (kind == "min" && o == Ordering::Less)
                            || (kind == "max" && o == Ordering::Greater)
                    }
                };
                if better {
                    best = Some(v);
                }
            }
            best.cloned().unwrap_or(V::Null)
        }
        _ => V::Null,
    }
}

/// A compensated (Kahan-Babuska-Neumaier) sum: a sum of reals as exact as a double allows.
fn accurate_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for x in values {
        let t = sum + x;
        if sum.abs() >= x.abs() {
            compensation += (sum - t) + x;
        } else {
            compensation += (x - t) + sum;
        }
        sum = t;
    }
    sum + compensation
}
