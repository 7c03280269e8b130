//! Connecting to SQLite or PostgreSQL, chosen at run time from the URL.
//!
//! SQLite is set up as `research/perf-notes.md` measured best: WAL,
//! `synchronous=FULL` by default (see [`Durability`]), a busy timeout, foreign keys on, one writer
//! connection beside a read pool, and write transactions begun IMMEDIATE (a
//! deferred transaction that later writes fails at once with SQLITE_BUSY).

use std::str::FromStr;
use std::time::Duration;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, SqlxPostgresConnector,
    SqlxSqliteConnector, TransactionOptions, TransactionTrait,
};
use shouwang_migration::{Migrator, MigratorTrait};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::DbError;

/// Key of the PostgreSQL advisory lock that serialises migrations across instances.
const MIGRATION_LOCK_KEY: i64 = 0x5348_4f55_5741_4e47; // "SHOUWANG"

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections in the read pool (SQLite) or in the one pool (PostgreSQL).
    pub max_connections: u32,
    pub busy_timeout: Duration,
    /// SQLite's `synchronous` (PostgreSQL keeps its server's own setting).
    pub durability: Durability,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { max_connections: 8, busy_timeout: Duration::from_secs(10), durability: Durability::Full }
    }
}

/// How hard SQLite holds on to a commit. In WAL mode, `Normal` already keeps
/// every commit through a crash of the program (SIGKILL), but a power cut or
/// an OS crash can take back the last commits before the next checkpoint;
/// `Full` syncs the WAL at every commit and loses nothing answered. SPEC §5
/// says nothing a user submits is lost, and the sign-up burst benchmark
/// measured the cost as small (the joiner commits batches), so `Full` is the
/// default; `Normal` remains for throwaway databases (tests) and for an
/// operator who measures and chooses it (`sqlite_synchronous = "normal"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    #[default]
    Full,
    Normal,
}

/// The database handle: a read side and a write side. On PostgreSQL both are
/// the same pool; on SQLite `write` is a single connection.
#[derive(Clone, Debug)]
pub struct Db {
    pub read: DatabaseConnection,
    pub write: DatabaseConnection,
    pub backend: Backend,
}

impl Db {
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, options).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url, options).await
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> Result<Db, DbError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true)
            // Keeps a WAL that grew during a big import from staying big.
            .pragma("journal_size_limit", "67108864")
            .pragma("cache_size", "-32000");
        // The writer is created first so that it creates the file and switches it to WAL.
        let write_pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(connect.clone())
            .await?;
        let read_pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        Ok(Db {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(read_pool),
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(write_pool),
            backend: Backend::Sqlite,
        })
    }

    async fn connect_postgres(url: &str, options: &DbOptions) -> Result<Db, DbError> {
        let connect = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            // At least two: migrations hold one connection for the advisory lock.
            .max_connections(options.max_connections.max(2))
            .acquire_timeout(Duration::from_secs(30))
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        Ok(Db { read: conn.clone(), write: conn, backend: Backend::Postgres })
    }

    /// Applies pending migrations. On PostgreSQL, instances starting together
    /// take turns through an advisory lock, so only one of them migrates.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self.backend {
            Backend::Sqlite => Migrator::up(&self.write, None).await?,
            Backend::Postgres => {
                let pool = self.write.get_postgres_connection_pool();
                // Advisory locks belong to a session: hold this one connection throughout.
                let mut lock_conn = pool.acquire().await?;
                sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK_KEY).execute(&mut *lock_conn).await?;
                let result = Migrator::up(&self.write, None).await;
                sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK_KEY).execute(&mut *lock_conn).await?;
                result?;
            }
        }
        Ok(())
    }

    /// Begins a write transaction: IMMEDIATE on SQLite, a plain BEGIN on PostgreSQL.
    pub async fn begin_write(&self) -> Result<DatabaseTransaction, DbError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite).then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.write.begin_with_options(options).await?)
    }

    /// Readiness: one trivial query on each side.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read.execute_unprepared("SELECT 1").await?;
        if self.backend == Backend::Sqlite {
            self.write.execute_unprepared("SELECT 1").await?;
        }
        Ok(())
    }

    /// After a large write on SQLite, fold the WAL back into the database
    /// file so it does not keep growing (no-op on PostgreSQL).
    pub async fn checkpoint(&self) -> Result<(), DbError> {
        if self.backend == Backend::Sqlite {
            self.write.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        }
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        if self.backend == Backend::Sqlite {
            let _ = self.write.close().await;
        }
    }
}
