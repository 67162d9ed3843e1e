//! `GET /`: the dashboard, one self-contained page (plain HTML, CSS and JavaScript embedded in
//! the binary: no build step, nothing fetched from another origin). It asks through
//! `/v1/ask/stream?progress=true` and draws the plan, a timeline of the tasks as they run, and each
//! intent's answer as a chart, table, comparison, findings or documents (opened through
//! `/v1/docs`); its live panel polls `/v1/stats`. When the server checks tokens (its OpenAPI
//! document declares bearer security), the page asks for one and keeps it in the browser's
//! session storage.
//!
//! The page is three files under `dashboard/`, put together once: `index.html` with the
//! stylesheet and the script inlined where it marks them.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};

const HTML: &str = include_str!("dashboard/index.html");
const STYLE: &str = include_str!("dashboard/dashboard.css");
const SCRIPT: &str = include_str!("dashboard/dashboard.js");

/// The page, with its stylesheet and script inline.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    HTML.replacen("/*STYLE*/", STYLE, 1)
        .replacen("/*SCRIPT*/", SCRIPT, 1)
});

/// The dashboard page.
#[utoipa::path(get, path = "/", tag = "meta",
    responses((status = 200, description = "The dashboard", content_type = "text/html", body = String)))]
pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_stylesheet_and_the_script_are_inlined() {
        let page = super::PAGE.as_str();
        assert!(!page.contains("/*STYLE*/") && !page.contains("/*SCRIPT*/"));
        assert!(page.contains("--accent") && page.contains("function drawTimeline"));
    }
}
