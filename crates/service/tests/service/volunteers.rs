//! A volunteer's page, the phone reveal and a login for a volunteer go
//! through the service: the access check, the business checks and the audit
//! entry are there, not in a handler.

use shouwang_db::audit;
use shouwang_db::mobilisation::{self as mob, DutyReport};
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::testing::TestDb;
use shouwang_domain::{
    Availability, Clock, DutyStatus, GroupFunctionSet, IdHasher, Lang, RegionCode, RegionKind, Role, SkillSet,
    VolunteerKind,
};
use shouwang_service::{Actor, Context, Error, volunteers};
use uuid::Uuid;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// 商一 and 商二 under one subdistrict; one volunteer reported to 商一, not yet reviewed.
async fn world() -> (TestDb, Context, Uuid) {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("se"), "商务区第二社区", Some(&code("wh-jh-ws"))).await.unwrap();
    let community = community_by_code(&db.read, &code("sy")).await.unwrap();
    let report = DutyReport {
        name: "张三".into(),
        phone: "13900001111".into(),
        home_compound_id: None,
        home_building_id: None,
        kind: VolunteerKind::NearbyMember,
        work_unit: None,
        party_org: None,
        skills: SkillSet::empty(),
        availability: Availability::empty(),
        preferred_posts: GroupFunctionSet::empty(),
        experienced: false,
        exempt: None,
        note: None,
        source: "manual",
    };
    let e = Actor::operator("test").entry("duty_report", "volunteer", None, &community);
    let id = mob::report_for_duty(db, community.id, &report, e).await.unwrap().id();
    let ctx = Context::new(db.clone(), IdHasher::new(b"k"), Clock::system());
    (t, ctx, id)
}

fn admin_of(path: &str) -> Actor {
    Actor { role: Role::CommunityAdmin, personal_grant: false, scope_path: path.into(), ..Actor::operator("admin") }
}

async fn reveals(t: &TestDb) -> u64 {
    let filter = audit::Filter { action: Some("volunteer_reveal".into()), ..Default::default() };
    audit::search(&t.db.read, "/", &filter, 0, 10).await.unwrap().1
}

#[tokio::test]
async fn the_page_masks_the_phone_and_another_community_may_not_see_it() {
    let (_t, ctx, id) = world().await;
    let sy = community_by_code(&ctx.db.read, &code("sy")).await.unwrap();
    let se = community_by_code(&ctx.db.read, &code("se")).await.unwrap();
    let d = volunteers::detail(&ctx, &admin_of(&sy.path), id).await.unwrap();
    assert_eq!(d.volunteer.phone, "139****1111");
    assert_eq!(d.volunteer.status, DutyStatus::Reported);
    assert_eq!(d.community.code, "sy");
    let other = volunteers::detail(&ctx, &admin_of(&se.path), id).await;
    assert!(matches!(other, Err(Error::NotFound(_))), "{other:?}");
}

#[tokio::test]
async fn a_reveal_needs_a_reason_and_leaves_an_audit_entry() {
    let (t, ctx, id) = world().await;
    let actor = Actor::operator("admin");
    let refused = volunteers::reveal_phone(&ctx, &actor, id, "  ").await;
    assert!(matches!(refused, Err(Error::Invalid(_))), "{refused:?}");
    assert_eq!(reveals(&t).await, 0);
    let phone = volunteers::reveal_phone(&ctx, &actor, id, "通知核酸检测").await.unwrap();
    assert_eq!(phone, "13900001111");
    assert_eq!(reveals(&t).await, 1);
}

#[tokio::test]
async fn a_login_waits_for_the_review_and_hashes_no_password_before() {
    let (_t, ctx, id) = world().await;
    let actor = Actor::operator("admin");
    // Refused before the hash is ever asked for.
    let hash = async { panic!("the password was hashed before the checks") };
    let refused = volunteers::create_login(&ctx, &actor, id, "zhangsan", "group_leader", hash).await;
    match refused {
        Err(Error::Invalid(m)) => assert_eq!(m.message(Lang::En), "verify the volunteer before giving them a login"),
        other => panic!("{other:?}"),
    }
    let sy = volunteers::community_of(&ctx, &actor, id, shouwang_domain::access::Action::Write).await.unwrap();
    volunteers::review(&ctx, &actor, &sy, &[id], volunteers::Decision::Verify).await.unwrap();
    let hash = async { Ok("$argon2id$fake".to_string()) };
    let username = volunteers::create_login(&ctx, &actor, id, "ZhangSan", "group_leader", hash).await.unwrap();
    assert_eq!(username, "zhangsan");
    let d = volunteers::detail(&ctx, &actor, id).await.unwrap();
    assert_eq!(d.account.as_deref(), Some("zhangsan"));
    assert!(d.account_roles.is_empty(), "a second login is not offered");
    let again = volunteers::create_login(&ctx, &actor, id, "zs2", "volunteer", async { Ok(String::new()) }).await;
    assert!(matches!(again, Err(Error::Invalid(_))), "{again:?}");
}
