//! Words and their folded forms: the one tokenizer shared by the registry and the analyzer.
//!
//! Matching is always on whole words, never substrings ("PowerShell" is not "Shell", "debug" is
//! not "bug"). A word keeps its byte span in the original text so matches can be reported and
//! masked.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// One word of a text with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as written.
    pub raw: &'a str,
    /// Lower case, accents removed, apostrophes dropped: "Nestlé's" -> "nestles".
    pub folded: String,
    /// Byte offsets of `raw` in the text.
    pub start: usize,
    pub end: usize,
}

impl Word<'_> {
    /// True when the word starts with an upper-case letter as written.
    pub fn is_capitalized(&self) -> bool {
        self.raw.chars().next().is_some_and(char::is_uppercase)
    }

    /// True when the word was written with a possessive ending ("Ford's", "Ford’s").
    pub fn is_possessive(&self) -> bool {
        let lower = self.raw.to_lowercase();
        lower.ends_with("'s") || lower.ends_with("’s")
    }
}

/// Is `c` part of a word? Letters, digits, and `&` (so "P&G" and "J&J" stay one word),
/// apostrophes inside words ("McDonald's"), and hyphens/dots inside words ("Coca-Cola", "S.A.").
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '&'
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '.')
}

/// Splits `text` into words. Joiners (`'`, `-`, `.`) stay inside a word only between word
/// characters; `&` alone between spaces is its own word ("Procter & Gamble").
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !is_word_char(c) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() {
            let (_, c) = chars[j];
            if is_word_char(c) {
                j += 1;
            } else if is_joiner(c) && j + 1 < chars.len() && is_word_char(chars[j + 1].1) {
                j += 2;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(text.len(), |&(b, _)| b);
        let raw = &text[start..end];
        out.push(Word {
            raw,
            folded: fold_word(raw),
            start,
            end,
        });
        i = j;
    }
    out
}

/// Lower case, accents stripped, apostrophes removed; dots and hyphens kept out of the way:
/// "Nestlé" -> "nestle", "McDonald's" -> "mcdonalds", "S.A." -> "sa", "Coca-Cola" -> "coca-cola".
pub fn fold_word(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.nfd() {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | '.') {
            continue;
        }
        for l in c.to_lowercase() {
            out.push(l);
        }
    }
    out
}

/// Folds a whole phrase into space-separated folded words.
pub fn fold_phrase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in words(text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Vec<&str> {
        words(text).into_iter().map(|w| w.raw).collect()
    }

    #[test]
    fn splits_on_spaces_and_punctuation() {
        assert_eq!(raw("Show cases, ICMs for Ford."), ["Show", "cases", "ICMs", "for", "Ford"]);
        assert_eq!(raw("P&G and J&J"), ["P&G", "and", "J&J"]);
        assert_eq!(raw("Procter & Gamble"), ["Procter", "&", "Gamble"]);
        assert_eq!(raw("Ford's cases"), ["Ford's", "cases"]);
        assert_eq!(raw("Coca-Cola S.A."), ["Coca-Cola", "S.A"]);
        assert_eq!(raw("  "), Vec::<&str>::new());
    }

    #[test]
    fn folds_case_accents_and_apostrophes() {
        assert_eq!(fold_word("Nestlé"), "nestle");
        assert_eq!(fold_word("McDonald's"), "mcdonalds");
        assert_eq!(fold_word("Ford’s"), "fords");
        assert_eq!(fold_phrase("Société Générale S.A."), "societe generale sa");
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "Zoom into Nestlé’s logs";
        for w in words(text) {
            assert_eq!(&text[w.start..w.end], w.raw);
        }
        assert!(words(text)[2].is_possessive());
        assert!(words(text)[0].is_capitalized());
    }
}
