//! SeaORM entities, one per table. The schema itself lives in the
//! `shouwang-migration` crate; these mirror it column for column.

pub mod api_token;
pub mod app_meta;
pub mod audit_log;
pub mod block;
pub mod block_building;
pub mod branch;
pub mod branch_member;
pub mod claim;
pub mod compound_adjacency;
pub mod group_compound;
pub mod group_member;
pub mod groupbuy_organiser;
pub mod groupbuy_slot;
pub mod grouping_draft;
pub mod household;
pub mod household_link;
pub mod import_upload;
pub mod incident;
pub mod key_role;
pub mod post;
pub mod region;
pub mod resident;
pub mod role_handover;
pub mod roster_settings;
pub mod session;
pub mod shift;
pub mod shift_assignment;
pub mod signup_entry;
pub mod signup_sheet;
pub mod task;
pub mod task_assignee;
pub mod task_event;
pub mod user_account;
pub mod volunteer;
pub mod volunteer_group;
