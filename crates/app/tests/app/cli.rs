//! Smoke tests of the real `shouwang` binary: the commands a committee's
//! operator types, on a messy real-looking roster, and the server's probes.
//! Runs on SQLite, and on PostgreSQL when SHOUWANG_TEST_POSTGRES_URL is set.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use shouwang_db::testing::TestDb;

const MESSY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/messy-roster.xlsx");

/// A fresh database and working directory for one test.
pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
    pub(crate) db: TestDb,
}

impl Env {
    pub(crate) async fn new() -> Env {
        let db = TestDb::new().await;
        let url = db.url.clone();
        Env { dir: tempfile::tempdir().unwrap(), url, db }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shouwang"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("SHOUWANG_DATABASE_URL", &self.url)
            .env("SHOUWANG_ID_HASH_KEY", "smoke-test key of enough length")
            .env_remove("SHOUWANG_LANG")
            .env_remove("RUST_LOG");
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn community(&self) {
        self.ok(&["region", "add", "--kind", "city", "--code", "wh", "--name", "武汉市"]);
        self.ok(&["region", "add", "--kind", "区", "--code", "wh-jh", "--name", "江汉区", "--parent", "wh"]);
        self.ok(&["region", "add", "--kind", "街道", "--code", "wh-jh-ws", "--name", "万松街道", "--parent", "wh-jh"]);
        self.ok(&[
            "region",
            "add",
            "--kind",
            "community",
            "--code",
            "sy",
            "--name",
            "商务区第一社区",
            "--parent",
            "wh-jh-ws",
        ]);
    }
}

fn json(s: &str) -> Value {
    serde_json::from_str(s.trim()).unwrap()
}

fn rejected_rows(report: &Value) -> Vec<u64> {
    report["rejected"].as_array().unwrap().iter().map(|r| r["row"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn a_messy_roster_gives_a_per_row_report_and_no_duplicates_on_reimport() {
    let env = Env::new().await;
    env.community();

    let dry = json(&env.ok(&["import", "residents", "--community", "sy", MESSY, "--dry-run", "--json"]));
    assert_eq!(dry["created"], 5);

    let first = json(&env.ok(&["import", "residents", "--community", "sy", MESSY, "--json"]));
    assert_eq!(
        (first["created"].as_u64(), first["updated"].as_u64(), first["unchanged"].as_u64()),
        (Some(5), Some(0), Some(0))
    );
    // Excel's row numbers: ID as a number, a landline, a bad check digit, a duplicate, no room.
    assert_eq!(rejected_rows(&first), vec![9, 10, 11, 14, 15]);
    let reasons: Vec<&str> =
        first["rejected"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("存成了数字"), "{}", reasons[0]);
    assert!(reasons[3].contains("第13行"), "{}", reasons[3]);
    for r in &reasons {
        assert!(!r.contains("1387123"), "a reason must not repeat a phone number: {r}");
    }

    let again = json(&env.ok(&["import", "residents", "--community", "sy", MESSY, "--json"]));
    assert_eq!((again["created"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(5)));

    let en = env.run(&["import", "residents", "--community", "sy", MESSY, "--lang", "en"]);
    let text = String::from_utf8(en.stdout).unwrap();
    assert!(text.contains("row 15: room is missing"), "{text}");
}

#[tokio::test]
async fn strict_mode_and_hopeless_files_change_nothing_and_exit_non_zero() {
    let env = Env::new().await;
    env.community();
    let strict = env.run(&["import", "residents", "--community", "sy", MESSY, "--strict", "--json"]);
    assert_eq!(strict.status.code(), Some(1));
    let report = json(std::str::from_utf8(&strict.stdout).unwrap());
    assert_eq!(rejected_rows(&report).len(), 5);

    std::fs::write(env.path("notes.csv"), "随便写写\n没有表头\n").unwrap();
    let no_header = env.run(&["import", "residents", "--community", "sy", env.path("notes.csv").to_str().unwrap()]);
    assert_eq!(no_header.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_header.stderr).contains("表头"));

    let wrong_place = env.run(&["import", "residents", "--community", "wh-jh", MESSY]);
    assert!(!wrong_place.status.success());
    assert!(String::from_utf8_lossy(&wrong_place.stderr).contains("不是社区"));

    // Nothing of the above left a trace.
    let summary = env.ok(&["region", "list", "--under", "sy"]);
    assert!(summary.trim().is_empty(), "{summary}");
}

#[tokio::test]
async fn an_export_imports_back_to_the_same_registry() {
    let env = Env::new().await;
    env.community();
    env.ok(&["import", "residents", "--community", "sy", MESSY]);
    let xlsx = env.path("居民.xlsx");
    let csv = env.path("居民.csv");
    env.ok(&["export", "residents", "--community", "sy", "-o", xlsx.to_str().unwrap(), "--by", "葉翠"]);
    env.ok(&["export", "residents", "--community", "sy", "-o", csv.to_str().unwrap()]);
    let csv_bytes = std::fs::read(&csv).unwrap();
    assert!(csv_bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel on Chinese Windows");
    let text = String::from_utf8(csv_bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("小区,楼号,室号,姓名,性别,出生年份,手机,身份证号,标签"));
    assert!(text.contains("********"), "ID numbers leave masked");

    // Same database: everything unchanged.
    let same = json(&env.ok(&["import", "residents", "--community", "sy", xlsx.to_str().unwrap(), "--json"]));
    assert_eq!((same["created"].as_u64(), same["unchanged"].as_u64()), (Some(0), Some(5)));

    // A fresh database: the export of the re-imported registry is identical.
    let other = Env::new().await;
    other.community();
    let fresh = json(&other.ok(&["import", "residents", "--community", "sy", xlsx.to_str().unwrap(), "--json"]));
    assert_eq!(fresh["created"], 5);
    let csv2 = other.path("again.csv");
    other.ok(&["export", "residents", "--community", "sy", "-o", csv2.to_str().unwrap()]);
    assert_eq!(std::fs::read(&csv2).unwrap(), std::fs::read(&csv).unwrap());
}

#[tokio::test]
async fn a_file_with_control_characters_is_refused_row_by_row() {
    let env = Env::new().await;
    env.community();
    let csv = env.path("damaged.csv");
    std::fs::write(
        &csv,
        "小区,楼号,室号,姓名,手机\n\0\0\0,1栋,101,张三,13900000001\n云飞雅苑,1栋,102,李\0四,13900000002\n云飞雅苑,1栋,103,王五,13900000003\n",
    )
    .unwrap();
    let report = json(&env.ok(&["import", "residents", "--community", "sy", csv.to_str().unwrap(), "--json"]));
    assert_eq!(rejected_rows(&report), vec![2, 3]);
    assert!(report["rejected"][0]["reason"].as_str().unwrap().contains("控制字符"), "{report}");
    assert_eq!(report["created"], 1);
    let places = env.ok(&["region", "list", "--under", "sy"]);
    assert!(!places.contains('\0'), "no place named with NULs");
}

#[tokio::test]
async fn backup_and_restore_in_one_command_each() {
    let env = Env::new().await;
    env.community();
    env.ok(&["import", "residents", "--community", "sy", MESSY]);
    let backup = env.path("shouwang.backup");
    let said = env.ok(&["backup", "--to", backup.to_str().unwrap()]);
    assert!(said.contains("备份已写入"), "{said}");
    // Never over an existing file.
    let again = env.run(&["backup", "--to", backup.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("目标文件已存在"));

    // Into an empty database: the same registry comes back.
    let (url, _guard) = shouwang_db::testing::empty_database().await;
    let mut restore = env.cmd(&["restore", "--from", backup.to_str().unwrap()]);
    let out = restore.env("SHOUWANG_DATABASE_URL", &url).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = env.path("before.csv");
    env.ok(&["export", "residents", "--community", "sy", "-o", csv.to_str().unwrap()]);
    let restored_csv = env.path("after.csv");
    let mut export = env.cmd(&["export", "residents", "--community", "sy", "-o", restored_csv.to_str().unwrap()]);
    let out = export.env("SHOUWANG_DATABASE_URL", &url).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&restored_csv).unwrap(), std::fs::read(&csv).unwrap());

    // Never into a database that holds data.
    let mut twice = env.cmd(&["restore", "--from", backup.to_str().unwrap()]);
    let out = twice.env("SHOUWANG_DATABASE_URL", &url).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("目标数据库不是空的"));
}

#[tokio::test]
async fn region_commands_explain_mistakes_in_chinese() {
    let env = Env::new().await;
    env.community();
    let out = env.run(&["region", "add", "--kind", "building", "--code", "b1", "--name", "1号楼", "--parent", "sy"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不能放在"));
    let out = env.run(&["region", "add", "--kind", "planet", "--code", "p", "--name", "x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("类型应为"));

    let regions = env.path("regions.csv");
    std::fs::write(&regions, "类型,代码,名称,上级代码\n小区,sy-yf,云飞雅苑,sy\n楼栋,sy-yf-1,1号楼,sy-yf\n").unwrap();
    env.ok(&["region", "import", regions.to_str().unwrap()]);
    env.ok(&["region", "import", regions.to_str().unwrap()]); // twice is harmless
    let list = env.ok(&["region", "list", "--under", "sy"]);
    assert!(list.contains("sy-yf-1") && list.contains("云飞雅苑"), "{list}");
}

#[tokio::test]
async fn user_add_prints_a_first_password_once_or_takes_one_from_stdin() {
    let env = Env::new().await;
    env.community();
    let out =
        env.ok(&["user", "add", "--username", "yecui", "--name", "叶翠", "--role", "community_admin", "--scope", "sy"]);
    assert!(out.contains("初始密码："), "{out}");
    let mut child = env
        .cmd(&["user", "add", "--username", "vol1", "--role", "volunteer", "--scope", "sy", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a-chosen-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("初始密码"));
    // A role bound to the wrong kind of region is refused with a reason.
    let bad = env.run(&["user", "add", "--username", "x1", "--role", "building_leader", "--scope", "sy"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("只能绑定到"));
    let dup = env.run(&["user", "add", "--username", "YeCui", "--role", "volunteer", "--scope", "sy"]);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("已被使用"));
    let list = env.ok(&["user", "list", "--under", "sy"]);
    assert!(list.contains("yecui") && list.contains("vol1"), "{list}");
}

#[tokio::test]
async fn serve_answers_readyz_and_stops_cleanly_on_sigterm() {
    let env = Env::new().await;
    env.community();
    let mut child =
        env.cmd(&["serve", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    // Keep draining the rest, as a supervisor would.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first_line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();

    let ready = reqwest::get(format!("{url}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    // The API needs a login or a token.
    let anonymous = reqwest::get(format!("{url}/api/v1/regions/sy")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    env.ok(&["user", "add", "--username", "script", "--role", "community_admin", "--scope", "sy"]);
    let token = env.ok(&["token", "create", "--username", "script", "--name", "smoke"]).trim().to_string();
    let region =
        reqwest::Client::new().get(format!("{url}/api/v1/regions/sy")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(region.status(), 200);

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status:?}");
}

#[test]
fn the_child_reader_turns_a_roster_into_json_rows_or_a_reason() {
    let out = Command::new(env!("CARGO_BIN_EXE_shouwang"))
        .args(["parse-roster", "--kind", "xlsx"])
        .stdin(std::fs::File::open(MESSY).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v = json(std::str::from_utf8(&out.stdout).unwrap());
    assert_eq!(v["Ok"]["rows"].as_array().unwrap().len(), 10, "10 data rows; the blank row is skipped");
    assert_eq!(v["Ok"]["header_row"], 4);

    let mut child = Command::new(env!("CARGO_BIN_EXE_shouwang"))
        .args(["parse-roster", "--kind", "xlsx"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"not a spreadsheet").unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(std::str::from_utf8(&out.stdout).unwrap());
    assert!(v["Err"]["Unreadable"].is_string(), "{v}");
}

#[tokio::test]
async fn incidents_open_close_and_purge_from_the_command_line() {
    let env = Env::new().await;
    env.community();
    let opened = env.ok(&["incident", "open", "--region", "sy", "--name", "2022年3月商一社区封控"]);
    let id = opened.split(['(', ')']).nth(1).expect("the id in parentheses").to_string();
    let list = env.ok(&["incident", "list"]);
    assert!(list.contains("2022年3月商一社区封控") && list.contains("进行中"), "{list}");
    // Still open: nothing to purge, and purging it by name is refused.
    let out = env.run(&["incident", "purge", &id, "--retention-days", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("只能清除已关闭的事件"));

    let closed = env.ok(&["incident", "close", &id]);
    assert!(closed.contains("事件已关闭") && closed.contains("之后清除"), "{closed}");
    assert!(!env.run(&["incident", "close", &id]).status.success(), "closing twice is refused");
    // The default retention (30 days) is not over.
    assert!(env.ok(&["incident", "purge"]).contains("没有关闭超过 30 天"));
    let out = env.run(&["incident", "purge", &id]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("保留期未满"));
    // A retention of 0 days: due at once.
    let purged = env.ok(&["--lang", "en", "incident", "purge", "--retention-days", "0"]);
    assert!(purged.contains(&format!("Purged incident {id}")), "{purged}");
    assert!(env.ok(&["incident", "list", "--region", "sy"]).contains("已清除"));
    let out = env.run(&["incident", "purge", "--retention-days", "4000"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("保留天数须在 0 到 3650 之间"));
}
