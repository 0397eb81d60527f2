//! Policies a county could not have meant, through the real `bangfu` binary
//! (issue 19, points 5 and 6): a standard of 7×10^28 (or 0.01, or 10^9)
//! at `eval --policy`, `county publish-policy` and `policy import`; an
//! older signed policy for the same effective date imported after a newer
//! one; and a signed policy whose `region_code` is not the signing county's.
//! Each is refused with a Chinese message and exit status 2, and the store
//! is unchanged.
//!
//! Signed files the county's program would not write are forged with the
//! project's own signing code and the county's real key, as an attacker
//! holding a copy of that key (or a careless county) would.

use std::path::{Path, PathBuf};

use bangfu::sync::wire::{PolicyManifest, POLICY_FORMAT as FORMAT, POLICY_PAYLOAD as PAYLOAD};
use serde_json::{json, Value};

use crate::support::sync::{
    county, keys_of, policy_text, publish_policy, unregistered_device, County,
};
use crate::support::{import_households, p, query_all, run, tempdir};

/// 7×10^28, just below the largest exact decimal: any product with it overflows.
const ABSURD: &str = "70000000000000000000000000000";

// ---------------------------------------------------------------------------
// A county, a device, policies
// ---------------------------------------------------------------------------

struct World {
    dir: PathBuf,
    county: County,
    device: PathBuf,
}

/// A county of region 341024 and a device holding its key and one rural
/// household (9,600 a year of wages: 700 a month after the work allowance).
fn world(dir: &Path) -> World {
    let county = county(dir, "county", "341024");
    let (device, _) = unregistered_device(dir, "device", "田心寨村", &county);
    import_households(&device, &dir.join("households.json"), &[household()]);
    World {
        dir: dir.to_owned(),
        county,
        device,
    }
}

fn household() -> Value {
    json!({
        "id": "TXZ-001", "region_code": "341024", "village": "田心寨村", "hukou": "rural",
        "members": [{
            "name": "程金明", "id_number": "341024198104120119", "relation": "self",
            "cohabiting": true, "disability": null, "serious_illness": false,
            "work_capacity": "full", "self_care": "full",
            "incomes": [{"kind": "wage", "annual": "9600.00"}]
        }],
        "expenses": [],
        "assets": {"financial": "3000.00", "disqualifying": []}
    })
}

/// The 2027 policy with this rural standard and version.
fn policy_2027(version: &str, rural: &str) -> String {
    policy_text(&[
        ("\"2026-01-01\"", "\"2027-01-01\""),
        ("version = \"2026-01\"", &format!("version = \"{version}\"")),
        (
            "rural_standard_monthly = \"600.00\"",
            &format!("rural_standard_monthly = \"{rural}\""),
        ),
    ])
}

/// Signs `text` with `county publish-policy`, as the county does.
fn publish(w: &World, name: &str, text: &str) -> PathBuf {
    publish_policy(&w.county.db, &w.dir, name, text)
}

/// A policy file holding `text`, signed with the county's real key but not
/// through `publish-policy` (which checks the policy first): the manifest of
/// a genuine file with the policy's version, date and hash put in.
fn forge(w: &World, name: &str, text: &str) -> PathBuf {
    let genuine = publish(w, &format!("{name}-genuine"), &policy_text(&[]));
    let opened = bangfu::sync::sealed::open(&genuine, FORMAT, "政策文件", Some(PAYLOAD))
        .expect("open genuine");
    let mut m: PolicyManifest = opened.manifest("政策文件").expect("manifest");
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .and_then(|rest| rest.strip_suffix('"'))
            .expect(key)
            .to_owned()
    };
    m.policy_version = field("version");
    m.effective_from = field("effective_from");
    m.payload = bangfu::sync::wire::PayloadInfo::of(PAYLOAD, text.as_bytes());
    let mut manifest = serde_json::to_vec_pretty(&m).expect("manifest");
    manifest.push(b'\n');
    let keys = keys_of(&w.county.db, "county");
    let out = w.dir.join(format!("{name}.signed"));
    bangfu::sync::sealed::write(
        &out,
        &manifest,
        &keys.signing,
        "bangfu.policy-file.v1 forged",
        Some((PAYLOAD, text.as_bytes())),
    )
    .expect("write forged policy");
    out
}

/// Everything of the device's store a policy import could change.
fn snapshot(db: &Path) -> Vec<String> {
    query_all(
        db,
        &[
            "SELECT COUNT(*) || ':' || COALESCE(MAX(hash), '') FROM change_log",
            "SELECT COALESCE(group_concat(effective_from || '|' || version || '|' || region_code || '|' || imported_at || '|' || hex(toml), ';'), '') FROM policies",
            "SELECT COUNT(*) || ':' || COALESCE(group_concat(household_id || status || total_monthly), '') FROM decisions",
        ],
    )
}

/// The standard and policy version `eval` uses for TXZ-001 on `as_of`.
fn evaluated(db: &Path, as_of: &str) -> (String, String) {
    let r = run(db, &["eval", "--as-of", as_of]).ok();
    let v: Value = serde_json::from_str(&r.stdout).expect("eval json");
    let result = &v["results"][0];
    (
        result["standard"].as_str().expect("standard").to_owned(),
        result["reasons"][0]["policy_version"]
            .as_str()
            .expect("policy_version in the reasons")
            .to_owned(),
    )
}

// ---------------------------------------------------------------------------
// Point 5: absurd standards
// ---------------------------------------------------------------------------

#[test]
fn an_absurd_standard_is_refused_at_eval_publish_and_import() {
    let dir = tempdir();
    let w = world(dir.path());
    let absurd = policy_text(&[(
        "rural_standard_monthly = \"600.00\"",
        &format!("rural_standard_monthly = \"{ABSURD}\""),
    )]);
    let toml = w.dir.join("absurd.toml");
    std::fs::write(&toml, &absurd).expect("write");
    let input = w.dir.join("households.json");

    // eval --policy FILE: refused before any household is evaluated.
    let r = run(
        &w.device,
        &["eval", "--policy", p(&toml), "--input", p(&input)],
    );
    r.refused_in_chinese(&["dibao.rural_standard_monthly", ABSURD, "100 到 5000"]);

    // 1e9 and 0.01 are no more plausible.
    for v in ["1000000000", "0.01"] {
        let file = w.dir.join(format!("standard-{v}.toml"));
        std::fs::write(
            &file,
            policy_text(&[(
                "rural_standard_monthly = \"600.00\"",
                &format!("rural_standard_monthly = \"{v}\""),
            )]),
        )
        .expect("write");
        run(
            &w.device,
            &["eval", "--policy", p(&file), "--input", p(&input)],
        )
        .refused_in_chinese(&["dibao.rural_standard_monthly", v, "100 到 5000"]);
    }

    // The county will not sign it.
    let signed = w.dir.join("absurd.signed");
    run(
        &w.county.db,
        &["county", "publish-policy", p(&toml), "--out", p(&signed)],
    )
    .refused_in_chinese(&["dibao.rural_standard_monthly", ABSURD]);
    assert!(!signed.exists(), "no signed file is written");

    // Signed all the same (a forged or careless county): the device refuses
    // it and keeps evaluating, and 回头看 still runs.
    let forged = forge(&w, "absurd", &absurd);
    let before = snapshot(&w.device);
    run(&w.device, &["policy", "import", p(&forged)]).refused_in_chinese(&[
        "dibao.rural_standard_monthly",
        ABSURD,
        "100 到 5000",
    ]);
    assert_eq!(
        snapshot(&w.device),
        before,
        "a refused policy changes nothing"
    );
    run(&w.device, &["eval", "--as-of", "2026-12-01", "--save"]).ok();
    run(&w.device, &["audit"]).ok();
    run(&w.device, &["log", "verify"]).ok();
}

// ---------------------------------------------------------------------------
// Point 6: downgrade and region
// ---------------------------------------------------------------------------

#[test]
fn an_older_policy_for_the_same_date_does_not_replace_a_newer_one() {
    let dir = tempdir();
    let w = world(dir.path());
    let first = publish(&w, "2027-600", &policy_2027("2027-01", "600.00"));
    let reissued = publish(&w, "2027-700", &policy_2027("2027-01b", "700.00"));

    run(&w.device, &["policy", "import", p(&first)]).ok();
    assert_eq!(
        evaluated(&w.device, "2027-02-01"),
        ("600.00".into(), "2027-01".into())
    );
    let r = run(&w.device, &["policy", "import", p(&reissued)]).ok();
    assert!(r.stdout.contains("2027-01 已被替换"), "{}", r.stdout);
    assert_eq!(
        evaluated(&w.device, "2027-02-01"),
        ("700.00".into(), "2027-01b".into())
    );

    // The first file again: signed earlier than what is held, refused.
    let before = snapshot(&w.device);
    run(&w.device, &["policy", "import", p(&first)]).refused_in_chinese(&[
        "2027-01b",
        "2027-01",
        "签发",
        "比已有的早",
    ]);
    assert_eq!(snapshot(&w.device), before, "nothing saved changed");
    assert_eq!(
        evaluated(&w.device, "2027-02-01"),
        ("700.00".into(), "2027-01b".into())
    );
    run(&w.device, &["log", "verify"]).ok();

    // The newer one again is the same file: nothing changes, no error.
    let r = run(&w.device, &["policy", "import", p(&reissued)]).ok();
    assert!(r.stdout.contains("此前已导入"), "{}", r.stdout);

    // A device that gets the newer one first refuses the older one too.
    let (other, _) = unregistered_device(&w.dir, "other", "保婴村", &w.county);
    run(&other, &["policy", "import", p(&reissued)]).ok();
    run(&other, &["policy", "import", p(&first)]).refused_in_chinese(&["比已有的早"]);
}

#[test]
fn a_policy_of_another_region_signed_by_this_county_is_refused() {
    let dir = tempdir();
    let w = world(dir.path());
    // 341025 is not the county's 341024, though its key signed the file.
    let foreign = policy_2027("2027-01", "700.00")
        .replace("region_code = \"341024\"", "region_code = \"341025\"");
    assert!(foreign.contains("341025"));
    let forged = forge(&w, "foreign", &foreign);
    let before = snapshot(&w.device);
    run(&w.device, &["policy", "import", p(&forged)]).refused_in_chinese(&["341025", "341024"]);
    assert_eq!(snapshot(&w.device), before, "nothing saved changed");
    let r = run(&w.device, &["policy", "list"]).ok();
    assert!(r.stdout.contains("尚未导入"), "{}", r.stdout);
}
