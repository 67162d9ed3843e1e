//! The fake's `summarize`: the rows grouped by the `by` keys in first-seen order, one row per
//! group with the keys and then each aggregate (`count countif sum avg min max` folded by
//! [`super::functions::aggregate`]; `arg_min` / `arg_max` here). Types are checked before any
//! row is read; without `by`, an empty frame still gives one row.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::expr::{Evaluate, QueryError, Row, semantic};
use super::functions::{aggregate, compare};
use super::kql::{Expr, default_name};
use super::values::{Frame, Type, V};

/// `summarize <aggregates> by <by>` over `frame`: the key columns, then one column per
/// aggregate (an `arg_min` / `arg_max` gives one per argument, named after it).
pub(super) fn summarize(
    cx: &mut impl Evaluate,
    frame: Frame,
    aggregates: &[(String, Expr)],
    by: &[(String, Expr)],
) -> Result<Frame, QueryError> {
    let mut columns = Vec::new();
    for (name, e) in by {
        columns.push((name.clone(), cx.type_of(e, &frame.columns)?));
    }
    let mut kinds = Vec::new();
    for (name, e) in aggregates {
        let Expr::Call(f, args) = e else {
            return Err(semantic(format!(
                "'summarize': '{name}' is not an aggregation"
            )));
        };
        let arg_type = match args.first() {
            Some(a) => Some(cx.type_of(a, &frame.columns)?),
            None => None,
        };
        // arg_min(ExprToMinimize, ExprToReturn, ...): one column per argument, named as
        // Kusto names them (the expressions' own names).
        if (f == "arg_min" || f == "arg_max") && args.len() >= 2 {
            for a in args {
                columns.push((default_name(a), cx.type_of(a, &frame.columns)?));
            }
            kinds.push(f.clone());
            continue;
        }
        let ty = match (f.as_str(), args.len(), arg_type) {
            ("count", 0, _) => Type::Long,
            ("countif", 1, Some(Type::Bool)) => Type::Long,
            ("sum", 1, Some(Type::Long)) => Type::Long,
            ("sum", 1, Some(Type::Real)) | ("avg", 1, Some(Type::Long | Type::Real)) => Type::Real,
            ("min" | "max", 1, Some(t)) => t,
            _ => {
                return Err(semantic(format!(
                    "'summarize': the aggregation '{f}' with these arguments is not supported"
                )));
            }
        };
        kinds.push(f.clone());
        columns.push((name.clone(), ty));
    }
    // Groups in first-seen order.
    let mut groups: Vec<(Vec<V>, Vec<usize>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, values) in frame.rows.iter().enumerate() {
        let key = by
            .iter()
            .map(|(_, e)| {
                cx.eval(
                    e,
                    &Row {
                        columns: &frame.columns,
                        values,
                    },
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let hash = format!("{key:?}");
        match index.get(&hash) {
            Some(&g) => groups[g].1.push(i),
            None => {
                index.insert(hash, groups.len());
                groups.push((key, vec![i]));
            }
        }
    }
    if groups.is_empty() && by.is_empty() {
        groups.push((Vec::new(), Vec::new()));
    }
    let mut rows = Vec::with_capacity(groups.len());
    for (key, members) in groups {
        let mut row = key;
        for ((_, e), kind) in aggregates.iter().zip(&kinds) {
            let Expr::Call(_, args) = e else { continue };
            if kind == "arg_min" || kind == "arg_max" {
                row.extend(arg_extreme(cx, kind == "arg_max", args, &frame, &members)?);
                continue;
            }
            let mut values = Vec::with_capacity(members.len());
            for &m in &members {
                let r = Row {
                    columns: &frame.columns,
                    values: &frame.rows[m],
                };
                values.push(match args.first() {
                    Some(a) => cx.eval(a, &r)?,
                    None => V::Null,
                });
            }
            row.push(aggregate(kind, &values));
        }
        rows.push(row);
    }
    Ok(Frame { columns, rows })
}

/// `arg_min` / `arg_max` over a group: the first row with the smallest (largest) non-null
/// first argument, every argument evaluated on it (nulls when none has one).
fn arg_extreme(
    cx: &mut impl Evaluate,
    largest: bool,
    args: &[Expr],
    frame: &Frame,
    members: &[usize],
) -> Result<Vec<V>, QueryError> {
    let mut best: Option<(V, usize)> = None;
    for &m in members {
        let r = Row {
            columns: &frame.columns,
            values: &frame.rows[m],
        };
        let v = cx.eval(&args[0], &r)?;
        if v == V::Null {
            continue;
        }
        let better = match &best {
            None => true,
            Some((b, _)) => {
                let o = compare(&v, b).unwrap_or(Ordering::Equal);
                if largest {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            }
        };
        if better {
            best = Some((v, m));
        }
    }
    let Some((_, m)) = best else {
        return Ok(vec![V::Null; args.len()]);
    };
    let r = Row {
        columns: &frame.columns,
        values: &frame.rows[m],
    };
    args.iter().map(|a| cx.eval(a, &r)).collect()
}
