//! Volunteer lists (双报到): a work unit's list of the cadres it deploys, or
//! a community's spreadsheet of nearby party members, read into
//! [`RawVolunteerRow`]s. Only the columns differ from resident rosters: the
//! header search, merged cells, blank rows, row limit, Excel sniffing and
//! CSV encodings are the same code (`collect.rs`, `read.rs`, `csv_text.rs`).
//! The values are judged by `shouwang_domain::parse_volunteer_rows`.

use shouwang_domain::{Cell, Lang, RawVolunteerRow};

use crate::collect::{ColumnSlot, Layout, join_cells};
use crate::headers::{HeaderCell, header_key};
use crate::{FileKind, ReadError, csv_text, read};

/// Which volunteer field a header maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum VolunteerField {
    Name,
    Phone,
    Compound,
    Building,
    Kind,
    WorkUnit,
    PartyOrg,
    Skills,
    Availability,
    PreferredPosts,
    Experienced,
    Exempt,
    Note,
}

impl VolunteerField {
    pub const ALL: [VolunteerField; 13] = [
        VolunteerField::Name,
        VolunteerField::Phone,
        VolunteerField::Compound,
        VolunteerField::Building,
        VolunteerField::Kind,
        VolunteerField::WorkUnit,
        VolunteerField::PartyOrg,
        VolunteerField::Skills,
        VolunteerField::Availability,
        VolunteerField::PreferredPosts,
        VolunteerField::Experienced,
        VolunteerField::Exempt,
        VolunteerField::Note,
    ];

    /// The column name as our own template writes it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            VolunteerField::Name => lang.pick("姓名", "name"),
            VolunteerField::Phone => lang.pick("手机", "phone"),
            VolunteerField::Compound => lang.pick("小区", "compound"),
            VolunteerField::Building => lang.pick("楼号", "building"),
            VolunteerField::Kind => lang.pick("类别", "kind"),
            VolunteerField::WorkUnit => lang.pick("工作单位", "work unit"),
            VolunteerField::PartyOrg => lang.pick("所在党组织", "party organisation"),
            VolunteerField::Skills => lang.pick("特长", "skills"),
            VolunteerField::Availability => lang.pick("可服务时间", "availability"),
            VolunteerField::PreferredPosts => lang.pick("意向岗位", "preferred posts"),
            VolunteerField::Experienced => lang.pick("是否担任过楼组长", "experienced as a leader"),
            VolunteerField::Exempt => lang.pick("免编原因", "exemption"),
            VolunteerField::Note => lang.pick("备注", "note"),
        }
    }

    /// Word lists and notes may come in several columns (特长 and 技能):
    /// they are joined, so nothing written is lost. Any other field in two
    /// columns is ambiguous and refused.
    fn joins_columns(self) -> bool {
        matches!(
            self,
            VolunteerField::Skills
                | VolunteerField::Availability
                | VolunteerField::PreferredPosts
                | VolunteerField::Note
        )
    }

    /// Offices merge 小区, 楼号, 工作单位, 类别 and 党组织 over the rows of
    /// one group of people. A merged name or phone would be a mistake, and
    /// filling it down would turn different people into one.
    fn fills_down(self) -> bool {
        matches!(
            self,
            VolunteerField::Compound
                | VolunteerField::Building
                | VolunteerField::Kind
                | VolunteerField::WorkUnit
                | VolunteerField::PartyOrg
        )
    }
}

/// The field a header text stands for, if any.
fn field_of(header: &str) -> Option<VolunteerField> {
    use VolunteerField as F;
    let field = match header_key(header).as_str() {
        "姓名" | "名字" | "志愿者姓名" | "人员姓名" | "党员姓名" | "干部姓名" => F::Name,
        "手机" | "手机号" | "手机号码" | "联系电话" | "电话" | "联系方式" | "电话号码" => {
            F::Phone
        }
        "小区" | "居住小区" | "所住小区" | "小区名称" | "居住小区名称" => F::Compound,
        "楼号" | "楼栋" | "住址楼号" | "楼栋号" | "幢" | "幢号" | "栋" => F::Building,
        "类别" | "人员类别" | "身份" | "人员类型" | "类型" => F::Kind,
        "工作单位" | "单位" | "所在单位" | "单位名称" => F::WorkUnit,
        "所在党组织" | "党组织" | "党支部" | "所在党支部" | "党组织关系所在" => F::PartyOrg,
        "特长" | "技能" | "专长" | "个人特长" => F::Skills,
        "可服务时间" | "空闲时间" | "服务时段" | "可服务时段" | "服务时间" => F::Availability,
        "意向岗位" | "岗位意向" | "志愿岗位" => F::PreferredPosts,
        "是否担任过楼组长"
        | "是否担任过组长"
        | "是否担任过楼组长/组长"
        | "带队经验"
        | "有无带队经验"
        | "是否有带队经验" => F::Experienced,
        "免编原因" | "免于编组" | "免于编组原因" | "免编" => F::Exempt,
        "备注" => F::Note,
        _ => return None,
    };
    Some(field)
}

/// 姓名 plus one other field: a volunteer list can be as short as 姓名 and
/// 手机, but a lone 姓名 in a paragraph of instructions is no header.
fn is_header(cells: &[HeaderCell<VolunteerField>]) -> bool {
    cells.iter().any(|c| c.field == VolunteerField::Name) && cells.iter().any(|c| c.field != VolunteerField::Name)
}

/// The columns of a volunteer list, once its header row is known.
#[derive(Debug, Clone)]
pub(crate) struct VolunteerPlan {
    /// Value slot `i` is the i-th recognised column: (column, field).
    cols: Vec<(u32, VolunteerField)>,
    /// For each field in [`VolunteerField::ALL`] order, its slots.
    slots_of: Vec<Vec<usize>>,
    columns: Vec<(VolunteerField, String)>,
}

impl Layout for VolunteerPlan {
    type Field = VolunteerField;
    type Row = RawVolunteerRow;
    type Sheet = VolunteerSheet;

    fn field_of(header: &str) -> Option<VolunteerField> {
        field_of(header)
    }

    fn is_header(cells: &[HeaderCell<VolunteerField>]) -> bool {
        is_header(cells)
    }

    fn plan(cells: &[HeaderCell<VolunteerField>]) -> Result<VolunteerPlan, ReadError> {
        let count = |f: VolunteerField| cells.iter().filter(|c| c.field == f).count();
        let missing: Vec<VolunteerField> =
            [VolunteerField::Name, VolunteerField::Phone].into_iter().filter(|f| count(*f) == 0).collect();
        if !missing.is_empty() {
            return Err(ReadError::MissingVolunteerColumns(missing));
        }
        if let Some(f) = VolunteerField::ALL.into_iter().find(|f| !f.joins_columns() && count(*f) > 1) {
            return Err(ReadError::DuplicateVolunteerColumn(f));
        }
        let cols: Vec<(u32, VolunteerField)> = cells.iter().map(|c| (c.col, c.field)).collect();
        let slots_of = VolunteerField::ALL
            .iter()
            .map(|f| cols.iter().enumerate().filter(|(_, (_, cf))| cf == f).map(|(i, _)| i).collect())
            .collect();
        let columns = cells.iter().map(|c| (c.field, c.text.clone())).collect();
        Ok(VolunteerPlan { cols, slots_of, columns })
    }

    fn no_header() -> ReadError {
        ReadError::NoVolunteerHeaderRow
    }

    fn column_slots(&self) -> Vec<ColumnSlot> {
        self.cols
            .iter()
            .enumerate()
            .map(|(slot, (col, field))| ColumnSlot { col: *col, slot, fill_down: field.fills_down() })
            .collect()
    }

    fn slot_count(&self) -> usize {
        self.cols.len()
    }

    fn row(&self, number: u32, values: &mut [Option<Cell>]) -> RawVolunteerRow {
        // A column that exists gives Some even when its cell is empty, as for
        // residents: "no 类别 column" and "blank 类别" both take the default,
        // but the difference stays visible.
        let mut take = |f: VolunteerField| -> Option<Cell> {
            let slots = self.slots_of.get(f as usize)?;
            match slots.as_slice() {
                [] => None,
                [one] => Some(values.get_mut(*one).and_then(Option::take).unwrap_or_else(|| Cell::Text(String::new()))),
                many => Some(join_cells(many.iter().filter_map(|i| values.get_mut(*i).and_then(Option::take)))),
            }
        };
        RawVolunteerRow {
            row: number,
            name: take(VolunteerField::Name),
            phone: take(VolunteerField::Phone),
            compound: take(VolunteerField::Compound),
            building: take(VolunteerField::Building),
            kind: take(VolunteerField::Kind),
            work_unit: take(VolunteerField::WorkUnit),
            party_org: take(VolunteerField::PartyOrg),
            skills: take(VolunteerField::Skills),
            availability: take(VolunteerField::Availability),
            preferred_posts: take(VolunteerField::PreferredPosts),
            experienced: take(VolunteerField::Experienced),
            exempt: take(VolunteerField::Exempt),
            note: take(VolunteerField::Note),
        }
    }

    fn into_sheet(self, sheet_name: String, header_row: u32, rows: Vec<RawVolunteerRow>) -> VolunteerSheet {
        VolunteerSheet { sheet_name, header_row, columns: self.columns, rows }
    }
}

/// A volunteer list as read from a file, before any field is checked.
/// Serializable, so a file can be parsed in a child process and handed back
/// as JSON.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct VolunteerSheet {
    /// The sheet the list was found on; "csv" for text files.
    pub sheet_name: String,
    /// The header's row number as the spreadsheet shows it (CSV: line number).
    pub header_row: u32,
    /// The recognised columns in file order, with the header text as written.
    pub columns: Vec<(VolunteerField, String)>,
    /// Data rows only, blank rows skipped, in file order.
    pub rows: Vec<RawVolunteerRow>,
}

/// Reads a volunteer list. `kind` usually comes from
/// [`FileKind::from_path`]; for Excel kinds the bytes decide between .xlsx
/// and .xls, because files are often renamed.
pub fn read_volunteers(bytes: &[u8], kind: FileKind) -> Result<VolunteerSheet, ReadError> {
    match kind {
        FileKind::Csv => csv_text::read::<VolunteerPlan>(bytes),
        FileKind::Xlsx | FileKind::Xls => read::read_workbook::<VolunteerPlan>(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(texts: &[&str]) -> Vec<HeaderCell<VolunteerField>> {
        texts
            .iter()
            .enumerate()
            .filter_map(|(i, t)| field_of(t).map(|field| HeaderCell { col: i as u32, field, text: t.to_string() }))
            .collect()
    }

    #[test]
    fn headers_as_offices_write_them() {
        use VolunteerField as F;
        let cases = [
            ("*姓名（必填）", Some(F::Name)),
            ("联系电话", Some(F::Phone)),
            ("所住小区", Some(F::Compound)),
            ("住址楼号", Some(F::Building)),
            ("人员类别", Some(F::Kind)),
            ("身份", Some(F::Kind)),
            ("单位", Some(F::WorkUnit)),
            ("党支部", Some(F::PartyOrg)),
            ("专长", Some(F::Skills)),
            ("空闲时间", Some(F::Availability)),
            ("岗位意向", Some(F::PreferredPosts)),
            ("是否担任过楼组长", Some(F::Experienced)),
            ("带队经验", Some(F::Experienced)),
            ("免于编组", Some(F::Exempt)),
            ("备注", Some(F::Note)),
            ("身份证号", None),
            ("序号", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(field_of(text), want, "{text}");
        }
        for f in VolunteerField::ALL {
            assert_eq!(field_of(f.label(Lang::Zh)), Some(f), "{f:?}");
            assert_eq!(VolunteerField::ALL[f as usize], f);
        }
    }

    #[test]
    fn a_header_needs_a_name_and_one_other_field() {
        assert!(is_header(&header(&["序号", "姓名", "手机"])));
        assert!(is_header(&header(&["姓名", "工作单位"])));
        assert!(!is_header(&header(&["姓名", "序号"])));
        assert!(!is_header(&header(&["手机", "工作单位", "小区"])));
    }

    #[test]
    fn a_phone_column_is_required_and_fields_are_not_doubled() {
        let err = VolunteerPlan::plan(&header(&["姓名", "工作单位", "小区"])).expect_err("no phone");
        assert_eq!(err, ReadError::MissingVolunteerColumns(vec![VolunteerField::Phone]));
        let err = VolunteerPlan::plan(&header(&["姓名", "手机", "电话"])).expect_err("two phones");
        assert_eq!(err, ReadError::DuplicateVolunteerColumn(VolunteerField::Phone));

        let plan = VolunteerPlan::plan(&header(&["姓名", "特长", "手机", "技能", "备注"])).expect("valid");
        let mut values = vec![
            Some(Cell::Text("张三".into())),
            Some(Cell::Text("医护".into())),
            Some(Cell::Number(13812345678.0)),
            Some(Cell::Text("驾驶".into())),
            None,
        ];
        let row = plan.row(5, &mut values);
        assert_eq!(row.skills, Some(Cell::Text("医护、驾驶".into())));
        assert_eq!(row.phone, Some(Cell::Number(13812345678.0)));
        assert_eq!(row.note, Some(Cell::Text(String::new())));
        assert_eq!(row.kind, None);
    }
}
