//! What every part of the Kusto connector agrees on about a source's table: the store's item
//! table (its shape checks and breakdown key names), the DESIGN columns of a row in the store's
//! order, and the sentence of a refused query. Both the batch (`items.rs`) and the reading of its
//! answer (`answer.rs`) use them.

use orca_core::{ConnectorError, SourceKey};

use crate::store::agents::shaping::ItemTable;
use crate::store::agents::{cases, incidents, work_items};

/// A query the source refuses, in one sentence naming it.
pub(super) fn bad(source: SourceKey, message: &str) -> ConnectorError {
    ConnectorError::bad_query(format!("{source}: {message}"))
}

/// The store's item table of a source (its shape checks and breakdown key names).
pub(super) fn item_table(source: SourceKey) -> &'static ItemTable {
    match source {
        SourceKey::Icm => &incidents::INCIDENTS,
        SourceKey::Ado => &work_items::WORK_ITEMS,
        _ => &cases::CASES,
    }
}

/// The DESIGN columns of a row, in the store's order (CustomerName is added after TenantId).
pub(super) fn row_columns(source: SourceKey) -> &'static [&'static str] {
    match source {
        SourceKey::Kusto => &[
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
        SourceKey::Icm => &[
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
        _ => &[
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
    }
}
