//! The upload page's apply answers a second apply of one upload with 409
//! "already applied" in the user's language, and changes nothing.

use crate::common::spawn;
use sea_orm::{EntityTrait, PaginatorTrait};
use shouwang_db::entity::resident;

#[tokio::test]
async fn a_second_apply_of_one_upload_is_a_409_already_applied() {
    let app = spawn().await;
    let (admin, csrf) = app.login("admin").await;
    let csv = "姓名,楼号,室号\r\n李秀英,3,1201\r\n王建国,3,1202\r\n".as_bytes().to_vec();
    let form = reqwest::multipart::Form::new()
        .text("community", "sy")
        .part("file", reqwest::multipart::Part::bytes(csv).file_name("roster.csv"));
    let r = admin.post(format!("{}/import?_csrf={csrf}", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let marker = "name=\"upload\" value=\"";
    let start = html.find(marker).expect("the preview offers to apply") + marker.len();
    let upload = html[start..].split('"').next().unwrap().to_string();

    let (status, _, _) = app.post(&admin, "/import/apply", &[("_csrf", csrf.as_str()), ("upload", &upload)]).await;
    assert_eq!(status, 200);
    assert_eq!(resident::Entity::find().count(&app.db.read).await.unwrap(), 2);
    let (status, _, html) = app.post(&admin, "/import/apply", &[("_csrf", csrf.as_str()), ("upload", &upload)]).await;
    assert_eq!(status, 409);
    assert!(html.contains("这个文件已经导入过了"), "{}", &html[..html.len().min(800)]);
    assert_eq!(resident::Entity::find().count(&app.db.read).await.unwrap(), 2, "nobody twice");
}
