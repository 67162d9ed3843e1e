//! The fake's KQL parser: recursive descent over a small subset (tokens from `lex.rs`).
//!
//! Statements: `declare query_parameters(name:type, ...)`, `let Name = <pipeline>`, `let name =
//! <scalar>` (`toscalar(<pipeline>)` included), and tabular
//! pipelines, `;`-separated. A pipeline is a table (or a `let` name) followed by `| where`,
//! `| summarize aggs [by keys]` (`count countif sum avg min max arg_min arg_max`), `| order by` / `sort by`, `| take` / `limit`, `| top N by`,
//! `| project`, `| extend`, `| count`. Expressions: literals (strings, verbatim `@"..."`,
//! numbers, timespans `1s 7d`, `datetime(...)`, `dynamic(...)`), names (plain or `['quoted']`),
//! `and or not()`, comparisons (`== != < <= > >= =~ !~`), `in !in in~ !in~ (...)`, `matches
//! regex`, `+ - * /`, calls and `[index]`.
//!
//! Invariant: anything outside the subset is a syntax error (a 400 answer), never a guess.

use serde_json::Value as Json;

use super::lex::{SyntaxError, Tok, lex};

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    EqCi,
    NeCi,
    Add,
    Sub,
    Mul,
    Div,
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Str(String),
    Long(i64),
    Real(f64),
    Span(i64),
    Literal(&'static str, String),
    Name(String),
    Call(String, Vec<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    Index(Box<Expr>, Box<Expr>),
    In {
        value: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        any_case: bool,
    },
    Matches(Box<Expr>, Box<Expr>),
    /// `toscalar(<pipeline>)`: the first column of the first row.
    ToScalar(Box<Pipeline>),
}

/// A named expression (`name = expr`, or a name derived from the expression).
pub(super) type Named = (String, Expr);

/// A tabular operator.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Operator {
    Where(Expr),
    Summarize {
        aggregates: Vec<Named>,
        by: Vec<Named>,
    },
    Order(Vec<(Expr, bool)>),
    Take(Expr),
    Top {
        n: Expr,
        by: Expr,
        descending: bool,
    },
    Project(Vec<Named>),
    Extend(Vec<Named>),
    Count,
}

/// A table or `let` name and its operators.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pipeline {
    pub source: String,
    pub operators: Vec<Operator>,
}

/// One statement of a query.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Statement {
    Declare(Vec<(String, String)>),
    Let(String, Pipeline),
    /// `let name = <scalar expression>`.
    LetScalar(String, Expr),
    Tabular(Pipeline),
}

pub(super) fn parse(text: &str) -> Result<Vec<Statement>, SyntaxError> {
    let tokens = lex(text)?;
    let mut p = Parser { tokens, at: 0 };
    let mut statements = Vec::new();
    while p.peek().is_some() {
        if p.eat_sym(";") {
            continue;
        }
        statements.push(p.statement()?);
        if p.peek().is_some() && !p.eat_sym(";") {
            return Err(format!("expected ';' before {}", p.describe()));
        }
    }
    if statements.is_empty() {
        return Err("the query is empty".into());
    }
    Ok(statements)
}

struct Parser {
    tokens: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn describe(&self) -> String {
        match self.peek() {
            None => "the end of the query".into(),
            Some(Tok::Ident(s)) => format!("'{s}'"),
            Some(Tok::Sym(s)) => format!("'{s}'"),
            Some(t) => format!("{t:?}"),
        }
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn eat_sym(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, sym: &str) -> Result<(), SyntaxError> {
        if self.eat_sym(sym) {
            Ok(())
        } else {
            Err(format!("expected '{sym}' before {}", self.describe()))
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(s)) if s == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Result<String, SyntaxError> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            _ => {
                self.at -= 1;
                Err(format!("expected a name before {}", self.describe()))
            }
        }
    }

    fn statement(&mut self) -> Result<Statement, SyntaxError> {
        if self.eat_word("declare") {
            if !self.eat_word("query_parameters") {
                return Err("only 'declare query_parameters' is supported".into());
            }
            self.expect_sym("(")?;
            let mut declared = Vec::new();
            loop {
                let name = self.name()?;
                self.expect_sym(":")?;
                let kind = self.name()?;
                declared.push((name, kind));
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.expect_sym(")")?;
            return Ok(Statement::Declare(declared));
        }
        if self.eat_word("let") {
            let name = self.name()?;
            self.expect_sym("=")?;
            // A tabular `let` starts with a table or let name; anything else is a scalar.
            let tabular = matches!(
                (self.tokens.get(self.at), self.tokens.get(self.at + 1)),
                (Some(Tok::Ident(_)), next) if next != Some(&Tok::Sym("("))
            );
            if tabular {
                return Ok(Statement::Let(name, self.pipeline()?));
            }
            return Ok(Statement::LetScalar(name, self.expr()?));
        }
        Ok(Statement::Tabular(self.pipeline()?))
    }

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        let source = self.name()?;
        let mut operators = Vec::new();
        while self.eat_sym("|") {
            operators.push(self.operator()?);
        }
        Ok(Pipeline { source, operators })
    }

    fn operator(&mut self) -> Result<Operator, SyntaxError> {
        let word = self.name()?;
        Ok(match word.as_str() {
            "where" | "filter" => Operator::Where(self.expr()?),
            "summarize" => {
                let mut aggregates = Vec::new();
                if !matches!(self.peek(), Some(Tok::Ident(s)) if s == "by") {
                    aggregates = self.named_list()?;
                }
                let by = if self.eat_word("by") {
                    self.named_list()?
                } else {
                    Vec::new()
                };
                Operator::Summarize { aggregates, by }
            }
            "order" | "sort" => {
                if !self.eat_word("by") {
                    return Err(format!("expected 'by' after '{word}'"));
                }
                let mut keys = Vec::new();
                loop {
                    let e = self.expr()?;
                    let descending = if self.eat_word("asc") {
                        false
                    } else {
                        self.eat_word("desc");
                        true
                    };
                    keys.push((e, descending));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                Operator::Order(keys)
            }
            "take" | "limit" => Operator::Take(self.expr()?),
            "top" => {
                let n = self.expr()?;
                if !self.eat_word("by") {
                    return Err("expected 'by' after 'top N'".into());
                }
                let by = self.expr()?;
                let descending = !self.eat_word("asc");
                self.eat_word("desc");
                Operator::Top { n, by, descending }
            }
            "project" => Operator::Project(self.named_list()?),
            "extend" => Operator::Extend(self.named_list()?),
            "count" => Operator::Count,
            other => {
                return Err(format!(
                    "the operator '{other}' is not supported by this fake"
                ));
            }
        })
    }

    fn named_list(&mut self) -> Result<Vec<Named>, SyntaxError> {
        let mut list = Vec::new();
        loop {
            let named = match (self.tokens.get(self.at), self.tokens.get(self.at + 1)) {
                (Some(Tok::Ident(name)), Some(Tok::Sym("="))) => {
                    let name = name.clone();
                    self.at += 2;
                    (name, self.expr()?)
                }
                _ => {
                    let e = self.expr()?;
                    (default_name(&e), e)
                }
            };
            list.push(named);
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(list)
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.or()
    }

    fn or(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            left = Expr::Bin(Op::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.comparison()?;
        while self.eat_word("and") {
            left = Expr::Bin(Op::And, Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Some(Tok::Sym("==")) => Some(Op::Eq),
            Some(Tok::Sym("!=")) => Some(Op::Ne),
            Some(Tok::Sym("<")) => Some(Op::Lt),
            Some(Tok::Sym("<=")) => Some(Op::Le),
            Some(Tok::Sym(">")) => Some(Op::Gt),
            Some(Tok::Sym(">=")) => Some(Op::Ge),
            Some(Tok::Sym("=~")) => Some(Op::EqCi),
            Some(Tok::Sym("!~")) => Some(Op::NeCi),
            _ => None,
        };
        if let Some(op) = op {
            self.at += 1;
            return Ok(Expr::Bin(op, Box::new(left), Box::new(self.additive()?)));
        }
        let membership = match self.peek() {
            Some(Tok::Ident(w)) if w == "in" => Some((false, false)),
            Some(Tok::Sym("!in")) => Some((true, false)),
            Some(Tok::Sym("in~")) => Some((false, true)),
            Some(Tok::Sym("!in~")) => Some((true, true)),
            _ => None,
        };
        if let Some((negated, any_case)) = membership {
            self.at += 1;
            self.expect_sym("(")?;
            let mut list = Vec::new();
            if !self.eat_sym(")") {
                loop {
                    list.push(self.expr()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym(")")?;
            }
            return Ok(Expr::In {
                value: Box::new(left),
                list,
                negated,
                any_case,
            });
        }
        if self.eat_word("matches") {
            if !self.eat_word("regex") {
                return Err("expected 'regex' after 'matches'".into());
            }
            return Ok(Expr::Matches(Box::new(left), Box::new(self.additive()?)));
        }
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = if self.eat_sym("+") {
                Op::Add
            } else if self.eat_sym("-") {
                Op::Sub
            } else {
                return Ok(left);
            };
            left = Expr::Bin(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            let op = if self.eat_sym("*") {
                Op::Mul
            } else if self.eat_sym("/") {
                Op::Div
            } else {
                return Ok(left);
            };
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat_sym("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let mut e = self.primary()?;
        while self.eat_sym("[") {
            let index = self.expr()?;
            self.expect_sym("]")?;
            e = Expr::Index(Box::new(e), Box::new(index));
        }
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Long(n)) => Ok(Expr::Long(n)),
            Some(Tok::Real(x)) => Ok(Expr::Real(x)),
            Some(Tok::Span(t)) => Ok(Expr::Span(t)),
            Some(Tok::Literal(kind, raw)) => Ok(Expr::Literal(kind, raw)),
            Some(Tok::Sym("(")) => {
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) if name == "toscalar" => {
                self.expect_sym("(")?;
                let pipeline = self.pipeline()?;
                self.expect_sym(")")?;
                Ok(Expr::ToScalar(Box::new(pipeline)))
            }
            Some(Tok::Ident(name)) => {
                if self.eat_sym("(") {
                    let mut args = Vec::new();
                    if !self.eat_sym(")") {
                        loop {
                            args.push(self.expr()?);
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                        self.expect_sym(")")?;
                    }
                    Ok(Expr::Call(name, args))
                } else {
                    Ok(Expr::Name(name))
                }
            }
            _ => {
                self.at -= 1;
                Err(format!("expected an expression before {}", self.describe()))
            }
        }
    }
}

/// The column name Kusto gives an unnamed expression.
pub(super) fn default_name(e: &Expr) -> String {
    match e {
        Expr::Name(n) => n.clone(),
        Expr::Call(f, args) if f == "count" && args.is_empty() => "count_".into(),
        Expr::Call(f, args)
            if matches!(f.as_str(), "bin" | "bin_at" | "startofmonth" | "startofday") =>
        {
            args.first().map_or_else(|| "Column1".into(), default_name)
        }
        Expr::Call(f, args) => match args.first() {
            Some(Expr::Name(n)) => format!("{f}_{n}"),
            _ => format!("{f}_"),
        },
        _ => "Column1".into(),
    }
}

/// The JSON inside `dynamic(...)`.
pub(super) fn dynamic(raw: &str) -> Result<Json, SyntaxError> {
    let raw = raw.trim();
    if raw == "null" || raw.is_empty() {
        return Ok(Json::Null);
    }
    serde_json::from_str(raw).map_err(|e| format!("bad dynamic literal: {e}"))
}

#[cfg(test)]
mod tests {
    use super::super::lex::TICKS_PER_SECOND;
    use super::*;

    #[test]
    fn the_connector_subset_parses() {
        let text = "declare query_parameters(p0:dynamic, p1:datetime);\n\
            let M = ['cases'] | where ['TenantId'] in~ (p0) and ['CreatedAt'] >= p1 and not(tolower(['Title']) matches regex @\"^\\[.+\\]\");\n\
            M | summarize n = count(), oldest = min(['CreatedAt']) by s = ['Status'], v = bin(['CreatedAt'], 7d);\n\
            M | order by ['CreatedAt'] desc, ['CaseNumber'] asc | take 5 | project CaseNumber = ['CaseNumber']";
        let statements = parse(text).unwrap();
        assert_eq!(statements.len(), 4);
        assert!(matches!(&statements[0], Statement::Declare(d) if d.len() == 2));
        assert!(
            matches!(&statements[1], Statement::Let(name, p) if name == "M" && p.operators.len() == 1)
        );
    }

    #[test]
    fn scalar_lets_and_toscalar_parse() {
        let statements =
            parse("let S = T | where x == 1; let last = toscalar(S | summarize max(At)); let end = iff(isnull(last), p0, last + 1d); S | where At < end")
                .unwrap();
        assert!(matches!(&statements[0], Statement::Let(..)));
        assert!(
            matches!(&statements[1], Statement::LetScalar(n, Expr::ToScalar(_)) if n == "last")
        );
        assert!(
            matches!(&statements[2], Statement::LetScalar(n, Expr::Call(f, _)) if n == "end" && f == "iff")
        );
    }

    #[test]
    fn outside_the_subset_is_an_error() {
        assert!(parse("T | join (U) on X").is_err());
        assert!(parse("T | where x == 'unterminated").is_err());
        assert!(parse("").is_err());
        assert_eq!(
            lex("7d").unwrap(),
            vec![Tok::Span(7 * 86_400 * TICKS_PER_SECOND)]
        );
        assert_eq!(lex("x !in (1)").unwrap()[1], Tok::Sym("!in"));
    }
}
