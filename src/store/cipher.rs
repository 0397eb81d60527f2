//! Encryption at rest: the store file is a SQLCipher database whose key is
//! derived with Argon2id from the caseworker's passphrase.
//!
//! SQLCipher keeps a random 16-byte salt in the clear at the start of the
//! file. bangfu uses that same salt for Argon2id and hands SQLCipher the
//! derived 256-bit key as a raw key (`x'<key><salt>'`), so SQLCipher's own
//! PBKDF2 is skipped and nothing but the file itself is needed to open it.

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

/// Bytes of salt at the start of an encrypted file.
pub const SALT_LEN: usize = 16;

/// Fewest characters a new store's passphrase may have.
pub const MIN_NEW_PASSPHRASE_CHARS: usize = 8;

/// Argon2id cost: 64 MiB, 3 passes, 1 lane (RFC 9106's second recommended
/// setting, with one lane because a field laptop may have two slow cores).
const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
const ARGON2_PASSES: u32 = 3;
const ARGON2_LANES: u32 = 1;

/// The header of an unencrypted SQLite file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// A passphrase, wiped from memory when dropped.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

impl Passphrase {
    /// Wraps a passphrase (trailing line breaks, as a terminal or a file leaves them, removed).
    pub fn new(text: impl Into<String>) -> Passphrase {
        let mut text = text.into();
        while text.ends_with(['\n', '\r']) {
            text.pop();
        }
        Passphrase(Zeroizing::new(text))
    }

    /// Whether it may protect a new store (see [`Passphrase::weakness`]).
    pub fn strong_enough(&self) -> bool {
        self.weakness().is_none()
    }

    /// Why it is too weak for a new store, in Chinese; `None` when it will
    /// do. A passphrase is all that protects a lost laptop's data, so eight
    /// characters are not enough when they are spaces, one character
    /// repeated, or a run such as `12345678`.
    pub fn weakness(&self) -> Option<String> {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < MIN_NEW_PASSPHRASE_CHARS {
            return Some(format!(
                "口令太短：新数据库的口令至少要 {MIN_NEW_PASSPHRASE_CHARS} 个字符"
            ));
        }
        if self.0.trim().is_empty() {
            return Some("口令不能全是空格".into());
        }
        let mut distinct = chars.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 4 {
            return Some(
                "口令太简单：重复的字符太多（如 88888888），请换一个别人猜不到的口令".into(),
            );
        }
        let steps: Vec<i64> = chars
            .windows(2)
            .map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0])))
            .collect();
        if chars.iter().all(char::is_ascii_alphanumeric)
            && (steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1))
        {
            return Some(
                "口令太简单：不能是 12345678、abcdefgh 这样的连续字符，请换一个别人猜不到的口令"
                    .into(),
            );
        }
        None
    }

    /// The passphrase's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// What a store path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// No file, or an empty one: a new store.
    New,
    /// An unencrypted SQLite file (from before encryption, or another tool).
    Plain,
    /// An encrypted store, with the salt from its first bytes.
    Encrypted([u8; SALT_LEN]),
}

/// Looks at the first bytes of `path`.
pub fn inspect(path: &Path) -> std::io::Result<FileState> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::New),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(match filled {
        0 => FileState::New,
        16 if &head == PLAIN_HEADER => FileState::Plain,
        16 => FileState::Encrypted(head),
        _ => FileState::Encrypted([0; SALT_LEN]),
    })
}

/// A fresh random salt.
pub fn new_salt() -> std::io::Result<[u8; SALT_LEN]> {
    let mut salt = [0u8; SALT_LEN];
    getrandom::getrandom(&mut salt).map_err(std::io::Error::other)?;
    Ok(salt)
}

/// The value for `PRAGMA key`: the Argon2id key of `passphrase` with `salt`,
/// and the salt, as SQLCipher's raw-key literal.
pub fn key_literal(
    passphrase: &Passphrase,
    salt: &[u8; SALT_LEN],
) -> Result<Zeroizing<String>, String> {
    let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(32))
        .map_err(|e| e.to_string())?;
    let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    kdf.hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| e.to_string())?;
    Ok(Zeroizing::new(format!(
        "x'{}{}'",
        hex::encode(&key[..]),
        hex::encode(salt)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_depends_on_passphrase_and_salt() {
        let a = key_literal(&Passphrase::new("村里的口令2026"), &[1; SALT_LEN]).unwrap();
        let b = key_literal(&Passphrase::new("村里的口令2027"), &[1; SALT_LEN]).unwrap();
        let c = key_literal(&Passphrase::new("村里的口令2026"), &[2; SALT_LEN]).unwrap();
        let again = key_literal(&Passphrase::new("村里的口令2026\n"), &[1; SALT_LEN]).unwrap();
        assert_eq!(*a, *again);
        assert_ne!(*a, *b);
        assert_ne!(*a, *c);
        assert_eq!(a.len(), 2 + 64 + 32 + 1);
        assert!(a.ends_with(&format!("{}'", hex::encode([1u8; SALT_LEN]))));
    }

    #[test]
    fn inspect_tells_new_plain_and_encrypted_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        assert_eq!(inspect(&path).unwrap(), FileState::New);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(inspect(&path).unwrap(), FileState::New);
        std::fs::write(&path, b"SQLite format 3\0rest").unwrap();
        assert_eq!(inspect(&path).unwrap(), FileState::Plain);
        std::fs::write(&path, [7u8; 40]).unwrap();
        assert_eq!(inspect(&path).unwrap(), FileState::Encrypted([7; SALT_LEN]));
    }

    #[test]
    fn short_passphrases_are_refused_for_new_stores() {
        assert!(!Passphrase::new("1234567").strong_enough());
        assert!(Passphrase::new("村里的口令二〇二六").strong_enough());
        for weak in [
            "        ",
            "88888888",
            "口令口令口令口令",
            "12345678",
            "87654321",
            "abcdefghij",
        ] {
            assert!(Passphrase::new(weak).weakness().is_some(), "{weak:?}");
        }
        assert!(Passphrase::new("1234567")
            .weakness()
            .is_some_and(|w| w.contains("太短")));
    }
}
