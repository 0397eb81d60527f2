//! The local store: one SQLite file with versioned migrations, WAL, foreign
//! keys, and an append-only, hash-chained change log of every write.
//!
//! Every user action is one transaction ([`Store::write`]); inside it every
//! row written goes through [`changelog::Tx`], which records the change.
//!
//! The file is encrypted ([`cipher`]): opening it takes the passphrase, and an
//! unencrypted store from an earlier version is encrypted on first open.

mod attachments;
mod backup;
mod casework;
pub mod changelog;
pub mod cipher;
mod columns;
mod decisions;
mod households;
mod policies;
mod schema;
mod temp_aid;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

pub use backup::{
    backup_overdue, check_backup_file, restore, CopyInfo, LastBackup, Restored,
    BACKUP_REMINDER_DAYS,
};
pub use cipher::FileState;
pub use cipher::Passphrase;
use zeroize::Zeroizing;

pub use changelog::{LogProblem, Tx};
pub use decisions::StoredDecision;
pub use households::{HouseholdSummary, SaveOutcome};
pub use policies::{ImportedPolicy, PolicySaved, PolicySource};
/// The tables whose rows the change log tracks (and sync bundles may write).
pub use schema::LOGGED_TABLES;

/// Something went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer bangfu.
    #[error("数据库版本为 {found}，高于本程序支持的 {supported}，请升级 bangfu")]
    TooNew {
        /// Schema version in the file.
        found: i64,
        /// Newest this program knows.
        supported: i64,
    },
    /// A record asked for does not exist.
    #[error("找不到{0}")]
    NotFound(String),
    /// The data given cannot be saved, with the place and the problem.
    #[error("{0}")]
    Invalid(String),
    /// A stored JSON column could not be read.
    #[error("数据库中的记录无法解析（{place}）：{problem}")]
    Corrupt {
        /// Table and column.
        place: String,
        /// What failed.
        problem: String,
    },
    /// The passphrase does not open the file (or the file is not a bangfu store).
    #[error("口令不正确，无法打开数据库 {0}（如果口令无误，这个文件可能不是帮扶的数据库）")]
    WrongPassphrase(PathBuf),
    /// The file at the store's path is an unencrypted SQLite file: adopted
    /// only when asked ([`Store::adopt_unencrypted`]).
    #[error(
        "数据库文件 {0} 没有加密（旧版本帮扶的数据库，或别的程序放在这里的文件）。为免误用被替换的文件，不会自动采用：\
         确认它是本机原来的数据库后，运行 bangfu --db {0} encrypt 设置口令、加密并采用它"
    )]
    Unencrypted(PathBuf),
    /// A new store's passphrase is too weak: why, in Chinese.
    #[error("{0}")]
    WeakPassphrase(String),
    /// A signed policy no newer than the one held for its effective date
    /// (importing it would undo the county's later decision), described in
    /// Chinese with both versions and signing times.
    #[error("{0}")]
    OlderPolicy(String),
    /// The file could not be created or opened.
    #[error("无法打开数据库文件 {path}：{problem}")]
    Open {
        /// Path of the file.
        path: PathBuf,
        /// What failed.
        problem: String,
    },
}

/// Opens the existing encrypted store at `path` as a bare SQLite connection,
/// without migrations or checks: for looking inside a store with SQL (tests,
/// and a maintainer investigating a file).
pub fn open_connection(path: &Path, passphrase: &Passphrase) -> Result<Connection> {
    match cipher::inspect(path).map_err(|e| StoreError::Open {
        path: path.to_owned(),
        problem: e.to_string(),
    })? {
        FileState::Encrypted(salt) => Ok(open_keyed(path, passphrase, &salt)?.0),
        _ => Err(StoreError::Open {
            path: path.to_owned(),
            problem: "不是加密的帮扶数据库".into(),
        }),
    }
}

/// Opens the SQLCipher file at `path` with the key of `passphrase` and
/// `salt`, and proves the key right by reading the schema.
fn open_keyed(
    path: &Path,
    passphrase: &Passphrase,
    salt: &[u8; cipher::SALT_LEN],
) -> Result<(Connection, Zeroizing<String>)> {
    let key = cipher::key_literal(passphrase, salt).map_err(|problem| StoreError::Open {
        path: path.to_owned(),
        problem,
    })?;
    Ok((open_with_key(path, &key)?, key))
}

/// Opens the SQLCipher file at `path` with the raw `key` literal, and proves
/// the key right by reading the schema.
fn open_with_key(path: &Path, key: &str) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|e| StoreError::Open {
        path: path.to_owned(),
        problem: e.to_string(),
    })?;
    // A wrong key is our error to report, not SQLCipher's to print on stderr.
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    conn.pragma_update(None, "key", key)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(conn),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(StoreError::WrongPassphrase(path.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// SQLite's failures in words for the caseworker: what happened and what to
/// do, with SQLite's own words kept in brackets for a maintainer.
fn sqlite_message(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as Code;
    let what = match e.sqlite_error_code() {
        Some(Code::DatabaseCorrupt) => {
            "数据库文件已损坏：请从备份恢复（bangfu restore 备份文件），或联系技术支持"
        }
        Some(Code::NotADatabase) => "这个文件不是数据库，或口令不对",
        Some(Code::DatabaseBusy | Code::DatabaseLocked) => {
            "数据库正被其他程序使用（例如帮扶窗口还开着），请关闭后重试"
        }
        Some(Code::DiskFull) => "磁盘已满：请清理出空间后重试，未保存的内容没有写入",
        Some(Code::ReadOnly | Code::PermissionDenied) => {
            "没有写入数据库文件的权限：请检查文件和文件夹的权限"
        }
        Some(Code::CannotOpen) => "无法打开数据库文件：请检查路径和权限",
        Some(Code::SystemIoFailure) => "读写数据库文件时出错（可能是 U 盘被拔出或磁盘故障）",
        _ => "数据库错误",
    };
    format!("{what}（{e}）")
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Read-only access to the records of a store, through the store's own
/// connection ([`Store::records`]) or inside a write transaction
/// ([`Tx::records`], which sees what the transaction has written so far).
#[derive(Clone, Copy)]
pub struct Records<'c> {
    conn: &'c Connection,
}

/// An open store.
pub struct Store {
    conn: Connection,
    author: String,
    /// The SQLCipher key of the file (kept for backups), wiped on drop.
    key: Option<Zeroizing<String>>,
}

impl Store {
    /// Opens (creating if needed) the encrypted store at `path` with
    /// `passphrase` and brings its schema up to date. An unencrypted store is
    /// encrypted first; a wrong passphrase changes nothing.
    pub fn open(path: &Path, passphrase: &Passphrase) -> Result<Store> {
        Store::open_found(path, Store::look_at(path)?, passphrase)
    }

    /// What is at `path`: nothing yet, an unencrypted store, or an encrypted
    /// one. Callers that must know before opening (to ask for a new
    /// passphrase twice, or to refuse to create a store) look once and pass
    /// what they found to [`Store::open_found`].
    pub fn look_at(path: &Path) -> Result<FileState> {
        cipher::inspect(path).map_err(|e| StoreError::Open {
            path: path.to_owned(),
            problem: e.to_string(),
        })
    }

    /// Opens the store at `path`, which [`Store::look_at`] found as `found`.
    pub fn open_found(path: &Path, found: FileState, passphrase: &Passphrase) -> Result<Store> {
        let open_error = |problem: String| StoreError::Open {
            path: path.to_owned(),
            problem,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        }
        let salt = match found {
            FileState::New => {
                if let Some(why) = passphrase.weakness() {
                    return Err(StoreError::WeakPassphrase(why));
                }
                cipher::new_salt().map_err(|e| open_error(e.to_string()))?
            }
            // Never adopted on the way: a file planted at the store's path
            // would otherwise become the store, its log recomputed.
            FileState::Plain => return Err(StoreError::Unencrypted(path.to_owned())),
            FileState::Encrypted(salt) => salt,
        };
        let (conn, key) = open_keyed(path, passphrase, &salt)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Store::init(conn, Some(key))
    }

    /// Encrypts the unencrypted store at `path` (from a version before
    /// encryption) with `passphrase` and opens it: what the caseworker asks
    /// for explicitly (`bangfu encrypt`, or the app's 设置口令并加密), never
    /// done by [`Store::open`]. Refuses an encrypted or missing file.
    pub fn adopt_unencrypted(path: &Path, passphrase: &Passphrase) -> Result<Store> {
        match Store::look_at(path)? {
            FileState::Plain => {}
            FileState::New => {
                return Err(StoreError::Invalid(format!(
                    "{} 不存在或是空文件，没有可加密的旧数据库",
                    path.display()
                )))
            }
            FileState::Encrypted(_) => {
                return Err(StoreError::Invalid(format!(
                    "{} 已经加密，不需要再加密",
                    path.display()
                )))
            }
        }
        let salt = backup::encrypt_plain_file(path, passphrase)?;
        Store::open_found(path, FileState::Encrypted(salt), passphrase)
    }

    /// Opens a throw-away store in memory (tests, benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, key: Option<Zeroizing<String>>) -> Result<Store> {
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        let mut store = Store {
            conn,
            author: String::new(),
            key,
        };
        store.author = store.author_label()?;
        Ok(store)
    }

    /// The default store path in the platform's data directory.
    pub fn default_path() -> PathBuf {
        directories::ProjectDirs::from("cn", "bangfu", "bangfu")
            .map(|d| d.data_dir().join("bangfu.sqlite"))
            .unwrap_or_else(|| PathBuf::from("bangfu.sqlite"))
    }

    /// Runs `action` as one transaction: all of it is saved, or none.
    pub fn write<T, E: From<StoreError>>(
        &mut self,
        action: impl FnOnce(&Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let log = Tx::new(tx, &self.author).map_err(E::from)?;
        let value = action(&log)?;
        log.commit().map_err(E::from)?;
        Ok(value)
    }

    /// The store's records, for reading.
    pub fn records(&self) -> Records<'_> {
        Records { conn: &self.conn }
    }

    /// Read access to the connection (queries only).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The working-day calendar: the one imported into this store (setting
    /// `calendar_toml`), else the built-in one.
    pub fn work_calendar(&self) -> Result<crate::lifecycle::WorkCalendar> {
        match self.setting("calendar_toml")? {
            Some(text) => crate::lifecycle::WorkCalendar::from_toml(&text, "本机日历")
                .map_err(|e| StoreError::Invalid(e.to_string())),
            None => Ok(crate::lifecycle::WorkCalendar::builtin()),
        }
    }

    /// A device setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a device setting (device-local: not part of the change log).
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        self.author = self.author_label()?;
        Ok(())
    }

    /// This device's id, created on first use.
    pub fn device_id(&mut self) -> Result<String> {
        if let Some(id) = self.setting("device_id")? {
            return Ok(id);
        }
        let id = uuid::Uuid::now_v7().to_string();
        self.set_setting("device_id", &id)?;
        Ok(id)
    }

    /// Who is writing: `device/caseworker`, as recorded in the change log.
    fn author_label(&self) -> Result<String> {
        let device = self
            .setting("device_id")?
            .unwrap_or_else(|| "unregistered".into());
        let worker = self
            .setting("caseworker")?
            .unwrap_or_else(|| "未设置".into());
        Ok(format!("{device}/{worker}"))
    }

    /// Checks the change log: the hash chain, and every row against its last entry.
    pub fn verify_log(&self) -> Result<Vec<LogProblem>> {
        changelog::verify(&self.conn)
    }

    /// Number of change-log entries.
    pub fn log_len(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM change_log", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_failures_are_explained_in_chinese() {
        let failure = |code: i32| {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(code),
                None,
            ))
            .to_string()
        };
        let corrupt = failure(rusqlite::ffi::SQLITE_CORRUPT);
        assert!(
            corrupt.contains("已损坏") && corrupt.contains("bangfu restore"),
            "{corrupt}"
        );
        assert!(failure(rusqlite::ffi::SQLITE_FULL).contains("磁盘已满"));
        assert!(failure(rusqlite::ffi::SQLITE_BUSY).contains("正被其他程序使用"));
    }
}
