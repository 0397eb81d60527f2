//! `bangfu bench`: the speed and memory figures recorded in BENCHMARKS.md.
//!
//! Generates a large village, then measures the engine alone, `eval --input`
//! end to end (with the share spent parsing JSON), and `eval --db`, running the
//! real binary for the end-to-end figures and reading its peak memory.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;

mod sync;

use bangfu::engine::evaluate_all;
use bangfu::household_json::{parse_file, to_document};
use bangfu::policy::{Policy, PolicySet, DEFAULT_POLICY_TOML};
use bangfu::store::{Store, StoreError};

/// One measured figure.
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// Wall time.
    pub time: Duration,
    /// Items processed, for a rate.
    pub items: usize,
    /// Peak resident memory of a child process, in KiB, when measured.
    pub peak_kib: Option<u64>,
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.time.as_secs_f64();
        if secs < 1.0 {
            write!(f, "{:<48} {:>9.3} ms", self.name, secs * 1000.0)?;
        } else {
            write!(f, "{:<48} {:>9.3} s ", self.name, secs)?;
        }
        if self.items > 0 && secs > 0.0 {
            write!(f, " {:>12.0} /s", self.items as f64 / secs)?;
        }
        if let Some(kib) = self.peak_kib {
            write!(f, "  peak {:.0} MiB", kib as f64 / 1024.0)?;
        }
        Ok(())
    }
}

/// Runs the eligibility benchmarks on `count` generated households, using
/// `work_dir` for the files and `exe` (this program) for end-to-end runs.
pub fn run_eval_benchmarks(
    count: usize,
    work_dir: &Path,
    exe: &Path,
) -> Result<Vec<Figure>, String> {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("date")?;
    let per_village = count.div_ceil(bangfu::demo::VILLAGES.len());
    let village = bangfu::demo::build(as_of, per_village);
    let households: Vec<_> = village
        .into_iter()
        .map(|d| d.household)
        .take(count)
        .collect();
    let input = work_dir.join("bench-households.json");
    let text = serde_json::to_string(&to_document(&households)).map_err(|e| e.to_string())?;
    std::fs::write(&input, &text).map_err(|e| e.to_string())?;
    let policy_path = work_dir.join("bench-policy.toml");
    std::fs::write(&policy_path, DEFAULT_POLICY_TOML).map_err(|e| e.to_string())?;
    let policies = PolicySet::new(vec![
        Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策").map_err(|e| e.to_string())?
    ])
    .map_err(|e| e.to_string())?;
    let mut figures = Vec::new();

    let t = Instant::now();
    let parsed = parse_file(&text).map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: format!("parse household JSON ({} MB)", text.len() / 1_000_000),
        time: t.elapsed(),
        items: parsed.len(),
        peak_kib: None,
    });

    let t = Instant::now();
    let report = evaluate_all(&policies, &parsed, as_of).map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: "engine alone (evaluate_all)".into(),
        time: t.elapsed(),
        items: report.results.len(),
        peak_kib: None,
    });

    let t = Instant::now();
    let out = serde_json::to_vec(&report).map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: format!("serialize results ({} MB)", out.len() / 1_000_000),
        time: t.elapsed(),
        items: report.results.len(),
        peak_kib: None,
    });

    let as_of_arg = as_of.to_string();
    let input_arg = input.display().to_string();
    let policy_arg = policy_path.display().to_string();
    figures.push(run_child(
        exe,
        &[
            "eval",
            "--policy",
            &policy_arg,
            "--input",
            &input_arg,
            "--as-of",
            &as_of_arg,
        ],
        "eval --input end to end (process)",
        count,
    )?);

    let db = work_dir.join("bench.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let t = Instant::now();
    let mut store = Store::open(&db, &bench_passphrase()).map_err(|e| e.to_string())?;
    store
        .write(|tx| {
            for h in &households {
                tx.save_household(h)?;
            }
            Ok::<_, StoreError>(())
        })
        .map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: "import into store (one transaction)".into(),
        time: t.elapsed(),
        items: count,
        peak_kib: None,
    });
    drop(store);
    let db_arg = db.display().to_string();
    figures.push(run_child(
        exe,
        &[
            "--db",
            &db_arg,
            "eval",
            "--policy",
            &policy_arg,
            "--as-of",
            &as_of_arg,
        ],
        "eval --db end to end (process)",
        count,
    )?);
    Ok(figures)
}

/// Runs the sync benchmarks (`bangfu bench --sync`) in `work_dir`: a bundle
/// export of 10,000 changes and a county import of 100 bundles of about 1,000
/// entries, each by the real binary `exe`; returns the figures and notes
/// (data sizes, bytes per household change).
pub fn run_sync_benchmarks(
    work_dir: &Path,
    exe: &Path,
) -> Result<(Vec<Figure>, Vec<String>), String> {
    let t = Instant::now();
    let p = sync::prepare(work_dir)?;
    let mut notes = vec![format!(
        "data prepared in {:.1} s",
        t.elapsed().as_secs_f64()
    )];
    notes.extend(p.notes);
    let db = p.export_db.display().to_string();
    let out = p.export_out.display().to_string();
    let mut figures = vec![run_child(
        exe,
        &["--db", &db, "bundle", "export", "--out", &out],
        "bundle export, 10,000 entries (process)",
        p.export_entries,
    )?];
    let county = p.county_db.display().to_string();
    let acks = p.ack_dir.display().to_string();
    let files: Vec<String> = p.bundles.iter().map(|b| b.display().to_string()).collect();
    let mut args = vec!["--db", &county, "county", "import", "--ack-dir", &acks];
    args.extend(files.iter().map(String::as_str));
    figures.push(run_child(
        exe,
        &args,
        &format!("county import, {} bundles (process)", files.len()),
        p.bundle_entries as usize,
    )?);
    Ok((figures, notes))
}

/// The desktop app's hot paths, measured on the core calls its commands make:
/// search over `count` households (one query per keystroke of several names)
/// and saving a visit to a store of that size.
pub fn run_app_benchmarks(count: usize, work_dir: &Path) -> Result<Vec<Figure>, String> {
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("date")?;
    let village = bangfu::demo::build(today, count.div_ceil(bangfu::demo::VILLAGES.len()));
    let db = work_dir.join("bench-app.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut store = Store::open(&db, &bench_passphrase()).map_err(|e| e.to_string())?;
    store
        .write(|tx| {
            for d in village.iter().take(count) {
                tx.save_household(&d.household)?;
            }
            Ok::<_, StoreError>(())
        })
        .map_err(|e| e.to_string())?;
    let mut figures = Vec::new();

    let t = Instant::now();
    let index = bangfu::search::SearchIndex::build(&store).map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: format!("search index build ({} households)", index.len()),
        time: t.elapsed(),
        items: 0,
        peak_kib: None,
    });

    // Every prefix of a few names, as typed one key at a time, plus pinyin initials and an ID fragment.
    let mut queries: Vec<String> = Vec::new();
    for d in village.iter().take(count).step_by((count / 20).max(1)) {
        let name: Vec<char> = d.household.members[0].name.chars().collect();
        queries.extend((1..=name.len()).map(|n| name[..n].iter().collect()));
        queries.push(bangfu::search::initials(&d.household.members[0].name));
    }
    queries.push("19".into());
    queries.push("田心寨 2组".into());
    let mut slowest = Duration::ZERO;
    let t = Instant::now();
    for q in &queries {
        let one = Instant::now();
        let hits = index.search(q, 500);
        std::hint::black_box(hits);
        slowest = slowest.max(one.elapsed());
    }
    figures.push(Figure {
        name: format!("search, {} keystrokes (total)", queries.len()),
        time: t.elapsed(),
        items: queries.len(),
        peak_kib: None,
    });
    figures.push(Figure {
        name: "search, slowest single keystroke".into(),
        time: slowest,
        items: 0,
        peak_kib: None,
    });

    let household_id = store
        .household_record_id(&village[0].household.id)
        .map_err(|e| e.to_string())?;
    let mut slowest = Duration::ZERO;
    let rounds = 50;
    let t = Instant::now();
    for k in 0..rounds {
        let mut visit = village[0].visits[0].clone();
        visit.id = uuid::Uuid::now_v7();
        visit.findings = format!("第{k}次走访");
        let one = Instant::now();
        store
            .write(|tx| tx.save_visit(&household_id, &visit))
            .map_err(|e| e.to_string())?;
        slowest = slowest.max(one.elapsed());
    }
    figures.push(Figure {
        name: format!("save a visit ({rounds} saves, total)"),
        time: t.elapsed(),
        items: rounds,
        peak_kib: None,
    });
    figures.push(Figure {
        name: "save a visit, slowest".into(),
        time: slowest,
        items: 0,
        peak_kib: None,
    });
    Ok(figures)
}

/// Attachments: importing a 12-megapixel phone photo, and a dossier with 10 photos.
pub fn run_attachment_benchmarks(work_dir: &Path) -> Result<Vec<Figure>, String> {
    use bangfu::attach::{attach_file, NewAttachment};
    use bangfu::attachments::AttachmentKind;
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("date")?;
    let db = work_dir.join("bench-attachments.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mut store = Store::open(&db, &bench_passphrase()).map_err(|e| e.to_string())?;
    let village = bangfu::demo::build(today, 1);
    let household = &village[0].household;
    store
        .write(|tx| tx.save_household(household))
        .map_err(|e| e.to_string())?;
    let new = NewAttachment {
        household: household.id.clone(),
        kind: AttachmentKind::HousePhoto,
        caption: "正房".into(),
        taken_on: Some(today),
        member_name: None,
        visit_id: None,
        event_id: None,
    };
    let mut figures = Vec::new();
    let mut photos = Vec::new();
    for seed in 0..10u32 {
        let path = work_dir.join(format!("bench-photo-{seed}.jpg"));
        std::fs::write(&path, bangfu::demo::photo(4000, 3000, seed + 1)?)
            .map_err(|e| e.to_string())?;
        photos.push(path);
    }
    let mut stored = 0;
    let t = Instant::now();
    for path in &photos {
        let (a, _) = attach_file(&mut store, path, &new, today).map_err(|e| e.to_string())?;
        stored += a.size;
    }
    let original = std::fs::metadata(&photos[0])
        .map_err(|e| e.to_string())?
        .len();
    figures.push(Figure {
        name: format!(
            "attach a 12 MP JPEG ({} KB → {} KB), per photo",
            original / 1024,
            stored / 10 / 1024
        ),
        time: t.elapsed() / 10,
        items: 0,
        peak_kib: None,
    });
    let file =
        bangfu::casefile::CaseFile::load(&store, &household.id).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let pdf = bangfu::documents::dossier_pdf(&file, today, Default::default())
        .map_err(|e| e.to_string())?;
    figures.push(Figure {
        name: format!("dossier with 10 photos ({} KB)", pdf.len() / 1024),
        time: t.elapsed(),
        items: 0,
        peak_kib: None,
    });
    Ok(figures)
}

/// The passphrase of the benchmarks' throw-away stores: they measure the
/// encrypted store a caseworker has.
pub(crate) const BENCH_PASSPHRASE: &str = "bench passphrase";

/// [`BENCH_PASSPHRASE`] as a [`bangfu::store::Passphrase`].
pub(crate) fn bench_passphrase() -> bangfu::store::Passphrase {
    bangfu::store::Passphrase::new(BENCH_PASSPHRASE)
}

/// Runs this program as a child with output discarded; times it and reads
/// the peak memory the child reports of itself (its own high-water mark,
/// not counting the parent it was forked from).
fn run_child(exe: &Path, args: &[&str], name: &str, items: usize) -> Result<Figure, String> {
    let t = Instant::now();
    let out = Command::new(exe)
        .args(args)
        .env(REPORT_PEAK_ENV, "1")
        .env(crate::unlock::PASSPHRASE_ENV, BENCH_PASSPHRASE)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("{name}: {e}"))?;
    let time = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{name}: the command failed: {stderr}"));
    }
    let peak_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix(PEAK_PREFIX))
        .and_then(|n| n.trim().parse().ok());
    Ok(Figure {
        name: name.into(),
        time,
        items,
        peak_kib,
    })
}

/// Set in a child's environment to make it report its peak memory on exit.
pub const REPORT_PEAK_ENV: &str = "BANGFU_REPORT_PEAK";
const PEAK_PREFIX: &str = "bangfu-peak-kib: ";

/// Prints this process's peak resident memory (VmHWM) to stderr when asked by [`REPORT_PEAK_ENV`].
pub fn report_peak_if_asked() {
    if std::env::var_os(REPORT_PEAK_ENV).is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(kib) = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        eprintln!("{PEAK_PREFIX}{kib}");
    }
}
