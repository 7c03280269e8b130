//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "shouwang", version, about = "守望 Shouwang：社区应急动员平台 · community emergency mobilisation")]
pub struct Cli {
    /// Config file (TOML). Default: ./shouwang.toml if present.
    #[arg(long, global = true, env = "SHOUWANG_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE (default sqlite://shouwang.db) or postgres://…
    #[arg(long = "database", global = true, env = "SHOUWANG_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Secret key of the ID-number hash (prefer --id-hash-key-file).
    #[arg(long, global = true, env = "SHOUWANG_ID_HASH_KEY", hide_env_values = true)]
    pub id_hash_key: Option<String>,
    /// File holding the ID-number hash key (default ./shouwang.key, created if missing).
    #[arg(long, global = true, env = "SHOUWANG_ID_HASH_KEY_FILE")]
    pub id_hash_key_file: Option<PathBuf>,
    /// Language of messages: zh (default) or en.
    #[arg(long, global = true, env = "SHOUWANG_LANG", default_value = "zh")]
    pub lang: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web interface and API.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create (idempotently) the seed communities of the spec and serve them.
    Demo(DemoArgs),
    /// Regions: city, district, subdistrict, community, grid, compound, building.
    #[command(subcommand)]
    Region(RegionCommand),
    /// Blocks: named sets of buildings sealed and managed as one.
    #[command(subcommand)]
    Block(BlockCommand),
    /// Incidents: emergency episodes.
    #[command(subcommand)]
    Incident(IncidentCommand),
    /// The public supply ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Import a list from a spreadsheet.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export a list to a spreadsheet.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens for scripts.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of the database to a new file, while the server serves
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump, custom format).
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into an empty database (the one --database names).
    Restore {
        /// A file written by `shouwang backup`.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Internal: read a roster from stdin, print its rows as JSON (the server's child reader).
    #[command(hide = true)]
    ParseRoster {
        #[arg(long)]
        kind: String,
        /// "residents" (default) or "volunteers".
        #[arg(long, default_value = "residents")]
        list: String,
        /// Cap this process's address space (RLIMIT_AS), in MiB, before reading.
        #[arg(long)]
        max_memory_mib: Option<u64>,
        /// Cap this process's CPU time (RLIMIT_CPU), in seconds, before reading.
        #[arg(long)]
        max_cpu_secs: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. Without --password-stdin a password is generated,
    /// printed once, and must be changed at the first login.
    Add {
        #[arg(long)]
        username: String,
        /// city_staff, district_staff, subdistrict_staff, community_admin, social_worker,
        /// branch_secretary, group_leader, grid_chief, building_leader, volunteer
        #[arg(long)]
        role: String,
        /// Code of the region the role is bound to.
        #[arg(long)]
        scope: String,
        /// Name shown in the interface (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// Upper levels only: allow seeing residents' personal details below.
        #[arg(long)]
        grant_personal_data: bool,
    },
    /// List accounts under a region.
    List {
        #[arg(long)]
        under: String,
    },
    /// Disable (or re-enable) an account; its sessions end at once.
    Disable {
        #[arg(long)]
        username: String,
        #[arg(long)]
        enable: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; printed once.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "SHOUWANG_LISTEN")]
    pub listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "SHOUWANG_LISTEN")]
    pub listen: Option<String>,
    /// Create the demo data and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Subcommand)]
pub enum RegionCommand {
    /// Add one region.
    Add {
        /// city, district, subdistrict, community, grid, compound, building (or 市/区/街道/社区/网格/小区/楼栋).
        #[arg(long)]
        kind: String,
        /// Stable code: letters, digits, '-', '_', '.'.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// Code of the parent region (none for a city).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Add regions from a CSV file with columns 类型,代码,名称,上级代码 (kind, code, name, parent), parents first.
    Import { file: PathBuf },
    /// Set a community's public phone (printed on household slips); no --phone clears it.
    SetContact {
        #[arg(long)]
        code: String,
        #[arg(long)]
        phone: Option<String>,
    },
    /// List regions below a code (or the cities).
    List {
        #[arg(long)]
        under: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlockCommand {
    /// Add a block from buildings of one community.
    Add {
        #[arg(long)]
        community: String,
        #[arg(long)]
        name: String,
        /// Building codes, comma-separated.
        #[arg(long, value_delimiter = ',')]
        buildings: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open an incident on a region.
    Open {
        #[arg(long)]
        region: String,
        #[arg(long)]
        name: String,
    },
    /// Close an incident by id: its retention period starts now.
    Close { id: uuid::Uuid },
    /// List the incidents of a region and the regions below it (all without --region).
    List {
        #[arg(long)]
        region: Option<String>,
    },
    /// Purge the personal operational data of incidents closed longer than the
    /// retention period ago (or of one incident), keeping anonymous daily counts.
    Purge {
        /// Only this incident (refused while its retention is not over).
        id: Option<uuid::Uuid>,
        /// Days a closed incident is kept (default: the config's
        /// `incident_retention_days`, else 30).
        #[arg(long)]
        retention_days: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Recompute a community's hash chain: exit 0 when it holds, 1 naming the
    /// first entry that does not.
    Verify {
        /// The community's code.
        #[arg(long)]
        community: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import residents (.xlsx, .xls, .csv) into a community.
    Residents(ImportResidentsArgs),
}

#[derive(Debug, Args)]
pub struct ImportResidentsArgs {
    /// Community code.
    #[arg(long)]
    pub community: String,
    /// The roster file.
    pub file: PathBuf,
    /// Check the file and report; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply nothing if any row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export a community's residents to .xlsx or .csv.
    Residents(ExportResidentsArgs),
}

#[derive(Debug, Args)]
pub struct ExportResidentsArgs {
    #[arg(long)]
    pub community: String,
    /// Output file, .xlsx or .csv.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
    /// Who is exporting (recorded in the file). Default: the login name.
    #[arg(long)]
    pub by: Option<String>,
}
