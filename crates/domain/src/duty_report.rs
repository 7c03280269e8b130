//! Duty reports (双报到) from a list, the pure part (SPEC §4.2): one row of a
//! work unit's list of deployed cadres, or of a community's list of nearby
//! party members (cells already read from the file by the `io` crate),
//! becomes a [`DutyReportRecord`] or a [`VolunteerRejectReason`]; rows that
//! repeat a phone number in one file are merged into one person.
//!
//! What is strict and what is forgiving:
//! - A person needs a name and a valid mobile number: the phone is how the
//!   committee reaches them and how the same person is recognised again.
//! - A 类别 or 免编原因 we cannot read rejects the row: a guess would put
//!   someone in the wrong branch, or group someone who is exempt.
//! - Skills, availability and preferred posts only guide grouping: words we
//!   do not know go into the note, so nothing written is lost.
//! - Placeholders offices type into empty cells ("/", "无", "-") mean blank.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::import::Cell;
use crate::lang::Lang;
use crate::phone::PhoneNumber;
use crate::text::{name_key, normalize_compact, normalize_name};
use crate::volunteer::{Availability, DayPart, ExemptReason, GroupFunctionSet, SkillSet, VolunteerKind};

/// One data row of a volunteer list, each field the cell under the recognised
/// header, or `None` when the file has no such column. Serializable, because
/// files are parsed in a child process and handed back as JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RawVolunteerRow {
    /// The row number as the spreadsheet shows it (Excel row; CSV line).
    pub row: u32,
    pub name: Option<Cell>,
    pub phone: Option<Cell>,
    /// Home compound in this community; blank when the person lives elsewhere.
    pub compound: Option<Cell>,
    pub building: Option<Cell>,
    pub kind: Option<Cell>,
    pub work_unit: Option<Cell>,
    pub party_org: Option<Cell>,
    pub skills: Option<Cell>,
    pub availability: Option<Cell>,
    pub preferred_posts: Option<Cell>,
    pub experienced: Option<Cell>,
    pub exempt: Option<Cell>,
    pub note: Option<Cell>,
}

/// A valid row of a volunteer list: one duty report, before the committee
/// verifies it.
#[derive(Debug, Clone, PartialEq)]
pub struct DutyReportRecord {
    pub row: u32,
    pub name: String,
    pub phone: PhoneNumber,
    /// `None`: lives outside the community (or the file does not say).
    pub compound: Option<String>,
    pub building: Option<String>,
    pub kind: VolunteerKind,
    pub work_unit: Option<String>,
    /// Set means a party member.
    pub party_org: Option<String>,
    pub skills: SkillSet,
    pub availability: Availability,
    pub preferred_posts: GroupFunctionSet,
    /// Has led a building or a group before (是否担任过楼组长 / 带队经验).
    pub experienced: bool,
    /// Set means recorded but not grouped.
    pub exempt: Option<ExemptReason>,
    /// The 备注 cell, plus every word of the other cells we did not
    /// understand ("特长：驯马"), so nothing written is lost.
    pub note: Option<String>,
}

impl DutyReportRecord {
    /// A party member is anyone with a party organisation.
    pub fn is_party_member(&self) -> bool {
        self.party_org.is_some()
    }
}

/// The free-text columns that have a length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextColumn {
    Compound,
    Building,
    WorkUnit,
    PartyOrg,
    Note,
}

impl TextColumn {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TextColumn::Compound => lang.pick("小区", "compound"),
            TextColumn::Building => lang.pick("楼号", "building"),
            TextColumn::WorkUnit => lang.pick("工作单位", "work unit"),
            TextColumn::PartyOrg => lang.pick("所在党组织", "party organisation"),
            TextColumn::Note => lang.pick("备注", "note"),
        }
    }

    /// Generous for what offices write; a whole pasted document is not a cell.
    pub fn max_chars(self) -> usize {
        match self {
            TextColumn::Compound | TextColumn::Building => 50,
            TextColumn::WorkUnit | TextColumn::PartyOrg => 100,
            TextColumn::Note => 500,
        }
    }
}

/// Why a row of a volunteer list was not imported. Every variant has a
/// Chinese and an English message; none of them repeats a phone number (the
/// words quoted back are cut short, and digits are masked if they could be one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolunteerRejectReason {
    MissingName,
    NameTooLong,
    MissingPhone,
    InvalidPhone,
    /// The 类别 cell, as written (shortened, masked).
    UnknownKind(String),
    /// The 免编原因 cell, as written (shortened, masked).
    UnknownExemptReason(String),
    /// The 是否担任过楼组长 / 带队经验 cell, as written (shortened, masked).
    InvalidExperienced(String),
    TooLong(TextColumn),
    /// A cell holds invisible control characters (NUL and the like).
    ControlCharacters,
}

impl VolunteerRejectReason {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        use VolunteerRejectReason::*;
        match self {
            ControlCharacters => t(lang, "input.control_characters"),
            MissingName => t(lang, "reason.duty_report.missing_name"),
            NameTooLong => t(lang, "reason.duty_report.name_too_long"),
            MissingPhone => t(lang, "reason.duty_report.missing_phone"),
            InvalidPhone => t(lang, "reason.duty_report.invalid_phone"),
            // The Chinese words are what a committee writes, in either language.
            UnknownKind(word) => t_with(
                lang,
                "reason.duty_report.unknown_kind",
                &[
                    ("word", word),
                    ("kinds", &zh_labels(VolunteerKind::ALL.iter().map(|k| k.label(Lang::Zh)))),
                    ("kinds_en", &en_labels(VolunteerKind::ALL.iter().map(|k| k.label(Lang::En)))),
                ],
            ),
            UnknownExemptReason(word) => t_with(
                lang,
                "reason.duty_report.unknown_exempt_reason",
                &[
                    ("word", word),
                    ("reasons", &zh_labels(ExemptReason::ALL.iter().map(|r| r.label(Lang::Zh)))),
                    ("reasons_en", &en_labels(ExemptReason::ALL.iter().map(|r| r.label(Lang::En)))),
                ],
            ),
            InvalidExperienced(word) => t_with(lang, "reason.duty_report.invalid_experienced", &[("word", word)]),
            TooLong(column) => t_with(
                lang,
                "reason.duty_report.too_long",
                &[("column", &column.label(lang)), ("max", &column.max_chars())],
            ),
        }
    }
}

fn zh_labels<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    labels.map(|l| format!("“{l}”")).collect::<Vec<_>>().join("")
}

fn en_labels<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    labels.collect::<Vec<_>>().join(", ")
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerRejectedRow {
    pub row: u32,
    pub reason: VolunteerRejectReason,
}

/// A row folded into an earlier row with the same phone number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergedRow {
    pub row: u32,
    pub into_row: u32,
    /// The two rows name different people: the later name is kept in the
    /// note, and the UI should ask someone to check.
    pub name_differs: bool,
}

impl MergedRow {
    pub fn message(&self, lang: Lang) -> String {
        let key =
            if self.name_differs { "reason.duty_report.merged_name_differs" } else { "reason.duty_report.merged" };
        crate::i18n::t_with(lang, key, &[("row", &self.row), ("into", &self.into_row)])
    }
}

/// Everything a list gave: the people (one per phone number, in order of
/// first appearance), the rows refused, and the rows merged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VolunteerParse {
    pub records: Vec<DutyReportRecord>,
    pub rejected: Vec<VolunteerRejectedRow>,
    pub merged: Vec<MergedRow>,
}

const MAX_NAME_CHARS: usize = 50;

/// What offices type into a cell they mean to leave empty.
const PLACEHOLDERS: &[&str] = &["/", "\\", "-", "--", "—", "——", "无", "暂无", "空", "n/a", "na", "null"];

/// What offices write in 所在党组织 for someone who is not a party member.
const NOT_PARTY: &[&str] = &["群众", "非党员", "否", "不是", "无党派", "无党派人士"];

/// Words for "all day" in 可服务时间, which the day parts alone do not read.
const ALL_DAY: &[&str] = &["全天", "全日", "全天候", "随时", "均可", "都可以", "不限", "24小时"];

/// Words for "daytime": morning and afternoon.
const DAYTIME: &[&str] = &["白天", "日间"];

const YES: &[&str] = &["是", "有", "√", "✓", "✔", "y", "yes", "true", "1", "担任过", "当过"];
const NO: &[&str] = &["否", "无", "没有", "不是", "×", "✗", "✘", "x", "n", "no", "false", "0", "未担任", "没当过"];

/// A cell as a person reads it, `None` when blank.
fn text_of(cell: &Option<Cell>) -> Option<String> {
    cell.as_ref().map(Cell::display).filter(|s| !s.is_empty())
}

/// Like [`text_of`], and a placeholder ("/", "无") counts as blank.
fn value_of(cell: &Option<Cell>) -> Option<String> {
    text_of(cell).filter(|s| !PLACEHOLDERS.contains(&normalize_compact(s).to_lowercase().as_str()))
}

/// A free-text value, refused when longer than its column allows.
fn limited(cell: &Option<Cell>, column: TextColumn) -> Result<Option<String>, VolunteerRejectReason> {
    match value_of(cell) {
        Some(s) if s.chars().count() > column.max_chars() => Err(VolunteerRejectReason::TooLong(column)),
        other => Ok(other),
    }
}

/// A cell quoted back in a message: cut short, and its digits masked when
/// there are enough of them to be a phone number typed in the wrong column.
fn quoted(s: &str) -> String {
    const MAX: usize = 20;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    if out.chars().filter(char::is_ascii_digit).count() >= 7 {
        out = out.chars().map(|c| if c.is_ascii_digit() { '*' } else { c }).collect();
    }
    out
}

/// "下沉干部（区卫健委）" -> ("下沉干部", Some("区卫健委")): offices add a
/// detail in parentheses (full-width ones are ASCII after normalising).
fn split_detail(s: &str) -> (&str, Option<&str>) {
    if let Some(inner) = s.strip_suffix(')')
        && let Some(open) = inner.find('(')
        && open > 0
    {
        let detail = inner[open + 1..].trim();
        return (inner[..open].trim(), (!detail.is_empty()).then_some(detail));
    }
    (s, None)
}

/// Reads a vocabulary word that may carry a detail in parentheses; the
/// detail goes to the note.
fn parse_with_detail<T>(text: &str, parse: impl Fn(&str) -> Option<T>, notes: &mut Vec<String>) -> Option<T> {
    if let Some(v) = parse(text) {
        return Some(v);
    }
    let (head, detail) = split_detail(text);
    let v = parse(head)?;
    notes.extend(detail.map(str::to_string));
    Some(v)
}

fn parse_availability(text: &str) -> (Availability, Vec<String>) {
    let (mut set, unknown) = Availability::parse_words(text);
    let mut rest = Vec::new();
    for word in unknown {
        let w = normalize_compact(&word);
        if ALL_DAY.contains(&w.as_str()) {
            set = Availability::all_day();
        } else if DAYTIME.contains(&w.as_str()) {
            set.insert(DayPart::Morning);
            set.insert(DayPart::Afternoon);
        } else {
            rest.push(word);
        }
    }
    (set, rest)
}

/// 是/否 and their spellings; free text that starts like an answer
/// ("有，曾任3号楼楼组长") is read as that answer and kept in the note.
fn parse_experienced(cell: &Option<Cell>, notes: &mut Vec<String>) -> Result<bool, VolunteerRejectReason> {
    let Some(text) = value_of(cell) else { return Ok(false) };
    let w = normalize_compact(&text).to_lowercase();
    if YES.contains(&w.as_str()) {
        return Ok(true);
    }
    if NO.contains(&w.as_str()) {
        return Ok(false);
    }
    let answer = if w.starts_with(['是', '有', '曾']) || w.starts_with("担任") {
        true
    } else if w.starts_with(['否', '无', '没', '未']) {
        false
    } else {
        return Err(VolunteerRejectReason::InvalidExperienced(quoted(&text)));
    };
    notes.push(format!("带队经验：{text}"));
    Ok(answer)
}

/// Interprets one row. `default_kind` is the kind of a row whose 类别 is blank
/// (or of every row, when the file has no 类别 column): a work unit's list is
/// of deployed cadres, a community's list of nearby members.
pub fn parse_volunteer_row(
    raw: &RawVolunteerRow,
    default_kind: VolunteerKind,
) -> Result<DutyReportRecord, VolunteerRejectReason> {
    use VolunteerRejectReason as R;

    let cells = [
        &raw.name,
        &raw.phone,
        &raw.compound,
        &raw.building,
        &raw.kind,
        &raw.work_unit,
        &raw.party_org,
        &raw.skills,
        &raw.availability,
        &raw.preferred_posts,
        &raw.experienced,
        &raw.exempt,
        &raw.note,
    ];
    if cells.iter().filter_map(|c| c.as_ref()).any(|c| c.has_control_chars()) {
        return Err(R::ControlCharacters);
    }
    let name = value_of(&raw.name).map(|n| normalize_name(&n)).ok_or(R::MissingName)?;
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(R::NameTooLong);
    }
    let phone = match value_of(&raw.phone) {
        None => return Err(R::MissingPhone),
        Some(p) => PhoneNumber::parse(&p).map_err(|_| R::InvalidPhone)?,
    };

    // Notes gathered from other cells, appended after the 备注 cell itself.
    let mut notes: Vec<String> = Vec::new();
    let kind = match value_of(&raw.kind) {
        None => default_kind,
        Some(k) => parse_with_detail(&k, VolunteerKind::parse, &mut notes).ok_or_else(|| R::UnknownKind(quoted(&k)))?,
    };
    let exempt = match value_of(&raw.exempt) {
        None => None,
        Some(e) => Some(
            parse_with_detail(&e, ExemptReason::parse, &mut notes).ok_or_else(|| R::UnknownExemptReason(quoted(&e)))?,
        ),
    };
    let experienced = parse_experienced(&raw.experienced, &mut notes)?;

    let compound = limited(&raw.compound, TextColumn::Compound)?;
    let building = limited(&raw.building, TextColumn::Building)?;
    let work_unit = limited(&raw.work_unit, TextColumn::WorkUnit)?;
    let party_org =
        limited(&raw.party_org, TextColumn::PartyOrg)?.filter(|p| !NOT_PARTY.contains(&normalize_compact(p).as_str()));
    let note = limited(&raw.note, TextColumn::Note)?;

    let mut unknown_words = |label: &str, words: Vec<String>| {
        if !words.is_empty() {
            notes.push(format!("{label}：{}", words.join("、")));
        }
    };
    let (skills, unknown) = value_of(&raw.skills).map_or_else(Default::default, |s| SkillSet::parse_words(&s));
    unknown_words("特长", unknown);
    let (availability, unknown) = value_of(&raw.availability).map_or_else(Default::default, |s| parse_availability(&s));
    unknown_words("可服务时间", unknown);
    let (preferred_posts, unknown) =
        value_of(&raw.preferred_posts).map_or_else(Default::default, |s| GroupFunctionSet::parse_words(&s));
    unknown_words("意向岗位", unknown);

    Ok(DutyReportRecord {
        row: raw.row,
        name,
        phone,
        compound,
        building,
        kind,
        work_unit,
        party_org,
        skills,
        availability,
        preferred_posts,
        experienced,
        exempt,
        note: join_notes(note.into_iter().chain(notes)),
    })
}

/// Notes joined with "；", each distinct one once.
fn join_notes(parts: impl IntoIterator<Item = String>) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    for part in parts {
        if !part.is_empty() && !seen.contains(&part) {
            seen.push(part);
        }
    }
    (!seen.is_empty()).then(|| seen.join("；"))
}

/// Folds rows that repeat a phone number into the first row with it: one
/// phone is one person. The first row wins for name, kind and addresses
/// unless its cell was blank; skills, availability and posts are unioned,
/// experience is OR'ed and notes are joined. Output keeps the order of first
/// appearance.
pub fn merge_duplicate_phones(records: Vec<DutyReportRecord>) -> (Vec<DutyReportRecord>, Vec<MergedRow>) {
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<DutyReportRecord> = Vec::with_capacity(records.len());
    let mut merged = Vec::new();
    for r in records {
        let first = first_of.get(r.phone.expose()).and_then(|i| kept.get_mut(*i));
        match first {
            Some(first) => {
                let name_differs = name_key(&first.name) != name_key(&r.name);
                merged.push(MergedRow { row: r.row, into_row: first.row, name_differs });
                absorb(first, r, name_differs);
            }
            None => {
                first_of.insert(r.phone.expose().to_string(), kept.len());
                kept.push(r);
            }
        }
    }
    (kept, merged)
}

fn absorb(first: &mut DutyReportRecord, later: DutyReportRecord, name_differs: bool) {
    // A building belongs to its compound: take the later one only with the
    // later compound, or when both rows name the same compound.
    let same_compound = match (&first.compound, &later.compound) {
        (Some(a), Some(b)) => name_key(a) == name_key(b),
        _ => false,
    };
    if first.compound.is_none() && later.compound.is_some() {
        first.compound = later.compound;
        if first.building.is_none() {
            first.building = later.building;
        }
    } else if same_compound && first.building.is_none() {
        first.building = later.building;
    }
    first.work_unit = first.work_unit.take().or(later.work_unit);
    first.party_org = first.party_org.take().or(later.party_org);
    first.exempt = first.exempt.or(later.exempt);
    for s in later.skills.iter() {
        first.skills.insert(s);
    }
    for d in later.availability.iter() {
        first.availability.insert(d);
    }
    for p in later.preferred_posts.iter() {
        first.preferred_posts.insert(p);
    }
    first.experienced |= later.experienced;
    // The other name is kept, so that a mistyped phone loses nobody.
    let other_name = name_differs.then(|| format!("第{}行同一手机号登记的姓名：{}", later.row, later.name));
    first.note = join_notes(first.note.take().into_iter().chain(later.note).chain(other_name));
}

/// Parses every row and merges repeated phone numbers: the whole pure part
/// of a volunteer list import.
pub fn parse_volunteer_rows(rows: &[RawVolunteerRow], default_kind: VolunteerKind) -> VolunteerParse {
    let mut records = Vec::with_capacity(rows.len());
    let mut rejected = Vec::new();
    for raw in rows {
        match parse_volunteer_row(raw, default_kind) {
            Ok(r) => records.push(r),
            Err(reason) => rejected.push(VolunteerRejectedRow { row: raw.row, reason }),
        }
    }
    let (records, merged) = merge_duplicate_phones(records);
    VolunteerParse { records, rejected, merged }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volunteer::{GroupFunction, Skill};

    fn t(s: &str) -> Option<Cell> {
        Some(Cell::Text(s.into()))
    }

    fn row(n: u32) -> RawVolunteerRow {
        RawVolunteerRow { row: n, name: t("王 建华"), phone: t("13912345678"), ..Default::default() }
    }

    fn parse(raw: &RawVolunteerRow) -> Result<DutyReportRecord, VolunteerRejectReason> {
        parse_volunteer_row(raw, VolunteerKind::DeployedCadre)
    }

    fn phone(s: &str) -> PhoneNumber {
        PhoneNumber::parse(s).expect("valid phone")
    }

    #[test]
    fn control_characters_in_any_cell_refuse_the_row() {
        let mut raw = row(4);
        raw.work_unit = t("区\u{0}卫健委");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::ControlCharacters));
        let mut raw = row(4);
        raw.note = t("夜班\n可以");
        assert!(parse(&raw).is_ok());
    }

    #[test]
    fn a_minimal_row_takes_the_default_kind() {
        let r = parse(&row(4)).expect("valid");
        assert_eq!(r.name, "王建华");
        assert_eq!(r.phone, phone("13912345678"));
        assert_eq!(r.kind, VolunteerKind::DeployedCadre);
        assert_eq!(
            (r.compound, r.building, r.work_unit, r.party_org, r.exempt, r.note),
            (None, None, None, None, None, None)
        );
        assert!(r.skills.is_empty() && r.availability.is_empty() && r.preferred_posts.is_empty());
        assert!(!r.experienced);
        assert_eq!(
            parse_volunteer_row(&row(4), VolunteerKind::NearbyMember).map(|r| r.kind),
            Ok(VolunteerKind::NearbyMember)
        );
    }

    #[test]
    fn a_full_row_reads_every_column() {
        let raw = RawVolunteerRow {
            row: 7,
            name: t("李敏"),
            phone: Some(Cell::Number(13812345678.0)),
            compound: t("云飞雅苑"),
            building: t("３号楼"),
            kind: t("就近报到党员"),
            work_unit: t("区卫健委"),
            party_org: t("区卫健委机关第一党支部"),
            skills: t("医护、驾驶"),
            availability: t("晚上，夜间"),
            preferred_posts: t("核酸检测/配药"),
            experienced: t("√"),
            exempt: t("医护在岗"),
            note: t("周末可全天"),
        };
        let r = parse(&raw).expect("valid");
        assert_eq!(r.phone, phone("13812345678"));
        assert_eq!(r.compound.as_deref(), Some("云飞雅苑"));
        assert_eq!(r.building.as_deref(), Some("3号楼"));
        assert_eq!(r.kind, VolunteerKind::NearbyMember);
        assert!(r.is_party_member());
        assert_eq!(r.skills, [Skill::Medical, Skill::Driving].into_iter().collect());
        assert_eq!(r.availability, [DayPart::Evening, DayPart::Night].into_iter().collect());
        assert_eq!(r.preferred_posts, [GroupFunction::Testing, GroupFunction::Medicine].into_iter().collect());
        assert!(r.experienced);
        assert_eq!(r.exempt, Some(ExemptReason::OnDutyMedical));
        assert_eq!(r.note.as_deref(), Some("周末可全天"));
    }

    #[test]
    fn missing_and_invalid_names_and_phones_are_named() {
        let mut raw = row(2);
        raw.name = t("  ");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::MissingName));
        raw.name = None;
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::MissingName));
        raw.name = t(&"王".repeat(51));
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::NameTooLong));

        let mut raw = row(2);
        raw.phone = None;
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::MissingPhone));
        raw.phone = t("　");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::MissingPhone));
        raw.phone = t("1391234567");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::InvalidPhone));
        raw.phone = t("021-64381234");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::InvalidPhone));
        raw.phone = t("１３９ １２３４ ５６７８");
        assert_eq!(parse(&raw).map(|r| r.phone), Ok(phone("13912345678")));
    }

    #[test]
    fn kinds_are_read_or_refused_never_guessed() {
        let mut raw = row(3);
        raw.kind = t("人大代表");
        assert_eq!(parse(&raw).map(|r| r.kind), Ok(VolunteerKind::Deputy));
        raw.kind = t("/");
        assert_eq!(parse(&raw).map(|r| r.kind), Ok(VolunteerKind::DeployedCadre));
        raw.kind = t("下沉干部（区卫健委）");
        let r = parse(&raw).expect("a detail in parentheses is kept in the note");
        assert_eq!((r.kind, r.note.as_deref()), (VolunteerKind::DeployedCadre, Some("区卫健委")));
        raw.kind = t("挂职干部");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::UnknownKind("挂职干部".into())));
    }

    #[test]
    fn exemptions_are_read_or_refused() {
        let mut raw = row(3);
        raw.exempt = t("公安在岗");
        assert_eq!(parse(&raw).map(|r| r.exempt), Ok(Some(ExemptReason::OnDutyPolice)));
        raw.exempt = t("无");
        assert_eq!(parse(&raw).map(|r| r.exempt), Ok(None));
        raw.exempt = t("出差");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::UnknownExemptReason("出差".into())));
    }

    #[test]
    fn experience_reads_yes_and_no_in_their_spellings() {
        let mut raw = row(3);
        for (cell, want) in [
            (t("是"), true),
            (t("有"), true),
            (t("√"), true),
            (Some(Cell::Number(1.0)), true),
            (t("否"), false),
            (t("无"), false),
            (t(""), false),
            (None, false),
        ] {
            raw.experienced = cell.clone();
            assert_eq!(parse(&raw).map(|r| (r.experienced, r.note)), Ok((want, None)), "{cell:?}");
        }
        raw.experienced = t("有，曾任3号楼楼组长");
        let r = parse(&raw).expect("valid");
        assert!(r.experienced);
        // Full-width punctuation is normalised, as in every cell.
        assert_eq!(r.note.as_deref(), Some("带队经验：有,曾任3号楼楼组长"));
        raw.experienced = t("不清楚");
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::InvalidExperienced("不清楚".into())));
    }

    #[test]
    fn unknown_words_go_to_the_note_not_to_the_rejects() {
        let mut raw = row(3);
        raw.note = t("会Excel");
        raw.skills = t("电工、驯马");
        raw.availability = t("全天");
        raw.preferred_posts = t("巡逻、做饭");
        let r = parse(&raw).expect("valid");
        assert_eq!(r.skills, [Skill::Electrician].into_iter().collect());
        assert_eq!(r.availability, Availability::all_day());
        assert_eq!(r.preferred_posts, [GroupFunction::Patrol].into_iter().collect());
        assert_eq!(r.note.as_deref(), Some("会Excel；特长：驯马；意向岗位：做饭"));

        raw.availability = t("白天 周末");
        let r = parse(&raw).expect("valid");
        assert_eq!(r.availability, [DayPart::Morning, DayPart::Afternoon].into_iter().collect());
        assert_eq!(r.note.as_deref(), Some("会Excel；特长：驯马；可服务时间：周末；意向岗位：做饭"));
    }

    #[test]
    fn placeholders_and_non_members_are_blank() {
        let mut raw = row(3);
        raw.compound = t("/");
        raw.building = t("—");
        raw.work_unit = t("无");
        raw.party_org = t("群众");
        let r = parse(&raw).expect("valid");
        assert!(!r.is_party_member());
        assert_eq!((r.compound, r.building, r.work_unit, r.party_org), (None, None, None, None));
    }

    #[test]
    fn overlong_text_is_refused_by_column() {
        let mut raw = row(3);
        raw.work_unit = t(&"局".repeat(101));
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::TooLong(TextColumn::WorkUnit)));
        let mut raw = row(3);
        raw.note = t(&"注".repeat(501));
        assert_eq!(parse(&raw), Err(VolunteerRejectReason::TooLong(TextColumn::Note)));
    }

    #[test]
    fn a_phone_in_the_wrong_column_is_not_repeated_in_the_message() {
        let mut raw = row(3);
        raw.kind = t("13812345678");
        let reason = parse(&raw).expect_err("not a kind");
        assert_eq!(reason, VolunteerRejectReason::UnknownKind("***********".into()));
        for lang in [Lang::Zh, Lang::En] {
            assert!(!reason.message(lang).contains("1381234"));
        }
        assert_eq!(quoted(&"很".repeat(30)).chars().count(), 21);
    }

    #[test]
    fn every_reason_has_a_chinese_and_an_english_message() {
        let reasons = [
            VolunteerRejectReason::MissingName,
            VolunteerRejectReason::NameTooLong,
            VolunteerRejectReason::MissingPhone,
            VolunteerRejectReason::InvalidPhone,
            VolunteerRejectReason::UnknownKind("挂职干部".into()),
            VolunteerRejectReason::UnknownExemptReason("出差".into()),
            VolunteerRejectReason::InvalidExperienced("不清楚".into()),
            VolunteerRejectReason::TooLong(TextColumn::PartyOrg),
        ];
        for r in reasons {
            let zh = r.message(Lang::Zh);
            let en = r.message(Lang::En);
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            assert!(en.starts_with(|c: char| c.is_ascii_lowercase()), "{en}");
            assert_ne!(zh, en);
        }
        let zh = VolunteerRejectReason::UnknownKind("挂职干部".into()).message(Lang::Zh);
        assert!(zh.contains("挂职干部") && zh.contains("“下沉干部”"), "{zh}");
    }

    fn record(n: u32, name: &str, phone_text: &str) -> DutyReportRecord {
        let mut raw = row(n);
        raw.name = t(name);
        raw.phone = t(phone_text);
        parse(&raw).expect("valid")
    }

    #[test]
    fn rows_with_one_phone_become_one_person_in_first_appearance_order() {
        let mut a = record(5, "王建华", "13912345678");
        a.skills.insert(Skill::Driving);
        a.availability.insert(DayPart::Morning);
        a.note = Some("组长人选".into());
        let b = record(6, "李敏", "13812345678");
        let mut c = record(12, "王 建华", "139-1234-5678");
        c.kind = VolunteerKind::NearbyMember;
        c.compound = Some("云飞雅苑".into());
        c.building = Some("3号楼".into());
        c.party_org = Some("第一党支部".into());
        c.skills.insert(Skill::Medical);
        c.availability.insert(DayPart::Night);
        c.preferred_posts.insert(GroupFunction::Supplies);
        c.experienced = true;
        c.exempt = Some(ExemptReason::OnDutyMedical);
        c.note = Some("组长人选".into());

        let (kept, merged) = merge_duplicate_phones(vec![a, b, c]);
        assert_eq!(kept.iter().map(|r| r.row).collect::<Vec<_>>(), vec![5, 6]);
        assert_eq!(merged, vec![MergedRow { row: 12, into_row: 5, name_differs: false }]);
        let w = &kept[0];
        assert_eq!(w.name, "王建华");
        // The first row's kind stands; its blank cells take the later row's values.
        assert_eq!(w.kind, VolunteerKind::DeployedCadre);
        assert_eq!((w.compound.as_deref(), w.building.as_deref()), (Some("云飞雅苑"), Some("3号楼")));
        assert_eq!(w.party_org.as_deref(), Some("第一党支部"));
        assert_eq!(w.skills, [Skill::Medical, Skill::Driving].into_iter().collect());
        assert_eq!(w.availability, [DayPart::Morning, DayPart::Night].into_iter().collect());
        assert_eq!(w.preferred_posts, [GroupFunction::Supplies].into_iter().collect());
        assert!(w.experienced);
        assert_eq!(w.exempt, Some(ExemptReason::OnDutyMedical));
        assert_eq!(w.note.as_deref(), Some("组长人选"));
        assert_eq!(merged[0].message(Lang::Zh), "第12行与第5行是同一手机号，已合并");
        assert_eq!(merged[0].message(Lang::En), "row 12 merged into row 5 (same phone)");
    }

    #[test]
    fn a_merge_keeps_the_first_address_and_a_different_name_in_the_note() {
        let mut a = record(5, "王建华", "13912345678");
        a.compound = Some("云飞雅苑".into());
        let mut b = record(9, "王小华", "13912345678");
        b.compound = Some("锦绣苑".into());
        b.building = Some("8号楼".into());
        let (kept, merged) = merge_duplicate_phones(vec![a, b]);
        assert_eq!(merged, vec![MergedRow { row: 9, into_row: 5, name_differs: true }]);
        // 8号楼 is in 锦绣苑, not in 云飞雅苑.
        assert_eq!((kept[0].compound.as_deref(), kept[0].building.as_deref()), (Some("云飞雅苑"), None));
        assert_eq!(kept[0].note.as_deref(), Some("第9行同一手机号登记的姓名：王小华"));
        assert!(merged[0].message(Lang::Zh).contains("请核对"));
    }

    #[test]
    fn parsing_many_rows_reports_rejects_and_merges() {
        let mut bad = row(3);
        bad.phone = t("12345");
        let rows = vec![row(2), bad, row(4)];
        let parsed = parse_volunteer_rows(&rows, VolunteerKind::ResidentVolunteer);
        assert_eq!(parsed.records.iter().map(|r| r.row).collect::<Vec<_>>(), vec![2]);
        assert_eq!(parsed.records[0].kind, VolunteerKind::ResidentVolunteer);
        assert_eq!(parsed.rejected, vec![VolunteerRejectedRow { row: 3, reason: VolunteerRejectReason::InvalidPhone }]);
        assert_eq!(parsed.merged, vec![MergedRow { row: 4, into_row: 2, name_differs: false }]);
    }
}
