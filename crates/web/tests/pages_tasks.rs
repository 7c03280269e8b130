//! Tasks through HTTP: a leader creates a task, dispatches it to a group and
//! assigns two members; one marks it done and the other checks it; a repeated
//! tap changes nothing; "could not complete" without a reason is refused;
//! claims show their expiry; another community's volunteer gets 403.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;

use shouwang_db::accounts::{NewUser, create_user};
use shouwang_db::mobilisation as mob;
use shouwang_db::registry::{add_region, community_by_code};
use shouwang_db::testing::TestDb;
use shouwang_domain::{IdHasher, RegionCode, RegionKind, Role};
use shouwang_web::{AppState, Application, WebConfig};

const PASSWORD: &str = "a-long-password-2022";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

struct App {
    base: String,
    db: shouwang_db::Db,
    _t: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn spawn() -> App {
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
    for (name, role, scope) in [
        ("admin", Role::CommunityAdmin, "sy"),
        ("outsider", Role::CommunityAdmin, "other"),
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
    let state = AppState::new(db.clone(), config, IdHasher::new(b"test key of some length"));
    let app = Application::build(SocketAddr::from(([127, 0, 0, 1], 0)), state).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    App { base: format!("http://{addr}"), db, _t: t, _stop: stop }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

impl App {
    /// A logged-in browser and its CSRF token.
    async fn login(&self, name: &str) -> (reqwest::Client, String) {
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

    async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, String) {
        let r = client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = client.post(format!("{}{path}", self.base)).form(form).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        (status, location, r.text().await.unwrap())
    }

    async fn community(&self) -> shouwang_db::entity::region::Model {
        community_by_code(&self.db.read, &code("sy")).await.unwrap()
    }
}

async fn verified(app: &App, n: usize) -> Vec<uuid::Uuid> {
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
async fn volunteer_login(app: &App, name: &str, volunteer: uuid::Uuid) {
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

fn task_id(location: &str) -> String {
    location.trim_start_matches("/tasks/").to_string()
}

#[tokio::test]
async fn a_leader_dispatches_a_task_to_a_group_members_do_it_and_another_checks_it() {
    let app = spawn().await;
    let ids = verified(&app, 4).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let c = app.community().await;
    let entry = shouwang_db::audit::Entry {
        user_id: None,
        username: "test".into(),
        action: "group_create",
        target_kind: "group",
        target_id: None,
        region_path: None,
        detail: serde_json::json!({}),
        peer: None,
    };
    let spec = mob::GroupSpec { members: ids.clone(), leader: Some(ids[0]), ..Default::default() };
    let group = mob::create_groups(&app.db, c.id, &[spec], None, entry).await.unwrap()[0];
    let group_name = mob::group_by_id(&app.db.read, group).await.unwrap().unwrap().name;

    let (leader, csrf) = app.login("leader").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "今晚10点 蔬菜包卸货分发"),
        ("kind", "supply_delivery"),
        ("place", "sy-yf"),
        ("headcount", "8"),
        ("priority", "urgent"),
        ("starts_at", "2026-12-01T22:00"),
    ];
    let (status, location, _) = app.post(&leader, "/c/sy/tasks", &form).await;
    assert_eq!(status, 303);
    let path = location.clone();
    let (status, html) = app.page(&leader, "/c/sy/tasks").await;
    assert_eq!(status, 200);
    assert!(html.contains("蔬菜包卸货分发") && html.contains("待分派"), "{html}");

    let g = group.to_string();
    let (status, _, html) = app.post(&leader, &format!("{path}/dispatch"), &[("_csrf", &csrf), ("group", &g)]).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("派往小组 {group_name}")), "{html}");
    let (a, b) = (ids[1].to_string(), ids[2].to_string());
    let form = [("_csrf", csrf.as_str()), ("volunteers", &a), ("volunteers", &b)];
    let (status, _, html) = app.post(&leader, &format!("{path}/assign"), &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("已分派 2 人") && html.contains("分派给 党员01") && html.contains("分派给 党员02"), "{html}");

    // A member marks it done; a double tap answers the same state, no new line.
    let (p1, csrf1) = app.login("p1").await;
    let (_, html) = app.page(&p1, "/my/tasks").await;
    assert!(html.contains("蔬菜包卸货分发"), "the task is on the member's own list");
    let done = [("_csrf", csrf1.as_str()), ("action", "done")];
    let (status, _, html) = app.post(&p1, &format!("{path}/state"), &done).await;
    assert_eq!(status, 200);
    assert!(html.contains("任务已完成"), "{html}");
    let events = shouwang_db::tasks::events(&app.db.read, task_id(&path).parse().unwrap()).await.unwrap().len();
    let (status, _, html) = app.post(&p1, &format!("{path}/state"), &done).await;
    assert_eq!(status, 200);
    assert!(html.contains("任务已完成"));
    let again = shouwang_db::tasks::events(&app.db.read, task_id(&path).parse().unwrap()).await.unwrap().len();
    assert_eq!(events, again, "a repeated tap records nothing");
    // The same person cannot check their own work; another member can.
    let check = [("_csrf", csrf1.as_str()), ("action", "check")];
    let (_, _, html) = app.post(&p1, &format!("{path}/state"), &check).await;
    assert!(html.contains("完成的人不能自己核验"), "{html}");
    let (p2, csrf2) = app.login("p2").await;
    let (status, _, html) = app.post(&p2, &format!("{path}/state"), &[("_csrf", &csrf2), ("action", "check")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("任务已核验"), "{html}");
    let (_, html) = app.page(&leader, &path).await;
    assert!(html.contains("已完成 → 已核验") && html.contains("p2"), "the history says who checked: {html}");

    // A member who is not assigned may not change the state.
    let (p3, csrf3) = app.login("p3").await;
    let (status, _, _) = app.post(&p3, &format!("{path}/state"), &[("_csrf", &csrf3), ("action", "cancel")]).await;
    assert_eq!(status, 403);
    // A volunteer of another community sees nothing.
    let (far, csrf_far) = app.login("far").await;
    assert_eq!(app.page(&far, &path).await.0, 403);
    assert_eq!(app.page(&far, "/c/sy/tasks").await.0, 403);
    let (status, _, _) = app.post(&far, &format!("{path}/state"), &[("_csrf", &csrf_far), ("action", "done")]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn could_not_complete_needs_a_reason_and_a_claim_shows_its_expiry() {
    let app = spawn().await;
    let ids = verified(&app, 2).await;
    volunteer_login(&app, "p0", ids[0]).await;
    volunteer_login(&app, "p1", ids[1]).await;
    let (admin, csrf) = app.login("admin").await;
    let form = [("_csrf", csrf.as_str()), ("title", "3号楼消杀"), ("kind", "disinfection")];
    let (status, path, _) = app.post(&admin, "/c/sy/tasks", &form).await;
    assert_eq!(status, 303);
    let fail = [("_csrf", csrf.as_str()), ("action", "could_not_complete"), ("reason", " ")];
    let (status, _, html) = app.post(&admin, &format!("{path}/state"), &fail).await;
    assert_eq!(status, 200);
    assert!(html.contains("须写明原因") && html.contains("待分派"), "refused, nothing changed: {html}");

    // A volunteer claims it: the expiry is shown, a second volunteer is told who holds it.
    let (p0, csrf0) = app.login("p0").await;
    let (_, _, html) = app.post(&p0, &format!("{path}/claim"), &[("_csrf", &csrf0)]).await;
    assert!(html.contains("已认领") && html.contains("data-testid=\"claim-expiry\""), "{html}");
    let (_, html) = app.page(&p0, "/my/tasks").await;
    assert!(html.contains("3号楼消杀") && html.contains("my-claim-expiry"), "{html}");
    let (p1, csrf1) = app.login("p1").await;
    let (_, _, html) = app.post(&p1, &format!("{path}/claim"), &[("_csrf", &csrf1)]).await;
    assert!(html.contains("已被他人认领"), "{html}");
    // The holder extends it, then hands it to the other volunteer.
    let c = shouwang_db::tasks::claims_of_volunteer(&app.db.read, ids[0], time::OffsetDateTime::now_utc())
        .await
        .unwrap()
        .remove(0);
    let task = task_id(&path);
    let (_, _, html) = app.post(&p0, &format!("/claims/{}/extend", c.id), &[("_csrf", &csrf0), ("task", &task)]).await;
    assert!(html.contains("已延长至"), "{html}");
    let to = ids[1].to_string();
    let form = [("_csrf", csrf0.as_str()), ("task", &task), ("to", &to)];
    let (status, _, html) = app.post(&p0, &format!("/claims/{}/hand-over", c.id), &form).await;
    assert_eq!(status, 200);
    assert!(html.contains("已转交") && html.contains("转交给 党员01"), "{html}");
    let (_, html) = app.page(&p1, "/my/tasks").await;
    assert!(html.contains("3号楼消杀"), "the claim moved to the other volunteer");

    let fail = [("_csrf", csrf.as_str()), ("action", "could_not_complete"), ("reason", "楼栋封控进不去")];
    let (_, _, html) = app.post(&admin, &format!("{path}/state"), &fail).await;
    assert!(html.contains("未能完成") && html.contains("楼栋封控进不去"), "{html}");
    let (_, html) = app.page(&admin, "/c/sy/tasks?state=could_not_complete").await;
    assert!(html.contains("3号楼消杀"));
    let (_, html) = app.page(&admin, "/c/sy/tasks?state=open").await;
    assert!(!html.contains("3号楼消杀"));
}

#[tokio::test]
async fn the_api_creates_reads_and_moves_a_task() {
    let app = spawn().await;
    let (admin, csrf) = app.login("admin").await;
    let r = admin
        .post(format!("{}/api/v1/communities/sy/tasks", app.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"title": "核酸采样点秩序维护", "kind": "pcr_support", "headcount": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(body["state"], "open");
    let r = admin
        .post(format!("{}/api/v1/tasks/{id}/transition", app.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"action": "start"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!((body["state"].as_str(), body["changed"].as_bool()), (Some("in_progress"), Some(true)));
    let body: serde_json::Value =
        admin.get(format!("{}/api/v1/tasks/{id}", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["events"].as_array().unwrap().len(), 2);
    let doc: serde_json::Value =
        admin.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/api/v1/tasks/{id}/transition"].is_object());
}
