//! The page tests' harness: an app on a fresh database (SQLite, or
//! PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set) with 商务区第一社区's
//! compounds and a few accounts, a cookie-keeping browser, and volunteers
//! made straight through storage.

use std::net::SocketAddr;

pub use shouwang_db::accounts::{NewUser, create_user};
pub use shouwang_db::mobilisation as mob;
pub use shouwang_db::registry::{add_region, community_by_code};
pub use shouwang_db::testing::TestDb;
pub use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role};
pub use shouwang_web::{AppState, Application, WebConfig};

pub const PASSWORD: &str = "a-long-password-2022";

pub fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

pub struct App {
    pub base: String,
    pub db: shouwang_db::Db,
    /// The app's own service context (same database, same clock).
    pub ctx: shouwang_service::Context,
    _t: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn() -> App {
    let t = TestDb::new().await;
    let db = t.db.clone();
    for (kind, c, name, parent) in [
        (RegionKind::City, "wh", "武汉市", None),
        (RegionKind::District, "wh-jh", "江汉区", Some("wh")),
        (RegionKind::Subdistrict, "wh-jh-ws", "万松街道", Some("wh-jh")),
        (RegionKind::Community, "sy", "商务区第一社区", Some("wh-jh-ws")),
        (RegionKind::Community, "other", "另一个社区", Some("wh-jh-ws")),
        (RegionKind::Compound, "sy-yf", "云飞雅苑", Some("sy")),
        (RegionKind::Compound, "sy-lt", "蓝天花园", Some("sy")),
        (RegionKind::Compound, "sy-xb", "西北湖花园", Some("sy")),
        (RegionKind::Building, "sy-yf-1", "1号楼", Some("sy-yf")),
        (RegionKind::Building, "sy-lt-1", "1号楼", Some("sy-lt")),
    ] {
        add_region(&db, kind, &code(c), name, parent.map(code).as_ref()).await.unwrap();
    }
    shouwang_db::registry::open_incident(&db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    for (name, role, scope) in [
        ("admin", Role::CommunityAdmin, "sy"),
        ("outsider", Role::CommunityAdmin, "other"),
        ("vol", Role::Volunteer, "sy"),
        ("district", Role::DistrictStaff, "wh-jh"),
        ("leader", Role::GroupLeader, "sy"),
        ("far", Role::Volunteer, "other"),
    ] {
        create_user(
            &db,
            NewUser {
                username: name,
                display_name: name,
                password_hash: shouwang_web::auth::hash_password(PASSWORD).unwrap(),
                role,
                scope: &code(scope),
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    }
    let config = WebConfig { cookie_secure: false, ..Default::default() };
    let state = AppState::new(
        shouwang_service::Context::new(
            db.clone(),
            IdHasher::new(b"test key of some length"),
            shouwang_domain::Clock::system(),
        ),
        config,
    );
    let ctx = state.ctx.clone();
    let app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    App { base: format!("http://{addr}"), db, ctx, _t: t, _stop: stop }
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl App {
    /// A logged-in browser and its CSRF token.
    pub async fn login(&self, name: &str) -> (reqwest::Client, String) {
        let client = browser();
        let r = client
            .post(format!("{}/login", self.base))
            .form(&[("username", name), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "login of {name}");
        let (_, home) = self.page(&client, "/").await;
        (client, csrf_of(&home))
    }

    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }

    pub async fn community(&self) -> shouwang_db::entity::region::Model {
        community_by_code(&self.db.read, &code("sy")).await.unwrap()
    }
}

/// `n` verified volunteers living in the community's compounds, straight through storage.
pub async fn verified(app: &App, n: usize) -> Vec<uuid::Uuid> {
    let c = app.community().await;
    let compounds = mob::compounds_of_community(&app.db.read, &c).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let report = mob::DutyReport {
            name: format!("党员{i:02}"),
            phone: format!("1380000{i:04}"),
            home_compound_id: Some(compounds[i % compounds.len()].id),
            home_building_id: None,
            kind: shouwang_domain::VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: None,
            skills: if i % 5 == 0 {
                [shouwang_domain::Skill::Driving].into_iter().collect()
            } else {
                Default::default()
            },
            availability: Default::default(),
            preferred_posts: Default::default(),
            experienced: i < 3,
            exempt: None,
            note: None,
            source: "manual",
        };
        let entry = shouwang_db::audit::Entry {
            user_id: None,
            username: "test".into(),
            action: "duty_report",
            target_kind: "volunteer",
            target_id: None,
            region_path: None,
            detail: serde_json::json!({}),
            peer: None,
        };
        ids.push(mob::report_for_duty(&app.db, c.id, &report, entry.clone()).await.unwrap().id());
        mob::review(&app.db, c.id, &[*ids.last().unwrap()], &mob::Review::Verify, None, entry).await.unwrap();
    }
    ids
}

/// A login for a volunteer, linked to their duty report.
pub async fn volunteer_login(app: &App, name: &str, volunteer: uuid::Uuid) {
    let user = create_user(
        &app.db,
        NewUser {
            username: name,
            display_name: name,
            password_hash: shouwang_web::auth::hash_password(PASSWORD).unwrap(),
            role: Role::Volunteer,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    mob::link_user(&app.db, volunteer, Some(user.id)).await.unwrap();
}

/// An audit entry for setup done straight through storage.
pub fn setup_entry(action: &'static str, target_kind: &'static str) -> shouwang_db::audit::Entry {
    shouwang_db::audit::Entry {
        user_id: None,
        username: "test".into(),
        action,
        target_kind,
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}
