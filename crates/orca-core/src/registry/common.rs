//! The embedded list of common English (and support/IT) words: names made of them ("Target",
//! "Delta", "Shell", "Zoom") need a sign that they are used as a name before they match.

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

type WordSet = FxHashSet<&'static str>;

static COMMON_WORDS: &str = include_str!("common_words.txt");

fn set() -> &'static WordSet {
    static SET: OnceLock<WordSet> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON_WORDS
            .lines()
            .filter(|line| !line.starts_with('#'))
            .flat_map(str::split_whitespace)
            .collect()
    })
}

/// Is this folded word a common word, or the "s"/"es"/"ies" plural of one? "es" is a plural
/// ending only after s, x, z, ch, sh and o ("boxes", "patches"), so "lowes" is not "low".
pub(crate) fn is_common(folded: &str) -> bool {
    let set = set();
    set.contains(folded)
        || folded.strip_suffix('s').is_some_and(|w| set.contains(w))
        || folded.strip_suffix("es").is_some_and(|w| {
            ["s", "x", "z", "ch", "sh", "o"]
                .iter()
                .any(|end| w.ends_with(end))
                && set.contains(w)
        })
        || folded.strip_suffix("ies").is_some_and(|w| {
            let mut singular = [0u8; 32];
            let Some(slot) = singular.get_mut(..=w.len()) else {
                return false;
            };
            slot[..w.len()].copy_from_slice(w.as_bytes());
            slot[w.len()] = b'y';
            std::str::from_utf8(slot).is_ok_and(|s| set.contains(s))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_words_and_plurals() {
        for w in [
            "target",
            "delta",
            "shell",
            "zoom",
            "the",
            "cases",
            "teams",
            "policies",
            "show",
            "boxes",
            "patches",
            "ups",
            "principal",
            "insider",
        ] {
            assert!(is_common(w), "{w}");
        }
        for w in [
            "ford", "toyota", "nestle", "lincoln", "deutsche", "contoso", "globex", "fords",
            "lowes", "gm", "ibm", "hpe",
        ] {
            assert!(!is_common(w), "{w}");
        }
    }

    #[test]
    fn list_is_folded() {
        for w in set() {
            assert_eq!(*w, crate::text::fold_word(w), "{w}");
        }
    }
}
