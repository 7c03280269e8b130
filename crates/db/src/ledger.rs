//! The public supply ledger's storage (SPEC §4.5): entries are appended to
//! their community's chain inside the caller's write transaction (the
//! supplies service writes a receipt, an allocation or a delivery and its
//! entry together), read back page by page in seq order, verified without
//! holding them all, and summed for the public page.
//!
//! Appending is serialised per community: PostgreSQL takes an advisory
//! transaction lock on the community before reading the chain's head;
//! SQLite's write transactions (`BEGIN IMMEDIATE`, one writer) are exclusive
//! already. The UNIQUE (community_id, seq) index backs both: two appends can
//! never take the same seq, so the chain cannot fork.

use std::collections::BTreeMap;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use shouwang_domain::ledger::{self, Books, Broken, Entry, EntryBody, LedgerKind, Verifier, Why};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::ledger_entry;
use crate::{DbError, now, utc};

/// One entry to append (the contract the supplies service codes against).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub community_id: Uuid,
    pub incident_id: Uuid,
    /// A plain uuid, no foreign key (the ledger outlives purges).
    pub consignment_id: Option<Uuid>,
    /// e.g. "浦东保供蔬菜包 500箱" (never personal data).
    pub consignment_title: String,
    pub kind: LedgerKind,
    /// "蔬菜包"
    pub item: String,
    /// "箱"
    pub unit: String,
    /// 1..=10,000,000 (`ledger::QUANTITY_RANGE`).
    pub quantity: i64,
    /// Free text without personal data, may be empty.
    pub note: String,
    /// The service clock's time.
    pub at: OffsetDateTime,
}

/// Key space of the ledger's advisory locks (PostgreSQL), apart from the
/// roster's and the migrations'.
const LEDGER_LOCK_SPACE: i32 = 0x4c44_4752; // "LDGR"

/// Rows read per page when verifying or summing.
const PAGE: u64 = 10_000;

/// Takes the community's ledger lock for the rest of the transaction
/// (PostgreSQL; SQLite's write transaction is exclusive already).
pub async fn lock_ledger(tx: &impl ConnectionTrait, community_id: Uuid) -> Result<(), DbError> {
    if tx.get_database_backend() == DbBackend::Postgres {
        let b = community_id.as_bytes();
        // Fold the id into the lock's second key; a collision only makes two
        // communities take turns.
        let key = b.chunks(4).fold(0i32, |k, c| k ^ i32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1, $2)",
            [LEDGER_LOCK_SPACE.into(), key.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The seq and hash of the community's last entry, `(0, GENESIS)` before the first.
async fn head(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<(i64, [u8; 32]), DbError> {
    let last: Option<Option<i64>> = ledger_entry::Entity::find()
        .select_only()
        .column_as(ledger_entry::Column::Seq.max(), "seq")
        .filter(ledger_entry::Column::CommunityId.eq(community_id))
        .into_tuple::<Option<i64>>()
        .all(conn)
        .await?
        .into_iter()
        .next();
    let Some(seq) = last.flatten() else { return Ok((0, ledger::GENESIS)) };
    let hash: Option<String> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Hash)
        .filter(ledger_entry::Column::CommunityId.eq(community_id))
        .filter(ledger_entry::Column::Seq.eq(seq))
        .into_tuple::<String>()
        .all(conn)
        .await?
        .into_iter()
        .next();
    // A head whose hash was spoilt by hand still gets successors: verification
    // names that entry, and the chain after it stays checkable.
    let hash = hash.as_deref().and_then(ledger::from_hex).unwrap_or(ledger::GENESIS);
    Ok((seq, hash))
}

/// Appends entries to their communities' chains inside the caller's write
/// transaction, in the order given. Refuses the whole batch (changing
/// nothing) when any entry's fields are out of bounds.
pub async fn append_in(conn: &impl ConnectionTrait, entries: &[NewEntry]) -> Result<(), DbError> {
    let bodies: Vec<EntryBody> = entries
        .iter()
        .map(|e| EntryBody {
            seq: 0,
            community_id: e.community_id,
            incident_id: e.incident_id,
            consignment_id: e.consignment_id,
            consignment_title: e.consignment_title.clone(),
            kind: e.kind,
            item: e.item.clone(),
            unit: e.unit.clone(),
            quantity: e.quantity,
            note: e.note.clone(),
            // Hashed exactly as stored.
            at: utc(e.at),
        })
        .collect();
    for b in &bodies {
        b.check().map_err(DbError::refused)?;
    }
    // Communities in one order (their ids) so that two batches never wait on each other's locks.
    let mut by_community: BTreeMap<Uuid, Vec<EntryBody>> = BTreeMap::new();
    for b in bodies {
        by_community.entry(b.community_id).or_default().push(b);
    }
    let created_at = now();
    for (community_id, bodies) in by_community {
        lock_ledger(conn, community_id).await?;
        let (mut seq, mut prev) = head(conn, community_id).await?;
        let mut rows = Vec::with_capacity(bodies.len());
        for mut body in bodies {
            seq += 1;
            body.seq = seq;
            let e = ledger::chain(prev, body);
            prev = e.hash;
            rows.push(active_model(e, created_at));
        }
        for chunk in rows.chunks(500) {
            ledger_entry::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
        }
    }
    Ok(())
}

fn active_model(e: Entry, created_at: OffsetDateTime) -> ledger_entry::ActiveModel {
    let b = e.body;
    ledger_entry::ActiveModel::from(ledger_entry::Model {
        id: Uuid::now_v7(),
        community_id: b.community_id,
        incident_id: b.incident_id,
        seq: b.seq,
        consignment_id: b.consignment_id,
        consignment_title: b.consignment_title,
        kind: b.kind.code().to_string(),
        item: b.item,
        unit: b.unit,
        quantity: b.quantity,
        note: b.note,
        at: b.at,
        prev_hash: ledger::to_hex(&e.prev_hash),
        hash: ledger::to_hex(&e.hash),
        created_at,
    })
}

/// An entry as stored, field for field, also when it no longer reads as an
/// entry (a kind or hash changed by hand): the browser verifies these.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct StoredEntry {
    pub seq: i64,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    pub consignment_id: Option<Uuid>,
    pub consignment_title: String,
    pub kind: String,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub note: String,
    pub at: OffsetDateTime,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEntry {
    /// The entry it holds, or `Unreadable` (an unknown kind, a malformed hash).
    pub fn to_entry(&self) -> Result<Entry, Broken> {
        let unreadable = Broken { seq: self.seq, why: Why::Unreadable };
        let kind = LedgerKind::from_code(&self.kind).ok_or(unreadable)?;
        let prev_hash = ledger::from_hex(&self.prev_hash).ok_or(unreadable)?;
        let hash = ledger::from_hex(&self.hash).ok_or(unreadable)?;
        Ok(Entry {
            body: EntryBody {
                seq: self.seq,
                community_id: self.community_id,
                incident_id: self.incident_id,
                consignment_id: self.consignment_id,
                consignment_title: self.consignment_title.clone(),
                kind,
                item: self.item.clone(),
                unit: self.unit.clone(),
                quantity: self.quantity,
                note: self.note.clone(),
                at: self.at,
            },
            prev_hash,
            hash,
        })
    }
}

/// Up to `limit` entries of the community after seq `after` (0: from the
/// first), in seq order.
pub async fn entries_of(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    after: i64,
    limit: u64,
) -> Result<Vec<StoredEntry>, DbError> {
    use ledger_entry::Column as C;
    Ok(ledger_entry::Entity::find()
        .select_only()
        .columns([
            C::Seq,
            C::CommunityId,
            C::IncidentId,
            C::ConsignmentId,
            C::ConsignmentTitle,
            C::Kind,
            C::Item,
            C::Unit,
            C::Quantity,
            C::Note,
            C::At,
            C::PrevHash,
            C::Hash,
        ])
        .filter(C::CommunityId.eq(community_id))
        .filter(C::Seq.gt(after))
        .order_by_asc(C::Seq)
        .limit(limit)
        .into_model::<StoredEntry>()
        .all(conn)
        .await?)
}

/// Where a community's chain stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries that hold, from the first (all of them when the chain holds).
    pub verified: u64,
    /// The hash of the last entry that holds (64 hex digits; zeros before any).
    pub head: String,
    /// The time of the last entry that holds.
    pub last_at: Option<OffsetDateTime>,
    /// The first entry that does not hold.
    pub broken: Option<BrokenEntry>,
}

impl VerifyReport {
    pub fn holds(&self) -> bool {
        self.broken.is_none()
    }
}

/// The first entry that does not hold, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenEntry {
    pub seq: i64,
    pub why: Why,
    pub at: OffsetDateTime,
    /// The kind as stored (it may not be a known code).
    pub kind: String,
}

/// Recomputes the community's whole chain, a page at a time.
pub async fn verify_community(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<VerifyReport, DbError> {
    let mut v = Verifier::new();
    let mut last_at = None;
    let mut after = 0;
    loop {
        let page = entries_of(conn, community_id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for stored in &page {
            let checked = stored.to_entry().and_then(|e| v.push(&e));
            if let Err(Broken { seq, why }) = checked {
                return Ok(VerifyReport {
                    verified: v.checked(),
                    head: ledger::to_hex(&v.head()),
                    last_at,
                    broken: Some(BrokenEntry { seq, why, at: stored.at, kind: stored.kind.clone() }),
                });
            }
            last_at = Some(stored.at);
        }
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    Ok(VerifyReport { verified: v.checked(), head: ledger::to_hex(&v.head()), last_at, broken: None })
}

#[derive(Debug, FromQueryResult)]
struct SumRow {
    consignment_id: Option<Uuid>,
    kind: String,
    item: String,
    unit: String,
    quantity: i64,
    count: i64,
    first_seq: i64,
    last_seq: i64,
    last_at: OffsetDateTime,
}

/// The community's books (per consignment, the reserve pool, the sharing
/// shelf), summed by the database: the same as `ledger::books` over every
/// entry, without reading them all.
pub async fn books_of(conn: &impl ConnectionTrait, community_id: Uuid) -> Result<Books, DbError> {
    use ledger_entry::Column as C;
    let rows: Vec<SumRow> = ledger_entry::Entity::find()
        .select_only()
        .column(C::ConsignmentId)
        .column(C::Kind)
        .column(C::Item)
        .column(C::Unit)
        // SUM of a bigint is a numeric on PostgreSQL.
        .column_as(Expr::cust("CAST(SUM(quantity) AS BIGINT)"), "quantity")
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "count")
        .column_as(C::Seq.min(), "first_seq")
        .column_as(C::Seq.max(), "last_seq")
        .column_as(C::At.max(), "last_at")
        .filter(C::CommunityId.eq(community_id))
        .group_by(C::ConsignmentId)
        .group_by(C::Kind)
        .group_by(C::Item)
        .group_by(C::Unit)
        .into_model::<SumRow>()
        .all(conn)
        .await?;
    // Each consignment's title is the one its latest entry carries.
    let mut latest: BTreeMap<Option<Uuid>, i64> = BTreeMap::new();
    for r in &rows {
        let seq = latest.entry(r.consignment_id).or_insert(r.last_seq);
        *seq = (*seq).max(r.last_seq);
    }
    let titles: Vec<(Option<Uuid>, String)> = ledger_entry::Entity::find()
        .select_only()
        .column(C::ConsignmentId)
        .column(C::ConsignmentTitle)
        .filter(C::CommunityId.eq(community_id))
        .filter(C::Seq.is_in(latest.values().copied().collect::<Vec<_>>()))
        .into_tuple()
        .all(conn)
        .await?;
    let titles: BTreeMap<Option<Uuid>, String> = titles.into_iter().collect();
    let mut sums = Vec::with_capacity(rows.len());
    for r in rows {
        // The CHECK keeps kinds known; a kind changed by hand past it is left
        // out of the sums (verification names its entry).
        let Some(kind) = LedgerKind::from_code(&r.kind) else { continue };
        sums.push(ledger::Sum {
            title: titles.get(&r.consignment_id).cloned().unwrap_or_default(),
            consignment_id: r.consignment_id,
            kind,
            item: r.item,
            unit: r.unit,
            quantity: r.quantity,
            count: u64::try_from(r.count).unwrap_or(0),
            first_seq: r.first_seq,
            last_at: r.last_at,
        });
    }
    Ok(ledger::books_from_sums(sums))
}
