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

#[cfg(test)]
mod tests {
    use super::*;

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
