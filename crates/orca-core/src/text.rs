//! Words and their folded forms: the one tokenizer shared by the registry and the analyzer.
//!
//! Matching is always on whole words, never substrings ("PowerShell" is not "Shell", "debug" is
//! not "bug"). A word keeps its byte span in the original text so matches can be reported and
//! masked. Folding reads a word as a person does: compatibility forms are unified (NFKC/NFKD:
//! fullwidth "ＦＯＲＤ" is "ford"), invisible format characters inside a word are dropped ("F" +
//! zero-width space + "ord" is one word, "ford"), and in a word whose every letter is Latin or
//! a Cyrillic/Greek look-alike of one, the look-alikes read as Latin ("Fоrd" with a Cyrillic "о"
//! is "ford"; `has_lookalike` tells callers, which treat such a word as a guess). A word in
//! another script ("Яндекс") keeps its letters.

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
    matches!(c, '\'' | '’' | '-' | '.') || is_invisible(c)
}

/// Zero-width and other invisible format characters that may hide inside a word: zero-width
/// space, non-joiner and joiner, word joiner, and the zero-width no-break space (BOM).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// The Latin letter a Cyrillic or Greek letter is drawn like, if it is drawn like one.
fn lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' | 'А' => 'a',
        'в' | 'В' => 'b',
        'е' | 'Е' => 'e',
        'і' | 'І' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'н' | 'Н' | 'һ' | 'Һ' => 'h',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'т' | 'Т' => 't',
        'у' | 'У' => 'y',
        'х' | 'Х' => 'x',
        'ѕ' | 'Ѕ' => 's',
        'ԁ' => 'd',
        'ԛ' | 'Ԛ' => 'q',
        'ԝ' | 'Ԝ' => 'w',
        'ӏ' | 'Ӏ' => 'l',
        // Greek
        'Α' | 'α' => 'a',
        'Β' => 'b',
        'Ε' => 'e',
        'Ζ' => 'z',
        'Η' => 'h',
        'Ι' | 'ι' => 'i',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'Ν' => 'n',
        'ν' => 'v',
        'Ο' | 'ο' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' | 'τ' => 't',
        'Υ' | 'υ' => 'y',
        'Χ' | 'χ' => 'x',
        _ => return None,
    })
}

/// Is every letter of `raw` Latin or a look-alike of one, with at least one look-alike? Such a
/// word folds to Latin letters (see `fold_word`): "Fоrd" with a Cyrillic "о".
pub fn has_lookalike(raw: &str) -> bool {
    !raw.is_ascii()
        && raw.chars().any(|c| lookalike(c).is_some())
        && raw
            .nfkd()
            .all(|c| !c.is_alphabetic() || c.is_ascii_alphabetic() || lookalike(c).is_some())
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

/// Lower case, accents stripped, apostrophes and invisible characters removed, compatibility
/// forms unified, look-alike letters read as Latin (see the module doc); dots dropped and
/// hyphens kept: "Nestlé" -> "nestle", "McDonald's" -> "mcdonalds", "S.A." -> "sa",
/// "Coca-Cola" -> "coca-cola", "ＦＯＲＤ" -> "ford".
pub fn fold_word(raw: &str) -> String {
    if raw.is_ascii() {
        // Fast path, same result: ASCII is its own NFD and has no combining marks.
        let mut out = String::with_capacity(raw.len());
        for b in raw.bytes().filter(|&b| b != b'\'' && b != b'.') {
            out.push(char::from(b.to_ascii_lowercase()));
        }
        return out;
    }
    let latin = has_lookalike(raw);
    let mut out = String::with_capacity(raw.len());
    for c in raw.nfkd() {
        if is_combining_mark(c) || is_invisible(c) || matches!(c, '\'' | '’' | '.') {
            continue;
        }
        match lookalike(c).filter(|_| latin) {
            Some(l) => out.push(l),
            None => out.extend(c.to_lowercase()),
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

/// The singular form keywords and product areas are matched in: one trailing `s` dropped from
/// words of three letters or more ("cases" -> "case", "icms" -> "icm", "srs" -> "sr"), but not
/// from "ss" endings ("access").
pub(crate) fn singular(word: &str) -> &str {
    if word.len() >= 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// A keyword phrase in its matching form: folded words, each singular, space-separated
/// ("Known Issues" -> "known issue"). Two keywords with the same form are the same keyword.
pub(crate) fn canonical_phrase(phrase: &str) -> String {
    let mut out = String::new();
    for word in words(phrase) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(singular(&word.folded));
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
    fn singular_forms() {
        assert_eq!(singular("cases"), "case");
        assert_eq!(singular("is"), "is");
        assert_eq!(singular("access"), "access");
        assert_eq!(canonical_phrase("Known Issues"), "known issue");
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
    fn folds_compatibility_forms_invisible_characters_and_lookalikes() {
        assert_eq!(fold_word("ＦＯＲＤ"), "ford");
        assert_eq!(raw("F\u{200B}ord cases"), ["F\u{200B}ord", "cases"]);
        assert_eq!(fold_word("F\u{200B}o\u{2060}r\u{FEFF}d"), "ford");
        assert_eq!(raw("\u{200B}Ford\u{200D} x"), ["Ford", "x"]);
        assert_eq!(fold_word("Fоrd"), "ford", "Cyrillic о");
        assert!(has_lookalike("Fоrd"));
        assert_eq!(fold_word("ΤΟΥΟΤΑ"), "toyota", "Greek capitals");
        assert!(has_lookalike("ΤΟΥΟΤΑ"));
        assert_eq!(
            fold_word("Яндекс"),
            "яндекс",
            "another script keeps its letters"
        );
        assert!(!has_lookalike("Яндекс") && !has_lookalike("Ford") && !has_lookalike("Nestlé"));
        assert_eq!(fold_word("Société"), "societe");
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
