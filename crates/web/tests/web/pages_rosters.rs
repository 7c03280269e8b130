//! Duty rosters and the group-buy timetable through HTTP: a leader adds a
//! post and generates a roster, sees its gaps, an isolated volunteer's shifts
//! are reopened and refilled (through the volunteer's health page), a swap
//! over the fatigue limit is refused with the reason, and the group-buy
//! timetable covers every compound.

use crate::common::*;

fn tomorrow() -> String {
    (shouwang_domain::Clock::system().today() + time::Duration::days(1)).to_string()
}

/// Adds a post through the page and returns the community.
async fn with_post(app: &App, admin: &reqwest::Client, csrf: &str) -> shouwang_db::entity::region::Model {
    let (status, location, _) =
        app.post(admin, "/c/sy/rosters/posts", &[("_csrf", csrf), ("name", "云飞雅苑东门"), ("kind", "gate")]).await;
    assert_eq!((status, location.as_str()), (303, "/c/sy/rosters"));
    app.community().await
}

async fn generate(app: &App, admin: &reqwest::Client, csrf: &str, hours: &str, needed: &str) -> (u16, String) {
    let day = tomorrow();
    let (status, _, html) = app
        .post(
            admin,
            "/c/sy/rosters/generate",
            &[
                ("_csrf", csrf),
                ("first_day", day.as_str()),
                ("days", "1"),
                ("start_hour", "0"),
                ("shift_hours", hours),
                ("needed", needed),
            ],
        )
        .await;
    (status, html)
}

fn period() -> (i64, i64) {
    let d = shouwang_domain::Clock::system().today() + time::Duration::days(1);
    let t0 = shouwang_service::rosters::day_start(d);
    (t0 - 10 * 1440, t0 + 10 * 1440)
}

#[tokio::test]
async fn a_leader_generates_a_roster_and_sees_its_gaps_within_the_limits() {
    let app = spawn().await;
    verified(&app, 3).await;
    let (admin, csrf) = app.login("admin").await;
    let (status, html) = app.page(&admin, "/c/sy/rosters").await;
    assert_eq!(status, 200);
    assert!(html.contains("值班表") && html.contains("每日上限 16h"), "{html}");
    let c = with_post(&app, &admin, &csrf).await;
    // 4-hour shifts round the clock, 2 people each: 12 places, 3 people.
    let (status, html) = generate(&app, &admin, &csrf, "4", "2").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-testid=\"roster-outcome\""));
    assert!(html.contains("data-testid=\"roster-gaps\""), "gaps are listed: {html}");
    assert!(html.contains("data-testid=\"roster-gap\""), "gaps are highlighted on the roster");
    assert!(html.contains("云飞雅苑东门"));
    assert!(!html.contains("志愿者1000"), "keys are turned into names");
    assert!(html.contains("党员00"));
    let (t0, t1) = period();
    let broken =
        shouwang_service::rosters::check_stored(&app.ctx, c.id, t0, t1, shouwang_domain::Lang::Zh).await.unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    // The same period twice would double the shifts: refused.
    let (status, html) = generate(&app, &admin, &csrf, "4", "2").await;
    assert_eq!(status, 400);
    assert!(html.contains("已有排班"), "{html}");
    // A volunteer sees the roster; only leaders write it.
    let (vol, vcsrf) = app.login("vol").await;
    let (status, html) = app.page(&vol, "/c/sy/rosters").await;
    assert_eq!(status, 200);
    assert!(!html.contains("generate-form"));
    let (status, _) = generate(&app, &vol, &vcsrf, "4", "2").await;
    assert_eq!(status, 403);
    // Printable per post.
    let (status, html) = app.page(&admin, &format!("/c/sy/rosters/print?from={}&days=1", tomorrow())).await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"print-post\"") && html.contains("data-print"));
}

#[tokio::test]
async fn an_isolated_volunteer_is_stood_down_and_the_shifts_are_refilled() {
    let app = spawn().await;
    let ids = verified(&app, 8).await;
    let (admin, csrf) = app.login("admin").await;
    let c = with_post(&app, &admin, &csrf).await;
    let (status, _) = generate(&app, &admin, &csrf, "4", "1").await;
    assert_eq!(status, 200);
    let mine = |v: uuid::Uuid| {
        let db = app.db.clone();
        async move { shouwang_db::rosters::shifts_of_volunteer(&db.read, v, 0).await.unwrap() }
    };
    let held = mine(ids[0]).await;
    assert!(!held.is_empty(), "党员00 has a shift tomorrow");
    // The volunteer's own phone view.
    volunteer_login(&app, "vol0", ids[0]).await;
    let (vol, _) = app.login("vol0").await;
    let (status, html) = app.page(&vol, "/my/work").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-testid=\"my-shift\"") && html.contains("云飞雅苑东门"), "{html}");

    let r = admin
        .post(format!("{}/volunteers/{}/health", app.base, ids[0]))
        .form(&[("_csrf", csrf.as_str()), ("health", "isolated")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(mine(ids[0]).await.is_empty(), "stood down from every future shift");
    let s = shouwang_db::rosters::shift_by_id(&app.db.read, held[0].id).await.unwrap().unwrap();
    assert_eq!(s.reopened_for, Some(ids[0]));
    let on = shouwang_db::rosters::assignments_of(&app.db.read, &[s.id]).await.unwrap();
    assert_eq!(on.len(), 1, "someone else took the place");
    assert_ne!(on[0].volunteer_id, ids[0]);
    let (_, html) = app.page(&admin, &format!("/c/sy/rosters?from={}&days=1", tomorrow())).await;
    assert!(html.contains("data-testid=\"roster-reopened\"") && html.contains("停岗空出：党员00"), "{html}");
    assert!(html.contains("已有人补位"));
    let (_, html) = app.page(&vol, "/my/work").await;
    assert!(html.contains("my-shifts-none"));
    let (t0, t1) = period();
    let broken =
        shouwang_service::rosters::check_stored(&app.ctx, c.id, t0, t1, shouwang_domain::Lang::Zh).await.unwrap();
    assert!(broken.is_empty(), "{broken:?}");
}

#[tokio::test]
async fn a_swap_over_the_limit_is_refused_with_the_reason() {
    let app = spawn().await;
    verified(&app, 8).await;
    let (admin, csrf) = app.login("admin").await;
    let c = with_post(&app, &admin, &csrf).await;
    // At most 4 hours a day.
    let (status, _, _) = app
        .post(
            &admin,
            "/c/sy/rosters/settings",
            &[
                ("_csrf", csrf.as_str()),
                ("warn_day_hours", "4"),
                ("max_day_hours", "4"),
                ("min_rest_hours", "8"),
                ("max_week_hours", "60"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (status, _) = generate(&app, &admin, &csrf, "4", "1").await;
    assert_eq!(status, 200);
    let d = shouwang_domain::Clock::system().today() + time::Duration::days(1);
    let t0 = shouwang_service::rosters::day_start(d);
    let shifts = shouwang_db::rosters::shifts_between(&app.db.read, c.id, t0, t0 + 1440).await.unwrap();
    assert_eq!(shifts.len(), 6);
    let ids: Vec<uuid::Uuid> = shifts.iter().map(|s| s.id).collect();
    let on = shouwang_db::rosters::assignments_of(&app.db.read, &ids).await.unwrap();
    assert_eq!(on.len(), 6, "six people, one shift each");
    let a = on.iter().find(|x| x.shift_id == ids[0]).unwrap().volunteer_id;
    let b = on.iter().find(|x| x.shift_id == ids[3]).unwrap().volunteer_id;
    // A on B's shift too: 8 hours in a day, over the 4-hour maximum.
    let (status, _, html) = app
        .post(
            &admin,
            "/c/sy/rosters/swap",
            &[
                ("_csrf", csrf.as_str()),
                ("shift", &ids[3].to_string()),
                ("from", &b.to_string()),
                ("to", &a.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("不能换班") && html.contains("超过每日上限"), "{html}");
    assert!(!html.contains("志愿者1000"), "names, not keys: {html}");
    // Someone free takes it: approved.
    let free = shouwang_db::mobilisation::list_volunteers(&app.db.read, c.id, &Default::default())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.volunteer.id)
        .find(|v| !on.iter().any(|x| x.volunteer_id == *v))
        .unwrap();
    let (status, _, _) = app
        .post(
            &admin,
            "/c/sy/rosters/swap",
            &[
                ("_csrf", csrf.as_str()),
                ("shift", &ids[3].to_string()),
                ("from", &b.to_string()),
                ("to", &free.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let on = shouwang_db::rosters::assignments_of(&app.db.read, &[ids[3]]).await.unwrap();
    assert_eq!(on[0].volunteer_id, free);
    // A volunteer cannot approve swaps.
    let (vol, vcsrf) = app.login("vol").await;
    let (status, _, _) = app
        .post(
            &vol,
            "/c/sy/rosters/swap",
            &[
                ("_csrf", vcsrf.as_str()),
                ("shift", &ids[3].to_string()),
                ("from", &free.to_string()),
                ("to", &b.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_group_buy_timetable_covers_every_compound() {
    let app = spawn().await;
    let (admin, csrf) = app.login("admin").await;
    let c = app.community().await;
    let compounds = mob::compounds_of_community(&app.db.read, &c).await.unwrap();
    assert_eq!(compounds.len(), 3);
    let day = tomorrow();
    let (status, _, html) = app
        .post(
            &admin,
            "/c/sy/groupbuy",
            &[
                ("_csrf", csrf.as_str()),
                ("first_day", day.as_str()),
                ("days", "2"),
                ("points", "东门"),
                ("start_hour", "8"),
                ("window_minutes", "30"),
                ("windows", "2"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-testid=\"groupbuy-made\""));
    assert_eq!(html.matches("data-testid=\"groupbuy-slot\"").count(), 4);
    for name in ["云飞雅苑", "蓝天花园", "西北湖花园"] {
        assert!(html.contains(name), "{name} gets a turn");
    }
    assert!(html.contains("08:00–08:30") && html.contains("08:30–09:00"));
    let (status, _, _) = app
        .post(
            &admin,
            "/c/sy/groupbuy/organisers",
            &[
                ("_csrf", csrf.as_str()),
                ("compound", &compounds[0].id.to_string()),
                ("name", "王团长"),
                ("phone", "13912345678"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&admin, "/c/sy/groupbuy/print").await;
    assert!(html.contains("王团长 139****5678"), "{html}");
    assert!(!html.contains("13912345678"));
    assert!(html.contains("data-print"));
    let next = shouwang_service::groupbuy::next_slot_text(&app.ctx, compounds[0].id).await.unwrap();
    assert!(next.is_some_and(|t| t.contains("东门")));
}

#[tokio::test]
async fn the_api_generates_and_reads_a_roster_and_a_timetable() {
    let app = spawn().await;
    verified(&app, 4).await;
    let (admin, csrf) = app.login("admin").await;
    with_post(&app, &admin, &csrf).await;
    let day = tomorrow();
    let r = admin
        .post(format!("{}/api/v1/communities/sy/roster", app.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "first_day": day, "days": 1, "shift_hours": 4, "needed": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let outcome: serde_json::Value = r.json().await.unwrap();
    assert_eq!(outcome["shifts"], 6);
    assert_eq!(outcome["assigned"], 6);
    let r = admin.get(format!("{}/api/v1/communities/sy/roster?from={day}&days=1", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let view: serde_json::Value = r.json().await.unwrap();
    assert_eq!(view["shifts"].as_array().unwrap().len(), 6);
    assert_eq!(view["missing"], 0);
    assert_eq!(view["limits"]["max_day_hours"], 16);
    let r = admin
        .post(format!("{}/api/v1/communities/sy/groupbuy", app.base))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "first_day": day, "days": 1, "points": ["东门"], "start_hour": 8,
            "window_minutes": 30, "windows": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = admin.get(format!("{}/api/v1/communities/sy/groupbuy?from={day}&days=1", app.base)).send().await.unwrap();
    let slots: serde_json::Value = r.json().await.unwrap();
    assert_eq!(slots.as_array().unwrap().len(), 3);
    let r = admin.get(format!("{}/api/v1/me/shifts", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = admin.get(format!("{}/api/v1/openapi.json", app.base)).send().await.unwrap();
    let doc = r.text().await.unwrap();
    assert!(doc.contains("/api/v1/communities/{code}/roster/swap") && doc.contains("/api/v1/me/shifts"));
}

#[tokio::test]
async fn a_household_page_shows_its_compound_next_group_buy_slot() {
    use shouwang_db::import::{ColumnsPresent, ImportOptions, import_residents};
    use shouwang_domain::import::{Cell, RawResidentRow, parse_row};
    let app = spawn().await;
    let cell = |s: &str| Some(Cell::Text(s.into()));
    let raw = RawResidentRow {
        row: 2,
        name: cell("康秀英"),
        compound: cell("云飞雅苑"),
        building: cell("1号楼"),
        room: cell("101"),
        ..Default::default()
    };
    import_residents(
        &app.db,
        &code("sy"),
        vec![parse_row(&raw, 2026).unwrap()],
        vec![],
        ColumnsPresent::all(),
        &IdHasher::new(b"test key of some length"),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let c = app.community().await;
    let h = shouwang_db::entity::household::Entity::find_all(&app.db.read, c.id).await.pop().unwrap();
    let token = shouwang_db::links::link_for(&app.db, h.id, || "t".repeat(43)).await.unwrap();
    let anon = browser();
    let (_, page) = app.page(&anon, &format!("/h/{token}")).await;
    assert!(!page.contains("next-groupbuy"), "no timetable yet");
    let (admin, csrf) = app.login("admin").await;
    let day = tomorrow();
    let (status, _, _) = app
        .post(
            &admin,
            "/c/sy/groupbuy",
            &[
                ("_csrf", csrf.as_str()),
                ("first_day", day.as_str()),
                ("days", "3"),
                ("points", "东门"),
                ("start_hour", "8"),
                ("window_minutes", "30"),
                ("windows", "1"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let (status, page) = app.page(&anon, &format!("/h/{token}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("data-testid=\"next-groupbuy\"") && page.contains("下次团购取货") && page.contains("东门"),
        "{page}"
    );
}

#[tokio::test]
async fn an_infected_volunteer_reported_through_the_api_is_stood_down_too() {
    let app = spawn().await;
    let ids = verified(&app, 8).await;
    let (admin, csrf) = app.login("admin").await;
    with_post(&app, &admin, &csrf).await;
    let (status, _) = generate(&app, &admin, &csrf, "4", "1").await;
    assert_eq!(status, 200);
    let held = shouwang_db::rosters::shifts_of_volunteer(&app.db.read, ids[1], 0).await.unwrap();
    assert!(!held.is_empty());
    let r = admin
        .post(format!("{}/api/v1/volunteers/{}/health", app.base, ids[1]))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "health": "infected" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(shouwang_db::rosters::shifts_of_volunteer(&app.db.read, ids[1], 0).await.unwrap().is_empty());
    let on = shouwang_db::rosters::assignments_of(&app.db.read, &[held[0].id]).await.unwrap();
    assert_eq!(on.len(), 1, "refilled by someone else");
}
