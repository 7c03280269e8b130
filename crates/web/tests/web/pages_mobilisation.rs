//! The mobilisation pages through HTTP: the public report-for-duty form, the
//! committee's inbox and bulk review, the grouping proposal from "propose" to
//! "confirm", a leader's hand-over, the roll-up, and who may see what.

use crate::common::*;

fn duty_form<'a>(name: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("phone", phone),
        ("kind", "nearby_member"),
        ("compound", "sy-yf"),
        ("building", "sy-yf-1"),
        ("skills", "medical"),
        ("skills", "driving"),
        ("availability", "evening"),
        ("party_org", "市财政局机关党支部"),
    ]
}

#[tokio::test]
async fn anyone_can_report_for_duty_on_the_public_form_and_a_retry_merges() {
    let app = spawn().await;
    let anon = browser();
    let (status, html) = app.page(&anon, "/duty/sy").await;
    assert_eq!(status, 200);
    assert!(html.contains("商务区第一社区") && html.contains("云飞雅苑") && html.contains("1号楼"));

    let (status, _, html) = app.post(&anon, "/duty/sy", &duty_form("王中理", "1390000")).await;
    assert_eq!(status, 400);
    assert!(html.contains("请填写11位手机号"), "the error is in Chinese");
    assert!(html.contains("value=\"王中理\""), "what was typed is kept");

    let (status, _, html) = app.post(&anon, "/duty/sy", &duty_form("王中理", "139 0000 1111")).await;
    assert_eq!(status, 200);
    assert!(html.contains("报到成功"), "{html}");
    let (_, _, html) = app.post(&anon, "/duty/sy", &duty_form("王中理", "13900001111")).await;
    assert!(html.contains("已合并"));

    // A robot filling the hidden field is answered politely and stores nothing.
    let mut robot = duty_form("机器人", "13900002222");
    robot.push(("website", "http://spam.example"));
    let (status, _, _) = app.post(&anon, "/duty/sy", &robot).await;
    assert_eq!(status, 200);
    // A cross-site post is refused.
    let r = anon
        .post(format!("{}/duty/sy", app.base))
        .header("origin", "https://evil.example")
        .form(&duty_form("冒名", "13900003333"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let c = app.community().await;
    let all = mob::list_volunteers(&app.db.read, c.id, &Default::default()).await.unwrap();
    assert_eq!(all.len(), 1, "one person, merged; no robot, no forgery");
    let v = &all[0].volunteer;
    assert_eq!((v.phone.as_str(), v.status.as_str(), v.source.as_str()), ("13900001111", "reported", "form"));
    assert_eq!(v.skills, "medical,driving");
    // The audit log has the report, without the phone number.
    let (entries, _) = shouwang_db::audit::search(&app.db.read, "/", &Default::default(), 0, 50).await.unwrap();
    assert!(entries.iter().any(|e| e.action == "duty_report"));
    assert!(entries.iter().all(|e| !e.detail.contains("13900001111")));
}

#[tokio::test]
async fn the_committee_reviews_the_inbox_in_bulk_and_others_cannot() {
    let app = spawn().await;
    let anon = browser();
    for (name, phone) in [("甲", "13900000001"), ("乙", "13900000002"), ("丙", "13900000003")] {
        let (status, _, _) = app.post(&anon, "/duty/sy", &duty_form(name, phone)).await;
        assert_eq!(status, 200);
    }
    let (admin, csrf) = app.login("admin").await;
    let (status, html) = app.page(&admin, "/c/sy/volunteers").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("data-testid=\"volunteer-row\"").count(), 3, "the list opens on the inbox");
    assert!(html.contains("139****0001"), "phones are masked");
    assert!(!html.contains("13900000001"));

    let c = app.community().await;
    let ids: Vec<String> = mob::list_volunteers(&app.db.read, c.id, &Default::default())
        .await
        .unwrap()
        .iter()
        .map(|r| r.volunteer.id.to_string())
        .collect();
    let (status, _, html) = app
        .post(&admin, "/c/sy/volunteers/review", &[("_csrf", &csrf), ("ids", &ids[0]), ("decision", "reject")])
        .await;
    assert_eq!(status, 400, "a rejection needs a reason");
    assert!(html.contains("原因"));
    let form = [("_csrf", csrf.as_str()), ("ids", &ids[0]), ("ids", &ids[1]), ("decision", "verify"), ("back", "")];
    let (status, location, _) = app.post(&admin, "/c/sy/volunteers/review", &form).await;
    assert_eq!(status, 303);
    assert!(location.contains("done=2"), "{location}");
    let form =
        [("_csrf", csrf.as_str()), ("ids", &ids[2]), ("decision", "exempt"), ("exempt_reason", "on_duty_medical")];
    app.post(&admin, "/c/sy/volunteers/review", &form).await;
    let counts = mob::counts_by_community(&app.db.read).await.unwrap()[&c.id];
    assert_eq!((counts.reported, counts.verified, counts.exempt), (3, 2, 1));

    // Another community's admin and a plain volunteer see nothing of it.
    let (outsider, csrf_o) = app.login("outsider").await;
    assert_eq!(app.page(&outsider, "/c/sy/volunteers").await.0, 404);
    let form = [("_csrf", csrf_o.as_str()), ("ids", &ids[2]), ("decision", "verify")];
    assert_eq!(app.post(&outsider, "/c/sy/volunteers/review", &form).await.0, 404);
    let (vol, _) = app.login("vol").await;
    assert_eq!(app.page(&vol, "/c/sy/volunteers").await.0, 403);
    assert_eq!(app.page(&vol, &format!("/volunteers/{}", ids[0])).await.0, 403);
}

#[tokio::test]
async fn a_proposal_goes_from_propose_to_confirmed_groups_once() {
    let app = spawn().await;
    verified(&app, 20).await;
    let (admin, csrf) = app.login("admin").await;
    let (_, html) = app.page(&admin, "/c/sy/groups").await;
    assert!(html.contains("data-testid=\"uncovered\""), "three compounds, no group yet");

    let params = [("_csrf", csrf.as_str()), ("min_members", "5"), ("max_members", "6"), ("max_compounds", "2")];
    let (status, location, _) = app.post(&admin, "/c/sy/grouping/propose", &params).await;
    assert_eq!((status, location.as_str()), (303, "/c/sy/grouping"));
    let (_, html) = app.page(&admin, "/c/sy/grouping").await;
    let groups = html.matches("data-testid=\"proposed-group\"").count();
    assert_eq!(groups, 3, "20 people in groups of a leader and 5-6 members");
    assert!(html.contains("住在"), "placements carry their reasons in Chinese");
    assert!(html.contains("组长"));

    // Bad bounds are refused with a message, not stored.
    let bad = [("_csrf", csrf.as_str()), ("min_members", "9"), ("max_members", "3"), ("max_compounds", "2")];
    let (status, _, html) = app.post(&admin, "/c/sy/grouping/propose", &bad).await;
    assert_eq!(status, 400);
    assert!(html.contains("组员人数"));

    // A hand edit: make someone else the leader of group 1.
    let c = app.community().await;
    let (draft, _) = shouwang_service::groups::load_draft(&app.ctx, &c).await.unwrap().unwrap();
    let g1 = &draft.proposal.groups[0];
    let member = draft.volunteer(g1.members.last().unwrap().volunteer).unwrap().id.to_string();
    let edit = [("_csrf", csrf.as_str()), ("op", "leader"), ("volunteer", &member), ("group", "1")];
    assert_eq!(app.post(&admin, "/c/sy/grouping/edit", &edit).await.0, 303);

    let (status, location, _) = app.post(&admin, "/c/sy/grouping/confirm", &[("_csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/c/sy/groups"));
    let views = mob::groups_of_community(&app.db.read, c.id).await.unwrap();
    assert_eq!(views.len(), 3);
    assert_eq!(views[0].leader_id().map(|id| id.to_string()), Some(member), "the hand edit stands");
    assert_eq!(views.iter().map(|g| g.members.len()).sum::<usize>(), 20);
    let (_, html) = app.page(&admin, "/c/sy/groups").await;
    assert!(!html.contains("data-testid=\"uncovered\""), "every compound has a group now");
    assert_eq!(html.matches("data-testid=\"group\"").count(), 3);

    // The committee enters where compounds lie; adjacency is kept both ways.
    let (_, html) = app.page(&admin, "/c/sy/compounds").await;
    assert_eq!(html.matches("data-testid=\"place\"").count(), 3);
    let compounds = mob::compounds_of_community(&app.db.read, &c).await.unwrap();
    let (a, b) = (compounds[0].id.to_string(), compounds[1].id.to_string());
    let place = [("_csrf", csrf.as_str()), ("compound", &a), ("x", "120"), ("y", "80"), ("neighbours", &b)];
    assert_eq!(app.post(&admin, "/c/sy/compounds", &place).await.0, 303);
    let half = [("_csrf", csrf.as_str()), ("compound", &a), ("x", "120"), ("y", "")];
    let (status, _, html) = app.post(&admin, "/c/sy/compounds", &half).await;
    assert_eq!(status, 400);
    assert!(html.contains("都要填"));
    let compounds = mob::compounds_of_community(&app.db.read, &c).await.unwrap();
    assert_eq!(compounds[0].position, Some((120.0, 80.0)));
    assert_eq!(compounds[1].neighbours, vec![compounds[0].id]);

    // Confirming twice does nothing more.
    let (status, _, html) = app.post(&admin, "/c/sy/grouping/confirm", &[("_csrf", &csrf)]).await;
    assert_eq!(status, 400);
    assert!(html.contains("还没有分组方案"));
    assert_eq!(mob::groups_of_community(&app.db.read, c.id).await.unwrap().len(), 3);

    // The printable list and the district's roll-up.
    let (status, html) = app.page(&admin, "/c/sy/groups/print").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("data-testid=\"print-group\"").count(), 3);
    let (district, _) = app.login("district").await;
    let (status, html) = app.page(&district, "/mobilisation/wh-jh").await;
    assert_eq!(status, 200);
    assert!(html.contains("商务区第一社区") || html.contains("万松街道"));
    assert!(html.contains("<b>20</b>"), "the district sees 20 reported and 20 grouped");
    assert_eq!(app.page(&district, "/c/sy/volunteers").await.0, 403, "but not the people");
    assert_eq!(app.page(&district, "/c/sy/groups").await.0, 403, "group lists name people too");
    assert_eq!(app.page(&admin, "/mobilisation/wh-jh").await.0, 403, "a community does not count its neighbours");
}

#[tokio::test]
async fn an_isolated_leader_is_replaced_by_the_backup_on_the_page() {
    let app = spawn().await;
    let ids = verified(&app, 4).await;
    let c = app.community().await;
    let yf = mob::compounds_of_community(&app.db.read, &c).await.unwrap()[0].id;
    let entry = setup_entry("group_create", "group");
    let spec = mob::GroupSpec {
        compounds: vec![yf],
        members: ids.clone(),
        leader: Some(ids[0]),
        deputy: Some(ids[1]),
        ..Default::default()
    };
    mob::create_groups(&app.db, c.id, &[spec], None, entry).await.unwrap();
    let (admin, csrf) = app.login("admin").await;
    let (status, html, _) = {
        let r = admin
            .post(format!("{}/volunteers/{}/health", app.base, ids[0]))
            .form(&[("_csrf", csrf.as_str()), ("health", "isolated")])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap(), ())
    };
    assert_eq!(status, 200);
    assert!(html.contains("已由B角 党员01 接任"), "{html}");
    let (_, html) = app.page(&admin, "/c/sy/groups").await;
    assert!(html.contains("党员00 → 党员01"), "the hand-over is logged and shown");
    assert!(html.contains("没有B角"), "the new leader has no backup yet: a warning");
}

#[tokio::test]
async fn the_committee_appoints_building_leaders_and_forms_groups_and_branches_by_hand() {
    let app = spawn().await;
    let ids = verified(&app, 3).await;
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let (admin, csrf) = app.login("admin").await;
    let c = app.community().await;

    // A building leader with a backup, on the building's page.
    let building = shouwang_db::registry::region_by_code(&app.db.read, &code("sy-yf-1")).await.unwrap();
    let (_, html) = app.page(&admin, "/regions/sy-yf-1").await;
    assert!(html.contains("data-testid=\"building-leader\"") && html.contains("空缺"));
    let subject = building.id.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("kind", "building_leader"),
        ("subject", &subject),
        ("holder", &a),
        ("backup", &b),
        ("back", "/regions/sy-yf-1"),
    ];
    let (status, location, _) = app.post(&admin, "/c/sy/roles", &form).await;
    assert_eq!((status, location.as_str()), (303, "/regions/sy-yf-1"));
    let (_, html) = app.page(&admin, "/regions/sy-yf-1").await;
    assert!(html.contains("<b>党员00</b>") && html.contains("党员01"));
    // A building of another community cannot be given a leader from here.
    add_region(&app.db, RegionKind::Compound, &code("other-c"), "别处", Some(&code("other"))).await.unwrap();
    let far =
        add_region(&app.db, RegionKind::Building, &code("other-c-1"), "1号楼", Some(&code("other-c"))).await.unwrap();
    let far = far.id.to_string();
    let form = [("_csrf", csrf.as_str()), ("kind", "building_leader"), ("subject", &far), ("holder", &a)];
    assert_eq!(app.post(&admin, "/c/sy/roles", &form).await.0, 404);

    // A functional group by hand, then a member moved into it from their page.
    let form = [("_csrf", csrf.as_str()), ("name", "物资保障工作一队"), ("functions", "supplies")];
    let (status, location, _) = app.post(&admin, "/c/sy/groups/new", &form).await;
    assert_eq!(status, 303);
    let group = location.trim_start_matches("/groups/").to_string();
    let (status, _, _) =
        app.post(&admin, &format!("/volunteers/{a}/group"), &[("_csrf", csrf.as_str()), ("group", &group)]).await;
    assert_eq!(status, 303);
    let (_, html) = app.page(&admin, &format!("/groups/{group}")).await;
    assert!(html.contains("物资保障工作一队") && html.contains("物资保障") && html.contains("党员00"));
    let empty = [("_csrf", csrf.as_str()), ("name", "空组")];
    assert_eq!(app.post(&admin, "/c/sy/groups/new", &empty).await.0, 400, "a group needs compounds or functions");

    // A branch, its secretary changed, and its hand-over date.
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "第二临时党支部"),
        ("kind", "nearby_members"),
        ("founded_on", "2022-03-05"),
        ("secretary", &a),
    ];
    assert_eq!(app.post(&admin, "/c/sy/branches", &form).await.0, 303);
    let branch = mob::branches_of_community(&app.db.read, c.id).await.unwrap()[0].branch.id.to_string();
    let form =
        [("_csrf", csrf.as_str()), ("kind", "branch_secretary"), ("subject", &branch), ("holder", &b), ("backup", &a)];
    assert_eq!(app.post(&admin, "/c/sy/roles", &form).await.0, 303);
    let form = [("_csrf", csrf.as_str()), ("branch", &branch), ("on", "2022-05-31")];
    assert_eq!(app.post(&admin, "/c/sy/branches/dissolve", &form).await.0, 303);
    let views = mob::branches_of_community(&app.db.read, c.id).await.unwrap();
    let secretary = views[0].secretary.as_ref().unwrap();
    assert_eq!(secretary.holder.as_ref().map(|v| v.id), Some(ids[1]));
    assert_eq!(secretary.backup.as_ref().map(|v| v.id), Some(ids[0]));
    assert_eq!(views[0].branch.dissolved_on.map(|d| d.to_string()), Some("2022-05-31".into()));
    let (_, html) = app.page(&admin, "/c/sy/groups").await;
    assert!(html.contains("党员00 → 党员01"), "the change of secretary is in the hand-over log");
}

#[tokio::test]
async fn a_leader_opens_a_sheet_volunteers_join_from_their_phones_and_a_withdrawal_promotes() {
    let app = spawn().await;
    let ids = verified(&app, 3).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let (admin, csrf) = app.login("admin").await;
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "今晚10点 蔬菜包卸货分发"),
        ("capacity", "2"),
        ("unit", "箱"),
        ("quantity_max", "3"),
    ];
    let (status, location, _) = app.post(&admin, "/c/sy/sheets", &form).await;
    assert_eq!(status, 303);
    let sheet = location.clone();

    let mut phones = Vec::new();
    for i in 0..3 {
        let (p, csrf) = app.login(&format!("p{i}")).await;
        let (_, html) = app.page(&p, "/").await;
        assert!(html.contains("蔬菜包卸货分发"), "the open sheet is on the volunteer's home");
        let r = p
            .post(format!("{}{sheet}/join", app.base))
            .form(&[("_csrf", csrf.as_str()), ("quantity", "2")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        if i < 2 {
            assert!(html.contains("报名成功"), "{html}");
        } else {
            assert!(html.contains("候补"));
        }
        phones.push((p, csrf));
    }
    // A double tap changes nothing.
    let (p0, csrf0) = &phones[0];
    p0.post(format!("{}{sheet}/join", app.base)).form(&[("_csrf", csrf0.as_str())]).send().await.unwrap();
    let (_, html) = app.page(&admin, &sheet).await;
    assert!(html.contains("#接龙\n今晚10点 蔬菜包卸货分发"), "the WeChat text is there to copy");
    assert!(html.contains("1. 党员00 2箱\n2. 党员01 2箱\n\n候补：\n1. 党员02 2箱"), "{html}");
    // The first withdraws: the waiting one moves up.
    let r = p0.post(format!("{}{sheet}/withdraw", app.base)).form(&[("_csrf", csrf0.as_str())]).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("已退出"));
    let (_, html) = app.page(&admin, &sheet).await;
    assert!(html.contains("1. 党员01 2箱\n2. 党员02 2箱\n"), "{html}");
    // Too many boxes for one person is refused with the reason.
    let (p2, csrf2) = &phones[2];
    let r = p2.post(format!("{}{sheet}/withdraw", app.base)).form(&[("_csrf", csrf2.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = p2
        .post(format!("{}{sheet}/join", app.base))
        .form(&[("_csrf", csrf2.as_str()), ("quantity", "5")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("每人最多3箱"));
    // The share link leads to the sheet; another community cannot open it.
    let token = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap()[0]
        .share_token
        .clone();
    let r = admin.get(format!("{}/s/{token}", app.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"].to_str().unwrap(), sheet);
    let (outsider, _) = app.login("outsider").await;
    assert_eq!(app.page(&outsider, &sheet).await.0, 404);
}
