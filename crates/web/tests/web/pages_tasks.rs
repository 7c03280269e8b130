//! Tasks through HTTP: a leader creates a task, dispatches it to a group and
//! assigns two members; one marks it done and the other checks it; a repeated
//! tap changes nothing; "could not complete" without a reason is refused;
//! claims show their expiry; another community's volunteer finds nothing (404).

use crate::common::*;

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
    let entry = setup_entry("group_create", "group");
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
    let (_, html) = app.page(&p1, "/my/work").await;
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
    assert_eq!(app.page(&far, &path).await.0, 404);
    assert_eq!(app.page(&far, "/c/sy/tasks").await.0, 404);
    let (status, _, _) = app.post(&far, &format!("{path}/state"), &[("_csrf", &csrf_far), ("action", "done")]).await;
    assert_eq!(status, 404);
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
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(
        html.contains("3号楼消杀") && html.contains("my-claim-expiry") && html.contains("data-countdown="),
        "{html}"
    );
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
    let (_, html) = app.page(&p1, "/my/work").await;
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
    // The task's sheet through the API, once.
    let r = admin
        .post(format!("{}/api/v1/tasks/{id}/signup-sheet", app.base))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let sheet: serde_json::Value = r.json().await.unwrap();
    assert_eq!((sheet["title"].as_str(), sheet["capacity"].as_i64()), (Some("核酸采样点秩序维护"), Some(4)));
    let r = admin
        .post(format!("{}/api/v1/tasks/{id}/signup-sheet", app.base))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(doc["paths"]["/api/v1/tasks/{id}/signup-sheet"].is_object() && doc["paths"]["/api/v1/me/work"].is_object());
    // "My work" needs a volunteer behind the account.
    assert_eq!(admin.get(format!("{}/api/v1/me/work", app.base)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_leader_opens_the_tasks_sign_up_sheet_for_its_group_once() {
    let app = spawn().await;
    let ids = verified(&app, 5).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let c = app.community().await;
    let entry = setup_entry("group_create", "group");
    // Four of the five are the group; the fifth is not.
    let spec = mob::GroupSpec { members: ids[..4].to_vec(), leader: Some(ids[0]), ..Default::default() };
    let group = mob::create_groups(&app.db, c.id, &[spec], None, entry).await.unwrap()[0];
    let (leader, csrf) = app.login("leader").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "蔬菜包卸车分发到户"),
        ("kind", "supply_delivery"),
        ("place", "sy-yf"),
        ("headcount", "3"),
        ("priority", "urgent"),
        ("starts_at", "2099-12-01T22:00"),
    ];
    let (_, path, _) = app.post(&leader, "/c/sy/tasks", &form).await;
    let g = group.to_string();
    app.post(&leader, &format!("{path}/dispatch"), &[("_csrf", &csrf), ("group", &g)]).await;
    let (_, html) = app.page(&leader, &path).await;
    assert!(html.contains("task-open-sheet"), "a live task offers a sheet: {html}");

    let (status, sheet_path, _) = app.post(&leader, &format!("{path}/sheet"), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 303);
    assert!(sheet_path.starts_with("/sheets/"), "{sheet_path}");
    let sheet_id: uuid::Uuid = sheet_path.trim_start_matches("/sheets/").parse().unwrap();
    let sheet = shouwang_db::signup::sheet_by_id(&app.db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!((sheet.title.as_str(), sheet.capacity, sheet.group_id), ("蔬菜包卸车分发到户", 3, Some(group)));
    assert!(sheet.deadline.is_some(), "the task's start closes the sheet");
    // The task links it and says so; a second tap opens no second sheet.
    let (_, html) = app.page(&leader, &path).await;
    assert!(html.contains(&sheet_path) && html.contains("开了接龙") && !html.contains("task-open-sheet"), "{html}");
    let (status, _, html) = app.post(&leader, &format!("{path}/sheet"), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("该任务已有接龙"), "{html}");
    assert_eq!(shouwang_db::signup::sheets_of_community(&app.db.read, c.id).await.unwrap().len(), 1);

    // The group's members may join; the fifth volunteer is not of the group.
    let (p1, csrf1) = app.login("p1").await;
    let (status, _, html) = app.post(&p1, &format!("{sheet_path}/join"), &[("_csrf", &csrf1)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("sheet-notice"), "{html}");
    let (p4, csrf4) = app.login("p4").await;
    let (_, _, html) = app.post(&p4, &format!("{sheet_path}/join"), &[("_csrf", &csrf4)]).await;
    assert!(html.contains("此接龙仅限本小组成员"), "only the task's group may join: {html}");
    let s = shouwang_db::signup::sheet_by_id(&app.db.read, sheet_id).await.unwrap().unwrap();
    assert_eq!(s.confirmed, 1);
    // A volunteer may not open a task's sheet.
    let (status, _, _) = app.post(&p1, &format!("{path}/sheet"), &[("_csrf", &csrf1)]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn my_work_shows_sheets_to_join_and_tells_who_moved_up_from_the_waiting_list() {
    let app = spawn().await;
    let ids = verified(&app, 3).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let c = app.community().await;
    let entry = setup_entry("signup_sheet_open", "signup_sheet");
    let new = shouwang_db::signup::NewSheet { title: "药品配送跑腿".into(), capacity: 1, ..Default::default() };
    let sheet = shouwang_db::signup::create_sheet(&app.db, c.id, new, "t-my-work".into(), None, entry).await.unwrap();
    let sheet_path = format!("/sheets/{}", sheet.id);

    // p0 joins from "my work" with one tap; p1 joins too and waits.
    let (p0, csrf0) = app.login("p0").await;
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(html.contains("data-testid=\"open-sheet\"") && html.contains("药品配送跑腿"), "{html}");
    let (status, _, _) = app.post(&p0, &format!("{sheet_path}/join"), &[("_csrf", &csrf0)]).await;
    assert_eq!(status, 200);
    let (p1, csrf1) = app.login("p1").await;
    app.post(&p1, &format!("{sheet_path}/join"), &[("_csrf", &csrf1)]).await;
    let (_, html) = app.page(&p1, "/my/work").await;
    assert!(html.contains("data-testid=\"my-sheet\"") && html.contains("候补"), "{html}");
    assert!(!html.contains("my-promoted"));

    // p0 withdraws: p1 moves up and is told so on their own page.
    app.post(&p0, &format!("{sheet_path}/withdraw"), &[("_csrf", &csrf0)]).await;
    let (_, html) = app.page(&p1, "/my/work").await;
    assert!(html.contains("data-testid=\"my-promoted\"") && html.contains("你已从候补转为正式"), "{html}");
    assert!(html.contains("已报上"), "{html}");
    let api: serde_json::Value =
        p1.get(format!("{}/api/v1/me/work", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["promoted"][0]["title"], "药品配送跑腿", "{api}");
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(!html.contains("my-promoted"), "only the promoted person is told");

    // A building's delivery run: one holder at a time, released from "my work".
    let building = mob::buildings_for_runs(&app.db.read, &c, None).await.unwrap()[0].0.to_string();
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(html.contains("data-testid=\"claim-building\"") && html.contains(&building), "{html}");
    let form = [("_csrf", csrf0.as_str()), ("building", building.as_str())];
    let (status, _, html) = app.post(&p0, "/my/work/claim-building", &form).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("已认领，至") && html.contains("data-testid=\"my-claim\"") && html.contains("楼栋配送："),
        "{html}"
    );
    let form1 = [("_csrf", csrf1.as_str()), ("building", building.as_str())];
    let (_, _, html) = app.post(&p1, "/my/work/claim-building", &form1).await;
    assert!(html.contains("已被他人认领"), "{html}");
    let held = shouwang_db::tasks::claims_of_volunteer(&app.db.read, ids[0], time::OffsetDateTime::now_utc())
        .await
        .unwrap()
        .remove(0);
    let (status, _, html) = app.post(&p0, &format!("/claims/{}/release", held.id), &[("_csrf", &csrf0)]).await;
    assert_eq!(status, 200);
    assert!(html.contains("已放弃认领") && !html.contains("data-testid=\"my-claim\""), "{html}");
    let (_, _, html) = app.post(&p1, "/my/work/claim-building", &form1).await;
    assert!(html.contains("已认领，至"), "free again once released: {html}");

    // The week's hours and the old addresses.
    assert!(html.contains("data-testid=\"my-week\""));
    let r = p0.get(format!("{}/my/tasks", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/my/work#tasks");
}
