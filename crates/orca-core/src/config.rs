//! The analyzer's slice of the configuration: agent keywords, estimated latencies, the default
//! overview set, limits.
//!
//! Defaults are the documented behaviour; `orca.toml` may override any of them under
//! `[analyzer]` (e.g. `[analyzer.agents.support_case_manager] keywords = [...]`). An agent table
//! that is written replaces only the keys it names; the others keep their defaults.
//!
//! Plain data and its validation only: `AnalyzerConfig::build` (in `analyze`) checks it and
//! compiles it into the `Analyzer` that requests are analyzed with.

use serde::{Deserialize, Serialize};

use crate::names::AgentName;
use crate::text::canonical_phrase;

/// `[analyzer]`: how free-text requests become plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzerConfig {
    /// Longest request accepted, in characters (not bytes); longer requests are bad input.
    /// Default 4000.
    pub max_request_chars: usize,
    /// The overview set: agents used when a request names a customer (or all customers, or a
    /// cohort) but no agent word ("What's going on with Ford?"). The first one answers the main
    /// question, so its tasks are critical. Default `support_case_manager`, `escalation_manager`,
    /// `tenant_health_monitor`.
    pub default_agents: Vec<AgentName>,
    /// Agents used when a request names neither a customer nor an agent word ("What is a
    /// sensitivity label?"): such a request is taken as a product question. Default
    /// `purview_expert`.
    pub fallback_agents: Vec<AgentName>,
    /// Keywords and estimated latency per agent (`[analyzer.agents.<agent>]`).
    pub agents: AgentsConfig,
    /// Product areas as the data names them, with the other names users type for them
    /// (`[[analyzer.product_areas]] name = "DLP", aliases = ["data loss prevention"]`): "DLP
    /// cases" filters on the area. The service adds the areas it finds in the store. Default:
    /// the demo data's Purview areas.
    pub product_areas: Vec<ProductArea>,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            max_request_chars: 4000,
            default_agents: vec![
                AgentName::SupportCaseManager,
                AgentName::EscalationManager,
                AgentName::TenantHealthMonitor,
            ],
            fallback_agents: vec![AgentName::PurviewExpert],
            agents: AgentsConfig::default(),
            product_areas: ProductArea::defaults(),
        }
    }
}

impl AnalyzerConfig {
    /// Adds areas the data names that the config does not list yet (compared case-insensitively).
    pub fn add_product_areas<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            let name = name.trim();
            if name.is_empty()
                || self
                    .product_areas
                    .iter()
                    .any(|a| a.name.eq_ignore_ascii_case(name))
            {
                continue;
            }
            self.product_areas.push(ProductArea {
                name: name.to_string(),
                aliases: Vec::new(),
            });
        }
    }

    /// Checks the values serde cannot: every problem at once.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        if self.max_request_chars == 0 {
            errors.push(ConfigError::new(
                "analyzer.max_request_chars",
                "analyzer.max_request_chars must be greater than 0",
            ));
        }
        for (key, agents) in [
            ("default_agents", &self.default_agents),
            ("fallback_agents", &self.fallback_agents),
        ] {
            if agents.is_empty() {
                errors.push(ConfigError::new(
                    format!("analyzer.{key}"),
                    format!("analyzer.{key} must name at least one agent"),
                ));
            }
        }
        let mut seen: Vec<(String, AgentName)> = Vec::new();
        for agent in AgentName::ALL {
            let key = format!("analyzer.agents.{agent}.keywords");
            for keyword in &self.agents.get(agent).keywords {
                let folded = canonical_phrase(keyword);
                if folded.is_empty() {
                    errors.push(ConfigError::at(
                        &key,
                        format!("keyword `{keyword}` has no words"),
                    ));
                } else if let Some((_, first)) = seen.iter().find(|(k, _)| *k == folded) {
                    if *first != agent {
                        errors.push(ConfigError::at(
                            &key,
                            format!(
                                "keyword `{keyword}` is already a keyword of {first} (a keyword selects one agent)"
                            ),
                        ));
                    }
                } else {
                    seen.push((folded, agent));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// One problem in the configuration, wherever it is (`[analyzer]`, `[engine]`, `[cache]`,
/// `[server]`, or the file itself): every layer lists these, all at once.
///
/// `Display` is the message: one sentence, lower case and without a final period (errors are
/// chained), that names the key itself, e.g. "engine.retry.base_ms (3000) is greater than
/// engine.retry.cap_ms (2000)".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// Where: the key as written in `orca.toml` (`engine.sources.icm.retry.base_ms`), the table
    /// (`health`) when only the message names the key, or the config file for one that cannot
    /// be read or parsed.
    pub path: String,
    /// What is wrong, naming the key.
    pub message: String,
}

impl ConfigError {
    /// A problem whose message already names its key: ("engine.deadline_ms", "engine.deadline_ms
    /// must be greater than 0").
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A problem told apart from its key: the message is "{path}: {detail}"
    /// ("engine.faults[2]: `kusto` is not a fault ...").
    pub fn at(path: impl Into<String>, detail: impl std::fmt::Display) -> Self {
        let path = path.into();
        ConfigError {
            message: format!("{path}: {detail}"),
            path,
        }
    }
}

/// `[analyzer.agents]`: one table per agent. A missing table keeps the agent's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawAgentsConfig")]
pub struct AgentsConfig {
    pub support_case_manager: AgentConfig,
    pub escalation_manager: AgentConfig,
    pub work_item_manager: AgentConfig,
    pub tenant_health_monitor: AgentConfig,
    pub purview_expert: AgentConfig,
}

/// `[analyzer.agents.<agent>]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Words and phrases that select this agent. Matched as whole words, ignoring case and
    /// accents; a keyword also matches its plural ("case" matches "cases", "known issue" matches
    /// "known issues"); a phrase matches consecutive words. Writing the list replaces the
    /// defaults.
    pub keywords: Vec<String>,
    /// Estimated latency of one task against this agent's source, in milliseconds; the plan's
    /// `estimated_ms` adds these up along the critical path of the task graph.
    pub estimated_ms: u64,
}

impl AgentsConfig {
    pub fn get(&self, agent: AgentName) -> &AgentConfig {
        match agent {
            AgentName::SupportCaseManager => &self.support_case_manager,
            AgentName::EscalationManager => &self.escalation_manager,
            AgentName::WorkItemManager => &self.work_item_manager,
            AgentName::TenantHealthMonitor => &self.tenant_health_monitor,
            AgentName::PurviewExpert => &self.purview_expert,
        }
    }

    /// The built-in settings of one agent.
    pub fn default_for(agent: AgentName) -> AgentConfig {
        let (keywords, estimated_ms): (&[&str], u64) = match agent {
            AgentName::SupportCaseManager => (
                &[
                    "case",
                    "support case",
                    "ticket",
                    "support ticket",
                    "support request",
                    "service request",
                    "sr",
                    "critsit",
                    "crit sit",
                ],
                40,
            ),
            AgentName::EscalationManager => (
                &["icm", "incident", "escalation", "outage", "cri", "livesite"],
                30,
            ),
            AgentName::WorkItemManager => (
                &[
                    "ado",
                    "azure devops",
                    "devops",
                    "bug",
                    "work item",
                    "workitem",
                    "dcr",
                    "design change request",
                    "feature request",
                    "feature",
                ],
                35,
            ),
            AgentName::TenantHealthMonitor => (
                &[
                    "tenant health",
                    "health",
                    "healthy",
                    "unhealthy",
                    "adoption",
                    "usage",
                    "active user",
                    "license",
                    "licensing",
                    "metric",
                    "telemetry",
                ],
                25,
            ),
            AgentName::PurviewExpert => (
                &[
                    "doc",
                    "documentation",
                    "known issue",
                    "how do i",
                    "how can i",
                    "how to",
                    "configure",
                    "troubleshoot",
                    "troubleshooting",
                    "best practice",
                ],
                15,
            ),
        };
        AgentConfig {
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            estimated_ms,
        }
    }
}

impl Default for AgentsConfig {
    fn default() -> Self {
        AgentsConfig {
            support_case_manager: AgentsConfig::default_for(AgentName::SupportCaseManager),
            escalation_manager: AgentsConfig::default_for(AgentName::EscalationManager),
            work_item_manager: AgentsConfig::default_for(AgentName::WorkItemManager),
            tenant_health_monitor: AgentsConfig::default_for(AgentName::TenantHealthMonitor),
            purview_expert: AgentsConfig::default_for(AgentName::PurviewExpert),
        }
    }
}

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

/// What the user wrote under `[analyzer.agents]`: every table and key optional.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawAgentsConfig {
    support_case_manager: Option<RawAgentConfig>,
    escalation_manager: Option<RawAgentConfig>,
    work_item_manager: Option<RawAgentConfig>,
    tenant_health_monitor: Option<RawAgentConfig>,
    purview_expert: Option<RawAgentConfig>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawAgentConfig {
    keywords: Option<Vec<String>>,
    estimated_ms: Option<u64>,
}

impl From<RawAgentsConfig> for AgentsConfig {
    fn from(raw: RawAgentsConfig) -> Self {
        let merge = |agent: AgentName, raw: Option<RawAgentConfig>| {
            let mut config = AgentsConfig::default_for(agent);
            if let Some(raw) = raw {
                if let Some(keywords) = raw.keywords {
                    config.keywords = keywords;
                }
                if let Some(ms) = raw.estimated_ms {
                    config.estimated_ms = ms;
                }
            }
            config
        };
        AgentsConfig {
            support_case_manager: merge(AgentName::SupportCaseManager, raw.support_case_manager),
            escalation_manager: merge(AgentName::EscalationManager, raw.escalation_manager),
            work_item_manager: merge(AgentName::WorkItemManager, raw.work_item_manager),
            tenant_health_monitor: merge(AgentName::TenantHealthMonitor, raw.tenant_health_monitor),
            purview_expert: merge(AgentName::PurviewExpert, raw.purview_expert),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert_eq!(AnalyzerConfig::default().validate(), Ok(()));
    }

    #[test]
    fn a_partial_agent_table_keeps_the_other_defaults() {
        let json = r#"{"agents": {"support_case_manager": {"estimated_ms": 90}}}"#;
        let config: AnalyzerConfig = serde_json::from_str(json).unwrap();
        assert_eq!(config.agents.support_case_manager.estimated_ms, 90);
        assert_eq!(
            config.agents.support_case_manager.keywords,
            AgentsConfig::default_for(AgentName::SupportCaseManager).keywords
        );
        assert_eq!(
            config.agents.escalation_manager,
            AgentsConfig::default_for(AgentName::EscalationManager)
        );
        assert_eq!(config.max_request_chars, 4000);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(serde_json::from_str::<AnalyzerConfig>(r#"{"max_chars": 3}"#).is_err());
        assert!(serde_json::from_str::<AnalyzerConfig>(r#"{"agents": {"kusto": {}}}"#).is_err());
        assert!(
            serde_json::from_str::<AnalyzerConfig>(
                r#"{"agents": {"purview_expert": {"keyword": []}}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn serialized_config_round_trips() {
        let config = AnalyzerConfig::default();
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            serde_json::from_str::<AnalyzerConfig>(&json).unwrap(),
            config
        );
    }

    #[test]
    fn validate_reports_every_problem() {
        let mut config = AnalyzerConfig {
            max_request_chars: 0,
            default_agents: vec![],
            ..AnalyzerConfig::default()
        };
        config.agents.purview_expert.keywords.push("Cases".into());
        config.agents.purview_expert.keywords.push(" ,".into());
        let errors = config.validate().unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn each_error_names_its_key_in_one_sentence() {
        let mut config = AnalyzerConfig::default();
        config.fallback_agents.clear();
        config.agents.purview_expert.keywords.push("Cases".into());
        let errors = config.validate().unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "analyzer.fallback_agents",
                "analyzer.agents.purview_expert.keywords"
            ]
        );
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "analyzer.fallback_agents must name at least one agent",
                "analyzer.agents.purview_expert.keywords: keyword `Cases` is already a keyword of support_case_manager (a keyword selects one agent)",
            ]
        );
    }
}
