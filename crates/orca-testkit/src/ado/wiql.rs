//! A small WIQL parser and evaluator: the subset the Azure DevOps connector emits, read the way
//! the service reads it, so the fake answers a query as the service would.
//!
//! Grammar (keywords case-insensitive):
//!
//! ```text
//! query     := SELECT field {, field} FROM WorkItems [WHERE expr] [ORDER BY key {, key}]
//! key       := field [ASC | DESC]
//! expr      := term {OR term}
//! term      := factor {AND factor}
//! factor    := NOT factor | ( expr ) | field op value | field [NOT] IN ( value {, value} )
//! op        := = | <> | >= | <= | > | <
//! value     := 'text' (a quote inside doubled) | integer
//! field     := [Reference.Name]
//! ```
//!
//! Semantics, as the service's: text compares case-insensitively, a missing text field is
//! empty; integers compare as numbers (a missing one matches only `<>`); dates compare as
//! instants with `timePrecision=true`, else by UTC day, and a date literal with a time of day is
//! refused without it. A field the fake does not hold is refused with the service's TF51005
//! message, and so is anything outside the subset (a 400, as the service answers).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

/// The kind of a field's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Date,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub struct Wiql {
    pub select: Vec<String>,
    pub filter: Option<Expr>,
    pub order: Vec<(String, bool)>,
}

/// A WHERE expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare(String, Op, Literal),
    In(String, Vec<Literal>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

/// A literal as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    Text(String),
    Integer(i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Field(String),
    Word(String),
    Text(String),
    Integer(i64),
    Symbol(&'static str),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '[' {
            let end = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or("a field name is not closed with ]")?;
            out.push(Token::Field(chars[i + 1..i + end].iter().collect()));
            i += end + 1;
        } else if c == '\'' {
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("a text literal is not closed with '".into()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        value.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
            out.push(Token::Text(value));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while chars.get(i).is_some_and(|d| d.is_ascii_digit()) {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            out.push(Token::Integer(
                digits
                    .parse()
                    .map_err(|_| format!("{digits} is not an integer"))?,
            ));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while chars.get(i).is_some_and(|d| d.is_ascii_alphanumeric()) {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = match (two.as_str(), c) {
                ("<>", _) => "<>",
                (">=", _) => ">=",
                ("<=", _) => "<=",
                (_, '=') => "=",
                (_, '>') => ">",
                (_, '<') => "<",
                (_, '(') => "(",
                (_, ')') => ")",
                (_, ',') => ",",
                _ => return Err(format!("unexpected character `{c}`")),
            };
            i += symbol.len();
            out.push(Token::Symbol(symbol));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn word(&mut self, word: &str) -> Result<(), String> {
        if self.is_word(word) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {word} at {:?}", self.peek()))
        }
    }

    fn symbol(&mut self, symbol: &str) -> Result<(), String> {
        match self.next() {
            Some(Token::Symbol(s)) if s == symbol => Ok(()),
            other => Err(format!("expected `{symbol}`, found {other:?}")),
        }
    }

    fn field(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Field(f)) => Ok(f),
            other => Err(format!("expected a [field], found {other:?}")),
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Token::Text(t)) => Ok(Literal::Text(t)),
            Some(Token::Integer(i)) => Ok(Literal::Integer(i)),
            other => Err(format!("expected a value, found {other:?}")),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.is_word("OR") {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.factor()?;
        while self.is_word("AND") {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Expr, String> {
        if self.is_word("NOT") {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.factor()?)));
        }
        if self.peek() == Some(&Token::Symbol("(")) {
            self.at += 1;
            let inner = self.expr()?;
            self.symbol(")")?;
            return Ok(inner);
        }
        let field = self.field()?;
        let negated = self.is_word("NOT");
        if negated {
            self.at += 1;
        }
        if self.is_word("IN") {
            self.at += 1;
            self.symbol("(")?;
            let mut values = vec![self.literal()?];
            while self.peek() == Some(&Token::Symbol(",")) {
                self.at += 1;
                values.push(self.literal()?);
            }
            self.symbol(")")?;
            let list = Expr::In(field, values);
            return Ok(if negated {
                Expr::Not(Box::new(list))
            } else {
                list
            });
        }
        if negated {
            return Err("NOT after a field must be followed by IN".into());
        }
        let op = match self.next() {
            Some(Token::Symbol("=")) => Op::Eq,
            Some(Token::Symbol("<>")) => Op::Ne,
            Some(Token::Symbol(">=")) => Op::Ge,
            Some(Token::Symbol("<=")) => Op::Le,
            Some(Token::Symbol(">")) => Op::Gt,
            Some(Token::Symbol("<")) => Op::Lt,
            other => return Err(format!("expected an operator, found {other:?}")),
        };
        Ok(Expr::Compare(field, op, self.literal()?))
    }
}

/// Parses a query of the subset.
pub fn parse(text: &str) -> Result<Wiql, String> {
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
    };
    p.word("SELECT")?;
    let mut select = vec![p.field()?];
    while p.peek() == Some(&Token::Symbol(",")) {
        p.at += 1;
        select.push(p.field()?);
    }
    p.word("FROM")?;
    p.word("WorkItems")?;
    let filter = if p.is_word("WHERE") {
        p.at += 1;
        Some(p.expr()?)
    } else {
        None
    };
    let mut order = Vec::new();
    if p.is_word("ORDER") {
        p.at += 1;
        p.word("BY")?;
        loop {
            let field = p.field()?;
            let descending = if p.is_word("DESC") {
                p.at += 1;
                true
            } else {
                if p.is_word("ASC") {
                    p.at += 1;
                }
                false
            };
            order.push((field, descending));
            if p.peek() == Some(&Token::Symbol(",")) {
                p.at += 1;
            } else {
                break;
            }
        }
    }
    if let Some(extra) = p.peek() {
        return Err(format!("unexpected {extra:?} after the query"));
    }
    Ok(Wiql {
        select,
        filter,
        order,
    })
}

impl Wiql {
    /// Every field the query names.
    pub fn fields(&self) -> Vec<&str> {
        fn walk<'a>(e: &'a Expr, out: &mut Vec<&'a str>) {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Expr::Not(a) => walk(a, out),
                Expr::Compare(f, _, _) | Expr::In(f, _) => out.push(f),
            }
        }
        let mut out: Vec<&str> = self.select.iter().map(String::as_str).collect();
        if let Some(e) = &self.filter {
            walk(e, &mut out);
        }
        out.extend(self.order.iter().map(|(f, _)| f.as_str()));
        out
    }
}

/// How a query is read: the kinds of the fields, and the time precision asked for.
pub struct Reader<'a> {
    pub kind: &'a dyn Fn(&str) -> Option<Kind>,
    pub time_precision: bool,
}

/// A value of one item's field, comparable.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Integer(Option<i64>),
    Date(Option<i64>),
}

impl Reader<'_> {
    fn cell(&self, fields: &Map<String, Value>, name: &str) -> Result<Cell, String> {
        let value = fields.get(name);
        Ok(match (self.kind)(name) {
            Some(Kind::Text) => {
                Cell::Text(value.and_then(Value::as_str).unwrap_or("").to_lowercase())
            }
            Some(Kind::Integer) => Cell::Integer(value.and_then(Value::as_i64)),
            Some(Kind::Date) => Cell::Date(
                value
                    .and_then(Value::as_str)
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| self.precise(t.with_timezone(&Utc))),
            ),
            None => return Err(unknown_field(name)),
        })
    }

    /// An instant as compared: milliseconds, or the UTC day without time precision.
    fn precise(&self, t: DateTime<Utc>) -> i64 {
        if self.time_precision {
            t.timestamp_millis()
        } else {
            t.date_naive()
                .and_hms_opt(0, 0, 0)
                .map_or(0, |d| d.and_utc().timestamp_millis())
        }
    }

    fn literal(&self, name: &str, literal: &Literal) -> Result<Cell, String> {
        Ok(match ((self.kind)(name), literal) {
            (Some(Kind::Text), Literal::Text(t)) => Cell::Text(t.to_lowercase()),
            (Some(Kind::Text), Literal::Integer(i)) => Cell::Text(i.to_string()),
            (Some(Kind::Integer), Literal::Integer(i)) => Cell::Integer(Some(*i)),
            (Some(Kind::Integer), Literal::Text(t)) => {
                Cell::Integer(Some(t.trim().parse().map_err(|_| {
                    format!("'{t}' is not a number for the field [{name}].")
                })?))
            }
            (Some(Kind::Date), Literal::Text(t)) => {
                let instant = match NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d") {
                    Ok(day) => day.and_hms_opt(0, 0, 0).map(|d| d.and_utc()),
                    Err(_) if !self.time_precision => {
                        return Err(format!(
                            "The date '{t}' has a time of day; the query must be run with timePrecision=true to compare times."
                        ));
                    }
                    Err(_) => DateTime::parse_from_rfc3339(t.trim())
                        .ok()
                        .map(|t| t.with_timezone(&Utc)),
                };
                let instant = instant
                    .ok_or_else(|| format!("'{t}' is not a date for the field [{name}]."))?;
                Cell::Date(Some(self.precise(instant)))
            }
            (Some(Kind::Date), Literal::Integer(i)) => {
                return Err(format!("{i} is not a date for the field [{name}]."));
            }
            (None, _) => return Err(unknown_field(name)),
        })
    }

    /// Whether an item's fields satisfy the expression.
    pub fn matches(&self, expr: &Expr, fields: &Map<String, Value>) -> Result<bool, String> {
        Ok(match expr {
            Expr::And(a, b) => self.matches(a, fields)? && self.matches(b, fields)?,
            Expr::Or(a, b) => self.matches(a, fields)? || self.matches(b, fields)?,
            Expr::Not(a) => !self.matches(a, fields)?,
            Expr::Compare(name, op, literal) => {
                let (cell, literal) = (self.cell(fields, name)?, self.literal(name, literal)?);
                compare(&cell, *op, &literal)
            }
            Expr::In(name, values) => {
                let cell = self.cell(fields, name)?;
                let mut found = false;
                for value in values {
                    found |= compare(&cell, Op::Eq, &self.literal(name, value)?);
                }
                found
            }
        })
    }

    /// The order of two items by the query's ORDER BY keys.
    pub fn order(
        &self,
        keys: &[(String, bool)],
        a: &Map<String, Value>,
        b: &Map<String, Value>,
    ) -> Ordering {
        for (name, descending) in keys {
            let (Ok(x), Ok(y)) = (self.cell(a, name), self.cell(b, name)) else {
                continue;
            };
            let ordering = match (x, y) {
                (Cell::Text(x), Cell::Text(y)) => x.cmp(&y),
                (Cell::Integer(x), Cell::Integer(y)) | (Cell::Date(x), Cell::Date(y)) => x.cmp(&y),
                _ => Ordering::Equal,
            };
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    }
}

fn compare(cell: &Cell, op: Op, literal: &Cell) -> bool {
    let ordering = match (cell, literal) {
        (Cell::Text(x), Cell::Text(y)) => Some(x.cmp(y)),
        (Cell::Integer(Some(x)), Cell::Integer(Some(y)))
        | (Cell::Date(Some(x)), Cell::Date(Some(y))) => Some(x.cmp(y)),
        _ => None,
    };
    match (ordering, op) {
        (None, Op::Ne) => true,
        (None, _) => false,
        (Some(o), Op::Eq) => o == Ordering::Equal,
        (Some(o), Op::Ne) => o != Ordering::Equal,
        (Some(o), Op::Ge) => o != Ordering::Less,
        (Some(o), Op::Le) => o != Ordering::Greater,
        (Some(o), Op::Gt) => o == Ordering::Greater,
        (Some(o), Op::Lt) => o == Ordering::Less,
    }
}

/// The service's message for a field it does not know.
pub fn unknown_field(name: &str) -> String {
    format!(
        "TF51005: The query references a field that does not exist. The error is caused by «[{name}]»."
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kind(name: &str) -> Option<Kind> {
        match name {
            "System.Id" => Some(Kind::Integer),
            "System.CreatedDate" => Some(Kind::Date),
            "System.Title" | "System.State" => Some(Kind::Text),
            _ => None,
        }
    }

    fn matches(text: &str, precise: bool, item: &Value) -> Result<bool, String> {
        let wiql = parse(text)?;
        let reader = Reader {
            kind: &kind,
            time_precision: precise,
        };
        let fields = item.as_object().unwrap();
        reader.matches(wiql.filter.as_ref().unwrap(), fields)
    }

    #[test]
    fn quotes_doubled_inside_a_literal_are_one_quote() {
        let item = json!({"System.Title": "it's 'quoted'", "System.Id": 5});
        let q = "SELECT [System.Id] FROM WorkItems WHERE [System.Title] = 'IT''S ''quoted'''";
        assert_eq!(matches(q, true, &item), Ok(true));
        let q = "SELECT [System.Id] FROM WorkItems WHERE [System.Title] = 'x'' OR ''1''=''1'";
        assert_eq!(matches(q, true, &item), Ok(false));
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let item = json!({"System.State": "Active", "System.Id": 5});
        let base = "SELECT [System.Id] FROM WorkItems WHERE ";
        let check = |w: &str| matches(&format!("{base}{w}"), true, &item).unwrap();
        assert!(check(
            "[System.Id] = 6 AND [System.Id] = 7 OR [System.State] = 'active'"
        ));
        assert!(!check(
            "[System.Id] = 6 AND ([System.Id] = 7 OR [System.State] = 'active')"
        ));
        assert!(check(
            "[System.Id] IN (1, 5) AND NOT [System.State] IN ('New')"
        ));
        assert!(!check("[System.Id] NOT IN (5)"));
        assert!(check(
            "[System.Id] >= 5 AND [System.Id] < 6 AND [System.Id] <> 4"
        ));
    }

    #[test]
    fn dates_compare_as_instants_only_with_time_precision() {
        let item = json!({"System.CreatedDate": "2026-11-24T08:00:00.250Z"});
        let q =
            "SELECT [System.Id] FROM WorkItems WHERE [System.CreatedDate] < '2026-11-24T08:00:01Z'";
        assert_eq!(matches(q, true, &item), Ok(true));
        assert!(
            matches(q, false, &item)
                .unwrap_err()
                .contains("timePrecision")
        );
        let day = "SELECT [System.Id] FROM WorkItems WHERE [System.CreatedDate] >= '2026-11-24'";
        assert_eq!(matches(day, false, &item), Ok(true));
    }

    #[test]
    fn unknown_fields_and_other_syntax_are_refused() {
        let item = json!({});
        let q = "SELECT [System.Id] FROM WorkItems WHERE [Custom.Nope] = 1";
        assert!(matches(q, true, &item).unwrap_err().starts_with("TF51005"));
        assert!(parse("SELECT [System.Id] FROM WorkItems WHERE [System.Id] = 1 --").is_err());
        assert!(parse("SELECT [System.Id] FROM WorkItemLinks").is_err());
        let order = parse(
            "SELECT [System.Id] FROM WorkItems ORDER BY [System.CreatedDate] DESC, [System.Id]",
        )
        .unwrap()
        .order;
        assert_eq!(
            order,
            [
                ("System.CreatedDate".to_string(), true),
                ("System.Id".to_string(), false)
            ]
        );
    }
}
