//! The public supply ledger's chain (SPEC §4.5): an intact chain verifies;
//! any change to any field of any entry, a removed entry or two swapped
//! entries is found at that entry; the encoding is unambiguous; and the
//! books (per consignment, the reserve pool, the sharing shelf) add up.

use proptest::prelude::*;
use shouwang_domain::ledger::{
    self, Broken, ConsignmentTotals, Entry, EntryBody, GENESIS, LedgerKind, StockBalance, Why, books, chain, verify,
};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const COMMUNITY: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
const INCIDENT: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002);

fn text() -> impl Strategy<Value = String> {
    // Separators of the encoding, Chinese, and empty texts on purpose.
    prop::string::string_regex("[a-c0-9:,蔬菜包箱 ]{0,6}").expect("regex")
}

fn kind() -> impl Strategy<Value = LedgerKind> {
    prop::sample::select(LedgerKind::ALL.to_vec())
}

/// The fields of one entry, without its seq.
fn body() -> impl Strategy<Value = EntryBody> {
    (prop::option::of(0u128..4), text(), kind(), text(), text(), 1i64..=10_000_000, text(), 0i64..2_000_000_000)
        .prop_map(|(consignment, title, kind, item, unit, quantity, note, secs)| EntryBody {
            seq: 0,
            community_id: COMMUNITY,
            incident_id: INCIDENT,
            consignment_id: consignment.map(|c| Uuid::from_u128(0x0193_0000_0000_7000_9000_0000_0000_0000 + c)),
            consignment_title: title,
            kind,
            item,
            unit,
            quantity,
            note,
            at: OffsetDateTime::from_unix_timestamp(secs).expect("time") + time::Duration::microseconds(secs % 997),
        })
}

/// A chain of the given bodies, numbered from 1.
fn chained(bodies: Vec<EntryBody>) -> Vec<Entry> {
    let mut prev = GENESIS;
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, mut b)| {
            b.seq = i as i64 + 1;
            let e = chain(prev, b);
            prev = e.hash;
            e
        })
        .collect()
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    prop::collection::vec(body(), 1..12).prop_map(chained)
}

/// Changes field `field` (0..14) of `e` to a different value.
fn tamper(e: &mut Entry, field: usize, salt: u8) {
    let b = &mut e.body;
    match field {
        0 => b.seq += 1 + i64::from(salt % 3),
        1 => b.community_id = Uuid::from_u128(b.community_id.as_u128() ^ (1 + u128::from(salt))),
        2 => b.incident_id = Uuid::from_u128(b.incident_id.as_u128() ^ (1 + u128::from(salt))),
        3 => {
            b.consignment_id = match b.consignment_id {
                Some(_) if salt.is_multiple_of(2) => None,
                Some(id) => Some(Uuid::from_u128(id.as_u128() ^ 1)),
                None => Some(Uuid::from_u128(u128::from(salt))),
            }
        }
        4 => b.consignment_title.push('x'),
        5 => {
            let i = LedgerKind::ALL.iter().position(|k| *k == b.kind).expect("a kind");
            b.kind = LedgerKind::ALL[(i + 1 + usize::from(salt) % 8) % LedgerKind::ALL.len()];
        }
        6 => b.item.insert(0, '菜'),
        7 => b.unit.push(','),
        8 => b.quantity = if b.quantity > 1 { b.quantity - 1 } else { b.quantity + 1 + i64::from(salt) },
        9 => b.note.push_str("多报"),
        10 => b.at += time::Duration::microseconds(1 + i64::from(salt)),
        11 => b.at -= time::Duration::days(1 + i64::from(salt)),
        12 => e.prev_hash[usize::from(salt) % 32] ^= 1,
        _ => e.hash[usize::from(salt) % 32] ^= 0x80,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_intact_chain_verifies(chain in entries()) {
        prop_assert_eq!(verify(&chain), Ok(chain.len() as u64));
    }

    /// Whichever field of whichever entry is changed, verification stops at that entry.
    #[test]
    fn any_change_is_found_at_that_entry(
        mut chain in entries(),
        at in any::<prop::sample::Index>(),
        field in 0usize..14,
        salt in any::<u8>(),
    ) {
        let i = at.index(chain.len());
        let seq = chain[i].body.seq;
        tamper(&mut chain[i], field, salt);
        let broken = verify(&chain).expect_err("a changed entry breaks the chain");
        prop_assert_eq!(broken.seq, chain[i].body.seq, "named by the seq it carries");
        let expected_why = match field {
            0 => Why::Gap { expected: seq },
            12 => Why::WrongPrevHash,
            _ => Why::WrongHash,
        };
        prop_assert_eq!(broken.why, expected_why);
    }

    /// A removed entry is found at the one after it.
    #[test]
    fn a_removed_entry_is_found(mut chain in entries(), at in any::<prop::sample::Index>()) {
        prop_assume!(chain.len() >= 2);
        let i = at.index(chain.len() - 1);
        let removed = chain.remove(i);
        prop_assert_eq!(
            verify(&chain),
            Err(Broken { seq: removed.body.seq + 1, why: Why::Gap { expected: removed.body.seq } })
        );
    }

    /// Two entries swapped (also with their seqs renumbered) are found at the first of them.
    #[test]
    fn swapped_entries_are_found(mut chain in entries(), at in any::<prop::sample::Index>(), renumber in any::<bool>()) {
        prop_assume!(chain.len() >= 2);
        let i = at.index(chain.len() - 1);
        chain.swap(i, i + 1);
        if renumber {
            chain[i].body.seq -= 1;
            chain[i + 1].body.seq += 1;
        }
        let broken = verify(&chain).expect_err("out of order");
        prop_assert_eq!(broken.seq, chain[i].body.seq);
    }

    /// Two different entries never encode alike: whatever the texts hold,
    /// moving characters from one field to the next changes the bytes.
    #[test]
    fn the_encoding_is_unambiguous(a in body(), b in body()) {
        prop_assert_eq!(a == b, a.encode() == b.encode());
        let mut shifted = a.clone();
        if let Some(c) = shifted.consignment_title.pop() {
            shifted.item.insert(0, c);
            prop_assert_ne!(a.encode(), shifted.encode());
        }
    }

    /// The books equal a plain sum per consignment, item and unit.
    #[test]
    fn books_add_up(bodies in prop::collection::vec(body(), 0..40)) {
        let b = books(&bodies);
        prop_assert_eq!(b.entries, bodies.len() as u64);
        prop_assert_eq!(b.last_at, bodies.iter().map(|e| e.at).max());
        for line in &b.consignments {
            let sum = |k: LedgerKind| -> i64 {
                bodies
                    .iter()
                    .filter(|e| e.kind == k && e.consignment_id == line.consignment_id && e.item == line.item && e.unit == line.unit)
                    .map(|e| e.quantity)
                    .sum()
            };
            prop_assert_eq!(line.received, sum(LedgerKind::Receipt));
            prop_assert_eq!(line.allocated, sum(LedgerKind::Allocation));
            prop_assert_eq!(line.delivered, sum(LedgerKind::Delivery));
            prop_assert_eq!(line.in_reserve, sum(LedgerKind::Reserve));
            prop_assert_eq!(line.written_off, sum(LedgerKind::WriteOff));
        }
        let consignment_kinds = [LedgerKind::Receipt, LedgerKind::Allocation, LedgerKind::Reserve, LedgerKind::Delivery, LedgerKind::WriteOff];
        let in_lines: i64 = b.consignments.iter().map(|l| l.received + l.allocated + l.delivered + l.in_reserve + l.written_off).sum();
        let in_bodies: i64 = bodies.iter().filter(|e| consignment_kinds.contains(&e.kind)).map(|e| e.quantity).sum();
        prop_assert_eq!(in_lines, in_bodies, "every consignment entry is counted once");
        let pool: i64 = b.reserve_pool.iter().map(StockBalance::balance).sum();
        let pool_expected: i64 = bodies
            .iter()
            .map(|e| match e.kind {
                LedgerKind::Reserve | LedgerKind::ReserveIn => e.quantity,
                LedgerKind::ReserveOut => -e.quantity,
                _ => 0,
            })
            .sum();
        prop_assert_eq!(pool, pool_expected);
        let shelf: i64 = b.shelf.iter().map(StockBalance::balance).sum();
        let shelf_expected: i64 = bodies
            .iter()
            .map(|e| match e.kind {
                LedgerKind::ShelfIn => e.quantity,
                LedgerKind::ShelfOut => -e.quantity,
                _ => 0,
            })
            .sum();
        prop_assert_eq!(shelf, shelf_expected);
    }
}

fn entry(consignment: Option<Uuid>, kind: LedgerKind, item: &str, quantity: i64, minute: i64) -> EntryBody {
    EntryBody {
        seq: 0,
        community_id: COMMUNITY,
        incident_id: INCIDENT,
        consignment_id: consignment,
        consignment_title: if consignment.is_some() { "浦东保供蔬菜包 500箱".into() } else { String::new() },
        kind,
        item: item.into(),
        unit: "箱".into(),
        quantity,
        note: String::new(),
        at: datetime!(2022-04-10 20:00 UTC) + time::Duration::minutes(minute),
    }
}

/// The seed morning: 500 boxes received, 470 to households, 20 held back,
/// 10 crushed, 460 at the door so far; 永丰's pool and a sharing shelf.
#[test]
fn the_books_of_a_morning() {
    let veg = Some(Uuid::from_u128(7));
    let bodies = vec![
        entry(veg, LedgerKind::Receipt, "蔬菜包", 500, 0),
        entry(veg, LedgerKind::Allocation, "蔬菜包", 470, 10),
        entry(veg, LedgerKind::Reserve, "蔬菜包", 20, 11),
        entry(veg, LedgerKind::WriteOff, "蔬菜包", 10, 12),
        entry(veg, LedgerKind::Delivery, "蔬菜包", 460, 300),
        entry(None, LedgerKind::ReserveIn, "蔬菜包", 400, 20),
        entry(None, LedgerKind::ReserveOut, "蔬菜包", 5, 30),
        entry(None, LedgerKind::ShelfIn, "鸡蛋", 3, 40),
        entry(None, LedgerKind::ShelfOut, "鸡蛋", 1, 50),
    ];
    let b = books(&bodies);
    assert_eq!(
        b.consignments,
        vec![ConsignmentTotals {
            consignment_id: veg,
            title: "浦东保供蔬菜包 500箱".into(),
            item: "蔬菜包".into(),
            unit: "箱".into(),
            received: 500,
            allocated: 470,
            delivered: 460,
            in_reserve: 20,
            written_off: 10,
        }]
    );
    assert_eq!(b.consignments[0].unaccounted(), 0, "received = allocated + reserve + written off");
    assert_eq!(b.consignments[0].awaiting_delivery(), 10);
    assert_eq!(b.reserve_pool.iter().map(StockBalance::balance).collect::<Vec<_>>(), vec![415]);
    assert_eq!(b.shelf.iter().map(|s| (s.item.as_str(), s.balance())).collect::<Vec<_>>(), vec![("鸡蛋", 2)]);
    assert_eq!(b.entries, 9);
    assert_eq!(b.last_at, Some(datetime!(2022-04-11 01:00 UTC)));
}

/// The encoding and hash of one entry, pinned: the browser's JavaScript
/// (`crates/web/assets/ledger.js`) is checked against the same bytes in the
/// web tests, and a change here breaks every stored chain.
#[test]
fn the_encoding_is_pinned() {
    let mut body = entry(Some(Uuid::from_u128(7)), LedgerKind::Receipt, "蔬菜包", 500, 0);
    body.seq = 1;
    body.note = "凌晨到货, 1:1 清点".into();
    body.at += time::Duration::microseconds(123_451);
    let text = String::from_utf8(body.encode()).expect("utf-8");
    assert_eq!(
        text,
        "18:shouwang-ledger-v1,1:1,36:01930000-0000-7000-8000-000000000001,\
         36:01930000-0000-7000-8000-000000000002,36:00000000-0000-0000-0000-000000000007,\
         28:浦东保供蔬菜包 500箱,7:receipt,9:蔬菜包,3:箱,3:500,24:凌晨到货, 1:1 清点,\
         27:2022-04-10T20:00:00.123451Z,"
    );
    // Storage's fast path writes fields 4 to 12 itself after these three.
    let mut head = Vec::new();
    ledger::encode_head(1, COMMUNITY, &mut head);
    assert_eq!(head, b"18:shouwang-ledger-v1,1:1,36:01930000-0000-7000-8000-000000000001,");
    assert!(body.encode().starts_with(&head));
    let e = chain(GENESIS, body);
    assert_eq!(ledger::to_hex(&e.hash), PINNED_HASH);
    assert_eq!(ledger::from_hex(PINNED_HASH), Some(e.hash));
    assert_eq!(ledger::from_hex(&PINNED_HASH.to_uppercase()), Some(e.hash));
    assert_eq!(ledger::from_hex("00"), None);
}

/// Computed independently: `hashlib.sha256(bytes(32) + encoding).hexdigest()` in Python.
const PINNED_HASH: &str = "fbd170172e1d78d2918fda9138c6d03d65123b3143b4102ef813151d48b2d75d";

#[test]
fn every_kind_has_a_code_and_two_labels() {
    for k in LedgerKind::ALL {
        assert_eq!(LedgerKind::from_code(k.code()), Some(*k));
        assert_ne!(k.label(shouwang_domain::Lang::Zh), k.label(shouwang_domain::Lang::En));
    }
    assert_eq!(
        LedgerKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>(),
        [
            "receipt",
            "allocation",
            "reserve",
            "delivery",
            "write_off",
            "reserve_in",
            "reserve_out",
            "shelf_in",
            "shelf_out"
        ]
    );
    assert_eq!(LedgerKind::from_code("gift"), None);
}

#[test]
fn bad_fields_are_refused() {
    let ok = entry(None, LedgerKind::ShelfIn, "鸡蛋", 1, 0);
    assert_eq!(ok.check(), Ok(()));
    for (q, fine) in [(0, false), (1, true), (10_000_000, true), (10_000_001, false), (-5, false)] {
        let e = EntryBody { quantity: q, ..ok.clone() };
        assert_eq!(e.check().is_ok(), fine, "{q}");
    }
    assert_eq!(EntryBody { item: " ".into(), ..ok.clone() }.check(), Err(ledger::Refusal::Empty));
    assert_eq!(EntryBody { note: "多".repeat(501), ..ok.clone() }.check(), Err(ledger::Refusal::TooLong));
    assert_eq!(EntryBody { note: "多".repeat(500), ..ok }.check(), Ok(()));
}

/// Entries summed per consignment, kind, item and unit, as storage's GROUP BY does.
fn sums_of(bodies: &[EntryBody]) -> Vec<ledger::Sum> {
    use std::collections::BTreeMap;
    let mut titles: BTreeMap<Option<Uuid>, String> = BTreeMap::new();
    for b in bodies {
        titles.insert(b.consignment_id, b.consignment_title.clone());
    }
    let mut sums: BTreeMap<(Option<Uuid>, &'static str, String, String), ledger::Sum> = BTreeMap::new();
    for (i, b) in bodies.iter().enumerate() {
        let s = sums.entry((b.consignment_id, b.kind.code(), b.item.clone(), b.unit.clone())).or_insert(ledger::Sum {
            consignment_id: b.consignment_id,
            title: titles[&b.consignment_id].clone(),
            kind: b.kind,
            item: b.item.clone(),
            unit: b.unit.clone(),
            quantity: 0,
            count: 0,
            first_seq: i as i64 + 1,
            last_at: b.at,
        });
        s.quantity += b.quantity;
        s.count += 1;
        s.last_at = s.last_at.max(b.at);
    }
    sums.into_values().collect()
}

proptest! {
    /// The books from storage's sums are the books from the entries.
    #[test]
    fn books_from_sums_are_the_books(bodies in prop::collection::vec(body(), 0..40)) {
        prop_assert_eq!(ledger::books_from_sums(sums_of(&bodies)), books(&bodies));
    }
}
