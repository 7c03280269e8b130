//! Every typed reason renders from the locale files in both languages, and
//! the two locale files have the same keys. Each sample list is checked by an
//! exhaustive `match`: a new variant does not compile until it has a sample
//! here, and then fails if its key has no text.

use shouwang_domain::access::{self, Role};
use shouwang_domain::duty_report::{MergedRow, TextColumn, VolunteerRejectReason};
use shouwang_domain::import::RejectReason;
use shouwang_domain::signup::{Ineligible, SheetRefusal};
use shouwang_domain::task::{self, TaskAction, TaskState, TransitionError};
use shouwang_domain::{
    Field, IdCardError, Lang, OutOfRange, Refusal, RegionKind, Skill, VolunteerKind, groupbuy, grouping, i18n, id_card,
    incident, region, roster, volunteer,
};

const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

/// A rendered text must be a text, not a key or an unfilled placeholder.
fn assert_text(what: &str, lang: Lang, text: &str) {
    assert!(!text.trim().is_empty(), "{what} in {lang:?}: empty");
    for prefix in ["refusal.", "reason.", "storage.", "incident."] {
        assert!(!text.starts_with(prefix), "{what} in {lang:?}: no text for key {text}");
    }
    assert!(!text.contains("%{"), "{what} in {lang:?}: unfilled placeholder in {text}");
}

fn check<T: std::fmt::Debug>(samples: &[T], message: impl Fn(&T, Lang) -> String) {
    for s in samples {
        for lang in LANGS {
            assert_text(&format!("{s:?}"), lang, &message(s, lang));
        }
        assert_ne!(message(s, Lang::Zh), message(s, Lang::En), "{s:?}: the same text in both languages");
    }
}

fn region_samples() -> Vec<region::Refusal> {
    use region::Refusal::*;
    let all = vec![
        BadName,
        KindUnderParent { kind: RegionKind::Building, parent: Some(RegionKind::City) },
        KindUnderParent { kind: RegionKind::City, parent: Some(RegionKind::District) },
        KindUnderParent { kind: RegionKind::Building, parent: None },
        CodeTaken { code: "310101".into() },
        DuplicateName { kind: RegionKind::Compound, name: "康乐小区".into(), code: "310101001001".into() },
        NotACommunity { code: "310101".into(), kind: Some(RegionKind::District) },
        NotACommunity { code: "310101".into(), kind: None },
        BlockNeedsName,
        BlockNameTaken { name: "一单元".into() },
        NotABuildingHere { code: "310101001001001".into() },
        NoOpenIncident,
        NoSuchCommunity,
        NoSuchHousehold,
        NoSuchResident,
        RevealNeedsReason,
        BadResidentName,
        SlipsPerBuilding,
        NotABuilding { code: "310101001".into() },
    ];
    for r in &all {
        match r {
            BadName
            | KindUnderParent { .. }
            | CodeTaken { .. }
            | DuplicateName { .. }
            | NotACommunity { .. }
            | BlockNeedsName
            | BlockNameTaken { .. }
            | NotABuildingHere { .. }
            | NoOpenIncident
            | NoSuchCommunity
            | NoSuchHousehold
            | NoSuchResident
            | RevealNeedsReason
            | BadResidentName
            | SlipsPerBuilding
            | NotABuilding { .. } => {}
        }
    }
    all
}

fn id_card_samples() -> Vec<id_card::Refusal> {
    use id_card::Refusal::*;
    let all = vec![HashKeyMismatch];
    for r in &all {
        match r {
            HashKeyMismatch => {}
        }
    }
    all
}

fn accounts_samples() -> Vec<access::Refusal> {
    use access::Refusal::*;
    let mut all = vec![BadUsername, UsernameTaken { username: "wang".into() }, NoSuchAccount, NotInScope];
    all.extend([Role::GroupLeader, Role::Volunteer, Role::BuildingLeader].map(|role| WrongScope { role }));
    for r in &all {
        match r {
            BadUsername | WrongScope { .. } | UsernameTaken { .. } | NoSuchAccount | NotInScope => {}
        }
    }
    all
}

fn volunteers_samples() -> Vec<volunteer::Refusal> {
    use volunteer::Refusal::*;
    let all = vec![
        SamePhoneTwice,
        BackupIsHolder,
        CannotHoldRole { name: "王芳".into() },
        BadBranchName,
        NotInCommunity,
        VolunteerNotFound,
        RejectNeedsReason,
        ExemptNeedsReason,
        RevealNeedsReason,
        HasLogin,
        LoginNeedsVerified,
        UnsupportedFile,
    ];
    for r in &all {
        match r {
            SamePhoneTwice
            | BackupIsHolder
            | CannotHoldRole { .. }
            | BadBranchName
            | NotInCommunity
            | VolunteerNotFound
            | RejectNeedsReason
            | ExemptNeedsReason
            | RevealNeedsReason
            | HasLogin
            | LoginNeedsVerified
            | UnsupportedFile => {}
        }
    }
    all
}

fn groups_samples() -> Vec<grouping::Refusal> {
    use grouping::Refusal::*;
    let all = vec![
        PlacedTwice,
        LeaderNotMember,
        CannotBeGrouped { name: "王芳".into() },
        AlreadyInGroup { name: "王芳".into() },
        CompoundsOnly,
        NotVerified { name: "王芳".into() },
        ProposalStale,
        BadParams,
        NoProposal,
        NotInProposal,
        Edit(grouping::EditError::UnknownVolunteer(3)),
        Edit(grouping::EditError::UnknownGroup(2)),
        Edit(grouping::EditError::NotInGroup { volunteer: 3, group: 2 }),
        Edit(grouping::EditError::NotEligible(3)),
        Edit(grouping::EditError::AlreadyInGroup { volunteer: 3, group: 2 }),
        Edit(grouping::EditError::AlreadyInReserve(3)),
        Edit(grouping::EditError::IsLeader { volunteer: 3, group: 2 }),
        NothingToConfirm,
        BranchNotInCommunity,
        CompoundNotInCommunity,
        GroupNotFound,
        CommunityNotFound,
        RegionNotFound,
        LeadersNotMembers,
        UnknownRole,
        RoleNotInCommunity,
        NoCompoundsOrFunctions,
    ];
    for r in &all {
        match r {
            PlacedTwice
            | LeaderNotMember
            | CannotBeGrouped { .. }
            | AlreadyInGroup { .. }
            | CompoundsOnly
            | NotVerified { .. }
            | ProposalStale
            | BadParams
            | NoProposal
            | NotInProposal
            | Edit(_)
            | NothingToConfirm
            | BranchNotInCommunity
            | CompoundNotInCommunity
            | GroupNotFound
            | CommunityNotFound
            | RegionNotFound
            | LeadersNotMembers
            | UnknownRole
            | RoleNotInCommunity
            | NoCompoundsOrFunctions => {}
        }
    }
    all
}

fn rosters_samples() -> Vec<roster::Refusal> {
    use roster::Refusal::*;
    let all = vec![
        BadLimits,
        BadPostName,
        UnknownPostKind,
        BadShift,
        AlreadyOnShift,
        NotOnShift,
        BadDate,
        BadDays,
        BadShiftHours,
        BadNeeded,
        UnknownSkill,
        NoPosts,
        TooManyShifts,
        PeriodTaken,
        ShiftNotFound,
        SwapNotVerified,
        CompoundNotInCommunity,
        GroupNotInCommunity,
        SwapRefused {
            violation: roster::Violation::NotOnShift { shift: roster::KEY_BASE, person: roster::KEY_BASE + 1 },
            people: vec!["王芳".into(), "李四".into()],
            shifts: vec!["东门 2022-04-05 08:00–12:00".into()],
        },
    ];
    for r in &all {
        match r {
            BadLimits
            | BadPostName
            | UnknownPostKind
            | BadShift
            | AlreadyOnShift
            | NotOnShift
            | BadDate
            | BadDays
            | BadShiftHours
            | BadNeeded
            | UnknownSkill
            | NoPosts
            | TooManyShifts
            | PeriodTaken
            | ShiftNotFound
            | SwapNotVerified
            | CompoundNotInCommunity
            | GroupNotInCommunity
            | SwapRefused { .. } => {}
        }
    }
    all
}

fn groupbuy_samples() -> Vec<groupbuy::Refusal> {
    use groupbuy::Refusal::*;
    let all = vec![BadOrganiserName, BadPoints, BadWindows, NoCompounds, CompoundNotInCommunity, BadPhone];
    for r in &all {
        match r {
            BadOrganiserName | BadPoints | BadWindows | NoCompounds | CompoundNotInCommunity | BadPhone => {}
        }
    }
    all
}

fn tasks_samples() -> Vec<task::Refusal> {
    use task::Refusal::*;
    let all = vec![
        HasSheetOrEnded,
        BadTitle,
        BadHeadcount,
        EndBeforeStart,
        CannotDispatch { state: TaskState::Cancelled },
        OverNoAssign,
        Transition(TransitionError { from: TaskState::Checked, action: TaskAction::Start }),
        FailNeedsReason,
        SelfCheck,
        ChangedJustNow,
        NotHolding,
        HandToSelf,
        BadTime,
        UnknownKind,
        UnknownPriority,
        UnknownSkill,
        UnknownPlace,
        PlaceNotInCommunity,
        SheetNotInCommunity,
        TaskNotFound,
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
        ClaimExpired,
    ];
    for r in &all {
        match r {
            HasSheetOrEnded
            | BadTitle
            | BadHeadcount
            | EndBeforeStart
            | CannotDispatch { .. }
            | OverNoAssign
            | Transition(_)
            | FailNeedsReason
            | SelfCheck
            | ChangedJustNow
            | NotHolding
            | HandToSelf
            | BadTime
            | UnknownKind
            | UnknownPriority
            | UnknownSkill
            | UnknownPlace
            | PlaceNotInCommunity
            | SheetNotInCommunity
            | TaskNotFound
            | NotLinked
            | NoDispatchTarget
            | GroupNotInCommunity
            | BranchNotInCommunity
            | NobodyToAssign
            | VolunteerNotInCommunity
            | NotGroupMember
            | OverCannotClaim
            | BuildingNotFound
            | BuildingNotYours
            | ClaimNotFound
            | ClaimExpired => {}
        }
    }
    all
}

fn ineligible_samples() -> Vec<Ineligible> {
    use Ineligible::*;
    let all = vec![
        MissingSkill(Skill::Medical),
        WrongKind(VolunteerKind::DeployedCadre),
        NotInGroup,
        CannotServe,
        NotVerified,
    ];
    for r in &all {
        match r {
            MissingSkill(_) | WrongKind(_) | NotInGroup | CannotServe | NotVerified => {}
        }
    }
    all
}

fn signup_samples() -> Vec<SheetRefusal> {
    use SheetRefusal::*;
    let mut all = vec![
        BadTitle,
        BadCapacity,
        BadQuantityLimits,
        Closed,
        QuantityBelowOne,
        OverPersonalLimit { max: 2, unit: "袋".into() },
        Busy,
        ServerBusy,
        NotLinked,
        BadDeadline,
        UnknownSkill,
        UnknownKind,
        GroupNotInCommunity,
        DeadlinePassed,
        SheetNotFound,
        NotOnSheet,
        BadLink,
    ];
    all.extend(ineligible_samples().into_iter().map(Ineligible));
    for r in &all {
        match r {
            BadTitle
            | BadCapacity
            | BadQuantityLimits
            | Closed
            | QuantityBelowOne
            | OverPersonalLimit { .. }
            | Busy
            | ServerBusy
            | NotLinked
            | BadDeadline
            | UnknownSkill
            | UnknownKind
            | GroupNotInCommunity
            | DeadlinePassed
            | SheetNotFound
            | NotOnSheet
            | BadLink
            | Ineligible(_) => {}
        }
    }
    all
}

fn logins_samples() -> Vec<shouwang_domain::logins::Refusal> {
    use shouwang_domain::logins::Refusal::*;
    let all = vec![NothingChosen, TooMany { max: 500 }, NobodyToGive, LinkInvalid, LinkExpired];
    for r in &all {
        match r {
            NothingChosen | TooMany { .. } | NobodyToGive | LinkInvalid | LinkExpired => {}
        }
    }
    all
}

fn incidents_samples() -> Vec<incident::Refusal> {
    use incident::Refusal::*;
    let all = vec![
        NoOpenIncident { community: "商务区第一社区".into() },
        BadName,
        NotOpen,
        NotClosed,
        RetentionNotOver { until: "2026-12-31".into() },
        BadRetention,
    ];
    for r in &all {
        match r {
            NoOpenIncident { .. } | BadName | NotOpen | NotClosed | RetentionNotOver { .. } | BadRetention => {}
        }
    }
    all
}

fn supplies_samples() -> Vec<shouwang_domain::supplies::Refusal> {
    use shouwang_domain::supplies::Refusal::*;
    let all = vec![
        BadTitle,
        BadItemName,
        NoItems,
        TooManyItems { max: 20 },
        UnknownSource,
        UnknownBasis,
        UnknownOutcome,
        UnknownPlace,
        Quantity(OutOfRange { field: Field::SupplyQuantity }),
        ReserveExceedsStock { item: "蔬菜包".into() },
        AlreadyReceived,
        NotReceivedYet,
        AlreadyAllocated,
        NobodyToServe,
        ConsignmentNotFound,
        RunNotFound,
        HouseholdNotFound,
        NotOnRun,
        RunNotHeld,
        BadIdempotencyKey,
        StockTooLow { item: "口罩".into(), on_hand: 3 },
        ReasonNeeded,
        GroupNotInCommunity,
        NotForThisHousehold,
    ];
    for r in &all {
        match r {
            BadTitle
            | BadItemName
            | NoItems
            | TooManyItems { .. }
            | UnknownSource
            | UnknownBasis
            | UnknownOutcome
            | UnknownPlace
            | Quantity(_)
            | ReserveExceedsStock { .. }
            | AlreadyReceived
            | NotReceivedYet
            | AlreadyAllocated
            | NobodyToServe
            | ConsignmentNotFound
            | RunNotFound
            | HouseholdNotFound
            | NotOnRun
            | RunNotHeld
            | BadIdempotencyKey
            | StockTooLow { .. }
            | ReasonNeeded
            | GroupNotInCommunity
            | NotForThisHousehold => {}
        }
    }
    all
}

fn ledger_samples() -> Vec<shouwang_domain::ledger::Refusal> {
    use shouwang_domain::ledger::Refusal::*;
    let all = vec![Quantity, Empty, TooLong];
    for r in &all {
        match r {
            Quantity | Empty | TooLong => {}
        }
    }
    all
}

/// One sample per capability at least.
fn wrapper_samples() -> Vec<Refusal> {
    let mut all: Vec<Refusal> = Vec::new();
    all.extend(region_samples().into_iter().map(Refusal::from));
    all.extend(id_card_samples().into_iter().map(Refusal::from));
    all.extend(accounts_samples().into_iter().map(Refusal::from));
    all.extend(volunteers_samples().into_iter().map(Refusal::from));
    all.extend(groups_samples().into_iter().map(Refusal::from));
    all.extend(rosters_samples().into_iter().map(Refusal::from));
    all.extend(groupbuy_samples().into_iter().map(Refusal::from));
    all.extend(tasks_samples().into_iter().map(Refusal::from));
    all.extend(signup_samples().into_iter().map(Refusal::from));
    all.extend(logins_samples().into_iter().map(Refusal::from));
    all.extend(Field::ALL.map(|field| Refusal::from(OutOfRange { field })));
    all.extend(incidents_samples().into_iter().map(Refusal::from));
    all.extend(supplies_samples().into_iter().map(Refusal::from));
    all.extend(ledger_samples().into_iter().map(Refusal::from));
    all.push(Refusal::Missing { what: "community", key: "sy".into() });
    all.push(Refusal::Missing { what: "no such kind of thing", key: "x".into() });
    for r in &all {
        match r {
            Refusal::Registry(_)
            | Refusal::IdCard(_)
            | Refusal::Accounts(_)
            | Refusal::Volunteers(_)
            | Refusal::Groups(_)
            | Refusal::Rosters(_)
            | Refusal::Groupbuy(_)
            | Refusal::Tasks(_)
            | Refusal::Signup(_)
            | Refusal::Logins(_)
            | Refusal::Bounds(_)
            | Refusal::Incidents(_)
            | Refusal::Supplies(_)
            | Refusal::Ledger(_)
            | Refusal::Missing { .. } => {}
        }
    }
    all
}

fn import_samples() -> Vec<RejectReason> {
    use RejectReason::*;
    let all = vec![
        MissingName,
        NameTooLong,
        MissingCompound,
        MissingBuilding,
        MissingRoom,
        InvalidPhone,
        IdCard(IdCardError::Length),
        IdCard(IdCardError::Characters),
        IdCard(IdCardError::BirthDate),
        IdCard(IdCardError::Checksum),
        IdCard(IdCardError::StoredAsNumber),
        InvalidGender,
        GenderMismatchesIdCard,
        InvalidBirth,
        BirthYearMismatchesIdCard,
        DuplicateIdCardInFile { first_row: 4 },
        DuplicatePersonInFile { first_row: 4 },
        ControlCharacters,
        EditedSincePreview,
    ];
    for r in &all {
        match r {
            MissingName
            | NameTooLong
            | MissingCompound
            | MissingBuilding
            | MissingRoom
            | InvalidPhone
            | IdCard(
                IdCardError::Length
                | IdCardError::Characters
                | IdCardError::BirthDate
                | IdCardError::Checksum
                | IdCardError::StoredAsNumber,
            )
            | InvalidGender
            | GenderMismatchesIdCard
            | InvalidBirth
            | BirthYearMismatchesIdCard
            | DuplicateIdCardInFile { .. }
            | DuplicatePersonInFile { .. }
            | ControlCharacters
            | EditedSincePreview => {}
        }
    }
    all
}

fn duty_report_samples() -> Vec<VolunteerRejectReason> {
    use VolunteerRejectReason::*;
    let mut all = vec![
        MissingName,
        NameTooLong,
        MissingPhone,
        InvalidPhone,
        UnknownKind("干部".into()),
        UnknownExemptReason("出差".into()),
        InvalidExperienced("有".into()),
        ControlCharacters,
    ];
    all.extend(
        [TextColumn::Compound, TextColumn::Building, TextColumn::WorkUnit, TextColumn::PartyOrg, TextColumn::Note]
            .map(TooLong),
    );
    for r in &all {
        match r {
            MissingName
            | NameTooLong
            | MissingPhone
            | InvalidPhone
            | UnknownKind(_)
            | UnknownExemptReason(_)
            | InvalidExperienced(_)
            | TooLong(_)
            | ControlCharacters => {}
        }
    }
    all
}

#[test]
fn every_refusal_renders_in_both_languages() {
    check(&wrapper_samples(), |r, lang| r.message(lang));
}

#[test]
fn every_import_and_duty_report_reason_renders_in_both_languages() {
    check(&import_samples(), |r, lang| r.message(lang));
    check(&duty_report_samples(), |r, lang| r.message(lang));
    let merged = [false, true].map(|name_differs| MergedRow { row: 5, into_row: 2, name_differs });
    check(&merged, |m, lang| m.message(lang));
}

#[test]
fn the_two_locale_files_have_the_same_keys() {
    let zh = i18n::keys(Lang::Zh);
    let en = i18n::keys(Lang::En);
    assert!(zh.len() > 100, "the locale files were not compiled in: {} keys", zh.len());
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh-CN: {only_zh:?}; only in en: {only_en:?}");
}

#[test]
fn a_number_out_of_range_names_its_field_and_range() {
    let r = Refusal::from(OutOfRange { field: Field::Quantity });
    assert_eq!(r.message(Lang::Zh), "数量超出范围：只能是 1 到 10000 之间的整数，未作任何更改");
    assert_eq!(
        r.message(Lang::En),
        "Quantity is out of range: it must be a whole number from 1 to 10000; nothing was changed"
    );
}

#[test]
fn texts_with_arguments_read_as_before() {
    use region::Refusal::KindUnderParent;
    let under_city = KindUnderParent { kind: RegionKind::Building, parent: Some(RegionKind::City) };
    assert_eq!(under_city.message(Lang::Zh), "楼栋不能放在市下面");
    assert_eq!(
        under_city.message(Lang::En),
        "a building cannot sit under a city; allowed parents: compound, community, grid"
            .replace("compound, community, grid", &allowed(RegionKind::Building))
    );
    let city = KindUnderParent { kind: RegionKind::City, parent: Some(RegionKind::District) };
    assert_eq!(city.message(Lang::En), "a city cannot sit under a district; allowed parents: none (top level)");
    let top = KindUnderParent { kind: RegionKind::Community, parent: None };
    assert_eq!(top.message(Lang::Zh), "社区不能放在最顶层下面");
    assert!(
        top.message(Lang::En).starts_with("a community cannot sit under nothing (the top level); allowed parents: ")
    );

    let scope = access::Refusal::WrongScope { role: Role::GroupLeader };
    assert_eq!(scope.message(Lang::Zh), "党小组长只能绑定到：社区、网格、小区");
    assert_eq!(scope.message(Lang::En), "a group_leader is bound to a community or grid or compound");

    let limit = SheetRefusal::OverPersonalLimit { max: 2, unit: "袋".into() };
    assert_eq!(limit.message(Lang::Zh), "每人最多2袋");
    assert_eq!(limit.message(Lang::En), "at most 2 per person");

    let transition = TransitionError { from: TaskState::Checked, action: TaskAction::Start };
    assert_eq!(
        transition.message(Lang::Zh),
        format!("任务{}，不能{}", TaskState::Checked.label(Lang::Zh), TaskAction::Start.label(Lang::Zh))
    );
    assert_eq!(
        transition.message(Lang::En),
        format!("the task is {}: cannot {}", TaskState::Checked.label(Lang::En), TaskAction::Start.label(Lang::En))
    );

    let merged = MergedRow { row: 5, into_row: 2, name_differs: true };
    assert_eq!(merged.message(Lang::Zh), "第5行与第2行是同一手机号但姓名不同，已合并到第2行，请核对");
    assert_eq!(
        VolunteerRejectReason::TooLong(TextColumn::Note).message(Lang::En),
        "note is too long (at most 500 characters)"
    );
    assert_eq!(
        VolunteerRejectReason::InvalidExperienced("有".into()).message(Lang::En),
        "experience as a leader (是否担任过楼组长) must be 是 or 否 (yes or no), not \"有\""
    );
    assert_eq!(task::Refusal::FailNeedsReason.message(Lang::En), "\"could not complete\" needs a reason");
}

fn allowed(kind: RegionKind) -> String {
    kind.allowed_parents().iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

/// Every key the domain's code names (`"refusal.…"`, `"explain.…"`, ...) has
/// a text of its own in both languages, also the keys behind `say!`.
#[test]
fn every_key_named_in_the_code_has_both_texts() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut named = 0;
    for entry in std::fs::read_dir(&src).expect("src") {
        let path = entry.expect("entry").path();
        let code = std::fs::read_to_string(&path).expect("source");
        for literal in code.split('"').skip(1).step_by(2) {
            let is_key =
                ["refusal.", "reason.", "explain.", "storage.", "text."].iter().any(|p| literal.starts_with(p))
                    && literal.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
            if is_key && !literal.ends_with('.') {
                named += 1;
                for lang in LANGS {
                    assert!(i18n::has(lang, literal), "{}: {literal} has no {lang:?} text", path.display());
                }
            }
        }
    }
    assert!(named > 150, "only {named} keys found: is the scan broken?");
}
