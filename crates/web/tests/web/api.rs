//! The server in-process on port 0 against a fresh database: probes, metrics
//! and the registry API with masked personal fields.

use std::net::SocketAddr;

use serde_json::Value;
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::import::{Cell, RawResidentRow, parse_row};
use shouwang_domain::{IdHasher, RegionCode, RegionKind};
use shouwang_web::{AppState, Application, WebConfig};

struct TestApp {
    base: String,
    client: reqwest::Client,
    _db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// An API token for a community admin of `sy`.
async fn admin_token(db: &shouwang_db::Db) -> String {
    use shouwang_db::accounts::{NewUser, create_api_token, create_user};
    let user = create_user(
        db,
        NewUser {
            username: "api-admin",
            display_name: "接口",
            password_hash: "x".into(),
            role: shouwang_domain::Role::CommunityAdmin,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let token = shouwang_web::auth::random_token();
    create_api_token(db, user.id, "tests", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
    token
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

async fn spawn_app() -> TestApp {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    let cell = |s: &str| Some(Cell::Text(s.into()));
    let row = RawResidentRow {
        row: 2,
        name: cell("王芳"),
        compound: cell("云飞雅苑"),
        building: cell("1号楼"),
        room: cell("101"),
        phone: cell("13812345678"),
        id_card: cell("11010519491231002X"),
        tags: cell("独居老人 血透"),
        ..Default::default()
    };
    let record = parse_row(&row, 2026).unwrap();
    import_residents(
        db,
        &code("sy"),
        vec![record],
        vec![],
        ColumnsPresent::all(),
        &IdHasher::new(b"k"),
        ImportOptions::default(),
    )
    .await
    .unwrap();

    let token = admin_token(db).await;
    let state = AppState::new(
        shouwang_service::Context::new(t.db.clone(), IdHasher::new(b"k"), shouwang_domain::Clock::system()),
        WebConfig::default(),
    );
    let app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    let client = reqwest::Client::builder().default_headers(headers).build().unwrap();
    TestApp { base: format!("http://{addr}"), client, _db: t, _stop: stop }
}

impl TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }
    async fn json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }
}

#[tokio::test]
async fn probes_answer_and_carry_a_request_id() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-request-id"));
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let app = spawn_app().await;
    app.get("/api/v1/regions/sy").await;
    let body = app.get("/metrics").await.text().await.unwrap();
    assert!(body.contains("http_requests_total"), "{body}");
    assert!(body.contains("route=\"/api/v1/regions/{code}\""), "{body}");
}

#[tokio::test]
async fn the_registry_can_be_walked_down_to_a_household() {
    let app = spawn_app().await;
    let roots = app.json("/api/v1/regions").await;
    assert_eq!(roots[0]["code"], "wh");
    let community = app.json("/api/v1/regions/SY").await;
    assert_eq!(community["region"]["name"], "商务区第一社区");
    assert_eq!(community["summary"]["residents"], 1);
    assert_eq!(community["summary"]["tagged_residents"], 1);
    let compound_code = community["children"][0]["code"].as_str().unwrap().to_string();
    let compound = app.json(&format!("/api/v1/regions/{compound_code}")).await;
    let building_code = compound["children"][0]["code"].as_str().unwrap().to_string();
    let households = app.json(&format!("/api/v1/buildings/{building_code}/households")).await;
    assert_eq!(households[0]["room"], "101");
    assert_eq!(households[0]["contact_phone"], "138****5678");
    let id = households[0]["id"].as_str().unwrap();
    let household = app.json(&format!("/api/v1/households/{id}")).await;
    let resident = &household["residents"][0];
    assert_eq!(resident["name"], "王芳");
    assert_eq!(resident["phone"], "138****5678");
    assert_eq!(resident["id_number"], "110105********002X");
    assert_eq!(resident["tag_labels"], serde_json::json!(["独居老人", "血透"]));
}

#[tokio::test]
async fn no_response_contains_a_full_phone_or_id_number() {
    let app = spawn_app().await;
    let page = app.get("/api/v1/communities/sy/residents?page=1&per_page=10").await.text().await.unwrap();
    assert!(page.contains("\"total\":1"), "{page}");
    assert!(!page.contains("13812345678"));
    assert!(!page.contains("11010519491231002X"));
}

#[tokio::test]
async fn errors_are_json_in_chinese_and_english() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/regions/nowhere").await;
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("找不到"));
    assert!(body["message_en"].as_str().unwrap().contains("not found"));
    let r = app.get("/api/v1/communities/wh-jh/residents").await;
    assert_eq!(r.status(), 400);
    let r = app.get("/api/v1/regions/bad%20code!").await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.get("/nothing-here").await.status(), 404);
}

#[tokio::test]
async fn openapi_document_lists_every_registry_endpoint() {
    let app = spawn_app().await;
    let doc = app.json("/api/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/buildings/{code}/households",
        "/api/v1/households/{id}",
        "/api/v1/communities/{code}/residents",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(doc["components"]["schemas"]["ResidentDto"].is_object());
}

#[tokio::test]
async fn the_api_refuses_anonymous_callers_and_other_areas() {
    let app = spawn_app().await;
    let anonymous = reqwest::get(format!("{}/api/v1/regions/sy", app.base)).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("登录"));
    let bad_token = reqwest::Client::new()
        .get(format!("{}/api/v1/regions/sy", app.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_token.status(), 401);
    // The admin of sy may look up the tree above, but not another district's data.
    assert_eq!(app.get("/api/v1/regions/wh").await.status(), 200);
}
