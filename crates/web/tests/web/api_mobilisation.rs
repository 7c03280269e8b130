//! The mobilisation API in-process on port 0 against a fresh database (SQLite,
//! or PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set): duty reports,
//! review, the grouping proposal and its confirmation, hand-overs on a health
//! change, the roll-up, access and the OpenAPI document.

use std::net::SocketAddr;

use serde_json::{Value, json};
use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
use shouwang_db::registry::add_region;
use shouwang_db::testing::TestDb;
use shouwang_domain::import::{Cell, RawResidentRow, parse_row};
use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role};
use shouwang_web::{AppState, Application, WebConfig};

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// An API token for a new account with `role` bound to `scope`.
async fn token(db: &shouwang_db::Db, username: &str, role: Role, scope: &str) -> String {
    use shouwang_db::accounts::{NewUser, create_api_token, create_user};
    let user = create_user(
        db,
        NewUser {
            username,
            display_name: username,
            password_hash: "x".into(),
            role,
            scope: &code(scope),
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

struct TestApp {
    base: String,
    client: reqwest::Client,
    admin: String,
    district: String,
    volunteer: String,
    _db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// wh > wh-jh > wh-jh-ws > sy, with two compounds (云飞雅苑 sy-yf with two
/// buildings, 蓝天花园 sy-lt with one) whose residents come from an import.
async fn spawn_app() -> TestApp {
    let t = TestDb::new().await;
    let db = &t.db;
    add_region(db, RegionKind::City, &code("wh"), "武汉市", None).await.unwrap();
    add_region(db, RegionKind::District, &code("wh-jh"), "江汉区", Some(&code("wh"))).await.unwrap();
    add_region(db, RegionKind::Subdistrict, &code("wh-jh-ws"), "万松街道", Some(&code("wh-jh"))).await.unwrap();
    shouwang_db::registry::open_incident(db, &code("wh"), "2022年武汉疫情防控").await.unwrap();
    add_region(db, RegionKind::Community, &code("sy"), "商务区第一社区", Some(&code("wh-jh-ws"))).await.unwrap();
    add_region(db, RegionKind::Compound, &code("sy-yf"), "云飞雅苑", Some(&code("sy"))).await.unwrap();
    add_region(db, RegionKind::Compound, &code("sy-lt"), "蓝天花园", Some(&code("sy"))).await.unwrap();
    add_region(db, RegionKind::Building, &code("sy-yf-1"), "1号楼", Some(&code("sy-yf"))).await.unwrap();
    // Residents: 4 in 云飞雅苑 (two buildings), 3 in 蓝天花园; household sizes follow.
    let cell = |s: &str| Some(Cell::Text(s.into()));
    let people = [
        ("云飞雅苑", "1号楼", "101", "王芳"),
        ("云飞雅苑", "1号楼", "101", "李强"),
        ("云飞雅苑", "2号楼", "201", "赵敏"),
        ("云飞雅苑", "2号楼", "202", "孙丽"),
        ("蓝天花园", "1栋", "301", "周杰"),
        ("蓝天花园", "1栋", "302", "吴刚"),
        ("蓝天花园", "1栋", "302", "郑爽"),
    ];
    let records = people
        .iter()
        .enumerate()
        .map(|(i, (compound, building, room, name))| {
            let row = RawResidentRow {
                row: i as u32 + 2,
                name: cell(name),
                compound: cell(compound),
                building: cell(building),
                room: cell(room),
                ..Default::default()
            };
            parse_row(&row, 2026).unwrap()
        })
        .collect();
    import_residents(
        db,
        &code("sy"),
        records,
        vec![],
        ColumnsPresent::all(),
        &IdHasher::new(b"k"),
        ImportOptions::default(),
    )
    .await
    .unwrap();

    let admin = token(db, "api-admin", Role::CommunityAdmin, "sy").await;
    let district = token(db, "api-district", Role::DistrictStaff, "wh-jh").await;
    let volunteer = token(db, "api-volunteer", Role::Volunteer, "sy").await;
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
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        admin,
        district,
        volunteer,
        _db: t,
        _stop: stop,
    }
}

impl TestApp {
    async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).bearer_auth(token).send().await.unwrap()
    }
    async fn post_as(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).bearer_auth(token).json(body).send().await.unwrap()
    }
    /// GET as the community admin, expecting 200.
    async fn get(&self, path: &str) -> Value {
        let r = self.get_as(&self.admin, path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }
    /// POST as the community admin, expecting `status`.
    async fn post(&self, path: &str, body: Value, status: u16) -> Value {
        let r = self.post_as(&self.admin, path, &body).await;
        let got = r.status().as_u16();
        let text = r.text().await.unwrap();
        assert_eq!(got, status, "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Files a duty report as the admin; returns the volunteer id.
    async fn report(&self, name: &str, phone: &str, compound: &str, skills: &[&str]) -> String {
        let body = json!({
            "name": name, "phone": phone, "compound": compound, "kind": "nearby_member",
            "party_org": "某局机关党支部", "skills": skills,
        });
        let r = self.post("/api/v1/communities/sy/duty-reports", body, 201).await;
        r["id"].as_str().unwrap().to_string()
    }

    /// Eight verified volunteers, four living in each compound; returns their ids.
    async fn verified_pool(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for i in 0..8 {
            let compound = if i < 4 { "sy-yf" } else { "sy-lt" };
            let skills: &[&str] = match i {
                1 => &["medical"],
                5 => &["driving"],
                _ => &[],
            };
            ids.push(self.report(&format!("党员{i}"), &format!("1390000{:04}", 1000 + i), compound, skills).await);
        }
        let r = self
            .post("/api/v1/communities/sy/volunteers/review", json!({ "ids": ids, "decision": "verify" }), 200)
            .await;
        assert_eq!(r["changed"], 8);
        ids
    }

    /// A proposal of two groups (one per compound) of a leader and three more.
    async fn propose(&self) -> Value {
        let params = json!({ "min_members": 2, "max_members": 3, "max_compounds": 1 });
        self.post("/api/v1/communities/sy/grouping/proposal", params, 200).await
    }
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn a_duty_report_is_created_then_merged_by_phone() {
    let app = spawn_app().await;
    let body = json!({ "name": "夏双喜", "phone": "13900001111", "kind": "nearby_member" });
    let first = app.post("/api/v1/communities/sy/duty-reports", body, 201).await;
    assert_eq!(first["merged"], false);
    let again = json!({
        "name": "夏双喜", "phone": "139 0000 1111", "kind": "就近报到党员",
        "compound": "sy-yf", "building": "sy-yf-1", "skills": ["driving"],
    });
    let second = app.post("/api/v1/communities/sy/duty-reports", again, 201).await;
    assert_eq!(second["merged"], true);
    assert_eq!(second["id"], first["id"]);

    let list = app.get("/api/v1/communities/sy/volunteers").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    let v = &list[0];
    assert_eq!(v["id"], first["id"]);
    assert_eq!(v["phone"], "139****1111");
    assert_eq!(v["status"], "reported");
    assert_eq!(v["kind"], "nearby_member");
    assert_eq!(v["health"], "active");
    assert_eq!(v["home_compound"]["name"], "云飞雅苑");
    assert_eq!(v["home_building"]["name"], "1号楼");
    assert_eq!(v["skills"], json!(["driving"]));
    assert!(v["group_number"].is_null());
    let text = app.get_as(&app.admin, "/api/v1/communities/sy/volunteers").await.text().await.unwrap();
    assert!(!text.contains("13900001111"), "never a full phone: {text}");

    // Filters.
    let verified = app.get("/api/v1/communities/sy/volunteers?status=verified").await;
    assert_eq!(verified.as_array().unwrap().len(), 0);
    let drivers = app.get("/api/v1/communities/sy/volunteers?skill=driving&grouped=false").await;
    assert_eq!(drivers.as_array().unwrap().len(), 1);
    let r = app.get_as(&app.admin, "/api/v1/communities/sy/volunteers?status=bogus").await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_bad_duty_report_answers_field_errors_in_both_languages() {
    let app = spawn_app().await;
    let body = json!({ "name": " ", "phone": "12345", "kind": "king", "compound": "elsewhere" });
    let r = app.post("/api/v1/communities/sy/duty-reports", body, 400).await;
    assert_eq!(r["status"], 400);
    assert!(has_chinese(r["message"].as_str().unwrap()));
    assert!(!r["message_en"].as_str().unwrap().is_empty());
    let fields = r["fields"].as_array().unwrap();
    let named: Vec<&str> = fields.iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["name", "phone", "kind", "compound"] {
        assert!(named.contains(&f), "{f} missing from {named:?}");
    }
    let phone = fields.iter().find(|f| f["field"] == "phone").unwrap();
    assert!(phone["message"].as_str().unwrap().contains("手机号"));
    assert!(phone["message_en"].as_str().unwrap().contains("mobile number"));
    // A body that is not JSON at all is a JSON error too.
    let r = app
        .client
        .post(format!("{}/api/v1/communities/sy/duty-reports", app.base))
        .bearer_auth(&app.admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["message_en"].as_str().unwrap().contains("malformed"));
    // A phone sent as a number is refused without being quoted back in full.
    let body = json!({ "name": "甲", "phone": 13900001111_u64, "kind": "nearby_member" });
    let r = app.post_as(&app.admin, "/api/v1/communities/sy/duty-reports", &body).await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(!text.contains("13900001111"), "{text}");
    assert!(app.get("/api/v1/communities/sy/volunteers").await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn review_verifies_in_bulk_and_a_rejection_needs_a_reason() {
    let app = spawn_app().await;
    let a = app.report("甲", "13900000001", "sy-yf", &[]).await;
    let b = app.report("乙", "13900000002", "sy-lt", &[]).await;
    let c = app.report("丙", "13900000003", "sy-lt", &[]).await;
    let r =
        app.post("/api/v1/communities/sy/volunteers/review", json!({ "ids": [a, b], "decision": "verify" }), 200).await;
    assert_eq!(r["changed"], 2);
    let verified = app.get("/api/v1/communities/sy/volunteers?status=verified").await;
    assert_eq!(verified.as_array().unwrap().len(), 2);

    let r =
        app.post("/api/v1/communities/sy/volunteers/review", json!({ "ids": [c], "decision": "reject" }), 400).await;
    assert!(r["message"].as_str().unwrap().contains("原因"));
    app.post(
        "/api/v1/communities/sy/volunteers/review",
        json!({ "ids": [c], "decision": "reject", "reason": "不住本社区" }),
        200,
    )
    .await;
    let rejected = app.get("/api/v1/communities/sy/volunteers?status=rejected").await;
    assert_eq!(rejected[0]["reject_reason"], "不住本社区");
    let r = app
        .post(
            "/api/v1/communities/sy/volunteers/review",
            json!({ "ids": [c], "decision": "exempt", "exempt_reason": "on_duty_police" }),
            200,
        )
        .await;
    assert_eq!(r["changed"], 1);
    let exempt = app.get("/api/v1/communities/sy/volunteers?status=exempt").await;
    assert_eq!(exempt[0]["exempt_reason"], "on_duty_police");
    app.post("/api/v1/communities/sy/volunteers/review", json!({ "ids": [c], "decision": "maybe" }), 400).await;
}

#[tokio::test]
async fn the_proposal_covers_every_compound_with_reasons_in_chinese() {
    let app = spawn_app().await;
    let ids = app.verified_pool().await;
    let p = app.propose().await;
    assert_eq!(p["requested"], json!({ "min_members": 2, "max_members": 3, "max_compounds": 1 }));
    let groups = p["groups"].as_array().unwrap();
    let mut covered: Vec<&str> =
        groups.iter().flat_map(|g| g["compounds"].as_array().unwrap()).map(|c| c["name"].as_str().unwrap()).collect();
    covered.sort();
    assert_eq!(covered, vec!["云飞雅苑", "蓝天花园"]);
    assert_eq!(groups.iter().map(|g| g["residents"].as_u64().unwrap()).sum::<u64>(), 7);
    let mut placed = Vec::new();
    for g in groups {
        let members = g["members"].as_array().unwrap();
        assert_eq!(members[0]["role"], "leader");
        assert_eq!(members[1]["role"], "deputy");
        for m in members {
            placed.push(m["volunteer_id"].as_str().unwrap().to_string());
            let reasons = m["reasons"].as_array().unwrap();
            assert!(!reasons.is_empty());
            for r in reasons {
                assert!(has_chinese(r["zh"].as_str().unwrap()), "{r}");
                assert!(!r["en"].as_str().unwrap().is_empty());
            }
        }
        let why = members[2]["reasons"][0]["zh"].as_str().unwrap();
        assert!(why.starts_with("住在"), "{why}");
    }
    placed.sort();
    let mut all = ids.clone();
    all.sort();
    assert_eq!(placed, all, "everyone verified is placed");
    assert_eq!(p["stats"]["placed"], 8);
    assert!(p["problems"].as_array().unwrap().is_empty(), "{}", p["problems"]);

    // The stored draft reads back the same, and a hand edit changes it.
    assert_eq!(app.get("/api/v1/communities/sy/grouping/proposal").await, p);
    let last = groups[0]["members"].as_array().unwrap().last().unwrap()["volunteer_id"].clone();
    let edited = app
        .post("/api/v1/communities/sy/grouping/edit", json!({ "op": "move", "volunteer": last, "group": 0 }), 200)
        .await;
    assert_eq!(edited["reserve"][0]["volunteer_id"], last);
    assert!(has_chinese(edited["reserve"][0]["reasons"][0]["zh"].as_str().unwrap()));
    let r = app
        .post("/api/v1/communities/sy/grouping/edit", json!({ "op": "move", "volunteer": last, "group": 9 }), 400)
        .await;
    assert!(has_chinese(r["message"].as_str().unwrap()));
    // Parameters out of bounds are refused.
    let r =
        app.post("/api/v1/communities/sy/grouping/proposal", json!({ "min_members": 5, "max_members": 3 }), 400).await;
    assert!(r["message_en"].as_str().unwrap().contains("members per group"));
}

#[tokio::test]
async fn confirming_creates_groups_once_and_an_isolated_leader_hands_over_to_the_deputy() {
    let app = spawn_app().await;
    app.verified_pool().await;
    let p = app.propose().await;
    let r = app.post("/api/v1/communities/sy/grouping/confirm", json!({}), 200).await;
    assert_eq!(r["groups"].as_array().unwrap().len(), 2);
    let again = app.post("/api/v1/communities/sy/grouping/confirm", json!({}), 400).await;
    assert!(has_chinese(again["message"].as_str().unwrap()));

    let groups = app.get("/api/v1/communities/sy/groups").await;
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert!(app.get_as(&app.admin, "/api/v1/communities/sy/groups").await.text().await.unwrap().contains("139****"));
    let first = &groups[0];
    assert_eq!(first["number"], 1);
    assert_eq!(first["name"], "第1小组");
    let proposed = &p["groups"][0];
    assert_eq!(first["compounds"][0]["name"], proposed["compounds"][0]["name"]);
    assert_eq!(first["members"].as_array().unwrap().len(), proposed["members"].as_array().unwrap().len());
    let leader = first["leader"]["holder_id"].as_str().unwrap().to_string();
    let deputy = first["deputy"]["holder_id"].as_str().unwrap().to_string();
    assert_eq!(leader, proposed["members"][0]["volunteer_id"].as_str().unwrap());
    assert_eq!(first["leader"]["backup_id"].as_str().unwrap(), deputy, "the deputy is the leader's backup");
    assert_eq!(first["members"][0]["role"], "leader");
    assert!(first["leader"]["holder_name"].as_str().unwrap().starts_with("党员"));
    let grouped = app.get("/api/v1/communities/sy/volunteers?grouped=true").await;
    assert_eq!(grouped.as_array().unwrap().len(), 8);
    assert_eq!(app.get("/api/v1/communities/sy/branches").await, json!([]));

    let r = app.post(&format!("/api/v1/volunteers/{leader}/health"), json!({ "health": "isolated" }), 200).await;
    let handovers = r["handovers"].as_array().unwrap();
    assert_eq!(handovers.len(), 1, "{r}");
    let h = &handovers[0];
    assert_eq!(h["role"], "group_leader");
    assert_eq!(h["role_label"]["zh"], "组长");
    assert_eq!(h["subject_id"], first["id"]);
    assert_eq!(h["from"].as_str().unwrap(), leader);
    assert_eq!(h["to"].as_str().unwrap(), deputy);
    assert_eq!(h["backup_lost"], false);
    let groups = app.get("/api/v1/communities/sy/groups").await;
    assert_eq!(groups[0]["leader"]["holder_id"].as_str().unwrap(), deputy);
    assert!(groups[0]["leader"]["backup_id"].is_null());
    let isolated = app.get("/api/v1/communities/sy/volunteers?health=isolated").await;
    assert_eq!(isolated[0]["id"].as_str().unwrap(), leader);
    app.post(&format!("/api/v1/volunteers/{leader}/health"), json!({ "health": "asleep" }), 400).await;
}

#[tokio::test]
async fn the_district_roll_up_shows_the_community_counts() {
    let app = spawn_app().await;
    let ids = app.verified_pool().await;
    app.report("待审", "13700000001", "sy-yf", &[]).await;
    app.propose().await;
    app.post("/api/v1/communities/sy/grouping/confirm", json!({}), 200).await;
    app.post(&format!("/api/v1/volunteers/{}/health", ids[7]), json!({ "health": "infected" }), 200).await;

    let r = app.get_as(&app.district, "/api/v1/regions/wh-jh/mobilisation").await;
    assert_eq!(r.status(), 200);
    let r: Value = r.json().await.unwrap();
    let expected =
        json!({ "reported": 9, "verified": 8, "exempt": 0, "rejected": 0, "grouped": 8, "groups": 2, "unwell": 1 });
    assert_eq!(r["region"]["code"], "wh-jh");
    assert_eq!(r["region"]["counts"], expected);
    assert_eq!(r["children"][0]["code"], "wh-jh-ws");
    assert_eq!(r["children"][0]["counts"], expected);
    // The community's own roll-up, for its admin; a district is out of its scope.
    let own = app.get("/api/v1/regions/sy/mobilisation").await;
    assert_eq!(own["region"]["counts"], expected);
    assert_eq!(app.get_as(&app.admin, "/api/v1/regions/wh-jh/mobilisation").await.status(), 403);
    assert_eq!(app.get_as(&app.district, "/api/v1/regions/nowhere/mobilisation").await.status(), 404);
    // Upper levels see counts, not people.
    assert_eq!(app.get_as(&app.district, "/api/v1/communities/sy/volunteers").await.status(), 403);
    assert_eq!(
        app.get_as(&app.district, "/api/v1/communities/sy/groups").await.status(),
        403,
        "group lists name people: upper levels need the personal-data grant"
    );
}

#[tokio::test]
async fn a_volunteer_token_is_refused_everywhere() {
    let app = spawn_app().await;
    let id = app.report("甲", "13900000001", "sy-yf", &[]).await;
    let t = &app.volunteer;
    for path in [
        "/api/v1/communities/sy/volunteers",
        "/api/v1/communities/sy/branches",
        "/api/v1/communities/sy/groups",
        "/api/v1/communities/sy/grouping/proposal",
        "/api/v1/regions/sy/mobilisation",
    ] {
        let r = app.get_as(t, path).await;
        assert_eq!(r.status(), 403, "GET {path}");
        let body: Value = r.json().await.unwrap();
        assert!(has_chinese(body["message"].as_str().unwrap()));
    }
    let posts = [
        (
            "/api/v1/communities/sy/duty-reports".to_string(),
            json!({ "name": "乙", "phone": "13900000002", "kind": "nearby_member" }),
        ),
        ("/api/v1/communities/sy/volunteers/review".to_string(), json!({ "ids": [id], "decision": "verify" })),
        (format!("/api/v1/volunteers/{id}/health"), json!({ "health": "isolated" })),
        ("/api/v1/communities/sy/grouping/proposal".to_string(), json!({})),
        ("/api/v1/communities/sy/grouping/edit".to_string(), json!({ "op": "move", "volunteer": id, "group": 0 })),
        ("/api/v1/communities/sy/grouping/confirm".to_string(), json!({})),
    ];
    for (path, body) in &posts {
        assert_eq!(app.post_as(t, path, body).await.status(), 403, "POST {path}");
    }
    // Nothing changed.
    let list = app.get("/api/v1/communities/sy/volunteers").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["status"], "reported");
    assert_eq!(list[0]["health"], "active");
    // No token at all.
    let r = app.client.get(format!("{}/api/v1/communities/sy/groups", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn openapi_document_lists_the_mobilisation_endpoints() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/communities/{code}/volunteers",
        "/api/v1/communities/{code}/duty-reports",
        "/api/v1/communities/{code}/volunteers/review",
        "/api/v1/volunteers/{id}/health",
        "/api/v1/communities/{code}/branches",
        "/api/v1/communities/{code}/groups",
        "/api/v1/communities/{code}/grouping/proposal",
        "/api/v1/communities/{code}/grouping/edit",
        "/api/v1/communities/{code}/grouping/confirm",
        "/api/v1/regions/{code}/mobilisation",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    let proposal = &paths["/api/v1/communities/{code}/grouping/proposal"];
    assert!(proposal["post"].is_object() && proposal["get"].is_object());
    assert_eq!(proposal["post"]["tags"], json!(["mobilisation"]));
    for s in ["ProposalDto", "DutyReportInput", "DraftEdit", "VolunteerDto", "GroupDto", "RollupDto"] {
        assert!(doc["components"]["schemas"][s].is_object(), "schema {s}");
    }
    assert!(doc["tags"].as_array().unwrap().iter().any(|t| t["name"] == "mobilisation"));
}
