//! The verbs around a time phrase: the one right before a range picks its event column
//! ("closed last week" filters on ClosedAt), and a creation verb before an age ("created before
//! October") belongs to the age. Both are claimed as `Role::Verb`.

use crate::analyze::tokens::{Role, Tok};
use crate::plan::TimeEvent;

/// The verb right before the time phrase picks the event column: "closed last week",
/// "resolved in October", "mitigated yesterday", "opened since Monday", "did Ford open last
/// month". Claims the verb.
pub(crate) fn event_verb(toks: &mut [Tok<'_>], age_tokens: &[bool]) -> Option<TimeEvent> {
    let first_time = (0..toks.len()).find(|&k| toks[k].role == Role::Time && !age_tokens[k])?;
    // The verb is right before the range ("were closed last week"), perhaps before a
    // preposition and an article the range left ("closed in the last 30 days").
    // The customers the verb was about may sit between ("were closed for Ford last week").
    let mut k = first_time.checked_sub(1)?;
    while k > 0
        && (toks[k].role == Role::Customer
            || (toks[k].role == Role::Free
                && matches!(
                    toks[k].folded,
                    "in" | "the"
                        | "during"
                        | "over"
                        | "within"
                        | "for"
                        | "on"
                        | "at"
                        | "this"
                        | "by"
                        | "and"
                        | "&"
                        | "or"
                )))
    {
        k -= 1;
    }
    let tok = &toks[k];
    if tok.role != Role::Free {
        return None;
    }
    let event = match tok.folded {
        "closed" | "resolved" | "fixed" | "completed" | "finished" => TimeEvent::Closed,
        "mitigated" => TimeEvent::Mitigated,
        "opened" | "created" | "filed" | "raised" | "submitted" | "logged" | "reported"
        | "started" | "new" => TimeEvent::Created,
        // "how many cases did Ford open last month": "open" as a verb after an auxiliary.
        "open" | "close" | "resolve" | "mitigate" | "file" | "raise" | "create" | "log"
            if toks[..k].iter().rev().take(3).any(|t| {
                matches!(
                    t.folded,
                    "did" | "do" | "does" | "were" | "was" | "will" | "have" | "has" | "had"
                )
            }) =>
        {
            match tok.folded {
                "close" | "resolve" => TimeEvent::Closed,
                "mitigate" => TimeEvent::Mitigated,
                _ => TimeEvent::Created,
            }
        }
        _ => return None,
    };
    toks[k].role = Role::Verb;
    Some(event)
}

/// Claims a creation verb ("created", "opened", "filed") right before the first token that
/// `starts` picks, as `Role::Verb`.
pub(crate) fn claim_verb_before(toks: &mut [Tok<'_>], starts: impl Fn(&Tok<'_>) -> bool) {
    let Some(first) = toks.iter().position(starts) else {
        return;
    };
    if let Some(k) = first.checked_sub(1)
        && toks[k].role == Role::Free
        && matches!(
            toks[k].folded,
            "created" | "opened" | "filed" | "raised" | "submitted" | "logged"
        )
    {
        toks[k].role = Role::Verb;
    }
}
