//! The fake's KQL interpreter: runs the statements of [`super::kql`] over the tables of
//! [`super::values`], with the declared query parameters bound from `properties.Parameters`.
//! Here: the statements, the pipelines and the row-wise operators (`where`, `extend`, `project`,
//! `take`, `count`, `order by`, `top`); expressions are [`super::expr`]'s, `summarize` is
//! [`super::summarize`]'s.
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

use super::expr::{Bindings, Evaluate, QueryError, Row, flatten, semantic};
use super::functions::order_values;
use super::kql::{Expr, Operator, Pipeline, Statement, dynamic, parse};
use super::summarize::summarize;
use super::values::{Frame, Type, V, parse_time};

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
        bindings: Bindings::default(),
        lets: HashMap::new(),
        tables,
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
                        scope
                            .bindings
                            .lists
                            .insert(name.clone(), flatten(json.clone()));
                    }
                    scope.bindings.params.insert(name.clone(), (ty, value));
                }
            }
            Statement::Let(name, pipeline) => {
                let frame = scope.pipeline(&pipeline)?;
                scope.lets.insert(name, frame);
            }
            Statement::LetScalar(name, e) => {
                let typed = scope.scalar(&e)?;
                scope.bindings.params.insert(name, typed);
            }
            Statement::Tabular(pipeline) => results.push(scope.pipeline(&pipeline)?),
        }
    }
    if results.is_empty() {
        return Err(semantic("the query has no tabular statement"));
    }
    Ok(results)
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

/// What a query's statements have declared so far, over the stored tables.
struct Scope<'a> {
    bindings: Bindings,
    lets: HashMap<String, Frame>,
    tables: &'a HashMap<String, Frame>,
}

impl Evaluate for Scope<'_> {
    fn bindings(&mut self) -> &mut Bindings {
        &mut self.bindings
    }

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
            Operator::Summarize { aggregates, by } => summarize(self, frame, aggregates, by)?,
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
