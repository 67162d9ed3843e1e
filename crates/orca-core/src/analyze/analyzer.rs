//! The `Analyzer`: an `AnalyzerConfig` checked and compiled once, which `analyze` runs on.
//!
//! Invariant: an `Analyzer` only comes from a config that validated, and its compiled keyword
//! and area matchers always agree with the config it owns (they are built together, and the
//! only change, `add_product_areas`, rebuilds the area matcher at once).

use super::areas::AreaMatcher;
use super::keywords::KeywordMatcher;
use crate::config::{AnalyzerConfig, ConfigError};

/// A validated analyzer config with its compiled matchers. Build it once
/// ([`AnalyzerConfig::build`]) and analyze every request with it.
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: AnalyzerConfig,
    keywords: KeywordMatcher,
    areas: AreaMatcher,
}

impl AnalyzerConfig {
    /// Checks the config (every problem at once) and compiles its keyword and product-area
    /// matchers into the `Analyzer` that requests are analyzed with.
    pub fn build(self) -> Result<Analyzer, Vec<ConfigError>> {
        self.validate()?;
        Ok(Analyzer {
            keywords: KeywordMatcher::new(&self.agents),
            areas: AreaMatcher::new(&self.product_areas),
            config: self,
        })
    }
}

impl Analyzer {
    /// The config this analyzer was built from.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Adds areas the data names that the config does not list yet (compared
    /// case-insensitively), and recompiles the area matcher.
    pub fn add_product_areas<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        self.config.add_product_areas(names);
        self.areas = AreaMatcher::new(&self.config.product_areas);
    }

    pub(crate) fn keywords(&self) -> &KeywordMatcher {
        &self.keywords
    }

    pub(crate) fn areas(&self) -> &AreaMatcher {
        &self.areas
    }
}

/// The analyzer of the default config (which is valid: see the config's tests).
impl Default for Analyzer {
    fn default() -> Self {
        AnalyzerConfig::default()
            .build()
            .expect("the default analyzer config is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_config_builds_no_analyzer() {
        let config = AnalyzerConfig {
            max_request_chars: 0,
            ..AnalyzerConfig::default()
        };
        assert_eq!(config.build().unwrap_err().len(), 1);
    }

    #[test]
    fn added_product_areas_are_matched_at_once() {
        let mut analyzer = Analyzer::default();
        assert!(!analyzer.areas().is_area_word("widgets"));
        analyzer.add_product_areas(["Widgets", "dlp"]);
        assert!(analyzer.areas().is_area_word("widgets"));
        let names: Vec<&str> = analyzer
            .config()
            .product_areas
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            names
                .iter()
                .filter(|n| n.eq_ignore_ascii_case("dlp"))
                .count(),
            1
        );
    }
}
