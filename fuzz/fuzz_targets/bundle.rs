//! Sync files from untrusted bytes, as the county and a device read them.
//!
//! The first byte picks what the rest is:
//!
//! * `0 mod 4` — a whole bundle file, imported by a county that has this
//!   fuzzer's device registered (`county::import_bundle`, `peek_bundle`):
//!   the tar container, the manifest, the signature check.
//! * `1 mod 4` — a whole file read as an acknowledgement by the device
//!   (`device::apply_ack`), and as each other signed kind by `sealed::open`.
//! * `2 mod 4` and `3 mod 4` — the *decrypted payload* of a bundle: JSON
//!   lines of change-log entries. The harness plays a faithful but
//!   compromised device: it fixes each parsable line's hash chain (and, for
//!   `2`, its sequence numbers), gzips, encrypts to the county, signs a
//!   matching manifest with the registered device's key and has the county
//!   import it. This reaches the payload reader and the field-by-field merge
//!   (`row_json`, `base`), which a forged file can never reach. For
//!   convenience `row_json` and `base` may be given as JSON objects; they
//!   are turned into the strings the format carries. Blob lines
//!   (`{"blob":…,"mime":…,"data":…}`) pass through as they are, counted in
//!   the manifest's `blob_count` and `blob_bytes`.
//!
//! Besides "no panic": when the county accepts a bundle, its own change log
//! must still verify. `BANGFU_FUZZ_DEBUG=1` prints what the county said.
#![no_main]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use bangfu::store::changelog::GENESIS;
use bangfu::store::Store;
use bangfu::sync::county;
use bangfu::sync::device::{self, Device};
use bangfu::sync::identity::parse_recipient;
use bangfu::sync::sealed;
use bangfu::sync::wire::{self, BundleManifest, CountyKeyManifest, Item, Line, PayloadInfo};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Fixture {
    _dir: tempfile::TempDir,
    /// The device's store and its path.
    device_db: PathBuf,
    device_store: Store,
    device: Device,
    county_public: CountyKeyManifest,
    /// The county store as registered, copied to `county_db` before each import.
    county_template: Vec<u8>,
    /// The template, open: its key opens each copy without Argon2id.
    county_template_store: Store,
    county_db: PathBuf,
    input: PathBuf,
}

fn fixture() -> &'static Mutex<Fixture> {
    static F: OnceLock<Mutex<Fixture>> = OnceLock::new();
    F.get_or_init(|| Mutex::new(make_fixture()))
}

fn make_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let device_db = d.join("device.sqlite");
    let mut device_store = Store::open(&device_db, &passphrase()).expect("device store");
    let (dev, _) = device::init(
        &mut device_store,
        &device_db,
        Some("模糊测试员"),
        Some("田心寨村"),
        false,
    )
    .expect("device init");

    let template_db = d.join("template.sqlite");
    let county_public;
    {
        let mut cs = Store::open(&template_db, &passphrase()).expect("county store");
        let (c, _) = county::init(&mut cs, &template_db, "341024", "示例县民政局").expect("county");
        let key_file = d.join("county-key.bangfu");
        c.write_public_file(&key_file).expect("county key file");
        device::import_county_key(&mut device_store, &key_file, None).expect("import county key");
        let reg = d.join("registration.bangfu");
        dev.write_registration(&reg).expect("registration");
        county::register_device(&mut cs, &reg).expect("register device");
        county_public = c.public;
    }
    let county_template = std::fs::read(&template_db).expect("read county template");
    let county_template_store = Store::open(&template_db, &passphrase()).expect("template");
    // The working copy uses the same keys, found beside it as `<db>.keys`.
    let county_db = d.join("county.sqlite");
    let keys_from = bangfu::sync::identity::keys_dir(&template_db);
    let keys_to = bangfu::sync::identity::keys_dir(&county_db);
    std::fs::create_dir_all(&keys_to).expect("keys folder");
    for e in std::fs::read_dir(&keys_from).expect("keys") {
        let e = e.expect("key file");
        std::fs::copy(e.path(), keys_to.join(e.file_name())).expect("copy key");
    }
    let device = device::load(&device_store, &device_db).expect("device load");
    Fixture {
        input: d.join("input.bangfu"),
        _dir: dir,
        device_db,
        device_store,
        device,
        county_public,
        county_template,
        county_template_store,
        county_db,
    }
}

fn passphrase() -> bangfu::store::Passphrase {
    bangfu::store::Passphrase::new("fuzzing passphrase")
}

fn fresh_county(f: &Fixture) -> Store {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", f.county_db.display()));
    }
    std::fs::write(&f.county_db, &f.county_template).expect("county copy");
    // Same key as the template: no Argon2id run per input.
    f.county_template_store
        .open_copy(&f.county_db)
        .expect("county store opens")
}

fn import(f: &Fixture, path: &Path) {
    let mut store = fresh_county(f);
    let c = county::load(&store, &f.county_db).expect("county load");
    let _ = county::peek_bundle(path);
    let result = county::import_bundle(&mut store, &c, path);
    if std::env::var_os("BANGFU_FUZZ_DEBUG").is_some() {
        match &result {
            Ok(r) => eprintln!(
                "accepted: {} rows, {} conflicts",
                r.rows_changed,
                r.new_conflicts.len()
            ),
            Err(e) => eprintln!("rejected: {e}"),
        }
    }
    if result.is_ok() {
        let problems = store.verify_log().expect("verify runs");
        assert!(
            problems.is_empty(),
            "the county accepted a bundle and its log no longer verifies: {problems:?}"
        );
        let _ = county::conflicts(&store, true).expect("conflicts list");
        let out = path.with_extension("ack");
        county::write_ack(&store, &c, &f.device.id, &out).expect("ack is written");
    }
}

/// Turns fuzzed JSON lines into a payload with a valid hash chain; also
/// returns the number of blob lines and their decoded bytes.
fn payload_lines(data: &[u8], renumber: bool) -> (Vec<u8>, Vec<Line>, u64, u64) {
    let mut plain = Vec::new();
    let mut lines = Vec::new();
    let (mut blob_count, mut blob_bytes) = (0u64, 0u64);
    let mut prev = GENESIS.to_owned();
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    for (i, raw) in data.split(|&b| b == b'\n').enumerate() {
        if let Ok(Item::Blob(b)) = Item::from_json(raw) {
            blob_count += 1;
            blob_bytes += b.decode().map_or(0, |bytes| bytes.len() as u64);
            plain.extend_from_slice(raw);
            plain.push(b'\n');
            continue;
        }
        let parsed = serde_json::from_slice::<Value>(raw).ok().and_then(|mut v| {
            if let Some(obj) = v.as_object_mut() {
                for key in ["row_json", "base"] {
                    if let Some(x) = obj.get_mut(key) {
                        if x.is_object() || x.is_array() {
                            *x = Value::String(x.to_string());
                        }
                    }
                }
            }
            serde_json::from_value::<Line>(v).ok()
        });
        match parsed {
            Some(mut line) => {
                if renumber {
                    line.seq = i as i64 + 1;
                }
                line.prev_hash = prev.clone();
                line.hash = line.entry().compute_hash();
                prev = line.hash.clone();
                serde_json::to_writer(&mut plain, &line).expect("line");
                lines.push(line);
            }
            None => plain.extend_from_slice(raw),
        }
        plain.push(b'\n');
    }
    (plain, lines, blob_count, blob_bytes)
}

fn signed_bundle(f: &Fixture, data: &[u8], renumber: bool) -> Option<()> {
    let (plain, lines, blob_count, blob_bytes) = payload_lines(data, renumber);
    let (first, last) = (lines.first()?, lines.last()?);
    let recipient = parse_recipient(&f.county_public.age_recipient).expect("recipient");
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .expect("encryptor");
    let mut sink = encryptor.wrap_output(Vec::new()).expect("age");
    {
        let mut gz = flate2::write::GzEncoder::new(&mut sink, flate2::Compression::fast());
        gz.write_all(&plain).expect("gzip");
        gz.finish().expect("gzip");
    }
    let payload = sink.finish().expect("age");
    let manifest = BundleManifest {
        format: wire::BUNDLE_FORMAT.into(),
        device_id: f.device.id.clone(),
        caseworker: f.device.caseworker.clone(),
        village: f.device.village.clone(),
        region: f.county_public.region.clone(),
        county_key_id: f.county_public.key_id.clone(),
        sequence: 1,
        first_prev_hash: GENESIS.into(),
        first_hash: first.hash.clone(),
        last_hash: last.hash.clone(),
        first_seq: first.seq,
        last_seq: last.seq,
        entry_count: lines.len() as u64,
        plain_bytes: plain.len() as u64,
        blob_count,
        blob_bytes,
        created_at: "2026-06-01T08:00:00.000Z".into(),
        payload: PayloadInfo::of(wire::BUNDLE_PAYLOAD, &payload),
    };
    let mut manifest_bytes = serde_json::to_vec_pretty(&manifest).expect("manifest");
    manifest_bytes.push(b'\n');
    sealed::write(
        &f.input,
        &manifest_bytes,
        &f.device.keys.signing,
        "bangfu.bundle.v1 fuzz",
        Some((wire::BUNDLE_PAYLOAD, &payload)),
    )
    .expect("write bundle");
    Some(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut guard = fixture().lock().unwrap_or_else(|e| e.into_inner());
    let f = &mut *guard;
    match mode % 4 {
        0 => {
            std::fs::write(&f.input, rest).expect("write input");
            import(f, &f.input);
        }
        1 => {
            std::fs::write(&f.input, rest).expect("write input");
            let db = f.device_db.clone();
            let _ = device::apply_ack(&mut f.device_store, &db, &f.input);
            for (format, payload) in [
                (wire::BUNDLE_FORMAT, Some(wire::BUNDLE_PAYLOAD)),
                (wire::ACK_FORMAT, Some(wire::ACK_PAYLOAD)),
                (wire::COUNTY_KEY_FORMAT, None),
                (
                    bangfu::sync::wire::POLICY_FORMAT,
                    Some(bangfu::sync::wire::POLICY_PAYLOAD),
                ),
                (bangfu::sync::wire::REGISTRATION_FORMAT, None),
            ] {
                if let Ok(mut opened) = sealed::open(&f.input, format, "文件", payload) {
                    let _ = opened.manifest::<Value>("文件");
                    let info = PayloadInfo::of(payload.unwrap_or("x"), rest);
                    let _ = opened.check_payload(&info);
                }
            }
        }
        m => {
            if signed_bundle(f, rest, m == 2).is_some() {
                import(f, &f.input);
            }
        }
    }
});
