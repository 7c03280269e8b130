//! The public ledger over JSON: no login, no personal data.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shouwang_domain::ledger::{Why, time_text};
use shouwang_service::ledger as svc;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::api::Text;
use crate::error::{AppError, ErrorBody};

/// One consignment's books for one item and unit.
#[derive(Serialize, ToSchema)]
pub struct ConsignmentBooks {
    /// `null` for entries that name no consignment.
    pub consignment_id: Option<Uuid>,
    pub title: String,
    pub item: String,
    pub unit: String,
    pub received: i64,
    pub allocated: i64,
    pub delivered: i64,
    pub in_reserve: i64,
    pub written_off: i64,
    /// Received less allocated, in reserve and written off.
    pub unaccounted: i64,
    /// Allocated and not yet confirmed at a door.
    pub awaiting_delivery: i64,
}

impl From<svc::ConsignmentTotals> for ConsignmentBooks {
    fn from(c: svc::ConsignmentTotals) -> Self {
        let unaccounted = c.unaccounted();
        let awaiting_delivery = c.awaiting_delivery();
        let svc::ConsignmentTotals {
            consignment_id,
            title,
            item,
            unit,
            received,
            allocated,
            delivered,
            in_reserve,
            written_off,
        } = c;
        ConsignmentBooks {
            consignment_id,
            title,
            item,
            unit,
            received,
            allocated,
            delivered,
            in_reserve,
            written_off,
            unaccounted,
            awaiting_delivery,
        }
    }
}

/// A stock (the reserve pool or the sharing shelf) for one item and unit.
#[derive(Serialize, ToSchema)]
pub struct Stock {
    pub item: String,
    pub unit: String,
    #[serde(rename = "in")]
    pub into: i64,
    pub out: i64,
    pub balance: i64,
}

impl From<svc::StockBalance> for Stock {
    fn from(s: svc::StockBalance) -> Self {
        let balance = s.balance();
        let svc::StockBalance { item, unit, into, out } = s;
        Stock { item, unit, into, out, balance }
    }
}

/// A community's public books.
#[derive(Serialize, ToSchema)]
pub struct PublicBooks {
    pub community_code: String,
    pub community_name: String,
    pub consignments: Vec<ConsignmentBooks>,
    /// 爱心储备池.
    pub reserve_pool: Vec<Stock>,
    /// 互助架.
    pub shelf: Vec<Stock>,
    pub entries: u64,
    /// RFC 3339, UTC.
    pub last_at: Option<String>,
}

impl From<svc::PublicBooks> for PublicBooks {
    fn from(b: svc::PublicBooks) -> Self {
        let svc::PublicBooks { community, consignments, reserve_pool, shelf, entries, last_at } = b;
        PublicBooks {
            community_code: community.code,
            community_name: community.name,
            consignments: consignments.into_iter().map(ConsignmentBooks::from).collect(),
            reserve_pool: reserve_pool.into_iter().map(Stock::from).collect(),
            shelf: shelf.into_iter().map(Stock::from).collect(),
            entries,
            last_at: last_at.map(time_text),
        }
    }
}

/// One entry exactly as stored: the fields the hash covers, in the canonical
/// encoding's order (see `shouwang_domain::ledger`), and the two hashes.
#[derive(Serialize, ToSchema)]
pub struct LedgerEntry {
    pub seq: i64,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    pub consignment_id: Option<Uuid>,
    pub consignment_title: String,
    /// receipt / allocation / reserve / delivery / write_off / reserve_in / reserve_out / shelf_in / shelf_out
    pub kind: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub note: String,
    /// UTC with six fraction digits, as hashed: `2022-04-10T20:00:00.123451Z`.
    pub at: String,
    /// 64 hex digits; zeros for the first entry.
    pub prev_hash: String,
    pub hash: String,
}

impl From<svc::StoredEntry> for LedgerEntry {
    fn from(e: svc::StoredEntry) -> Self {
        let svc::StoredEntry {
            seq,
            community_id,
            incident_id,
            consignment_id,
            consignment_title,
            kind,
            item,
            unit,
            quantity,
            note,
            at,
            prev_hash,
            hash,
        } = e;
        LedgerEntry {
            seq,
            community_id,
            incident_id,
            consignment_id,
            consignment_title,
            kind,
            item,
            unit,
            quantity,
            note,
            at: time_text(at),
            prev_hash,
            hash,
        }
    }
}

/// A page of entries in seq order.
#[derive(Serialize, ToSchema)]
pub struct EntriesPage {
    pub entries: Vec<LedgerEntry>,
    /// Pass as `after` for the next page; `null` after the last.
    pub next_after: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct EntriesQuery {
    /// The seq after which to start (0 or absent: from the first entry).
    pub after: Option<i64>,
    /// Entries per page, 1 to 500 (default 500).
    pub limit: Option<u64>,
}

/// The first entry that does not hold.
#[derive(Serialize, ToSchema)]
pub struct BrokenEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub kind: String,
    /// gap / wrong_prev_hash / wrong_hash / unreadable
    pub why: String,
    pub message: Text,
}

/// What verifying the chain on the server found.
#[derive(Serialize, ToSchema)]
pub struct VerifyResult {
    pub holds: bool,
    /// Entries that hold, from the first.
    pub verified: u64,
    /// Hash of the last entry that holds.
    pub head: String,
    pub last_at: Option<String>,
    pub broken: Option<BrokenEntry>,
}

fn why_message(why: Why) -> Text {
    Text::of(|lang| why.message(lang))
}

impl From<svc::VerifyOutcome> for VerifyResult {
    fn from(v: svc::VerifyOutcome) -> Self {
        let holds = v.holds();
        let svc::VerifyOutcome { community: _, verified, head, last_at, broken } = v;
        VerifyResult {
            holds,
            verified,
            head,
            last_at: last_at.map(time_text),
            broken: broken.map(|b| {
                let svc::BrokenEntry { seq, why, at, kind: _, kind_code } = b;
                BrokenEntry {
                    seq,
                    at: time_text(at),
                    kind: kind_code,
                    why: why.code().to_string(),
                    message: why_message(why),
                }
            }),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/public/communities/{code}/ledger", tag = "ledger",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = PublicBooks), (status = 404, body = ErrorBody)))]
pub async fn get_books(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<PublicBooks>, AppError> {
    Ok(Json(svc::public_books(&state.ctx, &code).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/public/communities/{code}/ledger/entries", tag = "ledger",
    params(("code" = String, Path, description = "community code"), EntriesQuery),
    responses((status = 200, body = EntriesPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_entries(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<EntriesQuery>,
) -> Result<Json<EntriesPage>, AppError> {
    let page = svc::entries(&state.ctx, &code, q.after.unwrap_or(0), q.limit.unwrap_or(svc::ENTRIES_MAX)).await?;
    Ok(Json(EntriesPage {
        entries: page.entries.into_iter().map(LedgerEntry::from).collect(),
        next_after: page.next_after,
    }))
}

#[utoipa::path(get, path = "/api/v1/public/communities/{code}/ledger/verify", tag = "ledger",
    params(("code" = String, Path, description = "community code")),
    responses((status = 200, body = VerifyResult), (status = 404, body = ErrorBody)))]
pub async fn get_verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<VerifyResult>, AppError> {
    Ok(Json(svc::verify(&state.ctx, &code).await?.into()))
}
