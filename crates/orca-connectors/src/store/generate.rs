//! The synthetic demo data set: deterministic for a seed, dated relative to `now`.
//!
//! One generator writes into a [`Sink`]: the store (`generate`) or DESIGN section 6 CSV files
//! that `import` reads back (`write_csv`). Each tenant draws from its own ChaCha8 stream seeded
//! from (seed, tenant index), so the same options give the same rows on every platform.
//!
//! Shapes: cases over the last year, biased to recent, with a lifecycle that depends on age
//! (young cases are mostly Active/Waiting, old ones Resolved/Closed with ClosedAt); case numbers
//! are `YYMMDD` of CreatedAt + a 10-digit sequence. Sev A cases escalate to incidents more often
//! (incident CaseNumber set); about a third of incidents get a linked Bug; DCRs and Features are
//! filed per tenant. Daily metrics cover the 90 days up to `now`, with a per-tenant profile:
//! healthy (~70%), declining adoption and usage (~20%), unhealthy (~10%, ingestion errors rising,
//! usage collapsing); troubled tenants slide over the last ~40 days. The first demo customers are fixed for demos: Ford (busy, healthy),
//! General Motors (busy, declining), Toyota (busy, healthy), Contoso (busy, unhealthy).
//!
//! `generate` replaces everything in the store (a demo set is a whole); import your own data
//! into a separate data directory.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_core::Customer;
use orca_core::registry::format_guid;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::demo::{demo_customers, demo_docs};
use super::model::{
    CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow, format_date, format_timestamp,
};
use super::write::{
    POST_LOAD_SQL, RowWriter, Sink, bulk_settings, create_indexes, drop_indexes, set_meta,
};
use super::{StoreError, db_path, open_writer};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Same seed, same data.
    pub seed: u64,
    /// Number of customers: the first N demo customers, then synthetic ones. `None`: the whole
    /// demo registry (222 customers).
    pub customers: Option<usize>,
    /// Multiplies cases, incidents and work items per customer (metrics stay 90 days).
    pub scale: f64,
    /// Every date is relative to this instant.
    pub now: DateTime<Utc>,
}

impl GenerateOptions {
    /// The seed of the demo data set.
    pub const DEMO_SEED: u64 = 42;

    /// The demo data set: every demo customer, scale 1, seed [`Self::DEMO_SEED`].
    pub fn demo(now: DateTime<Utc>) -> Self {
        GenerateOptions {
            seed: Self::DEMO_SEED,
            customers: None,
            scale: 1.0,
            now,
        }
    }

    fn validate(&self) -> Result<(), StoreError> {
        if !(self.scale.is_finite() && self.scale > 0.0 && self.scale <= 100_000.0) {
            return Err(StoreError::InvalidOptions(format!(
                "scale must be a number above 0 and at most 100000, got {}",
                self.scale
            )));
        }
        if self.customers == Some(0) {
            return Err(StoreError::InvalidOptions(
                "customers must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GenerateSummary {
    pub seed: u64,
    pub customers: u64,
    pub cases: u64,
    pub incidents: u64,
    pub work_items: u64,
    pub tenant_metrics: u64,
    pub docs: u64,
    pub total_rows: u64,
    pub elapsed_ms: u64,
}

/// Generates the data set into the store in `dir` (created if needed), replacing what it held,
/// in one transaction. `progress` counts customers.
pub fn generate(
    dir: &Path,
    opts: &GenerateOptions,
    progress: &ProgressBar,
) -> Result<GenerateSummary, StoreError> {
    opts.validate()?;
    let started = Instant::now();
    let path = db_path(dir);
    let mut conn = open_writer(dir)?;
    bulk_settings(&conn, &path)?;
    let sql = |e| StoreError::sqlite(&path, e);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    tx.execute_batch(
        "DELETE FROM registry; DELETE FROM cases; DELETE FROM incidents; DELETE FROM work_items; \
         DELETE FROM tenant_metrics; DELETE FROM docs; DELETE FROM meta;",
    )
    .map_err(sql)?;
    drop_indexes(&tx).map_err(sql)?;
    let mut summary = {
        let mut writer = RowWriter::new(&tx, &path)?;
        Generator::new(opts).run(&mut writer, progress)?
    };
    progress.set_message("building indexes");
    create_indexes(&tx).map_err(sql)?;
    set_meta(&tx, "generated_seed", &opts.seed.to_string()).map_err(sql)?;
    set_meta(
        &tx,
        "generated_now",
        &format_timestamp(opts.now.timestamp()),
    )
    .map_err(sql)?;
    set_meta(
        &tx,
        "generated_at",
        &format_timestamp(Utc::now().timestamp()),
    )
    .map_err(sql)?;
    set_meta(&tx, "generated_scale", &opts.scale.to_string()).map_err(sql)?;
    tx.commit().map_err(sql)?;
    // Best effort: fresh planner statistics (the cases indexes always: see `POST_LOAD_SQL`)
    // and a small WAL.
    if let Err(error) = conn.execute_batch(POST_LOAD_SQL) {
        tracing::debug!(%error, "post-load optimize skipped");
    }
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    progress.set_message("done");
    Ok(summary)
}

/// Writes the data set as DESIGN section 6 files into `out` (`registry.csv`, `cases.csv`,
/// `incidents.csv`, `work_items.csv`, `tenant_metrics.csv`, `docs/*.md`), ready for `import`.
pub fn write_csv(
    out: &Path,
    opts: &GenerateOptions,
    progress: &ProgressBar,
) -> Result<GenerateSummary, StoreError> {
    opts.validate()?;
    let started = Instant::now();
    let docs_dir = out.join("docs");
    std::fs::create_dir_all(&docs_dir).map_err(|source| StoreError::CreateDir {
        path: docs_dir.clone(),
        source,
    })?;
    let mut sink = CsvSink::create(out)?;
    let mut summary = Generator::new(opts).run(&mut sink, progress)?;
    sink.finish()?;
    summary.elapsed_ms = started.elapsed().as_millis() as u64;
    progress.set_message("done");
    Ok(summary)
}

const DAY: i64 = 86_400;
const METRIC_DAYS: i64 = 90;

/// How a tenant's metrics move over the 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Healthy,
    Declining,
    Unhealthy,
}

const PRODUCT_AREAS: &[(&str, &str, &[&str])] = &[
    (
        "DLP",
        "DLP",
        &[
            "DLP policy tips not showing in Outlook",
            "Endpoint DLP device not onboarding",
            "DLP rule false positives on credit card numbers",
            "DLP alerts delayed in activity explorer",
            "Teams messages not blocked by DLP policy",
        ],
    ),
    (
        "Sensitivity Labels",
        "InformationProtection",
        &[
            "Sensitivity labels missing in Office for the web",
            "Auto-labeling policy stuck in simulation",
            "Encrypted documents cannot be co-authored",
            "Label policy not applied to new users",
            "Default label not applied to new documents",
        ],
    ),
    (
        "eDiscovery",
        "eDiscovery",
        &[
            "eDiscovery hold stuck in pending",
            "Content search export very slow",
            "Review set missing Teams messages",
            "Hold not releasing after case closed",
        ],
    ),
    (
        "Audit",
        "Audit",
        &[
            "Audit log search returns no results",
            "Audit events delayed by hours",
            "Audit retention policy not applied",
            "Search-UnifiedAuditLog times out",
        ],
    ),
    (
        "Data Map",
        "DataMap",
        &[
            "Data Map scan fails with access denied",
            "Self-hosted integration runtime offline",
            "Assets missing after successful scan",
            "Classification not applied to SQL columns",
        ],
    ),
    (
        "Insider Risk",
        "InsiderRisk",
        &[
            "Insider risk alerts not generated",
            "HR connector import failing",
            "Insider risk policy shows no activity",
        ],
    ),
    (
        "Retention",
        "DataLifecycle",
        &[
            "Retention policy distribution error",
            "Items not deleted after retention period",
            "Disposition review not triggered",
        ],
    ),
    (
        "Communication Compliance",
        "CommunicationCompliance",
        &[
            "Communication compliance policy not matching Teams chats",
            "Reviewers cannot see pending items",
        ],
    ),
];

/// The product area whose AreaPath key (`Purview\{key}\...`) the demo data writes is `key`
/// (`InformationProtection` is "Sensitivity Labels"); `None` for other keys.
pub(crate) fn area_of_path_key(key: &str) -> Option<&'static str> {
    PRODUCT_AREAS
        .iter()
        .find(|(_, path_key, _)| *path_key == key)
        .map(|(area, _, _)| *area)
}

const INCIDENT_SYMPTOMS: &[&str] = &[
    "elevated failure rate",
    "processing backlog in region",
    "customer-impacting latency",
    "policy sync failures",
    "data not appearing in portal",
    "regression after deployment",
];

const OWNERS: &[&str] = &[
    "Aisha Khan",
    "Ben Carter",
    "Carla Mendes",
    "David Kim",
    "Elena Petrova",
    "Farid Haddad",
    "Grace Liu",
    "Hiro Tanaka",
    "Isabel Rossi",
    "Jamal Wright",
    "Kavya Iyer",
    "Lukas Becker",
    "Maria Garcia",
    "Noah Johnson",
    "Olivia Brown",
    "Pavel Novak",
    "Quinn Murphy",
    "Rosa Alvarez",
    "Sam Taylor",
    "Tomás Silva",
    "Uma Patel",
    "Victor Dubois",
    "Wei Zhang",
    "Yara Nasser",
];

const SYNTHETIC_PREFIXES: &[&str] = &[
    "Blue",
    "Silver",
    "North",
    "Summit",
    "Harbor",
    "Cedar",
    "Granite",
    "Lakeside",
    "Pioneer",
    "Atlas",
    "Crescent",
    "Evergreen",
    "Ironwood",
    "Meridian",
    "Orion",
    "Redwood",
    "Sterling",
    "Tidewater",
    "Vantage",
    "Westfield",
];
const SYNTHETIC_CORES: &[&str] = &[
    "Logistics",
    "Health",
    "Analytics",
    "Foods",
    "Energy",
    "Capital",
    "Motors",
    "Pharma",
    "Insurance",
    "Media",
    "Retail",
    "Telecom",
    "Aerospace",
    "Construction",
    "Hospitality",
    "Biotech",
    "Textiles",
    "Mining",
    "Software",
    "Shipping",
];
const SYNTHETIC_SUFFIXES: &[&str] = &["Group", "Inc.", "Partners", "Holdings", "Ltd", "Co."];
const REGIONS: &[&str] = &["NA", "EMEA", "APAC", "LATAM"];

struct Generator<'o> {
    opts: &'o GenerateOptions,
    now: i64,
    today: i64,
    case_seq: u64,
    next_incident_id: i64,
    next_work_item_id: i64,
    summary: GenerateSummary,
}

impl<'o> Generator<'o> {
    fn new(opts: &'o GenerateOptions) -> Self {
        let now = opts.now.timestamp();
        Generator {
            opts,
            now,
            today: now - now.rem_euclid(DAY),
            case_seq: 1_000_000,
            next_incident_id: 400_000_000,
            next_work_item_id: 3_000_000,
            summary: GenerateSummary {
                seed: opts.seed,
                ..GenerateSummary::default()
            },
        }
    }

    fn run(
        mut self,
        sink: &mut dyn Sink,
        progress: &ProgressBar,
    ) -> Result<GenerateSummary, StoreError> {
        let customers = self.customers();
        progress.set_length(customers.len() as u64);
        progress.set_position(0);
        progress.set_message("generating customers");
        for doc in demo_docs() {
            sink.doc(&doc)?;
            self.summary.docs += 1;
        }
        for (index, customer) in customers.iter().enumerate() {
            sink.customer(customer)?;
            self.summary.customers += 1;
            self.tenant(index, &customer.tenant_id, sink)?;
            progress.inc(1);
        }
        let s = &mut self.summary;
        s.total_rows =
            s.customers + s.cases + s.incidents + s.work_items + s.tenant_metrics + s.docs;
        Ok(self.summary)
    }

    /// The first N demo customers, then synthetic ones with seeded tenant ids.
    fn customers(&self) -> Vec<Customer> {
        let mut customers = demo_customers();
        let wanted = self.opts.customers.unwrap_or(customers.len());
        if wanted <= customers.len() {
            customers.truncate(wanted);
            return customers;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.opts.seed ^ 0x5EED_C057_0E25);
        let (p, c, s) = (
            SYNTHETIC_PREFIXES.len(),
            SYNTHETIC_CORES.len(),
            SYNTHETIC_SUFFIXES.len(),
        );
        for k in 0..wanted - customers.len() {
            let mut name = format!(
                "{} {} {}",
                SYNTHETIC_PREFIXES[k % p],
                SYNTHETIC_CORES[(k / p) % c],
                SYNTHETIC_SUFFIXES[(k / (p * c)) % s]
            );
            let round = k / (p * c * s);
            if round > 0 {
                name.push_str(&format!(" {}", round + 1));
            }
            let bytes: [u8; 16] = rng.random();
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert(
                "Region".to_string(),
                REGIONS
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("NA")
                    .to_string(),
            );
            attributes.insert(
                "Industry".to_string(),
                SYNTHETIC_CORES[(k / p) % c].to_string(),
            );
            customers.push(Customer {
                name,
                tenant_id: guid(bytes),
                aliases: Vec::new(),
                segment: Some(if rng.random_bool(0.3) { "MCS" } else { "IC" }.to_string()),
                attributes,
            });
        }
        customers
    }

    fn tenant(
        &mut self,
        index: usize,
        tenant: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), StoreError> {
        let stream = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut rng = ChaCha8Rng::seed_from_u64(self.opts.seed ^ stream);
        let notable = index < 4 && self.opts.customers.is_none_or(|n| n > index);
        let weight = if notable {
            6.0
        } else {
            let u: f64 = rng.random();
            0.2 + 2.0 * u * u
        };
        let profile = match (notable, index) {
            (true, 1) => Profile::Declining,
            (true, 3) => Profile::Unhealthy,
            (true, _) => Profile::Healthy,
            _ => match rng.random::<f64>() {
                p if p < 0.7 => Profile::Healthy,
                p if p < 0.9 => Profile::Declining,
                _ => Profile::Unhealthy,
            },
        };
        let scale = self.opts.scale;

        for _ in 0..about(&mut rng, 12.0 * weight * scale) {
            self.case(&mut rng, tenant, sink)?;
        }
        for _ in 0..about(&mut rng, 2.0 * weight * scale) {
            let u: f64 = rng.random();
            let created =
                self.now - (u * u * 365.0 * DAY as f64) as i64 - rng.random_range(0..3600);
            let area = rng.random_range(0..PRODUCT_AREAS.len());
            self.incident(&mut rng, tenant, created, area, None, sink)?;
        }
        for _ in 0..about(&mut rng, 1.5 * weight * scale) {
            let u: f64 = rng.random();
            let created = self.now - (u.powf(1.5) * 365.0 * DAY as f64) as i64;
            let area = rng.random_range(0..PRODUCT_AREAS.len());
            let kind = if rng.random_bool(0.55) {
                "DCR"
            } else {
                "Feature"
            };
            let title = format!("{}: {}", kind, request_title(&mut rng, area));
            let tags = if kind == "DCR" {
                "customer-request"
            } else {
                "roadmap;customer-request"
            };
            self.work_item(
                &mut rng, tenant, kind, created, area, title, tags, None, sink,
            )?;
        }
        self.metrics(&mut rng, tenant, profile, notable, sink)
    }

    fn case(
        &mut self,
        rng: &mut ChaCha8Rng,
        tenant: &str,
        sink: &mut dyn Sink,
    ) -> Result<(), StoreError> {
        let u: f64 = rng.random();
        let age = (u * u * 365.0 * DAY as f64) as i64 + rng.random_range(0..3600);
        let created = self.now - age;
        let age_days = age as f64 / DAY as f64;
        let severity = match rng.random::<f64>() {
            p if p < 0.12 => "A",
            p if p < 0.50 => "B",
            _ => "C",
        };
        let p_open = match age_days {
            a if a < 3.0 => 0.9,
            a if a < 14.0 => 0.55,
            a if a < 60.0 => 0.2,
            _ => 0.06,
        };
        let (status, closed_at) = if rng.random_bool(p_open) {
            (
                if rng.random_bool(0.65) {
                    "Active"
                } else {
                    "Waiting"
                },
                None,
            )
        } else {
            let hours = log_uniform(rng, 2.0, 24.0 * 45.0);
            let closed = (created + (hours * 3600.0) as i64).min(self.now);
            let status = if self.now - closed > 7 * DAY || rng.random_bool(0.4) {
                "Closed"
            } else {
                "Resolved"
            };
            (status, Some(closed))
        };
        let area = rng.random_range(0..PRODUCT_AREAS.len());
        let (product_area, _, titles) = PRODUCT_AREAS[area];
        let case_number = format!("{}{:010}", yymmdd(created), self.case_seq);
        self.case_seq += 1;
        let row = CaseRow {
            case_number,
            tenant_id: tenant.to_string(),
            title: titles
                .choose(rng)
                .copied()
                .unwrap_or("Support request")
                .to_string(),
            severity,
            status,
            product_area: product_area.to_string(),
            created_at: created,
            closed_at,
            owner: OWNERS
                .choose(rng)
                .copied()
                .unwrap_or("Unassigned")
                .to_string(),
        };
        sink.case(&row)?;
        self.summary.cases += 1;
        let p_escalate = match severity {
            "A" => 0.35,
            "B" => 0.15,
            _ => 0.04,
        };
        if rng.random_bool(p_escalate) {
            let created = (created + rng.random_range(3600..72 * 3600)).min(self.now);
            self.incident(
                rng,
                tenant,
                created,
                area,
                Some((&row.case_number, severity)),
                sink,
            )?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn incident(
        &mut self,
        rng: &mut ChaCha8Rng,
        tenant: &str,
        created: i64,
        area: usize,
        case: Option<(&str, &str)>,
        sink: &mut dyn Sink,
    ) -> Result<(), StoreError> {
        let severity = match (case.map(|c| c.1), rng.random::<f64>()) {
            (Some("A"), p) if p < 0.1 => 1,
            (Some("A"), p) if p < 0.55 => 2,
            (Some("A"), _) => 25,
            (_, p) if p < 0.03 => 1,
            (_, p) if p < 0.18 => 2,
            (_, p) if p < 0.40 => 25,
            (_, p) if p < 0.85 => 3,
            _ => 4,
        };
        let mitigated = created + (log_uniform(rng, 0.5, 96.0) * 3600.0) as i64;
        let resolved = mitigated + (log_uniform(rng, 2.0, 24.0 * 21.0) * 3600.0) as i64;
        let stuck = self.now - created > 14 * DAY && rng.random_bool(0.04);
        let (status, mitigated_at, resolved_at) = if mitigated > self.now || stuck {
            ("Active", None, None)
        } else if resolved > self.now {
            ("Mitigated", Some(mitigated), None)
        } else {
            ("Resolved", Some(mitigated), Some(resolved))
        };
        let (product_area, area_key, _) = PRODUCT_AREAS[area];
        let incident_id = self.next_incident_id;
        self.next_incident_id += rng.random_range(1..40);
        let row = IncidentRow {
            incident_id,
            tenant_id: tenant.to_string(),
            severity,
            status,
            title: format!(
                "[{product_area}] {}",
                INCIDENT_SYMPTOMS
                    .choose(rng)
                    .copied()
                    .unwrap_or("service degradation")
            ),
            owning_team: format!("Purview {area_key} Service"),
            created_at: created,
            mitigated_at,
            resolved_at,
            case_number: case.map(|c| c.0.to_string()),
        };
        sink.incident(&row)?;
        self.summary.incidents += 1;
        if rng.random_bool(0.35) {
            let created = (created + rng.random_range(3600..5 * DAY)).min(self.now);
            let title = format!(
                "Bug: {} ({product_area})",
                row.title.split("] ").nth(1).unwrap_or("defect")
            );
            self.work_item(
                rng,
                tenant,
                "Bug",
                created,
                area,
                title,
                "customer-reported;icm-linked",
                Some(incident_id),
                sink,
            )?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn work_item(
        &mut self,
        rng: &mut ChaCha8Rng,
        tenant: &str,
        kind: &'static str,
        created: i64,
        area: usize,
        title: String,
        tags: &str,
        incident_id: Option<i64>,
        sink: &mut dyn Sink,
    ) -> Result<(), StoreError> {
        let age_days = (self.now - created) as f64 / DAY as f64;
        let weights: [f64; 4] = match age_days {
            a if a < 7.0 => [0.5, 0.45, 0.05, 0.0],
            a if a < 60.0 => [0.15, 0.45, 0.25, 0.15],
            _ => [0.05, 0.2, 0.15, 0.6],
        };
        let mut pick = rng.random::<f64>();
        let mut state = "Closed";
        for (s, w) in ["New", "Active", "Resolved", "Closed"]
            .into_iter()
            .zip(weights)
        {
            if pick < w {
                state = s;
                break;
            }
            pick -= w;
        }
        let component = ["Service", "Client", "Portal"]
            .choose(rng)
            .copied()
            .unwrap_or("Service");
        let id = self.next_work_item_id;
        self.next_work_item_id += rng.random_range(1..8);
        sink.work_item(&WorkItemRow {
            id,
            work_item_type: kind,
            state,
            title,
            area_path: format!("Purview\\{}\\{component}", PRODUCT_AREAS[area].1),
            tenant_id: tenant.to_string(),
            tags: tags.to_string(),
            created_at: created,
            incident_id,
        })?;
        self.summary.work_items += 1;
        Ok(())
    }

    fn metrics(
        &mut self,
        rng: &mut ChaCha8Rng,
        tenant: &str,
        profile: Profile,
        notable: bool,
        sink: &mut dyn Sink,
    ) -> Result<(), StoreError> {
        let licensed = if notable {
            rng.random_range(40_000.0..120_000.0f64)
        } else {
            log_uniform(rng, 200.0, 60_000.0)
        }
        .round();
        let (ratio0, ratio_change, adopt0, adopt_change, errors) = match profile {
            Profile::Healthy => (
                rng.random_range(0.65..0.9),
                rng.random_range(1.0..1.08),
                rng.random_range(30.0..70.0),
                rng.random_range(1.0..1.2),
                (0.0, 4.0),
            ),
            Profile::Declining => (
                rng.random_range(0.6..0.8),
                rng.random_range(0.74..0.84),
                rng.random_range(40.0..70.0),
                rng.random_range(0.72..0.8),
                (2.0, 14.0),
            ),
            Profile::Unhealthy => (
                rng.random_range(0.4..0.55),
                rng.random_range(0.5..0.7),
                rng.random_range(30.0..60.0),
                rng.random_range(0.55..0.7),
                (40.0, 120.0),
            ),
        };
        let dlp_rate = rng.random_range(0.01..0.08);
        for day in 0..METRIC_DAYS {
            // Healthy tenants drift all along; troubled ones are stable, then slide over the
            // last ~40 days, so the default 30-day health window sees most of the change.
            let t = day as f64 / (METRIC_DAYS - 1) as f64;
            let t = match profile {
                Profile::Healthy => t,
                _ => ((t - 0.55) / 0.45).clamp(0.0, 1.0),
            };
            let date = self.today - (METRIC_DAYS - 1 - day) * DAY;
            let ratio = ratio0 * (1.0 + (ratio_change - 1.0) * t) * rng.random_range(0.985..1.015);
            let active = (licensed * ratio).round();
            let adoption = (adopt0 * (1.0 + (adopt_change - 1.0) * t)
                + rng.random_range(-0.5..0.5))
            .clamp(0.0, 100.0);
            let dlp = (active * dlp_rate * rng.random_range(0.85..1.15)).round();
            let ingestion = match profile {
                Profile::Unhealthy => {
                    (errors.0 + (errors.1 - errors.0) * t) * rng.random_range(0.9..1.1)
                }
                _ => rng.random_range(errors.0..=errors.1),
            }
            .round();
            let values = [
                ("active_users", active),
                ("licensed_users", licensed),
                ("dlp_policy_matches", dlp),
                ("label_adoption", (adoption * 10.0).round() / 10.0),
                ("ingestion_errors", ingestion),
            ];
            for (metric, value) in values {
                sink.metric(&MetricRow {
                    tenant_id: tenant.to_string(),
                    date,
                    metric: metric.to_string(),
                    value,
                })?;
                self.summary.tenant_metrics += 1;
            }
        }
        Ok(())
    }
}

fn request_title(rng: &mut ChaCha8Rng, area: usize) -> String {
    let (product_area, _, _) = PRODUCT_AREAS[area];
    let asks = [
        "support more file types",
        "export results through the API",
        "scope policies by administrative unit",
        "longer retention of activity data",
        "bulk edit from PowerShell",
    ];
    format!(
        "{product_area} should {}",
        asks.choose(rng).copied().unwrap_or("improve")
    )
}

/// An integer near `mean`, at least 0: `mean * U(0.5, 1.5)` rounded (so the mean is kept).
fn about(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    (mean * rng.random_range(0.5..1.5)).round().max(0.0) as u64
}

/// A value between `low` and `high`, uniform in log space (many small, few large).
fn log_uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    (low.ln() + rng.random::<f64>() * (high.ln() - low.ln())).exp()
}

fn yymmdd(secs: i64) -> String {
    match Utc.timestamp_opt(secs, 0).single() {
        Some(t) => format!(
            "{:02}{:02}{:02}",
            t.year().rem_euclid(100),
            t.month(),
            t.day()
        ),
        None => "000000".into(),
    }
}

/// A random (version 4) GUID in lower case.
fn guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    format_guid(u128::from_be_bytes(b))
}

/// Writes DESIGN section 6 CSV files (and `docs/*.md`).
struct CsvSink {
    dir: PathBuf,
    registry: csv::Writer<File>,
    cases: csv::Writer<File>,
    incidents: csv::Writer<File>,
    work_items: csv::Writer<File>,
    metrics: csv::Writer<File>,
}

impl CsvSink {
    fn create(dir: &Path) -> Result<Self, StoreError> {
        let open = |name: &str, header: &[&str]| -> Result<csv::Writer<File>, StoreError> {
            let path = dir.join(name);
            let mut w = csv::Writer::from_path(&path).map_err(|source| StoreError::Csv {
                path: path.clone(),
                source,
            })?;
            w.write_record(header)
                .map_err(|source| StoreError::Csv { path, source })?;
            Ok(w)
        };
        Ok(CsvSink {
            dir: dir.to_path_buf(),
            registry: open(
                "registry.csv",
                &[
                    "Customer Name",
                    "Tenant ID",
                    "Aliases",
                    "Segment",
                    "Region",
                    "Industry",
                ],
            )?,
            cases: open(
                "cases.csv",
                &[
                    "CaseNumber",
                    "TenantId",
                    "Title",
                    "Severity",
                    "Status",
                    "ProductArea",
                    "CreatedAt",
                    "ClosedAt",
                    "Owner",
                ],
            )?,
            incidents: open(
                "incidents.csv",
                &[
                    "IncidentId",
                    "TenantId",
                    "Severity",
                    "Status",
                    "Title",
                    "OwningTeam",
                    "CreatedAt",
                    "MitigatedAt",
                    "ResolvedAt",
                    "CaseNumber",
                ],
            )?,
            work_items: open(
                "work_items.csv",
                &[
                    "Id",
                    "WorkItemType",
                    "State",
                    "Title",
                    "AreaPath",
                    "TenantId",
                    "Tags",
                    "CreatedAt",
                    "IncidentId",
                ],
            )?,
            metrics: open(
                "tenant_metrics.csv",
                &["TenantId", "Date", "Metric", "Value"],
            )?,
        })
    }

    fn err(&self, file: &str, source: csv::Error) -> StoreError {
        StoreError::Csv {
            path: self.dir.join(file),
            source,
        }
    }

    fn finish(mut self) -> Result<(), StoreError> {
        for (file, w) in [
            ("registry.csv", &mut self.registry),
            ("cases.csv", &mut self.cases),
            ("incidents.csv", &mut self.incidents),
            ("work_items.csv", &mut self.work_items),
            ("tenant_metrics.csv", &mut self.metrics),
        ] {
            w.flush().map_err(|source| StoreError::Io {
                path: self.dir.join(file),
                source,
            })?;
        }
        Ok(())
    }
}

fn opt_time(t: Option<i64>) -> String {
    t.map(format_timestamp).unwrap_or_default()
}

impl Sink for CsvSink {
    fn customer(&mut self, c: &Customer) -> Result<(), StoreError> {
        let attr = |k: &str| c.attributes.get(k).cloned().unwrap_or_default();
        let record = [
            c.name.clone(),
            c.tenant_id.clone(),
            c.aliases.join(";"),
            c.segment.clone().unwrap_or_default(),
            attr("Region"),
            attr("Industry"),
        ];
        self.registry
            .write_record(&record)
            .map_err(|e| self.err("registry.csv", e))
    }

    fn case(&mut self, r: &CaseRow) -> Result<(), StoreError> {
        let record = [
            r.case_number.as_str(),
            &r.tenant_id,
            &r.title,
            r.severity,
            r.status,
            &r.product_area,
            &format_timestamp(r.created_at),
            &opt_time(r.closed_at),
            &r.owner,
        ];
        self.cases
            .write_record(record)
            .map_err(|e| self.err("cases.csv", e))
    }

    fn incident(&mut self, r: &IncidentRow) -> Result<(), StoreError> {
        let record = [
            r.incident_id.to_string(),
            r.tenant_id.clone(),
            r.severity.to_string(),
            r.status.to_string(),
            r.title.clone(),
            r.owning_team.clone(),
            format_timestamp(r.created_at),
            opt_time(r.mitigated_at),
            opt_time(r.resolved_at),
            r.case_number.clone().unwrap_or_default(),
        ];
        self.incidents
            .write_record(&record)
            .map_err(|e| self.err("incidents.csv", e))
    }

    fn work_item(&mut self, r: &WorkItemRow) -> Result<(), StoreError> {
        let record = [
            r.id.to_string(),
            r.work_item_type.to_string(),
            r.state.to_string(),
            r.title.clone(),
            r.area_path.clone(),
            r.tenant_id.clone(),
            r.tags.clone(),
            format_timestamp(r.created_at),
            r.incident_id.map(|i| i.to_string()).unwrap_or_default(),
        ];
        self.work_items
            .write_record(&record)
            .map_err(|e| self.err("work_items.csv", e))
    }

    fn metric(&mut self, r: &MetricRow) -> Result<(), StoreError> {
        let record = [
            r.tenant_id.clone(),
            format_date(r.date),
            r.metric.clone(),
            r.value.to_string(),
        ];
        self.metrics
            .write_record(&record)
            .map_err(|e| self.err("tenant_metrics.csv", e))
    }

    fn doc(&mut self, r: &DocRow) -> Result<(), StoreError> {
        let path = self.dir.join(&r.path);
        std::fs::write(&path, &r.body).map_err(|source| StoreError::Io { path, source })
    }
}
