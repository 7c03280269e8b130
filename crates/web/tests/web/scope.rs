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
