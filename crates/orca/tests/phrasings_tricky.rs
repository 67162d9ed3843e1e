//! Questions typed against a registry of tricky names
//! (`crates/orca-core/tests/fixtures/tricky_registry.csv`): word-names such as Target, Ball,
//! Principal, Insider, Visa, Delta and Shell, as customers and as plain words; lists with commas
//! and ampersands; possessives; tickers and aliases; the two customers named "Acme Holdings"
//! (always ambiguous by name, never one of them); non-ASCII names typed without accents; tenant
//! ids; and the intents of DESIGN section 9. Each question goes through the built binary's
//! `orca plan --format json --registry <tricky csv>` (`--now` pinned) and is checked for the exact
//! set of customers resolved (precision first: a customer the question did not name fails), the
//! scope, the intent (with its limit, grouping or bucket where the question gives one) and what
//! the plan says it did not understand. Answers' numbers are checked elsewhere: the demo data's
//! items belong to the demo registry's tenants. One line per question; only questions Orca plans
//! right today are here. Run with `--nocapture` to see one `TRICKY` line per question.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use common::{orca, run};
use serde_json::Value;

const REGISTRY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../orca-core/tests/fixtures/tricky_registry.csv"
);

/// The demo store, created by a first `orca ask` that resolves against the tricky registry.
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| common::new_demo_store(Some(REGISTRY)))
        .path()
}

// Registry names of the customers the questions name; the two "Acme Holdings" by tenant id.
const FORD: &str = "Ford Motor Company";
const GM: &str = "General Motors";
const TOYOTA: &str = "Toyota Motor Corporation";
const TARGET: &str = "Target Corporation";
const BALL: &str = "Ball Corporation";
const PRINCIPAL: &str = "Principal Financial Group";
const INSIDER: &str = "Insider Inc.";
const HEALTH_NET: &str = "Health Net";
const BEST_BUY: &str = "Best Buy";
const CAPITAL_ONE: &str = "Capital One";
const VISA: &str = "Visa Inc.";
const HPE: &str = "Hewlett Packard Enterprise";
const IBM: &str = "IBM";
const SAP: &str = "SAP SE";
const DHL: &str = "DHL Group";
const UPS: &str = "United Parcel Service";
const LOWES: &str = "Lowe's Companies";
const YUM: &str = "Yum! Brands";
const ADATUM: &str = "A. Datum Corporation";
const WBD: &str = "Warner Bros. Discovery";
const MAERSK: &str = "A.P. Moller-Maersk";
const NESTLE: &str = "Nestlé";
const SOCGEN: &str = "Société Générale";
const SBERBANK: &str = "Сбербанк";
const SKODA: &str = "Škoda Auto";
const MITSUBISHI: &str = "三菱商事";
const PG: &str = "Procter & Gamble";
const DELTA: &str = "Delta Air Lines";
const SHELL: &str = "Shell plc";
const ACME_D79: &str = "d79aede5-bf52-57fd-a7ac-b0be2e6f74c2";
const ACME_9C5: &str = "9c58cd6b-519b-5cd2-a70a-61504f2f0619";
const ACME: &str = "Acme Holdings";

// Scopes.
const CUSTOMERS: &str = "customers";
const ALL: &str = "all";
const NONE: &str = "none";

/// What the plan must say besides the customers.
#[derive(Clone, Copy, Debug)]
enum Said {
    /// Nothing not understood, unresolved or ambiguous.
    Clean,
    /// A non-empty `not_understood` (a word-name used as a word, or another unclaimed phrase).
    Flagged,
    /// "Acme Holdings" reported ambiguous between both customers of that name.
    Acme,
    /// A non-empty `unresolved`.
    Unresolved,
    /// Anything.
    Any,
}
use Said::{Acme, Any, Clean, Flagged, Unresolved};

struct Case {
    request: &'static str,
    customers: &'static [&'static str],
    scope: &'static str,
    /// `intent`, or `intent:arg`: rank and list check `shape.limit`, breakdown `shape.group_by`,
    /// trend `shape.bucket`.
    intent: &'static str,
    said: Said,
}

fn c(
    request: &'static str,
    customers: &'static [&'static str],
    scope: &'static str,
    intent: &'static str,
    said: Said,
) -> Case {
    Case {
        request,
        customers,
        scope,
        intent,
        said,
    }
}

fn plan(request: &str) -> Result<Value, String> {
    let (code, stdout, stderr) = run(orca(store()).arg("plan").arg(request).args([
        "--registry",
        REGISTRY,
        "--format",
        "json",
    ]));
    if code != 0 {
        return Err(format!("exit {code}: {}", stderr.trim()));
    }
    serde_json::from_str(&stdout).map_err(|e| format!("not JSON ({e}): {stdout}"))
}

fn non_empty(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

/// The problems of one case's plan (empty when right) and a one-line description of the plan.
fn judge(case: &Case) -> (Vec<String>, String) {
    let plan = match plan(case.request) {
        Ok(plan) => plan,
        Err(e) => return (vec![e.clone()], e),
    };
    let got: BTreeSet<String> = plan["customers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or("");
            // The two "Acme Holdings" differ only by tenant id.
            if name == ACME {
                c["tenant_id"].as_str().unwrap_or("").to_string()
            } else {
                name.to_string()
            }
        })
        .collect();
    let want: BTreeSet<String> = case.customers.iter().map(|s| s.to_string()).collect();
    let shape = &plan["shape"];
    let describe = format!(
        "customers {got:?}, scope {}, intent {}, shape {shape}, not_understood {}, unresolved {}, \
         ambiguous {}, interpretation {}",
        plan["scope"],
        plan["intent"],
        plan["not_understood"],
        plan["unresolved"],
        plan["ambiguous"],
        plan["interpretation"]
    );
    let mut problems = Vec::new();
    let extra: Vec<&String> = got.difference(&want).collect();
    if !extra.is_empty() {
        problems.push(format!("resolved customers not named: {extra:?}"));
    }
    let missing: Vec<&String> = want.difference(&got).collect();
    if !missing.is_empty() {
        problems.push(format!("customers missing: {missing:?}"));
    }
    if plan["scope"] != case.scope {
        problems.push(format!("scope {} (want {})", plan["scope"], case.scope));
    }
    let (intent, arg) = case.intent.split_once(':').unwrap_or((case.intent, ""));
    if plan["intent"] != intent {
        problems.push(format!("intent {} (want {intent})", plan["intent"]));
    } else if !arg.is_empty() {
        let (key, got_arg) = match intent {
            "rank" | "list" => ("limit", shape["limit"].to_string()),
            "breakdown" => (
                "group_by",
                shape["group_by"].as_str().unwrap_or("").to_string(),
            ),
            "trend" => ("bucket", shape["bucket"].as_str().unwrap_or("").to_string()),
            other => panic!("{other} takes no argument"),
        };
        if got_arg != arg {
            problems.push(format!("{key} {got_arg} (want {arg})"));
        }
    }
    let not_understood = non_empty(&plan["not_understood"]);
    let unresolved = non_empty(&plan["unresolved"]);
    let ambiguous = non_empty(&plan["ambiguous"]);
    match case.said {
        Clean => {
            if not_understood || unresolved || ambiguous {
                problems.push("something not understood, unresolved or ambiguous".into());
            }
        }
        Flagged => {
            if !not_understood {
                problems.push("nothing listed as not understood".into());
            }
        }
        Acme => {
            let both = plan["ambiguous"].as_array().into_iter().flatten().any(|a| {
                a["candidates"]
                    .as_array()
                    .is_some_and(|c| c.len() == 2 && c.iter().all(|n| n == ACME))
            });
            if !both {
                problems.push("Acme Holdings not ambiguous between both".into());
            }
        }
        Unresolved => {
            if !unresolved {
                problems.push("nothing unresolved".into());
            }
        }
        Any => {}
    }
    (problems, describe)
}

/// One line per question: request, customers resolved (exactly), scope, intent, what is said.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        c("target open cases", &[TARGET], CUSTOMERS, "count", Clean),
        c("target's open cases", &[TARGET], CUSTOMERS, "count", Clean),
        c("how many cases does target have", &[TARGET], CUSTOMERS, "count", Clean),
        c("open cases for target corp", &[TARGET], CUSTOMERS, "count", Clean),
        c("target corporation sev a cases", &[TARGET], CUSTOMERS, "count", Clean),
        c("cases for ball", &[BALL], CUSTOMERS, "count", Clean),
        c("ball corp cases", &[BALL], CUSTOMERS, "count", Clean),
        c("ball's icms", &[BALL], CUSTOMERS, "count", Clean),
        c("open cases for customer ball", &[BALL], CUSTOMERS, "count", Clean),
        c("tenant ball open cases", &[BALL], CUSTOMERS, "count", Clean),
        c("how many icms does principal have", &[PRINCIPAL], CUSTOMERS, "count", Clean),
        c("principal financial group bugs", &[PRINCIPAL], CUSTOMERS, "count", Clean),
        c("principal's sev a cases this week", &[PRINCIPAL], CUSTOMERS, "count", Clean),
        c("insider inc cases", &[INSIDER], CUSTOMERS, "count", Clean),
        c("insider's open cases", &[INSIDER], CUSTOMERS, "count", Clean),
        c("open cases for customer insider", &[INSIDER], CUSTOMERS, "count", Clean),
        c("visa open cases", &[VISA], CUSTOMERS, "count", Clean),
        c("visa inc. escalations", &[VISA], CUSTOMERS, "count", Clean),
        c("health net cases", &[HEALTH_NET], CUSTOMERS, "count", Clean),
        c("best buy open cases", &[BEST_BUY], CUSTOMERS, "count", Clean),
        c("best buy dlp cases", &[BEST_BUY], CUSTOMERS, "count", Clean),
        c("capital one sev a cases", &[CAPITAL_ONE], CUSTOMERS, "count", Clean),
        c("capital one cases this month", &[CAPITAL_ONE], CUSTOMERS, "count", Clean),
        c("delta cases", &[DELTA], CUSTOMERS, "count", Clean),
        c("delta air lines open cases", &[DELTA], CUSTOMERS, "count", Clean),
        c("delta's open icms", &[DELTA], CUSTOMERS, "count", Clean),
        c("shell cases", &[SHELL], CUSTOMERS, "count", Clean),
        c("shell plc open cases", &[SHELL], CUSTOMERS, "count", Clean),
        c("shell's sev a cases", &[SHELL], CUSTOMERS, "count", Clean),
        c("target and visa open cases", &[TARGET, VISA], CUSTOMERS, "count", Clean),
        c("cases for visa and target", &[TARGET, VISA], CUSTOMERS, "count", Clean),
        c("visa's and target's open cases", &[TARGET, VISA], CUSTOMERS, "count", Clean),
        c("target's and ball's icms", &[TARGET, BALL], CUSTOMERS, "count", Clean),
        c("cases for ford and gm and target", &[FORD, GM, TARGET], CUSTOMERS, "count", Clean),
        c("ford gm and visa icms", &[FORD, GM, VISA], CUSTOMERS, "count", Clean),
        c("toyota & visa open cases", &[TOYOTA, VISA], CUSTOMERS, "count", Clean),
        c("capital one and visa open cases", &[CAPITAL_ONE, VISA], CUSTOMERS, "count", Clean),
        c("ford, gm and toyota cases", &[FORD, GM, TOYOTA], CUSTOMERS, "count", Clean),
        c("we're on target for the migration, how many cases does ford have", &[FORD], CUSTOMERS, "count", Flagged),
        c("are we on target with gm's open cases", &[GM], CUSTOMERS, "count", Flagged),
        c("target date for toyota's open bugs", &[TOYOTA], CUSTOMERS, "count", Flagged),
        c("cases targeting ford's dlp policies", &[FORD], CUSTOMERS, "count", Flagged),
        c("targeted attack cases for gm", &[GM], CUSTOMERS, "count", Flagged),
        c("open cases for ford where the target is exchange", &[FORD], CUSTOMERS, "count", Flagged),
        c("retargeting cases for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("the ball is in their court on gm's escalation", &[GM], CUSTOMERS, "count", Flagged),
        c("who dropped the ball on ford's sev a case", &[FORD], CUSTOMERS, "count", Flagged),
        c("ball park number of open cases for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("open cases assigned to a principal engineer", &[], NONE, "count", Flagged),
        c("principal engineer review of toyota icms", &[TOYOTA], CUSTOMERS, "count", Flagged),
        c("service principal errors for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("service principal sign-in failures for gm", &[GM], CUSTOMERS, "count", Flagged),
        c("principal engineer asked about visa application dlp cases", &[], NONE, "count", Flagged),
        c("insider risk cases for toyota", &[TOYOTA], CUSTOMERS, "count", Clean),
        c("insider risk management cases", &[], ALL, "count", Clean),
        c("open insider risk cases", &[], ALL, "count", Clean),
        c("insider risk alerts for gm", &[GM], CUSTOMERS, "count", Flagged),
        c("visa application dlp cases", &[], NONE, "count", Flagged),
        c("visa application issue for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("shell script errors in ford's cases", &[FORD], CUSTOMERS, "count", Flagged),
        c("powershell cases for gm", &[GM], CUSTOMERS, "count", Flagged),
        c("delta between runs for ford cases", &[FORD], CUSTOMERS, "count", Flagged),
        c("delta sync cases for toyota", &[TOYOTA], CUSTOMERS, "count", Flagged),
        c("tenant health for ford", &[FORD], CUSTOMERS, "count", Clean),
        c("health net tenant health", &[HEALTH_NET], CUSTOMERS, "count", Clean),
        c("what's the best way to fix dlp for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("general availability of dlp for toyota", &[TOYOTA], CUSTOMERS, "count", Flagged),
        c("general cases for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("one open case for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("ups and downs in ford's case volume", &[FORD], CUSTOMERS, "count", Flagged),
        c("follow-ups on gm's open cases", &[GM], CUSTOMERS, "count", Flagged),
        c("need ford's open cases asap", &[FORD], CUSTOMERS, "count", Clean),
        c("sap connector cases for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("discovery cases for toyota", &[TOYOTA], CUSTOMERS, "count", Flagged),
        c("ediscovery cases for ford", &[FORD], CUSTOMERS, "count", Clean),
        c("ediscovery cases for warner bros discovery", &[WBD], CUSTOMERS, "count", Clean),
        c("auto-labeling cases for gm", &[GM], CUSTOMERS, "count", Clean),
        c("auto labeling cases for toyota", &[TOYOTA], CUSTOMERS, "count", Any),
        c("brands cases for ford", &[FORD], CUSTOMERS, "count", Flagged),
        c("net cases for health net", &[HEALTH_NET], CUSTOMERS, "count", Flagged),
        c("yum install errors", &[], NONE, "docs", Any),
        c("best practice for dlp policies", &[], NONE, "docs", Any),
        c("group ford's cases by severity", &[FORD], CUSTOMERS, "breakdown:severity", Any),
        c("holdings cases", &[], NONE, "count", Flagged),
        c("enterprise customers with open sev a cases", &[], NONE, "count", Flagged),
        c("corporation cases", &[], NONE, "count", Flagged),
        c("auto cases", &[], NONE, "count", Flagged),
        c("buy cases", &[], NONE, "count", Flagged),
        c("discovery cases", &[], NONE, "count", Flagged),
        c("hpe cases", &[HPE], CUSTOMERS, "count", Clean),
        c("hewlett-packard enterprise open cases", &[HPE], CUSTOMERS, "count", Clean),
        c("hpe's bugs", &[HPE], CUSTOMERS, "count", Clean),
        c("ibm cases", &[IBM], CUSTOMERS, "count", Clean),
        c("international business machines cases", &[IBM], CUSTOMERS, "count", Clean),
        c("ibm's open escalations", &[IBM], CUSTOMERS, "count", Clean),
        c("sap cases", &[SAP], CUSTOMERS, "count", Clean),
        c("sap se icms", &[SAP], CUSTOMERS, "count", Clean),
        c("dhl open cases", &[DHL], CUSTOMERS, "count", Clean),
        c("dhl's icms", &[DHL], CUSTOMERS, "count", Clean),
        c("ups open cases", &[UPS], CUSTOMERS, "count", Clean),
        c("ups's open cases", &[UPS], CUSTOMERS, "count", Clean),
        c("lowes cases", &[LOWES], CUSTOMERS, "count", Clean),
        c("lowe's open cases", &[LOWES], CUSTOMERS, "count", Clean),
        c("lowes companies inc cases", &[LOWES], CUSTOMERS, "count", Clean),
        c("lowes' open cases", &[LOWES], CUSTOMERS, "count", Clean),
        c("yum brands cases", &[YUM], CUSTOMERS, "count", Clean),
        c("yum! brands icms", &[YUM], CUSTOMERS, "count", Clean),
        c("adatum cases", &[ADATUM], CUSTOMERS, "count", Clean),
        c("a. datum open cases", &[ADATUM], CUSTOMERS, "count", Clean),
        c("a datum corp cases", &[ADATUM], CUSTOMERS, "count", Clean),
        c("a datum cases", &[ADATUM], CUSTOMERS, "count", Clean),
        c("wbd cases", &[WBD], CUSTOMERS, "count", Clean),
        c("warner bros discovery cases", &[WBD], CUSTOMERS, "count", Clean),
        c("maersk cases", &[MAERSK], CUSTOMERS, "count", Clean),
        c("a.p. moller-maersk cases", &[MAERSK], CUSTOMERS, "count", Clean),
        c("ap moller maersk open cases", &[MAERSK], CUSTOMERS, "count", Clean),
        c("maersks open cases", &[MAERSK], CUSTOMERS, "count", Clean),
        c("p&g cases", &[PG], CUSTOMERS, "count", Clean),
        c("procter & gamble cases", &[PG], CUSTOMERS, "count", Clean),
        c("procter and gamble open cases", &[PG], CUSTOMERS, "count", Clean),
        c("pg cases", &[PG], CUSTOMERS, "count", Clean),
        c("p&g's open cases", &[PG], CUSTOMERS, "count", Clean),
        c("how's hpe doing on open cases this week", &[HPE], CUSTOMERS, "count", Any),
        c("any sev a cases for ibm today", &[IBM], CUSTOMERS, "count", Clean),
        c("ups escalations last week", &[UPS], CUSTOMERS, "count", Clean),
        c("sap and dhl open bugs", &[SAP, DHL], CUSTOMERS, "count", Clean),
        c("tgt open cases", &[], NONE, "count", Any),
        c("v open cases", &[], NONE, "count", Any),
        c("dal open cases", &[], NONE, "count", Any),
        c("nestle cases", &[NESTLE], CUSTOMERS, "count", Clean),
        c("nestlé open cases", &[NESTLE], CUSTOMERS, "count", Clean),
        c("Nestle's escalations", &[NESTLE], CUSTOMERS, "count", Clean),
        c("nestel cases", &[NESTLE], CUSTOMERS, "count", Clean),
        c("societe generale cases", &[SOCGEN], CUSTOMERS, "count", Clean),
        c("société générale open cases", &[SOCGEN], CUSTOMERS, "count", Clean),
        c("socgen cases", &[SOCGEN], CUSTOMERS, "count", Clean),
        c("socgen's escalations", &[SOCGEN], CUSTOMERS, "count", Clean),
        c("sberbank cases", &[SBERBANK], CUSTOMERS, "count", Clean),
        c("сбербанк cases", &[SBERBANK], CUSTOMERS, "count", Clean),
        c("sberbnak cases", &[SBERBANK], CUSTOMERS, "count", Clean),
        c("skoda cases", &[SKODA], CUSTOMERS, "count", Clean),
        c("škoda auto open cases", &[SKODA], CUSTOMERS, "count", Clean),
        c("skoda auto icms", &[SKODA], CUSTOMERS, "count", Clean),
        c("skodas open cases", &[SKODA], CUSTOMERS, "count", Clean),
        c("mitsubishi corporation cases", &[MITSUBISHI], CUSTOMERS, "count", Clean),
        c("mitsubishi cases", &[MITSUBISHI], CUSTOMERS, "count", Clean),
        c("三菱商事 cases", &[MITSUBISHI], CUSTOMERS, "count", Clean),
        c("compare nestle and skoda icms", &[NESTLE, SKODA], CUSTOMERS, "compare", Clean),
        c("acme holdings cases", &[], NONE, "count", Acme),
        c("acme cases", &[], NONE, "count", Acme),
        c("how many open cases does acme holdings have", &[], NONE, "count", Acme),
        c("acme holdings and ford cases", &[FORD], CUSTOMERS, "count", Acme),
        c("acme holdings inc cases", &[], NONE, "count", Acme),
        c("acme holding cases", &[], NONE, "count", Any),
        c("acme holdings open icms by severity", &[], NONE, "breakdown:severity", Acme),
        c("which acme holdings has the most open cases", &[], NONE, "rank", Acme),
        c("cases for d79aede5-bf52-57fd-a7ac-b0be2e6f74c2", &[ACME_D79], CUSTOMERS, "count", Clean),
        c("cases for tenant 1154c3a3-36e9-5d56-8530-92189195a094", &[TARGET], CUSTOMERS, "count", Clean),
        c("open icms for b1401912-0526-56a6-81c1-78e9bcd9a4e1 and ford", &[VISA, FORD], CUSTOMERS, "count", Clean),
        c("cases for 00000000-0000-0000-0000-000000000000", &[], NONE, "count", Unresolved),
        c("tenant 9c58cd6b-519b-5cd2-a70a-61504f2f0619 open cases", &[ACME_9C5], CUSTOMERS, "count", Clean),
        c("which customer has the most open cases", &[], ALL, "rank:1", Clean),
        c("which customers have the most open bugs", &[], ALL, "rank:10", Clean),
        c("top 3 customers by open cases", &[], ALL, "rank:3", Clean),
        c("top 5 customers by sev a cases", &[], ALL, "rank:5", Clean),
        c("who has the most escalations", &[], ALL, "rank:1", Clean),
        c("top 3 IC customers by open cases", &[], ALL, "rank:3", Clean),
        c("target cases by severity", &[TARGET], CUSTOMERS, "breakdown:severity", Clean),
        c("visa open cases by product area", &[VISA], CUSTOMERS, "breakdown:product_area", Clean),
        c("ball icms by severity", &[BALL], CUSTOMERS, "breakdown:severity", Clean),
        c("breakdown of principal's cases by status", &[PRINCIPAL], CUSTOMERS, "breakdown:status", Clean),
        c("open cases for all customers by severity", &[], ALL, "breakdown:severity", Clean),
        c("delta cases per week this quarter", &[DELTA], CUSTOMERS, "trend:week", Clean),
        c("shell icms over time", &[SHELL], CUSTOMERS, "trend", Clean),
        c("is target's case volume trending up", &[TARGET], CUSTOMERS, "trend", Clean),
        c("5 oldest open cases for ball", &[BALL], CUSTOMERS, "list:5", Clean),
        c("list target's open sev a cases", &[TARGET], CUSTOMERS, "list", Clean),
        c("show me the 10 newest cases for principal", &[PRINCIPAL], CUSTOMERS, "list:10", Clean),
        c("average age of open cases for visa", &[VISA], CUSTOMERS, "aggregate", Clean),
        c("average age of target's open cases", &[TARGET], CUSTOMERS, "aggregate", Clean),
        c("mean time to mitigate for ball icms", &[BALL], CUSTOMERS, "aggregate", Clean),
        c("compare target and visa cases", &[TARGET, VISA], CUSTOMERS, "compare", Clean),
        c("compare ball and principal open cases", &[BALL, PRINCIPAL], CUSTOMERS, "compare", Clean),
        c("target vs visa open cases", &[TARGET, VISA], CUSTOMERS, "compare", Clean),
        c("visa cases this month vs last month", &[VISA], CUSTOMERS, "compare", Clean),
        c("target icms this month versus last month", &[TARGET], CUSTOMERS, "compare", Clean),
        c("who owns case 2611240001000050", &[], ALL, "lookup", Clean),
        c("status of icm 400000457", &[], ALL, "lookup", Clean),
        c("who owns case 2611240001000050 for target", &[TARGET], CUSTOMERS, "lookup", Clean),
        c("why did target's sev a cases spike last month", &[TARGET], CUSTOMERS, "investigate", Clean),
        c("what's driving visa's icms", &[VISA], CUSTOMERS, "investigate", Clean),
        c("how many customers in IC", &[], ALL, "aggregate", Clean),
        c("all customers open cases", &[], ALL, "count", Clean),
        c("delta and shell icms per week", &[DELTA, SHELL], CUSTOMERS, "trend:week", Clean),
        c("average age of open cases for acme holdings", &[], NONE, "aggregate", Acme),
        c("top 3 customers by open icms last month", &[], ALL, "rank:3", Clean),
        c("target's oldest open case", &[TARGET], CUSTOMERS, "list:1", Clean),
        c("ball vs principal sev a cases this month", &[BALL, PRINCIPAL], CUSTOMERS, "compare", Clean),
        c("nestle open cases this month vs last month", &[NESTLE], CUSTOMERS, "compare", Clean),
        c("sberbank cases per week", &[SBERBANK], CUSTOMERS, "trend:week", Clean),
        c("list skoda's open bugs", &[SKODA], CUSTOMERS, "list", Clean),
        c("top 5 customers by open bugs", &[], ALL, "rank:5", Clean),
        c("average age of open cases for capital one and best buy", &[CAPITAL_ONE, BEST_BUY], CUSTOMERS, "aggregate", Clean),
        c("principal cases", &[PRINCIPAL], CUSTOMERS, "count", Clean),
        c("visa cases per week", &[VISA], CUSTOMERS, "trend:week", Clean),
    ]
}

#[test]
fn tricky_names_resolve_exactly_and_intents_read_right() {
    let cases = cases();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (problems, describe) = judge(case);
        let outcome = if problems.is_empty() { "ok" } else { "FAIL" };
        eprintln!("TRICKY\t{outcome}\t{}\t{describe}", case.request);
        if !problems.is_empty() {
            failures.push(format!(
                "{:?}: {} [{describe}]",
                case.request,
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} questions planned wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
