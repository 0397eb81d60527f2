//! The policies in use on this device: those the county signed and the
//! caseworker imported, or the built-in one until the first is imported.
//!
//! Only the policy's text is kept; it was checked (signature and content)
//! before it was saved, and is parsed again on every read so that what is
//! evaluated is exactly what the county signed.

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

impl Store {
    /// Saves a policy the county signed (checked by the caller), replacing
    /// the one of the same effective date if there is one.
    pub fn save_policy(&mut self, policy: &Policy, toml: &str) -> Result<PolicySaved> {
        let tx = self.conn.transaction()?;
        let previous: Option<(String, String)> = tx
            .query_row(
                "SELECT version, toml FROM policies WHERE effective_from = ?1",
                [policy.effective_from.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if previous.as_ref().is_some_and(|(_, text)| text == toml) {
            return Ok(PolicySaved::Unchanged);
        }
        tx.execute(
            "INSERT INTO policies (effective_from, version, region_code, toml, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(effective_from) DO UPDATE SET version = excluded.version,
                 region_code = excluded.region_code, toml = excluded.toml,
                 imported_at = excluded.imported_at",
            params![
                policy.effective_from.to_string(),
                policy.version,
                policy.region_code,
                toml,
                chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ],
        )?;
        tx.commit()?;
        Ok(previous.map_or(PolicySaved::Added, |(version, _)| {
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
        assert_eq!(store.save_policy(&a, &a_text).unwrap(), PolicySaved::Added);
        assert_eq!(store.save_policy(&c, &c_text).unwrap(), PolicySaved::Added);
        assert_eq!(
            store.save_policy(&b, &b_text).unwrap(),
            PolicySaved::Replaced("2027-A".into())
        );
        assert_eq!(
            store.save_policy(&b, &b_text).unwrap(),
            PolicySaved::Unchanged
        );

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
}
