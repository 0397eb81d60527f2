//! What every area of the end-to-end tests needs: running the real `bangfu`
//! binary as a caseworker would ([`Bangfu`], [`run`], [`Run`]), the files
//! the program ships and the shared golden cases, temporary folders and
//! stores, looking inside a store behind the program's back, and small file
//! utilities. [`pdf`] reads printed papers back with poppler-utils,
//! [`ids`] makes ID numbers, [`sync`] sets up counties and devices.

pub mod ids;
pub mod pdf;
pub mod sync;

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The `bangfu` binary of this package, built for the tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_bangfu");
/// The passphrase of every store in these tests.
pub const PASSPHRASE: &str = "村里的口令 2026";

/// The built-in policy the program ships.
pub const POLICY_DEFAULT: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/policy-default.toml");
/// The example roster the program ships.
pub const ROSTER_EXAMPLE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/roster-example.csv");
/// The public golden cases beside the project (`../shared/cases/public`).
pub const PUBLIC_CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cases/public");
/// The public cases of rules v2.
pub const PUBLIC_CASES_V2: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/cases/public-v2");
/// The public cases' households (`bangfu.household.v1`).
pub const PUBLIC_HOUSEHOLDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/cases/public/households.json"
);
/// The public cases' policy.
pub const PUBLIC_POLICY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/cases/public/policy.toml"
);

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The bytes of stdout (a CSV's BOM, byte-for-byte comparisons).
    pub raw_stdout: Vec<u8>,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Both outputs, stdout first.
    pub fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Expects success.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success:\n{}", self.describe());
        self
    }

    /// Expects exit status `code` and `needle` on stderr.
    #[track_caller]
    pub fn fails(self, code: i32, needle: &str) -> Run {
        assert_eq!(
            self.code,
            code,
            "expected exit {code}:\n{}",
            self.describe()
        );
        assert!(
            self.stderr.contains(needle),
            "expected “{needle}” on stderr:\n{}",
            self.describe()
        );
        self
    }

    /// Expects exit status 2 (bad input) and a message on stderr.
    #[track_caller]
    pub fn input_error(self) -> Run {
        assert_eq!(
            self.code,
            2,
            "expected exit 2 (bad input):\n{}",
            self.describe()
        );
        assert!(
            !self.stderr.trim().is_empty(),
            "an input error must say what is wrong on stderr"
        );
        self
    }

    /// Expects a non-zero exit status (not a crash) and `needle` on stderr.
    #[track_caller]
    pub fn refused(self, needle: &str) -> Run {
        assert!(
            self.code > 0 && self.code < 100,
            "expected an orderly failure:\n{}",
            self.describe()
        );
        assert!(
            self.stderr.contains(needle),
            "expected “{needle}” on stderr:\n{}",
            self.describe()
        );
        self
    }

    /// Expects exit status 2 with every `needle` in a message that is Chinese.
    #[track_caller]
    pub fn refused_in_chinese(self, needles: &[&str]) -> Run {
        assert_eq!(self.code, 2, "expected exit 2:\n{}", self.describe());
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "expected “{needle}” in:\n{}",
                self.describe()
            );
        }
        assert!(
            has_cjk(&self.stderr),
            "the message is not Chinese:\n{}",
            self.describe()
        );
        self
    }

    /// Stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.describe()))
    }
}

/// One way of running the binary. By default: the test passphrase in
/// `BANGFU_PASSPHRASE`, stdin closed (so nothing can wait for a terminal),
/// `HOME` in the store's folder (the system's temporary folder without a
/// store), `XDG_DATA_HOME` inside it, and no `RUST_BACKTRACE`.
#[derive(Clone)]
pub struct Bangfu {
    db: Option<PathBuf>,
    /// `None`: the variable removed.
    passphrase: Option<String>,
    home: Option<PathBuf>,
    env: Vec<(String, String)>,
    deadline: Option<Duration>,
}

impl Default for Bangfu {
    fn default() -> Bangfu {
        Bangfu {
            db: None,
            passphrase: Some(PASSPHRASE.to_owned()),
            home: None,
            env: Vec::new(),
            deadline: None,
        }
    }
}

impl Bangfu {
    pub fn new() -> Bangfu {
        Bangfu::default()
    }

    /// Runs with `--db DB` before the arguments.
    pub fn db(mut self, db: &Path) -> Bangfu {
        self.db = Some(db.to_owned());
        self
    }

    /// Runs with this passphrase (`None`: with `BANGFU_PASSPHRASE` removed).
    pub fn passphrase(mut self, passphrase: Option<&str>) -> Bangfu {
        self.passphrase = passphrase.map(str::to_owned);
        self
    }

    pub fn home(mut self, home: &Path) -> Bangfu {
        self.home = Some(home.to_owned());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Bangfu {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Kills the command, failing the test, if it runs longer than `deadline`
    /// (a command waiting for input cannot block the test run).
    pub fn deadline(mut self, deadline: Duration) -> Bangfu {
        self.deadline = Some(deadline);
        self
    }

    /// The command, not yet started (stdout and stderr inherited).
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let home = self.home.clone().unwrap_or_else(|| {
            self.db
                .as_deref()
                .and_then(Path::parent)
                .map_or_else(std::env::temp_dir, Path::to_path_buf)
        });
        let mut cmd = Command::new(BIN);
        match &self.passphrase {
            Some(p) => cmd.env("BANGFU_PASSPHRASE", p),
            None => cmd.env_remove("BANGFU_PASSPHRASE"),
        };
        cmd.env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env_remove("RUST_BACKTRACE")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(db) = &self.db {
            cmd.arg("--db").arg(db);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `bangfu [--db DB] ARGS…` to the end.
    pub fn run<S: AsRef<OsStr> + std::fmt::Debug>(&self, args: &[S]) -> Run {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the bangfu binary");
        // Read both pipes on their own threads so a long output cannot stall the child.
        let read = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                pipe.read_to_end(&mut v).map(|_| v)
            })
        };
        let out = read(Box::new(child.stdout.take().expect("stdout")));
        let err = read(Box::new(child.stderr.take().expect("stderr")));
        let start = Instant::now();
        let status = loop {
            let Some(deadline) = self.deadline else {
                break child.wait().expect("wait for bangfu");
            };
            if let Some(status) = child.try_wait().expect("wait for bangfu") {
                break status;
            }
            if start.elapsed() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "bangfu {args:?} was still running after {deadline:?} (waiting for input?); killed"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out.join().expect("stdout thread").expect("read stdout");
        let stderr = err.join().expect("stderr thread").expect("read stderr");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8(stdout.clone()).expect("stdout is UTF-8"),
            stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
            raw_stdout: stdout,
        }
    }
}

/// `bangfu --db DB ARGS…` with the test passphrase.
pub fn run(db: &Path, args: &[&str]) -> Run {
    Bangfu::new().db(db).run(args)
}

// ---------------------------------------------------------------------------
// Folders, stores and files
// ---------------------------------------------------------------------------

/// A temporary path as the `&str` a command line takes.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// A new temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

/// `path` with `suffix` appended to its file name.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A demo store at `dir/name`, made by `bangfu demo EXTRA…`.
pub fn demo_store(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let db = dir.join(name);
    let mut args = vec!["demo"];
    args.extend_from_slice(extra);
    run(&db, &args).ok();
    db
}

/// Writes `households` as a `bangfu.household.v1` file and imports it.
pub fn import_households(db: &Path, file: &Path, households: &[Value]) {
    let doc = json!({"format": "bangfu.household.v1", "households": households});
    write_json(file, &doc);
    run(db, &["import", "households", p(file)]).ok();
}

pub fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).expect("JSON"))
        .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies a closed store with its WAL and shared-memory files, should any be
/// left, and its keys folder, if it has one.
pub fn copy_store(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("copy store {}: {e}", from.display()));
    for suffix in ["-wal", "-shm"] {
        let side = with_suffix(from, suffix);
        if side.exists() {
            std::fs::copy(&side, with_suffix(to, suffix)).expect("copy WAL file");
        }
    }
    let keys = with_suffix(from, ".keys");
    if keys.is_dir() {
        let dest = with_suffix(to, ".keys");
        std::fs::create_dir_all(&dest).expect("keys folder");
        for entry in std::fs::read_dir(&keys).expect("read keys") {
            let entry = entry.expect("key file");
            std::fs::copy(entry.path(), dest.join(entry.file_name())).expect("copy key");
        }
    }
}

/// Copies the files of `from` into a new folder `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn sha256_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    sha256_hex(&bytes)
}

/// A photo-like JPEG of `width`×`height` (the demo's synthetic phone photo,
/// varied by `seed`) written to `path`.
pub fn photo(path: &Path, width: u32, height: u32, seed: u32) {
    let bytes = bangfu::demo::photo(width, height, seed).expect("photo");
    std::fs::write(path, bytes).expect("write photo");
}

pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every record of a CSV written with a UTF-8 BOM, the header included.
pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .expect("the CSV starts with the UTF-8 BOM");
    let text = std::str::from_utf8(body).expect("the CSV is UTF-8");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv record").iter().map(str::to_owned).collect())
        .collect()
}

// ---------------------------------------------------------------------------
// Looking inside a store behind the program's back
// ---------------------------------------------------------------------------

/// The (encrypted) store as a bare SQLite connection.
pub fn sql(db: &Path) -> rusqlite::Connection {
    bangfu::store::open_connection(db, &bangfu::store::Passphrase::new(PASSPHRASE))
        .unwrap_or_else(|e| panic!("open {} with rusqlite: {e}", db.display()))
}

/// The store, opened as the program opens it.
pub fn open_store(db: &Path) -> bangfu::store::Store {
    bangfu::store::Store::open(db, &bangfu::store::Passphrase::new(PASSPHRASE))
        .unwrap_or_else(|e| panic!("open {}: {e}", db.display()))
}

/// The one number `query` returns.
pub fn query_i64(db: &Path, query: &str) -> i64 {
    sql(db)
        .query_row(query, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// The one text `query` returns (NULL as the empty text).
pub fn query_text(db: &Path, query: &str) -> String {
    sql(db)
        .query_row(query, [], |r| r.get::<_, Option<String>>(0))
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .unwrap_or_default()
}

/// What each of `queries` returns (text or a number), for comparing a
/// store's state before and after.
pub fn query_all(db: &Path, queries: &[&str]) -> Vec<String> {
    let conn = sql(db);
    queries
        .iter()
        .map(|q| {
            conn.query_row(q, [], |r| {
                r.get::<_, String>(0)
                    .or_else(|_| r.get::<_, i64>(0).map(|n| n.to_string()))
            })
            .unwrap_or_else(|e| panic!("{q}: {e}"))
        })
        .collect()
}
