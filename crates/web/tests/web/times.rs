//! Time is compared as time on both backends, and "now" is the service's
//! clock: tests move it past each deadline and expiry (`Clock::advance`) and
//! find the sheet closed and the claim gone, on SQLite as on PostgreSQL. On
//! SQLite a deadline written with +08:00 used to be compared as text against
//! a UTC bound, so a sheet kept taking joins for hours after it closed.

use crate::common::*;

fn hours(n: i64) -> time::Duration {
    time::Duration::hours(n)
}

#[tokio::test]
async fn a_sheet_takes_no_join_or_withdrawal_once_its_deadline_has_passed() {
    let app = spawn().await;
    let ids = verified(&app, 2).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let (admin, csrf) = app.login("admin").await;
    // "2022-04-06 22:30" is Beijing time: the deadline arrives written with +08:00.
    let deadline = shouwang_domain::clock::minute_text(app.ctx.clock.now() + hours(1));
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "今晚10点 蔬菜包卸货分发"),
        ("capacity", "5"),
        ("deadline", deadline.as_str()),
    ];
    let (status, sheet, html) = app.post(&admin, "/c/sy/sheets", &form).await;
    assert_eq!(status, 303, "{html}");
    let (p0, csrf0) = app.login("p0").await;
    let r = p0.post(format!("{}{sheet}/join", app.base)).form(&[("_csrf", csrf0.as_str())]).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("报名成功"), "open before the deadline");

    // Two hours later (by the service's clock) the sheet has closed.
    app.ctx.clock.advance(hours(2));
    let (p1, csrf1) = app.login("p1").await;
    let r = p1.post(format!("{}{sheet}/join", app.base)).form(&[("_csrf", csrf1.as_str())]).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("接龙已截止或已关闭"), "a join after the deadline is refused: {html}");
    let r = p0.post(format!("{}{sheet}/withdraw", app.base)).form(&[("_csrf", csrf0.as_str())]).send().await.unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("接龙已截止或已关闭"), "so is a withdrawal: {html}");
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!((stored[0].arrivals, stored[0].confirmed), (1, 1), "nothing changed after the deadline");
    // Stored in UTC, whatever offset it came with.
    assert_eq!(stored[0].deadline.map(|d| d.offset()), Some(time::UtcOffset::UTC));
}

#[tokio::test]
async fn an_expired_claim_is_no_longer_live_and_someone_else_may_claim() {
    let app = spawn().await;
    let ids = verified(&app, 2).await;
    volunteer_login(&app, "p0", ids[0]).await;
    volunteer_login(&app, "p1", ids[1]).await;
    let (admin, csrf) = app.login("admin").await;
    let form = [("_csrf", csrf.as_str()), ("title", "3号楼消杀"), ("kind", "disinfection")];
    let (status, path, _) = app.post(&admin, "/c/sy/tasks", &form).await;
    assert_eq!(status, 303);
    let (p0, csrf0) = app.login("p0").await;
    let (_, _, html) = app.post(&p0, &format!("{path}/claim"), &[("_csrf", &csrf0)]).await;
    assert!(html.contains("已认领"), "{html}");
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(html.contains("my-claim-expiry"), "the live claim is on my work: {html}");
    let claim =
        shouwang_db::tasks::claims_of_volunteer(&app.db.read, ids[0], app.ctx.clock.now()).await.unwrap().remove(0);

    // The claim holds two hours; three hours later it is no longer live.
    app.ctx.clock.advance(hours(3));
    let later = app.ctx.clock.now();
    assert!(shouwang_db::tasks::claims_of_volunteer(&app.db.read, ids[0], later).await.unwrap().is_empty());
    let (_, html) = app.page(&p0, "/my/work").await;
    assert!(!html.contains("my-claim-expiry"), "an expired claim is not on my work: {html}");
    let task = path.trim_start_matches("/tasks/").to_string();
    let (_, _, html) =
        app.post(&p0, &format!("/claims/{}/extend", claim.id), &[("_csrf", &csrf0), ("task", &task)]).await;
    assert!(html.contains("这项认领已过期"), "an expired claim is not extended: {html}");
    let (p1, csrf1) = app.login("p1").await;
    let (_, _, html) = app.post(&p1, &format!("{path}/claim"), &[("_csrf", &csrf1)]).await;
    assert!(html.contains("已认领") && !html.contains("已被他人认领"), "the work is free again: {html}");
    let held = shouwang_db::tasks::claims_of_volunteer(&app.db.read, ids[1], later).await.unwrap();
    assert_eq!(held.len(), 1);
    assert!(held[0].expires_at > later + hours(1), "held from the clock's now: {:?}", held[0].expires_at);
}

#[tokio::test]
async fn a_shift_that_has_ended_is_no_longer_upcoming() {
    let app = spawn().await;
    let ids = verified(&app, 8).await;
    let (admin, csrf) = app.login("admin").await;
    let (status, _, _) =
        app.post(&admin, "/c/sy/rosters/posts", &[("_csrf", &csrf), ("name", "云飞雅苑东门"), ("kind", "gate")]).await;
    assert_eq!(status, 303);
    let tomorrow = (app.ctx.clock.today() + time::Duration::days(1)).to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("first_day", tomorrow.as_str()),
        ("days", "1"),
        ("start_hour", "0"),
        ("shift_hours", "4"),
        ("needed", "1"),
    ];
    let (status, _, _) = app.post(&admin, "/c/sy/rosters/generate", &form).await;
    assert_eq!(status, 200);
    let held = shouwang_db::rosters::shifts_of_volunteer(&app.db.read, ids[0], 0).await.unwrap();
    assert!(!held.is_empty(), "党员00 has a shift tomorrow");
    volunteer_login(&app, "vol0", ids[0]).await;
    let (vol, _) = app.login("vol0").await;
    let (_, html) = app.page(&vol, "/my/work").await;
    assert!(html.contains("data-testid=\"my-shift\""), "upcoming: {html}");
    // Three days on (by the service's clock) every one of those shifts has ended.
    app.ctx.clock.advance(time::Duration::days(3));
    let (_, html) = app.page(&vol, "/my/work").await;
    assert!(!html.contains("data-testid=\"my-shift\"") && html.contains("my-shifts-none"), "ended: {html}");
}
