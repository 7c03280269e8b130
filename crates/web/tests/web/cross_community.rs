//! Every write stays inside the caller's community (issue 11, item 3): the
//! admin of 商务区第一社区 sends another community's ids to every write
//! endpoint (the API where it has one, else the page's form) and gets 404,
//! and not one row of the database changes (audit log and sessions aside).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use shouwang_db::Backend;
use shouwang_db::mobilisation::{GroupSpec, Review};
use shouwang_db::tasks::{self as task_store, ClaimOutcome, NewTask};
use shouwang_db::{ConnectionTrait, Statement};
use shouwang_domain::task::{Priority, TaskKind, WorkKind};
use uuid::Uuid;

use crate::common::*;

/// Another community's records, made straight through storage.
struct Elsewhere {
    volunteers: Vec<Uuid>,
    group: Uuid,
    branch: Uuid,
    compound: Uuid,
    building: Uuid,
    household: Uuid,
    resident: Uuid,
    task: Uuid,
    claim: Uuid,
    sheet: Uuid,
    shift: Uuid,
    user: Uuid,
}

/// This community's own records the requests name beside the other's ids.
struct Here {
    volunteers: Vec<Uuid>,
    group: Uuid,
    task: Uuid,
}

fn entry() -> shouwang_db::audit::Entry {
    setup_entry("setup", "test")
}

async fn volunteers_of(
    app: &App,
    community: &shouwang_db::entity::region::Model,
    compound: Uuid,
    n: usize,
    phone: u32,
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let report = mob::DutyReport {
            name: format!("{}队员{i}", community.name),
            phone: format!("1390000{:04}", phone as usize + i),
            home_compound_id: Some(compound),
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
        ids.push(mob::report_for_duty(&app.db, community.id, &report, entry()).await.unwrap().id());
    }
    mob::review(&app.db, community.id, &ids, &Review::Verify, None, entry()).await.unwrap();
    ids
}

async fn other_community(app: &App) -> Elsewhere {
    let db = &app.db;
    add_region(db, RegionKind::Compound, &code("other-c"), "别处小区", Some(&code("other"))).await.unwrap();
    add_region(db, RegionKind::Building, &code("other-c-1"), "1号楼", Some(&code("other-c"))).await.unwrap();
    let other = community_by_code(&db.read, &code("other")).await.unwrap();
    let compound = shouwang_db::registry::region_by_code(&db.read, &code("other-c")).await.unwrap().id;
    let building = shouwang_db::registry::region_by_code(&db.read, &code("other-c-1")).await.unwrap().id;

    // A household with one resident.
    let cell = |s: &str| Some(shouwang_domain::import::Cell::Text(s.into()));
    let row = shouwang_domain::import::RawResidentRow {
        row: 2,
        name: cell("别处居民"),
        compound: cell("别处小区"),
        building: cell("1号楼"),
        room: cell("101"),
        phone: cell("13812345678"),
        ..Default::default()
    };
    let record = shouwang_domain::import::parse_row(&row, 2026).unwrap();
    shouwang_db::import::import_residents(
        db,
        &code("other"),
        vec![record],
        vec![],
        shouwang_db::import::ColumnsPresent::all(),
        &IdHasher::new(b"test key of some length"),
        shouwang_db::import::ImportOptions::default(),
    )
    .await
    .unwrap();
    let household = shouwang_db::registry::households_of_building(&db.read, building).await.unwrap()[0].id;
    let resident = shouwang_db::registry::residents_of_household(&db.read, household).await.unwrap()[0].id;

    let volunteers = volunteers_of(app, &other, compound, 5, 5000).await;
    let spec = GroupSpec {
        name: Some("别处小组".into()),
        compounds: vec![compound],
        members: volunteers[..3].to_vec(),
        leader: Some(volunteers[0]),
        deputy: Some(volunteers[1]),
        ..Default::default()
    };
    let group = mob::create_groups(db, other.id, &[spec], None, entry()).await.unwrap()[0];
    let today = shouwang_domain::Clock::system().today();
    let branch = mob::create_branch(
        db,
        other.id,
        "别处支部",
        shouwang_domain::BranchKind::NearbyMembers,
        today,
        &[volunteers[3]],
        Some(volunteers[3]),
        None,
        None,
        entry(),
    )
    .await
    .unwrap();

    let by = task_store::Actor { user_id: None, name: "别处书记".into() };
    let new = NewTask {
        title: "别处的任务".into(),
        kind: TaskKind::SupplyDelivery,
        place_region_id: None,
        place_text: None,
        starts_at: None,
        ends_at: None,
        headcount: 2,
        priority: Priority::Normal,
        skills: String::new(),
        signup_sheet_id: None,
    };
    let task = task_store::create_task(db, other.id, new, &by, entry()).await.unwrap().id;
    task_store::assign(db, other.id, task, &[volunteers[2]], &by, entry()).await.unwrap();
    let ClaimOutcome::Held { claim, .. } = task_store::claim(
        db,
        other.id,
        WorkKind::Task,
        task,
        volunteers[4],
        time::Duration::hours(2),
        &by,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap() else {
        panic!("the claim is taken")
    };

    let sheet = shouwang_db::signup::create_sheet(
        db,
        other.id,
        shouwang_db::signup::NewSheet {
            title: "别处接龙".into(),
            note: None,
            unit: None,
            capacity: 5,
            quantity_max: None,
            quantity_total: None,
            deadline: None,
            skill: None,
            kind: None,
            group_id: None,
        },
        shouwang_web::auth::random_token(),
        None,
        entry(),
    )
    .await
    .unwrap()
    .id;
    shouwang_db::signup::join(db, sheet, volunteers[4], 1).await.unwrap();

    let post = shouwang_db::rosters::create_post(
        db,
        other.id,
        shouwang_db::rosters::NewPost {
            name: "别处大门".into(),
            kind: "gate".into(),
            compound_id: Some(compound),
            group_id: None,
        },
        entry(),
    )
    .await
    .unwrap();
    let day = shouwang_domain::roster::MINUTES_PER_DAY;
    let tomorrow = (shouwang_service::rosters::now_minutes(&app.ctx.clock) / day + 1) * day;
    let shift = shouwang_db::rosters::NewShift {
        post_id: post,
        start_min: tomorrow + 8 * 60,
        end_min: tomorrow + 12 * 60,
        needed: 1,
        skill: None,
        people: vec![(volunteers[2], "test".into())],
    };
    let shift = shouwang_db::rosters::store_roster(db, other.id, &[shift], entry()).await.unwrap()[0];
    let user = shouwang_db::accounts::find_by_username(&db.read, "far").await.unwrap().unwrap().user.id;
    mob::link_user(db, volunteers[4], Some(user)).await.unwrap();
    Elsewhere {
        volunteers,
        group,
        branch,
        compound,
        building,
        household,
        resident,
        task,
        claim: claim.id,
        sheet,
        shift,
        user,
    }
}

async fn this_community(app: &App) -> Here {
    let db = &app.db;
    let sy = app.community().await;
    let volunteers = verified(app, 4).await;
    let compound = mob::compounds_of_community(&db.read, &sy).await.unwrap()[0].id;
    let spec = GroupSpec { compounds: vec![compound], members: volunteers[..2].to_vec(), ..Default::default() };
    let group = mob::create_groups(db, sy.id, &[spec], None, entry()).await.unwrap()[0];
    let by = task_store::Actor { user_id: None, name: "书记".into() };
    let new = NewTask {
        title: "本社区的任务".into(),
        kind: TaskKind::SupplyDelivery,
        place_region_id: None,
        place_text: None,
        starts_at: None,
        ends_at: None,
        headcount: 2,
        priority: Priority::Normal,
        skills: String::new(),
        signup_sheet_id: None,
    };
    let task = task_store::create_task(db, sy.id, new, &by, entry()).await.unwrap().id;
    Here { volunteers, group, task }
}

/// Tables whose rows a refused request may still add to: the audit log (a
/// refusal is not audited today, but may be) and the login's own session.
const UNWATCHED: [&str; 3] = ["audit_log", "session", "seaql_migrations"];

/// Every row of every watched table, as text.
async fn snapshot(db: &shouwang_db::Db) -> BTreeMap<String, BTreeSet<String>> {
    let backend = db.read.get_database_backend();
    let list = match db.backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    let tables: Vec<String> = db
        .read
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .filter(|t| !UNWATCHED.contains(&t.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    for table in tables {
        let sql = match db.backend {
            Backend::Postgres => format!("SELECT t::text FROM \"{table}\" t"),
            Backend::Sqlite => {
                let cols = db
                    .read
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!("SELECT name FROM pragma_table_info('{table}')"),
                    ))
                    .await
                    .unwrap();
                let cols: Vec<String> =
                    cols.iter().map(|r| format!("quote(\"{}\")", r.try_get_by_index::<String>(0).unwrap())).collect();
                format!("SELECT {} FROM \"{table}\"", cols.join(" || '|' || "))
            }
        };
        let rows = db.read.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
        out.insert(table, rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect());
    }
    out
}

/// One request: its method and path, and a JSON body (API) or a form (pages).
enum Body {
    Json(serde_json::Value),
    Form(Vec<(&'static str, String)>),
}

#[tokio::test]
async fn every_write_endpoint_answers_404_to_another_communitys_ids_and_changes_nothing() {
    let app = spawn().await;
    let far = other_community(&app).await;
    let here = this_community(&app).await;
    let (client, csrf) = app.login("admin").await;
    let v = |i: usize| far.volunteers[i].to_string();
    let api = |path: String, body: serde_json::Value| (path, Body::Json(body));
    let form = |path: String, fields: &[(&'static str, String)]| (path, Body::Form(fields.to_vec()));
    let cases: Vec<(String, Body)> = vec![
        // Volunteers: the review (the known defect), health, group moves, reveal, login.
        api(
            "/api/v1/communities/sy/volunteers/review".into(),
            json!({ "ids": [v(0), v(1)], "decision": "reject", "reason": "测试" }),
        ),
        api("/api/v1/communities/sy/volunteers/review".into(), json!({ "ids": [v(0)], "decision": "verify" })),
        api(
            "/api/v1/communities/sy/volunteers/review".into(),
            json!({ "ids": [here.volunteers[2].to_string(), v(1)], "decision": "exempt", "exempt_reason": "not_eligible" }),
        ),
        api(format!("/api/v1/volunteers/{}/health", v(0)), json!({ "health": "isolated" })),
        form(format!("/volunteers/{}/group", v(0)), &[("group", String::new())]),
        form(format!("/volunteers/{}/group", here.volunteers[2]), &[("group", far.group.to_string())]),
        form(format!("/volunteers/{}/reveal", v(0)), &[("reason", "核对".into())]),
        form(format!("/volunteers/{}/account", v(3)), &[("username", "spy".into()), ("role", "volunteer".into())]),
        // Groups, branches, key roles, compounds.
        form(
            "/c/sy/branches".into(),
            &[
                ("name", "新支部".into()),
                ("kind", "nearby_members".into()),
                ("founded_on", "2022-04-05".into()),
                ("secretary", v(3)),
            ],
        ),
        form("/c/sy/branches/dissolve".into(), &[("branch", far.branch.to_string()), ("on", "2022-04-30".into())]),
        form("/c/sy/groups/new".into(), &[("name", "新组".into()), ("compounds", far.compound.to_string())]),
        form(
            "/c/sy/groups/new".into(),
            &[("name", "新组".into()), ("functions", "patrol".into()), ("branch", far.branch.to_string())],
        ),
        form(
            "/c/sy/roles".into(),
            &[("kind", "building_leader".into()), ("subject", far.building.to_string()), ("holder", String::new())],
        ),
        form(
            "/c/sy/roles".into(),
            &[("kind", "branch_secretary".into()), ("subject", far.branch.to_string()), ("holder", String::new())],
        ),
        form(format!("/groups/{}/roles", far.group), &[("leader", v(1)), ("deputy", v(0))]),
        form(format!("/groups/{}/roles", here.group), &[("leader", v(1))]),
        form(format!("/groups/{}/compounds", far.group), &[]),
        form(format!("/groups/{}/compounds", here.group), &[("compounds", far.compound.to_string())]),
        form("/c/sy/compounds".into(), &[("compound", far.compound.to_string()), ("x", "1".into()), ("y", "2".into())]),
        // Tasks and claims.
        api(
            "/api/v1/communities/sy/tasks".into(),
            json!({ "title": "借用别处接龙", "kind": "supply_delivery", "headcount": 1, "signup_sheet": far.sheet }),
        ),
        api(
            "/api/v1/communities/sy/tasks".into(),
            json!({ "title": "别处地点", "kind": "supply_delivery", "headcount": 1, "place": "other-c" }),
        ),
        api(format!("/api/v1/tasks/{}/dispatch", far.task), json!({ "group": null, "branch": null })),
        api(format!("/api/v1/tasks/{}/dispatch", here.task), json!({ "group": far.group })),
        api(format!("/api/v1/tasks/{}/dispatch", here.task), json!({ "branch": far.branch })),
        api(format!("/api/v1/tasks/{}/assign", far.task), json!({ "volunteers": [here.volunteers[0]] })),
        api(format!("/api/v1/tasks/{}/assign", here.task), json!({ "volunteers": [v(2)] })),
        api(format!("/api/v1/tasks/{}/transition", far.task), json!({ "action": "cancel" })),
        api(format!("/api/v1/tasks/{}/claim", far.task), json!({})),
        api(format!("/api/v1/claims/{}/extend", far.claim), json!({})),
        api(format!("/api/v1/claims/{}/release", far.claim), json!({})),
        api(format!("/api/v1/claims/{}/hand-over", far.claim), json!({ "to": v(3) })),
        // Sign-up sheets.
        api(
            "/api/v1/communities/sy/signup-sheets".into(),
            json!({ "title": "别处小组的接龙", "capacity": 3, "group": far.group }),
        ),
        api(format!("/api/v1/tasks/{}/signup-sheet", far.task), json!({})),
        api(format!("/api/v1/signup-sheets/{}/join", far.sheet), json!({ "quantity": 1 })),
        api(format!("/api/v1/signup-sheets/{}/withdraw", far.sheet), json!({})),
        // Rosters and the group-buy timetable.
        api("/api/v1/communities/sy/roster/swap".into(), json!({ "shift": far.shift, "from": v(2), "to": v(3) })),
        form(
            "/c/sy/rosters/posts".into(),
            &[("name", "别处门岗".into()), ("kind", "gate".into()), ("compound", far.compound.to_string())],
        ),
        form(
            "/c/sy/rosters/posts".into(),
            &[("name", "别处门岗".into()), ("kind", "gate".into()), ("group", far.group.to_string())],
        ),
        form("/c/sy/groupbuy/organisers".into(), &[("compound", far.compound.to_string()), ("name", "团长".into())]),
        // Registry: residents, households, links.
        form(format!("/residents/{}/reveal", far.resident), &[("reason", "核对".into())]),
        form(format!("/residents/{}/edit", far.resident), &[("name", "改名".into())]),
        form(format!("/households/{}/contact", far.household), &[("phone", "13900001111".into())]),
        form(format!("/households/{}/link/revoke", far.household), &[]),
        // Accounts.
        form(format!("/users/{}/disable", far.user), &[("enable", "false".into())]),
        form("/users".into(), &[("username", "spy".into()), ("role", "volunteer".into()), ("scope", "other".into())]),
    ];
    let before = snapshot(&app.db).await;
    let mut wrong = Vec::new();
    for (path, body) in &cases {
        let url = format!("{}{path}", app.base);
        let request = client.post(&url).header("x-csrf-token", &csrf);
        let request = match body {
            Body::Json(j) => request.json(j),
            Body::Form(f) => request
                .form(&f.iter().map(|(k, v)| (*k, v.as_str())).chain([("_csrf", csrf.as_str())]).collect::<Vec<_>>()),
        };
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        if status != 404 {
            wrong.push(format!("{path}: {status} {}", text.chars().take(200).collect::<String>()));
        }
        let after = snapshot(&app.db).await;
        for (table, rows) in &after {
            if before.get(table) != Some(rows) {
                wrong.push(format!("{path}: table {table} changed"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {} requests went wrong:\n{}", wrong.len(), cases.len(), wrong.join("\n"));
}
