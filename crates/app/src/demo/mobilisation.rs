//! The demo's volunteers, branches and groups, as the seed articles tell them:
//!
//! - 商务区第一社区: 22 deployed cadres and 90 nearby members; the first
//!   temporary branch of 18 cadres (secretary 黄伟) keeps the compounds sealed
//!   in two patrol groups; the second (secretary 夏双喜) puts the 90 members
//!   into 10 groups of a leader and 8 members, each looking after 1-2 of the
//!   11 compounds. The groups come from the auto-grouping itself. Four cadres
//!   who arrived later, a few residents, and two people already on duty
//!   elsewhere (exempt) wait in the inbox; one leader has gone into isolation
//!   and the deputy has taken over.
//! - 阳二居民区: 10+ cadres and 30+ members in one branch, seven working groups.
//! - 建三居民区: a seven-person branch of cadres, police and security guards.
//! - 方舟园居民区: 237 volunteers grouped over its compounds.
//!
//! Everything goes through the same storage functions the pages use; a
//! community that already has volunteers is left alone, so a second run
//! changes nothing.

use anyhow::Context;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use shouwang_db::entity::region;
use shouwang_db::mobilisation::{self as mob, CompoundInfo, DutyReport, GroupSpec, Review};
use shouwang_db::{audit, registry};
use shouwang_domain::grouping::GroupingParams;
use shouwang_domain::{
    Availability, BranchKind, DayPart, ExemptReason, GroupFunction, GroupFunctionSet, HealthStatus, Lang, RegionCode,
    Skill, SkillSet, VolunteerKind,
};
use time::macros::date;
use uuid::Uuid;

use super::{FEMALE_CHARS, MALE_CHARS, SURNAMES};

fn entry(action: &'static str, community: &region::Model) -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "demo".into(),
        action,
        target_kind: "community",
        target_id: Some(community.code.clone()),
        region_path: Some(community.path.clone()),
        detail: serde_json::json!({}),
        peer: None,
    }
}

/// A person to report, before their phone and skills are drawn.
struct Recruit {
    name: Option<&'static str>,
    kind: VolunteerKind,
    home: Option<Uuid>,
    work_unit: Option<&'static str>,
    experienced: bool,
    exempt: Option<ExemptReason>,
}

struct Generator {
    rng: ChaCha8Rng,
    phones: std::collections::HashSet<String>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator { rng: ChaCha8Rng::seed_from_u64(seed), phones: Default::default() }
    }

    fn name(&mut self) -> String {
        let surname = *SURNAMES.choose(&mut self.rng).unwrap_or(&"王");
        let chars: &[&str] = if self.rng.random_bool(0.5) { &MALE_CHARS } else { &FEMALE_CHARS };
        let n = if self.rng.random_bool(0.7) { 2 } else { 1 };
        let given: String = (0..n).map(|_| *chars.choose(&mut self.rng).unwrap_or(&"明")).collect();
        format!("{surname}{given}")
    }

    fn phone(&mut self) -> String {
        loop {
            let second = *[3, 5, 7, 8, 9].choose(&mut self.rng).unwrap_or(&3);
            let rest: u64 = self.rng.random_range(0..1_000_000_000);
            let p = format!("1{second}{rest:09}");
            if self.phones.insert(p.clone()) {
                return p;
            }
        }
    }

    fn report(&mut self, r: &Recruit, building: Option<Uuid>) -> DutyReport {
        let mut skills = SkillSet::empty();
        // About one in eight can nurse or drive: enough for one per group.
        if self.rng.random_bool(0.07) {
            skills.insert(Skill::Medical);
        }
        if self.rng.random_bool(0.08) {
            skills.insert(Skill::Driving);
        }
        for (s, p) in
            [(Skill::It, 0.06), (Skill::HeavyLifting, 0.15), (Skill::Counselling, 0.03), (Skill::Electrician, 0.03)]
        {
            if self.rng.random_bool(p) {
                skills.insert(s);
            }
        }
        let availability = if self.rng.random_bool(0.5) {
            Availability::all_day()
        } else {
            DayPart::ALL.iter().copied().filter(|_| self.rng.random_bool(0.5)).collect()
        };
        let mut posts = GroupFunctionSet::empty();
        for f in GroupFunction::ALL {
            if self.rng.random_bool(0.15) {
                posts.insert(*f);
            }
        }
        let party = matches!(r.kind, VolunteerKind::DeployedCadre | VolunteerKind::NearbyMember);
        DutyReport {
            name: r.name.map_or_else(|| self.name(), str::to_string),
            phone: self.phone(),
            home_compound_id: r.home,
            home_building_id: building,
            kind: r.kind,
            work_unit: r.work_unit.map(str::to_string),
            party_org: party.then(|| format!("{}党支部", r.work_unit.unwrap_or("在职单位"))),
            skills,
            availability,
            preferred_posts: posts,
            experienced: r.experienced,
            exempt: r.exempt,
            note: None,
            source: "demo",
        }
    }
}

/// Homes spread over compounds in proportion to their residents (largest remainder).
fn spread(compounds: &[CompoundInfo], n: usize) -> Vec<Uuid> {
    let total: u64 = compounds.iter().map(|c| u64::from(c.residents)).sum::<u64>().max(1);
    let mut shares: Vec<(usize, u64, u64)> = compounds
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let exact = u64::from(c.residents) * n as u64;
            (i, exact / total, exact % total)
        })
        .collect();
    let mut left = n as u64 - shares.iter().map(|s| s.1).sum::<u64>();
    shares.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for s in shares.iter_mut() {
        if left == 0 {
            break;
        }
        s.1 += 1;
        left -= 1;
    }
    shares.sort_by_key(|s| s.0);
    shares.iter().flat_map(|(i, k, _)| std::iter::repeat_n(compounds[*i].id, *k as usize)).collect()
}

async fn file(
    ctx: &shouwang_service::Context,
    community: &region::Model,
    reports: &[DutyReport],
) -> anyhow::Result<Vec<Uuid>> {
    let db = &ctx.db;
    mob::import_duty_reports(db, community.id, reports, entry("duty_import", community)).await?;
    let all = mob::list_volunteers(&db.read, community.id, &Default::default()).await?;
    Ok(reports
        .iter()
        .filter_map(|r| all.iter().find(|v| v.volunteer.phone == r.phone).map(|v| v.volunteer.id))
        .collect())
}

async fn buildings_of(ctx: &shouwang_service::Context, compound: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let db = &ctx.db;
    Ok(registry::children(&db.read, compound).await?.into_iter().map(|b| b.id).collect())
}

async fn community(ctx: &shouwang_service::Context, code: &str) -> anyhow::Result<region::Model> {
    let db = &ctx.db;
    Ok(registry::community_by_code(&db.read, &RegionCode::parse(code).context("demo code")?).await?)
}

/// Reports, homes and buildings for `n` people living in the community.
async fn residents_reporting(
    ctx: &shouwang_service::Context,
    g: &mut Generator,
    compounds: &[CompoundInfo],
    n: usize,
    kind: VolunteerKind,
    named: &[(&'static str, usize)],
) -> anyhow::Result<Vec<DutyReport>> {
    let homes = spread(compounds, n);
    let mut out = Vec::new();
    for (i, home) in homes.iter().enumerate() {
        let buildings = buildings_of(ctx, *home).await?;
        let building = buildings.choose(&mut g.rng).copied();
        let name = named.iter().find(|(_, at)| *at == i).map(|(n, _)| *n);
        let recruit = Recruit {
            name,
            kind,
            home: Some(*home),
            work_unit: None,
            experienced: name.is_some() || g.rng.random_bool(0.15),
            exempt: None,
        };
        out.push(g.report(&recruit, building));
    }
    Ok(out)
}

pub async fn create(ctx: &shouwang_service::Context, lang: Lang) -> anyhow::Result<()> {
    let db = &ctx.db;
    shangyi(ctx).await?;
    yanger(ctx).await?;
    jiansan(ctx).await?;
    fangzhouyuan(ctx).await?;
    for code in ["sy", "js", "ye", "fzy"] {
        let c = community(ctx, code).await?;
        let n = mob::counts_of(&db.read, c.id).await?;
        println!(
            "  {}",
            shouwang_domain::i18n::t_with(
                lang,
                "cli.demo.mobilised",
                &[
                    ("name", &c.name),
                    ("reported", &n.reported),
                    ("verified", &n.verified),
                    ("exempt", &n.exempt),
                    ("grouped", &n.grouped),
                    ("groups", &n.groups)
                ]
            )
        );
    }
    Ok(())
}

async fn has_volunteers(ctx: &shouwang_service::Context, c: &region::Model) -> anyhow::Result<bool> {
    let db = &ctx.db;
    Ok(mob::counts_of(&db.read, c.id).await?.reported > 0)
}

/// Proposes groups for everyone verified and not yet grouped, and confirms
/// the proposal into `branch`, as a committee would with two clicks.
async fn auto_group(ctx: &shouwang_service::Context, c: &region::Model, branch: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let db = &ctx.db;
    let draft = shouwang_service::groups::propose(ctx, c, GroupingParams::default(), None)
        .await
        .map_err(|e| anyhow::anyhow!(e.message(Lang::En)))?;
    let (_, updated_at) = shouwang_service::groups::load_draft(ctx, c)
        .await
        .map_err(|e| anyhow::anyhow!(e.message(Lang::En)))?
        .context("the draft just saved")?;
    let specs = shouwang_service::groups::specs_of(&draft, Some(branch));
    Ok(mob::confirm_draft(db, c.id, updated_at, &specs, None, entry("grouping_confirm", c)).await?)
}

async fn shangyi(ctx: &shouwang_service::Context) -> anyhow::Result<()> {
    let db = &ctx.db;
    let c = community(ctx, "sy").await?;
    if has_volunteers(ctx, &c).await? {
        return Ok(());
    }
    let mut g = Generator::new(11);
    // Rough positions on the committee's plan (metres east/north of the service centre),
    // so that people whose own compound's groups are full land in the nearest one.
    for (i, compound) in mob::compounds_of_community(&db.read, &c).await?.iter().enumerate() {
        let (col, row) = ((i % 4) as f64, (i / 4) as f64);
        let position = Some((col * 320.0 + row * 40.0, row * 280.0));
        mob::set_compound_place(db, &c.path, compound.id, position, &[], entry("compound_place", &c)).await?;
    }
    let compounds = mob::compounds_of_community(&db.read, &c).await?;
    let yunfei = compounds.iter().position(|x| x.name == "云飞雅苑").unwrap_or(0);
    // The 90 nearby members; 夏双喜 and 王中理 both live in 云飞雅苑.
    let first_in_yunfei: usize = spread(&compounds, 90).iter().position(|h| *h == compounds[yunfei].id).unwrap_or(0);
    let members = residents_reporting(
        ctx,
        &mut g,
        &compounds,
        90,
        VolunteerKind::NearbyMember,
        &[("夏双喜", first_in_yunfei), ("王中理", first_in_yunfei + 1)],
    )
    .await?;
    let units = ["商务区集团", "市城管委", "市财政局", "武汉商学院"];
    let cadres: Vec<DutyReport> = (0..22)
        .map(|i| {
            let recruit = Recruit {
                name: (i == 0).then_some("黄伟"),
                kind: VolunteerKind::DeployedCadre,
                home: None,
                work_unit: Some(if i == 0 { "商务区集团中置公司" } else { units[i % units.len()] }),
                experienced: i < 3,
                exempt: None,
            };
            g.report(&recruit, None)
        })
        .collect();
    let mut inbox = residents_reporting(ctx, &mut g, &compounds, 6, VolunteerKind::ResidentVolunteer, &[]).await?;
    let exempt_homes = spread(&compounds, 2);
    for (reason, home) in [ExemptReason::OnDutyMedical, ExemptReason::OnDutyPolice].into_iter().zip(exempt_homes) {
        let r = Recruit {
            name: None,
            kind: VolunteerKind::NearbyMember,
            home: Some(home),
            work_unit: Some(if reason == ExemptReason::OnDutyMedical {
                "武汉市中心医院"
            } else {
                "江汉区公安分局"
            }),
            experienced: false,
            exempt: Some(reason),
        };
        inbox.push(g.report(&r, None));
    }

    let member_ids = file(ctx, &c, &members).await?;
    let cadre_ids = file(ctx, &c, &cadres).await?;
    file(ctx, &c, &inbox).await?;
    mob::review(db, c.id, &member_ids, &Review::Verify, None, entry("duty_review", &c)).await?;

    // 第二临时党支部: the 90 members, grouped by the auto-grouping.
    let second = mob::create_branch(
        db,
        c.id,
        "第二临时党支部（就近报到党员）",
        BranchKind::NearbyMembers,
        date!(2022 - 03 - 05),
        &member_ids,
        Some(member_ids[first_in_yunfei]),
        Some(member_ids[first_in_yunfei + 1]),
        None,
        entry("branch_create", &c),
    )
    .await?;
    let groups = auto_group(ctx, &c, second).await?;
    // The cadres are verified after the members are grouped, so the proposal is the members' alone.
    mob::review(db, c.id, &cadre_ids[..18], &Review::Verify, None, entry("duty_review", &c)).await?;
    // 第一临时党支部: 18 cadres keeping the compounds sealed, in two patrol groups.
    let first = mob::create_branch(
        db,
        c.id,
        "第一临时党支部（下沉干部）",
        BranchKind::SealedArea,
        date!(2022 - 03 - 05),
        &cadre_ids[..18],
        Some(cadre_ids[0]),
        Some(cadre_ids[1]),
        None,
        entry("branch_create", &c),
    )
    .await?;
    let patrol: GroupFunctionSet = [GroupFunction::Patrol].into_iter().collect();
    let patrols: Vec<GroupSpec> = cadre_ids[..18]
        .chunks(9)
        .enumerate()
        .map(|(i, chunk)| GroupSpec {
            name: Some(format!("封控值守{}组", ["一", "二"][i])),
            branch_id: Some(first),
            functions: patrol,
            compounds: Vec::new(),
            members: chunk.to_vec(),
            leader: Some(chunk[if i == 0 { 2 } else { 0 }]),
            deputy: Some(chunk[if i == 0 { 3 } else { 1 }]),
        })
        .collect();
    mob::create_groups(db, c.id, &patrols, None, entry("group_create", &c)).await?;

    // One leader (not the secretary) has been taken to isolation; the deputy (B角) has taken over.
    let views = mob::groups_of_community(&db.read, c.id).await?;
    let secretary = member_ids[first_in_yunfei];
    if let Some(leader) = groups
        .iter()
        .rev()
        .filter_map(|id| views.iter().find(|v| v.group.id == *id)?.leader_id())
        .find(|l| *l != secretary)
    {
        let demo = shouwang_service::Actor::operator("demo");
        shouwang_service::reactions::health_changed(ctx, &demo, &c, leader, HealthStatus::Isolated)
            .await
            .map_err(|e| anyhow::anyhow!(e.message(shouwang_domain::Lang::En)))?;
    }
    Ok(())
}

async fn yanger(ctx: &shouwang_service::Context) -> anyhow::Result<()> {
    let db = &ctx.db;
    let c = community(ctx, "ye").await?;
    if has_volunteers(ctx, &c).await? {
        return Ok(());
    }
    let mut g = Generator::new(12);
    let compounds = mob::compounds_of_community(&db.read, &c).await?;
    let mut reports = residents_reporting(ctx, &mut g, &compounds, 33, VolunteerKind::NearbyMember, &[]).await?;
    for i in 0..12 {
        let r = Recruit {
            name: None,
            kind: VolunteerKind::DeployedCadre,
            home: None,
            work_unit: Some(if i % 2 == 0 { "浦东新区机关" } else { "上海市机关" }),
            experienced: i < 2,
            exempt: None,
        };
        reports.push(g.report(&r, None));
    }
    let ids = file(ctx, &c, &reports).await?;
    mob::review(db, c.id, &ids, &Review::Verify, None, entry("duty_review", &c)).await?;
    let branch = mob::create_branch(
        db,
        c.id,
        "阳二居民区疫情防控临时党支部",
        BranchKind::Mixed,
        date!(2022 - 04 - 02),
        &ids,
        Some(ids[33]),
        Some(ids[0]),
        None,
        entry("branch_create", &c),
    )
    .await?;
    // Seven working groups by function (核酸检测、环境消杀、就医问药、特殊关爱…).
    let functions = [
        GroupFunction::Testing,
        GroupFunction::Disinfection,
        GroupFunction::Medicine,
        GroupFunction::SpecialCare,
        GroupFunction::Supplies,
        GroupFunction::Patrol,
        GroupFunction::Publicity,
    ];
    let names = ["核酸检测组", "环境消杀组", "就医问药组", "特殊关爱组", "物资保障组", "巡逻值守组", "宣传组"];
    let all_compounds: Vec<Uuid> = compounds.iter().map(|x| x.id).collect();
    let specs: Vec<GroupSpec> = (0..7)
        .map(|i| {
            let members: Vec<Uuid> = ids.iter().skip(i).step_by(7).copied().collect();
            GroupSpec {
                name: Some(names[i].to_string()),
                branch_id: Some(branch),
                functions: [functions[i]].into_iter().collect(),
                compounds: all_compounds.clone(),
                leader: members.first().copied(),
                deputy: members.get(1).copied(),
                members,
            }
        })
        .collect();
    mob::create_groups(db, c.id, &specs, None, entry("group_create", &c)).await?;
    Ok(())
}

async fn jiansan(ctx: &shouwang_service::Context) -> anyhow::Result<()> {
    let db = &ctx.db;
    let c = community(ctx, "js").await?;
    if has_volunteers(ctx, &c).await? {
        return Ok(());
    }
    let mut g = Generator::new(13);
    let people: [(Option<&'static str>, &'static str); 7] = [
        (Some("韦心磊"), "黄浦区机关"),
        (None, "国有企业集团"),
        (None, "机关事业单位"),
        (None, "城管执法队"),
        (None, "打浦桥派出所"),
        (None, "社区保安队"),
        (None, "国有企业集团"),
    ];
    let reports: Vec<DutyReport> = people
        .iter()
        .enumerate()
        .map(|(i, (name, unit))| {
            let r = Recruit {
                name: *name,
                kind: VolunteerKind::DeployedCadre,
                home: None,
                work_unit: Some(unit),
                experienced: i == 0,
                exempt: None,
            };
            g.report(&r, None)
        })
        .collect();
    let ids = file(ctx, &c, &reports).await?;
    mob::review(db, c.id, &ids, &Review::Verify, None, entry("duty_review", &c)).await?;
    let branch = mob::create_branch(
        db,
        c.id,
        "建三居民区防疫工作组临时党支部",
        BranchKind::DeployedCadres,
        date!(2022 - 04 - 01),
        &ids,
        Some(ids[0]),
        Some(ids[1]),
        None,
        entry("branch_create", &c),
    )
    .await?;
    let compounds: Vec<Uuid> = mob::compounds_of_community(&db.read, &c).await?.iter().map(|x| x.id).collect();
    let spec = GroupSpec {
        name: Some("党员突击队".into()),
        branch_id: Some(branch),
        functions: [GroupFunction::Patrol, GroupFunction::Supplies].into_iter().collect(),
        compounds,
        members: ids.clone(),
        leader: Some(ids[0]),
        deputy: Some(ids[1]),
    };
    mob::create_groups(db, c.id, &[spec], None, entry("group_create", &c)).await?;
    Ok(())
}

async fn fangzhouyuan(ctx: &shouwang_service::Context) -> anyhow::Result<()> {
    let db = &ctx.db;
    let c = community(ctx, "fzy").await?;
    if has_volunteers(ctx, &c).await? {
        return Ok(());
    }
    let mut g = Generator::new(14);
    let compounds: Vec<CompoundInfo> =
        mob::compounds_of_community(&db.read, &c).await?.into_iter().filter(|x| x.residents > 0).collect();
    let mut reports = residents_reporting(ctx, &mut g, &compounds, 200, VolunteerKind::ResidentVolunteer, &[]).await?;
    reports.extend(residents_reporting(ctx, &mut g, &compounds, 37, VolunteerKind::NearbyMember, &[]).await?);
    let ids = file(ctx, &c, &reports).await?;
    mob::review(db, c.id, &ids, &Review::Verify, None, entry("duty_review", &c)).await?;
    let branch = mob::create_branch(
        db,
        c.id,
        "方舟园临时党支部",
        BranchKind::Mixed,
        date!(2022 - 03 - 28),
        &[],
        Some(ids[200]),
        Some(ids[201]),
        None,
        entry("branch_create", &c),
    )
    .await?;
    auto_group(ctx, &c, branch).await?;
    Ok(())
}
