//! The fake's KQL interpreter: runs the statements of [`super::kql`] over the tables of
//! [`super::values`], with the declared query parameters bound from `properties.Parameters`.
//!
//! Semantics follow Kusto where the connector relies on them: `null` compares false and is
//! skipped by aggregates; strings are never null (a missing text is `""`); `bin(t, 7d)` counts
//! from 0001-01-01 (a Monday); `order by` defaults to descending, nulls last when descending and
//! first when ascending; `=~` and `in~` ignore ASCII case only (as Kusto documents), `tolower`
//! folds Unicode case. Types are checked before any row is read, so a connector bug (a
//! comparison of a datetime with a string, an unknown column) is a semantic error even over an
//! empty table.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value as Json;

use super::functions::{KNOWN, aggregate, binary, call, compare, from_json, order_values, same};
use super::kql::{Expr, Op, Operator, Pipeline, Statement, default_name, dynamic, parse};
use super::values::{Frame, Type, V, parse_time};

/// Why a query failed: a syntax or semantic error (400).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct QueryError {
    pub kind: &'static str,
    pub message: String,
}

fn semantic(message: impl Into<String>) -> QueryError {
    QueryError {
        kind: "SemanticException",
        message: format!("Semantic error: {}", message.into()),
    }
}

/// Runs a query text with its parameters (`properties.Parameters`, values as KQL literals in
/// strings) over `tables`: one result frame per tabular statement.
pub(super) fn run(
    text: &str,
    parameters: &serde_json::Map<String, Json>,
    tables: &HashMap<String, Frame>,
) -> Result<Vec<Frame>, QueryError> {
    let statements = parse(text).map_err(|message| QueryError {
        kind: "SyntaxException",
        message: format!("Syntax error: {message}"),
    })?;
    let mut scope = Scope {
        params: HashMap::new(),
        lists: HashMap::new(),
        lets: HashMap::new(),
        tables,
        regexes: HashMap::new(),
    };
    let mut results = Vec::new();
    for statement in statements {
        match statement {
            Statement::Declare(declared) => {
                for (name, kind) in declared {
                    let ty = Type::parse(&kind).ok_or_else(|| {
                        semantic(format!("unknown type '{kind}' of parameter '{name}'"))
                    })?;
                    let raw = parameters.get(&name).ok_or_else(|| {
                        semantic(format!(
                            "query parameter '{name}' was declared but not given"
                        ))
                    })?;
                    let value = parameter(&name, ty, raw)?;
                    if let V::Dyn(json @ Json::Array(_)) = &value {
                        scope.lists.insert(name.clone(), flatten(json.clone()));
                    }
                    scope.params.insert(name.clone(), (ty, value));
                }
            }
            Statement::Let(name, pipeline) => {
                let frame = scope.pipeline(&pipeline)?;
                scope.lets.insert(name, frame);
            }
            Statement::LetScalar(name, e) => {
                let typed = scope.scalar(&e)?;
                scope.params.insert(name, typed);
            }
            Statement::Tabular(pipeline) => results.push(scope.pipeline(&pipeline)?),
        }
    }
    if results.is_empty() {
        return Err(semantic("the query has no tabular statement"));
    }
    Ok(results)
}

/// The values of a dynamic array, nested arrays flattened (`x in (dynamic([1, [2, 3]]))` is
/// `x in (1, 2, 3)`, as Kusto documents).
fn flatten(json: Json) -> Vec<V> {
    match json {
        Json::Array(items) => items.into_iter().flat_map(flatten).collect(),
        other => vec![from_json(other)],
    }
}

/// A parameter's value from its literal text.
fn parameter(name: &str, ty: Type, raw: &Json) -> Result<V, QueryError> {
    let bad = || {
        semantic(format!(
            "the value of query parameter '{name}' is not a {}",
            ty.name()
        ))
    };
    let text = match raw {
        Json::String(s) => s.trim().to_string(),
        other => other.to_string(),
    };
    let inner = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|r| r.trim_start().strip_prefix('('))
            .and_then(|r| r.strip_suffix(')'))
            .map(str::to_string)
    };
    Ok(match ty {
        Type::String => match raw {
            Json::String(s) => V::Str(s.clone()),
            _ => return Err(bad()),
        },
        Type::Long => V::Long(text.parse().map_err(|_| bad())?),
        Type::Real => V::Real(text.parse().map_err(|_| bad())?),
        Type::Bool => V::Bool(text.parse().map_err(|_| bad())?),
        Type::DateTime => {
            let t = inner("datetime").unwrap_or(text.clone());
            V::Time(parse_time(&t).ok_or_else(bad)?)
        }
        Type::Dynamic => {
            let t = inner("dynamic").unwrap_or(text.clone());
            V::Dyn(dynamic(&t).map_err(|_| bad())?)
        }
        Type::TimeSpan => return Err(bad()),
    })
}

struct Scope<'a> {
    params: HashMap<String, (Type, V)>,
    /// The values of each dynamic-array parameter, flattened once (for `in`).
    lists: HashMap<String, Vec<V>>,
    lets: HashMap<String, Frame>,
    tables: &'a HashMap<String, Frame>,
    regexes: HashMap<String, regex::Regex>,
}

/// What names resolve to while an expression is checked or evaluated.
struct Row<'r> {
    columns: &'r [(String, Type)],
    values: &'r [V],
}

impl Scope<'_> {
    fn pipeline(&mut self, pipeline: &Pipeline) -> Result<Frame, QueryError> {
        let mut operators = pipeline.operators.iter();
        let mut frame = match self.lets.get(&pipeline.source) {
            Some(frame) => frame.clone(),
            None => {
                let tables = self.tables;
                let table = tables.get(&pipeline.source).ok_or_else(|| {
                    semantic(format!(
                        "Failed to resolve table or column expression named '{}'",
                        pipeline.source
                    ))
                })?;
                // A stored table is filtered in place: only the rows kept are copied.
                match pipeline.operators.first() {
                    Some(Operator::Where(e)) => {
                        operators.next();
                        self.filter(table, e)?
                    }
                    _ => table.clone(),
                }
            }
        };
        for operator in operators {
            frame = self.operator(frame, operator)?;
        }
        Ok(frame)
    }

    /// A scalar expression outside any row (a scalar `let`): its type and value.
    fn scalar(&mut self, e: &Expr) -> Result<(Type, V), QueryError> {
        if let Expr::ToScalar(pipeline) = e {
            return self.first_value(pipeline);
        }
        let ty = self.type_of(e, &[])?;
        let value = self.eval(
            e,
            &Row {
                columns: &[],
                values: &[],
            },
        )?;
        Ok((ty, value))
    }

    /// `toscalar(pipeline)`: the first column's type, and its first row's value (null without
    /// rows).
    fn first_value(&mut self, pipeline: &Pipeline) -> Result<(Type, V), QueryError> {
        let frame = self.pipeline(pipeline)?;
        let ty = frame
            .columns
            .first()
            .map(|c| c.1)
            .ok_or_else(|| semantic("toscalar(): the tabular expression has no column"))?;
        let value = frame.rows.first().map_or(V::Null, |row| row[0].clone());
        Ok((ty, value))
    }

    /// `where e` over `frame`: copies of the rows for which `e` is true.
    fn filter(&mut self, frame: &Frame, e: &Expr) -> Result<Frame, QueryError> {
        if self.type_of(e, &frame.columns)? != Type::Bool {
            return Err(semantic("'where' operator: the predicate is not a bool"));
        }
        let mut rows = Vec::new();
        for values in &frame.rows {
            let row = Row {
                columns: &frame.columns,
                values,
            };
            if self.eval(e, &row)? == V::Bool(true) {
                rows.push(values.clone());
            }
        }
        Ok(Frame {
            columns: frame.columns.clone(),
            rows,
        })
    }

    fn operator(&mut self, frame: Frame, operator: &Operator) -> Result<Frame, QueryError> {
        Ok(match operator {
            Operator::Where(e) => self.filter(&frame, e)?,
            Operator::Extend(list) => {
                let mut columns = frame.columns.clone();
                let mut types = Vec::new();
                for (name, e) in list {
                    let ty = self.type_of(e, &columns)?;
                    types.push(ty);
                    match columns.iter().position(|c| &c.0 == name) {
                        Some(i) => columns[i].1 = ty,
                        None => columns.push((name.clone(), ty)),
                    }
                }
                let mut rows = Vec::with_capacity(frame.rows.len());
                for values in &frame.rows {
                    let mut row = values.clone();
                    for (name, e) in list {
                        let v = self.eval(
                            e,
                            &Row {
                                columns: &frame.columns,
                                values,
                            },
                        )?;
                        match frame.columns.iter().position(|c| &c.0 == name) {
                            Some(i) => row[i] = v,
                            None => row.push(v),
                        }
                    }
                    rows.push(row);
                }
                Frame { columns, rows }
            }
            Operator::Project(list) => {
                let mut columns = Vec::new();
                for (name, e) in list {
                    columns.push((name.clone(), self.type_of(e, &frame.columns)?));
                }
                let mut rows = Vec::with_capacity(frame.rows.len());
                for values in &frame.rows {
                    let row = list
                        .iter()
                        .map(|(_, e)| {
                            self.eval(
                                e,
                                &Row {
                                    columns: &frame.columns,
                                    values,
                                },
                            )
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    rows.push(row);
                }
                Frame { columns, rows }
            }
            Operator::Take(n) => {
                let n = self.constant_long(n, &frame.columns)?;
                let mut frame = frame;
                frame
                    .rows
                    .truncate(usize::try_from(n.max(0)).unwrap_or(usize::MAX));
                frame
            }
            Operator::Count => Frame {
                columns: vec![("Count".into(), Type::Long)],
                rows: vec![vec![V::Long(frame.rows.len() as i64)]],
            },
            Operator::Order(keys) => self.sort(frame, keys)?,
            Operator::Top { n, by, descending } => {
                let n = self.constant_long(n, &frame.columns)?;
                let mut frame = self.sort(frame, &[(by.clone(), *descending)])?;
                frame
                    .rows
                    .truncate(usize::try_from(n.max(0)).unwrap_or(usize::MAX));
                frame
            }
            Operator::Summarize { aggregates, by } => self.summarize(frame, aggregates, by)?,
        })
    }

    fn constant_long(&mut self, e: &Expr, columns: &[(String, Type)]) -> Result<i64, QueryError> {
        let v = self
            .eval(
                e,
                &Row {
                    columns: &[],
                    values: &[],
                },
            )
            .map_err(|_| semantic("'take' and 'top' need a constant row count"))?;
        let _ = columns;
        match v {
            V::Long(n) => Ok(n),
            _ => Err(semantic("'take' and 'top' need a long row count")),
        }
    }

    fn sort(&mut self, frame: Frame, keys: &[(Expr, bool)]) -> Result<Frame, QueryError> {
        for (e, _) in keys {
            self.type_of(e, &frame.columns)?;
        }
        let mut keyed = Vec::with_capacity(frame.rows.len());
        for values in frame.rows {
            let k = keys
                .iter()
                .map(|(e, _)| {
                    self.eval(
                        e,
                        &Row {
                            columns: &frame.columns,
                            values: &values,
                        },
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            keyed.push((k, values));
        }
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, (_, descending)) in keys.iter().enumerate() {
                let o = order_values(&a[i], &b[i], *descending);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        Ok(Frame {
            columns: frame.columns,
            rows: keyed.into_iter().map(|(_, r)| r).collect(),
        })
    }

    fn summarize(
        &mut self,
        frame: Frame,
        aggregates: &[(String, Expr)],
        by: &[(String, Expr)],
    ) -> Result<Frame, QueryError> {
        let mut columns = Vec::new();
        for (name, e) in by {
            columns.push((name.clone(), self.type_of(e, &frame.columns)?));
        }
        let mut kinds = Vec::new();
        for (name, e) in aggregates {
            let Expr::Call(f, args) = e else {
                return Err(semantic(format!(
                    "'summarize': '{name}' is not an aggregation"
                )));
            };
            let arg_type = match args.first() {
                Some(a) => Some(self.type_of(a, &frame.columns)?),
                None => None,
            };
            // arg_min(ExprToMinimize, ExprToReturn, ...): one column per argument, named as
            // Kusto names them (the expressions' own names).
            if (f == "arg_min" || f == "arg_max") && args.len() >= 2 {
                for a in args {
                    columns.push((default_name(a), self.type_of(a, &frame.columns)?));
                }
                kinds.push(f.clone());
                continue;
            }
            let ty = match (f.as_str(), args.len(), arg_type) {
                ("count", 0, _) => Type::Long,
                ("countif", 1, Some(Type::Bool)) => Type::Long,
                ("sum", 1, Some(Type::Long)) => Type::Long,
                ("sum", 1, Some(Type::Real)) | ("avg", 1, Some(Type::Long | Type::Real)) => {
                    Type::Real
                }
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
                    self.eval(
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
                    row.extend(self.arg_extreme(kind == "arg_max", args, &frame, &members)?);
                    continue;
                }
                let mut values = Vec::with_capacity(members.len());
                for &m in &members {
                    let r = Row {
                        columns: &frame.columns,
                        values: &frame.rows[m],
                    };
                    values.push(match args.first() {
                        Some(a) => self.eval(a, &r)?,
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
        &mut self,
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
            let v = self.eval(&args[0], &r)?;
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
        args.iter().map(|a| self.eval(a, &r)).collect()
    }

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
            Expr::Name(n) => self.name_type(n, columns)?,
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
                        !columns.iter().any(|c| &c.0 == n) && self.params.contains_key(n)
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
                None => match self.params.get(n) {
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
                        && let Some(values) = self.lists.get(n)
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
                if !self.regexes.contains_key(&pattern) {
                    let compiled = regex::Regex::new(&pattern).map_err(|e| {
                        semantic(format!("'matches regex': invalid regular expression: {e}"))
                    })?;
                    self.regexes.insert(pattern.clone(), compiled);
                }
                V::Bool(self.regexes[&pattern].is_match(&text))
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

#[cfg(test)]
mod tests {
    use super::super::values::text;
    use super::*;
    use serde_json::json;

    fn table() -> HashMap<String, Frame> {
        let mut t = HashMap::new();
        t.insert(
            "T".to_string(),
            Frame {
                columns: vec![("At".into(), Type::DateTime), ("Name".into(), Type::String)],
                rows: vec![
                    vec![
                        V::Time(parse_time("2026-03-04T15:30:00Z").unwrap()),
                        text("Ford"),
                    ],
                    vec![
                        V::Time(parse_time("2026-03-01T23:59:59Z").unwrap()),
                        text("GM"),
                    ],
                    vec![V::Null, text("ford")],
                ],
            },
        );
        t
    }

    #[test]
    fn weeks_start_on_monday_and_parameters_bind() {
        let params = json!({"p0": "dynamic([\"FORD\"])"});
        let out = run(
            "declare query_parameters(p0:dynamic);\nT | where Name in~ (p0) | summarize n = count() by b = bin(At, 7d)",
            params.as_object().unwrap(),
            &table(),
        )
        .unwrap();
        assert_eq!(out[0].columns[0], ("b".to_string(), Type::DateTime));
        assert_eq!(out[0].rows.len(), 2, "{:?}", out[0].rows);
        assert_eq!(out[0].rows[0][0].to_json(), json!("2026-03-02T00:00:00Z"));
    }

    #[test]
    fn arg_min_and_arg_max_return_the_row_of_the_extreme() {
        let params = serde_json::Map::new();
        let out = run(
            "T | summarize arg_max(At, Name) by k = 1; T | summarize arg_min(At, Name)",
            &params,
            &table(),
        )
        .unwrap();
        let names: Vec<&str> = out[0].columns.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(names, ["k", "At", "Name"]);
        assert_eq!(out[0].rows[0][2], text("Ford"));
        assert_eq!(out[1].rows[0][1], text("GM"));
    }

    #[test]
    fn type_errors_are_semantic_errors_even_without_rows() {
        let params = serde_json::Map::new();
        let e = run("T | take 0 | where At == \"x\"", &params, &table()).unwrap_err();
        assert_eq!(e.kind, "SemanticException");
        let e = run("T | where Name matches regex Name", &params, &table()).unwrap_err();
        assert!(e.message.contains("scalar constant"), "{e:?}");
        let e = run("T | where Nope == 1", &params, &table()).unwrap_err();
        assert!(e.message.contains("Nope"), "{e:?}");
        let e = run("declare query_parameters(p0:string);\nT", &params, &table()).unwrap_err();
        assert!(e.message.contains("p0"), "{e:?}");
    }
}
