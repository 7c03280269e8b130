//! The audit log (SPEC §5): who did what, filtered, and its CSV export.

pub(crate) mod pages;

use axum::Router;
use axum::routing::get;

use crate::AppState;

/// The pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(pages::audit_page)).route("/audit/export.csv", get(pages::audit_export))
}
