//! Who is asking and what each role is shown (issue 11, items 4 and 14):
//! credentials come from one place per request, and a volunteer sees their
//! own work, not the community's.

use crate::common::*;

/// An `Authorization` header decides the request alone: a Basic header, an
/// empty or unknown Bearer token is a 401, even beside a valid session cookie.
#[tokio::test]
async fn an_authorization_header_that_is_not_a_valid_bearer_token_is_a_401_despite_the_cookie() {
    let app = spawn().await;
    let (client, _) = app.login("admin").await;
    // The cookie alone opens both faces.
    assert_eq!(client.get(format!("{}/api/v1/regions/sy", app.base)).send().await.unwrap().status(), 200);
    assert_eq!(app.page(&client, "/").await.0, 200);
    for header in ["Basic YWRtaW46YS1sb25nLXBhc3N3b3JkLTIwMjI=", "Bearer ", "Bearer not-a-token", "bearer x", "Token x"]
    {
        for path in ["/api/v1/regions/sy", "/"] {
            let r = client.get(format!("{}{path}", app.base)).header("authorization", header).send().await.unwrap();
            assert_eq!(r.status(), 401, "{header} on {path}");
        }
        // A write with the header is refused too (the CSRF check leaves header-borne calls to auth).
        let r = client
            .post(format!("{}/api/v1/communities/sy/volunteers/review", app.base))
            .header("authorization", header)
            .json(&serde_json::json!({"ids": [], "decision": "verify"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{header} on a write");
    }
}

/// A task of the community, with `who` assigned, straight through storage.
async fn task_for(app: &App, title: &str, who: uuid::Uuid) -> uuid::Uuid {
    use shouwang_db::tasks::{self as store, NewTask};
    let sy = app.community().await;
    let by = store::Actor { user_id: None, name: "书记".into() };
    let new = NewTask {
        title: title.into(),
        kind: shouwang_domain::task::TaskKind::SupplyDelivery,
        place_region_id: None,
        place_text: None,
        starts_at: None,
        ends_at: None,
        headcount: 1,
        priority: shouwang_domain::task::Priority::Normal,
        skills: String::new(),
        signup_sheet_id: None,
    };
    let id = store::create_task(&app.db, sy.id, new, &by, setup_entry("task_create", "task")).await.unwrap().id;
    store::assign(&app.db, sy.id, id, &[who], &by, setup_entry("task_assign", "task")).await.unwrap();
    id
}

/// SPEC §2: a volunteer's task list and roster (page and API) show their own
/// tasks and shifts, not the community's; the committee still sees all.
#[tokio::test]
async fn a_volunteer_sees_only_their_own_tasks_and_shifts() {
    let app = spawn().await;
    let ids = verified(&app, 3).await;
    volunteer_login(&app, "p0", ids[0]).await;
    task_for(&app, "东门卸货甲", ids[0]).await;
    task_for(&app, "西门卸货乙", ids[1]).await;

    // Two shifts tomorrow: one theirs, one another's.
    let sy = app.community().await;
    let post = shouwang_db::rosters::NewPost {
        name: "云飞雅苑大门".into(),
        kind: "gate".into(),
        compound_id: None,
        group_id: None,
    };
    let post =
        shouwang_db::rosters::create_post(&app.db, sy.id, post, setup_entry("post_create", "post")).await.unwrap();
    let day = shouwang_domain::roster::MINUTES_PER_DAY;
    let tomorrow = (shouwang_service::rosters::now_minutes(&app.ctx.clock) / day + 1) * day;
    let shift = |start: i64, who: uuid::Uuid| shouwang_db::rosters::NewShift {
        post_id: post,
        start_min: tomorrow + start * 60,
        end_min: tomorrow + (start + 4) * 60,
        needed: 1,
        skill: None,
        people: vec![(who, "test".into())],
    };
    shouwang_db::rosters::store_roster(
        &app.db,
        sy.id,
        &[shift(8, ids[0]), shift(14, ids[2])],
        setup_entry("roster", "community"),
    )
    .await
    .unwrap();
    let from = shouwang_domain::Clock::system().today().to_string();
    let api = format!("/api/v1/communities/sy/roster?from={from}&days=3");

    let (vol, _) = app.login("p0").await;
    let (status, page) = app.page(&vol, "/c/sy/tasks").await;
    assert_eq!(status, 200);
    assert!(page.contains("东门卸货甲"), "their own task");
    assert!(!page.contains("西门卸货乙"), "not another's task");
    let (status, roster) = app.page(&vol, &api).await;
    assert_eq!(status, 200, "{roster}");
    let roster: serde_json::Value = serde_json::from_str(&roster).unwrap();
    assert_eq!(roster["shifts"].as_array().unwrap().len(), 1, "{roster}");
    let text = roster.to_string();
    assert!(text.contains("党员00") && !text.contains("党员02"), "{text}");
    let (status, board) = app.page(&vol, &format!("/c/sy/rosters?from={from}&days=3")).await;
    assert_eq!(status, 200);
    assert!(board.contains("党员00") && !board.contains("党员02") && !board.contains("党员01"), "roster page");

    // The committee sees the whole community.
    let (admin, _) = app.login("admin").await;
    let (_, page) = app.page(&admin, "/c/sy/tasks").await;
    assert!(page.contains("东门卸货甲") && page.contains("西门卸货乙"));
    let (_, roster) = app.page(&admin, &api).await;
    let roster: serde_json::Value = serde_json::from_str(&roster).unwrap();
    assert_eq!(roster["shifts"].as_array().unwrap().len(), 2);
}

/// An upper-level account without the personal-data grant gets people's
/// details by no other route: it cannot make an account that sees them (or
/// has more than it has), and the audit log it reads hides names and reasons.
#[tokio::test]
async fn an_upper_level_without_the_grant_makes_no_account_that_sees_people_and_reads_a_redacted_log() {
    let app = spawn().await;
    let (district, csrf) = app.login("district").await;
    for (name, role, scope) in [
        ("spy-admin", "community_admin", "sy"),
        ("spy-worker", "social_worker", "sy"),
        ("spy-grid", "grid_chief", "sy"),
        ("spy-city", "city_staff", "wh"),
    ] {
        let form = [("_csrf", csrf.as_str()), ("username", name), ("role", role), ("scope", scope)];
        let (status, _, _) = app.post(&district, "/users", &form).await;
        assert_eq!(status, 403, "{role}");
        assert!(shouwang_db::accounts::find_by_username(&app.db.read, name).await.unwrap().is_none());
    }
    // What it has, it may give.
    let form =
        [("_csrf", csrf.as_str()), ("username", "ws-staff"), ("role", "subdistrict_staff"), ("scope", "wh-jh-ws")];
    let (status, _, _) = app.post(&district, "/users", &form).await;
    assert!(status < 400, "{status}");
    assert!(shouwang_db::accounts::find_by_username(&app.db.read, "ws-staff").await.unwrap().is_some());

    // The accounts list names no volunteer either.
    let ids = verified(&app, 1).await;
    let user = create_user(
        &app.db,
        NewUser {
            username: "wxy",
            display_name: "王秀英",
            password_hash: shouwang_web::auth::hash_password(PASSWORD).unwrap(),
            role: Role::Volunteer,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    mob::link_user(&app.db, ids[0], Some(user.id)).await.unwrap();
    let (status, users) = app.page(&district, "/users").await;
    assert_eq!(status, 200);
    assert!(users.contains("wxy") && !users.contains("王秀英"), "the login, not the name");

    // The committee rejects a duty report with a reason that names someone.
    let (admin, csrf_a) = app.login("admin").await;
    let id = ids[0].to_string();
    let form =
        [("_csrf", csrf_a.as_str()), ("ids", id.as_str()), ("decision", "reject"), ("reason", "与王秀英同户重复登记")];
    let (status, _, _) = app.post(&admin, "/c/sy/volunteers/review", &form).await;
    assert!(status < 400, "{status}");
    let (_, log) = app.page(&admin, "/audit").await;
    assert!(log.contains("王秀英"), "the committee reads the whole entry");
    let (status, log) = app.page(&district, "/audit").await;
    assert_eq!(status, 200);
    assert!(log.contains("duty_review"), "the entry is there");
    assert!(!log.contains("王秀英"), "without the grant, no names");
    assert!(log.contains("（已隐去）") || log.contains("(hidden)"), "and it says so");
}

/// A login with `role` for a volunteer of 商务区第一社区.
async fn login_for(app: &App, name: &str, role: Role, volunteer: uuid::Uuid) {
    let user = create_user(
        &app.db,
        NewUser {
            username: name,
            display_name: name,
            password_hash: shouwang_web::auth::hash_password(PASSWORD).unwrap(),
            role,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    mob::link_user(&app.db, volunteer, Some(user.id)).await.unwrap();
}

/// SPEC §2: a branch secretary runs their own branch (its groups, their
/// members and compounds), a group leader their own group; neither touches
/// the rest of the community's structure.
#[tokio::test]
async fn a_secretary_runs_their_own_branch_and_a_leader_their_own_group() {
    let app = spawn().await;
    let ids = verified(&app, 8).await;
    let sy = app.community().await;
    let compound = mob::compounds_of_community(&app.db.read, &sy).await.unwrap()[0].id.to_string();
    let today = shouwang_domain::Clock::system().today();
    let entry = || setup_entry("setup", "test");
    let branch = mob::create_branch(
        &app.db,
        sy.id,
        "一支部",
        shouwang_domain::BranchKind::NearbyMembers,
        today,
        &[],
        Some(ids[0]),
        None,
        None,
        entry(),
    )
    .await
    .unwrap();
    let spec = |members: &[uuid::Uuid], branch: Option<uuid::Uuid>, leader: Option<uuid::Uuid>| mob::GroupSpec {
        branch_id: branch,
        functions: [shouwang_domain::GroupFunction::Patrol].into_iter().collect(),
        members: members.to_vec(),
        leader,
        ..Default::default()
    };
    let in_branch =
        mob::create_groups(&app.db, sy.id, &[spec(&ids[1..3], Some(branch), None)], None, entry()).await.unwrap()[0];
    let led =
        mob::create_groups(&app.db, sy.id, &[spec(&ids[3..5], None, Some(ids[3]))], None, entry()).await.unwrap()[0];
    login_for(&app, "sec", Role::BranchSecretary, ids[0]).await;
    login_for(&app, "gl", Role::GroupLeader, ids[3]).await;

    let (sec, csrf) = app.login("sec").await;
    let post = |client: reqwest::Client, path: String, form: Vec<(&'static str, String)>| {
        let app = &app;
        let csrf = csrf.clone();
        async move {
            let mut form: Vec<(&str, String)> = form;
            form.push(("_csrf", csrf));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(&client, &path, &form).await.0
        }
    };
    // Their branch's group: yes; a group outside it, or the community's structure: no.
    assert_eq!(
        post(sec.clone(), format!("/groups/{in_branch}/compounds"), vec![("compounds", compound.clone())]).await,
        303
    );
    assert_eq!(post(sec.clone(), format!("/groups/{led}/compounds"), vec![("compounds", compound.clone())]).await, 403);
    let new_branch =
        vec![("name", "二支部".to_string()), ("kind", "nearby_members".to_string()), ("founded_on", today.to_string())];
    assert_eq!(post(sec.clone(), "/c/sy/branches".into(), new_branch).await, 403);
    let new_group = |branch: &str| vec![("functions", "patrol".to_string()), ("branch", branch.to_string())];
    assert_eq!(post(sec.clone(), "/c/sy/groups/new".into(), new_group(&branch.to_string())).await, 303);
    assert_eq!(post(sec.clone(), "/c/sy/groups/new".into(), new_group("")).await, 403);
    assert_eq!(mob::groups_of_community(&app.db.read, sy.id).await.unwrap().len(), 3);

    let (gl, csrf_gl) = app.login("gl").await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let app = &app;
        let (gl, csrf) = (gl.clone(), csrf_gl.clone());
        async move {
            let mut form: Vec<(&str, String)> = form;
            form.push(("_csrf", csrf));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(&gl, &path, &form).await.0
        }
    };
    // Their own group: its deputy, a new member; another group: nothing.
    let roles = vec![("leader", ids[3].to_string()), ("deputy", ids[4].to_string())];
    assert_eq!(post(format!("/groups/{led}/roles"), roles).await, 303);
    let roles = vec![("leader", ids[1].to_string())];
    assert_eq!(post(format!("/groups/{in_branch}/roles"), roles).await, 403);
    assert_eq!(post(format!("/volunteers/{}/group", ids[5]), vec![("group", led.to_string())]).await, 303);
    assert_eq!(post(format!("/volunteers/{}/group", ids[1]), vec![("group", led.to_string())]).await, 403);
    assert_eq!(post(format!("/volunteers/{}/group", ids[6]), vec![("group", in_branch.to_string())]).await, 403);
    assert_eq!(mob::group_of(&app.db.read, ids[5]).await.unwrap(), Some(led));
    assert_eq!(mob::group_of(&app.db.read, ids[1]).await.unwrap(), Some(in_branch));
    assert_eq!(mob::group_of(&app.db.read, ids[6]).await.unwrap(), None);
}
