//! Items named one by one or by kind: ids right after an item word ("case 2611240001000050",
//! "bugs 3000061 and 3000062"), item words fused with their id ("icm400000005"), and the work
//! item types a request asks for ("bugs", "DCRs", "feature requests").
//!
//! Invariant: an id is claimed only right after (or fused with) a word of an item agent, so a
//! number elsewhere in the request (a count, a year) is never taken for an item.

use super::keywords::AgentMention;
use super::tokens::{Role, Tok};
use super::vocab;
use crate::names::{AgentName, SourceKey};
use crate::plan::ItemId;
use crate::text;

/// Item ids right after an item word: "case 2611240001000050", "ICM 400000457", "bugs 3000061
/// and 3000062". Claims the ids as filters.
pub(super) fn item_ids(toks: &mut [Tok<'_>], mentions: &[AgentMention]) -> Vec<ItemId> {
    let mut out: Vec<ItemId> = Vec::new();
    for m in mentions {
        let source = m.agent.source();
        if !matches!(source, SourceKey::Kusto | SourceKey::Icm | SourceKey::Ado) {
            continue;
        }
        let mut k = m.last + 1;
        while let Some(t) = toks.get(k).filter(|t| t.role == Role::Free) {
            if vocab::is_number(t.folded) && t.folded.len() >= 3 {
                let id = ItemId {
                    source,
                    id: t.folded.to_string(),
                };
                if !out.contains(&id) {
                    out.push(id);
                }
                toks[k].role = Role::Filter;
                k += 1;
                // "3000061 and 3000062", "3000061, 3000062".
                if toks
                    .get(k)
                    .is_some_and(|t| t.role == Role::Free && matches!(t.folded, "and" | "or" | "&"))
                    && toks
                        .get(k + 1)
                        .is_some_and(|t| t.role == Role::Free && vocab::is_number(t.folded))
                {
                    toks[k].role = Role::Filter;
                    k += 1;
                }
            } else {
                break;
            }
        }
    }
    out
}

/// Item words fused with their id ("icm400000005", "case2611240001000050", "bug3000061"):
/// claimed as filters, with the agent that owns the item.
pub(super) fn fused_item_ids(toks: &mut [Tok<'_>]) -> Vec<(AgentName, ItemId)> {
    let mut out = Vec::new();
    for tok in toks.iter_mut().filter(|t| t.role == Role::Free) {
        let split = tok.folded.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
        let (word, id) = tok.folded.split_at(split);
        if id.len() < 3 || !vocab::is_number(id) {
            continue;
        }
        let agent = match word.trim_end_matches(['-', '#']) {
            "case" | "sr" | "ticket" => AgentName::SupportCaseManager,
            "icm" | "incident" | "inc" => AgentName::EscalationManager,
            "bug" | "wi" | "ado" | "dcr" | "workitem" => AgentName::WorkItemManager,
            _ => continue,
        };
        tok.role = Role::Filter;
        out.push((
            agent,
            ItemId {
                source: agent.source(),
                id: id.to_string(),
            },
        ));
    }
    out
}

/// Work item types the request asks for: "bugs" -> Bug, "DCRs" -> DCR, "feature requests" ->
/// Feature. A generic mention ("work items", "ADO", "DevOps") asks for every type, unless it
/// only qualifies a specific one right after it ("ADO bugs", "DevOps DCRs") or is the source's
/// name beside a named type ("bugs in ADO"). Empty = every type.
pub(super) fn work_item_types(toks: &[Tok<'_>], mentions: &[AgentMention]) -> Vec<String> {
    let kind = |m: &AgentMention| -> Option<&'static str> {
        let words: Vec<&str> = toks[m.first..=m.last]
            .iter()
            .map(|t| text::singular(t.folded))
            .collect();
        match words.as_slice() {
            [.., "bug"] => Some("Bug"),
            [.., "dcr"] | ["design", "change", "request"] => Some("DCR"),
            ["feature"] | ["feature", "request"] => Some("Feature"),
            _ => None,
        }
    };
    let ado: Vec<&AgentMention> = mentions
        .iter()
        .filter(|m| m.agent == AgentName::WorkItemManager)
        .collect();
    let mut types: Vec<String> = Vec::new();
    for (i, m) in ado.iter().enumerate() {
        match kind(m) {
            Some(t) => {
                if !types.iter().any(|x| x == t) {
                    types.push(t.to_string());
                }
            }
            None => {
                let qualifies_next = ado
                    .get(i + 1)
                    .is_some_and(|next| next.first == m.last + 1 && kind(next).is_some());
                // The source's own name only says where a named type lives ("bugs in ADO",
                // "open bugs does Toyota have in DevOps"); "work items" asks for every type.
                let names_source = toks[m.first..=m.last]
                    .iter()
                    .any(|t| matches!(t.folded, "ado" | "devops" | "vsts"));
                let names_a_type = ado.iter().any(|other| kind(other).is_some());
                if !(qualifies_next || (names_source && names_a_type)) {
                    return Vec::new();
                }
            }
        }
    }
    types.sort();
    types
}
