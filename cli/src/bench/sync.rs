//! Data for the sync benchmarks (`bangfu bench --sync`): a device with
//! 10,000 unexported changes, a county with 10 registered devices and 100
//! bundles of about 1,000 entries each waiting to be imported, and a bundle
//! of single-field household changes for the bytes-per-change figure.
//!
//! [`crate::bench::run_sync_benchmarks`] times the real binary on them.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use bangfu::model::Household;
use bangfu::store::{Store, StoreError};
use bangfu::sync::bundle::{self, Destination, Sender, Start};
use bangfu::sync::identity::parse_recipient;
use bangfu::sync::{county, device};

/// What [`prepare`] made.
pub struct Prepared {
    /// Device store with [`Prepared::export_entries`] changes not yet exported.
    pub export_db: PathBuf,
    /// Where its bundle goes.
    pub export_out: PathBuf,
    /// Changes waiting on that device.
    pub export_entries: usize,
    /// County store with the devices registered.
    pub county_db: PathBuf,
    /// Bundles to import, in order.
    pub bundles: Vec<PathBuf>,
    /// Entries in them.
    pub bundle_entries: u64,
    /// Folder for acknowledgements.
    pub ack_dir: PathBuf,
    /// Notes: sizes and bytes per change.
    pub notes: Vec<String>,
}

/// The village of every benchmark device and household.
const VILLAGE: &str = "基准村";

fn s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Generated households with file numbers prefixed by `prefix`.
fn households(prefix: &str, count: usize, seed_offset: usize) -> Result<Vec<Household>, String> {
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 1).ok_or("date")?;
    let per_village = (count + seed_offset).div_ceil(bangfu::demo::VILLAGES.len());
    Ok(bangfu::demo::build(as_of, per_village)
        .into_iter()
        .skip(seed_offset)
        .take(count)
        .map(|d| {
            let mut h = d.household;
            h.id = format!("{prefix}-{}", h.id);
            // A device writes its own village only (see `admission`).
            h.village = VILLAGE.into();
            h
        })
        .collect())
}

fn new_device(dir: &Path, name: &str, county_file: &Path) -> Result<(PathBuf, Store), String> {
    let db = dir.join(format!("{name}.sqlite"));
    let mut store = Store::open(&db, &crate::bench::bench_passphrase()).map_err(s)?;
    device::init(&mut store, &db, Some(name), Some(VILLAGE), false).map_err(s)?;
    device::import_county_key(&mut store, county_file, None).map_err(s)?;
    Ok((db, store))
}

fn max_seq(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| {
        r.get(0)
    })
}

/// Saves households until the log has grown by at least `entries`; returns
/// the growth and the number of households used.
fn grow(store: &mut Store, hs: &[Household], entries: i64) -> Result<(i64, usize), String> {
    let start = max_seq(store.conn()).map_err(s)?;
    let mut used = 0;
    store
        .write(|tx| {
            for h in hs {
                if max_seq(tx.conn())? - start >= entries {
                    break;
                }
                tx.save_household(h)?;
                used += 1;
            }
            Ok::<_, StoreError>(())
        })
        .map_err(s)?;
    Ok((max_seq(store.conn()).map_err(s)? - start, used))
}

fn head(store: &Store) -> Result<(i64, String), String> {
    store
        .conn()
        .query_row(
            "SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(s)
}

/// Builds the benchmark data in `work_dir/sync-bench/` (removed first).
pub fn prepare(work_dir: &Path) -> Result<Prepared, String> {
    let dir = work_dir.join("sync-bench");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(s)?;
    }
    std::fs::create_dir_all(&dir).map_err(s)?;
    let mut notes = Vec::new();

    let county_db = dir.join("county.sqlite");
    let mut county_store = Store::open(&county_db, &crate::bench::bench_passphrase()).map_err(s)?;
    let (cty, _) =
        county::init(&mut county_store, &county_db, "341024", "基准县民政局").map_err(s)?;
    let county_file = dir.join("county-key.bangfu");
    cty.write_public_file(&county_file).map_err(s)?;
    let to = || -> Result<Destination, String> {
        Ok(Destination {
            region: cty.public.region.clone(),
            key_id: cty.public.key_id.clone(),
            recipient: parse_recipient(&cty.public.age_recipient).map_err(s)?,
        })
    };

    // 1. A device with 10,000 changes to export.
    let (export_db, mut store) = new_device(&dir, "export", &county_file)?;
    let hs = households("EXP", 4000, 0)?;
    let (export_entries, used) = grow(&mut store, &hs, 10_000)?;
    notes.push(format!(
        "export device: {export_entries} change entries ({used} households)"
    ));
    drop(store);

    // 2. Ten devices, ten bundles each of ~1,000 entries: new households, then edits.
    let (bundles, bundle_entries, bundle_bytes) =
        ten_devices(&dir, &mut county_store, &county_file, &to)?;
    notes.push(format!(
        "county import: {} bundles, {bundle_entries} entries, {:.1} MB, {:.0} bytes per entry",
        bundles.len(),
        bundle_bytes as f64 / 1e6,
        bundle_bytes as f64 / bundle_entries.max(1) as f64
    ));
    drop(county_store);

    // 3. Bytes per household change.
    notes.extend(bytes_per_change(&dir, &county_file, &to)?);

    Ok(Prepared {
        export_db,
        export_out: dir.join("export-10k.bangfu"),
        export_entries: export_entries as usize,
        county_db,
        bundles,
        bundle_entries,
        ack_dir: dir.join("acks"),
        notes,
    })
}

/// Ten devices, registered at the county, each exporting ten bundles of
/// about 1,000 entries: new households, then edits. The bundles, their
/// entries and bytes.
fn ten_devices(
    dir: &Path,
    county_store: &mut Store,
    county_file: &Path,
    to: &dyn Fn() -> Result<Destination, String>,
) -> Result<(Vec<PathBuf>, u64, u64), String> {
    let mut bundles = Vec::new();
    let mut bundle_entries = 0u64;
    let mut bundle_bytes = 0u64;
    for d in 0..10 {
        let name = format!("dev{d:02}");
        let (db, mut store) = new_device(dir, &name, county_file)?;
        let reg = dir.join(format!("{name}.reg"));
        let dev = device::load(&store, &db).map_err(s)?;
        dev.write_registration(&reg).map_err(s)?;
        county::register_device(county_store, &reg).map_err(s)?;
        let pool = households(&format!("D{d:02}"), 2600, 0)?;
        let mut next = 0usize;
        let mut start = Start {
            after_seq: 0,
            after_hash: bangfu::store::changelog::GENESIS.to_owned(),
            sequence: 1,
        };
        for k in 0..10 {
            let before = max_seq(store.conn()).map_err(s)?;
            if k > 0 {
                // Edit the phone of up to 300 households already sent.
                let mut edited: Vec<Household> = pool[..next.min(300)].to_vec();
                for h in &mut edited {
                    h.phone = Some(format!("139{d:02}{k:02}{:04}", h.members.len()));
                }
                store
                    .write(|tx| {
                        for h in &edited {
                            tx.save_household(h)?;
                        }
                        Ok::<_, StoreError>(())
                    })
                    .map_err(s)?;
            }
            let have = max_seq(store.conn()).map_err(s)? - before;
            let (_, used) = grow(&mut store, &pool[next..], 1_000 - have)?;
            next += used;
            let out = dir.join(format!("{name}-{:02}.bangfu", k + 1));
            let sender = Sender {
                device_id: &dev.id,
                caseworker: &dev.caseworker,
                village: &dev.village,
                keys: &dev.keys,
            };
            let m = bundle::export(store.conn(), &sender, &to()?, &start, u64::MAX, &out)
                .map_err(s)?
                .ok_or("nothing to export")?;
            bundle_entries += m.entry_count;
            bundle_bytes += std::fs::metadata(&out).map_err(s)?.len();
            bundles.push(out);
            let (seq, hash) = head(&store)?;
            start = Start {
                after_seq: seq,
                after_hash: hash,
                sequence: start.sequence + 1,
            };
        }
    }
    Ok((bundles, bundle_entries, bundle_bytes))
}

/// Bytes per household change: 1,000 new households (household, members,
/// expenses rows), then 1,000 single-field edits (one entry each).
fn bytes_per_change(
    dir: &Path,
    county_file: &Path,
    to: &dyn Fn() -> Result<Destination, String>,
) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    let (db, mut store) = new_device(dir, "bytes", county_file)?;
    let dev = device::load(&store, &db).map_err(s)?;
    let sender = Sender {
        device_id: &dev.id,
        caseworker: &dev.caseworker,
        village: &dev.village,
        keys: &dev.keys,
    };
    let pool = households("BYT", 1000, 0)?;
    let (entries, _) = grow(&mut store, &pool, i64::MAX)?;
    let out = dir.join("bytes-new.bangfu");
    let start = Start {
        after_seq: 0,
        after_hash: bangfu::store::changelog::GENESIS.to_owned(),
        sequence: 1,
    };
    bundle::export(store.conn(), &sender, &to()?, &start, u64::MAX, &out).map_err(s)?;
    let size = std::fs::metadata(&out).map_err(s)?.len();
    notes.push(format!(
        "bytes per new household: {:.0} ({} households, {entries} entries, bundle {size} bytes)",
        size as f64 / pool.len() as f64,
        pool.len()
    ));
    let (seq, hash) = head(&store)?;
    let mut edited = pool.clone();
    for (i, h) in edited.iter_mut().enumerate() {
        h.phone = Some(format!("1380000{i:04}"));
    }
    store
        .write(|tx| {
            for h in &edited {
                tx.save_household(h)?;
            }
            Ok::<_, StoreError>(())
        })
        .map_err(s)?;
    let out = dir.join("bytes-edit.bangfu");
    let start = Start {
        after_seq: seq,
        after_hash: hash,
        sequence: 2,
    };
    let m = bundle::export(store.conn(), &sender, &to()?, &start, u64::MAX, &out)
        .map_err(s)?
        .ok_or("nothing to export")?;
    let size = std::fs::metadata(&out).map_err(s)?.len();
    notes.push(format!(
        "bytes per household change (one field): {:.0} ({} changes, bundle {size} bytes, {} bytes of JSON before gzip)",
        size as f64 / m.entry_count as f64,
        m.entry_count,
        m.plain_bytes
    ));
    Ok(notes)
}
