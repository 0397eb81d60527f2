//! Keys and key files: each side (a device, the county) has an Ed25519 key
//! pair for signing, kept in minisign's own file formats, and an X25519 key
//! pair for receiving encrypted files, kept in age's identity file format.
//!
//! The files live in a folder beside the store, `<store file>.keys/` (for
//! example `bangfu.sqlite.keys/`), mode 0700:
//!
//! | file | content | mode |
//! |---|---|---|
//! | `device.key` / `county.key` | minisign secret key, sealed | 0600 |
//! | `device.pub` / `county.pub` | minisign public key | 0644 |
//! | `device.age` / `county.age` | age X25519 identity (`AGE-SECRET-KEY-1…`), sealed | 0600 |
//!
//! The private key files are sealed (XChaCha20-Poly1305) with a random key
//! kept inside the encrypted store ([`SealKey`]), so they are exactly as safe
//! as the store's passphrase, and useless copied without it. Once opened they
//! are the standard formats: `minisign -V -p device.pub -m manifest.json`
//! checks a bundle's signature. A private key file that others can read is
//! refused, as ssh does.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use chacha20poly1305::aead::{Aead, KeyInit};
use zeroize::Zeroizing;

use super::{io_error, Result, SyncError};
use crate::store::Store;

/// The untrusted comment of every signature bangfu writes (checked on reading:
/// minisign does not sign this line, so bangfu insists on its exact text).
pub const UNTRUSTED_COMMENT: &str = "bangfu signature";

/// Largest key file read.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The folder of key files for the store at `db`: `<db>.keys`.
pub fn keys_dir(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".keys");
    PathBuf::from(name)
}

/// `settings` key of the store's [`SealKey`] (device-local, never synced).
const SEAL_SETTING: &str = "keys.seal";

/// First line of a sealed private key file.
const SEALED_HEADER: &str = "bangfu sealed key v1";

/// The key that seals the private key files beside a store; it lives in the
/// store's encrypted `settings`.
pub struct SealKey(Zeroizing<[u8; 32]>);

impl SealKey {
    /// The store's seal key, if it has one.
    pub fn of_store(store: &Store) -> Result<Option<SealKey>> {
        let Some(text) = store.setting(SEAL_SETTING)? else {
            return Ok(None);
        };
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), key.as_mut())
            .map_err(|e| SyncError::Setup(format!("数据库中的密钥封存码已损坏：{e}")))?;
        Ok(Some(SealKey(key)))
    }

    /// The store's seal key, made on first use.
    pub fn ensure(store: &mut Store) -> Result<SealKey> {
        if let Some(key) = SealKey::of_store(store)? {
            return Ok(key);
        }
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(key.as_mut())
            .map_err(|e| SyncError::Setup(format!("无法生成随机数：{e}")))?;
        store.set_setting(SEAL_SETTING, &hex::encode(&key[..]))?;
        Ok(SealKey(key))
    }

    fn cipher(&self) -> chacha20poly1305::XChaCha20Poly1305 {
        let key: &[u8; 32] = &self.0;
        chacha20poly1305::XChaCha20Poly1305::new(key.into())
    }

    fn seal(&self, text: &str) -> Result<String> {
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| SyncError::Setup(format!("无法生成随机数：{e}")))?;
        let sealed = self
            .cipher()
            .encrypt((&nonce).into(), text.as_bytes())
            .map_err(|_| SyncError::Setup("无法封存私钥".into()))?;
        Ok(format!(
            "{SEALED_HEADER}\n{}{}\n",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    fn open(&self, text: &str, path: &Path) -> Result<Zeroizing<String>> {
        let bad = || {
            SyncError::Setup(format!(
                "私钥文件 {} 无法用本数据库解封：它属于另一个数据库，或已被改动",
                path.display()
            ))
        };
        let body = text
            .strip_prefix(SEALED_HEADER)
            .map(str::trim)
            .ok_or_else(bad)?;
        let bytes = hex::decode(body).map_err(|_| bad())?;
        if bytes.len() < 24 {
            return Err(bad());
        }
        let (nonce, sealed) = bytes.split_at(24);
        let plain = self
            .cipher()
            .decrypt(nonce.into(), sealed)
            .map_err(|_| bad())?;
        String::from_utf8(plain)
            .map(Zeroizing::new)
            .map_err(|_| bad())
    }
}

/// Reads a private key file and unseals it; an unsealed file from an
/// earlier version is read as it is and, when `seal` is given, sealed now.
fn read_key_file(path: &Path, seal: Option<&SealKey>) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(read_private(path)?);
    match seal {
        _ if !text.starts_with(SEALED_HEADER) => {
            if let Some(seal) = seal {
                let sealed = seal.seal(&text)?;
                super::write_file(path, sealed.as_bytes(), crate::files::Access::OwnerOnly)?;
            }
            Ok(text)
        }
        Some(seal) => seal.open(&text, path),
        None => Err(SyncError::Setup(format!(
            "私钥文件 {} 已封存，但本数据库中没有解封它的密钥：这个密钥文件夹不属于本数据库",
            path.display()
        ))),
    }
}

/// A public signing key (minisign, Ed25519).
#[derive(Clone)]
pub struct PublicKey(minisign::PublicKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// From the one-line base64 form (`RWQ…`, as in a `.pub` file's second line).
    pub fn from_base64(text: &str) -> Result<PublicKey> {
        minisign::PublicKey::from_base64(text.trim())
            .map(PublicKey)
            .map_err(|e| SyncError::Invalid(format!("公钥“{text}”格式错误：{e}")))
    }

    /// The one-line base64 form.
    pub fn to_base64(&self) -> String {
        self.0.to_base64()
    }

    /// minisign's key id: 16 hexadecimal digits, as `minisign` prints it.
    pub fn key_id(&self) -> String {
        key_id(self.0.keynum())
    }

    /// The content of a minisign `.pub` file.
    pub fn to_file_text(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.key_id(),
            self.to_base64()
        )
    }

    /// Checks `signature` (the text of a `.minisig` file bangfu wrote) over `data`.
    ///
    /// Returns the problem in words on failure.
    pub fn verify(&self, data: &[u8], signature: &str) -> std::result::Result<(), String> {
        let sig = minisign::SignatureBox::from_string(signature)
            .map_err(|e| format!("签名文件格式错误（{e}）"))?;
        if sig.to_string() != signature {
            return Err("签名文件不是规范格式（被改动）".into());
        }
        // The two signature lines must be the base64 of 74 and 64 bytes
        // (minisign's verifier would slice a shorter one out of bounds).
        let lines: Vec<&str> = signature.lines().collect();
        if lines.len() != 4 || lines[1].len() != 100 || lines[3].len() != 88 {
            return Err("签名文件的签名行长度不对（被改动）".into());
        }
        if sig.untrusted_comment().ok().as_deref() != Some(UNTRUSTED_COMMENT) {
            return Err("签名文件的注释行被改动".into());
        }
        if !sig.is_prehashed() {
            return Err("签名算法不是 minisign 的预哈希 Ed25519".into());
        }
        if sig.keynum() != self.0.keynum() {
            return Err(format!(
                "签名所用的密钥 {} 不是应有的密钥 {}",
                key_id(sig.keynum()),
                self.key_id()
            ));
        }
        minisign::verify(
            &self.0,
            &sig,
            std::io::Cursor::new(data),
            true,
            false,
            false,
        )
        .map_err(|_| "签名与内容不符：文件被改动，或不是由该密钥签发".to_owned())
    }
}

fn key_id(keynum: &[u8]) -> String {
    let mut bytes = [0u8; 8];
    let n = keynum.len().min(8);
    bytes[..n].copy_from_slice(&keynum[..n]);
    format!("{:016X}", u64::from_le_bytes(bytes))
}

/// A signing key pair.
#[derive(Clone)]
pub struct SigningKey {
    public: PublicKey,
    secret: minisign::SecretKey,
}

impl SigningKey {
    /// A new random key pair.
    pub fn generate() -> Result<SigningKey> {
        let kp = minisign::KeyPair::generate_unencrypted_keypair()
            .map_err(|e| SyncError::Setup(format!("无法生成签名密钥：{e}")))?;
        Ok(SigningKey {
            public: PublicKey(kp.pk),
            secret: kp.sk,
        })
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `data`, returning the `.minisig` file text. `trusted_comment`
    /// (one line) is signed too and shown by `minisign -V`.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> Result<String> {
        let comment = trusted_comment.replace(['\n', '\r'], " ");
        minisign::sign(
            Some(&self.public.0),
            &self.secret,
            std::io::Cursor::new(data),
            Some(&comment),
            Some(UNTRUSTED_COMMENT),
        )
        .map(|b| b.into_string())
        .map_err(|e| SyncError::Setup(format!("签名失败：{e}")))
    }

    fn secret_file_text(&self) -> Result<String> {
        self.secret
            .to_box(Some(
                "minisign secret key (bangfu; the file is sealed by its store)",
            ))
            .map(|b| b.into_string())
            .map_err(|e| SyncError::Setup(format!("无法保存签名私钥：{e}")))
    }

    fn from_secret_file_text(text: &str, path: &Path) -> Result<SigningKey> {
        let bad =
            |e: String| SyncError::Setup(format!("私钥文件 {} 无法读取：{e}", path.display()));
        let secret = minisign::SecretKey::from_unencrypted_box(
            minisign::SecretKeyBox::from_string(text).map_err(|e| bad(e.to_string()))?,
        )
        .map_err(|e| bad(e.to_string()))?;
        let public =
            minisign::PublicKey::from_secret_key(&secret).map_err(|e| bad(e.to_string()))?;
        Ok(SigningKey {
            public: PublicKey(public),
            secret,
        })
    }
}

/// The keys of one side: signing (minisign) and receiving (age).
#[derive(Clone)]
pub struct KeySet {
    /// Signs what this side sends.
    pub signing: SigningKey,
    /// Decrypts what is sent to this side.
    pub age: age::x25519::Identity,
}

impl KeySet {
    /// The age recipient (`age1…`) others encrypt to.
    pub fn recipient(&self) -> String {
        self.age.to_public().to_string()
    }

    /// Creates new keys and writes them to `dir` as `<prefix>.key`,
    /// `<prefix>.pub` and `<prefix>.age`, the private ones sealed with `seal`;
    /// refuses to overwrite existing files.
    pub fn create(dir: &Path, prefix: &str, seal: &SealKey) -> Result<KeySet> {
        create_private_dir(dir)?;
        let keys = KeySet {
            signing: SigningKey::generate()?,
            age: age::x25519::Identity::generate(),
        };
        let age_text = format!(
            "# created: {}\n# public key: {}\n{}\n",
            super::now(),
            keys.recipient(),
            keys.age.to_string().expose_secret()
        );
        write_private(
            &dir.join(format!("{prefix}.key")),
            &seal.seal(&keys.signing.secret_file_text()?)?,
        )?;
        write_private(&dir.join(format!("{prefix}.age")), &seal.seal(&age_text)?)?;
        super::write_file(
            &dir.join(format!("{prefix}.pub")),
            keys.signing.public().to_file_text().as_bytes(),
            crate::files::Access::Normal,
        )?;
        Ok(keys)
    }

    /// True if `dir` holds any key file with this prefix.
    pub fn exists(dir: &Path, prefix: &str) -> bool {
        ["key", "age"]
            .iter()
            .any(|ext| dir.join(format!("{prefix}.{ext}")).exists())
    }

    /// Loads the keys written by [`KeySet::create`], unsealing them with `seal`.
    pub fn load(dir: &Path, prefix: &str, seal: Option<&SealKey>) -> Result<KeySet> {
        let key_path = dir.join(format!("{prefix}.key"));
        let age_path = dir.join(format!("{prefix}.age"));
        let signing =
            SigningKey::from_secret_file_text(&read_key_file(&key_path, seal)?, &key_path)?;
        let age_text = read_key_file(&age_path, seal)?;
        let line = age_text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let age = age::x25519::Identity::from_str(line).map_err(|e| {
            SyncError::Setup(format!("私钥文件 {} 无法读取：{e}", age_path.display()))
        })?;
        Ok(KeySet { signing, age })
    }
}

/// Parses an age recipient (`age1…`).
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient> {
    age::x25519::Recipient::from_str(text.trim())
        .map_err(|e| SyncError::Invalid(format!("加密公钥“{text}”格式错误：{e}")))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_error(dir, e))?;
    }
    Ok(())
}

/// Creates `path` readable and writable by its owner only; fails if it exists.
fn write_private(path: &Path, text: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| io_error(path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| io_error(path, e))
}

/// Reads a private key file, refusing one that others can read.
fn read_private(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| SyncError::Setup(format!("找不到私钥文件 {}：{e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SyncError::Setup(format!(
                "私钥文件 {} 的权限为 {mode:04o}，其他用户可以读取；请执行 chmod 600 {} 后重试",
                path.display(),
                path.display()
            )));
        }
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(SyncError::Setup(format!(
            "私钥文件 {} 过大，不是 bangfu 的密钥文件",
            path.display()
        )));
    }
    std::fs::read_to_string(path).map_err(|e| io_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_in_memory().expect("store");
        let seal = SealKey::ensure(&mut store).expect("seal");
        let keys = KeySet::create(dir.path(), "device", &seal).expect("create");
        let again = KeySet::load(dir.path(), "device", Some(&seal)).expect("load");
        assert_eq!(
            keys.signing.public().to_base64(),
            again.signing.public().to_base64()
        );
        assert_eq!(keys.recipient(), again.recipient());
        let sig = keys.signing.sign(b"hello", "bangfu test").expect("sign");
        let pk = PublicKey::from_base64(&keys.signing.public().to_base64()).expect("pk");
        assert_eq!(pk.verify(b"hello", &sig), Ok(()));
        assert!(pk.verify(b"hellp", &sig).is_err());
        assert!(pk
            .verify(
                b"hello",
                &sig.replace("bangfu signature", "bangfu signaturf")
            )
            .is_err());
        // A genuine signature with a shortened global signature: refused, no panic.
        let mut lines: Vec<String> = sig.lines().map(str::to_owned).collect();
        lines[3] = lines[3][..44].to_owned();
        let short = format!("{}\n", lines.join("\n"));
        assert!(pk.verify(b"hello", &short).is_err());
        assert!(
            KeySet::create(dir.path(), "device", &seal).is_err(),
            "never overwrites"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &str| {
                std::fs::metadata(dir.path().join(p))
                    .expect("meta")
                    .permissions()
                    .mode()
                    & 0o777
            };
            assert_eq!(mode("device.key"), 0o600);
            assert_eq!(mode("device.age"), 0o600);
            std::fs::set_permissions(
                dir.path().join("device.key"),
                std::fs::Permissions::from_mode(0o644),
            )
            .expect("chmod");
            assert!(KeySet::load(dir.path(), "device", Some(&seal)).is_err());
        }
    }

    #[test]
    fn private_key_files_are_sealed_by_their_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_in_memory().expect("store");
        let seal = SealKey::ensure(&mut store).expect("seal");
        let keys = KeySet::create(dir.path(), "device", &seal).expect("create");
        let secret = keys.age.to_string().expose_secret().to_owned();
        let on_disk = std::fs::read_to_string(dir.path().join("device.age")).expect("read");
        assert!(on_disk.starts_with(SEALED_HEADER));
        assert!(!on_disk.contains("AGE-SECRET-KEY"), "{on_disk}");
        let key_file = std::fs::read_to_string(dir.path().join("device.key")).expect("read");
        assert!(!key_file.contains("minisign"), "{key_file}");
        // Another store's seal key, or none, does not open them.
        let mut other = Store::open_in_memory().expect("store");
        let wrong = SealKey::ensure(&mut other).expect("seal");
        assert!(KeySet::load(dir.path(), "device", Some(&wrong)).is_err());
        assert!(KeySet::load(dir.path(), "device", None).is_err());
        // A changed byte is refused.
        let mut bytes = on_disk.into_bytes();
        let last = bytes.len() - 2;
        bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
        std::fs::write(dir.path().join("device.age"), &bytes).expect("write");
        assert!(KeySet::load(dir.path(), "device", Some(&seal)).is_err());

        // An unsealed key file from an earlier version is read and sealed.
        let old = tempfile::tempdir().expect("tempdir");
        let age_text = format!("# created: then\n{secret}\n");
        write_private(&old.path().join("device.age"), &age_text).expect("write");
        write_private(
            &old.path().join("device.key"),
            &keys.signing.secret_file_text().expect("text"),
        )
        .expect("write");
        let loaded = KeySet::load(old.path(), "device", Some(&seal)).expect("legacy");
        assert_eq!(loaded.recipient(), keys.recipient());
        let now = std::fs::read_to_string(old.path().join("device.age")).expect("read");
        assert!(now.starts_with(SEALED_HEADER) && !now.contains("AGE-SECRET"));
        assert!(KeySet::load(old.path(), "device", Some(&seal)).is_ok());
    }
}
