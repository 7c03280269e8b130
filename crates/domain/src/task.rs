//! Tasks (SPEC §4.4): the kinds of work, their priority, and the state
//! machine as one pure function. A task goes open → assigned → in progress →
//! done (→ checked by a second person); it may end as "could not complete"
//! (with a reason, never a silent drop) or be cancelled.

use crate::lang::Lang;

macro_rules! small_vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en)),+ }
            }
            /// A code or a label in either language.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::from_code(s).or_else(|| {
                    $name::ALL.iter().copied().find(|v| v.label(Lang::Zh) == s || v.label(Lang::En).eq_ignore_ascii_case(s))
                })
            }
        }
    };
}
// Other capabilities' vocabularies are written with the same macro.
pub(crate) use small_vocabulary;

small_vocabulary! {
    /// The types of task of SPEC §4.4.
    TaskKind {
        SealedAreaDuty => "sealed_area_duty", "封控区值守", "sealed-area duty";
        PcrSupport => "pcr_support", "核酸检测保障", "PCR testing support";
        SupplyDelivery => "supply_delivery", "物资卸货配送", "supply unloading and delivery";
        WasteRemoval => "waste_removal", "垃圾清运", "waste removal";
        Disinfection => "disinfection", "消杀", "disinfection";
        SpecialCare => "special_care", "特殊人群关爱", "special care";
        Medicine => "medicine", "代购药品", "medicine";
        Patrol => "patrol", "巡查", "patrol";
        DataCheck => "data_check", "数据核查", "data checks";
        Publicity => "publicity", "宣传", "publicity";
    }
}

small_vocabulary! {
    /// How soon a task must be done.
    Priority {
        Urgent => "urgent", "紧急", "urgent";
        High => "high", "优先", "high";
        Normal => "normal", "一般", "normal";
    }
}

small_vocabulary! {
    /// Where a task stands.
    TaskState {
        Open => "open", "待分派", "open";
        Assigned => "assigned", "已分派", "assigned";
        InProgress => "in_progress", "进行中", "in progress";
        Done => "done", "已完成", "done";
        Checked => "checked", "已核验", "checked";
        CouldNotComplete => "could_not_complete", "未能完成", "could not complete";
        Cancelled => "cancelled", "已取消", "cancelled";
    }
}

small_vocabulary! {
    /// What someone does to a task's state.
    TaskAction {
        Assign => "assign", "分派", "assign";
        Start => "start", "开始", "start";
        Finish => "done", "完成", "mark done";
        Check => "check", "核验", "check";
        Fail => "could_not_complete", "未能完成", "could not complete";
        Cancel => "cancel", "取消", "cancel";
        Reopen => "reopen", "重新开放", "reopen";
    }
}

small_vocabulary! {
    /// The kinds of work a volunteer can claim.
    WorkKind {
        Task => "task", "任务", "task";
        BuildingRun => "building_run", "楼栋配送", "building run";
    }
}

impl TaskState {
    /// Nothing more happens to a task in this state (except reopening a failed one).
    pub fn is_final(self) -> bool {
        matches!(self, TaskState::Checked | TaskState::Cancelled | TaskState::CouldNotComplete)
    }
}

impl TaskAction {
    /// The state the action leads to.
    pub fn target(self) -> TaskState {
        match self {
            TaskAction::Assign => TaskState::Assigned,
            TaskAction::Start => TaskState::InProgress,
            TaskAction::Finish => TaskState::Done,
            TaskAction::Check => TaskState::Checked,
            TaskAction::Fail => TaskState::CouldNotComplete,
            TaskAction::Cancel => TaskState::Cancelled,
            TaskAction::Reopen => TaskState::Open,
        }
    }
}

/// Why a state change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    pub from: TaskState,
    pub action: TaskAction,
}

impl TransitionError {
    pub fn message(self, lang: Lang) -> String {
        crate::i18n::t_with(
            lang,
            "refusal.tasks.transition",
            &[("from", &self.from.label(lang)), ("action", &self.action.label(lang))],
        )
    }
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for TransitionError {}

/// The state machine. An action whose target is the current state is
/// answered with that state (a repeated tap changes nothing); callers that
/// record events compare the result with the state they started from.
pub fn transition(state: TaskState, action: TaskAction) -> Result<TaskState, TransitionError> {
    use TaskAction as A;
    use TaskState as S;
    if action.target() == state {
        return Ok(state);
    }
    let ok = match action {
        A::Assign => matches!(state, S::Open),
        A::Start => matches!(state, S::Open | S::Assigned),
        A::Finish => matches!(state, S::Assigned | S::InProgress),
        A::Check => matches!(state, S::Done),
        A::Fail => matches!(state, S::Open | S::Assigned | S::InProgress),
        A::Cancel => matches!(state, S::Open | S::Assigned | S::InProgress),
        A::Reopen => matches!(state, S::CouldNotComplete | S::Cancelled),
    };
    if ok { Ok(action.target()) } else { Err(TransitionError { from: state, action }) }
}

/// Who may check a task marked done: anyone but the person who marked it.
pub fn may_check(done_by: Option<uuid_like::Id>, checker: uuid_like::Id) -> bool {
    done_by != Some(checker)
}

/// Ids compared by `may_check`, kept opaque so the domain needs no uuid crate.
pub mod uuid_like {
    pub type Id = u128;
}

/// Why a change to a task or a claim is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    HasSheetOrEnded,
    BadTitle,
    BadHeadcount,
    EndBeforeStart,
    CannotDispatch {
        state: TaskState,
    },
    OverNoAssign,
    Transition(TransitionError),
    FailNeedsReason,
    /// The one who marked it done may not check it.
    SelfCheck,
    ChangedJustNow,
    NotHolding,
    HandToSelf,
    /// A start or end time that is neither "2022-04-06 22:30" nor RFC 3339.
    BadTime,
    UnknownKind,
    UnknownPriority,
    UnknownSkill,
    UnknownPlace,
    PlaceNotInCommunity,
    SheetNotInCommunity,
    TaskNotFound,
    /// The account has no volunteer record in the task's community.
    NotLinked,
    NoDispatchTarget,
    GroupNotInCommunity,
    BranchNotInCommunity,
    NobodyToAssign,
    VolunteerNotInCommunity,
    NotGroupMember,
    OverCannotClaim,
    BuildingNotFound,
    BuildingNotYours,
    ClaimNotFound,
    /// A claim past its expiry is not extended: the work is free again and
    /// may have been claimed by someone else.
    ClaimExpired,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        let key = match self {
            Refusal::CannotDispatch { state } => {
                return crate::i18n::t_with(lang, "refusal.tasks.cannot_dispatch", &[("state", &state.label(lang))]);
            }
            Refusal::Transition(e) => return e.message(lang),
            Refusal::HasSheetOrEnded => "refusal.tasks.has_sheet_or_ended",
            Refusal::BadTitle => "refusal.tasks.bad_title",
            Refusal::BadHeadcount => "refusal.tasks.bad_headcount",
            Refusal::EndBeforeStart => "refusal.tasks.end_before_start",
            Refusal::OverNoAssign => "refusal.tasks.over_no_assign",
            Refusal::FailNeedsReason => "refusal.tasks.fail_needs_reason",
            Refusal::SelfCheck => "refusal.tasks.self_check",
            Refusal::ChangedJustNow => "refusal.tasks.changed_just_now",
            Refusal::NotHolding => "refusal.tasks.not_holding",
            Refusal::HandToSelf => "refusal.tasks.hand_to_self",
            Refusal::BadTime => "refusal.tasks.bad_time",
            Refusal::UnknownKind => "refusal.tasks.unknown_kind",
            Refusal::UnknownPriority => "refusal.tasks.unknown_priority",
            Refusal::UnknownSkill => "refusal.tasks.unknown_skill",
            Refusal::UnknownPlace => "refusal.tasks.unknown_place",
            Refusal::PlaceNotInCommunity => "refusal.tasks.place_not_in_community",
            Refusal::SheetNotInCommunity => "refusal.tasks.sheet_not_in_community",
            Refusal::TaskNotFound => "refusal.tasks.task_not_found",
            Refusal::NotLinked => "refusal.tasks.not_linked",
            Refusal::NoDispatchTarget => "refusal.tasks.no_dispatch_target",
            Refusal::GroupNotInCommunity => "refusal.tasks.group_not_in_community",
            Refusal::BranchNotInCommunity => "refusal.tasks.branch_not_in_community",
            Refusal::NobodyToAssign => "refusal.tasks.nobody_to_assign",
            Refusal::VolunteerNotInCommunity => "refusal.tasks.volunteer_not_in_community",
            Refusal::NotGroupMember => "refusal.tasks.not_group_member",
            Refusal::OverCannotClaim => "refusal.tasks.over_cannot_claim",
            Refusal::BuildingNotFound => "refusal.tasks.building_not_found",
            Refusal::BuildingNotYours => "refusal.tasks.building_not_yours",
            Refusal::ClaimNotFound => "refusal.tasks.claim_not_found",
            Refusal::ClaimExpired => "refusal.tasks.claim_expired",
        };
        crate::i18n::t(lang, key)
    }
}
