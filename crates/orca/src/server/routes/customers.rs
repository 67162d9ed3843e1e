//! `GET /v1/customers?q=`: how a name resolves, with only the candidates the caller may see.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ErrorBody, GuardErrors};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomersParams {
    /// A customer name, alias, or something close to one.
    #[param(
        min_length = 1,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        example = "Contoso"
    )]
    pub q: String,
}

/// The resolution candidates of a name, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomersResponse {
    pub query: String,
    pub candidates: Vec<CandidateSchema>,
}

/// One candidate customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateSchema {
    pub name: String,
    pub tenant_id: String,
    /// exact, alias, normalized or fuzzy.
    #[serde(rename = "match")]
    pub match_kind: String,
    pub confidence: f64,
    pub segment: Option<String>,
}

/// Resolve a customer name.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    params(CustomersParams),
    responses(
        (status = 200, description = "Candidates the caller may see (possibly none)", body = CustomersResponse),
        (status = 400, description = "Missing or empty q, too long, or with a control character", body = ErrorBody),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn customers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<CustomersParams>, QueryRejection>,
) -> Result<Json<CustomersResponse>, ApiError> {
    let Query(params) = params?;
    let q = params.q.trim();
    if q.is_empty() {
        return Err(ApiError::bad_request("the customer name `q` is empty"));
    }
    // As `orca customers` and the MCP tool refuse them: a control character is never part of a
    // name (a NUL or a newline in a query string is an attack or a bug, not a typo).
    if let Some((i, c)) = q.char_indices().find(|(_, c)| c.is_control()) {
        return Err(ApiError::bad_request(format!(
            "the customer name `q` contains a control character ({c:?}) at position {i}"
        )));
    }
    if q.chars().count() > orca_core::registry::MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "the customer name `q` is longer than {} characters",
            orca_core::registry::MAX_NAME_CHARS
        )));
    }
    // On the async worker on purpose: with `q` capped, `Registry::resolve` is bounded work (a
    // fixed edit-distance budget: about a millisecond at worst, microseconds for real names),
    // cheaper than a hop to the blocking pool.
    let candidates = state
        .orca
        .resolve_permitted(q, &principal.permissions)
        .into_iter()
        .map(|c| CandidateSchema {
            name: c.name,
            tenant_id: c.tenant_id,
            match_kind: c.match_kind.as_str().to_string(),
            confidence: c.confidence,
            segment: c.segment,
        })
        .collect();
    Ok(Json(CustomersResponse {
        query: q.to_string(),
        candidates,
    }))
}
