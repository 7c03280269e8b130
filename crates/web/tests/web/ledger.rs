//! The public supply ledger on the web (SPEC §4.5): anyone, without logging
//! in, reads a community's books at `/p/{code}/ledger` and verifies the chain
//! on the server or in the browser (whose script is checked here against the
//! server's hashes); a row changed by hand is named on the page and over the
//! API; the API is in the OpenAPI document.

use serde_json::Value;
use shouwang_db::ConnectionTrait;
use shouwang_db::ledger::{NewEntry, append_in};
use shouwang_domain::ledger::LedgerKind;
use time::macros::datetime;
use uuid::Uuid;

use crate::common::{App, browser, spawn};

async fn with_books(app: &App) -> Uuid {
    let community = app.community().await.id;
    let incident = shouwang_db::incidents::current_in(&app.db.read, community).await.unwrap();
    let veg = Uuid::now_v7();
    let entry = |consignment: Option<Uuid>, kind, item: &str, quantity, minute: i64| NewEntry {
        community_id: community,
        incident_id: incident,
        consignment_id: consignment,
        consignment_title: if consignment.is_some() { "浦东保供蔬菜包 500箱".into() } else { String::new() },
        kind,
        item: item.into(),
        unit: "箱".into(),
        quantity,
        note: "凌晨到货, 1:1 清点".into(),
        at: datetime!(2022-04-10 20:00 UTC) + time::Duration::minutes(minute),
    };
    let tx = app.db.begin_write().await.unwrap();
    append_in(
        &tx,
        &[
            entry(Some(veg), LedgerKind::Receipt, "蔬菜包", 500, 0),
            entry(Some(veg), LedgerKind::Allocation, "蔬菜包", 470, 10),
            entry(Some(veg), LedgerKind::Reserve, "蔬菜包", 20, 11),
            entry(Some(veg), LedgerKind::WriteOff, "蔬菜包", 10, 12),
            entry(Some(veg), LedgerKind::Delivery, "蔬菜包", 460, 240),
            entry(None, LedgerKind::ReserveIn, "蔬菜包", 400, 300),
            entry(None, LedgerKind::ShelfIn, "鸡蛋", 3, 301),
            entry(None, LedgerKind::ShelfOut, "鸡蛋", 1, 302),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    veg
}

async fn json(path: &str, app: &App) -> (u16, Value) {
    let r = browser().get(format!("{}{path}", app.base)).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn anyone_reads_the_books_without_logging_in() {
    let app = spawn().await;
    let veg = with_books(&app).await;
    let anonymous = browser();
    let (status, html) = app.page(&anonymous, "/p/sy/ledger").await;
    assert_eq!(status, 200);
    assert!(html.contains("公开物资台账") && html.contains("商务区第一社区"), "Chinese first");
    assert!(html.contains("浦东保供蔬菜包 500箱"));
    for (testid, n) in [
        ("ledger-received", 500),
        ("ledger-allocated", 470),
        ("ledger-delivered", 460),
        ("ledger-in-reserve", 20),
        ("ledger-written-off", 10),
    ] {
        assert!(html.contains(&format!("data-testid=\"{testid}\">{n}<")), "{testid} {n}");
    }
    assert!(html.contains("爱心储备池") && html.contains("<b>420</b>"), "20 held back + 400 in");
    assert!(html.contains("互助架") && html.contains("<b>2</b>"));
    assert!(html.contains("data-testid=\"ledger-entries\">8<"));
    assert!(html.contains("在浏览器中核验") && html.contains("服务器核验"));
    assert!(html.contains("src=\"/static/ledger.js\""), "the verification script (no inline script: CSP)");
    assert!(!html.contains("<script>"), "no inline script");
    let script = anonymous.get(format!("{}/static/ledger.js", app.base)).send().await.unwrap();
    assert_eq!(script.status(), 200);

    let english = anonymous
        .get(format!("{}/p/sy/ledger", app.base))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("Public supply ledger") && english.contains("Verify in the browser"));

    let (status, books) = json("/api/v1/public/communities/sy/ledger", &app).await;
    assert_eq!(status, 200);
    assert_eq!(books["entries"], 8);
    let line = &books["consignments"][0];
    assert_eq!(line["consignment_id"], veg.to_string());
    assert_eq!(
        [&line["received"], &line["allocated"], &line["delivered"], &line["in_reserve"], &line["written_off"]],
        [500, 470, 460, 20, 10]
    );
    assert_eq!(line["unaccounted"], 0);
    assert_eq!(books["reserve_pool"][0]["balance"], 420);
    assert_eq!(books["shelf"][0]["balance"], 2);

    let (status, _) = json("/api/v1/public/communities/nowhere/ledger", &app).await;
    assert_eq!(status, 404);
    let (status, _) = app.page(&anonymous, "/p/nowhere/ledger").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_server_verifies_and_names_a_row_changed_by_hand() {
    let app = spawn().await;
    with_books(&app).await;
    let anonymous = browser();
    let (_, html) = app.page(&anonymous, "/p/sy/ledger/verify").await;
    assert!(html.contains("data-testid=\"ledger-server-result\" data-holds=\"true\""), "{html}");
    assert!(html.contains("8 条台账全部完整"));
    let (status, v) = json("/api/v1/public/communities/sy/ledger/verify", &app).await;
    assert_eq!(status, 200);
    assert_eq!((v["holds"].as_bool(), v["verified"].as_u64()), (Some(true), Some(8)));

    // Someone "fixes" the allocation in the database.
    app.db.write.execute_unprepared("UPDATE ledger_entry SET quantity = 450 WHERE seq = 2").await.unwrap();
    let (_, html) = app.page(&anonymous, "/p/sy/ledger/verify").await;
    assert!(html.contains("data-holds=\"false\""));
    assert!(html.contains("第 2 条（2022-04-11 04:10，分配到户）"), "seq, Beijing time and kind");
    let (_, v) = json("/api/v1/public/communities/sy/ledger/verify", &app).await;
    assert_eq!(v["holds"], false);
    assert_eq!(v["verified"], 1);
    assert_eq!(v["broken"]["seq"], 2);
    assert_eq!(v["broken"]["why"], "wrong_hash");
    assert_eq!(v["broken"]["kind"], "allocation");
    assert_eq!(v["broken"]["at"], "2022-04-10T20:10:00.000001Z");
    assert!(v["broken"]["message"]["zh"].as_str().unwrap().contains("被改动"));
}

#[tokio::test]
async fn entries_come_in_pages_exactly_as_stored() {
    let app = spawn().await;
    with_books(&app).await;
    let (status, first) = json("/api/v1/public/communities/sy/ledger/entries?limit=3", &app).await;
    assert_eq!(status, 200);
    let seqs = |page: &Value| {
        page["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(seqs(&first), [1, 2, 3]);
    assert_eq!(first["next_after"], 3);
    let e = &first["entries"][0];
    assert_eq!(e["prev_hash"], "0".repeat(64));
    assert_eq!(e["at"], "2022-04-10T20:00:00.000001Z", "the time as hashed");
    assert_eq!(e["kind"], "receipt");
    assert_eq!(e["note"], "凌晨到货, 1:1 清点");
    let (_, rest) = json("/api/v1/public/communities/sy/ledger/entries?after=3", &app).await;
    assert_eq!(seqs(&rest), [4, 5, 6, 7, 8]);
    assert_eq!(rest["next_after"], Value::Null);
    for bad in ["limit=0", "limit=501", "after=x"] {
        let r = browser()
            .get(format!("{}/api/v1/public/communities/sy/ledger/entries?{bad}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn the_api_is_in_the_openapi_document() {
    let app = spawn().await;
    let (_, doc) = json("/api/v1/openapi.json", &app).await;
    for path in [
        "/api/v1/public/communities/{code}/ledger",
        "/api/v1/public/communities/{code}/ledger/entries",
        "/api/v1/public/communities/{code}/ledger/verify",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["LedgerEntry"].is_object());
}

/// The browser's script (`assets/ledger.js`, run here in Node.js when it is
/// installed) recomputes the same hashes as the server, with its own SHA-256
/// (the one an http page on a LAN uses), and names a changed entry.
#[tokio::test]
async fn the_browser_script_recomputes_the_servers_chain() {
    if std::process::Command::new("node").arg("--version").output().is_err() {
        eprintln!("node is not installed: the browser script is covered by the e2e suite only");
        return;
    }
    let app = spawn().await;
    with_books(&app).await;
    const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/ledger.js");
    fn run(base: String) -> Value {
        let script = SCRIPT;
        let program = format!(
            "globalThis.window = {{ isSecureContext: false }};\n\
             globalThis.document = {{ addEventListener() {{}} }};\n\
             eval(require('fs').readFileSync({script:?}, 'utf8'));\n\
             const page = async (after) => (await fetch(`{base}/api/v1/public/communities/sy/ledger/entries?after=${{after}}&limit=3`)).json();\n\
             window.shouwangLedger.verifyChain(page).then((r) => console.log(JSON.stringify(r)));"
        );
        let out = std::process::Command::new("node").arg("-e").arg(program).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    }
    let base = app.base.clone();
    let r = tokio::task::spawn_blocking(move || run(base)).await.unwrap();
    let (_, v) = json("/api/v1/public/communities/sy/ledger/verify", &app).await;
    assert_eq!(r["holds"], true, "{r}");
    assert_eq!(r["count"], 8);
    assert_eq!(r["head"], v["head"], "the same last hash as the server's");

    app.db.write.execute_unprepared("UPDATE ledger_entry SET note = '' WHERE seq = 5").await.unwrap();
    let base = app.base.clone();
    let r = tokio::task::spawn_blocking(move || run(base)).await.unwrap();
    assert_eq!(
        (r["holds"].as_bool(), r["seq"].as_i64(), r["why"].as_str()),
        (Some(false), Some(5), Some("wrong-hash"))
    );
}
