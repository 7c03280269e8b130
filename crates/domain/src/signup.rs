//! Sign-up sheets (接龙), SPEC §4.4: the parts that need no database — an
//! entry's status, who may join, and the numbered text people paste into a
//! WeChat group. The capacity itself is kept by the storage layer with
//! conditional statements (see `db::signup`), never by check-then-insert.

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::volunteer::{Skill, SkillSet, VolunteerKind};

/// Where one person stands on a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Within the capacity, in order of arrival.
    Confirmed,
    /// Over the capacity: promoted, in order of arrival, when someone withdraws.
    Waiting,
    Withdrawn,
}

impl EntryStatus {
    pub const ALL: [EntryStatus; 3] = [EntryStatus::Confirmed, EntryStatus::Waiting, EntryStatus::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            EntryStatus::Confirmed => "confirmed",
            EntryStatus::Waiting => "waiting",
            EntryStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(s: &str) -> Option<EntryStatus> {
        EntryStatus::ALL.into_iter().find(|e| e.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            EntryStatus::Confirmed => lang.pick("已报名", "signed up"),
            EntryStatus::Waiting => lang.pick("候补", "waiting list"),
            EntryStatus::Withdrawn => lang.pick("已退出", "withdrawn"),
        }
    }
}

/// Who may join a sheet; `None` fields admit anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub skill: Option<Skill>,
    pub kind: Option<VolunteerKind>,
    /// Only members of this group (an opaque id, as the storage layer keys groups).
    pub group: Option<String>,
}

/// Why someone may not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ineligible {
    MissingSkill(Skill),
    WrongKind(VolunteerKind),
    NotInGroup,
    CannotServe,
    NotVerified,
}

impl Ineligible {
    pub fn message(self, lang: Lang) -> String {
        match (self, lang) {
            (Ineligible::MissingSkill(s), Lang::Zh) => format!("此接龙需要“{}”特长", s.label(Lang::Zh)),
            (Ineligible::MissingSkill(s), Lang::En) => format!("this sheet needs the skill {}", s.label(Lang::En)),
            (Ineligible::WrongKind(k), Lang::Zh) => format!("此接龙仅限{}", k.label(Lang::Zh)),
            (Ineligible::WrongKind(k), Lang::En) => format!("this sheet is for {} only", k.label(Lang::En)),
            (Ineligible::NotInGroup, _) => {
                lang.pick("此接龙仅限本小组成员", "this sheet is for members of its group").into()
            }
            (Ineligible::CannotServe, _) => lang
                .pick("你目前处于隔离或感染状态，暂不能报名", "you are isolated or infected and cannot sign up now")
                .into(),
            (Ineligible::NotVerified, _) => {
                lang.pick("你的报到尚未通过审核，暂不能报名", "your duty report is not verified yet").into()
            }
        }
    }
}

/// What the storage layer knows about a volunteer, for the eligibility check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant<'a> {
    pub kind: VolunteerKind,
    pub skills: SkillSet,
    pub group: Option<&'a str>,
    pub verified: bool,
    pub can_serve: bool,
}

impl Eligibility {
    /// The first reason the applicant may not join, if any.
    pub fn check(&self, a: &Applicant<'_>) -> Option<Ineligible> {
        if !a.verified {
            return Some(Ineligible::NotVerified);
        }
        if !a.can_serve {
            return Some(Ineligible::CannotServe);
        }
        if let Some(s) = self.skill
            && !a.skills.contains(s)
        {
            return Some(Ineligible::MissingSkill(s));
        }
        if let Some(k) = self.kind
            && a.kind != k
        {
            return Some(Ineligible::WrongKind(k));
        }
        if let Some(g) = &self.group
            && a.group != Some(g.as_str())
        {
            return Some(Ineligible::NotInGroup);
        }
        None
    }
}

/// One line of the list as pasted into a group chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub name: String,
    /// "2箱": how many of the sheet's unit this person takes, when the sheet counts them.
    pub quantity: Option<u32>,
}

/// The sheet as WeChat 接龙 text: a heading, the rules, then the confirmed
/// people numbered in order of arrival, then the waiting list.
pub fn jielong_text(
    title: &str,
    details: &[String],
    unit: Option<&str>,
    confirmed: &[Line],
    waiting: &[Line],
    lang: Lang,
) -> String {
    let mut out = String::new();
    out.push_str(lang.pick("#接龙\n", "#Sign-up\n"));
    out.push_str(title.trim());
    out.push('\n');
    for d in details {
        out.push_str(d.trim());
        out.push('\n');
    }
    out.push('\n');
    let line = |i: usize, l: &Line| match (l.quantity, unit) {
        (Some(q), Some(u)) => format!("{}. {} {q}{u}\n", i + 1, l.name),
        (Some(q), None) => format!("{}. {} ×{q}\n", i + 1, l.name),
        _ => format!("{}. {}\n", i + 1, l.name),
    };
    for (i, l) in confirmed.iter().enumerate() {
        out.push_str(&line(i, l));
    }
    if !waiting.is_empty() {
        out.push_str(lang.pick("\n候补：\n", "\nWaiting list:\n"));
        for (i, l) in waiting.iter().enumerate() {
            out.push_str(&line(i, l));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant() -> Applicant<'static> {
        Applicant {
            kind: VolunteerKind::NearbyMember,
            skills: [Skill::Driving].into_iter().collect(),
            group: Some("g1"),
            verified: true,
            can_serve: true,
        }
    }

    #[test]
    fn eligibility_names_the_first_reason() {
        let open = Eligibility::default();
        assert_eq!(open.check(&applicant()), None);
        let drivers = Eligibility { skill: Some(Skill::Driving), ..Default::default() };
        assert_eq!(drivers.check(&applicant()), None);
        let medics = Eligibility { skill: Some(Skill::Medical), ..Default::default() };
        assert_eq!(medics.check(&applicant()), Some(Ineligible::MissingSkill(Skill::Medical)));
        let cadres = Eligibility { kind: Some(VolunteerKind::DeployedCadre), ..Default::default() };
        assert_eq!(cadres.check(&applicant()), Some(Ineligible::WrongKind(VolunteerKind::DeployedCadre)));
        let g2 = Eligibility { group: Some("g2".into()), ..Default::default() };
        assert_eq!(g2.check(&applicant()), Some(Ineligible::NotInGroup));
        let isolated = Applicant { can_serve: false, ..applicant() };
        assert_eq!(open.check(&isolated), Some(Ineligible::CannotServe));
        assert!(Ineligible::MissingSkill(Skill::Medical).message(Lang::Zh).contains("医护"));
    }

    #[test]
    fn the_text_is_what_a_group_chat_expects() {
        let l = |n: &str, q: Option<u32>| Line { name: n.into(), quantity: q };
        let text = jielong_text(
            "今晚10点 蔬菜包卸货分发（500箱）",
            &["截止：22:30".into(), "名额：2人".into()],
            Some("箱"),
            &[l("夏双喜", Some(2)), l("王中理", None)],
            &[l("邱锦", Some(1))],
            Lang::Zh,
        );
        assert_eq!(
            text,
            "#接龙\n今晚10点 蔬菜包卸货分发（500箱）\n截止：22:30\n名额：2人\n\n1. 夏双喜 2箱\n2. 王中理\n\n候补：\n1. 邱锦 1箱\n"
        );
    }
}
