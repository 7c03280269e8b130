//! Reading volunteer lists (双报到) as offices and communities send them, from
//! the files in `fixtures/volunteers/`, then judging the rows with the domain.
//!
//! The fixtures are written by `generate_fixtures` below (ignored; run it
//! with `cargo test -p shouwang-io --test io -- --ignored --exact
//! volunteer_import::generate_fixtures` after changing it) and committed, so
//! each test reads the same bytes a user would upload. The generator is the
//! readable description of each file.

use std::path::PathBuf;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use shouwang_domain::{
    Availability, Cell, DayPart, DutyReportRecord, ExemptReason, GroupFunction, Lang, MergedRow, PhoneNumber, Skill,
    VolunteerKind, VolunteerRejectReason, VolunteerRejectedRow, parse_volunteer_rows,
};
use shouwang_io::{FileKind, ReadError, VolunteerField, read_volunteers};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/volunteers")
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run the ignored generate_fixtures test)", path.display()))
}

fn t(s: &str) -> Option<Cell> {
    Some(Cell::Text(s.into()))
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).expect("valid phone")
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) -> Result<(), XlsxError> {
    for (col, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(row, col as u16, *text)?;
        }
    }
    Ok(())
}

/// A fixed creation time, so that regenerating gives the same bytes.
fn new_book() -> Result<Workbook, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(&DocProperties::new().set_creation_datetime(&ExcelDateTime::from_ymd(2022, 4, 6)?));
    Ok(book)
}

/// `work_unit_list.xlsx`, a work unit's list of deployed cadres, sheet 下沉干部:
///
/// ```text
/// 1  区规划资源局下沉干部名单 (merged A1:N1)
/// 2  填报单位：区规划资源局（盖章）   填报日期：2022年4月6日 (merged A2:N2)
/// 3  序号 类别 姓名 工作单位 联系电话 免编原因 所住小区 楼栋 所在党组织 特长 空闲时间 岗位意向 带队经验 备注
/// 4  1 下沉干部 王建华 区规划资源局 (merged D4:D8) １３９１２３４５６７８ - 云飞雅苑 3号楼 区规划资源局机关第一党支部 驾驶、医护 全天 物资保障、配药 是 -
/// 5  2 - 李敏 ↑ 13812345678(number) - - - 区规划资源局机关第二党支部 电脑 晚上、夜间 数据统计 否 会做表格
/// 6  (blank, inside the merged 工作单位)
/// 7  3 下沉干部 陈刚 ↑ 1391234567 - 锦绣苑 8栋 ...
/// 8  4 下沉干部 赵丽 ↑ 137 1111 2222 医护在岗 ... 医护 ... 区中心医院支援
/// 9  5 挂职干部 孙强 区城管局 13600001111 ...
/// 10 6 下沉干部 王建华 区规划资源局 139-1234-5678 (same phone as row 4) ... 电工、驯马 周末 巡逻
/// 11 7 下沉干部 刘洋 区规划资源局 13500002222 - 云飞雅苑 5号楼 - 心理咨询 上午 核酸检测 √
/// ```
fn work_unit_list() -> Result<Vec<u8>, XlsxError> {
    let mut book = new_book()?;
    let sheet = book.add_worksheet();
    sheet.set_name("下沉干部")?;
    let bold = Format::new().set_bold();
    sheet.merge_range(0, 0, 0, 13, "区规划资源局下沉干部名单", &bold)?;
    sheet.merge_range(1, 0, 1, 13, "填报单位：区规划资源局（盖章）　　填报日期：2022年4月6日", &Format::new())?;
    write_row(
        sheet,
        2,
        &[
            "序号",
            "类别",
            "姓名",
            "工作单位",
            "联系电话",
            "免编原因",
            "所住小区",
            "楼栋",
            "所在党组织",
            "特长",
            "空闲时间",
            "岗位意向",
            "带队经验",
            "备注",
        ],
    )?;
    // One unit's people share a merged 工作单位 cell, blank row included.
    sheet.merge_range(3, 3, 7, 3, "区规划资源局", &Format::new())?;
    let first_branch = "区规划资源局机关第一党支部";
    let rows: [(u32, [&str; 14]); 6] = [
        (
            3,
            [
                "",
                "下沉干部",
                "王建华",
                "",
                "１３９１２３４５６７８",
                "",
                "云飞雅苑",
                "3号楼",
                first_branch,
                "驾驶、医护",
                "全天",
                "物资保障、配药",
                "是",
                "",
            ],
        ),
        (
            4,
            [
                "",
                "",
                "李敏",
                "",
                "",
                "",
                "",
                "",
                "区规划资源局机关第二党支部",
                "电脑",
                "晚上、夜间",
                "数据统计",
                "否",
                "会做表格",
            ],
        ),
        (6, ["", "下沉干部", "陈刚", "", "1391234567", "", "锦绣苑", "8栋", first_branch, "", "下午", "", "", ""]),
        (
            7,
            [
                "",
                "下沉干部",
                "赵丽",
                "",
                "137 1111 2222",
                "医护在岗",
                "",
                "",
                first_branch,
                "医护",
                "",
                "",
                "",
                "区中心医院支援",
            ],
        ),
        (
            8,
            [
                "",
                "挂职干部",
                "孙强",
                "区城管局",
                "13600001111",
                "",
                "锦绣苑",
                "2栋",
                "",
                "驾驶",
                "全天",
                "巡逻",
                "是",
                "",
            ],
        ),
        (
            9,
            [
                "",
                "下沉干部",
                "王建华",
                "区规划资源局",
                "139-1234-5678",
                "",
                "",
                "",
                "",
                "电工、驯马",
                "周末",
                "巡逻",
                "",
                "",
            ],
        ),
    ];
    for (row, cells) in rows {
        write_row(sheet, row, &cells)?;
    }
    write_row(
        sheet,
        10,
        &[
            "",
            "下沉干部",
            "刘洋",
            "区规划资源局",
            "13500002222",
            "",
            "云飞雅苑",
            "5号楼",
            "",
            "心理咨询",
            "上午",
            "核酸检测",
            "√",
            "",
        ],
    )?;
    // 序号 as numbers, the phone of 李敏 typed into a General cell.
    for (row, n) in [(3, 1), (4, 2), (6, 3), (7, 4), (8, 5), (9, 6), (10, 7)] {
        sheet.write_number(row, 0, n)?;
    }
    sheet.write_number(4, 4, 13812345678.0)?;
    book.save_to_buffer()
}

/// `nearby_members_gbk.csv`, a community's list of nearby party members as
/// Excel on Chinese Windows saves "CSV" (GBK, CRLF), no 类别 column:
///
/// ```text
/// 1  就近报到党员登记表（商一社区）
/// 2  姓名,手机号,居住小区,住址楼号,所在党组织,专长,服务时段,意向岗位,是否担任过楼组长,备注
/// 3  张伟 ... 市税务局第三党支部 司机 "上午,下午" 配送 √
/// 4  刘芳 ... 区教育局机关党支部 护士、心理 晚上 关爱、配药 (blank) 退休护士
/// 5  周强 (no compound) ... 群众 搬运 全天 巡逻值守 否 住在隔壁社区
/// ```
const NEARBY_MEMBERS: &str = "就近报到党员登记表（商一社区）,,,,,,,,,\r\n\
姓名,手机号,居住小区,住址楼号,所在党组织,专长,服务时段,意向岗位,是否担任过楼组长,备注\r\n\
张伟,13700001111,商一小区,2栋,市税务局第三党支部,司机,\"上午,下午\",配送,√,\r\n\
刘芳,13700002222,商一小区,5栋,区教育局机关党支部,护士、心理,晚上,关爱、配药,,退休护士\r\n\
周强,13700003333,,,群众,搬运,全天,巡逻值守,否,住在隔壁社区\r\n";

/// `no_phone_column.xlsx`: a sign-up sheet someone made without a phone column.
///
/// ```text
/// 1  志愿者报名表
/// 2  序号 姓名 工作单位 所住小区 特长 备注
/// 3  1 吴磊 区文旅局 云飞雅苑 驾驶 -
/// ```
fn no_phone_column() -> Result<Vec<u8>, XlsxError> {
    let mut book = new_book()?;
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "志愿者报名表")?;
    write_row(sheet, 1, &["序号", "姓名", "工作单位", "所住小区", "特长", "备注"])?;
    sheet.write_number(2, 0, 1)?;
    write_row(sheet, 2, &["", "吴磊", "区文旅局", "云飞雅苑", "驾驶", ""])?;
    book.save_to_buffer()
}

#[test]
#[ignore = "writes the committed fixtures; run after changing a generator"]
fn generate_fixtures() {
    let dir = fixture_dir();
    std::fs::create_dir_all(&dir).expect("fixture dir");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(NEARBY_MEMBERS);
    assert!(!unmappable, "every character has a GBK code");
    let files: [(&str, Vec<u8>); 3] = [
        ("work_unit_list.xlsx", work_unit_list().expect("built")),
        ("nearby_members_gbk.csv", gbk.into_owned()),
        ("no_phone_column.xlsx", no_phone_column().expect("built")),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("fixture written");
    }
}

#[test]
fn a_work_unit_list_reads_below_its_title_with_merged_units_filled() {
    let sheet = read_volunteers(&fixture("work_unit_list.xlsx"), FileKind::Xlsx).expect("readable");
    assert_eq!(sheet.sheet_name, "下沉干部");
    assert_eq!(sheet.header_row, 3);
    let columns: Vec<(VolunteerField, &str)> = sheet.columns.iter().map(|(f, s)| (*f, s.as_str())).collect();
    assert_eq!(
        columns,
        vec![
            (VolunteerField::Kind, "类别"),
            (VolunteerField::Name, "姓名"),
            (VolunteerField::WorkUnit, "工作单位"),
            (VolunteerField::Phone, "联系电话"),
            (VolunteerField::Exempt, "免编原因"),
            (VolunteerField::Compound, "所住小区"),
            (VolunteerField::Building, "楼栋"),
            (VolunteerField::PartyOrg, "所在党组织"),
            (VolunteerField::Skills, "特长"),
            (VolunteerField::Availability, "空闲时间"),
            (VolunteerField::PreferredPosts, "岗位意向"),
            (VolunteerField::Experienced, "带队经验"),
            (VolunteerField::Note, "备注"),
        ]
    );
    // Row 6 is blank although the merged 工作单位 runs through it.
    assert_eq!(sheet.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![4, 5, 7, 8, 9, 10, 11]);
    let units: Vec<Option<Cell>> = sheet.rows.iter().map(|r| r.work_unit.clone()).collect();
    let unit = t("区规划资源局");
    assert_eq!(units, vec![unit.clone(), unit.clone(), unit.clone(), unit.clone(), t("区城管局"), unit.clone(), unit]);
    let li = &sheet.rows[1];
    assert_eq!(li.name, t("李敏"));
    assert_eq!(li.phone, Some(Cell::Number(13812345678.0)));
    // The column exists, so a blank cell is an empty text, not "no column".
    assert_eq!(li.kind, t(""));
    assert_eq!(sheet.rows[0].phone, t("１３９１２３４５６７８"));
}

#[test]
fn a_work_unit_list_gives_exact_records_rejects_and_merges() {
    let sheet = read_volunteers(&fixture("work_unit_list.xlsx"), FileKind::Xlsx).expect("readable");
    let parsed = parse_volunteer_rows(&sheet.rows, VolunteerKind::DeployedCadre);

    assert_eq!(
        parsed.rejected,
        vec![
            VolunteerRejectedRow { row: 7, reason: VolunteerRejectReason::InvalidPhone },
            VolunteerRejectedRow { row: 9, reason: VolunteerRejectReason::UnknownKind("挂职干部".into()) },
        ]
    );
    assert_eq!(parsed.merged, vec![MergedRow { row: 10, into_row: 4, name_differs: false }]);
    assert_eq!(parsed.merged[0].message(Lang::Zh), "第10行与第4行是同一手机号，已合并");

    let unit = Some("区规划资源局".to_string());
    let first_branch = Some("区规划资源局机关第一党支部".to_string());
    let expected = vec![
        DutyReportRecord {
            row: 4,
            name: "王建华".into(),
            phone: phone("13912345678"),
            compound: Some("云飞雅苑".into()),
            building: Some("3号楼".into()),
            kind: VolunteerKind::DeployedCadre,
            work_unit: unit.clone(),
            party_org: first_branch.clone(),
            // Row 10's 电工 joins row 4's skills; its unknown words are noted.
            skills: [Skill::Driving, Skill::Medical, Skill::Electrician].into_iter().collect(),
            availability: Availability::all_day(),
            preferred_posts: [GroupFunction::Supplies, GroupFunction::Medicine, GroupFunction::Patrol]
                .into_iter()
                .collect(),
            experienced: true,
            exempt: None,
            note: Some("特长：驯马；可服务时间：周末".into()),
        },
        DutyReportRecord {
            row: 5,
            name: "李敏".into(),
            phone: phone("13812345678"),
            compound: None,
            building: None,
            // Blank 类别: the kind the caller gave for this list.
            kind: VolunteerKind::DeployedCadre,
            work_unit: unit.clone(),
            party_org: Some("区规划资源局机关第二党支部".into()),
            skills: [Skill::It].into_iter().collect(),
            availability: [DayPart::Evening, DayPart::Night].into_iter().collect(),
            preferred_posts: [GroupFunction::Data].into_iter().collect(),
            experienced: false,
            exempt: None,
            note: Some("会做表格".into()),
        },
        DutyReportRecord {
            row: 8,
            name: "赵丽".into(),
            phone: phone("13711112222"),
            compound: None,
            building: None,
            kind: VolunteerKind::DeployedCadre,
            work_unit: unit.clone(),
            party_org: first_branch,
            skills: [Skill::Medical].into_iter().collect(),
            availability: Availability::empty(),
            preferred_posts: Default::default(),
            experienced: false,
            exempt: Some(ExemptReason::OnDutyMedical),
            note: Some("区中心医院支援".into()),
        },
        DutyReportRecord {
            row: 11,
            name: "刘洋".into(),
            phone: phone("13500002222"),
            compound: Some("云飞雅苑".into()),
            building: Some("5号楼".into()),
            kind: VolunteerKind::DeployedCadre,
            work_unit: unit,
            party_org: None,
            skills: [Skill::Counselling].into_iter().collect(),
            availability: [DayPart::Morning].into_iter().collect(),
            preferred_posts: [GroupFunction::Testing].into_iter().collect(),
            experienced: true,
            exempt: None,
            note: None,
        },
    ];
    assert_eq!(parsed.records, expected);
    // Messages quote no phone number, not even the invalid one.
    for r in &parsed.rejected {
        for lang in [Lang::Zh, Lang::En] {
            assert!(!r.reason.message(lang).contains("1391234567"), "{}", r.reason.message(lang));
        }
    }
}

#[test]
fn a_gbk_csv_of_nearby_members_reads_with_its_party_organisations() {
    let bytes = fixture("nearby_members_gbk.csv");
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture is GBK, not UTF-8");
    let sheet = read_volunteers(&bytes, FileKind::Csv).expect("readable");
    assert_eq!((sheet.sheet_name.as_str(), sheet.header_row), ("csv", 2));
    assert_eq!(sheet.rows.iter().map(|r| r.row).collect::<Vec<_>>(), vec![3, 4, 5]);
    // No 类别 column at all.
    assert!(sheet.rows.iter().all(|r| r.kind.is_none()));
    assert_eq!(sheet.rows[0].availability, t("上午,下午"));

    let parsed = parse_volunteer_rows(&sheet.rows, VolunteerKind::NearbyMember);
    assert_eq!((parsed.rejected.len(), parsed.merged.len()), (0, 0));
    let expected = vec![
        DutyReportRecord {
            row: 3,
            name: "张伟".into(),
            phone: phone("13700001111"),
            compound: Some("商一小区".into()),
            building: Some("2栋".into()),
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: Some("市税务局第三党支部".into()),
            skills: [Skill::Driving].into_iter().collect(),
            availability: [DayPart::Morning, DayPart::Afternoon].into_iter().collect(),
            preferred_posts: [GroupFunction::Supplies].into_iter().collect(),
            experienced: true,
            exempt: None,
            note: None,
        },
        DutyReportRecord {
            row: 4,
            name: "刘芳".into(),
            phone: phone("13700002222"),
            compound: Some("商一小区".into()),
            building: Some("5栋".into()),
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: Some("区教育局机关党支部".into()),
            skills: [Skill::Medical, Skill::Counselling].into_iter().collect(),
            availability: [DayPart::Evening].into_iter().collect(),
            preferred_posts: [GroupFunction::SpecialCare, GroupFunction::Medicine].into_iter().collect(),
            experienced: false,
            exempt: None,
            note: Some("退休护士".into()),
        },
        DutyReportRecord {
            row: 5,
            name: "周强".into(),
            phone: phone("13700003333"),
            // Lives outside the community; 群众 is "not a party member".
            compound: None,
            building: None,
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: None,
            skills: [Skill::HeavyLifting].into_iter().collect(),
            availability: Availability::all_day(),
            preferred_posts: [GroupFunction::Patrol].into_iter().collect(),
            experienced: false,
            exempt: None,
            note: Some("住在隔壁社区".into()),
        },
    ];
    assert_eq!(parsed.records, expected);
    assert!(parsed.records[0].is_party_member() && !parsed.records[2].is_party_member());
}

#[test]
fn a_list_without_a_phone_column_is_refused_with_a_clear_message() {
    let err = read_volunteers(&fixture("no_phone_column.xlsx"), FileKind::Xlsx).expect_err("no phone column");
    assert_eq!(err, ReadError::MissingVolunteerColumns(vec![VolunteerField::Phone]));
    assert_eq!(err.message(Lang::Zh), "表头缺少必填列“手机”：请在表头行加上这些列后重新上传");
    assert_eq!(err.message(Lang::En), "the header row lacks required columns: 手机 (phone)");
}

#[test]
fn a_file_without_a_volunteer_header_says_which_columns_to_add() {
    let err =
        read_volunteers("说明：请按模板填写\n序号,手机,工作单位\n1,13812345678,区文旅局\n".as_bytes(), FileKind::Csv)
            .expect_err("no 姓名");
    assert_eq!(err, ReadError::NoVolunteerHeaderRow);
    assert!(err.message(Lang::Zh).contains("“姓名”“手机”"), "{}", err.message(Lang::Zh));

    let err = read_volunteers("姓名,手机,电话\n张三,13812345678,\n".as_bytes(), FileKind::Csv).expect_err("two phones");
    assert_eq!(err, ReadError::DuplicateVolunteerColumn(VolunteerField::Phone));
}

#[test]
fn merged_kinds_fill_down_but_a_merged_phone_does_not() -> Result<(), XlsxError> {
    let mut book = new_book()?;
    let sheet = book.add_worksheet();
    write_row(sheet, 0, &["姓名", "类别", "手机"])?;
    sheet.merge_range(1, 1, 2, 1, "就近报到党员", &Format::new())?;
    // A phone merged over two people is a mistake: filling it down would
    // make them one person, so the second row has no phone.
    sheet.merge_range(1, 2, 2, 2, "13812345678", &Format::new())?;
    write_row(sheet, 1, &["张三"])?;
    write_row(sheet, 2, &["李四"])?;
    let bytes = book.save_to_buffer()?;

    let sheet = read_volunteers(&bytes, FileKind::Xlsx).expect("readable");
    assert_eq!(sheet.rows[1].kind, t("就近报到党员"));
    assert_eq!(sheet.rows[1].phone, t(""));
    let parsed = parse_volunteer_rows(&sheet.rows, VolunteerKind::ResidentVolunteer);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(parsed.records[0].kind, VolunteerKind::NearbyMember);
    assert_eq!(parsed.rejected, vec![VolunteerRejectedRow { row: 3, reason: VolunteerRejectReason::MissingPhone }]);
    Ok(())
}

#[test]
fn a_utf8_csv_with_a_bom_and_tabs_reads_too() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice("姓名\t联系电话\t人员类别\r\n钱进\t13900001111\t社工\r\n".as_bytes());
    let sheet = read_volunteers(&bytes, FileKind::Csv).expect("readable");
    let parsed = parse_volunteer_rows(&sheet.rows, VolunteerKind::DeployedCadre);
    assert_eq!(parsed.records.len(), 1);
    assert_eq!((parsed.records[0].row, parsed.records[0].kind), (2, VolunteerKind::SocialWorker));
}
