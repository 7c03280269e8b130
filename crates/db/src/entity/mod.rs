//! SeaORM entities, one per table. The schema itself lives in the
//! `shouwang-migration` crate; these mirror it column for column.

pub mod api_token;
pub mod app_meta;
pub mod audit_log;
pub mod block;
pub mod block_building;
pub mod household;
pub mod household_link;
pub mod import_upload;
pub mod incident;
pub mod region;
pub mod resident;
pub mod session;
pub mod user_account;
