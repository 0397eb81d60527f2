//! Crash safety: the real `bangfu` binary is killed with SIGKILL at random
//! points while it imports households or a roster, records a visit or a
//! workflow step, saves decisions, exports a sync bundle or imports one at
//! the county. After every kill the store must open, its change log must
//! verify, and the store must hold either everything the command writes or
//! nothing of it — everything whenever the command had already reported
//! success.
//!
//! Each run starts from a copy of a store seeded once. The command kinds take
//! turns; the delay before the kill is drawn by a small PRNG seeded per run
//! (printed on failure) and spread over the time the command was measured to
//! take, so kills land before the store is opened, inside the transaction,
//! after the commit and after the report.
//!
//! `BANGFU_CRASH_RUNS` sets the number of runs (default 500) and
//! `BANGFU_CRASH_SEED` the base seed.

#![cfg(unix)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use bangfu::store::Store;

use crate::support::{copy_store, p, run, tempdir, Bangfu, PASSPHRASE, ROSTER_EXAMPLE};

const AS_OF: &str = "2026-06-01";
const DEFAULT_RUNS: usize = 500;
const DEFAULT_SEED: u64 = 0x6261_6e67_6675_c0de;
/// Households in the imported household.v1 file (4 villages × this).
const FILE_PER_VILLAGE: usize = 50;
/// Copies of the example roster's households in the imported roster.
const ROSTER_COPIES: usize = 40;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ImportHouseholds,
    ImportRoster,
    VisitAdd,
    EvalSave,
    EventAdd,
    BundleExport,
    CountyImport,
}

impl Kind {
    /// The store the command writes: the device's or the county's.
    fn county(self) -> bool {
        self == Kind::CountyImport
    }

    /// The start of the line (stdout or stderr) the command prints once its work is saved.
    fn success_marker(self) -> &'static str {
        match self {
            Kind::ImportHouseholds | Kind::ImportRoster => "已导入",
            Kind::VisitAdd | Kind::EventAdd => "已记录",
            Kind::EvalSave => "已保存",
            Kind::BundleExport => "已导出第",
            Kind::CountyImport => "✓ ",
        }
    }
}

/// Files made once and copied for each run.
struct Seed {
    dir: PathBuf,
    /// The caseworker's store (demo village, device identity, county key).
    device_db: PathBuf,
    /// The county's store (the device registered, nothing imported).
    county_db: PathBuf,
    households_json: PathBuf,
    roster_csv: PathBuf,
    /// A bundle from the device, for the county to import.
    bundle: PathBuf,
    sync: bool,
    /// The `event add` options of a step TXZ-002's case allows next.
    next_step: Vec<String>,
}

/// Row counts of every table but the device-local settings.
type Fingerprint = Vec<(String, i64)>;

fn fingerprint(store: &Store) -> Fingerprint {
    let conn = store.conn();
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
             AND name NOT LIKE 'sqlite_%' AND name <> 'settings' ORDER BY name",
        )
        .expect("list tables");
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("list tables")
        .collect::<Result<_, _>>()
        .expect("table names");
    names
        .into_iter()
        .map(|name| {
            let n: i64 = conn
                .query_row(&format!("SELECT COUNT(*) FROM \"{name}\""), [], |r| {
                    r.get(0)
                })
                .expect("count rows");
            (name, n)
        })
        .collect()
}

fn make_seed(dir: &Path) -> Seed {
    let sync = Bangfu::new()
        .run(&["--help"])
        .ok()
        .both()
        .contains("bundle");
    let device_db = dir.join("device.sqlite");
    let county_db = dir.join("county.sqlite");
    run(
        &device_db,
        &[
            "demo",
            "--per-village",
            "3",
            "--village",
            "田心寨村",
            "--as-of",
            AS_OF,
        ],
    )
    .ok();

    // The step TXZ-002's case allows next (the path is enforced), dated the
    // demo's day so that it follows every step the demo recorded.
    let case = run(&device_db, &["case", "--household", "TXZ-002", "--json"]).ok();
    let case: serde_json::Value = serde_json::from_str(&case.stdout).expect("case JSON");
    let next: Vec<&str> = case["next"]
        .as_array()
        .expect("next steps")
        .iter()
        .filter_map(|k| k.as_str())
        .collect();
    let next_step: Vec<String> = if next.contains(&"review") {
        vec!["--kind", "review", "--data", "outcome=same"]
    } else if next.contains(&"application") {
        vec!["--kind", "application", "--note", "再次申请"]
    } else if next.contains(&"extension") {
        vec!["--kind", "extension", "--note", "需补充材料"]
    } else {
        panic!("no simple next step for TXZ-002: {next:?}")
    }
    .into_iter()
    .map(String::from)
    .collect();

    // A household.v1 file of new households (codes prefixed so none is in the store).
    let as_of = bangfu::dates::parse_iso_date(AS_OF).expect("date");
    let households: Vec<_> = bangfu::demo::build(as_of, FILE_PER_VILLAGE)
        .into_iter()
        .map(|d| {
            let mut h = d.household;
            h.id = format!("CS-{}", h.id);
            // The device's own village: the county takes no other.
            h.village = "田心寨村".into();
            h
        })
        .collect();
    let households_json = dir.join("households.json");
    let doc = bangfu::household_json::to_document(&households);
    std::fs::write(
        &households_json,
        serde_json::to_string_pretty(&doc).expect("json"),
    )
    .expect("write households");

    // A roster: the example roster's households, many times under new codes.
    let example = std::fs::read_to_string(ROSTER_EXAMPLE).expect("example roster");
    let example = example.trim_start_matches('\u{feff}');
    let mut lines = example.lines();
    let mut roster = format!("{}\n", lines.next().expect("header"));
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    for k in 0..ROSTER_COPIES {
        for row in &rows {
            roster.push_str(&format!("RS{k:02}-{row}\n"));
        }
    }
    let roster_csv = dir.join("roster.csv");
    std::fs::write(&roster_csv, roster).expect("write roster");

    let bundle = dir.join("seed.bangfu");
    if sync {
        run(
            &county_db,
            &[
                "county",
                "init",
                "--region",
                "341024",
                "--name",
                "示例县民政局",
            ],
        )
        .ok();
        run(
            &device_db,
            &[
                "device",
                "init",
                "--name",
                "演示协理员",
                "--village",
                "田心寨村",
            ],
        )
        .ok();
        let county_key = dir.join("county.sqlite.keys/county-key.bangfu");
        run(&device_db, &["device", "import-county-key", p(&county_key)]).ok();
        let registration = dir.join("device.sqlite.keys/device-registration.bangfu");
        run(&county_db, &["county", "register-device", p(&registration)]).ok();
        // The bundle for county imports, exported from a copy so the seed has exported nothing.
        let scratch = dir.join("scratch.sqlite");
        copy_store(&device_db, &scratch);
        run(&scratch, &["bundle", "export", "--out", p(&bundle)]).ok();
    }
    Seed {
        dir: dir.to_owned(),
        device_db,
        county_db,
        households_json,
        roster_csv,
        bundle,
        sync,
        next_step,
    }
}

/// The working copy of one run.
struct Trial {
    dir: PathBuf,
    db: PathBuf,
    out: PathBuf,
}

fn prepare(seed: &Seed, kind: Kind) -> Trial {
    let dir = seed.dir.join("run");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear run folder");
    }
    std::fs::create_dir_all(&dir).expect("run folder");
    let (from, name) = if kind.county() {
        (&seed.county_db, "county.sqlite")
    } else {
        (&seed.device_db, "device.sqlite")
    };
    let db = dir.join(name);
    copy_store(from, &db);
    Trial {
        out: dir.join("out.bangfu"),
        dir,
        db,
    }
}

fn args(seed: &Seed, kind: Kind, t: &Trial) -> Vec<String> {
    let mut a: Vec<String> = vec!["--db".into(), p(&t.db).into()];
    let rest: Vec<&str> = match kind {
        Kind::ImportHouseholds => vec!["import", "households", p(&seed.households_json)],
        Kind::ImportRoster => vec!["import", "roster", p(&seed.roster_csv)],
        Kind::VisitAdd => vec![
            "visit",
            "add",
            "--household",
            "TXZ-002",
            "--date",
            "2026-05-20",
            "--worker",
            "汪春生",
            "--worker",
            "方翠花",
            "--problem",
            "housing=墙体开裂",
            "--findings",
            "看、查、算、访已完成",
        ],
        Kind::EvalSave => vec!["eval", "--save", "--as-of", AS_OF],
        Kind::EventAdd => {
            let mut step = vec!["event", "add", "--household", "TXZ-002", "--date", AS_OF];
            step.extend(seed.next_step.iter().map(String::as_str));
            step
        }
        Kind::BundleExport => vec!["bundle", "export", "--out", p(&t.out)],
        Kind::CountyImport => vec!["county", "import", p(&seed.bundle), "--ack-dir", p(&t.dir)],
    };
    a.extend(rest.into_iter().map(String::from));
    a
}

/// How one command ended.
struct Ended {
    killed: bool,
    code: Option<i32>,
    output: String,
    elapsed: Duration,
}

/// Runs the command and sends SIGKILL after `delay` (`None`: let it finish).
fn launch(args: &[String], delay: Option<Duration>) -> Ended {
    let start = Instant::now();
    let child = Bangfu::new()
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bangfu");
    if let Some(delay) = delay {
        std::thread::sleep(delay);
        let pid = libc::pid_t::try_from(child.id()).expect("pid");
        // SAFETY: `pid` is our own child, not yet waited for, so it cannot have been
        // reused: at worst it is a zombie and the signal does nothing.
        let rc = unsafe { libc::kill(pid, libc::SIGKILL) };
        assert_eq!(rc, 0, "kill({pid}, SIGKILL) failed");
    }
    let out = child.wait_with_output().expect("wait for bangfu");
    Ended {
        killed: out.status.signal() == Some(libc::SIGKILL),
        code: out.status.code(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        elapsed: start.elapsed(),
    }
}

/// What a command does to its store when it runs to the end.
struct Profile {
    before: Fingerprint,
    after: Fingerprint,
    /// Median duration of an uninterrupted run.
    duration: Duration,
}

fn open_checked(db: &Path) -> Result<(Store, Fingerprint), String> {
    let store = Store::open(db, &bangfu::store::Passphrase::new(PASSPHRASE))
        .map_err(|e| format!("store does not open: {e}"))?;
    let problems = store
        .verify_log()
        .map_err(|e| format!("log verify failed to run: {e}"))?;
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("{p:?}")).collect();
        return Err(format!("change log does not verify: {}", list.join("; ")));
    }
    let f = fingerprint(&store);
    Ok((store, f))
}

fn profile(seed: &Seed, kind: Kind) -> Profile {
    let mut durations = Vec::new();
    let mut before = None;
    let mut after = None;
    for _ in 0..3 {
        let t = prepare(seed, kind);
        let (_, f0) = open_checked(&t.db).expect("seed store");
        let ended = launch(&args(seed, kind, &t), None);
        assert_eq!(
            ended.code,
            Some(0),
            "{kind:?} fails without a kill:\n{}",
            ended.output
        );
        assert!(
            ended.output.contains(kind.success_marker()),
            "{kind:?} printed no “{}” line:\n{}",
            kind.success_marker(),
            ended.output
        );
        let (_, f1) = open_checked(&t.db).expect("store after an uninterrupted run");
        if kind != Kind::BundleExport {
            assert_ne!(f0, f1, "{kind:?} changed nothing");
        }
        assert!(
            after.as_ref().is_none_or(|a| *a == f1),
            "{kind:?} differs between runs"
        );
        before = Some(f0);
        after = Some(f1);
        durations.push(ended.elapsed);
    }
    durations.sort();
    Profile {
        before: before.expect("profiled"),
        after: after.expect("profiled"),
        duration: durations[1],
    }
}

#[derive(Default)]
struct Tally {
    runs: usize,
    /// Killed before the store file was touched (no WAL yet).
    before_open: usize,
    /// Killed with the store open, nothing written yet.
    before_commit: usize,
    /// Killed inside the write transaction: pages in the WAL, no commit.
    mid_transaction: usize,
    /// Killed after the commit, before the success line.
    after_commit_unreported: usize,
    /// Killed after the success line.
    after_report: usize,
    /// Finished before the kill.
    finished: usize,
    /// Bundle exports killed after the file was written (it was complete).
    bundles_checked: usize,
    /// Temporary files left by killed exports (never under the final name).
    leftover_temp_files: usize,
    losses: usize,
    failures: Vec<String>,
}

/// A bundle file that exists must be whole: the county imports it.
fn check_bundle(seed: &Seed, t: &Trial) -> Result<(), String> {
    let county = t.dir.join("check-county.sqlite");
    copy_store(&seed.county_db, &county);
    let ended = launch(
        &[
            "--db".into(),
            p(&county).into(),
            "county".into(),
            "import".into(),
            p(&t.out).into(),
            "--ack-dir".into(),
            p(&t.dir).into(),
        ],
        None,
    );
    if ended.code == Some(0) && ended.output.contains("✓ ") {
        Ok(())
    } else {
        Err(format!(
            "the bundle left by the killed export is not accepted by the county:\n{}",
            ended.output
        ))
    }
}

fn one_run(
    seed: &Seed,
    kind: Kind,
    profile: &Profile,
    run_seed: u64,
    tally: &mut Tally,
) -> Result<(), String> {
    let mut rng = Rng(run_seed);
    // Most kills land across the command's whole run; a quarter go to its last
    // stretch, where the transaction commits and the report is printed.
    let total = profile.duration.as_secs_f64() * 1.1;
    let fraction = if rng.unit() < 0.75 {
        rng.unit()
    } else {
        0.6 + 0.4 * rng.unit()
    };
    let delay = Duration::from_secs_f64(total * fraction);
    let t = prepare(seed, kind);
    let wal = PathBuf::from(format!("{}-wal", t.db.display()));
    let wal_before = wal.exists();
    let ended = launch(&args(seed, kind, &t), Some(delay));
    let context = || {
        format!(
            "run seed {run_seed:#018x}, {kind:?}, kill after {:.1} ms (killed: {}, exit {:?})\n{}",
            delay.as_secs_f64() * 1e3,
            ended.killed,
            ended.code,
            ended.output
        )
    };
    if !ended.killed && ended.code != Some(0) {
        return Err(format!("command failed on its own: {}", context()));
    }
    let reported = ended.output.contains(kind.success_marker()) || !ended.killed;
    let store_touched = wal.exists() && !wal_before;
    let wal_frames = store_touched && std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    let (_store, now) = open_checked(&t.db).map_err(|e| format!("{e}: {}", context()))?;
    let committed = if now == profile.after {
        true
    } else if now == profile.before {
        false
    } else {
        return Err(format!(
            "partial write: neither all nor nothing\nbefore {:?}\nafter  {:?}\nfound  {now:?}\n{}",
            profile.before,
            profile.after,
            context()
        ));
    };
    let mut effect = committed;
    if kind == Kind::BundleExport {
        // Its effect is the file (written whole under a temporary name, then renamed).
        effect = t.out.exists();
        if effect {
            check_bundle(seed, &t).map_err(|e| format!("{e}\n{}", context()))?;
            tally.bundles_checked += 1;
        }
        tally.leftover_temp_files += std::fs::read_dir(&t.dir)
            .map_err(|e| e.to_string())?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
    }
    if reported && !effect {
        tally.losses += 1;
        return Err(format!("LOSS: reported as saved but absent: {}", context()));
    }
    match (ended.killed, effect, reported) {
        (false, _, _) => tally.finished += 1,
        (true, false, _) if wal_frames => tally.mid_transaction += 1,
        (true, false, _) if store_touched || kind == Kind::BundleExport => tally.before_commit += 1,
        (true, false, _) => tally.before_open += 1,
        (true, true, false) => tally.after_commit_unreported += 1,
        (true, true, true) => tally.after_report += 1,
    }
    Ok(())
}

#[test]
fn sigkill_at_random_points_loses_nothing() {
    let runs: usize = std::env::var("BANGFU_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_RUNS);
    let base_seed: u64 = std::env::var("BANGFU_CRASH_SEED")
        .ok()
        .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .unwrap_or(DEFAULT_SEED);
    let started = Instant::now();
    let tmp = tempdir();
    let seed = make_seed(tmp.path());
    let mut kinds = vec![
        Kind::ImportHouseholds,
        Kind::ImportRoster,
        Kind::VisitAdd,
        Kind::EvalSave,
        Kind::EventAdd,
    ];
    if seed.sync {
        kinds.push(Kind::BundleExport);
        kinds.push(Kind::CountyImport);
    } else {
        eprintln!("crash safety: this bangfu has no `bundle` command; sync kinds skipped");
    }
    let profiles: Vec<Profile> = kinds.iter().map(|&k| profile(&seed, k)).collect();
    for (k, pr) in kinds.iter().zip(&profiles) {
        eprintln!(
            "crash safety: {k:?} takes {:.1} ms uninterrupted",
            pr.duration.as_secs_f64() * 1e3
        );
    }

    let mut tally = Tally::default();
    let mut per_kind = vec![(0usize, 0usize); kinds.len()];
    for i in 0..runs {
        let which = i % kinds.len();
        let run_seed = base_seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let before = tally.before_commit + tally.before_open + tally.mid_transaction;
        if let Err(e) = one_run(&seed, kinds[which], &profiles[which], run_seed, &mut tally) {
            eprintln!("crash safety: run {i} FAILED: {e}");
            tally.failures.push(format!("run {i}: {e}"));
        }
        tally.runs += 1;
        per_kind[which].0 += 1;
        per_kind[which].1 +=
            tally.before_commit + tally.before_open + tally.mid_transaction - before;
    }

    eprintln!(
        "crash safety: {} runs in {:.1} s (base seed {base_seed:#x}); killed before the store \
         was opened {}, with the store open before any write {}, inside the write transaction \
         (uncommitted pages in the WAL) {}, after the commit before the report {}, after the report {}; finished before the kill {}; bundles left by \
         killed exports checked whole {}, temporary files left {}; losses {}; failures {}",
        tally.runs,
        started.elapsed().as_secs_f64(),
        tally.before_open,
        tally.before_commit,
        tally.mid_transaction,
        tally.after_commit_unreported,
        tally.after_report,
        tally.finished,
        tally.bundles_checked,
        tally.leftover_temp_files,
        tally.losses,
        tally.failures.len()
    );
    for (k, (n, rolled_back)) in kinds.iter().zip(&per_kind) {
        eprintln!("crash safety:   {k:?}: {n} runs, {rolled_back} left no trace");
    }
    assert_eq!(tally.losses, 0, "writes reported as saved were lost");
    assert!(
        tally.failures.is_empty(),
        "{} of {} runs failed:\n{}",
        tally.failures.len(),
        tally.runs,
        tally.failures.join("\n\n")
    );
    assert!(runs < 50 || tally.before_commit + tally.before_open + tally.mid_transaction > 0);
    assert!(runs < 50 || tally.after_report + tally.after_commit_unreported + tally.finished > 0);
}
