//! `bangfu backup` and `bangfu restore`: encrypted whole-store copies.

use std::path::Path;

use super::{unlock, CliError, CliResult};
use bangfu::store;

fn size_text(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Writes an encrypted backup of the store at `db` to `out`.
pub(super) fn backup(db: &Path, out: &Path) -> CliResult {
    if !db.exists() {
        return Err(CliError::input(format!("数据库 {} 不存在", db.display())));
    }
    let mut store = unlock::open_store(db)?;
    let info = store.backup_to(out)?;
    println!(
        "已备份到 {}：{} 户，{} 条变更记录，{}。备份文件用同一口令加密，请存放在另一处（如 U 盘）。",
        out.display(),
        info.households,
        info.log_entries,
        size_text(info.bytes)
    );
    Ok(())
}

/// Encrypts and adopts the unencrypted store at `db`.
pub(super) fn encrypt(db: &Path) -> CliResult {
    let found = store::Store::look_at(db)?;
    let passphrase = unlock::passphrase_for(db, &found)?;
    let store = store::Store::adopt_unencrypted(db, &passphrase).map_err(|e| match e {
        store::StoreError::Invalid(message) => CliError::input(message),
        other => CliError::from(other),
    })?;
    println!(
        "已加密数据库 {}：{} 户。请牢记口令，忘记口令数据无法找回。",
        db.display(),
        store.household_summaries(None)?.len()
    );
    Ok(())
}

/// Replaces the store at `db` with the backup `file`.
pub(super) fn restore(db: &Path, file: &Path) -> CliResult {
    let input_error = |e| match e {
        store::StoreError::Invalid(message) => CliError::input(message),
        other => CliError::from(other),
    };
    let salt = store::check_backup_file(file).map_err(input_error)?;
    let passphrase = unlock::passphrase_for(file, &store::FileState::Encrypted(salt))?;
    let restored = store::restore(file, db, &passphrase).map_err(input_error)?;
    println!(
        "已从 {} 恢复数据库 {}：{} 户，{} 条变更记录。",
        file.display(),
        db.display(),
        restored.info.households,
        restored.info.log_entries
    );
    if let Some(previous) = restored.previous {
        println!("原来的数据库没有删除，已改名为 {}。", previous.display());
    }
    println!(
        "注意：备份之后录入的内容不在恢复的数据库中；如果备份之后导出过同步包，请联系县里核对。"
    );
    // The keys beside the store must still belong to it.
    if bangfu::sync::identity::keys_dir(db).exists() {
        let store = store::Store::open(db, &passphrase)?;
        let problem = match bangfu::sync::device::state(&store) {
            Ok(Some(_)) => bangfu::sync::device::load(&store, db)
                .err()
                .map(|e| e.to_string()),
            Ok(None) => Some("恢复的数据库中没有设备身份（备份早于建立设备身份）".into()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(problem) = problem {
            println!(
                "警告：密钥文件夹 {} 与恢复的数据库不匹配：{problem}。同步前请把这个文件夹改名移开，运行 bangfu device init --copied-store 建立新的设备身份，并请县里重新登记。",
                bangfu::sync::identity::keys_dir(db).display()
            );
        }
    }
    Ok(())
}
