//! The region tree: city > district > subdistrict > community > grid >
//! compound > building. Households and residents hang below buildings.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    City,
    District,
    Subdistrict,
    Community,
    Grid,
    Compound,
    Building,
}

impl RegionKind {
    pub const ALL: [RegionKind; 7] = [
        RegionKind::City,
        RegionKind::District,
        RegionKind::Subdistrict,
        RegionKind::Community,
        RegionKind::Grid,
        RegionKind::Compound,
        RegionKind::Building,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegionKind::City => "city",
            RegionKind::District => "district",
            RegionKind::Subdistrict => "subdistrict",
            RegionKind::Community => "community",
            RegionKind::Grid => "grid",
            RegionKind::Compound => "compound",
            RegionKind::Building => "building",
        }
    }

    /// Accepts the code name or the Chinese word committees use.
    pub fn parse(s: &str) -> Option<RegionKind> {
        let s = s.trim();
        Some(match s.to_ascii_lowercase().as_str() {
            "city" | "市" => RegionKind::City,
            "district" | "区" | "县" => RegionKind::District,
            "subdistrict" | "街道" | "镇" | "乡" => RegionKind::Subdistrict,
            "community" | "社区" | "居民区" | "村" | "居委会" => RegionKind::Community,
            "grid" | "网格" | "片区" => RegionKind::Grid,
            "compound" | "小区" | "里弄" => RegionKind::Compound,
            "building" | "楼栋" | "楼" => RegionKind::Building,
            _ => return None,
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RegionKind::City => lang.pick("市", "city"),
            RegionKind::District => lang.pick("区", "district"),
            RegionKind::Subdistrict => lang.pick("街道", "subdistrict"),
            RegionKind::Community => lang.pick("社区", "community"),
            RegionKind::Grid => lang.pick("网格", "grid"),
            RegionKind::Compound => lang.pick("小区", "compound"),
            RegionKind::Building => lang.pick("楼栋", "building"),
        }
    }

    /// Which kinds may hold this kind. A city is a root; grids are optional,
    /// so a compound sits in a grid or directly in its community.
    pub fn allowed_parents(self) -> &'static [RegionKind] {
        match self {
            RegionKind::City => &[],
            RegionKind::District => &[RegionKind::City],
            RegionKind::Subdistrict => &[RegionKind::District],
            RegionKind::Community => &[RegionKind::Subdistrict],
            RegionKind::Grid => &[RegionKind::Community],
            RegionKind::Compound => &[RegionKind::Community, RegionKind::Grid],
            RegionKind::Building => &[RegionKind::Compound],
        }
    }

    pub fn may_be_child_of(self, parent: Option<RegionKind>) -> bool {
        match parent {
            None => self == RegionKind::City,
            Some(p) => self.allowed_parents().contains(&p),
        }
    }
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable, human-typable identifier for a region ("wh-jh-ws-sy"): ASCII
/// letters, digits, `-`, `_` and `.`, 1 to 64 characters, stored lower-case so
/// `SY` and `sy` name the same place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionCode(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a region code is 1-64 ASCII letters, digits, '-', '_' or '.'")]
pub struct RegionCodeError;

impl RegionCode {
    pub fn parse(s: &str) -> Result<RegionCode, RegionCodeError> {
        let s = crate::text::normalize_compact(s).to_ascii_lowercase();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok { Ok(RegionCode(s)) } else { Err(RegionCodeError) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code of a child created automatically (a compound or a building
    /// found in an import): `parent.suffix`, where the suffix is made safe.
    pub fn child(&self, suffix: &str) -> RegionCode {
        let safe: String = suffix
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            .collect();
        let mut code = format!("{}.{}", self.0, safe);
        code.truncate(64);
        RegionCode(code)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an incident (an emergency episode on a region) is still going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentStatus {
    Open,
    Closed,
}

impl IncidentStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<IncidentStatus> {
        match code {
            "open" => Some(IncidentStatus::Open),
            "closed" => Some(IncidentStatus::Closed),
            _ => None,
        }
    }
}

/// Why a change to the region tree (places, blocks, incidents) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A name empty or longer than 100 characters.
    BadName,
    /// `kind` may not sit under `parent` (`None`: the top level).
    KindUnderParent {
        kind: RegionKind,
        parent: Option<RegionKind>,
    },
    CodeTaken {
        code: String,
    },
    /// A sibling of the same kind has the same name.
    DuplicateName {
        kind: RegionKind,
        name: String,
        code: String,
    },
    /// `code` names a region of another kind (`None`: an unknown stored kind).
    NotACommunity {
        code: String,
        kind: Option<RegionKind>,
    },
    BlockNeedsName,
    BlockNameTaken {
        name: String,
    },
    NotABuildingHere {
        code: String,
    },
    NoOpenIncident,
    /// The community named does not exist, or not where the actor may see it.
    NoSuchCommunity,
    NoSuchHousehold,
    NoSuchResident,
    /// A phone number is shown only with a reason of at most 200 characters.
    RevealNeedsReason,
    /// A resident's name empty or longer than 50 characters.
    BadResidentName,
    /// QR slips are printed for a building, not for other regions.
    SlipsPerBuilding,
    /// `code` names a region that is not a building.
    NotABuilding {
        code: String,
    },
}

impl Refusal {
    pub fn message(&self, lang: Lang) -> String {
        use crate::i18n::{t, t_with};
        match self {
            Refusal::BadName => t(lang, "refusal.registry.bad_name"),
            Refusal::KindUnderParent { kind, parent } => {
                let allowed: Vec<&str> = kind.allowed_parents().iter().map(|k| k.as_str()).collect();
                let key = match parent {
                    None => "refusal.registry.kind_at_top",
                    Some(_) if allowed.is_empty() => "refusal.registry.kind_only_at_top",
                    Some(_) => "refusal.registry.kind_under_parent",
                };
                let parent = parent.map_or("", |p| p.label(lang));
                t_with(lang, key, &[("kind", &kind.label(lang)), ("parent", &parent), ("allowed", &allowed.join(", "))])
            }
            Refusal::CodeTaken { code } => t_with(lang, "refusal.registry.code_taken", &[("code", code)]),
            Refusal::DuplicateName { kind, name, code } => t_with(
                lang,
                "refusal.registry.duplicate_name",
                &[("kind", &kind.label(lang)), ("name", name), ("code", code)],
            ),
            Refusal::NotACommunity { code, kind } => t_with(
                lang,
                "refusal.registry.not_a_community",
                &[("code", code), ("kind", &kind.map_or("?", |k| k.label(lang)))],
            ),
            Refusal::BlockNeedsName => t(lang, "refusal.registry.block_needs_name"),
            Refusal::BlockNameTaken { name } => t_with(lang, "refusal.registry.block_name_taken", &[("name", name)]),
            Refusal::NotABuildingHere { code } => {
                t_with(lang, "refusal.registry.not_a_building_here", &[("code", code)])
            }
            Refusal::NoOpenIncident => t(lang, "refusal.registry.no_open_incident"),
            Refusal::NoSuchCommunity => t(lang, "refusal.registry.no_such_community"),
            Refusal::NoSuchHousehold => t(lang, "refusal.registry.no_such_household"),
            Refusal::NoSuchResident => t(lang, "refusal.registry.no_such_resident"),
            Refusal::RevealNeedsReason => t(lang, "refusal.registry.reveal_needs_reason"),
            Refusal::BadResidentName => t(lang, "refusal.registry.bad_resident_name"),
            Refusal::SlipsPerBuilding => t(lang, "refusal.registry.slips_per_building"),
            Refusal::NotABuilding { code } => t_with(lang, "refusal.registry.not_a_building", &[("code", code)]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_from_code_names_and_chinese() {
        for k in RegionKind::ALL {
            assert_eq!(RegionKind::parse(k.as_str()), Some(k));
            assert_eq!(RegionKind::parse(k.label(Lang::Zh)), Some(k));
        }
        assert_eq!(RegionKind::parse("居民区"), Some(RegionKind::Community));
        assert_eq!(RegionKind::parse("planet"), None);
    }

    #[test]
    fn the_tree_only_nests_downwards() {
        assert!(RegionKind::City.may_be_child_of(None));
        assert!(!RegionKind::District.may_be_child_of(None));
        assert!(RegionKind::Compound.may_be_child_of(Some(RegionKind::Grid)));
        assert!(RegionKind::Compound.may_be_child_of(Some(RegionKind::Community)));
        assert!(!RegionKind::Community.may_be_child_of(Some(RegionKind::Building)));
        assert!(!RegionKind::Building.may_be_child_of(Some(RegionKind::Community)));
    }

    #[test]
    fn codes_are_ascii_and_case_insensitive() {
        assert_eq!(RegionCode::parse(" SY-01 ").map(|c| c.to_string()), Ok("sy-01".into()));
        assert!(RegionCode::parse("商一").is_err());
        assert!(RegionCode::parse("").is_err());
        assert!(RegionCode::parse("a/b").is_err());
        let c = RegionCode::parse("sy").expect("valid");
        assert_eq!(c.child("C01").as_str(), "sy.c01");
    }
}
