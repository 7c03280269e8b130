//! Text normalisation for what committees type into spreadsheets: full-width
//! digits and letters (１２３), ideographic spaces, stray whitespace.

/// Converts full-width ASCII variants (U+FF01..U+FF5E) to ASCII and the
/// ideographic space (U+3000) to a plain space, then trims and collapses runs
/// of whitespace into one space.
/// Invisible control characters (NUL and the like; tab and line breaks are
/// ordinary in a spreadsheet cell). A file holding them is damaged or forged:
/// they would become names and places nobody can see or type.
pub fn has_control_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(to_half_width) {
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Like [`normalize`] but drops every space: for numbers people type with
/// separators ("138 1234 5678").
pub fn normalize_compact(s: &str) -> String {
    normalize(s).chars().filter(|c| !c.is_whitespace()).collect()
}

fn to_half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

/// Key used to recognise the same building written differently: "3号楼",
/// "３号", "3栋", "3幢" and "3" all give "3"; letters are upper-cased.
pub fn building_key(label: &str) -> String {
    let mut s = normalize_compact(label).to_uppercase();
    for suffix in ["号楼", "号", "栋", "幢", "楼", "座"] {
        if let Some(stripped) = s.strip_suffix(suffix)
            && !stripped.is_empty()
        {
            s = stripped.to_string();
            break;
        }
    }
    s
}

/// Key used to recognise the same room: "1201室", "１２０１", "1201" give
/// "1201"; "12-301" stays as it is.
pub fn room_key(label: &str) -> String {
    let mut s = normalize_compact(label).to_uppercase();
    for suffix in ["室", "房", "号"] {
        if let Some(stripped) = s.strip_suffix(suffix)
            && !stripped.is_empty()
        {
            s = stripped.to_string();
            break;
        }
    }
    s
}

/// A person's name: normalised, and a space typed between two Chinese
/// characters ("王 中理") dropped; spaces in Latin names stay ("Li Na").
pub fn normalize_name(s: &str) -> String {
    let n = normalize(s);
    let chars: Vec<char> = n.chars().collect();
    let mut out = String::with_capacity(n.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' && i > 0 && i + 1 < chars.len() && is_cjk(chars[i - 1]) && is_cjk(chars[i + 1]) {
            continue;
        }
        out.push(*c);
    }
    out
}

fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c) || c == '·'
}

/// Key used to recognise the same compound name: spacing and full-width
/// differences do not make a new compound.
pub fn name_key(name: &str) -> String {
    normalize_compact(name).to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_spaces_are_normalised() {
        assert_eq!(normalize("　１３８ １２３４\u{3000}５６７８ "), "138 1234 5678");
        assert_eq!(normalize_compact("１３８　1234 5678"), "13812345678");
        assert_eq!(normalize("张\t\t三"), "张 三");
    }

    #[test]
    fn names_lose_stray_spaces_between_chinese_characters_only() {
        assert_eq!(normalize_name("王 中理"), "王中理");
        assert_eq!(normalize_name(" 王　中 理 "), "王中理");
        assert_eq!(normalize_name("Li  Na"), "Li Na");
        assert_eq!(normalize_name("买买提 · 艾力"), "买买提·艾力");
    }

    #[test]
    fn building_labels_written_differently_share_a_key() {
        for label in ["3号楼", "３号", "3栋", "3幢", " 3 ", "3号 楼"] {
            assert_eq!(building_key(label), "3", "{label}");
        }
        assert_eq!(building_key("a座"), "A");
        assert_eq!(building_key("号"), "号");
    }

    #[test]
    fn room_labels_written_differently_share_a_key() {
        for label in ["1201室", "１２０１", "1201", "1201 室"] {
            assert_eq!(room_key(label), "1201", "{label}");
        }
        assert_eq!(room_key("12-301"), "12-301");
    }
}
