//! The public ledger page: the books per consignment, the reserve pool and
//! the sharing shelf, and the two ways to verify the chain (in the browser,
//! by `assets/ledger.js`; on the server, by a plain GET form).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use shouwang_domain::Lang;
use shouwang_domain::clock::minute_text;
use shouwang_service::Place;
use shouwang_service::ledger as svc;

use crate::AppState;
use crate::error::AppError;
use crate::i18n;
use crate::pages::{PageCtx, render};

/// One consignment line as shown.
pub struct LineView {
    pub title: String,
    pub item: String,
    pub unit: String,
    pub received: i64,
    pub allocated: i64,
    pub delivered: i64,
    pub in_reserve: i64,
    pub written_off: i64,
    pub unaccounted: i64,
    pub awaiting: i64,
}

/// A stock line as shown.
pub struct StockView {
    pub item: String,
    pub unit: String,
    pub into: i64,
    pub out: i64,
    pub balance: i64,
}

/// The server's verification as shown.
pub struct VerifyView {
    pub holds: bool,
    pub message: String,
    pub head: String,
}

#[derive(Template)]
#[template(path = "ledger/ledger.html")]
pub struct LedgerPage {
    pub ctx: PageCtx,
    pub community: Place,
    pub lines: Vec<LineView>,
    pub reserve_pool: Vec<StockView>,
    pub shelf: Vec<StockView>,
    pub entries: u64,
    pub last_at: String,
    pub verified: Option<VerifyView>,
    /// Texts for the browser's verification, with `%{…}` placeholders it fills.
    pub js: Vec<(&'static str, String)>,
}

fn stock(s: svc::StockBalance) -> StockView {
    let balance = s.balance();
    StockView { item: s.item, unit: s.unit, into: s.into, out: s.out, balance }
}

/// The texts `ledger.js` shows, as `data-` attributes (the CSP allows no inline script).
fn js_texts(lang: Lang) -> Vec<(&'static str, String)> {
    [
        ("working", "ledger.page.working"),
        ("holds", "ledger.page.browser_holds"),
        ("broken", "ledger.page.browser_broken"),
        ("failed", "ledger.page.failed"),
        ("why-gap", "ledger.why.gap"),
        ("why-wrong-prev-hash", "ledger.why.wrong_prev_hash"),
        ("why-wrong-hash", "ledger.why.wrong_hash"),
    ]
    .into_iter()
    .map(|(name, key)| (name, i18n::t(lang, key)))
    .collect()
}

async fn page(state: &AppState, lang: Lang, code: &str, verify: bool) -> Result<Response, AppError> {
    let books = svc::public_books(&state.ctx, code).await?;
    let verified = if verify {
        let v = svc::verify(&state.ctx, code).await?;
        let message = match &v.broken {
            None => i18n::t_with(lang, "ledger.page.holds", &[("count", &v.verified)]),
            Some(b) => {
                let kind = b.kind.map_or_else(|| b.kind_code.clone(), |k| k.label(lang).to_string());
                i18n::t_with(
                    lang,
                    "ledger.page.broken",
                    &[("seq", &b.seq), ("at", &minute_text(b.at)), ("kind", &kind), ("why", &b.why.message(lang))],
                )
            }
        };
        Some(VerifyView { holds: v.holds(), message, head: v.head })
    } else {
        None
    };
    let svc::PublicBooks { community, consignments, reserve_pool, shelf, entries, last_at } = books;
    let none = i18n::t(lang, "ledger.page.no_consignment");
    let lines = consignments
        .into_iter()
        .map(|c| LineView {
            unaccounted: c.unaccounted(),
            awaiting: c.awaiting_delivery(),
            title: if c.consignment_id.is_none() || c.title.is_empty() { none.clone() } else { c.title },
            item: c.item,
            unit: c.unit,
            received: c.received,
            allocated: c.allocated,
            delivered: c.delivered,
            in_reserve: c.in_reserve,
            written_off: c.written_off,
        })
        .collect();
    let path = format!("/p/{}/ledger", community.code);
    render(&LedgerPage {
        ctx: PageCtx::new(None, lang, &path),
        community,
        lines,
        reserve_pool: reserve_pool.into_iter().map(stock).collect(),
        shelf: shelf.into_iter().map(stock).collect(),
        entries,
        last_at: last_at.map(minute_text).unwrap_or_default(),
        verified,
        js: js_texts(lang),
    })
}

/// `/p/{code}/ledger`: the community's public books.
pub async fn ledger_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    page(&state, i18n::from_headers(&headers), &code, false).await
}

/// `/p/{code}/ledger/verify`: the books with the server's verification.
pub async fn verify_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    page(&state, i18n::from_headers(&headers), &code, true).await
}
