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

    /// True when every letter is upper case and there are at least two characters with a letter
    /// among them ("GM", "P&G", "3M", "SHELL"); "A" and "3" are not.
    pub fn is_all_caps(&self) -> bool {
        self.raw.chars().nth(1).is_some()
            && self.raw.chars().any(char::is_alphabetic)
            && !self.raw.chars().any(char::is_lowercase)
    }

    /// True when the word was written with a possessive ending ("Ford's", "Ford’s").
    pub fn is_possessive(&self) -> bool {
        ["'s", "'S", "’s", "’S"]
            .iter()
            .any(|end| self.raw.ends_with(end))
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
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    out.extend(word_spans(text).map(|span| {
        let raw = &text[span.clone()];
        Word {
            raw,
            folded: fold_word(raw),
            start: span.start,
            end: span.end,
        }
    }));
    out
}

/// The byte spans of the words of `text` (as `words` finds them), without allocating.
pub fn word_spans(text: &str) -> WordSpans<'_> {
    WordSpans { text, pos: 0 }
}

/// Iterator returned by `word_spans`.
#[derive(Debug, Clone)]
pub struct WordSpans<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for WordSpans<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        let base = self.pos;
        let mut chars = self.text[base..]
            .char_indices()
            .map(|(i, c)| (base + i, c))
            .peekable();
        let Some(start) = chars
            .by_ref()
            .find(|&(_, c)| is_word_char(c))
            .map(|(i, _)| i)
        else {
            self.pos = self.text.len();
            return None;
        };
        let mut end = self.text.len();
        while let Some((i, c)) = chars.next() {
            if is_word_char(c) {
                continue;
            }
            if is_joiner(c) && chars.peek().is_some_and(|&(_, next)| is_word_char(next)) {
                chars.next();
                continue;
            }
            end = i;
            break;
        }
        self.pos = end;
        Some(start..end)
    }
}

/// Lower case, accents stripped, apostrophes removed; dots and hyphens kept out of the way:
/// "Nestlé" -> "nestle", "McDonald's" -> "mcdonalds", "S.A." -> "sa", "Coca-Cola" -> "coca-cola".
pub fn fold_word(raw: &str) -> String {
    if raw.is_ascii() {
        // Fast path, same result: ASCII is its own NFD and has no combining marks.
        let mut out = String::with_capacity(raw.len());
        for b in raw.bytes().filter(|&b| b != b'\'' && b != b'.') {
            out.push(char::from(b.to_ascii_lowercase()));
        }
        return out;
    }
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
        assert_eq!(
            raw("Show cases, ICMs for Ford."),
            ["Show", "cases", "ICMs", "for", "Ford"]
        );
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

    #[test]
    fn word_spans_agree_with_a_char_by_char_split() {
        // The original definition, kept as the reference.
        fn reference(text: &str) -> Vec<std::ops::Range<usize>> {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            let mut out = Vec::new();
            let mut i = 0;
            while i < chars.len() {
                if !is_word_char(chars[i].1) {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < chars.len() {
                    if is_word_char(chars[j].1) {
                        j += 1;
                    } else if is_joiner(chars[j].1)
                        && j + 1 < chars.len()
                        && is_word_char(chars[j + 1].1)
                    {
                        j += 2;
                    } else {
                        break;
                    }
                }
                out.push(chars[i].0..chars.get(j).map_or(text.len(), |&(b, _)| b));
                i = j;
            }
            out
        }
        for text in [
            "",
            " ",
            "a",
            "a-",
            "-a",
            "a--b",
            "a-'b",
            "S.A.",
            "Nestlé’s",
            "x &y& z",
            "é.é..é",
            "🙂a🙂",
        ] {
            assert_eq!(
                word_spans(text).collect::<Vec<_>>(),
                reference(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn all_caps_needs_two_characters_and_a_letter() {
        let caps: Vec<bool> = words("GM P&G 3M SHELL A 42 Ford")
            .iter()
            .map(Word::is_all_caps)
            .collect();
        assert_eq!(caps, [true, true, true, true, false, false, false]);
    }

    #[test]
    fn ascii_fast_path_folds_like_the_unicode_path() {
        for raw in ["McDonald's", "S.A", "Coca-Cola", "AT&T", "P&G", "3M"] {
            let slow: String = raw
                .nfd()
                .filter(|c| !is_combining_mark(*c) && !matches!(c, '\'' | '’' | '.'))
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(fold_word(raw), slow);
        }
    }
}
