//! The fixed names of DESIGN section 2: the five agents and the five data sources.
//!
//! A closed set is an enum: every agent owns exactly one source and the mapping lives here once.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One of the five specialist agents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AgentName {
    SupportCaseManager,
    EscalationManager,
    WorkItemManager,
    TenantHealthMonitor,
    PurviewExpert,
}

/// The data source an agent queries.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SourceKey {
    Kusto,
    Icm,
    Ado,
    Tenant,
    Docs,
}

impl AgentName {
    pub const ALL: [AgentName; 5] = [
        AgentName::SupportCaseManager,
        AgentName::EscalationManager,
        AgentName::WorkItemManager,
        AgentName::TenantHealthMonitor,
        AgentName::PurviewExpert,
    ];

    pub fn source(self) -> SourceKey {
        match self {
            AgentName::SupportCaseManager => SourceKey::Kusto,
            AgentName::EscalationManager => SourceKey::Icm,
            AgentName::WorkItemManager => SourceKey::Ado,
            AgentName::TenantHealthMonitor => SourceKey::Tenant,
            AgentName::PurviewExpert => SourceKey::Docs,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AgentName::SupportCaseManager => "support_case_manager",
            AgentName::EscalationManager => "escalation_manager",
            AgentName::WorkItemManager => "work_item_manager",
            AgentName::TenantHealthMonitor => "tenant_health_monitor",
            AgentName::PurviewExpert => "purview_expert",
        }
    }

    /// What the agent's data is called in an answer sentence ("support cases").
    pub fn noun(self) -> &'static str {
        match self {
            AgentName::SupportCaseManager => "support cases",
            AgentName::EscalationManager => "incidents",
            AgentName::WorkItemManager => "work items",
            AgentName::TenantHealthMonitor => "tenant health",
            AgentName::PurviewExpert => "docs",
        }
    }
}

impl SourceKey {
    pub const ALL: [SourceKey; 5] = [
        SourceKey::Kusto,
        SourceKey::Icm,
        SourceKey::Ado,
        SourceKey::Tenant,
        SourceKey::Docs,
    ];

    pub fn agent(self) -> AgentName {
        match self {
            SourceKey::Kusto => AgentName::SupportCaseManager,
            SourceKey::Icm => AgentName::EscalationManager,
            SourceKey::Ado => AgentName::WorkItemManager,
            SourceKey::Tenant => AgentName::TenantHealthMonitor,
            SourceKey::Docs => AgentName::PurviewExpert,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKey::Kusto => "kusto",
            SourceKey::Icm => "icm",
            SourceKey::Ado => "ado",
            SourceKey::Tenant => "tenant",
            SourceKey::Docs => "docs",
        }
    }
}

impl fmt::Display for AgentName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for SourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a name that is not one of the fixed five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}` (expected one of: {expected})")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
    pub expected: &'static str,
}

impl FromStr for SourceKey {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownName {
                kind: "source",
                name: s.to_string(),
                expected: "kusto, icm, ado, tenant, docs",
            })
    }
}

impl FromStr for AgentName {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AgentName::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownName {
                kind: "agent",
                name: s.to_string(),
                expected: "support_case_manager, escalation_manager, work_item_manager, tenant_health_monitor, purview_expert",
            })
    }
}

/// A customer by registry name and tenant id: who a section, or a ranked entry, is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct CustomerRef {
    pub name: String,
    pub tenant_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_and_sources_map_both_ways() {
        for agent in AgentName::ALL {
            assert_eq!(agent.source().agent(), agent);
            assert_eq!(agent.as_str().parse::<AgentName>().unwrap(), agent);
            assert_eq!(serde_json::to_value(agent).unwrap(), agent.as_str());
        }
        for source in SourceKey::ALL {
            assert_eq!(source.as_str().parse::<SourceKey>().unwrap(), source);
            assert_eq!(serde_json::to_value(source).unwrap(), source.as_str());
        }
        assert!("kustoo".parse::<SourceKey>().is_err());
    }
}
