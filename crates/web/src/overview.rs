//! `/`: the registry at a glance, from the cities down to each community with
//! its totals, so whoever opens the demo's address sees the data. The full
//! pages (login, browsing to a building) come with the accounts issue.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use shouwang_db::registry;
use shouwang_domain::{Lang, RegionKind};

use crate::AppState;
use crate::error::AppError;

pub struct OverviewRow {
    pub depth: usize,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub is_community: bool,
    pub households: i64,
    pub residents: i64,
    pub tagged: i64,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub struct Overview {
    pub rows: Vec<OverviewRow>,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(overview))
}

async fn overview(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let regions = registry::upper_tree(&state.db.read).await?;
    let totals = registry::totals_by_community(&state.db.read).await?;
    let rows = regions
        .into_iter()
        .map(|r| {
            let kind = RegionKind::parse(&r.kind);
            let (households, residents, tagged) = totals.get(&r.id).copied().unwrap_or_default();
            OverviewRow {
                depth: r.path.matches('/').count().saturating_sub(2),
                kind: kind.map_or("", |k| k.label(Lang::En)),
                is_community: kind == Some(RegionKind::Community),
                code: r.code,
                name: r.name,
                households,
                residents,
                tagged,
            }
        })
        .collect();
    let page = Overview { rows }.render().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Html(page))
}
