//! `GET /`: a single-page dashboard (embedded HTML, no build step) that polls `/v1/stats` and
//! asks through `/v1/ask/stream`, showing sections as they arrive. A bearer token, when the
//! server needs one, is typed into the page and kept in the browser's local storage.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("dashboard.html");

/// The dashboard page.
#[utoipa::path(get, path = "/", tag = "meta",
    responses((status = 200, description = "The dashboard", content_type = "text/html", body = String)))]
pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}
