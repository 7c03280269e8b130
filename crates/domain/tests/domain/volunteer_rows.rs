//! Volunteer rows from arbitrary cells: parsing never panics, merging keeps
//! one record per phone in order of first appearance, and no message repeats
//! a phone number, wherever in the row it was typed.

use proptest::prelude::*;
use shouwang_domain::{Cell, Lang, RawVolunteerRow, VolunteerKind, merge_duplicate_phones, parse_volunteer_rows};

/// Cells as offices fill them: vocabulary words, placeholders, phone numbers
/// (valid, mistyped, full-width) and anything else.
fn cell() -> impl Strategy<Value = Option<Cell>> {
    let text = prop_oneof![
        Just(String::new()),
        Just("/".to_string()),
        Just("下沉干部".to_string()),
        Just("医护在岗".to_string()),
        Just("是".to_string()),
        Just("医护、驾驶，驯马".to_string()),
        Just("全天".to_string()),
        "1[3-9][0-9]{9}",
        "1[3-9][0-9]{8}",
        "[０-９]{11}",
        "\\PC{0,30}",
    ];
    prop_oneof![
        1 => Just(None),
        8 => text.prop_map(|s| Some(Cell::Text(s))),
        1 => (13_000_000_000u64..20_000_000_000).prop_map(|n| Some(Cell::Number(n as f64))),
    ]
}

fn raw_row() -> impl Strategy<Value = RawVolunteerRow> {
    let a = (cell(), cell(), cell(), cell(), cell(), cell(), cell());
    let b = (cell(), cell(), cell(), cell(), cell(), cell());
    (a, b).prop_map(
        |((name, phone, compound, building, kind, work_unit, party_org), (s, av, posts, ex, exempt, note))| {
            RawVolunteerRow {
                row: 0,
                name,
                phone,
                compound,
                building,
                kind,
                work_unit,
                party_org,
                skills: s,
                availability: av,
                preferred_posts: posts,
                experienced: ex,
                exempt,
                note,
            }
        },
    )
}

/// Every run of 7 or more ASCII digits in the row's cells (after the
/// full-width digits a person typed are read as ASCII).
fn digit_runs(row: &RawVolunteerRow) -> Vec<String> {
    let cells = [
        &row.name,
        &row.phone,
        &row.compound,
        &row.building,
        &row.kind,
        &row.work_unit,
        &row.party_org,
        &row.skills,
        &row.availability,
        &row.preferred_posts,
        &row.experienced,
        &row.exempt,
        &row.note,
    ];
    let mut runs = Vec::new();
    for c in cells.into_iter().flatten() {
        let text = c.display();
        for run in text.split(|ch: char| !ch.is_ascii_digit()).filter(|r| r.len() >= 7) {
            runs.push(run.to_string());
        }
    }
    runs
}

proptest! {
    #[test]
    fn any_row_parses_or_is_refused_without_repeating_a_number(rows in prop::collection::vec(raw_row(), 0..12)) {
        let rows: Vec<RawVolunteerRow> =
            rows.into_iter().enumerate().map(|(i, mut r)| { r.row = i as u32 + 2; r }).collect();
        let parsed = parse_volunteer_rows(&rows, VolunteerKind::NearbyMember);
        prop_assert_eq!(parsed.records.len() + parsed.rejected.len() + parsed.merged.len(), rows.len());
        for rejected in &parsed.rejected {
            let row = &rows[(rejected.row - 2) as usize];
            for lang in [Lang::Zh, Lang::En] {
                let message = rejected.reason.message(lang);
                for run in digit_runs(row) {
                    prop_assert!(!message.contains(&run[..7]), "{} in {}", run, message);
                }
            }
        }
        let mut phones: Vec<&str> = parsed.records.iter().map(|r| r.phone.expose()).collect();
        let rows_in_order: Vec<u32> = parsed.records.iter().map(|r| r.row).collect();
        prop_assert!(rows_in_order.windows(2).all(|w| w[0] < w[1]));
        phones.sort_unstable();
        phones.dedup();
        prop_assert_eq!(phones.len(), parsed.records.len());
        for m in &parsed.merged {
            prop_assert!(m.into_row < m.row);
            prop_assert!(rows_in_order.contains(&m.into_row));
        }
        // Merging is idempotent: a second pass finds nothing.
        let (again, merged) = merge_duplicate_phones(parsed.records.clone());
        prop_assert_eq!(again, parsed.records);
        prop_assert!(merged.is_empty());
    }
}
