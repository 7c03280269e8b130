//! A sign-up burst through the running server, shared by the concurrency test
//! (`tests/web/signup_burst.rs`) and the benchmark (`benches/signup_burst.rs`):
//! `n` volunteers, each with an API token, join one sheet at the same moment,
//! through one app instance or several sharing the database.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use shouwang_db::accounts::{NewUser, create_api_token, create_user};
use shouwang_db::mobilisation::{self as mob, DutyReport, Review};
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::signup::{self, NewSheet};
use shouwang_db::testing::TestDb;
use shouwang_db::{Db, DbOptions, audit};
use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role, VolunteerKind};
use shouwang_web::{AppState, Application, WebConfig};
use uuid::Uuid;

pub struct Burst {
    pub t: TestDb,
    /// One base URL per app instance.
    pub bases: Vec<String>,
    pub sheet: Uuid,
    pub tokens: Vec<String>,
    _stops: Vec<tokio::sync::oneshot::Sender<()>>,
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn entry() -> audit::Entry {
    audit::Entry {
        user_id: None,
        username: "burst".into(),
        action: "burst",
        target_kind: "test",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    }
}

async fn instance(db: Db) -> (String, tokio::sync::oneshot::Sender<()>) {
    let config = WebConfig { cookie_secure: false, ..Default::default() };
    let state = AppState::new(
        shouwang_service::Context::new(db, IdHasher::new(b"burst key"), shouwang_domain::Clock::system()),
        config,
    );
    let app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

/// `n` verified volunteers with tokens, a sheet of `capacity`, and `instances` servers.
pub async fn setup(t: TestDb, n: usize, capacity: i32, instances: usize) -> Burst {
    let db = t.db.clone();
    for (kind, c, name, parent) in [
        (RegionKind::City, "wh", "武汉市", None),
        (RegionKind::District, "wh-jh", "江汉区", Some("wh")),
        (RegionKind::Subdistrict, "wh-jh-ws", "万松街道", Some("wh-jh")),
        (RegionKind::Community, "sy", "商务区第一社区", Some("wh-jh-ws")),
    ] {
        add_region(&db, kind, &code(c), name, parent.map(code).as_ref()).await.unwrap();
    }
    shouwang_db::registry::open_incident(&db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    let sy = community_by_code(&db.read, &code("sy")).await.unwrap().id;
    let reports: Vec<DutyReport> = (0..n)
        .map(|i| DutyReport {
            name: format!("党员{i:04}"),
            phone: format!("1390{i:07}"),
            home_compound_id: None,
            home_building_id: None,
            kind: VolunteerKind::NearbyMember,
            work_unit: None,
            party_org: None,
            skills: Default::default(),
            availability: Default::default(),
            preferred_posts: Default::default(),
            experienced: false,
            exempt: None,
            note: None,
            source: "manual",
        })
        .collect();
    mob::import_duty_reports(&db, sy, &reports, entry()).await.unwrap();
    let people = mob::list_volunteers(&db.read, sy, &Default::default()).await.unwrap();
    let ids: Vec<Uuid> = people.iter().map(|r| r.volunteer.id).collect();
    mob::review(&db, sy, &ids, &Review::Verify, None, entry()).await.unwrap();
    let mut tokens = Vec::new();
    for (i, v) in ids.iter().enumerate() {
        let user = create_user(
            &db,
            NewUser {
                username: &format!("v{i:04}"),
                display_name: "v",
                // Never used: these accounts only call with tokens.
                password_hash: "-".into(),
                role: Role::Volunteer,
                scope: &code("sy"),
                personal_grant: false,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        let token = shouwang_web::auth::random_token();
        create_api_token(&db, user.id, "burst", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
        mob::link_user(&db, *v, Some(user.id)).await.unwrap();
        tokens.push(token);
    }
    let sheet = signup::create_sheet(
        &db,
        sy,
        NewSheet { title: "今晚10点 蔬菜包卸货分发".into(), capacity, ..Default::default() },
        shouwang_web::auth::random_token(),
        None,
        entry(),
    )
    .await
    .unwrap()
    .id;
    let mut bases = Vec::new();
    let mut stops = Vec::new();
    for i in 0..instances {
        // Each instance its own pool, as separate processes would have.
        let db = if i == 0 { db.clone() } else { Db::connect(&t.url, &DbOptions::default()).await.unwrap() };
        let (base, stop) = instance(db).await;
        bases.push(base);
        stops.push(stop);
    }
    Burst { t, bases, sheet, tokens, _stops: stops }
}

/// Another sheet of `capacity` in the burst's community.
pub async fn new_sheet(b: &Burst, title: &str, capacity: i32) -> Uuid {
    let sy = community_by_code(&b.t.db.read, &code("sy")).await.unwrap().id;
    signup::create_sheet(
        &b.t.db,
        sy,
        NewSheet { title: title.into(), capacity, ..Default::default() },
        shouwang_web::auth::random_token(),
        None,
        entry(),
    )
    .await
    .unwrap()
    .id
}

/// Warms each instance as a live server is warm (connections open,
/// statements prepared): 50 of the volunteers join another sheet first.
pub async fn warm_up(b: &Burst) {
    let other = new_sheet(b, "预热", 10).await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for (i, token) in b.tokens.iter().take(50).enumerate() {
        let url = format!("{}/api/v1/signup-sheets/{other}/join", b.bases[i % b.bases.len()]);
        let (client, token) = (client.clone(), token.clone());
        tasks.push(tokio::spawn(async move { client.post(url).bearer_auth(token).send().await.unwrap().status() }));
    }
    for t in tasks {
        assert!(t.await.unwrap().is_success());
    }
}

/// What one join got back.
pub struct Answer {
    pub status: u16,
    pub outcome: String,
    pub latency: Duration,
}

/// Every volunteer joins the burst's sheet at once (spread over the
/// instances); returns the answers and the wall time of the whole burst.
pub async fn fire(b: &Burst) -> (Vec<Answer>, Duration) {
    fire_at(b, b.sheet).await
}

/// [`fire`] at another sheet.
pub async fn fire_at(b: &Burst, sheet: Uuid) -> (Vec<Answer>, Duration) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let start_line = std::sync::Arc::new(tokio::sync::Barrier::new(b.tokens.len()));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, token) in b.tokens.iter().enumerate() {
        let url = format!("{}/api/v1/signup-sheets/{sheet}/join", b.bases[i % b.bases.len()]);
        let (client, token, start_line) = (client.clone(), token.clone(), start_line.clone());
        tasks.push(tokio::spawn(async move {
            start_line.wait().await;
            let t0 = Instant::now();
            let r = client.post(url).bearer_auth(token).send().await.unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            Answer { status, outcome: body["status"].as_str().unwrap_or("").to_string(), latency: t0.elapsed() }
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    (answers, started.elapsed())
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}
