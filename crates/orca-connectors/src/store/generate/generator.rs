//! The generator: the demo data set's rows, drawn from seeded ChaCha8 streams and written into a
//! [`Sink`].
//!
//! Invariant: the same options give the same rows, in the same order, on every platform: each
//! tenant draws from its own stream seeded from (seed, tenant index), the synthetic customers from
//! one stream of the seed, and every word list keeps the order of its file.

use chrono::{Datelike, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_core::Customer;
use orca_core::registry::format_guid;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::options::{GenerateOptions, GenerateSummary};
use super::words::{ProductArea, Words, words};
use crate::store::StoreError;
use crate::store::demo::{demo_customers, demo_docs};
use crate::store::model::{CaseRow, IncidentRow, MetricRow, WorkItemRow};
use crate::store::write::Sink;

const DAY: i64 = 86_400;
const METRIC_DAYS: i64 = 90;

/// How a tenant's metrics move over the 90 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Healthy,
    Declining,
    Unhealthy,
}

/// One run of the generator: ids and case numbers count up across tenants.
pub(super) struct Generator<'o> {
    opts: &'o GenerateOptions,
    words: &'static Words,
    now: i64,
    today: i64,
    case_seq: u64,
    next_incident_id: i64,
    next_work_item_id: i64,
    summary: GenerateSummary,
}

impl<'o> Generator<'o> {
    pub(super) fn new(opts: &'o GenerateOptions) -> Self {
        let now = opts.now.timestamp();
        Generator {
            opts,
            words: words(),
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

    /// Writes the whole data set into `sink`; `progress` counts customers.
    pub(super) fn run(
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
        let Words {
            name_prefixes: prefixes,
            name_cores: cores,
            name_suffixes: suffixes,
            regions,
            ..
        } = self.words;
        let (p, c, s) = (prefixes.len(), cores.len(), suffixes.len());
        for k in 0..wanted - customers.len() {
            let mut name = format!(
                "{} {} {}",
                prefixes[k % p],
                cores[(k / p) % c],
                suffixes[(k / (p * c)) % s]
            );
            let round = k / (p * c * s);
            if round > 0 {
                name.push_str(&format!(" {}", round + 1));
            }
            let bytes: [u8; 16] = rng.random();
            let mut attributes = std::collections::BTreeMap::new();
            attributes.insert(
                "Region".to_string(),
                regions
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("NA")
                    .to_string(),
            );
            attributes.insert("Industry".to_string(), cores[(k / p) % c].to_string());
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
            let area = rng.random_range(0..self.words.product_areas.len());
            self.incident(&mut rng, tenant, created, area, None, sink)?;
        }
        for _ in 0..about(&mut rng, 1.5 * weight * scale) {
            let u: f64 = rng.random();
            let created = self.now - (u.powf(1.5) * 365.0 * DAY as f64) as i64;
            let area = rng.random_range(0..self.words.product_areas.len());
            let kind = if rng.random_bool(0.55) {
                "DCR"
            } else {
                "Feature"
            };
            let title = format!("{}: {}", kind, self.request_title(&mut rng, area));
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
        let area = rng.random_range(0..self.words.product_areas.len());
        let ProductArea {
            name: product_area,
            case_titles: titles,
            ..
        } = &self.words.product_areas[area];
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
            owner: self
                .words
                .case_owners
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
        let ProductArea {
            name: product_area,
            path_key: area_key,
            ..
        } = &self.words.product_areas[area];
        let incident_id = self.next_incident_id;
        self.next_incident_id += rng.random_range(1..40);
        let row = IncidentRow {
            incident_id,
            tenant_id: tenant.to_string(),
            severity,
            status,
            title: format!(
                "[{product_area}] {}",
                self.words
                    .incident_symptoms
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
        let component = self
            .words
            .work_item_components
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
            area_path: format!(
                "Purview\\{}\\{component}",
                self.words.product_areas[area].path_key
            ),
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

    /// "<product area> should <request>" for a DCR or Feature.
    fn request_title(&self, rng: &mut ChaCha8Rng, area: usize) -> String {
        let product_area = self.words.product_areas[area].name;
        let request = self
            .words
            .feature_requests
            .choose(rng)
            .copied()
            .unwrap_or("improve");
        format!("{product_area} should {request}")
    }
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
