//! Fresh databases for tests: a temporary SQLite file, or, when
//! `SHOUWANG_TEST_POSTGRES_URL` is set, a new PostgreSQL database created on
//! that server for this test alone. The same tests thus run on both backends.

use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::ConnectionTrait;

use crate::{Db, DbOptions, Durability};

pub const POSTGRES_ENV: &str = "SHOUWANG_TEST_POSTGRES_URL";

/// A migrated, empty database; the guard keeps its files alive.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new() -> TestDb {
        let t = match std::env::var(POSTGRES_ENV) {
            Ok(admin_url) if !admin_url.is_empty() => Self::postgres(&admin_url).await,
            _ => Self::sqlite().await,
        };
        t.db.migrate().await.expect("migrate test database");
        t
    }

    /// A migrated SQLite database even when PostgreSQL is configured (benchmarks compare both).
    pub async fn new_sqlite() -> TestDb {
        let t = Self::sqlite().await;
        t.db.migrate().await.expect("migrate test database");
        t
    }

    /// A migrated SQLite database with the given durability (the sign-up
    /// burst benchmark measures what `synchronous=FULL` costs).
    pub async fn new_sqlite_with(durability: Durability) -> TestDb {
        let t = Self::sqlite_with(durability).await;
        t.db.migrate().await.expect("migrate test database");
        t
    }

    /// A migrated database on the PostgreSQL server at `admin_url` (benchmarks compare both).
    pub async fn new_postgres(admin_url: &str) -> TestDb {
        let t = Self::postgres(admin_url).await;
        t.db.migrate().await.expect("migrate test database");
        t
    }

    async fn sqlite() -> TestDb {
        // A throwaway file: no need to sync it at every commit.
        Self::sqlite_with(Durability::Normal).await
    }

    async fn sqlite_with(durability: Durability) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url, &DbOptions { durability, ..DbOptions::default() }).await.expect("open sqlite");
        TestDb { db, url, _dir: Some(dir) }
    }

    /// Rows in `table` now (a test's own table name, never user input).
    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = self
            .db
            .read
            .query_one_raw(sea_orm::Statement::from_string(self.db.read.get_database_backend(), sql))
            .await
            .expect("count rows")
            .expect("one row");
        row.try_get::<i64>("", "n").expect("a count")
    }

    async fn postgres(admin_url: &str) -> TestDb {
        let admin = Db::connect(admin_url, &DbOptions { max_connections: 2, ..Default::default() })
            .await
            .expect("connect to the PostgreSQL test server");
        let name = format!(
            "shouwang_t_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::now_v7().simple()
        );
        admin.write.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await;
        let url = replace_database(admin_url, &name);
        let db = Db::connect(&url, &DbOptions::default()).await.expect("connect to the test database");
        TestDb { db, url, _dir: None }
    }
}

/// A database that does not exist yet (SQLite: a path in a temporary
/// directory) or is empty and unmigrated (PostgreSQL): the target of a
/// restore. The guard keeps the directory alive.
pub async fn empty_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var(POSTGRES_ENV) {
        Ok(admin_url) if !admin_url.is_empty() => {
            let t = TestDb::postgres(&admin_url).await;
            t.db.close().await;
            (t.url, None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("restored.db").display());
            (url, Some(dir))
        }
    }
}

/// `postgres://u:p@h:5432/admin?x=y` -> `postgres://u:p@h:5432/<name>?x=y`
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_in_urls() {
        assert_eq!(super::replace_database("postgres://u:p@h:5432/postgres", "t1"), "postgres://u:p@h:5432/t1");
        assert_eq!(
            super::replace_database("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
        assert_eq!(super::replace_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
