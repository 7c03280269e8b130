//! The demo of SPEC §7: four communities from the seed articles, with
//! synthetic but believable residents. Everything goes through the same
//! paths a committee uses (region add, resident import), and a second run
//! changes nothing: the generator is seeded, so it produces the same rows.
//!
//! - 商务区第一社区 (Wuhan, 江汉区万松街道): 11 compounds, 9,000+ residents.
//! - 建三居民区 (Shanghai, 黄浦区打浦桥街道): 12 old lanes (里弄), each cut into
//!   blocks of a few dozen households behind a gate at a lane fork.
//! - 阳二居民区 (Shanghai, 浦东新区洋泾街道): an old estate of 53 buildings, 3,000+ residents.
//! - 方舟园居民区 (Shanghai, 松江区岳阳街道): 4 compounds and a commercial plaza,
//!   4 grids, 6,531 residents.

mod mobilisation;
mod rosters;
mod supplies;
mod work;

use anyhow::Context;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::registry;
use shouwang_domain::i18n::{t, t_with};
use shouwang_domain::{Gender, IdCardNo, Lang, PhoneNumber, RegionCode, RegionKind, ResidentRecord, Tag, TagSet};

/// Ages are computed as of this year, so the data does not drift as time passes.
const DEMO_YEAR: i32 = 2022;

struct Place {
    kind: RegionKind,
    code: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
}

const fn place(kind: RegionKind, code: &'static str, name: &'static str, parent: Option<&'static str>) -> Place {
    Place { kind, code, name, parent }
}

/// The tree above and around the demo communities.
const PLACES: &[Place] = &[
    place(RegionKind::City, "wh", "武汉市", None),
    place(RegionKind::District, "wh-jh", "江汉区", Some("wh")),
    place(RegionKind::Subdistrict, "wh-jh-ws", "万松街道", Some("wh-jh")),
    place(RegionKind::Community, "sy", "商务区第一社区", Some("wh-jh-ws")),
    place(RegionKind::City, "sh", "上海市", None),
    place(RegionKind::District, "sh-hp", "黄浦区", Some("sh")),
    place(RegionKind::Subdistrict, "sh-hp-dpq", "打浦桥街道", Some("sh-hp")),
    place(RegionKind::Community, "js", "建三居民区", Some("sh-hp-dpq")),
    place(RegionKind::District, "sh-pd", "浦东新区", Some("sh")),
    place(RegionKind::Subdistrict, "sh-pd-yj", "洋泾街道", Some("sh-pd")),
    place(RegionKind::Community, "ye", "阳二居民区", Some("sh-pd-yj")),
    place(RegionKind::District, "sh-sj", "松江区", Some("sh")),
    place(RegionKind::Subdistrict, "sh-sj-yy", "岳阳街道", Some("sh-sj")),
    place(RegionKind::Community, "fzy", "方舟园居民区", Some("sh-sj-yy")),
    place(RegionKind::Grid, "fzy.g1", "第一网格", Some("fzy")),
    place(RegionKind::Grid, "fzy.g2", "第二网格", Some("fzy")),
    place(RegionKind::Grid, "fzy.g3", "第三网格", Some("fzy")),
    place(RegionKind::Grid, "fzy.g4", "第四网格", Some("fzy")),
    place(RegionKind::Compound, "fzy.c1", "方舟园一村", Some("fzy.g1")),
    place(RegionKind::Compound, "fzy.c2", "方舟园二村", Some("fzy.g2")),
    place(RegionKind::Compound, "fzy.c3", "方舟园三村", Some("fzy.g3")),
    place(RegionKind::Compound, "fzy.c4", "方舟园四村", Some("fzy.g4")),
    place(RegionKind::Compound, "fzy.plaza", "方舟园商业广场", Some("fzy.g4")),
    place(RegionKind::Building, "fzy.plaza.a", "A座", Some("fzy.plaza")),
    place(RegionKind::Building, "fzy.plaza.b", "B座", Some("fzy.plaza")),
];

/// A compound to fill: its buildings and the rooms in each.
struct CompoundPlan {
    name: String,
    buildings: Vec<(String, Vec<String>)>,
}

struct CommunityPlan {
    code: &'static str,
    residents: usize,
    /// Six-digit area code of most ID numbers (others are migrants).
    id_area: &'static str,
    compounds: Vec<CompoundPlan>,
    seed: u64,
}

/// Creates or completes the demo; prints what is there.
pub async fn create(ctx: &shouwang_service::Context, lang: Lang) -> anyhow::Result<()> {
    let (db, hasher) = (&ctx.db, &ctx.hasher);
    for p in PLACES {
        let code = RegionCode::parse(p.code).context("demo code")?;
        if registry::find_region(&db.read, &code).await?.is_none() {
            let parent = p.parent.map(RegionCode::parse).transpose().context("demo parent")?;
            registry::add_region(db, p.kind, &code, p.name, parent.as_ref())
                .await
                .map_err(|e| crate::commands::user_error(e, lang))?;
        }
    }
    for plan in plans() {
        let code = RegionCode::parse(plan.code).context("demo code")?;
        let records = residents(&plan);
        let report =
            import_residents(db, &code, records, vec![], ColumnsPresent::all(), hasher, ImportOptions::default())
                .await
                .map_err(|e| crate::commands::user_error(e, lang))?;
        tracing::info!(
            community = plan.code,
            created = report.counts.created,
            unchanged = report.counts.unchanged,
            "demo residents"
        );
    }
    lane_blocks(ctx, lang).await?;
    // Committee hotlines (synthetic), printed on the household slips.
    for (code, phone) in
        [("sy", "027-85550101"), ("js", "021-53010202"), ("ye", "021-58850303"), ("fzy", "021-57810404")]
    {
        registry::set_contact_phone(db, &RegionCode::parse(code).context("demo code")?, Some(phone)).await?;
    }
    for (region, name) in [("sy", "2022年3月武汉疫情防控"), ("sh", "2022年上海春季疫情防控")] {
        let r = registry::region_by_code(&db.read, &RegionCode::parse(region).context("demo code")?).await?;
        if registry::incidents_of_region(&db.read, r.id).await?.is_empty() {
            registry::open_incident(db, &RegionCode::parse(region).context("demo code")?, name).await?;
        }
    }
    print_summary(ctx, lang).await?;
    mobilisation::create(ctx, lang).await?;
    work::create(ctx).await?;
    demo_account(ctx, lang).await
}

/// A committee admin for 商务区第一社区, so the demo can be opened at once.
/// The password is generated and printed the first time only.
async fn demo_account(ctx: &shouwang_service::Context, lang: Lang) -> anyhow::Result<()> {
    let db = &ctx.db;
    const USERNAME: &str = "sy-admin";
    if shouwang_db::accounts::find_by_username(&db.read, USERNAME).await?.is_some() {
        println!("{}", t_with(lang, "cli.demo.account_exists", &[("username", &USERNAME)]));
        return Ok(());
    }
    let password = shouwang_web::auth::generated_password();
    let hash = shouwang_web::auth::hash_password(&password).map_err(|e| anyhow::anyhow!(e.message(lang)))?;
    shouwang_db::accounts::create_user(
        db,
        shouwang_db::accounts::NewUser {
            username: USERNAME,
            display_name: "叶书记（演示）",
            password_hash: hash,
            role: shouwang_domain::Role::CommunityAdmin,
            scope: &RegionCode::parse("sy").context("demo code")?,
            personal_grant: false,
            must_change_password: true,
        },
    )
    .await
    .map_err(|e| crate::commands::user_error(e, lang))?;
    println!("{}", t_with(lang, "cli.demo.account", &[("username", &USERNAME), ("password", &password)]));
    Ok(())
}

async fn print_summary(ctx: &shouwang_service::Context, lang: Lang) -> anyhow::Result<()> {
    let db = &ctx.db;
    println!("{}", t(lang, "cli.demo.ready"));
    for code in ["sy", "js", "ye", "fzy"] {
        let c = registry::community_by_code(&db.read, &RegionCode::parse(code).context("demo code")?).await?;
        let n = registry::community_counts(&db.read, &c).await?;
        let blocks = registry::blocks_of_community(&db.read, c.id).await?.len();
        let blocks = if blocks > 0 { t_with(lang, "cli.demo.blocks", &[("count", &blocks)]) } else { String::new() };
        println!(
            "  {}",
            t_with(
                lang,
                "cli.demo.community",
                &[
                    ("name", &c.name),
                    ("code", &c.code),
                    ("compounds", &n.compounds),
                    ("buildings", &n.buildings),
                    ("households", &n.households),
                    ("residents", &n.residents),
                    ("tagged", &n.tagged),
                    ("blocks", &blocks)
                ]
            )
        );
    }
    Ok(())
}

fn numbered_rooms(floors: u32, per_floor: u32) -> Vec<String> {
    (1..=floors).flat_map(|f| (1..=per_floor).map(move |u| format!("{f}{u:02}"))).collect()
}

fn estate(name: &str, buildings: u32, floors: u32, per_floor: u32) -> CompoundPlan {
    CompoundPlan {
        name: name.to_string(),
        buildings: (1..=buildings).map(|b| (format!("{b}号楼"), numbered_rooms(floors, per_floor))).collect(),
    }
}

/// Old Shanghai lane houses: numbered houses, each shared by a few families
/// who live in named rooms.
const LANE_ROOMS: [&str; 8] = ["客堂间", "前厢房", "后厢房", "前楼", "后楼", "亭子间", "三层阁", "灶披间"];
const LANES: [(&str, u32); 12] = [
    ("建国东路68弄", 140),
    ("建国东路100弄", 34),
    ("顺昌路612弄", 30),
    ("顺昌路628弄", 26),
    ("局门路85弄", 28),
    ("局门路117弄", 24),
    ("瑞金二路409弄", 32),
    ("徐家汇路55弄", 22),
    ("丽园路51弄", 30),
    ("丽园路77弄", 20),
    ("建三新里", 36),
    ("打浦路33弄", 24),
];

fn plans() -> Vec<CommunityPlan> {
    let wuhan = [
        ("云飞雅苑", 8, 11, 4),
        ("蓝天花园", 10, 7, 4),
        ("西北湖花园", 6, 18, 6),
        ("万松小区", 16, 6, 4),
        ("金色华府", 5, 26, 6),
        ("新华家园", 9, 7, 4),
        ("青年路小区", 14, 6, 4),
        ("航空路小区", 7, 7, 4),
        ("王家墩小区", 8, 6, 4),
        ("商务区1号院", 4, 18, 6),
        ("菱角湖小区", 6, 8, 4),
    ];
    let lanes = LANES
        .iter()
        .map(|(name, houses)| CompoundPlan {
            name: (*name).to_string(),
            buildings: (1..=*houses)
                .map(|h| (format!("{h}号"), LANE_ROOMS.iter().map(|r| (*r).to_string()).collect()))
                .collect(),
        })
        .collect();
    vec![
        CommunityPlan {
            code: "sy",
            residents: 9_312,
            id_area: "420103",
            compounds: wuhan.iter().map(|(n, b, f, p)| estate(n, *b, *f, *p)).collect(),
            seed: 1,
        },
        CommunityPlan { code: "js", residents: 3_460, id_area: "310101", compounds: lanes, seed: 2 },
        CommunityPlan {
            code: "ye",
            residents: 3_186,
            id_area: "310115",
            compounds: vec![estate("阳二新村", 53, 6, 5)],
            seed: 3,
        },
        CommunityPlan {
            code: "fzy",
            residents: 6_531,
            id_area: "310117",
            compounds: vec![
                estate("方舟园一村", 16, 6, 6),
                estate("方舟园二村", 18, 6, 6),
                estate("方舟园三村", 12, 12, 6),
                estate("方舟园四村", 10, 12, 6),
            ],
            seed: 4,
        },
    ]
}

/// `n` synthetic residents spread over large estates, for benchmarks and
/// load tests: the same generator as the demo, without its seed counts.
pub fn synthetic_residents(n: usize, seed: u64) -> Vec<ResidentRecord> {
    let estates = (n / 2_000).max(1);
    let plan = CommunityPlan {
        code: "bench",
        residents: n,
        id_area: "310117",
        // 30 buildings x 18 floors x 4 rooms = 2,160 rooms per estate: ~5,000 residents of room.
        compounds: (1..=estates).map(|i| estate(&format!("第{i}小区"), 30, 18, 4)).collect(),
        seed,
    };
    residents(&plan)
}

/// 建三's lanes are sealed as blocks: every dozen or so houses behind one gate.
async fn lane_blocks(ctx: &shouwang_service::Context, lang: Lang) -> anyhow::Result<()> {
    let db = &ctx.db;
    let js = RegionCode::parse("js").context("demo code")?;
    let community = registry::community_by_code(&db.read, &js).await?;
    let existing: Vec<String> =
        registry::blocks_of_community(&db.read, community.id).await?.into_iter().map(|(b, _)| b.name).collect();
    let compounds = registry::descendants(&db.read, &community, Some(RegionKind::Compound)).await?;
    for compound in compounds {
        let mut buildings = registry::children(&db.read, compound.id).await?;
        buildings.sort_by_key(|b| b.name_key.parse::<u32>().unwrap_or(u32::MAX));
        for (i, chunk) in buildings.chunks(12).enumerate() {
            let name = format!("{}第{}单元", compound.name, i + 1);
            if existing.contains(&name) {
                continue;
            }
            let codes: Vec<RegionCode> = chunk.iter().filter_map(|b| RegionCode::parse(&b.code).ok()).collect();
            registry::add_block(db, &js, &name, &codes).await.map_err(|e| crate::commands::user_error(e, lang))?;
        }
    }
    Ok(())
}

const SURNAMES: [&str; 60] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金",
];
const OLD_MALE: [&str; 16] = [
    "建国", "国庆", "建华", "志强", "德明", "福生", "金根", "国华", "永康", "家祥", "根宝", "文斌", "志刚", "长林",
    "雪根", "耀祖",
];
const OLD_FEMALE: [&str; 16] = [
    "秀英", "桂英", "玉兰", "桂兰", "淑珍", "凤英", "美娣", "金娣", "秀珍", "翠华", "丽华", "月娥", "素珍", "爱华",
    "雅琴", "佩芳",
];
const MALE_CHARS: [&str; 24] = [
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "斌", "刚", "辉", "鹏", "飞", "鑫", "波", "宇", "浩", "凯",
    "健", "俊", "帆", "旭", "宁",
];
const FEMALE_CHARS: [&str; 24] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "慧", "婷", "琳", "玲", "燕", "萍", "梅", "琴", "云", "莉", "倩",
    "颖", "洁", "佳", "怡", "欣",
];
/// Where migrants' ID numbers come from (Anhui, Jiangsu, Henan, Sichuan, Hubei...).
const OTHER_AREAS: [&str; 8] = ["342401", "320321", "410102", "510106", "421002", "360102", "430102", "330302"];

struct Person {
    surname: &'static str,
    gender: Gender,
    age: i32,
}

fn residents(plan: &CommunityPlan) -> Vec<ResidentRecord> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut rooms: Vec<(usize, usize, usize)> = Vec::new();
    for (c, compound) in plan.compounds.iter().enumerate() {
        for (b, (_, building_rooms)) in compound.buildings.iter().enumerate() {
            rooms.extend((0..building_rooms.len()).map(|r| (c, b, r)));
        }
    }
    rooms.shuffle(&mut rng);
    let mut households: Vec<((usize, usize, usize), Vec<Person>)> = Vec::new();
    let mut total = 0;
    for room in rooms {
        if total >= plan.residents {
            break;
        }
        let mut members = household(&mut rng);
        members.truncate(plan.residents - total);
        total += members.len();
        households.push((room, members));
    }
    // The order a committee's spreadsheet would have: compound, building, room.
    households.sort_by_key(|(room, _)| *room);

    let mut out = Vec::with_capacity(total);
    let mut ids = std::collections::HashSet::new();
    for ((c, b, r), members) in households {
        let compound = &plan.compounds[c];
        let (building, building_rooms) = &compound.buildings[b];
        let mut names_here: Vec<String> = Vec::new();
        let alone = members.len() == 1;
        for p in members {
            let mut name = full_name(&mut rng, &p);
            while names_here.contains(&name) {
                name = full_name(&mut rng, &p);
            }
            names_here.push(name.clone());
            let birth_year = DEMO_YEAR - p.age;
            let area = if rng.random_bool(0.8) {
                plan.id_area
            } else {
                OTHER_AREAS.choose(&mut rng).copied().unwrap_or(plan.id_area)
            };
            // Synthetic numbers can collide; a real person has one number.
            let id_card = rng
                .random_bool(0.65)
                .then(|| id_number(&mut rng, area, birth_year, p.gender))
                .flatten()
                .filter(|id| ids.insert(id.in_file_key()));
            let phone_share = match p.age {
                0..=13 => 0.0,
                14..=79 => 0.92,
                _ => 0.55,
            };
            let phone = rng.random_bool(phone_share).then(|| phone_number(&mut rng)).flatten();
            out.push(ResidentRecord {
                row: out.len() as u32 + 2,
                compound: Some(compound.name.clone()),
                building: building.clone(),
                room: building_rooms[r].clone(),
                name,
                gender: Some(p.gender),
                birth_year: Some(birth_year),
                phone,
                id_card,
                id_masked: None,
                tags: tags(&mut rng, &p, alone),
                note: None,
            });
        }
    }
    out
}

/// One household's members, shaped like an old urban neighbourhood's.
fn household(rng: &mut ChaCha8Rng) -> Vec<Person> {
    let surname = *SURNAMES.choose(rng).unwrap_or(&"王");
    let other = |rng: &mut ChaCha8Rng| *SURNAMES.choose(rng).unwrap_or(&"李");
    let gender = |rng: &mut ChaCha8Rng| if rng.random_bool(0.5) { Gender::Male } else { Gender::Female };
    let elderly = |rng: &mut ChaCha8Rng| 65 + (rng.random_range(0.0f64..1.0).powf(1.6) * 31.0) as i32;
    let adult = |rng: &mut ChaCha8Rng| rng.random_range(25..65);
    let roll: f64 = rng.random();
    let mut v = Vec::new();
    if roll < 0.13 {
        // An old person living alone.
        v.push(Person {
            surname,
            gender: if rng.random_bool(0.65) { Gender::Female } else { Gender::Male },
            age: elderly(rng),
        });
    } else if roll < 0.22 {
        v.push(Person { surname, gender: gender(rng), age: rng.random_range(22..65) });
    } else if roll < 0.42 {
        let age = elderly(rng);
        v.push(Person { surname, gender: Gender::Male, age });
        v.push(Person { surname: other(rng), gender: Gender::Female, age: (age - rng.random_range(0..5)).max(60) });
    } else if roll < 0.58 {
        let age = adult(rng);
        v.push(Person { surname, gender: Gender::Male, age });
        v.push(Person { surname: other(rng), gender: Gender::Female, age: (age - rng.random_range(0..4)).max(22) });
    } else {
        let age = rng.random_range(28..52);
        v.push(Person { surname, gender: Gender::Male, age });
        v.push(Person { surname: other(rng), gender: Gender::Female, age: age - rng.random_range(0..4) });
        let children = if rng.random_bool(0.2) { 2 } else { 1 };
        for _ in 0..children {
            v.push(Person { surname, gender: gender(rng), age: rng.random_range(0..(age - 22).clamp(1, 25)) });
        }
        if roll > 0.84 {
            // Three generations under one roof.
            v.push(Person { surname, gender: Gender::Female, age: (age + rng.random_range(24..32)).min(98) });
        }
    }
    v
}

fn full_name(rng: &mut ChaCha8Rng, p: &Person) -> String {
    let given = if p.age >= 60 {
        match p.gender {
            Gender::Male => (*OLD_MALE.choose(rng).unwrap_or(&"建国")).to_string(),
            Gender::Female => (*OLD_FEMALE.choose(rng).unwrap_or(&"秀英")).to_string(),
        }
    } else {
        let chars = match p.gender {
            Gender::Male => &MALE_CHARS,
            Gender::Female => &FEMALE_CHARS,
        };
        let n = if rng.random_bool(0.7) { 2 } else { 1 };
        (0..n).map(|_| *chars.choose(rng).unwrap_or(&"明")).collect()
    };
    format!("{}{given}", p.surname)
}

/// Care tags in the proportions of an old, ageing neighbourhood.
fn tags(rng: &mut ChaCha8Rng, p: &Person, alone: bool) -> TagSet {
    let mut t = TagSet::empty();
    let mut maybe = |tag: Tag, share: f64, rng: &mut ChaCha8Rng| {
        if rng.random_bool(share) {
            t.insert(tag);
        }
    };
    if alone && p.age >= 65 {
        maybe(Tag::ElderlyAlone, 1.0, rng);
    }
    if p.age >= 80 {
        maybe(Tag::Elderly, 1.0, rng);
    }
    if p.age >= 60 {
        maybe(Tag::ChronicMedicine, 0.3, rng);
    }
    if p.age >= 40 {
        maybe(Tag::Dialysis, 0.003, rng);
        maybe(Tag::Chemotherapy, 0.004, rng);
    }
    if p.age >= 75 {
        maybe(Tag::Incapacitated, 0.06, rng);
    }
    if p.age >= 70 {
        maybe(Tag::Immobile, 0.05, rng);
    }
    maybe(Tag::Disabled, 0.015, rng);
    if p.gender == Gender::Female && (22..=40).contains(&p.age) {
        maybe(Tag::Pregnant, 0.04, rng);
    }
    if (6..=13).contains(&p.age) {
        maybe(Tag::ChildAlone, 0.01, rng);
    }
    t
}

/// A valid ID number (GB 11643 check digit) for a synthetic person.
fn id_number(rng: &mut ChaCha8Rng, area: &str, year: i32, gender: Gender) -> Option<IdCardNo> {
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let mut seq = rng.random_range(0..500) * 2;
    if gender == Gender::Male {
        seq += 1;
    }
    let number = shouwang_domain::id_card::with_check_digit(&format!("{area}{year:04}{month:02}{day:02}{seq:03}"))?;
    IdCardNo::parse(&number).ok()
}

fn phone_number(rng: &mut ChaCha8Rng) -> Option<PhoneNumber> {
    let second = *[3, 5, 7, 8, 9].choose(rng).unwrap_or(&3);
    let rest: u64 = rng.random_range(0..1_000_000_000);
    PhoneNumber::parse(&format!("1{second}{rest:09}")).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_numbers_hold() {
        for plan in plans() {
            let records = residents(&plan);
            let rooms: usize = plan.compounds.iter().flat_map(|c| &c.buildings).map(|(_, r)| r.len()).sum();
            let households: std::collections::HashSet<_> =
                records.iter().map(|r| (r.compound.clone(), r.building.clone(), r.room.clone())).collect();
            assert!(households.len() < rooms, "{}: some rooms stay empty, as in real estates", plan.code);
            assert_eq!(records.len(), plan.residents, "{}", plan.code);
            let compounds: std::collections::HashSet<_> = records.iter().map(|r| r.compound.clone()).collect();
            match plan.code {
                "sy" => assert_eq!(compounds.len(), 11),
                "js" => assert_eq!(compounds.len(), 12),
                "ye" => {
                    let buildings: std::collections::HashSet<_> = records.iter().map(|r| r.building.clone()).collect();
                    assert_eq!(buildings.len(), 53);
                }
                "fzy" => assert_eq!(records.len(), 6_531),
                _ => {}
            }
            let alone = records.iter().filter(|r| r.tags.contains(Tag::ElderlyAlone)).count();
            let share = alone as f64 / records.len() as f64;
            assert!((0.02..0.12).contains(&share), "{}: elderly living alone {share}", plan.code);
        }
    }

    #[test]
    fn generation_is_deterministic_and_rows_are_unique() {
        let plan = &plans()[2];
        let a = residents(plan);
        assert_eq!(a, residents(plan));
        let (kept, rejected) = shouwang_domain::reject_duplicates(a.clone());
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(kept.len(), a.len());
    }
}
