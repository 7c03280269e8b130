//! Recognising column names as committees write them: "姓名", "*姓名（必填）",
//! "联系电话", "幢", "门牌号"... and deciding which column feeds which field.

use shouwang_domain::text::normalize_compact;
use shouwang_domain::{BirthColumn, Cell, RawResidentRow};

use crate::collect::{ColumnSlot, Layout, join_cells};
use crate::{Field, ReadError, ResidentSheet};

/// The field a header text stands for, if any.
pub(crate) fn field_of(header: &str) -> Option<Field> {
    let key = header_key(header);
    let field = match key.as_str() {
        "姓名" | "名字" | "居民姓名" => Field::Name,
        "手机" | "手机号" | "手机号码" | "联系电话" | "电话" | "联系方式" => Field::Phone,
        "小区" | "小区名称" | "小区名" => Field::Compound,
        "楼号" | "楼栋" | "幢" | "栋" | "楼栋号" | "幢号" | "楼" => Field::Building,
        "室号" | "房号" | "门牌" | "门牌号" | "房间号" | "室" => Field::Room,
        "性别" => Field::Gender,
        "出生年份" | "出生年" => Field::Birth(BirthColumn::Year),
        "出生日期" | "出生年月" | "生日" => Field::Birth(BirthColumn::Date),
        "年龄" => Field::Birth(BirthColumn::Age),
        "身份证号" | "身份证号码" | "证件号码" | "证件号" | "身份证" => Field::IdCard,
        "标签" | "特殊情况" | "备注" | "特殊人群" => Field::Tags,
        _ => return None,
    };
    Some(field)
}

/// "＊ 姓 名（必填）" -> "姓名": full-width forms and spaces go (the domain's
/// normaliser), then the required-marks and parenthesised hints templates add.
pub(crate) fn header_key(header: &str) -> String {
    let s = normalize_compact(header);
    let mut s = s.trim_matches(['*', ':']);
    // Full-width parentheses are already ASCII after normalising.
    if s.ends_with(')')
        && let Some(open) = s.rfind('(')
        && open > 0
    {
        s = &s[..open];
    }
    s.trim_matches(['*', ':']).to_string()
}

/// A recognised column of the header row: 0-based column, field, text as written.
#[derive(Debug, Clone)]
pub(crate) struct HeaderCell<F = Field> {
    pub col: u32,
    pub field: F,
    pub text: String,
}

/// Whether a row looks like the header: 姓名 plus at least two other fields,
/// so that a lone "姓名" in an instructions paragraph does not count.
pub(crate) fn is_header(cells: &[HeaderCell]) -> bool {
    let mut others: Vec<Field> = Vec::new();
    let mut has_name = false;
    for c in cells {
        if c.field == Field::Name {
            has_name = true;
        } else if !others.contains(&c.field) {
            others.push(c.field);
        }
    }
    has_name && others.len() >= 2
}

/// The columns that feed each field, once the header row is known.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub name: u32,
    pub gender: Option<u32>,
    pub birth: Option<(BirthColumn, u32)>,
    pub phone: Option<u32>,
    pub id_card: Option<u32>,
    pub compound: Option<u32>,
    pub building: u32,
    pub room: u32,
    /// Several tag columns (标签 and 备注) are joined: nothing written is lost.
    pub tags: Vec<u32>,
    /// The columns used, in file order, for [`crate::ResidentSheet::columns`].
    pub columns: Vec<(Field, String)>,
}

impl Plan {
    /// Resolves the header row into a plan, or says why the file cannot be read.
    pub(crate) fn new(cells: &[HeaderCell]) -> Result<Plan, ReadError> {
        let cols_of = |field: Field| cells.iter().filter(move |c| c.field == field).map(|c| c.col);
        let single = |field: Field| -> Result<Option<u32>, ReadError> {
            let mut it = cols_of(field);
            let first = it.next();
            if it.next().is_some() {
                return Err(ReadError::DuplicateColumn(field));
            }
            Ok(first)
        };

        let missing: Vec<Field> =
            [Field::Name, Field::Building, Field::Room].into_iter().filter(|f| cols_of(*f).next().is_none()).collect();
        if !missing.is_empty() {
            return Err(ReadError::MissingColumns(missing));
        }

        // A roster with both 出生日期 and 年龄 is common and not ambiguous:
        // the most precise column wins, the others are ignored.
        let birth_kind = [BirthColumn::Date, BirthColumn::Year, BirthColumn::Age]
            .into_iter()
            .find(|k| cols_of(Field::Birth(*k)).next().is_some());
        let birth = match birth_kind {
            Some(kind) => single(Field::Birth(kind))?.map(|col| (kind, col)),
            None => None,
        };

        let (name, building, room) = match (single(Field::Name)?, single(Field::Building)?, single(Field::Room)?) {
            (Some(n), Some(b), Some(r)) => (n, b, r),
            // Checked above; kept total rather than panicking.
            _ => return Err(ReadError::MissingColumns(missing)),
        };

        let mut plan = Plan {
            name,
            gender: single(Field::Gender)?,
            birth,
            phone: single(Field::Phone)?,
            id_card: single(Field::IdCard)?,
            compound: single(Field::Compound)?,
            building,
            room,
            tags: cols_of(Field::Tags).collect(),
            columns: Vec::new(),
        };
        plan.columns = cells
            .iter()
            .filter(|c| !matches!(c.field, Field::Birth(k) if Some(k) != birth_kind))
            .map(|c| (c.field, c.text.clone()))
            .collect();
        Ok(plan)
    }

    /// Every column the plan reads, with the slot its value goes to.
    pub(crate) fn slots(&self) -> Vec<(u32, Slot)> {
        let mut v = vec![(self.name, Slot::Name), (self.building, Slot::Building), (self.room, Slot::Room)];
        let optional = [
            (self.gender, Slot::Gender),
            (self.birth.map(|(_, c)| c), Slot::Birth),
            (self.phone, Slot::Phone),
            (self.id_card, Slot::IdCard),
            (self.compound, Slot::Compound),
        ];
        v.extend(optional.into_iter().filter_map(|(c, s)| c.map(|c| (c, s))));
        v.extend(self.tags.iter().enumerate().map(|(i, c)| (*c, Slot::Tags(i))));
        v.sort_by_key(|(c, _)| *c);
        v
    }
}

impl Layout for Plan {
    type Field = Field;
    type Row = RawResidentRow;
    type Sheet = ResidentSheet;

    fn field_of(header: &str) -> Option<Field> {
        field_of(header)
    }

    fn is_header(cells: &[HeaderCell]) -> bool {
        is_header(cells)
    }

    fn plan(cells: &[HeaderCell]) -> Result<Plan, ReadError> {
        Plan::new(cells)
    }

    fn no_header() -> ReadError {
        ReadError::NoHeaderRow
    }

    fn column_slots(&self) -> Vec<ColumnSlot> {
        // Rosters merge 小区 and 楼号, and any other column read may be merged too.
        self.slots().into_iter().map(|(col, slot)| ColumnSlot { col, slot: slot.index(), fill_down: true }).collect()
    }

    fn slot_count(&self) -> usize {
        Slot::Tags(0).index() + self.tags.len()
    }

    fn row(&self, number: u32, values: &mut [Option<Cell>]) -> RawResidentRow {
        // A column that exists gives Some even when its cell is empty: the
        // domain tells "no 小区 column" (default compound) from "blank 小区".
        let mut take = |slot: Slot, exists: bool| {
            exists.then(|| values[slot.index()].take().unwrap_or_else(|| Cell::Text(String::new())))
        };
        let mut raw = RawResidentRow {
            row: number,
            name: take(Slot::Name, true),
            gender: take(Slot::Gender, self.gender.is_some()),
            birth: None,
            phone: take(Slot::Phone, self.phone.is_some()),
            id_card: take(Slot::IdCard, self.id_card.is_some()),
            compound: take(Slot::Compound, self.compound.is_some()),
            building: take(Slot::Building, true),
            room: take(Slot::Room, true),
            tags: None,
        };
        if let Some((kind, _)) = self.birth {
            raw.birth = take(Slot::Birth, true).map(|c| (kind, c));
        }
        // Several tag columns (标签 and 备注) become one cell.
        if !self.tags.is_empty() {
            raw.tags = Some(join_cells(values[Slot::Tags(0).index()..].iter_mut().filter_map(Option::take)));
        }
        // A masked ID ("110101********1234") is what our own export writes; it
        // passes through as text and the domain reads it as "no new number".
        raw
    }

    fn into_sheet(self, sheet_name: String, header_row: u32, rows: Vec<RawResidentRow>) -> ResidentSheet {
        ResidentSheet { sheet_name, header_row, columns: self.columns, rows }
    }
}

/// Where a column's value goes in a row; `Tags(i)` is the i-th tag column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Name,
    Gender,
    Birth,
    Phone,
    IdCard,
    Compound,
    Building,
    Room,
    Tags(usize),
}

impl Slot {
    /// Position in a row's value buffer; tag columns come last.
    pub(crate) fn index(self) -> usize {
        match self {
            Slot::Name => 0,
            Slot::Gender => 1,
            Slot::Birth => 2,
            Slot::Phone => 3,
            Slot::IdCard => 4,
            Slot::Compound => 5,
            Slot::Building => 6,
            Slot::Room => 7,
            Slot::Tags(i) => 8 + i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(texts: &[&str]) -> Vec<HeaderCell> {
        texts
            .iter()
            .enumerate()
            .filter_map(|(i, t)| field_of(t).map(|field| HeaderCell { col: i as u32, field, text: t.to_string() }))
            .collect()
    }

    #[test]
    fn headers_as_committees_write_them() {
        let cases = [
            ("姓名", Some(Field::Name)),
            ("*姓名（必填）", Some(Field::Name)),
            ("＊姓 名", Some(Field::Name)),
            ("居民姓名(必填)*", Some(Field::Name)),
            ("联系电话（选填）", Some(Field::Phone)),
            ("幢", Some(Field::Building)),
            ("门牌号", Some(Field::Room)),
            ("出生年月", Some(Field::Birth(BirthColumn::Date))),
            ("年龄", Some(Field::Birth(BirthColumn::Age))),
            ("证件号码", Some(Field::IdCard)),
            ("特殊情况", Some(Field::Tags)),
            ("小区名称", Some(Field::Compound)),
            ("序号", None),
            ("工作单位", None),
            ("", None),
            ("()", None),
        ];
        for (text, want) in cases {
            assert_eq!(field_of(text), want, "{text}");
        }
    }

    #[test]
    fn a_header_needs_a_name_and_two_other_fields() {
        assert!(is_header(&header(&["序号", "姓名", "楼号", "室号"])));
        assert!(!is_header(&header(&["姓名", "楼号"])));
        assert!(!is_header(&header(&["姓名", "手机", "电话"])));
        assert!(!is_header(&header(&["小区", "楼号", "室号", "手机"])));
    }

    #[test]
    fn required_columns_are_named_when_missing() {
        let err = Plan::new(&header(&["姓名", "楼号", "手机", "性别"])).expect_err("no room");
        assert_eq!(err, ReadError::MissingColumns(vec![Field::Room]));
    }

    #[test]
    fn two_columns_for_one_field_are_refused_except_birth_and_tags() {
        let err = Plan::new(&header(&["姓名", "楼号", "室号", "手机", "电话"])).expect_err("two phones");
        assert_eq!(err, ReadError::DuplicateColumn(Field::Phone));

        let plan = Plan::new(&header(&["姓名", "年龄", "楼号", "室号", "出生日期", "出生年份", "标签", "备注"]))
            .expect("valid");
        assert_eq!(plan.birth, Some((BirthColumn::Date, 4)));
        assert_eq!(plan.tags, vec![6, 7]);
        let fields: Vec<Field> = plan.columns.iter().map(|(f, _)| *f).collect();
        assert!(!fields.contains(&Field::Birth(BirthColumn::Age)));

        let err = Plan::new(&header(&["姓名", "楼号", "室号", "出生日期", "生日"])).expect_err("two dates");
        assert_eq!(err, ReadError::DuplicateColumn(Field::Birth(BirthColumn::Date)));
    }
}
