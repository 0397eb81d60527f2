//! The policies in use on this device: those the county signed and the
//! caseworker imported, or the built-in one until the first is imported.
//!
//! Only the policy's text is kept; it was checked (signature and content)
//! before it was saved, and is parsed again on every read so that what is
//! evaluated is exactly what the county signed.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{Result, Store, StoreError};
use crate::policy::{Policy, PolicySet, DEFAULT_POLICY_TOML};

/// Where the policies of a [`PolicySet`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// No policy has been imported: the program's built-in one.
    BuiltIn,
    /// Policies the county signed, imported on this device.
    Imported,
}

/// A policy imported on this device.
#[derive(Debug, Clone)]
pub struct ImportedPolicy {
    /// The parsed policy.
    pub policy: Policy,
    /// When it was imported (RFC 3339, local time).
    pub imported_at: String,
}

/// What saving an imported policy changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySaved {
    /// No policy took effect on that date before.
    Added,
    /// The same policy text was already imported: nothing changed.
    Unchanged,
    /// The policy of the same effective date with this version was replaced.
    Replaced(String),
}

/// How a signing time is written in the store: UTC, milliseconds, so that
/// the text sorts as the time does.
fn signed_at_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Store {
    /// Saves a policy the county signed at `signed_at` (signature and
    /// content checked by the caller), replacing the one of the same
    /// effective date if there is one — but only by a newer one.
    ///
    /// The same text again changes nothing. A different policy signed no
    /// later than the one held for that date is refused
    /// ([`StoreError::OlderPolicy`]): an older signed file carried in again
    /// must not bring back a standard the county has since changed. A held
    /// policy without a signing time (imported before it was kept) counts
    /// as the oldest.
    pub fn save_policy(
        &mut self,
        policy: &Policy,
        toml: &str,
        signed_at: DateTime<Utc>,
    ) -> Result<PolicySaved> {
        let tx = self.conn.transaction()?;
        let effective_from = policy.effective_from.to_string();
        let previous: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT version, toml, signed_at FROM policies WHERE effective_from = ?1",
                [&effective_from],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((held_version, held_toml, held_signed_at)) = &previous {
            if *held_toml == toml {
                return Ok(PolicySaved::Unchanged);
            }
            if let Some(held_text) = held_signed_at {
                let held = DateTime::parse_from_rfc3339(held_text)
                    .map_err(|e| StoreError::Corrupt {
                        place: format!("policies/{effective_from}/signed_at"),
                        problem: format!("签发时间 \"{held_text}\" 无法解析：{e}"),
                    })?
                    .with_timezone(&Utc);
                if signed_at <= held {
                    let relation = if signed_at < held {
                        "比已有的早"
                    } else {
                        "与已有的同时签发而内容不同"
                    };
                    return Err(StoreError::OlderPolicy(format!(
                        "{effective_from} 起生效的政策已有 {held_version}（县里签发于 {}）；这份 {} 签发于 {}，{relation}，不能替换它（如需改回，请县里重新签发）",
                        signed_at_text(held),
                        policy.version,
                        signed_at_text(signed_at),
                    )));
                }
            }
        }
        tx.execute(
            "INSERT INTO policies (effective_from, version, region_code, toml, imported_at, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(effective_from) DO UPDATE SET version = excluded.version,
                 region_code = excluded.region_code, toml = excluded.toml,
                 imported_at = excluded.imported_at, signed_at = excluded.signed_at",
            params![
                effective_from,
                policy.version,
                policy.region_code,
                toml,
                chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                signed_at_text(signed_at),
            ],
        )?;
        tx.commit()?;
        Ok(previous.map_or(PolicySaved::Added, |(version, _, _)| {
            PolicySaved::Replaced(version)
        }))
    }

    /// The policies imported on this device, oldest effective date first.
    pub fn imported_policies(&self) -> Result<Vec<ImportedPolicy>> {
        let mut stmt = self.conn.prepare(
            "SELECT effective_from, toml, imported_at FROM policies ORDER BY effective_from",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (effective_from, toml, imported_at) = row?;
            let policy = Policy::from_toml(&toml, &format!("已导入的政策（{effective_from} 起）"))
                .map_err(|e| StoreError::Corrupt {
                    place: format!("policies/{effective_from}"),
                    problem: e.to_string(),
                })?;
            out.push(ImportedPolicy {
                policy,
                imported_at,
            });
        }
        Ok(out)
    }

    /// The policies evaluations on this device use: the imported ones, or
    /// the built-in one while none has been imported. The built-in policy
    /// (the public example county's) is never mixed with a county's own.
    pub fn policy_set(&self) -> Result<(PolicySet, PolicySource)> {
        let imported = self.imported_policies()?;
        let (versions, source) = if imported.is_empty() {
            let builtin = Policy::from_toml(DEFAULT_POLICY_TOML, "内置政策")
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            (vec![builtin], PolicySource::BuiltIn)
        } else {
            (
                imported.into_iter().map(|p| p.policy).collect(),
                PolicySource::Imported,
            )
        };
        // One row per effective date, so the set cannot refuse them.
        let set = PolicySet::new(versions).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok((set, source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Passphrase;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// The built-in policy under another version, date and urban standard.
    fn policy(version: &str, effective_from: &str, urban: &str) -> (Policy, String) {
        let text: String = DEFAULT_POLICY_TOML
            .lines()
            .map(|l| match l.split(' ').next() {
                Some("version") => format!("version = \"{version}\"\n"),
                Some("effective_from") => format!("effective_from = \"{effective_from}\"\n"),
                Some("urban_standard_monthly") => format!("urban_standard_monthly = \"{urban}\"\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        (Policy::from_toml(&text, "test").unwrap(), text)
    }

    #[test]
    fn imported_policies_replace_the_builtin_and_each_other_by_date() {
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("测试口令 123456");
        let mut store = Store::open(&dir.path().join("s.sqlite"), &pass).unwrap();

        let (set, source) = store.policy_set().unwrap();
        assert_eq!(source, PolicySource::BuiltIn);
        assert_eq!(set.versions().len(), 1);

        let (a, a_text) = policy("2027-A", "2027-01-01", "900");
        let (b, b_text) = policy("2027-B", "2027-01-01", "950");
        let (c, c_text) = policy("2028", "2028-01-01", "1000");
        let (t1, t2) = (at("2026-10-01T08:00:00Z"), at("2026-11-01T08:00:00Z"));
        assert_eq!(
            store.save_policy(&a, &a_text, t1).unwrap(),
            PolicySaved::Added
        );
        assert_eq!(
            store.save_policy(&c, &c_text, t1).unwrap(),
            PolicySaved::Added
        );
        assert_eq!(
            store.save_policy(&b, &b_text, t2).unwrap(),
            PolicySaved::Replaced("2027-A".into())
        );
        assert_eq!(
            store.save_policy(&b, &b_text, t2).unwrap(),
            PolicySaved::Unchanged
        );
        // A was signed before B: it does not come back.
        let e = store.save_policy(&a, &a_text, t1).unwrap_err();
        assert!(matches!(e, StoreError::OlderPolicy(_)), "{e}");
        assert!(e.to_string().contains("2027-B"), "{e}");

        let (set, source) = store.policy_set().unwrap();
        assert_eq!(source, PolicySource::Imported);
        let versions: Vec<&str> = set.versions().iter().map(|p| p.version.as_str()).collect();
        assert_eq!(versions, ["2027-B", "2028"]);
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(set.in_force(d("2027-06-30")).unwrap().version, "2027-B");
        assert_eq!(set.in_force(d("2028-01-01")).unwrap().version, "2028");
        // Before the first imported policy nothing is in force: the built-in
        // example county's standards are not used for a real county.
        assert!(set.in_force(d("2026-12-31")).is_err());
    }

    #[test]
    fn a_policy_signed_at_the_same_time_or_earlier_is_refused_and_unsigned_rows_are_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("测试口令 123456");
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path, &pass).unwrap();
        let (a, a_text) = policy("2027-A", "2027-01-01", "900");
        let (b, b_text) = policy("2027-B", "2027-01-01", "950");
        let t = at("2026-10-01T08:00:00.123Z");
        store.save_policy(&b, &b_text, t).unwrap();
        let rows = || {
            let conn = crate::store::open_connection(&path, &pass).unwrap();
            conn.query_row(
                "SELECT group_concat(version || '|' || COALESCE(signed_at, '-')) FROM policies",
                [],
                |r| r.get::<_, String>(0),
            )
            .unwrap()
        };
        assert_eq!(rows(), "2027-B|2026-10-01T08:00:00.123Z");
        // Same time, other text: which is newer cannot be told; refused.
        let e = store.save_policy(&a, &a_text, t).unwrap_err();
        assert!(e.to_string().contains("同时签发"), "{e}");
        assert_eq!(rows(), "2027-B|2026-10-01T08:00:00.123Z");

        // A row imported before signing times were kept is the oldest.
        store
            .conn
            .execute("UPDATE policies SET signed_at = NULL", [])
            .unwrap();
        assert_eq!(
            store
                .save_policy(&a, &a_text, at("2020-01-01T00:00:00Z"))
                .unwrap(),
            PolicySaved::Replaced("2027-B".into())
        );
        assert_eq!(rows(), "2027-A|2020-01-01T00:00:00.000Z");
    }
}
