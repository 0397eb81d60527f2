//! Counties, devices, their keys and signed policies, set up with the real
//! binary as a county and a caseworker would.

use std::path::{Path, PathBuf};

use super::{open_store, p, run, POLICY_DEFAULT};

/// A county's store and the public key file it hands to its devices.
pub struct County {
    pub db: PathBuf,
    pub key_file: PathBuf,
}

/// `county init` of `region` at `dir/NAME.sqlite`, its key in `dir/NAME-key.bangfu`.
pub fn county(dir: &Path, name: &str, region: &str) -> County {
    let db = dir.join(format!("{name}.sqlite"));
    let key_file = dir.join(format!("{name}-key.bangfu"));
    run(
        &db,
        &[
            "county",
            "init",
            "--region",
            region,
            "--name",
            &format!("{name}民政局"),
            "--out",
            p(&key_file),
        ],
    )
    .ok();
    County { db, key_file }
}

/// A device of `village` at `dir/NAME.sqlite` with an identity and the
/// county's key, not yet registered: the store and its registration file.
pub fn unregistered_device(
    dir: &Path,
    name: &str,
    village: &str,
    county: &County,
) -> (PathBuf, PathBuf) {
    let db = dir.join(format!("{name}.sqlite"));
    let reg = dir.join(format!("{name}.reg"));
    run(
        &db,
        &[
            "device",
            "init",
            "--name",
            name,
            "--village",
            village,
            "--out",
            p(&reg),
        ],
    )
    .ok();
    run(&db, &["device", "import-county-key", p(&county.key_file)]).ok();
    (db, reg)
}

/// A device of 田心寨村, registered at `county`.
pub fn device(dir: &Path, name: &str, county: &County) -> PathBuf {
    device_in(dir, name, "田心寨村", county)
}

/// A device of `village`, registered at `county`.
pub fn device_in(dir: &Path, name: &str, village: &str, county: &County) -> PathBuf {
    let (db, reg) = unregistered_device(dir, name, village, county);
    run(&county.db, &["county", "register-device", p(&reg)]).ok();
    db
}

/// The keys of the store at `db` (`device` or `county`), unsealed as bangfu does.
pub fn keys_of(db: &Path, prefix: &str) -> bangfu::sync::identity::KeySet {
    let store = open_store(db);
    let seal = bangfu::sync::identity::SealKey::of_store(&store)
        .expect("seal")
        .expect("a seal key");
    bangfu::sync::identity::KeySet::load(&bangfu::sync::identity::keys_dir(db), prefix, Some(&seal))
        .expect("keys")
}

/// The built-in policy with `edits` (text replacements), each of which must apply.
pub fn policy_text(edits: &[(&str, &str)]) -> String {
    edits.iter().fold(
        std::fs::read_to_string(POLICY_DEFAULT).expect("policy"),
        |text, (from, to)| {
            assert!(text.contains(from), "{from} in the policy");
            text.replace(from, to)
        },
    )
}

/// `text` written to `dir/NAME.toml` and signed by the county with
/// `county publish-policy` into `dir/NAME.signed`.
pub fn publish_policy(county_db: &Path, dir: &Path, name: &str, text: &str) -> PathBuf {
    let toml = dir.join(format!("{name}.toml"));
    std::fs::write(&toml, text).expect("write");
    let signed = dir.join(format!("{name}.signed"));
    run(
        county_db,
        &["county", "publish-policy", p(&toml), "--out", p(&signed)],
    )
    .ok();
    signed
}
