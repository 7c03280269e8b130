//! The pages through HTTP, as a browser uses them: login and lockout,
//! forced password change, CSRF, scope, reveal with a reason and the audit
//! log, language switch, security headers.

use std::net::SocketAddr;

use shouwang_db::accounts::{NewUser, create_user};
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::import::{Cell, RawResidentRow, parse_row};
use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role};
use shouwang_web::{AppState, Application, WebConfig};

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

struct App {
    base: String,
    _db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

const PASSWORD: &str = "a-long-password-2022";

async fn user(db: &shouwang_db::Db, name: &str, role: Role, scope: &str, must_change: bool) {
    create_user(
        db,
        NewUser {
            username: name,
            display_name: name,
            password_hash: shouwang_web::auth::hash_password(PASSWORD).unwrap(),
            role,
            scope: &code(scope),
            personal_grant: false,
            must_change_password: must_change,
        },
    )
    .await
    .unwrap();
}

async fn spawn() -> App {
    let t = TestDb::new().await;
    let db = &t.db;
    for (kind, c, name, parent) in [
        (RegionKind::City, "wh", "武汉市", None),
        (RegionKind::District, "wh-jh", "江汉区", Some("wh")),
        (RegionKind::Subdistrict, "wh-jh-ws", "万松街道", Some("wh-jh")),
        (RegionKind::Community, "sy", "商务区第一社区", Some("wh-jh-ws")),
        (RegionKind::Community, "other", "另一个社区", Some("wh-jh-ws")),
    ] {
        add_region(db, kind, &code(c), name, parent.map(code).as_ref()).await.unwrap();
    }
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    let cell = |s: &str| Some(Cell::Text(s.into()));
    let raw = RawResidentRow {
        row: 2,
        name: cell("康秀英"),
        compound: cell("云飞雅苑"),
        building: cell("1号楼"),
        room: cell("101"),
        phone: cell("13812345678"),
        tags: cell("独居老人"),
        ..Default::default()
    };
    let hasher = IdHasher::new(b"test key of some length");
    import_residents(
        db,
        &code("sy"),
        vec![parse_row(&raw, 2026).unwrap()],
        vec![],
        ColumnsPresent::all(),
        &hasher,
        ImportOptions::default(),
    )
    .await
    .unwrap();
    user(db, "admin", Role::CommunityAdmin, "sy", false).await;
    user(db, "vol", Role::Volunteer, "sy", false).await;
    user(db, "newbie", Role::SocialWorker, "sy", true).await;
    user(db, "outsider", Role::CommunityAdmin, "other", false).await;
    let config = WebConfig { cookie_secure: false, ..Default::default() };
    let app = Application::build(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        AppState::new(shouwang_service::Context::new(t.db.clone(), hasher, shouwang_domain::Clock::system()), config),
    )
    .await
    .unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    App { base: format!("http://{addr}"), _db: t, _stop: stop }
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

impl App {
    async fn login(&self, client: &reqwest::Client, name: &str, password: &str) -> reqwest::Response {
        client
            .post(format!("{}/login", self.base))
            .form(&[("username", name), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// The CSRF token of the logged-in page.
    async fn csrf(&self, client: &reqwest::Client) -> String {
        let (_, html) = self.page(client, "/").await;
        csrf_of(&html)
    }

    async fn household_id(&self, client: &reqwest::Client) -> String {
        let (_, html) = self.page(client, "/search?q=康秀英").await;
        let start = html.find("/households/").unwrap() + 12;
        html[start..start + 36].to_string()
    }
}

#[tokio::test]
async fn anonymous_readers_are_sent_to_the_login_page() {
    let app = spawn().await;
    let r = browser().get(format!("{}/regions/sy", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=/regions/sy");
    let (status, html) = app.page(&browser(), "/login").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"username\"") && html.contains("lang=\"zh-CN\""));
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_fifth_locks_the_account() {
    let app = spawn().await;
    let client = browser();
    for _ in 0..5 {
        let r = app.login(&client, "admin", "wrong password").await;
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap().contains("用户名或密码不正确"));
    }
    let r = app.login(&client, "admin", PASSWORD).await;
    assert_eq!(r.status(), 401, "locked even with the right password");
    assert!(r.text().await.unwrap().contains("锁定"));
}

#[tokio::test]
async fn login_then_browse_to_a_household_with_masked_phones() {
    let app = spawn().await;
    let client = browser();
    let r = app.login(&client, "admin", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let (status, home) = app.page(&client, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("data-testid=\"my-area\""));
    let (_, community) = app.page(&client, "/regions/sy").await;
    assert!(community.contains("云飞雅苑"));
    let id = app.household_id(&client).await;
    let (status, household) = app.page(&client, &format!("/households/{id}")).await;
    assert_eq!(status, 200);
    assert!(household.contains("138****5678"));
    assert!(!household.contains("13812345678"));
}

#[tokio::test]
async fn revealing_a_phone_needs_a_reason_and_lands_in_the_audit_log() {
    let app = spawn().await;
    let client = browser();
    app.login(&client, "admin", PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let id = app.household_id(&client).await;
    let (_, household) = app.page(&client, &format!("/households/{id}")).await;
    let start = household.find("/residents/").unwrap() + 11;
    let resident = &household[start..start + 36];

    // Without the CSRF token: refused.
    let r = client
        .post(format!("{}/residents/{resident}/reveal", app.base))
        .form(&[("reason", "送药")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Without a reason: refused.
    let r = client
        .post(format!("{}/residents/{resident}/reveal", app.base))
        .form(&[("reason", " "), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = client
        .post(format!("{}/residents/{resident}/reveal", app.base))
        .form(&[("reason", "送降压药上门，需电话联系"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("13812345678"));

    let (status, audit) = app.page(&client, "/audit").await;
    assert_eq!(status, 200);
    assert!(audit.contains("reveal_phone") && audit.contains("送降压药上门"), "{audit}");
    assert!(!audit.contains("13812345678"), "the audit log never holds the number itself");
}

#[tokio::test]
async fn a_cross_site_post_is_refused() {
    let app = spawn().await;
    let client = browser();
    app.login(&client, "admin", PASSWORD).await;
    let csrf = app.csrf(&client).await;
    let r = client
        .post(format!("{}/logout", app.base))
        .header("origin", "https://evil.example")
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_volunteer_and_another_community_are_refused() {
    let app = spawn().await;
    let vol = browser();
    app.login(&vol, "vol", PASSWORD).await;
    for path in ["/regions/sy", "/audit", "/search?q=康", "/import"] {
        let (status, html) = app.page(&vol, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("无权访问"), "{path}");
    }
    let outsider = browser();
    app.login(&outsider, "outsider", PASSWORD).await;
    let (status, _) = app.page(&outsider, "/regions/sy").await;
    assert_eq!(status, 404);
    let id = app.household_id(&browser_logged(&app, "admin").await).await;
    let (status, _) = app.page(&outsider, &format!("/households/{id}")).await;
    assert_eq!(status, 404);
}

async fn browser_logged(app: &App, name: &str) -> reqwest::Client {
    let c = browser();
    app.login(&c, name, PASSWORD).await;
    c
}

#[tokio::test]
async fn a_first_password_must_be_changed_before_anything_else() {
    let app = spawn().await;
    let client = browser();
    let r = app.login(&client, "newbie", PASSWORD).await;
    assert_eq!(r.headers()["location"], "/account/password");
    let r = client.get(format!("{}/regions/sy", app.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account/password");
    let (_, page) = app.page(&client, "/account/password").await;
    let csrf = csrf_of(&page);
    let r = client
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", "short"),
            ("confirm_password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let new = "a brand new password";
    let r = client
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", PASSWORD),
            ("new_password", new),
            ("confirm_password", new),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");
    let (status, _) = app.page(&client, "/regions/sy").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_language_choice_is_remembered_for_the_user() {
    let app = spawn().await;
    let client = browser();
    app.login(&client, "admin", PASSWORD).await;
    let csrf = app.csrf(&client).await;
    client
        .post(format!("{}/lang", app.base))
        .form(&[("_csrf", csrf.as_str()), ("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    let (_, home) = app.page(&client, "/").await;
    assert!(home.contains("lang=\"en\"") && home.contains("Log out"));
    // A new browser (no cookie) logging in as the same user gets English.
    let other = browser_logged(&app, "admin").await;
    let (_, home) = app.page(&other, "/").await;
    assert!(home.contains("lang=\"en\""), "remembered per user");
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn().await;
    let r = browser().get(format!("{}/login", app.base)).send().await.unwrap();
    let h = r.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let css = browser().get(format!("{}/static/app.css", app.base)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
}

#[tokio::test]
async fn household_slips_open_a_page_without_names_and_can_be_revoked() {
    let app = spawn().await;
    let admin = browser_logged(&app, "admin").await;
    let (_, community) = app.page(&admin, "/regions/sy").await;
    let start = community.find("/regions/sy.").unwrap() + 9;
    let compound = community[start..].split('"').next().unwrap().to_string();
    let (_, compound_page) = app.page(&admin, &format!("/regions/{compound}")).await;
    let start = compound_page.find(&format!("/regions/{compound}.")).unwrap() + 9;
    let building = compound_page[start..].split('"').next().unwrap().to_string();
    let (status, slips) = app.page(&admin, &format!("/regions/{building}/slips")).await;
    assert_eq!(status, 200);
    assert!(slips.contains("<svg") && slips.contains("data-testid=\"slip\""), "{slips}");
    let start = slips.find("/h/").unwrap() + 3;
    let token = slips[start..].split('<').next().unwrap().to_string();
    assert!(token.len() >= 40, "unguessable: {token}");
    // Printing again keeps the same link (slips already on doors stay valid).
    let (_, again) = app.page(&admin, &format!("/regions/{building}/slips")).await;
    assert!(again.contains(&token));

    let anonymous = browser();
    let (status, page) = app.page(&anonymous, &format!("/h/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("商务区第一社区") && page.contains("101"));
    assert!(!page.contains("康秀英"), "no names on a page anyone at the door can open");

    let vol = browser_logged(&app, "vol").await;
    let (status, _) = app.page(&vol, &format!("/regions/{building}/slips")).await;
    assert_eq!(status, 403);

    let id = app.household_id(&admin).await;
    let csrf = app.csrf(&admin).await;
    let r = admin
        .post(format!("{}/households/{id}/link/revoke", app.base))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (status, page) = app.page(&anonymous, &format!("/h/{token}")).await;
    assert_eq!(status, 404);
    assert!(page.contains("已作废"));
    let (_, audit) = app.page(&admin, "/audit?action=revoke_link").await;
    assert!(audit.contains("revoke_link"));
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_first_password_must_change() {
    let app = spawn().await;
    let admin = browser_logged(&app, "admin").await;
    let csrf = app.csrf(&admin).await;
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "louzu1"),
            ("display_name", "楼组长一"),
            ("role", "volunteer"),
            ("scope", "sy"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let start = html.find("data-testid=\"new-password\"").unwrap();
    let password = html[start..].split("<b>").nth(1).unwrap().split("</b>").next().unwrap().to_string();
    assert_eq!(password.len(), 14);
    let newcomer = browser();
    let r = app.login(&newcomer, "louzu1", &password).await;
    assert_eq!(r.headers()["location"], "/account/password");

    // A community admin cannot appoint a district official, nor act outside the community.
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[("_csrf", csrf.as_str()), ("username", "boss"), ("role", "district_staff"), ("scope", "sy")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = admin
        .post(format!("{}/users", app.base))
        .form(&[("_csrf", csrf.as_str()), ("username", "spy"), ("role", "volunteer"), ("scope", "other")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (_, audit) = app.page(&admin, "/audit?action=user_add").await;
    assert!(audit.contains("louzu1") && !audit.contains(&password));
}

#[tokio::test]
async fn editing_a_resident_is_validated_and_audited_with_before_and_after() {
    let app = spawn().await;
    let admin = browser_logged(&app, "admin").await;
    let csrf = app.csrf(&admin).await;
    let id = app.household_id(&admin).await;
    let (_, household) = app.page(&admin, &format!("/households/{id}")).await;
    let start = household.find("/residents/").unwrap() + 11;
    let resident = household[start..start + 36].to_string();
    let (status, form) = app.page(&admin, &format!("/residents/{resident}/edit")).await;
    assert_eq!(status, 200);
    assert!(form.contains("138****5678") && !form.contains("13812345678"));

    let post = |fields: Vec<(&'static str, String)>| {
        let client = admin.clone();
        let url = format!("{}/residents/{resident}/edit", app.base);
        async move { client.post(url).form(&fields).send().await.unwrap() }
    };
    let bad = post(vec![("_csrf", csrf.clone()), ("name", "康秀英".into()), ("phone", "12345".into())]).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("手机号格式不正确"));
    let ok = post(vec![
        ("_csrf", csrf.clone()),
        ("name", "康秀英".into()),
        ("gender", "F".into()),
        ("birth_year", "1938".into()),
        ("phone", "139 0000 1111".into()),
        ("tag", "elderly_alone".into()),
        ("tag", "dialysis".into()),
    ])
    .await;
    assert_eq!(ok.status(), 303);
    let (_, household) = app.page(&admin, &format!("/households/{id}")).await;
    assert!(household.contains("139****1111") && household.contains("血透"), "{household}");
    let (_, audit) = app.page(&admin, "/audit?action=resident_edit").await;
    assert!(audit.contains("138****5678") && audit.contains("139****1111"), "before and after, masked: {audit}");
    assert!(!audit.contains("13900001111"));

    let vol = browser_logged(&app, "vol").await;
    let (status, _) = app.page(&vol, &format!("/residents/{resident}/edit")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_household_contact_phone_is_changed_and_audited_masked() {
    let app = spawn().await;
    let admin = browser_logged(&app, "admin").await;
    let csrf = app.csrf(&admin).await;
    let id = app.household_id(&admin).await;
    let url = format!("{}/households/{id}/contact", app.base);
    let bad = admin.post(&url).form(&[("_csrf", csrf.as_str()), ("phone", "021-64381234")]).send().await.unwrap();
    assert_eq!(bad.status(), 400);
    let ok = admin.post(&url).form(&[("_csrf", csrf.as_str()), ("phone", "13700002222")]).send().await.unwrap();
    assert_eq!(ok.status(), 303);
    let (_, page) = app.page(&admin, &format!("/households/{id}")).await;
    assert!(page.contains("137****2222"));
    let (_, audit) = app.page(&admin, "/audit?action=household_edit").await;
    assert!(audit.contains("138****5678") && audit.contains("137****2222") && !audit.contains("13700002222"));
}

#[tokio::test]
async fn a_roster_reader_that_dies_refuses_the_file_and_the_server_lives_on() {
    // The server reads uploads in a child process; here the "reader" is a
    // program that fails at once, as calamine's abort on a crafted file would.
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    user(db, "admin", Role::CommunityAdmin, "sy", false).await;
    let config = WebConfig { cookie_secure: false, roster_parser: Some("/bin/false".into()), ..Default::default() };
    let app = Application::build(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        AppState::new(
            shouwang_service::Context::new(t.db.clone(), IdHasher::new(b"k"), shouwang_domain::Clock::system()),
            config,
        ),
    )
    .await
    .unwrap();
    let base = format!("http://{}", app.local_addr().unwrap());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let client = browser();
    client.post(format!("{base}/login")).form(&[("username", "admin"), ("password", PASSWORD)]).send().await.unwrap();
    let home = client.get(format!("{base}/")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&home);
    let form = reqwest::multipart::Form::new()
        .text("community", "sy")
        .part("file", reqwest::multipart::Part::bytes(b"PK\x03\x04 crafted".to_vec()).file_name("roster.xlsx"));
    let r = client.post(format!("{base}/import?_csrf={csrf}")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("flash-error"));
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
}
