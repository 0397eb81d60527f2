//! Encryption at rest through the real `bangfu` binary: a new store is a
//! SQLCipher file with no household name in the clear; a wrong, empty, short
//! or missing passphrase is refused without touching the file (and without
//! waiting for a terminal that is not there); an unencrypted store from an
//! earlier version is encrypted in place on first open; backups are encrypted
//! and restores check the backup before replacing the store (keeping the old
//! one); the device's private key files are sealed by their own store.
//!
//! Every test runs the built binary against its own SQLite files in a
//! temporary directory and, where it matters, opens them with rusqlite (with
//! the key bangfu derives) behind the program's back.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use bangfu::store::cipher::{key_literal, SALT_LEN};
use bangfu::store::Passphrase;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::support::{
    copy_dir, demo_store, p, sha256_file, tempdir, with_suffix, Bangfu, Run, PASSPHRASE,
};

/// A passphrase that is long enough but not the store's.
const WRONG: &str = "别的村的口令 2026";
/// The header of an unencrypted SQLite file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// How long a command may take before the test kills it.
const DEADLINE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// `bangfu --db DB ARGS…` with the passphrase `passphrase` (`None`: the
/// variable removed), stdin closed, and killed (failing the test) after
/// [`DEADLINE`] so a command waiting for input cannot block the test run.
fn run_as(db: &Path, passphrase: Option<&str>, args: &[&str]) -> Run {
    Bangfu::new()
        .db(db)
        .passphrase(passphrase)
        .deadline(DEADLINE)
        .run(args)
}

/// `bangfu --db DB ARGS…` with the right passphrase.
fn run(db: &Path, args: &[&str]) -> Run {
    run_as(db, Some(PASSPHRASE), args)
}

// ---------------------------------------------------------------------------
// Looking at the store
// ---------------------------------------------------------------------------

/// Names of the entries in `dir`.
fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// Entries of `dir` whose names start with `prefix`.
fn starting_with(dir: &Path, prefix: &str) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect()
}

fn header(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).expect("read store");
    bytes[..bytes.len().min(16)].to_vec()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    first_found(haystack, &[needle]).is_some()
}

/// The first of `needles` found in `haystack` (one pass, indexed by first
/// byte: a naive search of every name through a 4 MB file is slow unoptimised).
fn first_found<'a>(haystack: &[u8], needles: &[&'a [u8]]) -> Option<&'a [u8]> {
    let mut by_first: Vec<Vec<&'a [u8]>> = vec![Vec::new(); 256];
    for needle in needles.iter().filter(|n| !n.is_empty()) {
        by_first[usize::from(needle[0])].push(needle);
    }
    (0..haystack.len()).find_map(|i| {
        by_first[usize::from(haystack[i])]
            .iter()
            .find(|n| haystack[i..].starts_with(n))
            .copied()
    })
}

/// `households list --json`, parsed.
fn households_json(db: &Path) -> Vec<Value> {
    let r = run(db, &["households", "list", "--json"]).ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}:\n{}", r.stdout))
}

/// Every household head's name and every village name in the store, as
/// `households list --json` prints them.
fn names_in(db: &Path) -> BTreeSet<String> {
    let list = households_json(db);
    assert!(!list.is_empty(), "the store lists no households");
    let mut names = BTreeSet::new();
    for h in &list {
        for field in ["head", "village"] {
            let name = h[field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field} in {h}"));
            assert!(!name.is_empty(), "empty {field} in {h}");
            names.insert(name.to_owned());
        }
    }
    names
}

/// The household count from the last line of `households list` (“共 N 户”).
fn household_count(db: &Path) -> usize {
    let r = run(db, &["households", "list"]).ok();
    count_in(&r.stdout)
}

fn count_in(table: &str) -> usize {
    let last = table
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    last.trim()
        .strip_prefix('共')
        .and_then(|rest| rest.strip_suffix('户'))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no “共 N 户” line at the end of:\n{table}"))
}

#[track_caller]
fn assert_log_verifies(db: &Path) {
    let r = run(db, &["log", "verify"]).ok();
    assert!(r.stdout.contains("变更日志完好"), "{}", r.describe());
}

/// The file at `path` (and its `-wal`, if any) is encrypted: no SQLite
/// header, and none of `names` in it as UTF-8.
#[track_caller]
fn assert_encrypted(path: &Path, names: &BTreeSet<String>) {
    let bytes = std::fs::read(path).expect("read store");
    assert!(
        bytes.len() > 4096,
        "{} is too small to be a store",
        path.display()
    );
    assert_ne!(
        &bytes[..16],
        PLAIN_HEADER,
        "{} is an unencrypted SQLite file",
        path.display()
    );
    let mut files = vec![(path.to_owned(), bytes)];
    let wal = with_suffix(path, "-wal");
    if wal.exists() {
        files.push((wal.clone(), std::fs::read(&wal).expect("read wal")));
    }
    let needles: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    for (file, bytes) in &files {
        if let Some(name) = first_found(bytes, &needles) {
            panic!(
                "“{}” is in {} in the clear",
                String::from_utf8_lossy(name),
                file.display()
            );
        }
    }
}

/// Opens an encrypted store with rusqlite, with the key bangfu derives from
/// `passphrase` and the salt in the file's first bytes.
fn open_encrypted(path: &Path, passphrase: &str) -> Connection {
    let bytes = std::fs::read(path).expect("read store");
    let salt: [u8; SALT_LEN] = bytes[..SALT_LEN].try_into().expect("salt");
    let key = key_literal(&Passphrase::new(passphrase), &salt).expect("derive key");
    let conn = Connection::open(path).expect("open with rusqlite");
    // A wrong key is the test's to report, not SQLCipher's to log on stderr.
    conn.pragma_update(None, "cipher_log_level", "NONE")
        .expect("PRAGMA cipher_log_level");
    conn.pragma_update(None, "key", key.as_str())
        .expect("PRAGMA key");
    conn
}

fn count_households(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM households", [], |r| r.get(0))
}

// ---------------------------------------------------------------------------
// 1. A new store is encrypted
// ---------------------------------------------------------------------------

#[test]
fn a_new_store_is_encrypted_and_no_name_is_in_the_clear() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "x.sqlite", &[]);
    let names = names_in(&db);
    // Head names and the demo's villages: many distinct names.
    assert!(names.len() > 100, "only {} names: {names:?}", names.len());
    assert!(names.contains("保婴村"), "{names:?}");
    assert_eq!(household_count(&db), 240);
    assert_eq!(households_json(&db).len(), 240);
    // The plain table shows the same heads as the JSON.
    let table = run(&db, &["households", "list"]).ok().stdout;
    for h in households_json(&db).iter().take(20) {
        assert!(table.contains(h["head"].as_str().unwrap_or("?")), "{h}");
    }

    assert_encrypted(&db, &names);
    assert_log_verifies(&db);

    // Without the key the file is not a database to SQLite…
    let bare = Connection::open(&db).expect("open");
    let err = count_households(&bare).expect_err("an encrypted file must not read without a key");
    assert!(
        err.to_string().contains("not a database"),
        "unexpected error: {err}"
    );
    drop(bare);
    // …with a wrong passphrase neither, and with bangfu's key (Argon2id of
    // the passphrase, salted with the file's first 16 bytes) it is.
    assert!(count_households(&open_encrypted(&db, WRONG)).is_err());
    let conn = open_encrypted(&db, PASSPHRASE);
    assert_eq!(count_households(&conn).expect("keyed read"), 240);

    // The write-ahead log is encrypted too: a write held in it (no
    // checkpoint while the connection is open) is not in the clear.
    let journal: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(journal.to_lowercase(), "wal");
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .expect("no checkpoint");
    let secret = "只写在日志里的名字欧阳";
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('test.wal', ?1)",
        [secret],
    )
    .expect("write a setting");
    let wal = with_suffix(&db, "-wal");
    assert!(
        std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0,
        "the write is not in {}",
        wal.display()
    );
    let mut with_secret = names.clone();
    with_secret.insert(secret.to_owned());
    assert_encrypted(&db, &with_secret);
    drop(conn);
    assert_encrypted(&db, &with_secret);
}

// ---------------------------------------------------------------------------
// 2. A wrong passphrase
// ---------------------------------------------------------------------------

#[test]
fn a_wrong_passphrase_is_refused_and_changes_nothing() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "x.sqlite", &[]);
    let before = sha256_file(&db);
    let files = listing(dir.path());

    for wrong in [WRONG, "short", "村里的口令 2027", "村里的口令 2026 "] {
        let r = run_as(&db, Some(wrong), &["households", "list"]).fails(1, "口令不正确");
        assert!(r.stdout.is_empty(), "nothing listed:\n{}", r.describe());
        assert_eq!(sha256_file(&db), before, "“{wrong}” changed the file");
        assert_eq!(listing(dir.path()), files, "“{wrong}” left files behind");
    }
    // A write command is refused the same way.
    run_as(&db, Some(WRONG), &["settings", "set", "caseworker", "李四"]).fails(1, "口令不正确");
    assert_eq!(sha256_file(&db), before);

    // The right one still opens it, with everything in it.
    assert_eq!(household_count(&db), 240);
    assert_log_verifies(&db);
}

// ---------------------------------------------------------------------------
// 3. No passphrase, an empty one, a short one
// ---------------------------------------------------------------------------

#[test]
fn no_empty_or_short_passphrase_is_refused_at_once() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "x.sqlite", &[]);
    let before = sha256_file(&db);
    let files = listing(dir.path());

    // No variable and no terminal: fails at once, naming the variable
    // (run_as kills it and fails the test after 20 s).
    for args in [&["households", "list"][..], &["log", "verify"], &["demo"]] {
        let start = Instant::now();
        let r = run_as(&db, None, args);
        assert_ne!(
            r.code,
            0,
            "{args:?} without a passphrase:\n{}",
            r.describe()
        );
        assert!(r.stderr.contains("BANGFU_PASSPHRASE"), "{}", r.describe());
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "took {:?}",
            start.elapsed()
        );
    }
    // Nor for a store that does not exist yet, which is not created.
    let fresh = dir.path().join("fresh.sqlite");
    let r = run_as(&fresh, None, &["demo"]);
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("BANGFU_PASSPHRASE"), "{}", r.describe());
    assert!(!fresh.exists(), "a store was created without a passphrase");
    // A command that reads a store never makes one: a typo in --db is named.
    run_as(&fresh, Some(PASSPHRASE), &["households", "list"]).refused("不存在");
    assert!(!fresh.exists(), "a store was created for a typo");

    // An empty variable is refused, not taken as the passphrase "".
    run_as(&db, Some(""), &["households", "list"]).refused("BANGFU_PASSPHRASE");
    run_as(&fresh, Some(""), &["demo"]).refused("BANGFU_PASSPHRASE");
    assert!(!fresh.exists());

    assert_eq!(sha256_file(&db), before);
    assert_eq!(listing(dir.path()), files);

    // A new store with a passphrase under 8 characters: refused, nothing left.
    for short in ["1234567", "口令口令口令口", "a"] {
        for args in [&["demo"][..], &["settings", "set", "caseworker", "张三"]] {
            run_as(&fresh, Some(short), args).refused("口令太短");
            let size = std::fs::metadata(&fresh).map(|m| m.len()).unwrap_or(0);
            assert_eq!(size, 0, "“{short}” {args:?} left a store behind");
            for side in ["-wal", "-shm", "-journal"] {
                assert!(!with_suffix(&fresh, side).exists(), "{side} left behind");
            }
        }
    }
    // Eight characters that are not a repetition or a run are weak too:
    // refused, nothing left.
    for weak in ["        ", "88888888", "口令口令口令口令", "12345678"] {
        run_as(&fresh, Some(weak), &["demo"]).refused("口令");
        let size = std::fs::metadata(&fresh).map(|m| m.len()).unwrap_or(0);
        assert_eq!(size, 0, "“{weak}” left a store behind");
    }
    // Eight good characters are enough (and the control: the check above can see a store).
    run_as(&fresh, Some("村里的口令二〇"), &["demo"]).refused("口令太短");
    run_as(&fresh, Some("村里的口令二〇二六"), &["demo"]).ok();
    assert!(std::fs::metadata(&fresh).expect("created").len() > 0);
    assert_eq!(
        run_as(&fresh, Some("村里的口令二〇二六"), &["households", "list"])
            .ok()
            .stdout
            .lines()
            .last()
            .map(str::trim),
        Some("共 240 户")
    );
}

// ---------------------------------------------------------------------------
// 4. An unencrypted store from an earlier version
// ---------------------------------------------------------------------------

/// Writes an unencrypted copy of the encrypted store `from` to `to`, as an
/// earlier bangfu would have left it.
fn decrypted_copy(from: &Path, to: &Path) {
    let conn = open_encrypted(from, PASSPHRASE);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version");
    assert!(version > 0, "the store has no schema version");
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [p(to)])
        .expect("attach");
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))
        .expect("sqlcipher_export");
    conn.execute_batch(&format!(
        "PRAGMA plain.user_version = {version}; DETACH DATABASE plain;"
    ))
    .expect("user_version");
}

#[test]
fn an_unencrypted_store_is_adopted_only_when_asked_and_then_encrypted_in_place() {
    let dir = tempdir();
    let enc = demo_store(dir.path(), "enc.sqlite", &[]);
    let expected = run(&enc, &["households", "list", "--json"]).ok().stdout;
    let names = names_in(&enc);
    let plain = dir.path().join("plain.sqlite");
    decrypted_copy(&enc, &plain);

    // It really is a plain SQLite file, with the names in the clear (so the
    // check that they are gone later can see them).
    assert_eq!(header(&plain), PLAIN_HEADER);
    let plain_bytes = std::fs::read(&plain).expect("read");
    let needles: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    assert!(
        first_found(&plain_bytes, &needles).is_some(),
        "no name found in the unencrypted file"
    );
    assert!(
        names.iter().all(|n| contains(&plain_bytes, n.as_bytes())),
        "not every name is in the unencrypted file"
    );
    {
        let conn = Connection::open(&plain).expect("open plain");
        assert_eq!(count_households(&conn).expect("plain read"), 240);
    }

    // Opened as a store, it is refused, not adopted (a file planted at the
    // store's path must not become the store): the file untouched.
    let before = sha256_file(&plain);
    let files = listing(dir.path());
    let r = run(&plain, &["households", "list"]).refused("没有加密");
    assert!(r.stderr.contains("encrypt"), "{}", r.stderr);
    assert_eq!(sha256_file(&plain), before);
    assert_eq!(listing(dir.path()), files);

    // A passphrase too short for a new key: refused, the file untouched.
    run_as(&plain, Some("1234567"), &["encrypt"]).refused("口令太短");
    assert_eq!(sha256_file(&plain), before);
    assert_eq!(listing(dir.path()), files);
    assert_eq!(header(&plain), PLAIN_HEADER);

    // Asked to, it is encrypted; then it opens and shows everything.
    let r = run(&plain, &["encrypt"]).ok();
    assert!(r.stdout.contains("240 户"), "{}", r.stdout);
    run(&plain, &["encrypt"]).refused("已经加密");
    let r = run(&plain, &["households", "list"]).ok();
    assert_eq!(count_in(&r.stdout), 240);
    assert_ne!(header(&plain), PLAIN_HEADER, "still unencrypted");
    assert_encrypted(&plain, &names);
    assert!(
        !with_suffix(&plain, ".encrypting").exists(),
        "the temporary file was left behind"
    );
    assert_eq!(
        run(&plain, &["households", "list", "--json"]).ok().stdout,
        expected
    );
    assert_log_verifies(&plain);
    // From now on it needs its passphrase, and rusqlite alone cannot read it.
    run_as(&plain, Some(WRONG), &["households", "list"]).fails(1, "口令不正确");
    assert!(count_households(&Connection::open(&plain).expect("open")).is_err());
    assert_eq!(
        count_households(&open_encrypted(&plain, PASSPHRASE)).expect("keyed"),
        240
    );
    // And it is a different file from the store it was copied from (a new salt).
    assert_ne!(header(&plain), header(&enc));
}

// ---------------------------------------------------------------------------
// 5. Backup and restore
// ---------------------------------------------------------------------------

/// Adds one new household (head 欧阳备恢) to the store.
fn add_household(db: &Path, dir: &Path) {
    let file = dir.join("new-household.json");
    let doc = json!({"format": "bangfu.household.v1", "households": [{
        "id": "ZZZ-901", "region_code": "341024", "village": "田心寨村",
        "group": "9组", "address": "田心寨村9组1号", "phone": "13800000000", "hukou": "rural",
        "members": [{
            "name": "欧阳备恢", "id_number": "341024198104120119", "relation": "self",
            "cohabiting": true, "disability": null, "serious_illness": false,
            "work_capacity": "full", "self_care": "full",
            "incomes": [{"kind": "wage", "annual": "9600.00"}]
        }],
        "expenses": [],
        "assets": {"financial": "3000.00", "disqualifying": []}
    }]});
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    run(db, &["import", "households", p(&file)]).ok();
}

/// A copy of `file` with the byte at `offset` changed.
fn flipped(file: &Path, out: &Path, offset: usize) {
    let mut bytes = std::fs::read(file).expect("read");
    bytes[offset] ^= 0x20;
    std::fs::write(out, bytes).expect("write");
}

#[test]
fn backups_are_encrypted_and_restore_checks_before_it_replaces() {
    let dir = tempdir();
    let d = dir.path();
    let db = demo_store(d, "x.sqlite", &[]);
    let names = names_in(&db);
    let original = run(&db, &["households", "list", "--json"]).ok().stdout;

    // Backup: prints the count, writes an encrypted, complete copy.
    let backup = d.join("b.sqlite");
    let r = run(&db, &["backup", "--out", p(&backup)]).ok();
    assert!(r.stdout.contains("240 户"), "{}", r.describe());
    assert_encrypted(&backup, &names);
    assert_eq!(
        count_households(&open_encrypted(&backup, PASSPHRASE)).expect("read backup"),
        240
    );
    let backup_sha = sha256_file(&backup);

    // A second backup to the same path is refused; the first is untouched.
    let r = run(&db, &["backup", "--out", p(&backup)]);
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(r.stderr.contains("已存在"), "{}", r.describe());
    assert_eq!(sha256_file(&backup), backup_sha);
    assert!(starting_with(d, "b.sqlite.").is_empty(), "{:?}", listing(d));

    // The store changes after the backup.
    add_household(&db, d);
    assert_eq!(household_count(&db), 241);
    let changed = run(&db, &["households", "list", "--json"]).ok().stdout;
    assert!(changed.contains("欧阳备恢"));
    let changed_sha = sha256_file(&db);

    // Bad restores: each refused with a message, the store byte-identical,
    // no store set aside.
    let check_unchanged = |what: &str| {
        assert_eq!(sha256_file(&db), changed_sha, "{what} changed the store");
        assert!(
            starting_with(d, "x.sqlite.before-restore").is_empty(),
            "{what} set the store aside: {:?}",
            listing(d)
        );
        assert!(
            !with_suffix(&db, ".restoring").exists(),
            "{what} left x.sqlite.restoring"
        );
    };
    run_as(&db, Some(WRONG), &["restore", p(&backup)]).refused("口令不正确");
    check_unchanged("a wrong passphrase");

    let len = std::fs::metadata(&backup).expect("meta").len() as usize;
    let damaged = d.join("damaged.sqlite");
    flipped(&backup, &damaged, len / 2);
    let r = run(&db, &["restore", p(&damaged)]).refused("已损坏");
    assert!(r.stderr.contains("damaged.sqlite"), "{}", r.describe());
    check_unchanged("a damaged backup");

    let missing = d.join("missing.sqlite");
    run(&db, &["restore", p(&missing)]).refused("不存在或是空文件");
    assert!(!missing.exists());
    check_unchanged("a missing backup");

    let empty = d.join("empty.sqlite");
    std::fs::write(&empty, b"").expect("write");
    run(&db, &["restore", p(&empty)]).refused("不存在或是空文件");
    check_unchanged("an empty backup");

    let plain = d.join("plain.sqlite");
    decrypted_copy(&backup, &plain);
    run(&db, &["restore", p(&plain)]).refused("未加密");
    check_unchanged("an unencrypted file");

    // The real restore: the store is the backup again, the old one set aside.
    let r = run(&db, &["restore", p(&backup)]).ok();
    assert!(r.stdout.contains("240 户"), "{}", r.describe());
    assert_eq!(household_count(&db), 240);
    assert_eq!(
        run(&db, &["households", "list", "--json"]).ok().stdout,
        original
    );
    assert_log_verifies(&db);
    assert_encrypted(&db, &names);
    assert_eq!(
        sha256_file(&backup),
        backup_sha,
        "restore changed the backup"
    );

    let aside: Vec<String> = starting_with(d, "x.sqlite.before-restore-")
        .into_iter()
        .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", listing(d));
    let aside = d.join(&aside[0]);
    assert!(
        r.stdout.contains(&aside.display().to_string()),
        "the message names where the old store went:\n{}",
        r.describe()
    );
    assert_eq!(
        sha256_file(&aside),
        changed_sha,
        "the old store was changed"
    );
    assert_eq!(household_count(&aside), 241);
    assert_eq!(
        run(&aside, &["households", "list", "--json"]).ok().stdout,
        changed
    );
    assert_log_verifies(&aside);
    run_as(&aside, Some(WRONG), &["households", "list"]).fails(1, "口令不正确");
}

/// Two restores in the same second both set the current store aside under
/// the same `<db>.before-restore-<second>` name: the second rename replaces
/// the first store set aside, which is then lost. Simulated deterministically
/// by files already carrying the names of the coming seconds.
#[test]
fn restore_never_overwrites_a_store_set_aside_earlier() {
    let dir = tempdir();
    let d = dir.path();
    let db = demo_store(d, "x.sqlite", &[]);
    let backup = d.join("b.sqlite");
    run(&db, &["backup", "--out", p(&backup)]).ok();
    let now = chrono::Local::now();
    let mut earlier = Vec::new();
    for s in 0..30 {
        let stamp = (now + chrono::Duration::seconds(s)).format("%Y%m%d-%H%M%S");
        let path = d.join(format!("x.sqlite.before-restore-{stamp}"));
        std::fs::write(&path, b"a store set aside by an earlier restore").expect("write");
        earlier.push(path);
    }
    run(&db, &["restore", p(&backup)]).ok();
    for path in &earlier {
        let bytes = std::fs::read(path).expect("still there");
        assert!(
            bytes == b"a store set aside by an earlier restore",
            "{} was overwritten (now {} bytes)",
            path.display(),
            bytes.len()
        );
    }
}

// ---------------------------------------------------------------------------
// 6. Device keys are sealed by their store
// ---------------------------------------------------------------------------

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// sha256 of every file in a folder.
fn dir_digest(dir: &Path) -> Vec<(String, String)> {
    listing(dir)
        .into_iter()
        .map(|n| {
            let h = sha256_file(&dir.join(&n));
            (n, h)
        })
        .collect()
}

#[test]
fn device_keys_are_sealed_and_useless_beside_another_store() {
    let dir = tempdir();
    let d = dir.path();
    let county_db = d.join("county.sqlite");
    let county_key = d.join("county-key.bangfu");
    run(
        &county_db,
        &[
            "county",
            "init",
            "--region",
            "341024",
            "--name",
            "歙县民政局",
            "--out",
            p(&county_key),
        ],
    )
    .ok();

    let x = demo_store(d, "x.sqlite", &[]);
    let init = run(
        &x,
        &["device", "init", "--name", "王五", "--village", "保婴村"],
    )
    .ok();
    let keys = d.join("x.sqlite.keys");

    // The private key files hold no key in the clear.
    for file in ["device.key", "device.age"] {
        let text = read_text(&keys.join(file));
        assert!(!text.is_empty(), "{file} is empty");
        assert!(!text.contains("AGE-SECRET-KEY"), "{file}:\n{text}");
        assert!(
            !text.to_lowercase().contains("minisign secret"),
            "{file}:\n{text}"
        );
        assert!(!text.contains("untrusted comment"), "{file}:\n{text}");
    }
    // The public key is a normal minisign public key file, the one announced.
    let public = read_text(&keys.join("device.pub"));
    assert!(public.starts_with("untrusted comment:"), "{public}");
    let pk = minisign::PublicKeyBox::from_string(&public)
        .and_then(|b| b.into_public_key())
        .unwrap_or_else(|e| panic!("device.pub is not a minisign public key ({e}):\n{public}"));
    let key_id = public
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().last())
        .expect("key id in the comment")
        .to_owned();
    assert_eq!(key_id.len(), 16, "{public}");
    assert!(init.stdout.contains(&key_id), "{}", init.describe());
    assert_eq!(
        public.lines().nth(1).map(str::trim),
        Some(pk.to_base64().as_str())
    );

    // The sealing key is in the store, and only encrypted there.
    let seal: String = open_encrypted(&x, PASSPHRASE)
        .query_row(
            "SELECT value FROM settings WHERE key = 'keys.seal'",
            [],
            |r| r.get(0),
        )
        .expect("the store holds the seal key");
    let seal_bytes = hex::decode(seal.trim()).expect("hex");
    assert_eq!(seal_bytes.len(), 32);
    let store_bytes = std::fs::read(&x).expect("read");
    assert!(!contains(&store_bytes, seal.trim().as_bytes()));
    assert!(!contains(&store_bytes, &seal_bytes));
    for file in ["device.key", "device.age", "device.pub"] {
        let text = read_text(&keys.join(file));
        assert!(!text.contains(seal.trim()), "{file} holds the seal key");
    }

    // With its own store the keys work: a bundle is exported.
    run(&x, &["device", "import-county-key", p(&county_key)]).ok();
    let good = d.join("x.bangfu");
    run(&x, &["bundle", "export", "--out", p(&good)]).ok();
    assert!(good.exists());

    // Beside another store with its own device identity: refused.
    let y = demo_store(d, "y.sqlite", &[]);
    run(
        &y,
        &["device", "init", "--name", "赵六", "--village", "田心寨村"],
    )
    .ok();
    run(&y, &["device", "import-county-key", p(&county_key)]).ok();
    let y_keys = d.join("y.sqlite.keys");
    std::fs::rename(&y_keys, d.join("y-own.keys")).expect("move y's keys away");
    copy_dir(&keys, &y_keys);
    let copied = dir_digest(&y_keys);
    let out = d.join("f.bangfu");
    let r = run(&y, &["bundle", "export", "--out", p(&out)]).fails(1, "属于另一个数据库");
    assert!(r.stderr.contains("y.sqlite.keys"), "{}", r.describe());
    assert!(!out.exists(), "a bundle was written with foreign keys");
    assert_eq!(
        dir_digest(&y_keys),
        copied,
        "the copied key files were changed"
    );

    // Beside a store with no device identity at all: refused too.
    let z = demo_store(d, "z.sqlite", &[]);
    copy_dir(&keys, &d.join("z.sqlite.keys"));
    let out = d.join("g.bangfu");
    let r = run(&z, &["bundle", "export", "--out", p(&out)]);
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(!r.stderr.trim().is_empty(), "{}", r.describe());
    assert!(!out.exists(), "a bundle was written with foreign keys");

    // The original store still uses its keys.
    assert_eq!(dir_digest(&keys).len(), listing(&keys).len());
    run(&x, &["bundle", "status"]).ok();
}

#[test]
fn a_plain_sqlite_file_of_another_program_is_left_alone() {
    let dir = tempdir();
    let other = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&other).expect("plain sqlite");
        conn.execute_batch(
            "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('别人的数据');",
        )
        .expect("write");
    }
    let before = std::fs::read(&other).expect("read");
    run(&other, &["households", "list"]).fails(1, "没有加密");
    // Asked to adopt it, bangfu sees it is not its own and leaves it alone.
    run(&other, &["encrypt"]).fails(2, "不是帮扶的数据库");
    assert_eq!(
        std::fs::read(&other).expect("read"),
        before,
        "the file is untouched"
    );
}

#[test]
fn the_passphrase_can_come_from_a_file_or_a_pipe_and_stay_out_of_the_shell_history() {
    let dir = tempdir();
    let db = demo_store(dir.path(), "v.sqlite", &[]);
    let file = dir.path().join("pass.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).expect("write");
    let r = run_as(
        &db,
        None,
        &["--passphrase-file", p(&file), "households", "list"],
    )
    .ok();
    assert!(r.stdout.contains("共 240 户"), "{}", r.stdout);
    std::fs::write(&file, format!("{WRONG}\n")).expect("write");
    run_as(
        &db,
        None,
        &["--passphrase-file", p(&file), "households", "list"],
    )
    .fails(1, "口令不正确");
    std::fs::write(&file, "\n").expect("write");
    run_as(
        &db,
        None,
        &["--passphrase-file", p(&file), "households", "list"],
    )
    .fails(2, "第一行是空的");
    // From a pipe, as a script would give it.
    let mut child = Bangfu::new()
        .db(&db)
        .passphrase(None)
        .command(&["--passphrase-file", "/dev/stdin", "households", "list"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "{PASSPHRASE}").expect("write passphrase");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("共 240 户"));
}
