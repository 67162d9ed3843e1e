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
//! usage collapsing); troubled tenants slide over the last ~40 days. The first demo customers are
//! fixed for demos: Ford (busy, healthy), General Motors (busy, declining), Toyota (busy,
//! healthy), Contoso (busy, unhealthy).
//!
//! `generate` replaces everything in the store (a demo set is a whole); import your own data
//! into a separate data directory.
//!
//! Layout: this file runs a generation into the store or into CSV files; `generator` draws the
//! rows, `words` holds its word lists (text files under `data/words/`), `csv_sink` writes the
//! files, `options` holds what to generate and the summary.

mod csv_sink;
mod generator;
mod options;
mod words;

use std::path::Path;
use std::time::Instant;

use chrono::Utc;
use indicatif::ProgressBar;

use self::csv_sink::CsvSink;
use self::generator::Generator;
pub use self::options::{GenerateOptions, GenerateSummary};
pub(crate) use self::words::area_of_path_key;
use super::model::data_files::DOCS_DIR;
use super::model::format_timestamp;
use super::write::{
    POST_LOAD_SQL, RowWriter, bulk_settings, create_indexes, drop_indexes, set_meta,
};
use super::{StoreError, db_path, open_writer};

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
    let docs_dir = out.join(DOCS_DIR);
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
