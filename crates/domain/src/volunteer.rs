//! Volunteers and their duty reports (双报到), SPEC §3 and §4.2: kind, skills,
//! availability, preferred posts, duty status and health status.
//!
//! Every enum here has a stable `code` (what the database and the API store),
//! a `label` in Chinese or English, and `parse` for the words committees write
//! in their spreadsheets.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::text::normalize_compact;

/// Declares a C-like enum with its stored codes, labels and accepted words,
/// plus a bit-set of it, so each vocabulary is written once.
macro_rules! vocabulary {
    (
        $(#[$doc:meta])* $name:ident, $set:ident {
            $($variant:ident => $code:literal, $zh:literal, $en:literal, [$($word:literal),*];)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn from_code(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == s)
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en),)+ }
            }

            /// Reads a code, a label (either language) or a common variant.
            pub fn parse(s: &str) -> Option<$name> {
                let w = normalize_compact(s).to_lowercase();
                match w.as_str() {
                    $($code | $zh $(| $word)* => Some($name::$variant),)+
                    _ => $name::ALL.iter().copied().find(|v| v.label(Lang::En).replace(' ', "") == w.replace(' ', "")),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        #[doc = concat!("A set of [`", stringify!($name), "`], stored as comma-separated codes in a fixed order.")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $set(u16);

        impl $set {
            pub fn empty() -> $set { $set(0) }
            pub fn insert(&mut self, v: $name) { self.0 |= 1 << v as u16; }
            pub fn remove(&mut self, v: $name) { self.0 &= !(1 << v as u16); }
            pub fn contains(self, v: $name) -> bool { self.0 & (1 << v as u16) != 0 }
            pub fn is_empty(self) -> bool { self.0 == 0 }
            pub fn len(self) -> usize { self.0.count_ones() as usize }
            pub fn bits(self) -> u16 { self.0 }
            pub fn iter(self) -> impl Iterator<Item = $name> {
                $name::ALL.iter().copied().filter(move |v| self.contains(*v))
            }
            pub fn to_codes(self) -> String {
                self.iter().map($name::code).collect::<Vec<_>>().join(",")
            }
            /// Reads stored codes; unknown codes are ignored.
            pub fn from_codes(s: &str) -> $set {
                s.split(',').filter_map(|c| $name::from_code(c.trim())).collect()
            }
            pub fn labels(self, lang: Lang) -> String {
                let sep = crate::i18n::t(lang, "text.list_separator");
                self.iter().map(|v| v.label(lang)).collect::<Vec<_>>().join(&sep)
            }
            /// Splits a spreadsheet cell ("医护、驾驶") into a set and the
            /// words it did not recognise (so the caller can report them).
            pub fn parse_words(cell: &str) -> ($set, Vec<String>) {
                let mut set = $set::empty();
                let mut unknown = Vec::new();
                let normalized = crate::text::normalize(cell);
                for word in normalized
                    .split([',', '，', '、', ';', '；', '/', '|', ' ', '\n'])
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                {
                    match $name::parse(word) {
                        Some(v) => set.insert(v),
                        None => unknown.push(word.to_string()),
                    }
                }
                (set, unknown)
            }
        }

        impl FromIterator<$name> for $set {
            fn from_iter<I: IntoIterator<Item = $name>>(iter: I) -> $set {
                let mut set = $set::empty();
                for v in iter { set.insert(v); }
                set
            }
        }

        impl Serialize for $set {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.iter())
            }
        }

        impl<'de> Deserialize<'de> for $set {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$set, D::Error> {
                Ok(Vec::<$name>::deserialize(d)?.into_iter().collect())
            }
        }
    };
}

vocabulary! {
    /// How a volunteer came to the community (SPEC §1).
    VolunteerKind, VolunteerKindSet {
        DeployedCadre => "deployed_cadre", "下沉干部", "deployed cadre", ["下沉", "下沉党员", "机关干部"];
        NearbyMember => "nearby_member", "就近报到党员", "nearby member", ["就近报到", "报到党员", "在职党员", "党员"];
        ConvertedStaff => "converted_staff", "就地转化", "converted staff", ["转化", "就地转化人员"];
        Deputy => "deputy", "人大代表/政协委员", "deputy", ["人大代表", "政协委员", "代表委员"];
        ResidentVolunteer => "resident_volunteer", "居民志愿者", "resident volunteer", ["志愿者", "居民", "群众志愿者"];
        SocialWorker => "social_worker", "社工", "social worker", ["社区工作者"];
    }
}

vocabulary! {
    /// Skills that matter when forming groups and rosters (SPEC §3).
    Skill, SkillSet {
        Medical => "medical", "医护", "medical", ["医生", "护士", "医疗", "医务"];
        Driving => "driving", "驾驶", "driving", ["司机", "开车", "驾照"];
        It => "it", "信息技术", "IT", ["电脑", "计算机", "信息化"];
        Electrician => "electrician", "电工", "electrician", ["水电", "维修"];
        Counselling => "counselling", "心理疏导", "counselling", ["心理", "心理咨询"];
        Translation => "translation", "翻译", "translation", ["外语"];
        HeavyLifting => "heavy_lifting", "搬运", "heavy lifting", ["体力", "力气活"];
    }
}

vocabulary! {
    /// What a functional group does, and what post a volunteer prefers (SPEC §1).
    GroupFunction, GroupFunctionSet {
        Testing => "testing", "核酸检测", "testing", ["核酸", "检测", "采样"];
        Disinfection => "disinfection", "消杀", "disinfection", ["消毒"];
        Medicine => "medicine", "配药", "medicine", ["药品", "代配药"];
        SpecialCare => "special_care", "特殊群体关爱", "special care", ["关爱", "特殊群体", "帮扶"];
        Supplies => "supplies", "物资保障", "supplies", ["物资", "保供", "配送", "送菜"];
        Patrol => "patrol", "巡逻值守", "patrol", ["巡逻", "值守", "门岗", "卡口"];
        Data => "data", "数据统计", "data", ["数据", "统计", "信息"];
        Publicity => "publicity", "宣传", "publicity", ["宣传员", "线上宣传"];
    }
}

vocabulary! {
    /// Parts of the day a volunteer can serve.
    DayPart, Availability {
        Morning => "morning", "上午", "morning", ["早上", "早"];
        Afternoon => "afternoon", "下午", "afternoon", ["午"];
        Evening => "evening", "晚上", "evening", ["晚", "傍晚"];
        Night => "night", "夜间", "night", ["夜", "通宵", "深夜"];
    }
}

impl Availability {
    /// Every part of the day ("全天").
    pub fn all_day() -> Availability {
        DayPart::ALL.iter().copied().collect()
    }
}

vocabulary! {
    /// Where a duty report stands with the committee.
    DutyStatus, DutyStatusSet {
        Reported => "reported", "待审核", "awaiting review", ["已报到"];
        Verified => "verified", "已审核", "verified", ["通过", "已通过"];
        Rejected => "rejected", "未通过", "rejected", ["驳回", "不通过"];
        Exempt => "exempt", "免于编组", "exempt", ["免编", "豁免"];
    }
}

vocabulary! {
    /// A volunteer's health, which can change at any time; only active and
    /// recovered volunteers can hold work.
    HealthStatus, HealthStatusSet {
        Active => "active", "在岗", "active", ["正常", "健康"];
        Isolated => "isolated", "隔离", "isolated", ["居家隔离", "集中隔离"];
        Infected => "infected", "感染", "infected", ["阳性", "确诊"];
        Recovered => "recovered", "康复", "recovered", ["已康复", "转阴"];
    }
}

impl HealthStatus {
    /// Whether a volunteer in this state can serve (hold a role, be grouped).
    pub fn can_serve(self) -> bool {
        matches!(self, HealthStatus::Active | HealthStatus::Recovered)
    }
}

vocabulary! {
    /// Why a volunteer is exempt from grouping (SPEC §4.2).
    ExemptReason, ExemptReasonSet {
        OnDutyPolice => "on_duty_police", "公安在岗", "police on duty", ["公安", "警察", "民警"];
        OnDutyMedical => "on_duty_medical", "医护在岗", "medical staff on duty", ["医护人员", "医院在岗"];
        OnDutySocialWorker => "on_duty_social_worker", "社工在岗", "social worker on duty", ["社工在职"];
        NotEligible => "not_eligible", "不符合条件", "not eligible", ["不符合", "年龄不符", "身体原因"];
    }
}

vocabulary! {
    /// The roles that must always have a holder and a backup (B角), SPEC §4.3.
    KeyRoleKind, KeyRoleKindSet {
        BranchSecretary => "branch_secretary", "支部书记", "branch secretary", ["书记"];
        GroupLeader => "group_leader", "组长", "group leader", ["小组长"];
        GroupDeputy => "group_deputy", "副组长", "deputy group leader", [];
        BuildingLeader => "building_leader", "楼组长", "building leader", ["楼长"];
        MedicineRunner => "medicine_runner", "配药专员", "medicine runner", ["配药员"];
    }
}

vocabulary! {
    /// What a temporary branch is made of.
    BranchKind, BranchKindSet {
        DeployedCadres => "deployed_cadres", "下沉干部临时党支部", "deployed cadres' branch", ["下沉干部支部"];
        NearbyMembers => "nearby_members", "报到党员临时党支部", "nearby members' branch", ["报到党员支部"];
        SealedArea => "sealed_area", "封控区临时党支部", "sealed-area branch", ["封控区支部"];
        Mixed => "mixed", "联合临时党支部", "joint branch", ["联合支部"];
    }
}

/// Why a change to volunteers, branches or key roles is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The same phone is being reported twice at the same moment.
    SamePhoneTwice,
    BackupIsHolder,
    /// `name` is not verified, exempt, isolated or infected.
    CannotHoldRole {
        name: String,
    },
    BadBranchName,
    NotInCommunity,
    VolunteerNotFound,
    RejectNeedsReason,
    ExemptNeedsReason,
    RevealNeedsReason,
    HasLogin,
    LoginNeedsVerified,
    UnsupportedFile,
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::SamePhoneTwice => t(lang, "refusal.volunteers.same_phone_twice"),
            Refusal::BackupIsHolder => t(lang, "refusal.volunteers.backup_is_holder"),
            Refusal::CannotHoldRole { name } => t_with(lang, "refusal.volunteers.cannot_hold_role", &[("name", name)]),
            Refusal::BadBranchName => t(lang, "refusal.volunteers.bad_branch_name"),
            Refusal::NotInCommunity => t(lang, "refusal.volunteers.not_in_community"),
            Refusal::VolunteerNotFound => t(lang, "refusal.volunteers.volunteer_not_found"),
            Refusal::RejectNeedsReason => t(lang, "refusal.volunteers.reject_needs_reason"),
            Refusal::ExemptNeedsReason => t(lang, "refusal.volunteers.exempt_needs_reason"),
            Refusal::RevealNeedsReason => t(lang, "refusal.volunteers.reveal_needs_reason"),
            Refusal::HasLogin => t(lang, "refusal.volunteers.has_login"),
            Refusal::LoginNeedsVerified => t(lang, "refusal.volunteers.login_needs_verified"),
            Refusal::UnsupportedFile => t(lang, "refusal.volunteers.unsupported_file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn committee_words_parse() {
        assert_eq!(VolunteerKind::parse("下沉干部"), Some(VolunteerKind::DeployedCadre));
        assert_eq!(VolunteerKind::parse(" 在职党员 "), Some(VolunteerKind::NearbyMember));
        assert_eq!(VolunteerKind::parse("resident volunteer"), Some(VolunteerKind::ResidentVolunteer));
        assert_eq!(Skill::parse("护士"), Some(Skill::Medical));
        assert_eq!(HealthStatus::parse("阳性"), Some(HealthStatus::Infected));
        assert_eq!(Skill::parse("驯马"), None);
        let (skills, unknown) = SkillSet::parse_words("医护、驾驶，驯马");
        assert!(skills.contains(Skill::Medical) && skills.contains(Skill::Driving));
        assert_eq!(skills.len(), 2);
        assert_eq!(unknown, vec!["驯马".to_string()]);
    }

    #[test]
    fn only_active_and_recovered_can_serve() {
        assert!(HealthStatus::Active.can_serve());
        assert!(HealthStatus::Recovered.can_serve());
        assert!(!HealthStatus::Isolated.can_serve());
        assert!(!HealthStatus::Infected.can_serve());
    }

    #[test]
    fn every_label_reads_back() {
        for k in VolunteerKind::ALL {
            assert_eq!(VolunteerKind::parse(k.label(Lang::Zh)), Some(*k));
            assert_eq!(VolunteerKind::parse(k.label(Lang::En)), Some(*k));
        }
        for s in Skill::ALL {
            assert_eq!(Skill::parse(s.label(Lang::Zh)), Some(*s));
            assert_eq!(Skill::parse(s.label(Lang::En)), Some(*s));
        }
        for f in GroupFunction::ALL {
            assert_eq!(GroupFunction::parse(f.label(Lang::Zh)), Some(*f));
        }
    }

    proptest! {
        #[test]
        fn skill_codes_round_trip(bits in 0u16..(1 << 7)) {
            let set: SkillSet = Skill::ALL.iter().copied().filter(|s| bits & (1 << *s as u16) != 0).collect();
            prop_assert_eq!(SkillSet::from_codes(&set.to_codes()), set);
            prop_assert_eq!(set.bits(), bits);
        }
    }
}
