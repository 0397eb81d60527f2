//! The store's passphrase: from `BANGFU_PASSPHRASE`, or asked on the
//! terminal. With neither, the command fails at once instead of waiting.

use std::io::IsTerminal;
use std::path::Path;

use super::CliError;
use bangfu::store::cipher;
use bangfu::store::{FileState, Passphrase, Store};

/// The environment variable a script gives the passphrase in.
pub const PASSPHRASE_ENV: &str = "BANGFU_PASSPHRASE";

/// The file `--passphrase-file` named, read when a passphrase is needed.
static PASSPHRASE_FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Takes passphrases from the first line of `file` (`--passphrase-file`):
/// unlike the environment variable, it stays out of the shell's history.
pub fn read_passphrase_from(file: std::path::PathBuf) {
    let _ = PASSPHRASE_FILE.set(file);
}

/// The passphrase in the `--passphrase-file`, if one was named.
fn passphrase_from_file() -> Option<Result<Passphrase, CliError>> {
    let file = PASSPHRASE_FILE.get()?;
    let read = || -> Result<Passphrase, CliError> {
        let bytes = bangfu::limits::read_limited_stream(file, 4096)
            .map_err(|e| CliError::input(format!("口令文件 {}：{e}", file.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::input(format!("口令文件 {} 不是 UTF-8 文本", file.display())))?;
        let line = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches('\r');
        if line.is_empty() {
            return Err(CliError::input(format!(
                "口令文件 {} 的第一行是空的",
                file.display()
            )));
        }
        Ok(Passphrase::new(line.to_owned()))
    };
    Some(read())
}

/// The passphrase for the store at `db`, found as `found`. A new store (or
/// one being encrypted for the first time) asks twice on the terminal.
pub fn passphrase_for(db: &Path, found: &FileState) -> Result<Passphrase, CliError> {
    if let Some(from_file) = passphrase_from_file() {
        return from_file;
    }
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        let text = value.into_string().map_err(|_| {
            CliError::input(format!("环境变量 {PASSPHRASE_ENV} 含有无法识别的字符"))
        })?;
        if text.is_empty() {
            return Err(CliError::input(format!("环境变量 {PASSPHRASE_ENV} 为空")));
        }
        return Ok(Passphrase::new(text));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::failure(format!(
            "打开数据库 {} 需要口令：请在终端中运行以输入口令，或设置环境变量 {PASSPHRASE_ENV}",
            db.display()
        )));
    }
    let setting = !matches!(found, FileState::Encrypted(_));
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Passphrase::new)
            .map_err(|e| CliError::failure(format!("无法读取口令：{e}")))
    };
    if !setting {
        return ask(&format!("数据库 {} 的口令：", db.display()));
    }
    eprintln!(
        "为数据库 {} 设置口令（至少 {} 个字符）。请牢记：忘记口令，数据无法找回。",
        db.display(),
        cipher::MIN_NEW_PASSPHRASE_CHARS
    );
    let first = ask("新口令：")?;
    let second = ask("再输入一次：")?;
    if first.as_str() != second.as_str() {
        return Err(CliError::input("两次输入的口令不一致，数据库未改动"));
    }
    Ok(first)
}

/// Opens the existing store at `db`, getting its passphrase first. A path
/// with no store (a typo in `--db`) is an error, never a new empty store.
pub fn open_store(db: &Path) -> Result<Store, CliError> {
    let found = Store::look_at(db)?;
    if found == FileState::New {
        return Err(CliError::input(format!(
            "数据库 {} 不存在（或是空文件）：请检查 --db 给出的路径；新建数据库请用 bangfu demo、import、device init 或 county init",
            db.display()
        )));
    }
    let passphrase = passphrase_for(db, &found)?;
    Ok(Store::open_found(db, found, &passphrase)?)
}

/// Opens the store at `db`, creating it when there is none: for the
/// commands that start a store (demo, import, settings, device and county
/// init).
pub fn open_or_create(db: &Path) -> Result<Store, CliError> {
    let found = Store::look_at(db)?;
    let passphrase = passphrase_for(db, &found)?;
    Ok(Store::open_found(db, found, &passphrase)?)
}
