//! Fresh databases for tests: a temporary SQLite file, or, when
//! `SHOUWANG_TEST_POSTGRES_URL` is set, a new PostgreSQL database created on
//! that server for this test alone. The same tests thus run on both backends.

use std::sync::atomic::{AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Statement};

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

/// Every (table, column) of the database, from the schema itself (SQLite:
/// every column, since any may hold text; PostgreSQL: the text and JSON ones).
pub async fn text_columns(db: &Db) -> Vec<(String, String)> {
    let conn = &db.read;
    let sql = match db.backend {
        crate::Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        crate::Backend::Postgres => {
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
        }
    };
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.expect("schema");
    rows.into_iter().map(|r| (r.try_get_by_index(0).expect("table"), r.try_get_by_index(1).expect("column"))).collect()
}

/// The places (`table.column`) where `needle` occurs in any of `columns`.
pub async fn occurrences(db: &Db, columns: &[(String, String)], needle: &str) -> Vec<String> {
    let conn = &db.read;
    let mut found = Vec::new();
    for (table, column) in columns {
        let (expr, find) = match db.backend {
            crate::Backend::Sqlite => (format!("CAST(\"{column}\" AS TEXT)"), "instr"),
            crate::Backend::Postgres => (format!("\"{column}\"::text"), "strpos"),
        };
        let sql = format!("SELECT COUNT(*) FROM \"{table}\" WHERE {find}({expr}, $1) > 0");
        let sql = if db.backend == crate::Backend::Sqlite { sql.replace("$1", "?") } else { sql };
        let stmt = Statement::from_sql_and_values(conn.get_database_backend(), sql, [needle.into()]);
        let row = conn.query_one_raw(stmt).await.expect("scan").expect("one row");
        let n: i64 = row.try_get_by_index(0).expect("count");
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
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
