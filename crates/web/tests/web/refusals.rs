//! Refusals made by the framework itself (a body too large, a wrong content
//! type, a query that does not parse, an unknown method) answer in the
//! product's language: the API's `ErrorBody` in Chinese and English, an HTML
//! error page for browsers; never axum's plain English text.

use serde_json::Value;

use crate::common::{PASSWORD, browser, code, spawn};

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

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn framework_refusals_answer_the_products_error_body_or_page() {
    let app = spawn().await;
    let token = api_token(&app).await;
    let client = reqwest::Client::new();

    // A JSON endpoint sent no content type.
    let r = client
        .post(format!("{}/api/v1/communities/sy/duty-reports", app.base))
        .bearer_auth(&token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 400);
    assert!(has_chinese(body["message"].as_str().unwrap()), "{body}");
    assert!(body["message_en"].as_str().unwrap().contains("application/json"), "{body}");

    // A query that does not parse.
    let r = client
        .get(format!("{}/api/v1/communities/sy/residents?page=many", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(body["message_en"].as_str().unwrap().starts_with("malformed request"), "{body}");
    assert!(has_chinese(body["message"].as_str().unwrap()));

    // A form field of 3 MB on the public duty form: the page says so in Chinese.
    let huge = "甲".repeat(1024 * 1024);
    let r = browser()
        .post(format!("{}/duty/sy", app.base))
        .form(&[("name", huge.as_str()), ("phone", "13900001111")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let html = r.text().await.unwrap();
    assert!(html.contains("提交的内容太大"), "{}", &html[..html.len().min(400)]);
    assert!(!html.contains("Failed to buffer"));

    // An unknown method on a page.
    let r = browser().delete(format!("{}/login", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().contains("不支持这种请求方法"));
}

#[tokio::test]
async fn a_login_next_that_is_not_a_plain_local_path_goes_home() {
    let app = spawn().await;
    for next in ["/x\r\nSet-Cookie: a=b", "//evil.example/", "/\\evil.example", "/a\tb", "https://evil.example/"] {
        let r = browser()
            .post(format!("{}/login", app.base))
            .form(&[("username", "admin"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/", "{next:?}");
    }
}
