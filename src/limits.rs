//! What the program accepts from outside: the size of a file before it is
//! read, the number of rows in a roster, and the length and characters of
//! every text a household carries. A name of five megabytes, a million-row
//! roster, a NUL, a terminal escape or a right-to-left override (which makes
//! `exe.pdf` read as `fdp.exe`) never reaches the store, a printed page, a
//! terminal or a spreadsheet.

use std::io::Read;
use std::path::Path;

use crate::model::Household;

/// Largest household file (`bangfu.household.v1`) read: 100,000 households
/// take about 94 MB.
pub const MAX_HOUSEHOLD_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Largest roster file read (a county's roster of tens of thousands of rows
/// is a few megabytes).
pub const MAX_ROSTER_BYTES: u64 = 32 * 1024 * 1024;
/// Most rows a roster may have.
pub const MAX_ROSTER_ROWS: usize = 200_000;

/// How long a text of each kind may be, in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A person's name, a relation, a code, a village, a 组.
    Short,
    /// A telephone number or an ID or certificate number.
    Number,
    /// An address, a caption.
    Line,
    /// A note: findings, a health note, a description.
    Note,
}

impl TextKind {
    /// The most characters allowed.
    pub fn max_chars(self) -> usize {
        match self {
            TextKind::Short => 50,
            TextKind::Number => 40,
            TextKind::Line => 200,
            TextKind::Note => 4000,
        }
    }
}

/// What is wrong with a text, in words that follow the field's name; `None`
/// when it is fine. Line breaks are allowed in notes only.
pub fn text_problem(text: &str, kind: TextKind) -> Option<String> {
    let n = text.chars().count();
    if n > kind.max_chars() {
        return Some(format!("太长：有 {n} 个字，最多 {} 个", kind.max_chars()));
    }
    let line_break_ok = |c: char| kind == TextKind::Note && matches!(c, '\n' | '\r' | '\t');
    if let Some(c) = text.chars().find(|&c| c.is_control() && !line_break_ok(c)) {
        return Some(format!(
            "含有不可见的控制字符（U+{:04X}），请删除后重新输入",
            u32::from(c)
        ));
    }
    if let Some(c) = text.chars().find(|&c| is_bidi_control(c)) {
        return Some(format!(
            "含有改变文字方向的隐藏字符（U+{:04X}），可能被用来伪装内容，请删除后重新输入",
            u32::from(c)
        ));
    }
    None
}

/// What is wrong with a household's file number (户编号), which also names
/// its files: letters (Chinese too), digits, `-`, `_` and `.` only, not
/// starting with `.`.
pub fn code_problem(code: &str) -> Option<String> {
    let bad = code
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')));
    if let Some(c) = bad {
        return Some(format!(
            "户编号只能由文字、数字和 - _ . 组成，不能含有“{}”",
            c.escape_default()
        ));
    }
    code.starts_with('.')
        .then(|| "户编号不能以 . 开头".to_owned())
}

/// Unicode's bidirectional embedding, override and isolate controls, and
/// the directional marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Every text of a household that breaks [`text_problem`]: the member it
/// belongs to (index), the field, and the problem.
pub fn household_text_problems(h: &Household) -> Vec<(Option<usize>, &'static str, String)> {
    let mut out = Vec::new();
    let mut check = |member: Option<usize>, field: &'static str, text: &str, kind: TextKind| {
        if let Some(problem) = text_problem(text, kind) {
            out.push((member, field, problem));
        }
    };
    check(None, "id", &h.id, TextKind::Short);
    check(None, "region_code", &h.region_code, TextKind::Number);
    check(None, "village", &h.village, TextKind::Short);
    for (field, value, kind) in [
        ("group", &h.group, TextKind::Short),
        ("address", &h.address, TextKind::Line),
        ("phone", &h.phone, TextKind::Number),
    ] {
        if let Some(v) = value {
            check(None, field, v, kind);
        }
    }
    for tag in &h.assets.disqualifying {
        check(None, "assets.disqualifying", tag, TextKind::Short);
    }
    if let Some(e) = &h.enrollment {
        check(None, "enrollment.program", &e.program, TextKind::Short);
        if let Some(class) = &e.class {
            check(None, "enrollment.class", class, TextKind::Short);
        }
    }
    for (i, m) in h.members.iter().enumerate() {
        let at = Some(i);
        check(at, "name", &m.name, TextKind::Short);
        check(at, "relation", &m.relation, TextKind::Short);
        if let Some(id) = &m.id_number {
            check(at, "id_number", id, TextKind::Number);
        }
        if let Some(c) = m.disability.as_ref().and_then(|d| d.certificate.as_ref()) {
            check(at, "disability.certificate", c, TextKind::Number);
        }
        for s in m.supporters.iter().flatten() {
            check(at, "supporters.name", &s.name, TextKind::Short);
            check(at, "supporters.relation", &s.relation, TextKind::Short);
        }
        for tag in &m.tags {
            check(at, "tags", tag, TextKind::Short);
        }
        if let Some(note) = &m.health_note {
            check(at, "health_note", note, TextKind::Note);
        }
    }
    if let Some(problem) = code_problem(&h.id) {
        out.push((None, "id", problem));
    }
    out
}

/// Reads a file someone gave the program, refusing one larger than `limit`
/// by its size before reading it (and stopping one byte past it, should it
/// grow meanwhile). The error is a Chinese sentence without the path.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("无法读取：{e}"))?;
    if !meta.is_file() {
        return Err("不是普通文件".into());
    }
    let too_big = |size: u64| {
        format!(
            "文件有 {:.1} MB，超过上限 {} MB，未读取",
            size as f64 / 1_048_576.0,
            limit / 1_048_576
        )
    };
    if meta.len() > limit {
        return Err(too_big(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("无法读取：{e}"))?;
    if bytes.len() as u64 > limit {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads at most `limit` bytes from `path`, which may be a pipe or a
/// terminal (`/dev/stdin`), not only a regular file.
pub fn read_limited_stream(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("无法读取：{e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("超过 {limit} 字节的上限"));
    }
    Ok(bytes)
}

/// [`read_limited`], as UTF-8 text (a byte-order mark is dropped).
pub fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_limited(path, limit)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        format!(
            "不是 UTF-8 编码的文本（第 {} 个字节处无法识别），请用 UTF-8 编码另存后重试",
            e.utf8_error().valid_up_to() + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_limited_in_length_and_characters() {
        assert_eq!(text_problem("程金明", TextKind::Short), None);
        assert!(text_problem(&"名".repeat(51), TextKind::Short)
            .is_some_and(|p| p.contains("51") && p.contains("50")));
        assert!(text_problem("张\u{0}三", TextKind::Short).is_some_and(|p| p.contains("U+0000")));
        assert!(text_problem("\u{1b}[31m红", TextKind::Short).is_some_and(|p| p.contains("U+001B")));
        assert!(text_problem("王\u{202E}gpj.exe", TextKind::Short)
            .is_some_and(|p| p.contains("U+202E") && p.contains("方向")));
        assert!(text_problem("第一行\n第二行", TextKind::Short).is_some());
        assert_eq!(text_problem("第一行\n第二行", TextKind::Note), None);
    }

    #[test]
    fn files_over_the_limit_are_not_read_and_bad_utf8_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; 2048]).expect("write");
        let e = read_limited(&big, 1024).unwrap_err();
        assert!(e.contains("超过上限"), "{e}");
        assert_eq!(read_limited(&big, 4096).map(|b| b.len()), Ok(2048));
        let gbk = dir.path().join("gbk.csv");
        std::fs::write(&gbk, [b'a', 0xB3, 0xCC]).expect("write");
        let e = read_text(&gbk, 1024).unwrap_err();
        assert!(e.contains("UTF-8") && e.contains("第 2 个字节"), "{e}");
        assert!(read_limited(dir.path(), 1024)
            .unwrap_err()
            .contains("不是普通文件"));
    }
}
