//! The fake's KQL lexer: names (plain or `['quoted']`), string literals (`"..."`, `'...'` with
//! backslash escapes, verbatim `@"..."`), numbers, timespans (`1s`, `7d`, in ticks), the raw
//! text of `datetime(...)` and `dynamic(...)`, and the operators of the subset (`in~`, `!in`,
//! `=~`, ...). A character outside them is a syntax error.

/// A lexical token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Long(i64),
    Real(f64),
    /// A timespan literal, in ticks (100 ns).
    Span(i64),
    /// `datetime(...)`, `dynamic(...)`: the kind and the raw text between the parentheses.
    Literal(&'static str, String),
    Sym(&'static str),
}

/// A syntax error's message.
pub(super) type SyntaxError = String;

pub(super) const TICKS_PER_SECOND: i64 = 10_000_000;

pub(super) fn lex(text: &str) -> Result<Vec<Tok>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let ident_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        // ['name'] and ["name"]
        if c == '[' && matches!(chars.get(i + 1), Some('\'') | Some('"')) {
            let quote = chars[i + 1];
            let (name, next) = quoted(&chars, i + 2, quote)?;
            if chars.get(next) != Some(&']') {
                return Err(format!("expected ']' after the quoted name '{name}'"));
            }
            out.push(Tok::Ident(name));
            i = next + 1;
            continue;
        }
        if c == '@' && matches!(chars.get(i + 1), Some('"') | Some('\'')) {
            let quote = chars[i + 1];
            let mut j = i + 2;
            let mut s = String::new();
            loop {
                match chars.get(j) {
                    None => return Err("unterminated verbatim string literal".into()),
                    Some(&q) if q == quote => {
                        if chars.get(j + 1) == Some(&quote) {
                            s.push(quote);
                            j += 2;
                        } else {
                            j += 1;
                            break;
                        }
                    }
                    Some(&ch) => {
                        s.push(ch);
                        j += 1;
                    }
                }
            }
            out.push(Tok::Str(s));
            i = j;
            continue;
        }
        if c == '"' || c == '\'' {
            let (s, next) = quoted(&chars, i + 1, c)?;
            out.push(Tok::Str(s));
            i = next;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let number: String = chars[start..i].iter().collect();
            let unit_start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit: String = chars[unit_start..i].iter().collect();
            if unit.is_empty() {
                if number.contains('.') {
                    out.push(Tok::Real(
                        number.parse().map_err(|_| format!("bad number {number}"))?,
                    ));
                } else {
                    out.push(Tok::Long(
                        number.parse().map_err(|_| format!("bad number {number}"))?,
                    ));
                }
            } else {
                let value: f64 = number.parse().map_err(|_| format!("bad number {number}"))?;
                let per = match unit.as_str() {
                    "d" | "day" | "days" => 86_400.0 * TICKS_PER_SECOND as f64,
                    "h" | "hr" | "hrs" | "hour" | "hours" => 3_600.0 * TICKS_PER_SECOND as f64,
                    "m" | "min" | "minute" | "minutes" => 60.0 * TICKS_PER_SECOND as f64,
                    "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND as f64,
                    "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 10_000.0,
                    "tick" | "ticks" => 1.0,
                    other => return Err(format!("unknown timespan unit '{other}'")),
                };
                out.push(Tok::Span((value * per).round() as i64));
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && ident_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if (word == "datetime" || word == "dynamic") && chars.get(j) == Some(&'(') {
                let (raw, next) = balanced(&chars, j)?;
                out.push(Tok::Literal(
                    if word == "datetime" {
                        "datetime"
                    } else {
                        "dynamic"
                    },
                    raw,
                ));
                i = next;
                continue;
            }
            if word == "in" && chars.get(i) == Some(&'~') {
                out.push(Tok::Sym("in~"));
                i += 1;
                continue;
            }
            out.push(Tok::Ident(word));
            continue;
        }
        if c == '!' {
            let rest: String = chars[i + 1..chars.len().min(i + 4)].iter().collect();
            if rest.starts_with("in~") {
                out.push(Tok::Sym("!in~"));
                i += 4;
                continue;
            }
            if rest.starts_with("in") && !chars.get(i + 3).is_some_and(|&c| ident_char(c)) {
                out.push(Tok::Sym("!in"));
                i += 3;
                continue;
            }
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(sym) = ["==", "!=", "<=", ">=", "=~", "!~"]
            .into_iter()
            .find(|s| *s == two)
        {
            out.push(Tok::Sym(sym));
            i += 2;
            continue;
        }
        let one = "|(),;=<>+-*/[].:~";
        if let Some(pos) = one.find(c) {
            out.push(Tok::Sym(&one[pos..pos + 1]));
            i += 1;
            continue;
        }
        return Err(format!("unexpected character '{c}'"));
    }
    Ok(out)
}

/// A quoted string from `start` (after the opening quote) with backslash escapes; the text and
/// the position after the closing quote.
fn quoted(chars: &[char], start: usize, quote: char) -> Result<(String, usize), SyntaxError> {
    let mut s = String::new();
    let mut j = start;
    loop {
        match chars.get(j) {
            None => return Err("unterminated string literal".into()),
            Some('\\') => {
                let escaped = chars
                    .get(j + 1)
                    .ok_or_else(|| "unterminated string literal".to_string())?;
                s.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => *other,
                });
                j += 2;
            }
            Some(&q) if q == quote => return Ok((s, j + 1)),
            Some(&ch) => {
                s.push(ch);
                j += 1;
            }
        }
    }
}

/// The raw text inside balanced parentheses starting at `open` (string literals respected).
fn balanced(chars: &[char], open: usize) -> Result<(String, usize), SyntaxError> {
    let mut depth = 0;
    let mut j = open;
    let mut in_string: Option<char> = None;
    while j < chars.len() {
        let c = chars[j];
        match in_string {
            Some(q) => {
                if c == '\\' {
                    j += 1;
                } else if c == q {
                    in_string = None;
                }
            }
            None => match c {
                '"' | '\'' => in_string = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((chars[open + 1..j].iter().collect(), j + 1));
                    }
                }
                _ => {}
            },
        }
        j += 1;
    }
    Err("unbalanced parentheses in a literal".into())
}
