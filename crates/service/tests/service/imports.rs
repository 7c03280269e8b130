//! Resident and volunteer imports are isolated and applied once (issue 11,
//! item 5): upload -> preview -> apply through the service, on SQLite and
//! (with SHOUWANG_TEST_POSTGRES_URL) on PostgreSQL.

use shouwang_db::accounts::{NewUser, create_user};
use shouwang_db::audit;
use shouwang_db::entity::{import_upload, resident};
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::testing::TestDb;
use shouwang_db::{Backend, ConnectionTrait};
use shouwang_domain::{Clock, IdHasher, RegionCode, RegionKind, RejectReason, Role, VolunteerKind};
use shouwang_service::registry::{self, ImportRefusal, ImportResult};
use shouwang_service::volunteers::{self, Applied};
use shouwang_service::{Actor, Context, Place};
use uuid::Uuid;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

struct World {
    t: TestDb,
    ctx: Context,
    actor: Actor,
    community: Uuid,
}

/// One community (sy) and its admin with an account (uploads are kept per account).
async fn world() -> World {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("sy"), "2022年3月商一社区封控").await.unwrap();
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap();
    let user = create_user(
        db,
        NewUser {
            username: "sy-admin",
            display_name: "社区管理员",
            password_hash: "x".into(),
            role: Role::CommunityAdmin,
            scope: &code("sy"),
            personal_grant: true,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let actor = Actor {
        user_id: Some(user.id),
        role: Role::CommunityAdmin,
        personal_grant: true,
        scope_path: sy.path.clone(),
        ..Actor::operator("sy-admin")
    };
    let ctx = Context::new(db.clone(), IdHasher::new(b"imports-test-key"), Clock::system());
    World { t, ctx, actor, community: sy.id }
}

/// A CSV roster: (name, building, room, phone) rows, no ID numbers, so a
/// person is matched by name at the same address only.
fn roster(rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from("姓名,楼号,室号,手机\r\n");
    for (name, building, room, phone) in rows {
        s.push_str(&format!("{name},{building},{room},{phone}\r\n"));
    }
    s.into_bytes()
}

fn family() -> Vec<u8> {
    roster(&[
        ("李秀英", "3", "1201", "13812345678"),
        ("王建国", "3", "1202", "13912345678"),
        ("赵敏", "5", "301", "13712345678"),
    ])
}

async fn preview(w: &World, bytes: Vec<u8>) -> Uuid {
    let r = registry::preview_import(&w.ctx, &w.actor, "sy", Some(("roster.csv".into(), bytes))).await.unwrap();
    let r = r.unwrap_or_else(|e| panic!("preview refused: {e:?}"));
    r.upload.expect("the file is kept")
}

async fn apply(w: &World, upload: Uuid) -> Result<ImportResult, ImportRefusal> {
    registry::apply_import(&w.ctx, &w.actor, upload, false).await.unwrap().1
}

async fn residents(w: &World) -> u64 {
    resident::Entity::find().filter(resident::Column::CommunityId.eq(w.community)).count(&w.t.db.read).await.unwrap()
}

async fn audited(w: &World, action: &str) -> u64 {
    let filter = audit::Filter { action: Some(action.into()), ..Default::default() };
    audit::search(&w.t.db.read, "/", &filter, 0, 10).await.unwrap().1
}

async fn kept(w: &World, upload: Uuid) -> Option<import_upload::Model> {
    import_upload::Entity::find_by_id(upload).all(&w.t.db.read).await.unwrap().pop()
}

#[tokio::test]
async fn a_second_apply_of_one_upload_answers_already_applied_and_changes_nothing() {
    let w = world().await;
    let upload = preview(&w, family()).await;
    let first = apply(&w, upload).await.unwrap();
    assert!(first.report.applied);
    assert_eq!(first.report.counts.created, 3);
    let kept_file = kept(&w, upload).await.expect("the marker stays until the sweep");
    assert!(kept_file.bytes.is_empty(), "the ID and phone numbers are gone with the apply");
    assert!(kept_file.applied_at.is_some());

    let again = apply(&w, upload).await;
    assert!(matches!(again, Err(ImportRefusal::AlreadyApplied)), "{again:?}");
    assert_eq!(residents(&w).await, 3, "nobody twice");
    assert_eq!(audited(&w, "import_residents").await, 1, "one import, one audit entry");
    let zh = shouwang_domain::i18n::t(shouwang_domain::Lang::Zh, "uploads.already_applied");
    let en = shouwang_domain::i18n::t(shouwang_domain::Lang::En, "uploads.already_applied");
    assert!(zh.contains("已经导入") && en.contains("already been imported"), "{zh} / {en}");
}

#[tokio::test]
async fn a_double_click_applies_one_upload_once() {
    let w = world().await;
    let upload = preview(&w, family()).await;
    let (a, b) = tokio::join!(apply(&w, upload), apply(&w, upload));
    let applied = [&a, &b].iter().filter(|r| r.is_ok()).count();
    let refused = [&a, &b].iter().filter(|r| matches!(r, Err(ImportRefusal::AlreadyApplied))).count();
    assert_eq!((applied, refused), (1, 1), "{a:?} / {b:?}");
    assert_eq!(residents(&w).await, 3);
    assert_eq!(audited(&w, "import_residents").await, 1);
}

#[tokio::test]
async fn the_audit_entry_and_the_kept_file_go_with_the_import_or_not_at_all() {
    let w = world().await;
    let upload = preview(&w, family()).await;
    // The audit log refuses the entry: the import must not stay half-done.
    let sql = match w.t.db.backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER boom BEFORE INSERT ON audit_log WHEN NEW.action = 'import_residents' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END"
                .to_string(),
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN \
             IF NEW.action = 'import_residents' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END \
             $$ LANGUAGE plpgsql"
                .to_string(),
            "CREATE TRIGGER boom BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION boom()".to_string(),
        ],
    };
    for s in &sql {
        w.t.db.write.execute_unprepared(s).await.unwrap();
    }
    let failed = registry::apply_import(&w.ctx, &w.actor, upload, false).await;
    assert!(failed.is_err(), "the apply failed: {failed:?}");
    assert_eq!(residents(&w).await, 0, "no resident without its audit entry");
    let still = kept(&w, upload).await.expect("the upload is still kept");
    assert!(!still.bytes.is_empty() && still.applied_at.is_none(), "and may be applied again");

    w.t.db.write.execute_unprepared("DROP TRIGGER boom ON audit_log").await.ok();
    w.t.db.write.execute_unprepared("DROP TRIGGER boom").await.ok();
    let done = apply(&w, upload).await.unwrap();
    assert_eq!(done.report.counts.created, 3);
    assert_eq!(audited(&w, "import_residents").await, 1);
}

/// 400 people without ID numbers over 20 buildings.
fn big_roster() -> Vec<u8> {
    let rows: Vec<(String, String, String, String)> = (0..400)
        .map(|i| (format!("居民{i:03}"), format!("{}", i % 20 + 1), format!("{}", 101 + i % 7), String::new()))
        .collect();
    let rows: Vec<(&str, &str, &str, &str)> =
        rows.iter().map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str())).collect();
    roster(&rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_the_same_rows_at_once_add_nobody_twice() {
    let w = std::sync::Arc::new(world().await);
    for round in 0..3 {
        // Two previews of the same rows (two tabs, two committee members, two instances).
        let (u1, u2) = (preview(&w, big_roster()).await, preview(&w, big_roster()).await);
        let (w1, w2) = (w.clone(), w.clone());
        let (a, b) = tokio::join!(
            tokio::spawn(async move { apply(&w1, u1).await }),
            tokio::spawn(async move { apply(&w2, u2).await })
        );
        let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
        assert_eq!(residents(&w).await, 400, "round {round}: no duplicate residents");
        let created = a.report.counts.created + b.report.counts.created;
        let unchanged = a.report.counts.unchanged + b.report.counts.unchanged;
        let expected = if round == 0 { (400, 400) } else { (0, 800) };
        assert_eq!((created, unchanged), expected, "round {round}");
    }
}

#[tokio::test]
async fn an_edit_made_after_the_preview_is_kept_and_the_row_reported() {
    let w = world().await;
    let first = preview(&w, family()).await;
    apply(&w, first).await.unwrap();
    // A newer file changes 李秀英's phone and 赵敏's; it is previewed...
    let newer = roster(&[
        ("李秀英", "3", "1201", "13800000001"),
        ("王建国", "3", "1202", "13912345678"),
        ("赵敏", "5", "301", "13700000003"),
    ]);
    let upload = preview(&w, newer).await;
    // ...then someone corrects 李秀英 by hand before the apply.
    let li = resident::Entity::find()
        .filter(resident::Column::Name.eq("李秀英"))
        .all(&w.t.db.read)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let input = registry::ResidentInput {
        name: "李秀英".into(),
        phone: Some("13811112222".into()),
        note: Some("电话已核实".into()),
        ..Default::default()
    };
    registry::edit_resident(&w.ctx, &w.actor, li.id, input).await.unwrap().unwrap();

    let done = apply(&w, upload).await.unwrap();
    assert!(done.report.applied);
    assert_eq!(done.report.counts.updated, 1, "赵敏's new phone goes in");
    let conflict: Vec<_> =
        done.report.rejected.iter().filter(|r| r.reason == RejectReason::EditedSincePreview).collect();
    assert_eq!(conflict.len(), 1, "{:?}", done.report.rejected);
    assert_eq!(conflict[0].row, 2, "李秀英's row is reported");
    let li = resident::Entity::find_by_id(li.id).all(&w.t.db.read).await.unwrap().pop().unwrap();
    assert_eq!(li.phone.as_deref(), Some("13811112222"), "the hand edit is not overwritten");
    assert_eq!(residents(&w).await, 3);
}

#[tokio::test]
async fn expired_uploads_are_swept_and_cannot_be_applied() {
    let w = world().await;
    let old = preview(&w, family()).await;
    w.ctx.clock.advance(time::Duration::minutes(40));
    let fresh = preview(&w, family()).await;
    w.ctx.clock.advance(time::Duration::minutes(21));
    assert_eq!(registry::sweep_uploads(&w.ctx).await.unwrap(), 1, "only the one past its hour");
    assert!(kept(&w, old).await.is_none(), "its ID and phone numbers are gone");
    assert!(kept(&w, fresh).await.is_some(), "a preview still valid stays");
    assert!(matches!(apply(&w, old).await, Err(ImportRefusal::Expired)));
    assert_eq!(residents(&w).await, 0);
    // An applied upload's marker goes in the same sweep once its hour is over.
    apply(&w, fresh).await.unwrap();
    w.ctx.clock.advance(time::Duration::minutes(40));
    assert_eq!(registry::sweep_uploads(&w.ctx).await.unwrap(), 1);
    assert!(kept(&w, fresh).await.is_none());
}

/// A work unit's volunteer list, two rows.
fn volunteer_list() -> Vec<u8> {
    "姓名,手机,工作单位\r\n张三,13900001111,区财政局\r\n李四,13900002222,区财政局\r\n".as_bytes().to_vec()
}

async fn place(w: &World) -> Place {
    shouwang_service::community(
        &w.ctx,
        &w.actor,
        "sy",
        shouwang_domain::access::Resource::Volunteer,
        shouwang_domain::access::Action::Write,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_volunteer_list_is_applied_once() {
    let w = world().await;
    let sy = place(&w).await;
    let kind = shouwang_io::FileKind::Csv;
    let list = |bytes| {
        volunteers::preview_import(&w.ctx, &w.actor, &sy, "list.csv", bytes, kind, VolunteerKind::DeployedCadre)
    };
    let upload = list(volunteer_list()).await.unwrap().unwrap().upload;
    let (a, b) = tokio::join!(
        volunteers::apply_import(&w.ctx, &w.actor, &sy, upload, VolunteerKind::DeployedCadre),
        volunteers::apply_import(&w.ctx, &w.actor, &sy, upload, VolunteerKind::DeployedCadre),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let filed = [&a, &b].iter().filter(|r| matches!(r, Applied::Filed(2))).count();
    let refused = [&a, &b].iter().filter(|r| matches!(r, Applied::AlreadyApplied)).count();
    assert_eq!((filed, refused), (1, 1), "{a:?} / {b:?}");
    assert_eq!(audited(&w, "duty_import").await, 1);
    let again = volunteers::apply_import(&w.ctx, &w.actor, &sy, upload, VolunteerKind::DeployedCadre).await.unwrap();
    assert!(matches!(again, Applied::AlreadyApplied), "{again:?}");
    assert!(kept(&w, upload).await.unwrap().bytes.is_empty());
}
