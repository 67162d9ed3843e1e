//! Reading the registry CSV (DESIGN section 3) into customers, skipping bad rows with a reason.
//!
//! Invariant: every customer returned has a non-empty name with at least one word, a name and
//! aliases of at most `MAX_NAME_CHARS` characters, and a lower-case hyphenated GUID tenant id
//! that no earlier row has; every skipped row is reported with its 1-based physical line (the
//! header is line 1).

use std::collections::BTreeMap;
use std::io::Read;

use rustc_hash::FxHashMap;

use super::guid::{format_guid, parse_guid};
use super::{Customer, MAX_NAME_CHARS, RegistryError, RowError};

const NAME: &str = "Customer Name";
const TENANT: &str = "Tenant ID";

/// Most customers a registry holds (ids are `u32` inside the indexes).
const MAX_CUSTOMERS: usize = u32::MAX as usize;

/// Where each known column is in the header.
struct Columns {
    name: usize,
    tenant: usize,
    aliases: Option<usize>,
    segment: Option<usize>,
    /// Every other column: (position, header as written).
    others: Vec<(usize, Box<str>)>,
    count: usize,
}

impl Columns {
    fn from_header(header: &csv::ByteRecord) -> Result<Columns, RegistryError> {
        let mut names = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let field = std::str::from_utf8(field)
                .map_err(|_| RegistryError::Csv("the header row is not valid UTF-8".into()))?;
            // csv strips a UTF-8 BOM already; this keeps a BOM inside quotes from hiding a column.
            let field = if i == 0 {
                field.trim_start_matches('\u{feff}')
            } else {
                field
            };
            names.push(field.trim().to_owned());
        }
        if names.iter().all(String::is_empty) {
            return Err(RegistryError::Empty);
        }
        let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
        let name = find(NAME).ok_or(RegistryError::MissingColumn(NAME))?;
        let tenant = find(TENANT).ok_or(RegistryError::MissingColumn(TENANT))?;
        let aliases = find("Aliases");
        let segment = find("Segment");
        let known = [Some(name), Some(tenant), aliases, segment];
        let others = names
            .iter()
            .enumerate()
            .filter(|(i, _)| !known.contains(&Some(*i)))
            .map(|(i, n)| (i, n.as_str().into()))
            .collect();
        Ok(Columns {
            name,
            tenant,
            aliases,
            segment,
            others,
            count: names.len(),
        })
    }
}

/// Parses a registry CSV: the customers in file order and the rows skipped.
pub(super) fn read<R: Read>(reader: R) -> Result<(Vec<Customer>, Vec<RowError>), RegistryError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    if !csv.read_byte_record(&mut record).map_err(csv_error)? {
        return Err(RegistryError::Empty);
    }
    let columns = Columns::from_header(&record)?;
    let mut customers = Vec::new();
    let mut errors = Vec::new();
    let mut checker = Checker::default();
    // Each record starts on a later line than the one before. The csv crate counts lines at
    // LF only, so a file with bare CR line ends would say "line 1" for every row.
    let mut last_line = 1;
    while csv.read_byte_record(&mut record).map_err(csv_error)? {
        let line = record
            .position()
            .map_or(0, csv::Position::line)
            .max(last_line + 1);
        last_line = line;
        match row(&columns, &record, line, &mut checker) {
            Ok(customer) if customers.len() < MAX_CUSTOMERS => customers.push(customer),
            Ok(_) => errors.push(RowError {
                line,
                reason: format!("the registry is full ({MAX_CUSTOMERS} customers)"),
            }),
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    Ok((customers, errors))
}

fn csv_error(error: csv::Error) -> RegistryError {
    RegistryError::Csv(error.to_string())
}

fn row(
    columns: &Columns,
    record: &csv::ByteRecord,
    line: u64,
    checker: &mut Checker,
) -> Result<Customer, String> {
    if record.len() != columns.count {
        return Err(format!(
            "expected {} fields, found {}",
            columns.count,
            record.len()
        ));
    }
    // Check the whole row at once (fields lie end to end in it), so a row with bad bytes
    // anywhere is skipped, not half-read.
    let Ok(all) = std::str::from_utf8(record.as_slice()) else {
        let bad = (0..record.len()).find(|&i| std::str::from_utf8(&record[i]).is_err());
        return Err(format!("field {} is not valid UTF-8", bad.unwrap_or(0) + 1));
    };
    let field = |i: usize| -> Result<&str, String> {
        // A character may not span two fields.
        record
            .range(i)
            .and_then(|r| all.get(r))
            .ok_or_else(|| format!("field {} is not valid UTF-8", i + 1))
    };
    for i in 0..record.len() {
        field(i)?;
    }
    let name = field(columns.name)?.trim();
    let aliases = match columns.aliases {
        Some(i) => split_aliases(field(i)?),
        None => Vec::new(),
    };
    check_aliases(&aliases)?;
    // Last: a row that passes records its tenant id as taken.
    let tenant_id = checker.check(name, field(columns.tenant)?, line)?;
    let segment = match columns.segment {
        Some(i) => Some(field(i)?.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        None => None,
    };
    let mut attributes = BTreeMap::new();
    for (i, header) in &columns.others {
        let value = field(*i)?;
        if !value.is_empty() {
            attributes.insert(header.to_string(), value.to_owned());
        }
    }
    Ok(Customer {
        name: name.to_owned(),
        tenant_id,
        aliases,
        segment,
        attributes,
    })
}

/// `;`-separated aliases, trimmed, empties dropped.
pub(super) fn split_aliases(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Refuses a row with an alias longer than `MAX_NAME_CHARS` characters (it would be
/// truncated or make every lookup that compares it slow).
pub(super) fn check_aliases(aliases: &[String]) -> Result<(), String> {
    for (n, alias) in aliases.iter().enumerate() {
        if alias.chars().nth(MAX_NAME_CHARS).is_some() {
            return Err(format!(
                "alias {} is {} characters long; at most {MAX_NAME_CHARS} are allowed",
                n + 1,
                alias.chars().count()
            ));
        }
    }
    Ok(())
}

/// The checks every row passes, whatever it was read from: a name of at most `MAX_NAME_CHARS`
/// characters, a GUID, no repeat.
#[derive(Default)]
pub(super) struct Checker {
    /// Tenant id -> the line that first had it.
    seen: FxHashMap<u128, u64>,
}

impl Checker {
    /// Checks a row's name and tenant id; returns the tenant id in canonical form.
    pub(super) fn check(&mut self, name: &str, tenant: &str, line: u64) -> Result<String, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("customer name is empty".into());
        }
        if !name.chars().any(|c| c.is_alphanumeric() || c == '&') {
            // No word at all for `text::words` to find.
            return Err(format!("customer name \"{name}\" has no letters or digits"));
        }
        if name.chars().nth(MAX_NAME_CHARS).is_some() {
            // Never truncated: a shortened name could claim another customer's key.
            return Err(format!(
                "customer name is {} characters long; at most {MAX_NAME_CHARS} are allowed",
                name.chars().count()
            ));
        }
        let tenant = tenant.trim();
        if tenant.is_empty() {
            return Err("tenant id is empty".into());
        }
        let Some(guid) = parse_guid(tenant) else {
            return Err(format!("tenant id \"{tenant}\" is not a GUID"));
        };
        if let Some(first) = self.seen.get(&guid) {
            return Err(format!(
                "tenant id \"{}\" duplicates line {first}",
                format_guid(guid)
            ));
        }
        self.seen.insert(guid, line);
        // Valid, so this is the canonical form: no braces, lower case.
        let bare = tenant
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(tenant);
        Ok(bare.to_ascii_lowercase())
    }
}
