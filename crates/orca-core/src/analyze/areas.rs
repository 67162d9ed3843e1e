//! Product areas: the area names the data uses ("DLP", "eDiscovery", "Sensitivity Labels") and
//! their usual other names ("data loss prevention", "MIP"), matched as whole-word phrases.
//!
//! Invariant: a match claims its words as a filter and yields the area's name exactly as the
//! data writes it, so the connector can compare it with the stored value; nothing else.

use serde::{Deserialize, Serialize};

use super::keywords::singular;
use super::{Role, Tok};
use crate::text;

/// One product area: its name as the data writes it, and other names users type for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductArea {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl ProductArea {
    pub fn new(name: &str, aliases: &[&str]) -> Self {
        ProductArea {
            name: name.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The demo data's areas (Microsoft Purview), with the names support engineers use.
    pub fn defaults() -> Vec<ProductArea> {
        vec![
            ProductArea::new("DLP", &["data loss prevention", "endpoint dlp"]),
            ProductArea::new(
                "Sensitivity Labels",
                &[
                    "sensitivity label",
                    "information protection",
                    "mip",
                    "aip",
                    "labeling",
                    "auto-labeling",
                ],
            ),
            ProductArea::new("eDiscovery", &["e-discovery", "ediscovery premium"]),
            ProductArea::new("Audit", &["audit log", "auditing", "unified audit log"]),
            ProductArea::new("Data Map", &["data catalog", "data governance"]),
            ProductArea::new("Insider Risk", &["insider risk management", "irm"]),
            ProductArea::new("Retention", &["data lifecycle", "records management"]),
            ProductArea::new("Communication Compliance", &["comms compliance"]),
        ]
    }
}

/// The compiled phrases: canonical folded words (each singular) -> area name.
#[derive(Debug, Clone, Default)]
pub struct AreaMatcher {
    /// (phrase words, area name), longest phrase first.
    phrases: Vec<(Vec<String>, String)>,
}

impl AreaMatcher {
    pub fn new(areas: &[ProductArea]) -> Self {
        let mut phrases: Vec<(Vec<String>, String)> = Vec::new();
        for area in areas {
            for written in std::iter::once(&area.name).chain(&area.aliases) {
                let words: Vec<String> = text::words(written)
                    .iter()
                    .map(|w| singular(&w.folded).to_string())
                    .collect();
                if !words.is_empty() && !phrases.iter().any(|(p, _)| *p == words) {
                    phrases.push((words, area.name.clone()));
                }
            }
        }
        phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        AreaMatcher { phrases }
    }

    /// True when the folded word is a word of some area phrase.
    pub(crate) fn is_area_word(&self, folded: &str) -> bool {
        let w = singular(folded);
        self.phrases.iter().any(|(p, _)| p.iter().any(|x| x == w))
    }

    /// The area phrase starting at token `i` among free tokens: (area name, tokens used).
    pub(crate) fn at(&self, toks: &[Tok<'_>], i: usize) -> Option<(&str, usize)> {
        self.phrases.iter().find_map(|(phrase, name)| {
            let fits = phrase.iter().enumerate().all(|(k, word)| {
                toks.get(i + k)
                    .is_some_and(|t| t.role == Role::Free && singular(t.folded) == word)
            });
            fits.then_some((name.as_str(), phrase.len()))
        })
    }
}
