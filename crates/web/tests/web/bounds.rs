//! Every number a request sends has a range: out of it, the request is
//! refused in the product's language (the API's `ErrorBody`, the error page)
//! and nothing changes; no number can make a counter overflow, a handler
//! panic or a page number wrap.

use serde_json::Value;

use crate::common::*;

/// An API token for a community admin of 商务区第一社区.
async fn admin_token(app: &App) -> String {
    use shouwang_db::accounts::{create_api_token, create_user};
    let user = create_user(
        &app.db,
        NewUser {
            username: "script",
            display_name: "script",
            password_hash: "x".into(),
            role: Role::CommunityAdmin,
            scope: &code("sy"),
            personal_grant: false,
            must_change_password: false,
        },
    )
    .await
    .unwrap();
    let token = shouwang_web::auth::random_token();
    create_api_token(&app.db, user.id, "tests", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
    token
}

async fn open_sheet(app: &App, admin: &reqwest::Client, csrf: &str) -> String {
    let form = [("_csrf", csrf), ("title", "今晚10点 蔬菜包卸货分发"), ("capacity", "5"), ("unit", "箱")];
    let (status, location, _) = app.post(admin, "/c/sy/sheets", &form).await;
    assert_eq!(status, 303);
    location
}

#[tokio::test]
async fn a_join_with_a_quantity_past_the_range_is_refused_and_the_sheet_stays_readable() {
    let app = spawn().await;
    let ids = verified(&app, 2).await;
    for (i, id) in ids.iter().enumerate() {
        volunteer_login(&app, &format!("p{i}"), *id).await;
    }
    let (admin, csrf) = app.login("admin").await;
    let sheet = open_sheet(&app, &admin, &csrf).await;

    // 2147483647 boxes: refused with the field and its range, nothing written.
    let (p0, csrf0) = app.login("p0").await;
    let r = p0
        .post(format!("{}{sheet}/join", app.base))
        .form(&[("_csrf", csrf0.as_str()), ("quantity", "2147483647")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the sheet page again, with the reason");
    let html = r.text().await.unwrap();
    assert!(html.contains("数量超出范围：只能是 1 到 10000 之间的整数"), "{html}");
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!((stored[0].arrivals, stored[0].confirmed, stored[0].quantity_confirmed), (0, 0, 0));

    // A second volunteer joins with 1: the counters stay sound.
    let (p1, csrf1) = app.login("p1").await;
    let r = p1
        .post(format!("{}{sheet}/join", app.base))
        .form(&[("_csrf", csrf1.as_str()), ("quantity", "1")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("报名成功"));
    // Even a number too long for any integer reads as out of range.
    let r = p0
        .post(format!("{}{sheet}/join", app.base))
        .form(&[("_csrf", csrf0.as_str()), ("quantity", "99999999999999999999999")])
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("数量超出范围"));

    // The sheet, the community's pages and "my work" all still read.
    for (client, path) in [
        (&admin, sheet.as_str()),
        (&admin, "/"),
        (&admin, "/c/sy/sheets"),
        (&p0, "/my/work"),
        (&p1, "/my/work"),
        (&p1, "/"),
    ] {
        let (status, html) = app.page(client, path).await;
        assert_eq!(status, 200, "{path}: {html}");
    }
    let (_, html) = app.page(&admin, &sheet).await;
    assert!(html.contains("1. 党员01 1箱"), "{html}");

    // The API refuses the same quantity in its error body, in both languages.
    let sheet_id = sheet.rsplit('/').next().unwrap();
    let vol_token = {
        use shouwang_db::accounts::create_api_token;
        let user = shouwang_db::accounts::find_by_username(&app.db.read, "p0").await.unwrap().unwrap().user;
        let token = shouwang_web::auth::random_token();
        create_api_token(&app.db, user.id, "tests", &shouwang_web::auth::sha256_hex(&token)).await.unwrap();
        token
    };
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/signup-sheets/{sheet_id}/join", app.base))
        .bearer_auth(&vol_token)
        .json(&serde_json::json!({ "quantity": 2147483647 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["message"], "数量超出范围：只能是 1 到 10000 之间的整数，未作任何更改");
    assert!(body["message_en"].as_str().unwrap().contains("Quantity is out of range"), "{body}");
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!((stored[0].arrivals, stored[0].confirmed, stored[0].quantity_confirmed), (1, 1, 1));
}

#[tokio::test]
async fn a_sheet_with_numbers_past_their_range_is_not_opened() {
    let app = spawn().await;
    let token = admin_token(&app).await;
    let client = reqwest::Client::new();
    for (body, field) in [
        (serde_json::json!({ "title": "卸货", "capacity": 10001 }), "名额"),
        (serde_json::json!({ "title": "卸货", "capacity": 0 }), "名额"),
        (serde_json::json!({ "title": "卸货", "capacity": 3, "quantity_max": 2147483647 }), "每人最多数量"),
        (serde_json::json!({ "title": "卸货", "capacity": 3, "quantity_total": 0 }), "总数量上限"),
    ] {
        let r = client
            .post(format!("{}/api/v1/communities/sy/signup-sheets", app.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let answer: Value = r.json().await.unwrap();
        assert!(answer["message"].as_str().unwrap().starts_with(&format!("{field}超出范围")), "{answer}");
    }
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert!(stored.is_empty(), "nothing was opened");
}

/// A page number too big for any page (18446744073709551615 panicked a
/// handler; 72057594037927937 wrapped to page 1) is refused with a 400 in
/// the product's error body or page, and so is every other number a query
/// string sends out of its range.
#[tokio::test]
async fn page_numbers_and_query_numbers_past_their_range_are_refused_not_wrapped() {
    let app = spawn().await;
    let token = admin_token(&app).await;
    let api = reqwest::Client::new();
    let residents = |q: &str| format!("{}/api/v1/communities/sy/residents?{q}", app.base);
    for (q, field) in [
        ("page=18446744073709551615", "页码"),
        ("page=72057594037927937", "页码"),
        ("page=0", "页码"),
        ("per_page=501", "每页条数"),
        ("per_page=0", "每页条数"),
    ] {
        let r = api.get(residents(q)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 400, "{q}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], 400);
        assert!(body["message"].as_str().unwrap().starts_with(&format!("{field}超出范围")), "{q}: {body}");
        assert!(body["message_en"].as_str().unwrap().contains("out of range"), "{q}: {body}");
    }
    // Past u64 itself: not a number of the field, still the product's 400.
    let r = api.get(residents("page=18446744073709551616")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["message_en"].is_string(), "{body}");
    let r = api.get(residents("page=1&per_page=500")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["page"].as_u64(), body["per_page"].as_u64()), (Some(1), Some(500)));

    // Pages answer an error page in the reader's language.
    let (admin, _) = app.login("admin").await;
    for (path, text) in [
        ("/audit?page=18446744073709551615", "页码超出范围"),
        ("/audit?page=72057594037927937", "页码超出范围"),
        ("/c/sy/rosters?days=4294967295", "天数超出范围"),
        ("/c/sy/rosters?days=0", "天数超出范围"),
    ] {
        let (status, html) = app.page(&admin, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains(text), "{path}: {html}");
    }
    let (status, _) = app.page(&admin, "/audit?page=2").await;
    assert_eq!(status, 200, "an empty page past the end is fine");
    let r = api
        .get(format!("{}/api/v1/communities/sy/roster?days=4294967296", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    for path in ["roster?days=99", "groupbuy?days=32", "groupbuy?days=0"] {
        let r = api.get(format!("{}/api/v1/communities/sy/{path}", app.base)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().starts_with("天数超出范围"), "{path}: {body}");
    }
}

/// Malformed JSON on the API is a 400 in the product's error body, never a
/// default: a join whose body does not parse, or names a field the API does
/// not know, books nothing (it used to book one).
#[tokio::test]
async fn malformed_json_is_a_400_never_a_default() {
    let app = spawn().await;
    let ids = verified(&app, 1).await;
    volunteer_login(&app, "p0", ids[0]).await;
    let (admin, csrf) = app.login("admin").await;
    let sheet = open_sheet(&app, &admin, &csrf).await;
    let sheet_id = sheet.rsplit('/').next().unwrap().to_string();
    let user = shouwang_db::accounts::find_by_username(&app.db.read, "p0").await.unwrap().unwrap().user;
    let token = shouwang_web::auth::random_token();
    shouwang_db::accounts::create_api_token(&app.db, user.id, "tests", &shouwang_web::auth::sha256_hex(&token))
        .await
        .unwrap();
    let api = reqwest::Client::new();
    let join = format!("{}/api/v1/signup-sheets/{sheet_id}/join", app.base);
    for (content_type, body) in [
        ("application/json", "{\"quantity\": 2"),
        ("application/json", "{\"quantity\": \"two\"}"),
        ("application/json", "{\"quantity\": 2.5}"),
        ("application/json", "{\"quantity\": 99999999999999999999}"),
        ("application/json", "{\"quantty\": 2}"),
        ("application/json", "[2]"),
        ("text/plain", "{\"quantity\": 2}"),
    ] {
        let r =
            api.post(&join).bearer_auth(&token).header("content-type", content_type).body(body).send().await.unwrap();
        assert_eq!(r.status(), 400, "{content_type} {body}");
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["status"], 400, "{body}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}: {answer}");
        assert!(answer["message_en"].is_string(), "{body}: {answer}");
    }
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!(stored[0].arrivals, 0, "nothing was booked");
    // No body at all is one, as documented.
    let r = api.post(&join).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!(stored[0].quantity_confirmed, 1);

    // Every other body refuses fields it does not know, instead of dropping them.
    let admin_token = admin_token(&app).await;
    let r = api
        .post(format!("{}/api/v1/communities/sy/signup-sheets", app.base))
        .bearer_auth(&admin_token)
        .json(&serde_json::json!({ "title": "卸货", "capacity": 3, "quantity_maxx": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["message_en"], "malformed request body", "{answer}");
    let stored = shouwang_db::signup::sheets_of_community(&app.db.read, app.community().await.id).await.unwrap();
    assert_eq!(stored.len(), 1, "no sheet without its limit was opened");
}
