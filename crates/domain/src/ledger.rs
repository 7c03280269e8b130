//! The public supply ledger (SPEC §4.5, issue 12 item 9): every receipt,
//! allocation, reservation, delivery and write-off of a community is an
//! append-only entry that carries the hash of the entry before it, so a row
//! changed, removed or reordered in the database breaks the chain at that
//! entry, and anyone can recompute it (the server, the CLI, the browser).
//!
//! # Canonical encoding (version 1)
//!
//! An entry is hashed over one byte string, the same in Rust and in the
//! browser's JavaScript (`web/assets/ledger.js`): twelve fields in this fixed
//! order, each written as a netstring, `<length>:<bytes>,` where `<length>`
//! is the number of UTF-8 bytes of the value in decimal ASCII without
//! leading zeros:
//!
//! 1. the format tag `shouwang-ledger-v1`
//! 2. `seq`, in decimal (the first entry of a community is 1)
//! 3. `community_id`, lowercase hyphenated UUID
//! 4. `incident_id`, lowercase hyphenated UUID
//! 5. `consignment_id`, lowercase hyphenated UUID, or empty when there is none
//! 6. `consignment_title`
//! 7. `kind`, its stored code (`receipt`, `allocation`, ...)
//! 8. `item`
//! 9. `unit`
//! 10. `quantity`, in decimal
//! 11. `note` (may be empty)
//! 12. `at`, UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (six fraction digits, the
//!     way every time is stored)
//!
//! Lengths make the string unambiguous whatever the texts hold (a comma or a
//! colon in a note cannot shift a field). The entry's hash is
//! `SHA-256(prev_hash || encoding)`, where `prev_hash` is the 32 raw bytes
//! of the previous entry's hash, and 32 zero bytes for the first entry
//! ([`GENESIS`]). Hashes are shown and stored as 64 lowercase hex digits.
//!
//! What the chain proves: the entries as read are the ones written, in their
//! order, none changed, none missing in between. It cannot tell that the
//! newest entries were cut off, or that someone rewrote the whole tail with
//! fresh hashes; the public page shows the count and the last hash so that
//! residents can note them and compare later.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::lang::Lang;

macro_rules! small_vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code stored in the database, hashed, and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en)),+ }
            }
        }
    };
}

small_vocabulary! {
    /// What an entry records.
    LedgerKind {
        /// Goods counted in at the gate.
        Receipt => "receipt", "到货入库", "received";
        /// Allocated to households.
        Allocation => "allocation", "分配到户", "allocated";
        /// Held back from a consignment into the reserve pool.
        Reserve => "reserve", "留作储备", "held in reserve";
        /// Confirmed at a door.
        Delivery => "delivery", "送达到户", "delivered";
        /// Damaged or lost.
        WriteOff => "write_off", "报损", "written off";
        /// Into the reserve pool (爱心储备池), not from a consignment's allocation.
        ReserveIn => "reserve_in", "储备池入库", "into the reserve pool";
        /// Out of the reserve pool.
        ReserveOut => "reserve_out", "储备池出库", "out of the reserve pool";
        /// Onto the sharing shelf (互助架).
        ShelfIn => "shelf_in", "互助架放入", "onto the sharing shelf";
        /// Taken from the sharing shelf.
        ShelfOut => "shelf_out", "互助架取用", "taken from the sharing shelf";
    }
}

/// The format tag, the first field of every encoding.
pub const FORMAT: &str = "shouwang-ledger-v1";

/// The previous hash of a community's first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// The range of an entry's quantity, both ends included (the schema holds it too).
pub const QUANTITY_RANGE: (i64, i64) = (1, 10_000_000);

/// The longest consignment title, item, unit and note, in characters.
pub const TITLE_MAX: usize = 200;
pub const ITEM_MAX: usize = 100;
pub const UNIT_MAX: usize = 20;
pub const NOTE_MAX: usize = 500;

/// The fields of an entry that its hash covers: everything but the hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryBody {
    pub seq: i64,
    pub community_id: Uuid,
    pub incident_id: Uuid,
    pub consignment_id: Option<Uuid>,
    pub consignment_title: String,
    pub kind: LedgerKind,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub note: String,
    pub at: OffsetDateTime,
}

/// An entry as stored: its body and the two hashes it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub body: EntryBody,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Why an entry's fields cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A quantity outside [`QUANTITY_RANGE`].
    Quantity,
    /// An empty item or unit.
    Empty,
    /// A text longer than its maximum.
    TooLong,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::Quantity => {
                t_with(lang, "ledger.refusal.quantity", &[("min", &QUANTITY_RANGE.0), ("max", &QUANTITY_RANGE.1)])
            }
            Refusal::Empty => t(lang, "ledger.refusal.empty"),
            Refusal::TooLong => t(lang, "ledger.refusal.too_long"),
        }
    }
}

impl EntryBody {
    /// Whether the fields may be written (the storage layer checks before it chains).
    pub fn check(&self) -> Result<(), Refusal> {
        if !(QUANTITY_RANGE.0..=QUANTITY_RANGE.1).contains(&self.quantity) {
            return Err(Refusal::Quantity);
        }
        if self.item.trim().is_empty() || self.unit.trim().is_empty() {
            return Err(Refusal::Empty);
        }
        let too_long = |s: &str, max: usize| s.chars().count() > max;
        if too_long(&self.consignment_title, TITLE_MAX)
            || too_long(&self.item, ITEM_MAX)
            || too_long(&self.unit, UNIT_MAX)
            || too_long(&self.note, NOTE_MAX)
        {
            return Err(Refusal::TooLong);
        }
        Ok(())
    }

    /// The canonical encoding (module docs), appended to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let mut num = String::with_capacity(40);
        let mut field = |out: &mut Vec<u8>, value: &[u8]| {
            num.clear();
            let _ = write!(num, "{}:", value.len());
            out.extend_from_slice(num.as_bytes());
            out.extend_from_slice(value);
            out.push(b',');
        };
        let mut uuid_buf = Uuid::encode_buffer();
        field(out, FORMAT.as_bytes());
        field(out, self.seq.to_string().as_bytes());
        field(out, self.community_id.hyphenated().encode_lower(&mut uuid_buf).as_bytes());
        field(out, self.incident_id.hyphenated().encode_lower(&mut uuid_buf).as_bytes());
        match self.consignment_id {
            Some(id) => field(out, id.hyphenated().encode_lower(&mut uuid_buf).as_bytes()),
            None => field(out, b""),
        }
        field(out, self.consignment_title.as_bytes());
        field(out, self.kind.code().as_bytes());
        field(out, self.item.as_bytes());
        field(out, self.unit.as_bytes());
        field(out, self.quantity.to_string().as_bytes());
        field(out, self.note.as_bytes());
        field(out, time_text(self.at).as_bytes());
    }

    /// The canonical encoding (module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.encode_into(&mut out);
        out
    }
}

/// Fields 1 to 3 of the canonical encoding (format tag, seq, community).
pub fn encode_head(seq: i64, community_id: Uuid, out: &mut Vec<u8>) {
    let seq = seq.to_string();
    let _ = write!(WriteVec(out), "{}:{FORMAT},{}:{seq},36:{},", FORMAT.len(), seq.len(), community_id.hyphenated());
}

struct WriteVec<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for WriteVec<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// `at` as the encoding writes it: UTC, six fraction digits (truncated), `Z`.
pub fn time_text(at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    let mut s = String::with_capacity(27);
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.microsecond()
    );
    s
}

/// The hash of an entry whose predecessor's hash is `prev_hash`.
pub fn hash(prev_hash: &[u8; 32], body: &EntryBody) -> [u8; 32] {
    let mut buf = Vec::with_capacity(256);
    hash_with(prev_hash, body, &mut buf)
}

/// [`hash`] with a caller's scratch buffer (verifying a million entries).
pub fn hash_with(prev_hash: &[u8; 32], body: &EntryBody, buf: &mut Vec<u8>) -> [u8; 32] {
    buf.clear();
    body.encode_into(buf);
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(&buf[..]);
    h.finalize().into()
}

/// Chains `body` after an entry whose hash is `prev_hash`.
pub fn chain(prev_hash: [u8; 32], body: EntryBody) -> Entry {
    let hash = hash(&prev_hash, &body);
    Entry { body, prev_hash, hash }
}

/// Hex text of a hash, as stored and shown.
pub fn to_hex(hash: &[u8; 32]) -> String {
    hex::encode(hash)
}

/// A hash from its 64 hex digits (either case); `None` for anything else.
pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Why the chain does not hold at an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The entry's seq is not the next one (an entry before it is missing,
    /// or the entries are out of order).
    Gap { expected: i64 },
    /// The previous hash the entry carries is not the hash of the entry before it.
    WrongPrevHash,
    /// The entry's hash is not the hash of its own fields: a field was changed.
    WrongHash,
    /// A stored field cannot be read as an entry (an unknown kind, a hash that
    /// is not 64 hex digits); found by the storage layer.
    Unreadable,
}

impl Why {
    /// The code used in the API and the locale keys.
    pub fn code(self) -> &'static str {
        match self {
            Why::Gap { .. } => "gap",
            Why::WrongPrevHash => "wrong_prev_hash",
            Why::WrongHash => "wrong_hash",
            Why::Unreadable => "unreadable",
        }
    }

    pub fn message(self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Why::Gap { expected } => t_with(lang, "ledger.why.gap", &[("expected", &expected)]),
            Why::WrongPrevHash => t(lang, "ledger.why.wrong_prev_hash"),
            Why::WrongHash => t(lang, "ledger.why.wrong_hash"),
            Why::Unreadable => t(lang, "ledger.why.unreadable"),
        }
    }
}

/// The first entry at which the chain does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken {
    /// The seq the entry carries.
    pub seq: i64,
    pub why: Why,
}

/// Checks a chain one entry at a time, in seq order, so that a million
/// entries can be read page by page instead of all at once.
#[derive(Debug, Clone)]
pub struct Verifier {
    next_seq: i64,
    prev_hash: [u8; 32],
    checked: u64,
    buf: Vec<u8>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

impl Verifier {
    /// A verifier expecting a community's first entry.
    pub fn new() -> Verifier {
        Verifier { next_seq: 1, prev_hash: GENESIS, checked: 0, buf: Vec::with_capacity(512) }
    }

    /// Checks the next entry: its seq follows, it carries the previous hash,
    /// and its hash is the hash of its fields.
    pub fn push(&mut self, entry: &Entry) -> Result<(), Broken> {
        let seq = entry.body.seq;
        if seq != self.next_seq {
            return Err(Broken { seq, why: Why::Gap { expected: self.next_seq } });
        }
        if entry.prev_hash != self.prev_hash {
            return Err(Broken { seq, why: Why::WrongPrevHash });
        }
        if hash_with(&entry.prev_hash, &entry.body, &mut self.buf) != entry.hash {
            return Err(Broken { seq, why: Why::WrongHash });
        }
        self.next_seq += 1;
        self.prev_hash = entry.hash;
        self.checked += 1;
        Ok(())
    }

    /// A verifier picking the chain up after an entry that holds (seq and
    /// hash), to check a long chain in parts side by side.
    pub fn after(seq: i64, hash: [u8; 32]) -> Verifier {
        Verifier { next_seq: seq + 1, prev_hash: hash, checked: 0, buf: Vec::with_capacity(512) }
    }

    /// [`Verifier::push`] for an entry whose fields 4 to 12 of the canonical
    /// encoding (incident to time) were written by storage itself (SQLite's
    /// fast path): fields 1 to 3 are written here.
    pub fn push_encoded(
        &mut self,
        seq: i64,
        community_id: Uuid,
        rest: &[u8],
        prev_hash: &[u8; 32],
        hash: &[u8; 32],
    ) -> Result<(), Broken> {
        if seq != self.next_seq {
            return Err(Broken { seq, why: Why::Gap { expected: self.next_seq } });
        }
        if *prev_hash != self.prev_hash {
            return Err(Broken { seq, why: Why::WrongPrevHash });
        }
        self.buf.clear();
        encode_head(seq, community_id, &mut self.buf);
        let mut h = Sha256::new();
        h.update(prev_hash);
        h.update(&self.buf[..]);
        h.update(rest);
        let computed: [u8; 32] = h.finalize().into();
        if computed != *hash {
            return Err(Broken { seq, why: Why::WrongHash });
        }
        self.next_seq += 1;
        self.prev_hash = *hash;
        self.checked += 1;
        Ok(())
    }

    /// Entries checked so far.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The hash of the last entry checked ([`GENESIS`] before any).
    pub fn head(&self) -> [u8; 32] {
        self.prev_hash
    }
}

/// Recomputes the whole chain; `Ok` with the number of entries when it
/// holds, else the first entry that does not.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<u64, Broken> {
    let mut v = Verifier::new();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.checked())
}

/// One consignment's books (one line per item and unit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsignmentTotals {
    /// `None`: entries that name no consignment.
    pub consignment_id: Option<Uuid>,
    /// The title the consignment's latest entry carries.
    pub title: String,
    pub item: String,
    pub unit: String,
    pub received: i64,
    pub allocated: i64,
    pub delivered: i64,
    pub in_reserve: i64,
    pub written_off: i64,
}

impl ConsignmentTotals {
    /// Received and not yet allocated, held in reserve or written off
    /// (negative when more went out than came in, which the page shows).
    pub fn unaccounted(&self) -> i64 {
        self.received.saturating_sub(self.allocated).saturating_sub(self.in_reserve).saturating_sub(self.written_off)
    }

    /// Allocated and not yet confirmed at a door.
    pub fn awaiting_delivery(&self) -> i64 {
        self.allocated.saturating_sub(self.delivered)
    }
}

/// A stock's balance: the reserve pool's or the sharing shelf's, per item and unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockBalance {
    pub item: String,
    pub unit: String,
    /// Everything that went in.
    pub into: i64,
    /// Everything that went out.
    pub out: i64,
}

impl StockBalance {
    pub fn balance(&self) -> i64 {
        self.into.saturating_sub(self.out)
    }
}

/// The books of a community, summed from its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Books {
    /// Per consignment (in order of its first entry), then per item and unit.
    pub consignments: Vec<ConsignmentTotals>,
    /// The reserve pool (爱心储备池): held back from consignments plus stock in, less stock out.
    pub reserve_pool: Vec<StockBalance>,
    /// The sharing shelf (互助架).
    pub shelf: Vec<StockBalance>,
    pub entries: u64,
    pub last_at: Option<OffsetDateTime>,
}

/// Sums entries into a community's books, one entry at a time (so a million
/// entries need not be held at once).
#[derive(Debug, Default)]
pub struct Tally {
    consignments: Vec<ConsignmentTotals>,
    consignment_index: BTreeMap<(Option<Uuid>, String, String), usize>,
    reserve: Vec<StockBalance>,
    reserve_index: BTreeMap<(String, String), usize>,
    shelf: Vec<StockBalance>,
    shelf_index: BTreeMap<(String, String), usize>,
    titles: BTreeMap<Option<Uuid>, String>,
    entries: u64,
    last_at: Option<OffsetDateTime>,
}

fn stock<'a>(
    list: &'a mut Vec<StockBalance>,
    index: &mut BTreeMap<(String, String), usize>,
    item: &str,
    unit: &str,
) -> &'a mut StockBalance {
    let i = *index.entry((item.to_string(), unit.to_string())).or_insert_with(|| {
        list.push(StockBalance { item: item.to_string(), unit: unit.to_string(), into: 0, out: 0 });
        list.len() - 1
    });
    &mut list[i]
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    pub fn add(&mut self, e: &EntryBody) {
        self.entries += 1;
        self.last_at = Some(self.last_at.map_or(e.at, |t| t.max(e.at)));
        let q = e.quantity;
        // A consignment's title is the one its latest entry (of any kind) carries.
        match self.titles.get_mut(&e.consignment_id) {
            Some(title) => title.clone_from(&e.consignment_title),
            None => {
                self.titles.insert(e.consignment_id, e.consignment_title.clone());
            }
        }
        match e.kind {
            LedgerKind::ReserveIn => stock(&mut self.reserve, &mut self.reserve_index, &e.item, &e.unit).into += q,
            LedgerKind::ReserveOut => stock(&mut self.reserve, &mut self.reserve_index, &e.item, &e.unit).out += q,
            LedgerKind::ShelfIn => stock(&mut self.shelf, &mut self.shelf_index, &e.item, &e.unit).into += q,
            LedgerKind::ShelfOut => stock(&mut self.shelf, &mut self.shelf_index, &e.item, &e.unit).out += q,
            LedgerKind::Receipt
            | LedgerKind::Allocation
            | LedgerKind::Reserve
            | LedgerKind::Delivery
            | LedgerKind::WriteOff => {
                let key = (e.consignment_id, e.item.clone(), e.unit.clone());
                let list = &mut self.consignments;
                let i = *self.consignment_index.entry(key).or_insert_with(|| {
                    list.push(ConsignmentTotals {
                        consignment_id: e.consignment_id,
                        item: e.item.clone(),
                        unit: e.unit.clone(),
                        ..ConsignmentTotals::default()
                    });
                    list.len() - 1
                });
                let t = &mut list[i];
                let slot = match e.kind {
                    LedgerKind::Receipt => &mut t.received,
                    LedgerKind::Allocation => &mut t.allocated,
                    LedgerKind::Delivery => &mut t.delivered,
                    LedgerKind::WriteOff => &mut t.written_off,
                    _ => &mut t.in_reserve,
                };
                *slot = slot.saturating_add(q);
                if e.kind == LedgerKind::Reserve {
                    // Held back from a consignment: it is in the pool now.
                    let s = stock(&mut self.reserve, &mut self.reserve_index, &e.item, &e.unit);
                    s.into = s.into.saturating_add(q);
                }
            }
        }
    }

    pub fn finish(self) -> Books {
        let mut consignments = self.consignments;
        // One consignment's lines stay together, in order of its first entry.
        let mut first: BTreeMap<Option<Uuid>, usize> = BTreeMap::new();
        for (i, c) in consignments.iter().enumerate() {
            first.entry(c.consignment_id).or_insert(i);
        }
        for c in &mut consignments {
            if let Some(t) = self.titles.get(&c.consignment_id) {
                c.title.clone_from(t);
            }
        }
        consignments.sort_by_key(|c| first.get(&c.consignment_id).copied().unwrap_or(usize::MAX));
        Books {
            consignments,
            reserve_pool: self.reserve,
            shelf: self.shelf,
            entries: self.entries,
            last_at: self.last_at,
        }
    }
}

/// The books of a community from its entries (pure; see [`Tally`]).
pub fn books<'a>(entries: impl IntoIterator<Item = &'a EntryBody>) -> Books {
    let mut t = Tally::new();
    for e in entries {
        t.add(e);
    }
    t.finish()
}

/// The entries of one kind for one consignment, item and unit, summed (what
/// a GROUP BY in storage answers, so the public page need not read every entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub consignment_id: Option<Uuid>,
    /// The title of the consignment's latest entry.
    pub title: String,
    pub kind: LedgerKind,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub count: u64,
    /// The seq of the first of these entries (the books keep that order).
    pub first_seq: i64,
    pub last_at: OffsetDateTime,
}

/// The same books as [`books`] over the entries the sums were made from.
pub fn books_from_sums(mut sums: Vec<Sum>) -> Books {
    sums.sort_by_key(|s| s.first_seq);
    let mut t = Tally::new();
    let mut entries = 0u64;
    let mut last_at: Option<OffsetDateTime> = None;
    for s in sums {
        entries += s.count;
        last_at = Some(last_at.map_or(s.last_at, |t| t.max(s.last_at)));
        t.add(&EntryBody {
            seq: s.first_seq,
            community_id: Uuid::nil(),
            incident_id: Uuid::nil(),
            consignment_id: s.consignment_id,
            consignment_title: s.title,
            kind: s.kind,
            item: s.item,
            unit: s.unit,
            quantity: s.quantity,
            note: String::new(),
            at: s.last_at,
        });
    }
    let mut books = t.finish();
    books.entries = entries;
    books.last_at = last_at;
    books
}
