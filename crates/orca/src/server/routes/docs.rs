//! `GET /v1/docs?path=`: one product document, whole, for the dashboard's link from a passage
//! (a `docs` section row names its document by `path`) to the document it came from.
//!
//! Behind the same gate as every `/v1` route (token, rate limit, load shedding). Product
//! documents belong to no tenant, so every authenticated caller may read them, as the `docs`
//! agent lets every caller search them.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::server::AppState;
use crate::server::error::{ApiError, ErrorBody, GuardErrors};

/// The longest document path looked up (paths in the store are short file names).
pub const MAX_PATH_CHARS: usize = 512;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocParams {
    /// The document's path, as a `docs` section row names it.
    #[param(
        min_length = 1,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        example = "docs/sensitivity-labels-overview.md"
    )]
    pub path: String,
}

/// One product document.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocResponse {
    pub path: String,
    pub title: String,
    /// The document's Markdown text.
    pub body: String,
}

/// One product document by its path.
#[utoipa::path(
    get,
    path = "/v1/docs",
    tag = "ask",
    params(DocParams),
    responses(
        (status = 200, description = "The document", body = DocResponse),
        (status = 400, description = "Missing, empty or too long path", body = ErrorBody),
        (status = 404, description = "No document has this path", body = ErrorBody),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn doc(
    State(state): State<AppState>,
    params: Result<Query<DocParams>, QueryRejection>,
) -> Result<Json<DocResponse>, ApiError> {
    let Query(params) = params?;
    let path = params.path.trim().to_string();
    if path.is_empty() {
        return Err(ApiError::bad_request("the document `path` is empty"));
    }
    if let Some((i, c)) = path.char_indices().find(|(_, c)| c.is_control()) {
        return Err(ApiError::bad_request(format!(
            "the document `path` contains a control character ({c:?}) at position {i}"
        )));
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(ApiError::bad_request(format!(
            "the document `path` is longer than {MAX_PATH_CHARS} characters"
        )));
    }
    let data_dir = state.orca.config().data_dir.clone();
    let lookup = path.clone();
    let found = tokio::task::spawn_blocking(move || {
        let store = orca_connectors::Store::open(&data_dir, orca_connectors::OpenMode::ReadOnly)?;
        store.doc(&lookup)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))?
    .map_err(|e| ApiError::internal(format!("{e:#}")))?;
    match found {
        Some((title, body)) => Ok(Json(DocResponse { path, title, body })),
        None => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            format!("no document has the path `{path}`"),
        )),
    }
}
