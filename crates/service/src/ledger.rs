//! The public supply ledger (SPEC §4.5): a community's books, open to anyone
//! with the community's code (no login; the entries hold no personal data),
//! the entries page by page for verification in the browser, and the
//! verification on the server. Entries are written by the supplies service
//! through `shouwang_db::ledger::append_in`, in the transaction of the
//! receipt, allocation or delivery they record.

use shouwang_db::ledger as store;
use shouwang_domain::ledger::{Books, Why};
use shouwang_domain::{RegionCode, bounds};
use time::OffsetDateTime;

use crate::{Context, Error, Place};

pub use shouwang_db::ledger::StoredEntry;
pub use shouwang_domain::ledger::{ConsignmentTotals, LedgerKind, StockBalance};

/// The most entries one page of [`entries`] answers.
pub const ENTRIES_MAX: u64 = bounds::PerPage::MAX;

/// A community's public books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBooks {
    pub community: Place,
    /// Per consignment (one line per item and unit): received, allocated,
    /// delivered, in reserve, written off.
    pub consignments: Vec<ConsignmentTotals>,
    /// The reserve pool (爱心储备池), per item and unit.
    pub reserve_pool: Vec<StockBalance>,
    /// The sharing shelf (互助架), per item and unit.
    pub shelf: Vec<StockBalance>,
    pub entries: u64,
    pub last_at: Option<OffsetDateTime>,
}

/// What verifying a community's chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    pub community: Place,
    /// Entries that hold, from the first (all of them when the chain holds).
    pub verified: u64,
    /// The hash of the last entry that holds (64 hex digits).
    pub head: String,
    pub last_at: Option<OffsetDateTime>,
    /// The first entry that does not hold.
    pub broken: Option<BrokenEntry>,
}

impl VerifyOutcome {
    pub fn holds(&self) -> bool {
        self.broken.is_none()
    }
}

/// The first entry that does not hold: its seq, time and kind as stored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenEntry {
    pub seq: i64,
    pub why: Why,
    pub at: OffsetDateTime,
    /// The kind, when the stored code is one (a code changed by hand may not be).
    pub kind: Option<LedgerKind>,
    pub kind_code: String,
}

/// One page of a community's entries, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntriesPage {
    pub entries: Vec<StoredEntry>,
    /// The `after` of the next page, when there may be one.
    pub next_after: Option<i64>,
}

/// The community a public page names (anyone may read its ledger).
async fn community(ctx: &Context, code: &str) -> Result<Place, Error> {
    let missing = || Error::missing(shouwang_domain::region::Refusal::NoSuchCommunity);
    let code = RegionCode::parse(code).map_err(|_| missing())?;
    let community = shouwang_db::registry::community_by_code(&ctx.db.read, &code).await.map_err(|_| missing())?;
    Place::of(community)
}

/// The community's books, for anyone.
pub async fn public_books(ctx: &Context, community_code: &str) -> Result<PublicBooks, Error> {
    let community = community(ctx, community_code).await?;
    let Books { consignments, reserve_pool, shelf, entries, last_at } =
        store::books_of(&ctx.db.read, community.id).await?;
    Ok(PublicBooks { community, consignments, reserve_pool, shelf, entries, last_at })
}

/// Recomputes the community's whole chain on the server.
pub async fn verify(ctx: &Context, community_code: &str) -> Result<VerifyOutcome, Error> {
    let community = community(ctx, community_code).await?;
    let report = store::verify_community(&ctx.db.read, community.id).await?;
    Ok(VerifyOutcome {
        community,
        verified: report.verified,
        head: report.head,
        last_at: report.last_at,
        broken: report.broken.map(|b| BrokenEntry {
            seq: b.seq,
            why: b.why,
            at: b.at,
            kind: LedgerKind::from_code(&b.kind),
            kind_code: b.kind,
        }),
    })
}

/// Up to `limit` (1..=[`ENTRIES_MAX`]) entries after seq `after_seq` (0: from the first).
pub async fn entries(ctx: &Context, community_code: &str, after_seq: i64, limit: u64) -> Result<EntriesPage, Error> {
    let limit = bounds::PerPage::new(limit).map_err(|e| Error::Invalid(e.into()))?.get();
    let community = community(ctx, community_code).await?;
    let entries = store::entries_of(&ctx.db.read, community.id, after_seq.max(0), limit).await?;
    let next_after = (entries.len() as u64 == limit).then(|| entries.last().map(|e| e.seq)).flatten();
    Ok(EntriesPage { entries, next_after })
}
