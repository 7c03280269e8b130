//! Accounts through the service: an account appoints only at or below its
//! own rank inside its own area, and every account write lands with its
//! audit entry.

use shouwang_db::accounts::{self, NewUser};
use shouwang_db::audit::{self, Filter};
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::{Clock, IdHasher, Lang, RegionCode, RegionKind, Role};
use shouwang_service::accounts::{self as service, Login, PasswordHashing, PasswordRefusal};
use shouwang_service::{Actor, Context, Error};

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Two communities under one subdistrict; 管理员 is the admin of 商一.
async fn world() -> (TestDb, Context, Actor) {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Community, &code("se"), "商务区第二社区", Some(&code("wh-jh-ws"))).await.unwrap();
    let admin = accounts::create_user(
        db,
        NewUser {
            username: "admin",
            display_name: "管理员",
            password_hash: service::hash_password("correct horse battery").unwrap(),
            role: Role::CommunityAdmin,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let ctx = Context::new(db.clone(), IdHasher::new(&[7; 32]), Clock::system());
    let actor = Actor {
        user_id: Some(admin.id),
        username: admin.username,
        display_name: admin.display_name,
        role: Role::CommunityAdmin,
        personal_grant: false,
        scope_path: "/wh/wh-jh/wh-jh-ws/sy/".into(),
        lang: Lang::Zh,
        peer: Some("10.0.0.1".into()),
    };
    (t, ctx, actor)
}

async fn actions(ctx: &Context) -> Vec<String> {
    let (rows, _) = audit::search(&ctx.db.read, "/", &Filter::default(), 0, 100).await.unwrap();
    rows.into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn an_account_appoints_only_at_or_below_its_rank_inside_its_area() {
    let (_t, ctx, admin) = world().await;
    let hashing = PasswordHashing::default();
    let above = service::create_user(&ctx, &hashing, &admin, "boss", None, "subdistrict_staff", "wh-jh-ws").await;
    assert!(matches!(above, Err(Error::Forbidden)));
    // Another community does not exist for this account (404, issue 11 item 3).
    let elsewhere = service::create_user(&ctx, &hashing, &admin, "other", None, "social_worker", "se").await;
    assert!(matches!(elsewhere, Err(Error::NotFound(_))), "{elsewhere:?}");
    assert!(accounts::find_by_username(&ctx.db.read, "boss").await.unwrap().is_none());
    assert!(accounts::find_by_username(&ctx.db.read, "other").await.unwrap().is_none());

    let made = service::create_user(&ctx, &hashing, &admin, "Worker", Some("社工小王"), "social_worker", "sy")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(made.username, "worker");
    assert_eq!(made.password.len(), 14);
    let taken = service::create_user(&ctx, &hashing, &admin, "worker", None, "social_worker", "sy").await.unwrap();
    assert!(taken.unwrap_err().message(shouwang_domain::Lang::Zh).contains("已被使用"));
    let stored = accounts::find_by_username(&ctx.db.read, "worker").await.unwrap().unwrap();
    assert!(stored.user.must_change_password);
    assert!(service::verify_password(&made.password, &stored.user.password_hash));
    assert_eq!(actions(&ctx).await, ["user_add"]);

    let page = service::users(&ctx, &admin).await.unwrap();
    let me = page.users.iter().find(|u| u.username == "admin").unwrap();
    let worker = page.users.iter().find(|u| u.username == "worker").unwrap();
    assert!(!me.manageable && worker.manageable);
    assert!(page.roles.iter().all(|(code, _)| code != "subdistrict_staff"));
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_is_audited() {
    let (_t, ctx, admin) = world().await;
    let hashing = PasswordHashing::default();
    let made =
        service::create_user(&ctx, &hashing, &admin, "worker", None, "social_worker", "sy").await.unwrap().unwrap();
    let Login::Started { token, .. } = service::login(&ctx, &hashing, "worker", &made.password, None).await.unwrap()
    else {
        panic!("the first password logs in")
    };
    let hash = shouwang_service::tokens::sha256_hex(&token);
    assert!(service::session_user(&ctx, &hash).await.unwrap().is_some());
    let id = accounts::find_by_username(&ctx.db.read, "worker").await.unwrap().unwrap().user.id;
    assert!(matches!(service::set_enabled(&ctx, &admin, admin.user_id.unwrap(), false).await, Err(Error::Forbidden)));
    service::set_enabled(&ctx, &admin, id, false).await.unwrap();
    assert!(service::session_user(&ctx, &hash).await.unwrap().is_none());
    let again = service::login(&ctx, &hashing, "worker", &made.password, None).await.unwrap();
    assert!(matches!(again, Login::Failed));
    assert_eq!(actions(&ctx).await, ["login_failed", "user_disable", "login", "user_add"]);
}

#[tokio::test]
async fn a_new_password_is_checked_then_ends_the_other_sessions() {
    let (_t, ctx, admin) = world().await;
    let hashing = PasswordHashing::default();
    let start = |password: &'static str| {
        let (ctx, hashing) = (ctx.clone(), hashing.clone());
        async move {
            match service::login(&ctx, &hashing, "admin", password, None).await.unwrap() {
                Login::Started { token, .. } => shouwang_service::tokens::sha256_hex(&token),
                other => panic!("{other:?}"),
            }
        }
    };
    let (here, there) = (start("correct horse battery").await, start("correct horse battery").await);
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let (ctx, hashing, admin, here) = (ctx.clone(), hashing.clone(), admin.clone(), here.clone());
        async move { service::change_password(&ctx, &hashing, &admin, Some(&here), current, new, confirm).await.unwrap() }
    };
    assert_eq!(change("correct horse battery", "a new one here", "another").await, Err(PasswordRefusal::Mismatch));
    assert_eq!(change("correct horse battery", "short", "short").await, Err(PasswordRefusal::TooShort));
    assert_eq!(change("wrong password!", "a new one here", "a new one here").await, Err(PasswordRefusal::WrongCurrent));
    assert_eq!(change("correct horse battery", "a new one here", "a new one here").await, Ok(()));
    assert!(service::session_user(&ctx, &here).await.unwrap().is_some());
    assert!(service::session_user(&ctx, &there).await.unwrap().is_none());
    assert_eq!(actions(&ctx).await, ["password_change", "login", "login"]);
}
