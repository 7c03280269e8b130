//! Logins given in bulk: a group's verified volunteers get their logins at
//! once with printed first-login slips; each slip's link sets a password
//! once, within 72 hours, and logs its owner in.

use shouwang_db::mobilisation::{self as mob, GroupSpec};
use shouwang_domain::GroupFunctionSet;
use uuid::Uuid;

use crate::common::{self, App, browser, code, setup_entry, verified, volunteer_login};

/// The first-login links printed on a slips page.
fn links_of(html: &str) -> Vec<String> {
    html.split("<code class=\"small\">")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .filter(|u| u.contains("/first-login/"))
        .map(str::to_string)
        .collect()
}

/// 10 verified volunteers in one group, the first of whom has a login already.
async fn group_of_ten(app: &App) -> (Uuid, Vec<Uuid>) {
    let ids = verified(app, 10).await;
    volunteer_login(app, "has-login", ids[0]).await;
    let c = app.community().await;
    let yf = shouwang_db::registry::find_region(&app.db.read, &code("sy-yf")).await.unwrap().unwrap().id;
    let spec = GroupSpec {
        name: None,
        branch_id: None,
        functions: GroupFunctionSet::empty(),
        compounds: vec![yf],
        members: ids.clone(),
        leader: None,
        deputy: None,
    };
    let group =
        mob::create_groups(&app.db, c.id, &[spec], None, setup_entry("group_create", "group")).await.unwrap()[0];
    (group, ids)
}

#[tokio::test]
async fn a_group_gets_its_logins_at_once_and_each_slip_sets_a_password_once() {
    let app = common::spawn().await;
    let (group, ids) = group_of_ten(&app).await;
    let (admin, csrf) = app.login("admin").await;
    let (status, _, html) =
        app.post(&admin, "/c/sy/volunteers/logins", &[("_csrf", csrf.as_str()), ("group", &group.to_string())]).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("data-testid=\"login-slip\"").count(), 9, "9 slips: one already had a login");
    assert_eq!(html.matches("<svg").count(), 9, "a QR code on each slip");
    assert!(html.contains("sy-v001") && html.contains("sy-v009"), "usernames to type from the slip");
    assert!(html.contains("跳过 1 人"), "the one skipped is told");
    let links = links_of(&html);
    assert_eq!(links.len(), 9);
    for v in &ids[1..] {
        assert!(mob::volunteer_by_id(&app.db.read, *v).await.unwrap().unwrap().user_id.is_some());
    }
    // The log says how many, never the links.
    let token = links[0].rsplit('/').next().unwrap();
    let (_, log) = app.page(&admin, "/audit").await;
    assert!(log.contains("logins_given") && !log.contains(token), "audited without the links");

    // The owner of the first slip opens it on their phone.
    let phone = browser();
    let (status, page) = app.page(&phone, &links[0].replacen(&app.base, "", 1)).await;
    assert_eq!(status, 200);
    assert!(page.contains("党员01") && page.contains("sy-v001"), "greets its owner: {page}");
    let path = links[0].replacen(&app.base, "", 1);
    let (status, _, again) =
        app.post(&phone, &path, &[("new_password", "kangapo-2022"), ("confirm_password", "kangapo-2023")]).await;
    assert_eq!(status, 400, "two different entries");
    assert!(again.contains("两次"), "{again}");
    let (status, location, _) =
        app.post(&phone, &path, &[("new_password", "kangapo-2022"), ("confirm_password", "kangapo-2022")]).await;
    assert_eq!((status, location.as_str()), (303, "/my/work"), "set and logged in");
    let (status, _) = app.page(&phone, "/my/work").await;
    assert_eq!(status, 200, "the new session works");
    // The same link a second time: used up.
    let (status, used) = app.page(&browser(), &path).await;
    assert_eq!(status, 400);
    assert!(used.contains("已经用过"), "{used}");
    let (status, _, _) = app
        .post(&browser(), &path, &[("new_password", "another-pass-1"), ("confirm_password", "another-pass-1")])
        .await;
    assert_eq!(status, 400, "a used link sets nothing");
    // The password works at the login form.
    let login = browser();
    let r = login
        .post(format!("{}/login", app.base))
        .form(&[("username", "sy-v001"), ("password", "kangapo-2022"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/", "no forced password change after a first login");

    // 72 hours later the other slips are dead.
    app.ctx.clock.advance(time::Duration::hours(73));
    let (status, expired) = app.page(&browser(), &links[1].replacen(&app.base, "", 1)).await;
    assert_eq!(status, 400);
    assert!(expired.contains("72 小时"), "{expired}");

    // Nobody left to give: a second click answers so and changes nothing.
    let (status, _, html) =
        app.post(&admin, "/c/sy/volunteers/logins", &[("_csrf", csrf.as_str()), ("group", &group.to_string())]).await;
    assert_eq!(status, 400);
    assert!(html.contains("没有需要开通的"), "{html}");
}

#[tokio::test]
async fn another_communitys_volunteers_get_no_login_and_answer_404() {
    let app = common::spawn().await;
    let ours = verified(&app, 2).await;
    let other = shouwang_db::registry::community_by_code(&app.db.read, &code("other")).await.unwrap();
    let report = mob::DutyReport {
        name: "外社区志愿者".into(),
        phone: "13800009999".into(),
        home_compound_id: None,
        home_building_id: None,
        kind: shouwang_domain::VolunteerKind::NearbyMember,
        work_unit: None,
        party_org: None,
        skills: Default::default(),
        availability: Default::default(),
        preferred_posts: Default::default(),
        experienced: false,
        exempt: None,
        note: None,
        source: "manual",
    };
    let theirs =
        mob::report_for_duty(&app.db, other.id, &report, setup_entry("duty_report", "volunteer")).await.unwrap().id();
    mob::review(&app.db, other.id, &[theirs], &mob::Review::Verify, None, setup_entry("duty_review", "volunteer"))
        .await
        .unwrap();
    let (admin, csrf) = app.login("admin").await;
    let form = [("_csrf", csrf.clone()), ("ids", ours[0].to_string()), ("ids", theirs.to_string())];
    let r = admin.post(format!("{}/c/sy/volunteers/logins", app.base)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 404);
    for v in [ours[0], theirs] {
        assert!(mob::volunteer_by_id(&app.db.read, v).await.unwrap().unwrap().user_id.is_none(), "nobody got a login");
    }
    // Their group's id is not ours either.
    let r = admin
        .post(format!("{}/c/sy/volunteers/logins", app.base))
        .form(&[("_csrf", csrf.clone()), ("group", Uuid::now_v7().to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A volunteer's account may not give logins.
    let (vol, vol_csrf) = app.login("vol").await;
    let r = vol
        .post(format!("{}/c/sy/volunteers/logins", app.base))
        .form(&[("_csrf", vol_csrf), ("ids", ours[1].to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_api_gives_logins_and_answers_their_links_once() {
    let app = common::spawn().await;
    let ids = verified(&app, 3).await;
    let (admin, csrf) = app.login("admin").await;
    let url = format!("{}/api/v1/communities/sy/volunteer-logins", app.base);
    let r = admin
        .post(&url)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "volunteers": ids }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    let given = body["given"].as_array().unwrap();
    assert_eq!(given.len(), 3);
    assert!(given.iter().all(|g| g["first_login_url"].as_str().unwrap().contains("/first-login/")));
    assert_eq!(body["skipped"], 0);
    // Malformed JSON is a 400 in the product's error body, never a default.
    let r = admin
        .post(&url)
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body("{\"volunteers\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["status"], 400);
    assert!(!e["message"].as_str().unwrap().is_empty() && !e["message_en"].as_str().unwrap().is_empty(), "{e}");
    let given_before = body["given"].as_array().unwrap().len();
    assert_eq!(given_before, 3, "and nothing more was given");
}
