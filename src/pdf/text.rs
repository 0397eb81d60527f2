//! Line breaking for mixed Chinese / Latin text.
//!
//! Rules, in order of priority:
//! 1. `\n` always starts a new line (an empty line is kept).
//! 2. A line may break between any two CJK characters, and at spaces.
//! 3. Runs of other characters (Latin words, numbers such as
//!    `34102419810412011X` or `1,234.56`) are kept whole.
//! 4. Closing CJK punctuation (`，。）」` …) never starts a line and opening
//!    punctuation (`（「“` …) never ends one (simple *kinsoku* rules).
//! 5. Anything wider than the line on its own is split between characters,
//!    so no text is ever lost or drawn outside its box.

use super::font::Font;

/// Punctuation that must not start a line; it sticks to what precedes it.
const NO_LINE_START: &str = "，。、；：？！）」』》〉】〕〗｝］”’％‰…·～—,.;:?!)]}%";
/// Punctuation that must not end a line; it sticks to what follows it.
const NO_LINE_END: &str = "（「『《〈【〔〖｛［“‘([{";

/// Whether `c` is a "wide" character that may be broken around freely
/// (CJK ideographs, kana, hangul, CJK and full-width punctuation).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3040..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// Replace tabs by spaces and drop other control characters except `\n`.
pub(crate) fn sanitize(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// An unbreakable piece of a line.
#[derive(Debug)]
struct Atom {
    text: String,
    is_space: bool,
}

/// Split one line (no `\n`) into atoms: single wide characters, runs of
/// other characters, and runs of spaces; then glue punctuation per the
/// kinsoku rules.
fn atoms(line: &str) -> Vec<Atom> {
    let mut raw: Vec<Atom> = Vec::new();
    for c in line.chars() {
        let space = c == ' ';
        let wide = is_wide(c);
        match raw.last_mut() {
            Some(last) if !wide && last.is_space == space && !last_is_wide(last) => {
                last.text.push(c);
            }
            _ => raw.push(Atom {
                text: c.to_string(),
                is_space: space,
            }),
        }
    }
    // Glue no-line-start punctuation to the previous atom.
    let mut glued: Vec<Atom> = Vec::with_capacity(raw.len());
    for atom in raw {
        let starts_closing = atom
            .text
            .chars()
            .next()
            .is_some_and(|c| NO_LINE_START.contains(c));
        match glued.last_mut() {
            Some(prev) if starts_closing && !atom.is_space && !prev.is_space => {
                prev.text.push_str(&atom.text);
            }
            _ => glued.push(atom),
        }
    }
    // Glue no-line-end punctuation to the following atom.
    let mut out: Vec<Atom> = Vec::with_capacity(glued.len());
    let mut pending: Option<String> = None;
    for mut atom in glued {
        if let Some(prefix) = pending.take() {
            if atom.is_space {
                out.push(Atom {
                    text: prefix,
                    is_space: false,
                });
            } else {
                atom.text.insert_str(0, &prefix);
            }
        }
        let ends_opening = atom
            .text
            .chars()
            .last()
            .is_some_and(|c| NO_LINE_END.contains(c));
        if ends_opening && !atom.is_space {
            pending = Some(atom.text);
        } else {
            out.push(atom);
        }
    }
    if let Some(prefix) = pending {
        out.push(Atom {
            text: prefix,
            is_space: false,
        });
    }
    out
}

fn last_is_wide(atom: &Atom) -> bool {
    atom.text.chars().last().is_some_and(is_wide)
}

/// Break `text` into lines no wider than `width` points at `size_pt`.
///
/// The first line of every `\n`-separated paragraph may be narrower
/// (`first_width`, used for first-line indentation). Returns at least one
/// (possibly empty) line. Leading spaces of wrapped lines and trailing
/// spaces of every line are dropped.
pub(crate) fn wrap(
    font: &Font,
    text: &str,
    size_pt: f32,
    first_width: f32,
    width: f32,
) -> Vec<String> {
    let mut lines = Vec::new();
    for para in sanitize(text).split('\n') {
        wrap_paragraph(font, para, size_pt, first_width, width, &mut lines);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn wrap_paragraph(
    font: &Font,
    para: &str,
    size_pt: f32,
    first_width: f32,
    width: f32,
    lines: &mut Vec<String>,
) {
    let start = lines.len();
    // A tiny tolerance keeps exact fits (e.g. a row of full-width characters)
    // from wrapping because of float rounding.
    let limit = |lines: &Vec<String>| {
        if lines.len() == start {
            first_width + 0.01
        } else {
            width + 0.01
        }
    };
    let mut cur = String::new();
    let mut cur_w = 0.0_f32;
    let mut spaces = String::new();
    let mut spaces_w = 0.0_f32;
    for atom in atoms(para) {
        let w = font.text_width(&atom.text, size_pt);
        if atom.is_space {
            // Keep leading spaces of a paragraph's first line (deliberate
            // indentation); drop them at the start of wrapped lines.
            if cur.is_empty() && lines.len() > start {
                continue;
            }
            spaces.push_str(&atom.text);
            spaces_w += w;
            continue;
        }
        if cur_w + spaces_w + w <= limit(lines) {
            cur.push_str(&spaces);
            cur.push_str(&atom.text);
            cur_w += spaces_w + w;
        } else {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            cur_w = 0.0;
            if w <= limit(lines) {
                cur.push_str(&atom.text);
                cur_w = w;
            } else {
                // Too wide even for an empty line: split between characters.
                for c in atom.text.chars() {
                    let cw = font.char_width_em(c) * size_pt;
                    if cur_w + cw > limit(lines) && !cur.is_empty() {
                        lines.push(std::mem::take(&mut cur));
                        cur_w = 0.0;
                    }
                    cur.push(c);
                    cur_w += cw;
                }
            }
        }
        spaces.clear();
        spaces_w = 0.0;
    }
    if !cur.is_empty() || lines.len() == start {
        lines.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        Font::embedded().unwrap()
    }

    #[test]
    fn cjk_wraps_at_any_character_without_loss() {
        let f = font();
        let text = "经村民代表评议该户家庭收入低于当地最低生活保障标准同意纳入";
        // 10 pt ideographs, 55 pt per line -> 5 per line.
        let lines = wrap(&f, text, 10.0, 55.0, 55.0);
        assert_eq!(lines.concat(), text);
        assert!(lines.iter().all(|l| l.chars().count() <= 5));
        for l in &lines {
            assert!(f.text_width(l, 10.0) <= 55.01);
        }
    }

    #[test]
    fn numbers_and_words_are_not_split() {
        let f = font();
        let text = "身份证号34102419810412011X，金额1,234.56元";
        let w = f.text_width("身份证号34102419810412011X，", 10.0);
        let lines = wrap(&f, text, 10.0, w - 5.0, w - 5.0);
        assert!(lines.iter().any(|l| l.contains("34102419810412011X")));
        assert!(lines.iter().any(|l| l.contains("1,234.56")));
        assert_eq!(lines.concat(), text);
    }

    #[test]
    fn kinsoku_keeps_punctuation_attached() {
        let f = font();
        // Width of exactly four ideographs: "甲乙丙丁" fits, "，" must not
        // start the next line.
        let lines = wrap(&f, "甲乙丙丁，戊己（庚）", 10.0, 40.0, 40.0);
        assert!(lines
            .iter()
            .all(|l| !l.starts_with('，') && !l.starts_with('）')));
        assert!(lines.iter().all(|l| !l.ends_with('（')));
        assert_eq!(lines.concat(), "甲乙丙丁，戊己（庚）");
    }

    #[test]
    fn overlong_word_is_split_not_lost() {
        let f = font();
        let word = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let lines = wrap(&f, word, 10.0, 30.0, 30.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
        for l in &lines {
            assert!(f.text_width(l, 10.0) <= 30.01);
        }
    }

    #[test]
    fn newlines_and_spaces() {
        let f = font();
        let lines = wrap(&f, "a b\n\nc\td", 10.0, 500.0, 500.0);
        assert_eq!(lines, vec!["a b", "", "c d"]);
        let lines = wrap(&f, "", 10.0, 100.0, 100.0);
        assert_eq!(lines, vec![""]);
        let lines = wrap(&f, "hello world", 10.0, 30.0, 30.0);
        assert_eq!(lines, vec!["hello", "world"]);
    }

    #[test]
    fn first_line_can_be_narrower() {
        let f = font();
        let lines = wrap(&f, "一二三四五六七八九十", 10.0, 30.0, 50.0);
        assert_eq!(lines[0], "一二三");
        assert_eq!(lines[1], "四五六七八");
    }
}
