//! NUL and other control characters in any form field, query parameter or
//! JSON text are refused before any handler, naming the field, in Chinese
//! and English; nothing is stored (issue 11, item 11).

use serde_json::Value;
use shouwang_db::entity::{signup_sheet, task, volunteer};

use crate::common::{browser, code, spawn};
use sea_orm::{EntityTrait, PaginatorTrait};

async fn api_token(app: &crate::common::App) -> String {
    use shouwang_db::accounts::{NewUser, create_api_token, create_user};
    let user = create_user(
        &app.db,
        NewUser {
            username: "script",
            display_name: "script",
            password_hash: "x".into(),
            role: shouwang_domain::Role::CommunityAdmin,
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

#[tokio::test]
async fn a_json_text_with_nul_is_refused_naming_the_field() {
    let app = spawn().await;
    let token = api_token(&app).await;
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/communities/sy/duty-reports", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "name": "张\u{0}三", "phone": "13900001111" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("“name”含有看不见的控制字符"), "{body}");
    assert!(body["message_en"].as_str().unwrap().contains("the field “name” holds invisible control characters"));
    assert_eq!(volunteer::Entity::find().count(&app.db.read).await.unwrap(), 0, "nobody filed");
}

#[tokio::test]
async fn the_public_duty_form_refuses_nul_and_keeps_line_breaks() {
    let app = spawn().await;
    let r = browser()
        .post(format!("{}/duty/sy", app.base))
        .form(&[("name", "李\u{0}\u{0}\u{0}"), ("phone", "13900001111")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("控制字符") && html.contains("name"), "{}", &html[..html.len().min(600)]);
    assert_eq!(volunteer::Entity::find().count(&app.db.read).await.unwrap(), 0);

    // A note over two lines is ordinary text: the gate lets it through (the
    // form's own checks still apply).
    let r = browser()
        .post(format!("{}/duty/sy", app.base))
        .form(&[("name", "李四"), ("phone", "13900001111"), ("note", "周末可以\r\n晚上也行\t")])
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains("控制字符"));
}

#[tokio::test]
async fn page_forms_and_queries_with_control_characters_are_refused() {
    let app = spawn().await;
    let (admin, csrf) = app.login("admin").await;
    let (status, _, html) = app
        .post(&admin, "/c/sy/tasks", &[("_csrf", csrf.as_str()), ("title", "送药\u{1b}[31m"), ("kind", "errand")])
        .await;
    assert_eq!(status, 400, "a task title");
    assert!(html.contains("“title”"), "{}", &html[..html.len().min(600)]);
    assert_eq!(task::Entity::find().count(&app.db.read).await.unwrap(), 0);

    let (status, _, html) = app
        .post(&admin, "/c/sy/sheets", &[("_csrf", csrf.as_str()), ("title", "接龙\u{7f}"), ("capacity", "10")])
        .await;
    assert_eq!(status, 400, "a sheet title");
    assert!(html.contains("“title”含有看不见的控制字符"));
    assert_eq!(signup_sheet::Entity::find().count(&app.db.read).await.unwrap(), 0);

    let (status, html) = app.page(&admin, "/search?q=%E5%BC%A0%00").await;
    assert_eq!(status, 400, "a search");
    assert!(html.contains("“q”"));
}
