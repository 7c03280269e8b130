//! Shouwang's domain: the vocabulary of `SPEC.md` §1 as plain Rust types.
//!
//! No IO lives here: no database, no HTTP, no files. Values that must be valid
//! (a phone number, an ID number, a region code) exist only once parsed
//! ("parse, don't validate"), so code further out never re-checks strings.

pub mod access;
pub mod bounds;
pub mod clock;
pub mod duty_report;
pub mod groupbuy;
pub mod grouping;
pub mod i18n;
pub mod id_card;
pub mod import;
pub mod incident;
pub mod lang;
pub mod ledger;
pub mod logins;
pub mod phone;
pub mod refusal;
pub mod region;
pub mod resident;
pub mod roster;
pub mod signup;
pub mod supplies;
pub mod task;
pub mod text;
pub mod volunteer;

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub use access::{Action, Resource, Role};
pub use bounds::{Field, OutOfRange};
pub use clock::Clock;
pub use duty_report::{
    DutyReportRecord, MergedRow, RawVolunteerRow, TextColumn, VolunteerParse, VolunteerRejectReason,
    VolunteerRejectedRow, merge_duplicate_phones, parse_volunteer_row, parse_volunteer_rows,
};
pub use grouping::{
    CompoundIn, Distance, EditError, Excluded, Exclusion, GroupRole, GroupingParams, Located, Notice, Placement,
    Problem, Proposal, ProposalStats, ProposedGroup, Reason, VolunteerIn, propose,
};
pub use id_card::{IdCardError, IdCardNo, IdHasher};
pub use import::{
    BirthColumn, Cell, ImportCounts, ImportReport, RawResidentRow, RejectReason, RejectedRow, ResidentRecord,
    parse_row, reject_duplicates,
};
pub use lang::Lang;
pub use phone::{PhoneError, PhoneNumber};
pub use refusal::Refusal;
pub use region::{RegionCode, RegionKind};
pub use resident::{BirthYear, Gender, Tag, TagSet};
pub use volunteer::{
    Availability, BranchKind, DayPart, DutyStatus, ExemptReason, GroupFunction, GroupFunctionSet, HealthStatus,
    KeyRoleKind, Skill, SkillSet, VolunteerKind,
};
