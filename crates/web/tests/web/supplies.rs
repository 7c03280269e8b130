//! Supplies through the pages (issue 12): the committee records a
//! consignment, counts it in and allocates it; a volunteer claims a run and
//! records a door twice with one key; the household confirms from its link;
//! another community's admin gets 404 for every supplies page.

use shouwang_db::import::ImportOptions;
use shouwang_domain::IdHasher;
use shouwang_io::FileKind;
use uuid::Uuid;

use crate::common::*;

fn value_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker} in page")) + marker.len();
    html[start..].split('"').next().unwrap()
}

#[tokio::test]
async fn a_consignment_goes_from_the_gate_to_the_doors_through_the_pages() {
    let app = spawn().await;
    let csv = "小区,楼号,室号,姓名,手机,标签\n蓝天花园,1号楼,101,康阿婆,13800001101,独居老人\n蓝天花园,1号楼,1203,李明,13800001203,\n云飞雅苑,1号楼,302,王芳,13800000302,\n";
    shouwang_service::registry::import_resident_file(
        &app.db,
        &IdHasher::new(b"test key of some length"),
        &code("sy"),
        csv.as_bytes(),
        FileKind::Csv,
        ImportOptions::default(),
        2022,
        None,
    )
    .await
    .unwrap();
    let (admin, csrf) = app.login("admin").await;
    let (s, location, _) = app
        .post(
            &admin,
            "/c/sy/supplies",
            &[
                ("_csrf", &csrf),
                ("title", "荤素果蛋套餐"),
                ("source", "government"),
                ("arrived_at", "2022-04-06T06:30"),
                ("item", "蔬菜包"),
                ("quantity", "170"),
                ("unit", "份"),
                ("item", ""),
                ("quantity", ""),
                ("unit", "份"),
            ],
        )
        .await;
    assert_eq!(s, 303, "created");
    let id: Uuid = location.trim_start_matches("/supplies/").parse().unwrap();
    let (_, page) = app.page(&admin, &location).await;
    let item = value_after(&page, "name=\"item_id\" value=\"").to_string();
    let (s, _, _) = app
        .post(
            &admin,
            &format!("/supplies/{id}/receive"),
            &[("_csrf", &csrf), ("item_id", &item), ("received", "168"), ("written_off", "2")],
        )
        .await;
    assert_eq!(s, 303);
    let form = [
        ("_csrf", csrf.as_str()),
        ("basis", "per_household"),
        ("item_id", &item),
        ("per_share", "1"),
        ("reserve", "10"),
    ];
    let (s, _, preview) =
        app.post(&admin, &format!("/supplies/{id}/allocate"), &[&form[..], &[("action", "preview")]].concat()).await;
    assert_eq!(s, 200);
    assert!(preview.contains("data-testid=\"preview\""), "{preview}");
    let (s, _, _) =
        app.post(&admin, &format!("/supplies/{id}/allocate"), &[&form[..], &[("action", "confirm")]].concat()).await;
    assert_eq!(s, 303);
    let (_, page) = app.page(&admin, &format!("/supplies/{id}")).await;
    assert_eq!(page.matches("data-testid=\"run\"").count(), 2, "one run per building");
    assert!(page.contains("0/3"), "nobody reached yet");

    // Home shows how far the latest consignment has got.
    let (_, home) = app.page(&admin, "/").await;
    assert!(home.contains("data-testid=\"home-supplies\"") && home.contains("<b>0</b>/3"), "{home}");

    // So does the district's roll-up, as counts only.
    let (district, _) = app.login("district").await;
    let (s, rollup) = app.page(&district, "/mobilisation/wh-jh").await;
    assert_eq!(s, 200);
    assert!(rollup.contains("data-testid=\"rollup-supplies\"") && rollup.contains("<b>0/3</b>"), "{rollup}");
    assert!(!rollup.contains("康阿婆"));

    // The outsider (another community's admin) finds none of it.
    let (outsider, _) = app.login("outsider").await;
    for path in [format!("/supplies/{id}"), format!("/supplies/{id}/coverage"), "/c/sy/supplies".to_string()] {
        assert_eq!(app.page(&outsider, &path).await.0, 404, "{path}");
    }

    // A volunteer claims 蓝天花园's run and records 康阿婆's door, twice with one key.
    let people = verified(&app, 1).await;
    volunteer_login(&app, "qiujin", people[0]).await;
    let (vol, vcsrf) = app.login("qiujin").await;
    let detail =
        shouwang_service::supplies::consignment(&app.ctx, &shouwang_service::Actor::operator("t"), id).await.unwrap();
    let run = detail.runs.iter().find(|r| r.households == 2).unwrap().id;
    let (_, masked) = app.page(&vol, &format!("/runs/{run}")).await;
    assert!(masked.contains("data-testid=\"masked\"") && !masked.contains("康阿婆"));
    let (s, _, claimed) = app.post(&vol, &format!("/runs/{run}/claim"), &[("_csrf", &vcsrf)]).await;
    assert_eq!(s, 200);
    assert!(claimed.contains("康阿婆") && claimed.contains("13800001101"), "the holder sees names and phones");
    let door = [("_csrf", vcsrf.as_str()), ("code", "101"), ("outcome", "delivered"), ("key", "page-key-0001")];
    for _ in 0..2 {
        let (s, _, page) = app.post(&vol, &format!("/runs/{run}/doors"), &door).await;
        assert_eq!(s, 200);
        assert!(page.contains("data-testid=\"notice\""));
    }
    let (_, coverage) = app.page(&admin, &format!("/supplies/{id}/coverage")).await;
    assert_eq!(coverage.matches("data-testid=\"uncovered\"").count(), 2);

    // Scanning a door's QR code with the phone's camera opens the household's
    // page: the holder of its run gets the door buttons there, a passer-by does not.
    let slips =
        shouwang_service::registry::building_slips(&app.ctx, &shouwang_service::Actor::operator("t"), &code("sy-lt-1"))
            .await
            .unwrap();
    let token_1203 = slips.slips.iter().find(|s| s.0 == "1203").unwrap().1.clone();
    let (_, at_door) = app.page(&vol, &format!("/h/{token_1203}")).await;
    assert!(at_door.contains("data-testid=\"at-door\""), "{at_door}");
    let (_, passer_by) = app.page(&browser(), &format!("/h/{token_1203}")).await;
    assert!(!passer_by.contains("data-testid=\"at-door\""));

    // The household of 1203 confirms from its link.
    let slips =
        shouwang_service::registry::building_slips(&app.ctx, &shouwang_service::Actor::operator("t"), &code("sy-lt-1"))
            .await
            .unwrap();
    let token = slips.slips.iter().find(|s| s.0 == "1203").unwrap().1.clone();
    let public = browser();
    let (_, home) = app.page(&public, &format!("/h/{token}")).await;
    assert!(home.contains("荤素果蛋套餐") && home.contains("蔬菜包 1份"));
    let key = value_after(&home, "name=\"key\" value=\"").to_string();
    let (s, _, _) =
        app.post(&public, &format!("/h/{token}/deliveries/{id}"), &[("received", "yes"), ("key", &key)]).await;
    assert_eq!(s, 303);
    let (_, coverage) = app.page(&admin, &format!("/supplies/{id}/coverage")).await;
    assert_eq!(coverage.matches("data-testid=\"uncovered\"").count(), 1, "only 云飞雅苑's household is left");

    // The runs export as a workbook.
    let r = admin.get(format!("{}/supplies/{id}/runs.xlsx", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
}
