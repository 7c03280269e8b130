//! Residents: gender, birth year and the care tags of SPEC §3.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::text::normalize_compact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Gender {
    pub fn parse(s: &str) -> Option<Gender> {
        match normalize_compact(s).to_ascii_lowercase().as_str() {
            "男" | "男性" | "m" | "male" => Some(Gender::Male),
            "女" | "女性" | "f" | "female" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "M",
            Gender::Female => "F",
        }
    }

    pub fn from_code(s: &str) -> Option<Gender> {
        match s {
            "M" => Some(Gender::Male),
            "F" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Gender::Male => lang.pick("男", "male"),
            Gender::Female => lang.pick("女", "female"),
        }
    }
}

/// A plausible year of birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BirthYear(i32);

impl BirthYear {
    pub const MIN: i32 = 1900;

    pub fn new(year: i32, current_year: i32) -> Option<BirthYear> {
        (BirthYear::MIN..=current_year).contains(&year).then_some(BirthYear(year))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The care tags of SPEC §3. Residents with any of them are care subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    ElderlyAlone,
    Elderly,
    Dialysis,
    Chemotherapy,
    Disabled,
    Incapacitated,
    Pregnant,
    ChildAlone,
    Immobile,
    ChronicMedicine,
}

impl Tag {
    pub const ALL: [Tag; 10] = [
        Tag::ElderlyAlone,
        Tag::Elderly,
        Tag::Dialysis,
        Tag::Chemotherapy,
        Tag::Disabled,
        Tag::Incapacitated,
        Tag::Pregnant,
        Tag::ChildAlone,
        Tag::Immobile,
        Tag::ChronicMedicine,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tag::ElderlyAlone => "elderly_alone",
            Tag::Elderly => "elderly",
            Tag::Dialysis => "dialysis",
            Tag::Chemotherapy => "chemotherapy",
            Tag::Disabled => "disabled",
            Tag::Incapacitated => "incapacitated",
            Tag::Pregnant => "pregnant",
            Tag::ChildAlone => "child_alone",
            Tag::Immobile => "immobile",
            Tag::ChronicMedicine => "chronic_medicine",
        }
    }

    pub fn from_code(s: &str) -> Option<Tag> {
        Tag::ALL.into_iter().find(|t| t.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Tag::ElderlyAlone => lang.pick("独居老人", "elderly living alone"),
            Tag::Elderly => lang.pick("高龄", "very old"),
            Tag::Dialysis => lang.pick("血透", "dialysis"),
            Tag::Chemotherapy => lang.pick("化疗", "chemotherapy"),
            Tag::Disabled => lang.pick("残障", "disabled"),
            Tag::Incapacitated => lang.pick("失能失智", "incapacitated or demented"),
            Tag::Pregnant => lang.pick("孕妇", "pregnant"),
            Tag::ChildAlone => lang.pick("独自在家儿童", "child alone at home"),
            Tag::Immobile => lang.pick("行动不便", "immobile"),
            Tag::ChronicMedicine => lang.pick("慢性病用药", "chronic medicine"),
        }
    }

    /// The tags one word written by a committee stands for: the official
    /// labels plus the variants seen in real rosters.
    fn from_word(word: &str) -> &'static [Tag] {
        match word {
            "独居老人" | "独居" | "孤老" | "独居老年人" | "空巢独居" => &[Tag::ElderlyAlone],
            "高龄独居" | "高龄独居老人" => &[Tag::Elderly, Tag::ElderlyAlone],
            "高龄" | "高龄老人" | "80岁以上" | "八十岁以上" => &[Tag::Elderly],
            "血透" | "透析" | "血液透析" | "肾透析" => &[Tag::Dialysis],
            "化疗" | "放化疗" | "肿瘤化疗" => &[Tag::Chemotherapy],
            "残障" | "残疾" | "残疾人" | "肢残" | "视障" | "听障" => &[Tag::Disabled],
            "失能失智" | "失能" | "失智" | "痴呆" | "认知障碍" => &[Tag::Incapacitated],
            "孕妇" | "怀孕" | "孕产妇" | "孕期" => &[Tag::Pregnant],
            "独自在家儿童" | "独自在家" | "留守儿童" | "儿童独自在家" => &[Tag::ChildAlone],
            "行动不便" | "卧床" | "瘫痪" | "长期卧床" => &[Tag::Immobile],
            "慢性病用药" | "慢性病" | "慢病" | "长期用药" | "慢病用药" => &[Tag::ChronicMedicine],
            _ => &[],
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A set of tags, kept in the fixed order of [`Tag::ALL`] so that the same
/// tags always serialise to the same text (re-imports compare equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TagSet(u16);

impl TagSet {
    pub fn empty() -> TagSet {
        TagSet(0)
    }

    pub fn insert(&mut self, tag: Tag) {
        self.0 |= 1 << tag as u16;
    }

    pub fn contains(self, tag: Tag) -> bool {
        self.0 & (1 << tag as u16) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Tag> {
        Tag::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// "dialysis,elderly_alone" style, as stored.
    pub fn to_codes(self) -> String {
        self.iter().map(Tag::code).collect::<Vec<_>>().join(",")
    }

    /// Reads stored codes; unknown codes are ignored.
    pub fn from_codes(s: &str) -> TagSet {
        let mut set = TagSet::empty();
        for t in s.split(',').filter_map(|c| Tag::from_code(c.trim())) {
            set.insert(t);
        }
        set
    }

    /// Labels joined with "、", as committees write them.
    pub fn labels(self, lang: Lang) -> String {
        let sep = crate::i18n::t(lang, "text.list_separator");
        self.iter().map(|t| t.label(lang)).collect::<Vec<_>>().join(&sep)
    }

    /// Splits a 标签/特殊情况/备注 cell into tags and the words that are not
    /// tags (returned, joined with "、", so nothing a committee wrote is lost).
    pub fn parse_words(cell: &str) -> (TagSet, Option<String>) {
        let mut set = TagSet::empty();
        let mut rest = Vec::new();
        let normalized = crate::text::normalize(cell);
        for word in
            normalized.split([',', '，', '、', ';', '；', '/', '|', ' ', '\n']).map(str::trim).filter(|w| !w.is_empty())
        {
            let tags = Tag::from_word(word);
            if tags.is_empty() {
                rest.push(word);
            }
            for t in tags {
                set.insert(*t);
            }
        }
        let rest = (!rest.is_empty()).then(|| rest.join("、"));
        (set, rest)
    }
}

impl FromIterator<Tag> for TagSet {
    fn from_iter<I: IntoIterator<Item = Tag>>(iter: I) -> TagSet {
        let mut set = TagSet::empty();
        for t in iter {
            set.insert(t);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tag_words_as_committees_write_them() {
        let (set, rest) = TagSet::parse_words("高龄独居，血透、慢病 租户");
        assert!(set.contains(Tag::Elderly));
        assert!(set.contains(Tag::ElderlyAlone));
        assert!(set.contains(Tag::Dialysis));
        assert!(set.contains(Tag::ChronicMedicine));
        assert_eq!(rest.as_deref(), Some("租户"));
        assert_eq!(set.labels(Lang::Zh), "独居老人、高龄、血透、慢性病用药");
    }

    #[test]
    fn every_official_label_reads_back_as_its_tag() {
        for t in Tag::ALL {
            let (set, rest) = TagSet::parse_words(t.label(Lang::Zh));
            assert_eq!(set.iter().collect::<Vec<_>>(), vec![t]);
            assert_eq!(rest, None);
        }
    }

    #[test]
    fn genders_parse() {
        assert_eq!(Gender::parse(" 男 "), Some(Gender::Male));
        assert_eq!(Gender::parse("女性"), Some(Gender::Female));
        assert_eq!(Gender::parse("F"), Some(Gender::Female));
        assert_eq!(Gender::parse("未知"), None);
    }

    proptest! {
        #[test]
        fn tag_codes_round_trip(bits in 0u16..(1 << 10)) {
            let set: TagSet = Tag::ALL.into_iter().filter(|t| bits & (1 << *t as u16) != 0).collect();
            prop_assert_eq!(TagSet::from_codes(&set.to_codes()), set);
            let (parsed, rest) = TagSet::parse_words(&set.labels(Lang::Zh));
            prop_assert_eq!(parsed, set);
            prop_assert_eq!(rest, None);
        }
    }
}
