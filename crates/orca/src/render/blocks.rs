//! The layout both formats share: a section becomes `Block`s once (`report.rs`), and text and
//! markdown only lay them out here, so both always say the same thing. Text tables are
//! comfy-table grids whose text columns wrap and whose numbers and bars keep their width;
//! every text line is word-wrapped to the layout width.

use std::fmt::Write as _;

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table};

/// The widest text layout, in columns.
pub(super) const MAX_WIDTH: usize = 100;

/// A comfy-table preset that draws only the rule under the header (compact, easy to scan).
const HEADER_RULE_ONLY: &str = "    ────           ";

/// One piece of a section, laid out by text and markdown alike.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// The section's summary counts: `key=value` in text, `**key** value` in markdown.
    Summary(Vec<(String, String)>),
    /// A labelled value ("average age: 12.5 days", "change: 13 → 29 ...").
    Field(String, String),
    /// A line drawn as is (the sparkline).
    Line(String),
    /// A remark under a table ("and 3 more", "5 of 20 shown, ..."): italic in markdown.
    Note(String),
    Table(Grid),
}

/// A table: a header, rows of cells, and per column whether it holds a number (right-aligned)
/// or a bar or number that keeps its width (never wrapped).
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Grid {
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
    pub(super) numeric: Vec<bool>,
    pub(super) fixed: Vec<bool>,
}

impl Grid {
    pub(super) fn new(columns: &[(&str, Kind)]) -> Grid {
        Grid {
            header: columns.iter().map(|(name, _)| name.to_string()).collect(),
            rows: Vec::new(),
            numeric: columns.iter().map(|(_, k)| *k == Kind::Number).collect(),
            fixed: columns.iter().map(|(_, k)| *k != Kind::Text).collect(),
        }
    }
}

/// What a table column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Wraps to fit.
    Text,
    /// Right-aligned, kept whole.
    Number,
    /// Kept whole.
    Bar,
}

impl Block {
    pub(super) fn write_text(&self, out: &mut String, width: usize) {
        match self {
            Block::Summary(parts) => {
                let parts: Vec<String> = parts.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                for line in wrap_parts(&parts, "  ", width, "  ") {
                    let _ = writeln!(out, "{line}");
                }
            }
            Block::Field(label, value) => {
                push_wrapped(out, &format!("{label}: {value}"), width, "  ")
            }
            Block::Line(line) | Block::Note(line) => push_wrapped(out, line, width, "  "),
            Block::Table(grid) => {
                let _ = writeln!(out, "{}", text_table(grid, width).trim_fmt());
            }
        }
    }

    pub(super) fn write_markdown(&self, out: &mut String) {
        match self {
            Block::Summary(parts) => {
                let parts: Vec<String> = parts
                    .iter()
                    .map(|(k, v)| format!("**{k}** {}", md_escape(v)))
                    .collect();
                let _ = writeln!(out, "{}", parts.join(" · "));
            }
            Block::Field(label, value) => {
                let _ = writeln!(out, "**{label}** {}", md_escape(value));
            }
            Block::Line(line) => {
                let _ = writeln!(out, "{}", md_escape(line));
            }
            Block::Note(line) => {
                let _ = writeln!(out, "_{}_", md_escape(line));
            }
            Block::Table(grid) => {
                let row = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| md_escape(c)).collect();
                    format!("| {} |", cells.join(" | "))
                };
                let _ = writeln!(out, "{}", row(&grid.header));
                let rule: String = grid
                    .numeric
                    .iter()
                    .map(|&n| if n { "---:|" } else { "---|" })
                    .collect();
                let _ = writeln!(out, "|{rule}");
                for cells in &grid.rows {
                    let _ = writeln!(out, "{}", row(cells));
                }
            }
        }
    }
}

/// A grid as a comfy-table `width` columns wide: text columns wrap, bars and numbers do not.
pub(super) fn text_table(grid: &Grid, width: usize) -> Table {
    let mut table = Table::new();
    table
        .load_preset(HEADER_RULE_ONLY)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .set_header(grid.header.clone());
    for cells in &grid.rows {
        table.add_row(cells.clone());
    }
    for (i, column) in table.column_iter_mut().enumerate() {
        if grid.numeric.get(i).copied().unwrap_or(false) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        if grid.fixed.get(i).copied().unwrap_or(false) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
}

pub(super) fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Appends `text` word-wrapped to `width` columns: the first line after `indent`, the next ones
/// two columns further in. A word longer than a line is cut.
pub(super) fn push_wrapped(out: &mut String, text: &str, width: usize, indent: &str) {
    for line in wrap(text, width, indent) {
        let _ = writeln!(out, "{line}");
    }
}

pub(super) fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    wrap_parts(&words, " ", width, indent)
}

/// Lays `parts` out joined by `sep`, breaking between parts (and inside a part longer than a
/// line) so no line is wider than `width`.
pub(super) fn wrap_parts(parts: &[&str], sep: &str, width: usize, indent: &str) -> Vec<String> {
    let next_indent = format!("{indent}  ");
    let sep_len = sep.chars().count();
    let mut lines = Vec::new();
    let mut line = indent.to_string();
    let mut len = indent.chars().count();
    let mut empty = true;
    for part in parts {
        let mut part: Vec<char> = part.chars().collect();
        loop {
            let gap = if empty { 0 } else { sep_len };
            if len + gap + part.len() <= width {
                if !empty {
                    line.push_str(sep);
                }
                line.extend(part.iter());
                len += gap + part.len();
                empty = false;
                break;
            }
            if !empty {
                lines.push(std::mem::replace(&mut line, next_indent.clone()));
                len = next_indent.chars().count();
                empty = true;
                continue;
            }
            // A part longer than a whole line: cut it.
            let room = width.min(MAX_WIDTH).saturating_sub(len).max(1);
            let rest = part.split_off(room.min(part.len()));
            line.extend(part.iter());
            lines.push(std::mem::replace(&mut line, next_indent.clone()));
            len = next_indent.chars().count();
            part = rest;
            if part.is_empty() {
                break;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, 20, "  ");
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(
            lines
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text
        );
        let long = "x".repeat(50);
        let lines = wrap(&long, 20, "");
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), long);
        assert_eq!(wrap("", 20, "  "), ["  "]);
    }
}
