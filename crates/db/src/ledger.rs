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
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Statement,
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

/// What verification reads of an entry: everything but the community (the
/// chain's own, by the filter) and the row's id.
#[derive(Debug, FromQueryResult)]
struct ChainRow {
    seq: i64,
    incident_id: Uuid,
    consignment_id: Option<Uuid>,
    consignment_title: String,
    kind: String,
    item: String,
    unit: String,
    quantity: i64,
    note: String,
    at: OffsetDateTime,
    prev_hash: String,
    hash: String,
}

impl ChainRow {
    fn into_entry(self, community_id: Uuid) -> Result<Entry, Broken> {
        let unreadable = Broken { seq: self.seq, why: Why::Unreadable };
        let kind = LedgerKind::from_code(&self.kind).ok_or(unreadable)?;
        let prev_hash = ledger::from_hex(&self.prev_hash).ok_or(unreadable)?;
        let hash = ledger::from_hex(&self.hash).ok_or(unreadable)?;
        Ok(Entry {
            body: EntryBody {
                seq: self.seq,
                community_id,
                incident_id: self.incident_id,
                consignment_id: self.consignment_id,
                consignment_title: self.consignment_title,
                kind,
                item: self.item,
                unit: self.unit,
                quantity: self.quantity,
                note: self.note,
                at: self.at,
            },
            prev_hash,
            hash,
        })
    }
}

/// Up to `limit` entries with `after < seq <= until`, in seq order.
async fn chain_page(
    conn: &impl ConnectionTrait,
    community_id: Uuid,
    after: i64,
    until: Option<i64>,
    limit: u64,
) -> Result<Vec<ChainRow>, DbError> {
    use ledger_entry::Column as C;
    let mut q = ledger_entry::Entity::find()
        .select_only()
        .columns([
            C::Seq,
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
        .filter(C::Seq.gt(after));
    if let Some(until) = until {
        q = q.filter(C::Seq.lte(until));
    }
    Ok(q.order_by_asc(C::Seq).limit(limit).into_model::<ChainRow>().all(conn).await?)
}

/// One part of a chain checked on its own: from the entry after `start`
/// (seq and stored hash; `None`: from the first) up to seq `until`.
#[derive(Debug)]
struct Part {
    checked: u64,
    head: [u8; 32],
    last_at: Option<OffsetDateTime>,
    broken: Option<BrokenEntry>,
}

/// SQLite's fast path: reading twelve columns costs about 0.45 µs each per
/// row in sqlx (a million entries: 5.6 s), so SQLite writes fields 4 to 12
/// of the canonical encoding itself, as one text, and the hashes as another.
/// A netstring's length is in UTF-8 bytes (`CAST(x AS BLOB)`); uuids are
/// stored as 16-byte blobs and written lowercase and hyphenated. A row whose
/// stored values are not what the application writes (a uuid or time
/// changed by hand into another shape) encodes differently and is named.
const SQLITE_CHAIN_PAGE: &str = "SELECT seq, \
    '36:' || lower(substr(hex(incident_id), 1, 8) || '-' || substr(hex(incident_id), 9, 4) || '-' || \
        substr(hex(incident_id), 13, 4) || '-' || substr(hex(incident_id), 17, 4) || '-' || \
        substr(hex(incident_id), 21, 12)) || ',' || \
    CASE WHEN consignment_id IS NULL THEN '0:,' ELSE '36:' || lower(substr(hex(consignment_id), 1, 8) || '-' || \
        substr(hex(consignment_id), 9, 4) || '-' || substr(hex(consignment_id), 13, 4) || '-' || \
        substr(hex(consignment_id), 17, 4) || '-' || substr(hex(consignment_id), 21, 12)) || ',' END || \
    length(CAST(consignment_title AS BLOB)) || ':' || consignment_title || ',' || \
    length(CAST(kind AS BLOB)) || ':' || kind || ',' || \
    length(CAST(item AS BLOB)) || ':' || item || ',' || \
    length(CAST(unit AS BLOB)) || ':' || unit || ',' || \
    length(CAST(CAST(quantity AS TEXT) AS BLOB)) || ':' || CAST(quantity AS TEXT) || ',' || \
    length(CAST(note AS BLOB)) || ':' || note || ',' || \
    length(CAST(CAST(at AS TEXT) AS BLOB)) || ':' || CAST(at AS TEXT) || ',' AS rest, \
    prev_hash || hash AS hashes \
    FROM ledger_entry WHERE community_id = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4";

async fn verify_part_sqlite(
    conn: DatabaseConnection,
    community_id: Uuid,
    start: Option<(i64, [u8; 32])>,
    until: Option<i64>,
) -> Result<Part, DbError> {
    let pool = conn.get_sqlite_connection_pool();
    let mut v = match start {
        Some((seq, hash)) => Verifier::after(seq, hash),
        None => Verifier::new(),
    };
    let mut after = start.map_or(0, |(seq, _)| seq);
    let mut last_seq = None;
    loop {
        let page: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(SQLITE_CHAIN_PAGE)
            .bind(community_id)
            .bind(after)
            .bind(until.unwrap_or(i64::MAX))
            .bind(PAGE as i64)
            .fetch_all(pool)
            .await?;
        let full = page.len() as u64 == PAGE;
        let Some(last) = page.last() else { break };
        after = last.0;
        for (seq, rest, hashes) in page {
            let hashes = hashes.as_deref().unwrap_or_default();
            let pair =
                hashes.get(..64).zip(hashes.get(64..)).and_then(|(p, h)| ledger::from_hex(p).zip(ledger::from_hex(h)));
            let checked = match (rest, pair) {
                (Some(rest), Some((prev, hash))) => v.push_encoded(seq, community_id, rest.as_bytes(), &prev, &hash),
                _ => Err(Broken { seq, why: Why::Unreadable }),
            };
            if let Err(Broken { seq, why }) = checked {
                let (kind, at) = kind_and_time(&conn, community_id, seq).await?;
                let last_at = match last_seq {
                    Some(s) => Some(kind_and_time(&conn, community_id, s).await?.1),
                    None => None,
                };
                let broken = Some(BrokenEntry { seq, why, at, kind });
                return Ok(Part { checked: v.checked(), head: v.head(), last_at, broken });
            }
            last_seq = Some(seq);
        }
        if !full {
            break;
        }
    }
    let last_at = match last_seq {
        Some(s) => Some(kind_and_time(&conn, community_id, s).await?.1),
        None => None,
    };
    Ok(Part { checked: v.checked(), head: v.head(), last_at, broken: None })
}

/// The stored kind and time of one entry.
async fn kind_and_time(
    conn: &DatabaseConnection,
    community_id: Uuid,
    seq: i64,
) -> Result<(String, OffsetDateTime), DbError> {
    use ledger_entry::Column as C;
    ledger_entry::Entity::find()
        .select_only()
        .columns([C::Kind, C::At])
        .filter(C::CommunityId.eq(community_id))
        .filter(C::Seq.eq(seq))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| DbError::NotFound { what: "ledger_entry", key: seq.to_string() })
}

async fn verify_part(
    conn: DatabaseConnection,
    community_id: Uuid,
    start: Option<(i64, [u8; 32])>,
    until: Option<i64>,
) -> Result<Part, DbError> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        return verify_part_sqlite(conn, community_id, start, until).await;
    }
    let mut v = match start {
        Some((seq, hash)) => Verifier::after(seq, hash),
        None => Verifier::new(),
    };
    let mut after = start.map_or(0, |(seq, _)| seq);
    let mut last_at = None;
    loop {
        let page = chain_page(&conn, community_id, after, until, PAGE).await?;
        let full = page.len() as u64 == PAGE;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in page {
            let (at, kind) = (row.at, row.kind.clone());
            if let Err(Broken { seq, why }) = row.into_entry(community_id).and_then(|e| v.push(&e)) {
                let broken = Some(BrokenEntry { seq, why, at, kind });
                return Ok(Part { checked: v.checked(), head: v.head(), last_at, broken });
            }
            last_at = Some(at);
        }
        if !full {
            break;
        }
    }
    Ok(Part { checked: v.checked(), head: v.head(), last_at, broken: None })
}

/// Chains longer than this are checked in [`PARTS`] parts side by side.
const SPLIT_FROM: i64 = 50_000;
const PARTS: i64 = 4;

/// Recomputes the community's whole chain, a page at a time. A long chain
/// is cut at stored entries into parts checked side by side, each picking
/// the chain up from the stored hash of the entry before it: the part before
/// checks that entry, so together they check exactly what one pass would,
/// and the first part that breaks names the first entry that does not hold.
pub async fn verify_community(conn: &DatabaseConnection, community_id: Uuid) -> Result<VerifyReport, DbError> {
    use ledger_entry::Column as C;
    let (max_seq, _) = head(conn, community_id).await?;
    // Cut points: the first stored entry at or after each quantile of the seqs.
    let mut cuts: Vec<(i64, [u8; 32])> = Vec::new();
    if max_seq >= SPLIT_FROM {
        for k in 1..PARTS {
            let at: Option<(i64, String)> = ledger_entry::Entity::find()
                .select_only()
                .columns([C::Seq, C::Hash])
                .filter(C::CommunityId.eq(community_id))
                .filter(C::Seq.gte(max_seq / PARTS * k))
                .order_by_asc(C::Seq)
                .limit(1)
                .into_tuple()
                .all(conn)
                .await?
                .into_iter()
                .next();
            if let Some((seq, hash)) = at
                && cuts.last().is_none_or(|(last, _)| *last < seq)
                && seq < max_seq
            {
                // An unreadable hash here is named by the part before.
                cuts.push((seq, ledger::from_hex(&hash).unwrap_or(ledger::GENESIS)));
            }
        }
    }
    let mut tasks = Vec::with_capacity(cuts.len() + 1);
    for i in 0..=cuts.len() {
        let start = i.checked_sub(1).map(|j| cuts[j]);
        let until = cuts.get(i).map(|(seq, _)| *seq);
        tasks.push(tokio::spawn(verify_part(conn.clone(), community_id, start, until)));
    }
    let mut report = VerifyReport { verified: 0, head: ledger::to_hex(&ledger::GENESIS), last_at: None, broken: None };
    for task in tasks {
        let part = task.await.map_err(|e| DbError::Db(sea_orm::DbErr::Custom(format!("verification task: {e}"))))??;
        if report.broken.is_some() {
            continue;
        }
        report.verified += part.checked;
        if part.checked > 0 {
            report.head = ledger::to_hex(&part.head);
            report.last_at = part.last_at;
        }
        report.broken = part.broken;
    }
    Ok(report)
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
