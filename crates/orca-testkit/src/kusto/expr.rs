//! The fake's scalar expressions: [`Evaluate::type_of`] checks an expression's type over a
//! frame's columns before any row is read, [`Evaluate::eval`] gives its value over one row
//! (operators and functions from [`super::functions`]); and [`QueryError`], what every part of
//! the interpreter fails with.
//!
//! A name is the row's column, else a query parameter or scalar `let` ([`Bindings`]); `and` and
//! `or` stop early and take null for false; `x in (...)` is false for a null `x`, negated or not,
//! and flattens dynamic arrays; `matches regex` takes a literal or parameter pattern, compiled
//! once per query. What surrounds an expression (its bindings, and the pipeline a
//! `toscalar(...)` runs) comes from the [`Evaluate`] implementor.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::functions::{KNOWN, binary, call, from_json, same};
use super::kql::{Expr, Op, Pipeline, dynamic};
use super::values::{Type, V, parse_time};

/// Why a query failed: a syntax or semantic error (400).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct QueryError {
    pub kind: &'static str,
    pub message: String,
}

pub(super) fn semantic(message: impl Into<String>) -> QueryError {
    QueryError {
        kind: "SemanticException",
        message: format!("Semantic error: {}", message.into()),
    }
}

/// The values of a dynamic array, nested arrays flattened (`x in (dynamic([1, [2, 3]]))` is
/// `x in (1, 2, 3)`, as Kusto documents).
pub(super) fn flatten(json: Json) -> Vec<V> {
    match json {
        Json::Array(items) => items.into_iter().flat_map(flatten).collect(),
        other => vec![from_json(other)],
    }
}

/// What names resolve to while an expression is checked or evaluated.
pub(super) struct Row<'r> {
    pub columns: &'r [(String, Type)],
    pub values: &'r [V],
}

/// The names an expression may use beside its row's columns, and the regular expressions
/// compiled so far.
#[derive(Default)]
pub(super) struct Bindings {
    /// The declared query parameters and the scalar `let`s: type and value.
    pub params: HashMap<String, (Type, V)>,
    /// The values of each dynamic-array parameter, flattened once (for `in`).
    pub lists: HashMap<String, Vec<V>>,
    regexes: HashMap<String, regex::Regex>,
}

impl Bindings {
    fn name_type(&self, name: &str, columns: &[(String, Type)]) -> Result<Type, QueryError> {
        if let Some((_, t)) = columns.iter().find(|c| c.0 == name) {
            return Ok(*t);
        }
        if let Some((t, _)) = self.params.get(name) {
            return Ok(*t);
        }
        Err(semantic(format!(
            "Failed to resolve scalar expression named '{name}'"
        )))
    }
}

/// Checks and evaluates expressions for what surrounds them: the implementor gives the bindings
/// in scope and runs a `toscalar(...)` pipeline.
pub(super) trait Evaluate {
    /// The query parameters and scalar `let`s in scope.
    fn bindings(&mut self) -> &mut Bindings;

    /// `toscalar(pipeline)`: the first column's type, and its first row's value (null without
    /// rows).
    fn first_value(&mut self, pipeline: &Pipeline) -> Result<(Type, V), QueryError>;

    /// The type of an expression over `columns`, or the semantic error Kusto would report.
    fn type_of(&mut self, e: &Expr, columns: &[(String, Type)]) -> Result<Type, QueryError> {
        use Type::*;
        Ok(match e {
            Expr::Str(_) => String,
            Expr::Long(_) => Long,
            Expr::Real(_) => Real,
            Expr::Span(_) => TimeSpan,
            Expr::Literal("datetime", _) => DateTime,
            Expr::Literal(_, _) => Dynamic,
            Expr::Name(n) => self.bindings().name_type(n, columns)?,
            Expr::Neg(inner) => self.type_of(inner, columns)?,
            Expr::Index(base, _) => {
                if self.type_of(base, columns)? != Dynamic {
                    return Err(semantic("only dynamic values can be indexed"));
                }
                Dynamic
            }
            Expr::In { value, list, .. } => {
                let t = self.type_of(value, columns)?;
                for item in list {
                    let it = self.type_of(item, columns)?;
                    if it != Dynamic && it != t && !(it.numeric() && t.numeric()) {
                        return Err(semantic(format!(
                            "'in' compares a {} with a {}",
                            t.name(),
                            it.name()
                        )));
                    }
                }
                Bool
            }
            Expr::ToScalar(pipeline) => self.first_value(pipeline)?.0,
            Expr::Matches(text, pattern) => {
                if self.type_of(text, columns)? != String
                    || self.type_of(pattern, columns)? != String
                {
                    return Err(semantic("'matches regex' needs strings"));
                }
                // Kusto compiles the expression once: it must be a literal or a parameter.
                let constant = match &**pattern {
                    Expr::Str(_) => true,
                    Expr::Name(n) => {
                        !columns.iter().any(|c| &c.0 == n) && self.bindings().params.contains_key(n)
                    }
                    _ => false,
                };
                if !constant {
                    return Err(semantic(
                        "matches regex: failed to cast argument 2 to scalar constant",
                    ));
                }
                Bool
            }
            Expr::Bin(op, a, b) => {
                let (ta, tb) = (self.type_of(a, columns)?, self.type_of(b, columns)?);
                let mismatch = || {
                    semantic(format!(
                        "Cannot apply {op:?} to a {} and a {}",
                        ta.name(),
                        tb.name()
                    ))
                };
                match op {
                    Op::Or | Op::And => {
                        if ta != Bool || tb != Bool {
                            return Err(mismatch());
                        }
                        Bool
                    }
                    Op::EqCi | Op::NeCi => {
                        if ta != String || tb != String {
                            return Err(mismatch());
                        }
                        Bool
                    }
                    Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        if ta != tb && !(ta.numeric() && tb.numeric()) {
                            return Err(mismatch());
                        }
                        Bool
                    }
                    Op::Add | Op::Sub => match (ta, tb) {
                        (DateTime, DateTime) if *op == Op::Sub => TimeSpan,
                        (DateTime, TimeSpan) => DateTime,
                        (TimeSpan, TimeSpan) => TimeSpan,
                        (Long, Long) => Long,
                        (x, y) if x.numeric() && y.numeric() => Real,
                        _ => return Err(mismatch()),
                    },
                    Op::Mul => match (ta, tb) {
                        (Long, Long) => Long,
                        (TimeSpan, y) if y.numeric() => TimeSpan,
                        (x, y) if x.numeric() && y.numeric() => Real,
                        _ => return Err(mismatch()),
                    },
                    Op::Div => match (ta, tb) {
                        (TimeSpan, TimeSpan) => Real,
                        (TimeSpan, y) if y.numeric() => TimeSpan,
                        (Long, Long) => Long,
                        (x, y) if x.numeric() && y.numeric() => Real,
                        _ => return Err(mismatch()),
                    },
                }
            }
            Expr::Call(f, args) => {
                let mut types = Vec::with_capacity(args.len());
                for a in args {
                    types.push(self.type_of(a, columns)?);
                }
                let wrong = || {
                    semantic(format!(
                        "the function '{f}' does not take ({})",
                        types
                            .iter()
                            .map(|t| t.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                };
                match (f.as_str(), types.as_slice()) {
                    ("tolower" | "toupper", [String]) => String,
                    ("tostring", [_]) => String,
                    ("tolong", [_]) => Long,
                    ("todouble" | "toreal", [_]) => Real,
                    ("isnull" | "isnotnull", [_]) => Bool,
                    ("isempty" | "isnotempty", [_]) => Bool,
                    ("not", [Bool]) => Bool,
                    ("strlen" | "indexof", [String, ..]) => Long,
                    ("substring", [String, Long] | [String, Long, Long]) => String,
                    ("split", [String, String]) => Dynamic,
                    ("strcat", _) => String,
                    ("bin", [t @ (DateTime | Long | Real), TimeSpan | Long | Real]) => *t,
                    ("bin_at", [DateTime, TimeSpan, DateTime]) => DateTime,
                    ("startofmonth" | "startofday", [DateTime]) => DateTime,
                    ("iff" | "iif", [Bool, a, b]) => {
                        if a == b {
                            *a
                        } else if a.numeric() && b.numeric() {
                            Real
                        } else {
                            return Err(wrong());
                        }
                    }
                    (
                        "count" | "countif" | "sum" | "avg" | "min" | "max" | "arg_min" | "arg_max",
                        _,
                    ) => {
                        return Err(semantic(format!(
                            "the aggregation '{f}' can only be used in summarize"
                        )));
                    }
                    (other, _) if !KNOWN.contains(&other) => {
                        return Err(semantic(format!(
                            "'{other}' is not a function this fake supports"
                        )));
                    }
                    _ => return Err(wrong()),
                }
            }
        })
    }

    fn eval(&mut self, e: &Expr, row: &Row<'_>) -> Result<V, QueryError> {
        Ok(match e {
            Expr::Str(s) => V::Str(s.clone()),
            Expr::Long(n) => V::Long(*n),
            Expr::Real(x) => V::Real(*x),
            Expr::Span(t) => V::Span(*t),
            Expr::Literal("datetime", raw) => V::Time(
                parse_time(raw).ok_or_else(|| semantic(format!("bad datetime literal '{raw}'")))?,
            ),
            Expr::Literal(_, raw) => V::Dyn(dynamic(raw).map_err(semantic)?),
            Expr::Name(n) => match row.columns.iter().position(|c| &c.0 == n) {
                Some(i) => row.values[i].clone(),
                None => match self.bindings().params.get(n) {
                    Some((_, v)) => v.clone(),
                    None => {
                        return Err(semantic(format!(
                            "Failed to resolve scalar expression named '{n}'"
                        )));
                    }
                },
            },
            Expr::Neg(inner) => match self.eval(inner, row)? {
                V::Long(n) => V::Long(-n),
                V::Real(x) => V::Real(-x),
                V::Span(t) => V::Span(-t),
                _ => V::Null,
            },
            Expr::Index(base, index) => {
                let base = self.eval(base, row)?;
                let index = self.eval(index, row)?;
                match (base, index) {
                    (V::Dyn(Json::Array(items)), V::Long(i)) => {
                        let at = if i < 0 { items.len() as i64 + i } else { i };
                        usize::try_from(at)
                            .ok()
                            .and_then(|at| items.get(at).cloned())
                            .map_or(V::Null, V::Dyn)
                    }
                    (V::Dyn(Json::Object(map)), V::Str(k)) => {
                        map.get(&k).cloned().map_or(V::Null, V::Dyn)
                    }
                    _ => V::Null,
                }
            }
            Expr::In {
                value,
                list,
                negated,
                any_case,
            } => {
                let v = self.eval(value, row)?;
                if v == V::Null {
                    return Ok(V::Bool(false));
                }
                let mut found = false;
                for item in list {
                    if let Expr::Name(n) = item
                        && !row.columns.iter().any(|c| &c.0 == n)
                        && let Some(values) = self.bindings().lists.get(n)
                    {
                        if values.iter().any(|c| same(&v, c, *any_case)) {
                            found = true;
                            break;
                        }
                        continue;
                    }
                    let candidates = match self.eval(item, row)? {
                        V::Dyn(json @ Json::Array(_)) => flatten(json),
                        other => vec![other],
                    };
                    if candidates.iter().any(|c| same(&v, c, *any_case)) {
                        found = true;
                        break;
                    }
                }
                V::Bool(found != *negated)
            }
            Expr::ToScalar(pipeline) => self.first_value(pipeline)?.1,
            Expr::Matches(text, pattern) => {
                let (V::Str(text), V::Str(pattern)) =
                    (self.eval(text, row)?, self.eval(pattern, row)?)
                else {
                    return Ok(V::Bool(false));
                };
                if !self.bindings().regexes.contains_key(&pattern) {
                    let compiled = regex::Regex::new(&pattern).map_err(|e| {
                        semantic(format!("'matches regex': invalid regular expression: {e}"))
                    })?;
                    self.bindings().regexes.insert(pattern.clone(), compiled);
                }
                V::Bool(self.bindings().regexes[&pattern].is_match(&text))
            }
            Expr::Bin(op, a, b) => {
                let x = self.eval(a, row)?;
                match op {
                    Op::And => {
                        if x != V::Bool(true) {
                            return Ok(V::Bool(false));
                        }
                        return Ok(V::Bool(self.eval(b, row)? == V::Bool(true)));
                    }
                    Op::Or => {
                        if x == V::Bool(true) {
                            return Ok(V::Bool(true));
                        }
                        return Ok(V::Bool(self.eval(b, row)? == V::Bool(true)));
                    }
                    _ => {}
                }
                let y = self.eval(b, row)?;
                binary(*op, &x, &y)
            }
            Expr::Call(f, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, row)?);
                }
                call(f, &values)
            }
        })
    }
}
