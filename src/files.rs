//! Writing files so that a crash, a power cut or a planted file never leaves
//! half a file, or a file somewhere else, under the name asked for.
//!
//! Every file the program writes — PDFs, bundles, acknowledgements, keys,
//! exports, backups — goes through [`write_atomically`], or for a file
//! another writer fills (a SQLite backup) through [`temp_beside`] and
//! [`commit`]: a temporary file with a random name, created exclusively in
//! the target's folder (an existing file or a symbolic link planted under
//! that name is never followed), written, flushed to disk, and renamed over
//! the target; the folder is then flushed too, so the rename survives a
//! power cut.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Who may read a file the program writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The usual permissions for new files.
    Normal,
    /// The owner only (private keys): mode 0600 on Unix.
    OwnerOnly,
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8], access: Access) -> io::Result<()> {
    let (tmp, mut file) = temp_beside(path, access)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    match written.and_then(|()| commit(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A new, empty temporary file in the folder of `target` (made if needed),
/// with a random name that no other file had: created exclusively, so an
/// existing file or link under that name is an error, never followed.
pub fn temp_beside(target: &Path, access: Access) -> io::Result<(PathBuf, File)> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("bangfu");
    // The name shows whose temporary file it is; the random part makes it unguessable.
    let short: String = name.chars().take(40).collect();
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if access == Access::OwnerOnly {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = access;
    for _ in 0..8 {
        let mut random = [0u8; 8];
        getrandom::getrandom(&mut random).map_err(io::Error::other)?;
        let tmp = dir.join(format!(".{short}.{}.tmp", hex::encode(random)));
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "无法创建临时文件：随机文件名都已被占用",
    ))
}

/// Makes the finished temporary file `tmp` durable and renames it over
/// `target`, then makes the rename durable.
pub fn commit(tmp: &Path, target: &Path) -> io::Result<()> {
    File::open(tmp)?.sync_all()?;
    std::fs::rename(tmp, target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Not every platform can open a folder to flush it (Windows cannot).
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// A file name made from data (a household code, a village name): every
/// character that could leave the folder or confuse a file system or a
/// reader — path separators, `..`, characters Windows forbids, control and
/// bidirectional-override characters — becomes `_`; leading dots and
/// trailing dots and spaces go; a Windows device name (`CON`, `COM1`, …)
/// gets a `_` in front; the name is cut to 100 characters, keeping its
/// extension. Every file name the program builds from data goes through here.
pub fn safe_file_name(name: &str) -> String {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    };
    let cleaned: String = name.chars().map(|c| if bad(c) { '_' } else { c }).collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' ']);
    let mut out: String = if trimmed.is_empty() {
        "未命名".to_owned()
    } else {
        trimmed.to_owned()
    };
    const MAX_CHARS: usize = 100;
    if out.chars().count() > MAX_CHARS {
        let ext: String = match out.rfind('.') {
            Some(i) if out.len() - i <= 8 => out[i..].to_owned(),
            _ => String::new(),
        };
        let keep = MAX_CHARS - ext.chars().count();
        out = out.chars().take(keep).collect::<String>() + &ext;
    }
    let stem = out
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if device {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_data_stay_in_their_folder() {
        assert_eq!(safe_file_name("一户一档-BY-002.pdf"), "一户一档-BY-002.pdf");
        assert_eq!(safe_file_name("../../pwned-code.pdf"), "_.._pwned-code.pdf");
        assert_eq!(safe_file_name("..\\..\\x.pdf"), "_.._x.pdf");
        assert_eq!(safe_file_name("a/b:c*?.pdf"), "a_b_c__.pdf");
        assert_eq!(safe_file_name("..."), "未命名");
        assert_eq!(safe_file_name("公示-\u{202E}fdp.exe"), "公示-_fdp.exe");
        assert_eq!(safe_file_name("x\u{0}\u{1b}[31m"), "x__[31m");
        assert_eq!(safe_file_name("CON.pdf"), "_CON.pdf");
        assert_eq!(safe_file_name("com1"), "_com1");
        assert_eq!(safe_file_name("名. "), "名");
        let long = format!("{}.pdf", "村".repeat(300));
        let cut = safe_file_name(&long);
        assert_eq!(cut.chars().count(), 100);
        assert!(cut.ends_with(".pdf"));
        for name in ["../../etc/passwd", "..", "/abs", "C:\\x"] {
            let safe = safe_file_name(name);
            assert!(
                !safe.contains('/') && !safe.contains('\\') && !safe.starts_with('.'),
                "{safe}"
            );
        }
    }

    #[test]
    fn a_file_is_replaced_whole_and_no_temporary_file_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("一户一档 BY-001.pdf");
        write_atomically(&path, b"first", Access::Normal).expect("write");
        write_atomically(&path, b"second", Access::Normal).expect("write again");
        assert_eq!(std::fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_link_is_not_followed_and_private_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").expect("victim");
        let path = dir.path().join("BY-002.pdf");
        // What an older version's fixed temporary name would have followed.
        std::os::unix::fs::symlink(&victim, dir.path().join(".BY-002.pdf.tmp")).expect("link");
        write_atomically(&path, b"pdf", Access::OwnerOnly).expect("write");
        assert_eq!(std::fs::read(&victim).expect("victim"), b"keep me");
        assert_eq!(std::fs::read(&path).expect("read"), b"pdf");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out.csv");
        write_atomically(&path, b"old", Access::Normal).expect("write");
        // A folder where the file should go: the rename fails, nothing is lost.
        let blocked = dir.path().join("folder");
        std::fs::create_dir(&blocked).expect("dir");
        std::fs::write(blocked.join("inside"), b"x").expect("inside");
        assert!(write_atomically(&blocked, b"new", Access::Normal).is_err());
        assert_eq!(std::fs::read(&path).expect("read"), b"old");
        let leftovers = std::fs::read_dir(dir.path())
            .expect("list")
            .filter(|e| {
                e.as_ref()
                    .map(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .unwrap_or(false)
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
