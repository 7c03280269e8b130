//! SeaORM entities, one per table. The schema itself lives in the
//! `shouwang-migration` crate; these mirror it column for column.

pub mod app_meta;
pub mod block;
pub mod block_building;
pub mod household;
pub mod incident;
pub mod region;
pub mod resident;
