//! `orca customers "<name>"`: how a name resolves against the registry, with every candidate.

use crate::out::outln;
use std::process::ExitCode;

use anyhow::anyhow;
use serde_json::json;

use crate::app;
use crate::cli::{CommonArgs, CustomersArgs, PlanFormat};
use crate::error::{CliError, CliResult};

pub fn run(common: &CommonArgs, args: CustomersArgs) -> CliResult<ExitCode> {
    let name = args.name.trim();
    if name.is_empty() {
        return Err(CliError::bad_input(anyhow!("the customer name is empty")));
    }
    // Before any work: a name longer than any registry name is refused, not compared.
    orca_core::registry::check_name_length(name).map_err(CliError::bad_input)?;
    if let Some((i, c)) = name.char_indices().find(|(_, c)| c.is_control()) {
        return Err(CliError::bad_input(anyhow!(
            "the customer name contains a control character ({:?}) at position {i}",
            c
        )));
    }
    let config = app::config(common)?;
    let registry = app::lookup_registry(&config)?;
    let candidates = registry.resolve(name);
    let none = || CliError::bad_input(anyhow!("no customer in the registry matches \"{name}\""));
    match args.format {
        PlanFormat::Json => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&json!({ "query": name, "candidates": candidates }))?
            );
            if candidates.is_empty() {
                return Err(none());
            }
        }
        PlanFormat::Text => {
            if candidates.is_empty() {
                return Err(none());
            }
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
                .set_header(["customer", "tenant id", "match", "confidence", "segment"]);
            for c in &candidates {
                table.add_row([
                    c.name.clone(),
                    c.tenant_id.clone(),
                    c.match_kind.as_str().to_string(),
                    format!("{:.2}", c.confidence),
                    c.segment.clone().unwrap_or_default(),
                ]);
            }
            outln!("{table}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
