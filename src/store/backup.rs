//! Whole-file copies of the store: encrypting an old unencrypted store in
//! place, backups (SQLite's online backup into a new encrypted file) and
//! restoring one. Each writes a temporary file beside its target, syncs it
//! and renames it into place, so a crash leaves the old file or the new one.

use crate::files;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::cipher::{self, FileState, Passphrase, SALT_LEN};
use super::{changelog, open_keyed, open_with_key, Result, Store, StoreError};

/// `settings` key of the last backup (JSON [`LastBackup`]).
pub const LAST_BACKUP_SETTING: &str = "backup.last";

/// Where and when the last backup was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastBackup {
    /// The backup file.
    pub path: String,
    /// When it was written (local time, RFC 3339).
    pub at: String,
}

/// Days without a backup after which the caseworker is reminded.
pub const BACKUP_REMINDER_DAYS: i64 = 7;

impl LastBackup {
    /// The day it was written, if the stored time reads.
    pub fn date(&self) -> Option<chrono::NaiveDate> {
        chrono::DateTime::parse_from_rfc3339(&self.at)
            .ok()
            .map(|t| t.date_naive())
    }
}

/// Whether a reminder to back up is due on `today`: never backed up, or
/// more than [`BACKUP_REMINDER_DAYS`] ago.
pub fn backup_overdue(last: Option<&LastBackup>, today: chrono::NaiveDate) -> bool {
    match last.and_then(LastBackup::date) {
        None => true,
        Some(day) => (today - day).num_days() > BACKUP_REMINDER_DAYS,
    }
}

/// What a backup or a restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInfo {
    /// Households in the copy.
    pub households: i64,
    /// Change-log entries in the copy.
    pub log_entries: i64,
    /// Bytes of the file.
    pub bytes: u64,
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// What the restored store holds.
    pub info: CopyInfo,
    /// Where the store that was replaced now is (its files renamed, not deleted).
    pub previous: Option<PathBuf>,
}

fn io_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Open {
        path: path.to_owned(),
        problem: e.to_string(),
    }
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn path_text(path: &Path) -> Result<&str> {
    path.to_str().ok_or_else(|| StoreError::Open {
        path: path.to_owned(),
        problem: "路径含有无法识别的字符".into(),
    })
}

/// A new temporary file beside `target` (see [`crate::files`]), empty: the
/// copy is written into it, then [`commit`]ted over `target`.
fn temp_beside(target: &Path) -> Result<(PathBuf, std::fs::File)> {
    files::temp_beside(target, files::Access::Normal).map_err(|e| io_error(target, e))
}

/// Makes the finished temporary file durable and moves it to `target`.
fn commit(tmp: &Path, target: &Path) -> Result<()> {
    files::commit(tmp, target).map_err(|e| io_error(target, e))
}

/// Refuses to go on while `<db>-wal` still holds pages (another program has
/// the file open); removes an empty one and the shared-memory file.
fn clear_side_files(db: &Path) -> Result<()> {
    let wal = with_suffix(db, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Invalid(format!(
            "数据库 {} 正被其他程序使用，请先关闭帮扶的其他窗口再试",
            db.display()
        )));
    }
    for side in [wal, with_suffix(db, "-shm")] {
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_error(&side, e)),
            _ => {}
        }
    }
    Ok(())
}

/// Encrypts the unencrypted store at `path` in place with `passphrase` and
/// returns the new file's salt.
pub(super) fn encrypt_plain_file(path: &Path, passphrase: &Passphrase) -> Result<[u8; SALT_LEN]> {
    if let Some(why) = passphrase.weakness() {
        return Err(StoreError::WeakPassphrase(why));
    }
    let salt = cipher::new_salt().map_err(|e| io_error(path, e))?;
    let key = cipher::key_literal(passphrase, &salt).map_err(StoreError::Invalid)?;
    let (tmp, _) = temp_beside(path)?;
    let encrypted = (|| -> Result<()> {
        let conn = Connection::open(path).map_err(|e| io_error_sqlite(path, e))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let bangfu_tables: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('households', 'change_log', 'settings')",
            [],
            |r| r.get(0),
        )?;
        if version < 1 || bangfu_tables < 3 {
            return Err(StoreError::Invalid(format!(
                "{} 是一个未加密的 SQLite 数据库，但不是帮扶的数据库；为免损坏别的程序的数据，没有改动它。请检查 --db 给出的路径",
                path.display()
            )));
        }
        // Fold the write-ahead log into the file so the copy sees every commit.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            [path_text(&tmp)?, key.as_str()],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.execute_batch(&format!(
            "PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"
        ))?;
        drop(conn);
        clear_side_files(path)?;
        commit(&tmp, path)
    })();
    if encrypted.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    encrypted.map(|()| salt)
}

fn io_error_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Open {
        path: path.to_owned(),
        problem: e.to_string(),
    }
}

/// Counts what a store connection holds.
fn copy_info(conn: &Connection, path: &Path) -> Result<CopyInfo> {
    Ok(CopyInfo {
        households: conn.query_row("SELECT count(*) FROM households", [], |r| r.get(0))?,
        log_entries: conn.query_row("SELECT count(*) FROM change_log", [], |r| r.get(0))?,
        bytes: std::fs::metadata(path)
            .map_err(|e| io_error(path, e))?
            .len(),
    })
}

/// Checks a copy: SQLite's integrity check, then the change log's chain and rows.
fn check_copy(conn: &Connection, path: &Path) -> Result<()> {
    let integrity: String = conn.query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))?;
    if integrity != "ok" {
        let first = integrity.lines().next().unwrap_or_default();
        return Err(StoreError::Invalid(format!(
            "备份文件 {} 已损坏（SQLite 完整性检查：{first}）",
            path.display()
        )));
    }
    let problems = changelog::verify(conn)?;
    if let Some(first) = problems.first() {
        return Err(StoreError::Invalid(format!(
            "备份文件 {} 的变更日志校验发现 {} 处问题，例如：{first}",
            path.display(),
            problems.len()
        )));
    }
    Ok(())
}

impl Store {
    /// Writes an encrypted copy of the store to `out` with SQLite's online
    /// backup (same passphrase), checks it, and records it as the last backup.
    /// Refuses to overwrite an existing file.
    pub fn backup_to(&mut self, out: &Path) -> Result<CopyInfo> {
        let Some(key) = self.key.clone() else {
            return Err(StoreError::Invalid("内存中的数据库不能备份".into()));
        };
        if out.exists() {
            return Err(StoreError::Invalid(format!(
                "备份文件 {} 已存在；请换一个文件名",
                out.display()
            )));
        }
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        }
        let (tmp, _) = temp_beside(out)?;
        let result = (|| -> Result<CopyInfo> {
            let mut copy = Connection::open(&tmp).map_err(|e| io_error_sqlite(&tmp, e))?;
            copy.pragma_update(None, "key", key.as_str())?;
            {
                let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
                backup.run_to_completion(1024, std::time::Duration::ZERO, None)?;
            }
            check_copy(&copy, out)?;
            let info = copy_info(&copy, &tmp)?;
            drop(copy);
            commit(&tmp, out)?;
            Ok(info)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        let info = result?;
        let last = LastBackup {
            path: out.display().to_string(),
            at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        };
        let json = serde_json::to_string(&last).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.set_setting(LAST_BACKUP_SETTING, &json)?;
        Ok(info)
    }

    /// Opens a copy of this store (a backup, or the file copied) with the key
    /// this store was opened with, without running Argon2id again.
    pub fn open_copy(&self, path: &Path) -> Result<Store> {
        let Some(key) = self.key.clone() else {
            return Err(StoreError::Invalid("内存中的数据库没有副本".into()));
        };
        let conn = open_with_key(path, &key)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Store::init(conn, Some(key))
    }

    /// The last backup written from this store, if any.
    pub fn last_backup(&self) -> Result<Option<LastBackup>> {
        match self.setting(LAST_BACKUP_SETTING)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    place: format!("settings.{LAST_BACKUP_SETTING}"),
                    problem: e.to_string(),
                }),
        }
    }
}

/// Replaces the store at `db` with the backup `file`, after checking that
/// `passphrase` opens the backup and that it is whole. The replaced store's
/// files are renamed to `<db>.before-restore-<time>`, never deleted.
pub fn restore(file: &Path, db: &Path, passphrase: &Passphrase) -> Result<Restored> {
    let salt = check_backup_file(file)?;
    {
        let (conn, _) = open_keyed(file, passphrase, &salt)?;
        check_copy(&conn, file)?;
    }
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    if std::fs::metadata(with_suffix(db, "-wal")).is_ok_and(|m| m.len() > 0) {
        return Err(StoreError::Invalid(format!(
            "数据库 {} 正被其他程序使用（例如帮扶窗口还开着），请先关闭再恢复",
            db.display()
        )));
    }
    let (tmp, mut copy) = temp_beside(db)?;
    let copied = std::fs::File::open(file)
        .and_then(|mut from| std::io::copy(&mut from, &mut copy))
        .map_err(|e| io_error(file, e));
    drop(copy);
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let previous = if db.exists() {
        let aside = unused_aside_name(db);
        // The write-ahead log travels with its file, so the old store stays whole.
        for side in ["-wal", "-shm"] {
            let from = with_suffix(db, side);
            if from.exists() {
                let to = with_suffix(&aside, side);
                std::fs::rename(&from, &to).map_err(|e| io_error(&from, e))?;
            }
        }
        std::fs::rename(db, &aside).map_err(|e| io_error(db, e))?;
        Some(aside)
    } else {
        None
    };
    commit(&tmp, db)?;
    let store = Store::open(db, passphrase)?;
    let info = copy_info(&store.conn, db)?;
    Ok(Restored { info, previous })
}

/// `<db>.before-restore-<time>`, with `-2`, `-3`… added while that name (or
/// its side files) is taken, so no earlier set-aside store is ever replaced.
fn unused_aside_name(db: &Path) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let base = with_suffix(db, &format!(".before-restore-{stamp}"));
    let taken = |p: &Path| {
        ["", "-wal", "-shm"]
            .iter()
            .any(|s| with_suffix(p, s).exists())
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while taken(&candidate) {
        n += 1;
        candidate = with_suffix(&base, &format!("-{n}"));
    }
    candidate
}

/// Checks that `file` looks like a backup (an encrypted store) before any
/// passphrase is asked for, and returns its salt.
pub fn check_backup_file(file: &Path) -> Result<[u8; SALT_LEN]> {
    match cipher::inspect(file).map_err(|e| io_error(file, e))? {
        FileState::Encrypted(salt) => Ok(salt),
        FileState::New => Err(StoreError::Invalid(format!(
            "备份文件 {} 不存在或是空文件",
            file.display()
        ))),
        FileState::Plain => Err(StoreError::Invalid(format!(
            "{} 是未加密的数据库，不是帮扶的备份文件",
            file.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_after_a_week_or_when_never_backed_up() {
        let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        let at = |t: &str| LastBackup {
            path: "b.sqlite".into(),
            at: t.into(),
        };
        assert!(backup_overdue(None, day("2026-11-29")));
        let last = at("2026-11-22T18:00:00+08:00");
        assert!(!backup_overdue(Some(&last), day("2026-11-29")));
        assert!(backup_overdue(Some(&last), day("2026-11-30")));
        assert!(backup_overdue(Some(&at("garbled")), day("2026-11-29")));
    }
}
