//! Taking in one bundle: verify it (signature, destination, order, chain),
//! then apply it in one transaction — each entry authorised
//! ([`admission`]) and merged field by field ([`merge`]), the attachment
//! contents checked, every touched household read back and validated — or
//! refuse it with nothing applied.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};

use super::store::{
    CountyStore, CountyTx, ImportRecord, NewConflict, OpenConflict, Problem, RegisteredDevice,
};
use super::{short, County};
use crate::attachments::media;
use crate::attachments::MAX_STORED_BYTES;
use crate::store::StoreError;
use crate::sync::admission::{self, Facts, Place, Scope};
use crate::sync::bundle::{self, Lines};
use crate::sync::identity::PublicKey;
use crate::sync::merge::{self, Change, RecordVersions};
use crate::sync::sealed::{self, Opened};
use crate::sync::wire::{self, BlobLine, BundleManifest, Conflict, Item, Line};
use crate::sync::{reject, Result, SyncError};

/// What importing one bundle did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The device, after the import.
    pub device: RegisteredDevice,
    /// The bundle's manifest.
    pub manifest: BundleManifest,
    /// True when this very bundle had been imported before (nothing changed).
    pub already: bool,
    /// Rows written to the county's tables.
    pub rows_changed: u64,
    /// Conflicts found in this bundle.
    pub new_conflicts: Vec<Conflict>,
    /// Conflicts this bundle settled.
    pub settled: u64,
}

/// The device id and sequence number a bundle claims (unverified: for sorting).
pub fn peek_bundle(path: &Path) -> Option<(String, u64)> {
    let opened = sealed::open(
        path,
        wire::BUNDLE_FORMAT,
        bundle::WHAT,
        Some(wire::BUNDLE_PAYLOAD),
    )
    .ok()?;
    let m: BundleManifest = opened.manifest(bundle::WHAT).ok()?;
    Some((m.device_id, m.sequence))
}

/// Imports one bundle: checks it fully, then applies it in one transaction,
/// or rejects it with nothing applied.
pub fn import_bundle<S: CountyStore>(
    store: &mut S,
    county: &County,
    path: &Path,
) -> Result<ImportReport> {
    let what = bundle::WHAT;
    let mut opened = sealed::open(path, wire::BUNDLE_FORMAT, what, Some(wire::BUNDLE_PAYLOAD))?;
    let m: BundleManifest = opened.manifest(what)?;
    let Some(device) = store.device(&m.device_id)? else {
        return Err(reject(
            path,
            format!(
                "来自未登记的设备 {}（自称 {}，{}）：请先用 bangfu county register-device 登记该设备，未做任何更改",
                m.device_id, m.caseworker, m.village
            ),
        ));
    };
    opened.verify(&PublicKey::from_base64(&device.public_key)?, "设备")?;
    if m.region != county.public.region || m.county_key_id != county.public.key_id {
        return Err(reject(
            path,
            format!(
                "这是发给 {}（密钥 {}）的数据包，不是发给本县 {}（{}，密钥 {}）的，未做任何更改",
                m.region,
                m.county_key_id,
                county.public.name,
                county.public.region,
                county.public.key_id
            ),
        ));
    }
    let manifest_sha = crate::sync::sha256_hex(&opened.manifest);
    if let Some(already) = check_order(store, &device, &m, &manifest_sha, path)? {
        return Ok(already);
    }
    opened.check_payload(&m.payload)?;

    let scope = Scope {
        region: county.public.region.clone(),
        village: device.village.clone(),
    };
    let identity = county.keys.age.clone();
    let (rows_changed, conflict_ids, settled) = store.transaction(|tx| {
        // Checked again inside the transaction, in case another import ran meanwhile.
        if tx.device_position(&device.device_id)?
            != (device.last_sequence, device.last_hash.clone())
        {
            return Err(reject(
                path,
                "导入期间该设备的数据已被另一个导入更新，请重试",
            ));
        }
        let mut apply = Apply::new(tx, &device.device_id, m.sequence, scope)?;
        apply_payload(&mut apply, &mut opened, &identity, &m, path)?;
        apply.check_households(path)?;
        apply.case_conflicts().map_err(|e| match e {
            Problem::Store(s) => SyncError::Store(s),
            Problem::Bad(why) => reject(path, why),
        })?;
        tx.record_import(&ImportRecord {
            device_id: &device.device_id,
            sequence: m.sequence,
            manifest_sha256: &manifest_sha,
            first_hash: &m.first_hash,
            last_seq: m.last_seq,
            last_hash: &m.last_hash,
            entry_count: m.entry_count,
            rows_changed: apply.rows_changed,
            conflicts: apply.new_conflicts.len() as u64,
            imported_at: &crate::sync::now(),
        })?;
        Ok::<_, SyncError>((apply.rows_changed, apply.new_conflicts, apply.settled))
    })?;
    let new_conflicts = super::conflicts_where(store, super::ConflictFilter::Ids(&conflict_ids))?;
    let device = store
        .device(&device.device_id)?
        .ok_or_else(|| SyncError::Setup("导入后找不到设备".into()))?;
    Ok(ImportReport {
        device,
        manifest: m,
        already: false,
        rows_changed,
        new_conflicts,
        settled,
    })
}

/// Checks that the bundle is the device's next one: `Some` report when this
/// very bundle was the last imported (nothing to do), an error for a replay,
/// a gap or a fork.
fn check_order<S: CountyStore>(
    store: &S,
    device: &RegisteredDevice,
    m: &BundleManifest,
    manifest_sha: &str,
    path: &Path,
) -> Result<Option<ImportReport>> {
    let who = format!(
        "设备 {}（{}，{}）",
        device.device_id, device.caseworker, device.village
    );
    if m.sequence <= device.last_sequence {
        let earlier = store.imported_manifest(&device.device_id, m.sequence)?;
        return match earlier {
            Some(sha) if sha == manifest_sha && m.sequence == device.last_sequence => {
                Ok(Some(ImportReport {
                    device: device.clone(),
                    manifest: m.clone(),
                    already: true,
                    rows_changed: 0,
                    new_conflicts: Vec::new(),
                    settled: 0,
                }))
            }
            Some(sha) if sha == manifest_sha => Err(reject(
                path,
                format!(
                    "这是{who}已导入过的第 {} 号数据包，县里已导入到第 {} 号：重放的旧数据包，未做任何更改",
                    m.sequence, device.last_sequence
                ),
            )),
            _ => Err(reject(
                path,
                format!(
                    "{who}的第 {} 号数据包县里已导入过另一份（内容不同）：设备可能在收到回执前重新导出了。\
                     请在设备上导入第 {} 号的回执（bangfu bundle ack）后重新导出；若设备说回执不属于本机，\
                     则是同一个设备身份被两台电脑使用（数据库被复制过），另一台须用 bangfu device init --copied-store \
                     建立自己的设备身份并重新登记。未做任何更改",
                    m.sequence, device.last_sequence
                ),
            )),
        };
    }
    if m.sequence > device.last_sequence + 1 {
        return Err(reject(
            path,
            format!(
                "这是{who}的第 {} 号数据包，但县里只导入到第 {} 号：缺少第 {} 号，请先导入它（数据包须按顺序导入），未做任何更改",
                m.sequence,
                device.last_sequence,
                device.last_sequence + 1
            ),
        ));
    }
    if m.first_prev_hash != device.last_hash {
        return Err(reject(
            path,
            format!(
                "本包接续的记录（哈希 {}…）与县里持有的{who}最后一条记录（哈希 {}…）不符：记录有缺漏或分叉，未做任何更改",
                short(&m.first_prev_hash),
                short(&device.last_hash)
            ),
        ));
    }
    if m.entry_count == 0
        || m.plain_bytes > crate::sync::MAX_PLAIN_BYTES
        || m.blob_bytes > m.blob_count.saturating_mul(MAX_STORED_BYTES)
    {
        return Err(reject(path, "清单中的记录数或数据大小不合理"));
    }
    Ok(None)
}

/// Reads the payload line by line, checking the chain against the manifest
/// and applying each entry and attachment content.
fn apply_payload<T: CountyTx>(
    apply: &mut Apply<T>,
    opened: &mut Opened,
    identity: &age::x25519::Identity,
    m: &BundleManifest,
    path: &Path,
) -> Result<()> {
    let mut lines = Lines::open(opened, identity)?;
    let mut prev = m.first_prev_hash.clone();
    let mut prev_seq = i64::MIN;
    let mut entries = 0u64;
    let mut blobs = Blobs::default();
    while let Some(item) = lines.next_item()? {
        let line = match item {
            Item::Entry(line) => line,
            Item::Blob(b) => {
                blobs
                    .receive(apply.tx, m, &b, lines.count)
                    .map_err(|e| match e {
                        Problem::Bad(problem) => reject(
                            path,
                            format!(
                                "第 {} 行附件内容（SHA-256 {}…）{problem}，未做任何更改",
                                lines.count,
                                short(&b.blob)
                            ),
                        ),
                        Problem::Store(s) => SyncError::Store(s),
                    })?;
                continue;
            }
        };
        entries += 1;
        let n = entries;
        let bad = |problem: String| {
            reject(
                path,
                format!(
                    "第 {n} 条记录（{} {}）{problem}，未做任何更改",
                    line.table, line.record_id
                ),
            )
        };
        if n > m.entry_count {
            return Err(bad(format!("超出清单记载的 {} 条", m.entry_count)));
        }
        if line.prev_hash != prev {
            return Err(bad("没有接上前一条（哈希链断裂或缺记录）".into()));
        }
        if !line.withheld && line.entry().compute_hash() != line.hash {
            return Err(bad("的内容与其哈希不符".into()));
        }
        if line.seq <= prev_seq
            || (n == 1 && (line.seq != m.first_seq || line.hash != m.first_hash))
        {
            return Err(bad("的序号或哈希与清单不符".into()));
        }
        prev = line.hash.clone();
        prev_seq = line.seq;
        if line.withheld {
            // Kept on the device; only its place in the chain travels.
            admission::check_withheld(&line).map_err(bad)?;
            continue;
        }
        apply.entry(&line, n).map_err(|e| match e {
            Problem::Bad(p) => bad(p),
            Problem::Store(s) => SyncError::Store(s),
        })?;
        if let Some(sha) = wire::blob_named(&line.table, line.row_json.as_deref()) {
            blobs.named.insert(sha);
        }
    }
    blobs.check_totals(m, path)?;
    if entries != m.entry_count
        || prev != m.last_hash
        || prev_seq != m.last_seq
        || lines.bytes != m.plain_bytes
    {
        return Err(reject(
            path,
            format!(
                "数据部分有 {} 条记录，与清单记载的 {} 条（或末条哈希、大小）不符，未做任何更改",
                entries, m.entry_count
            ),
        ));
    }
    Ok(())
}

/// The attachment contents (blob lines) of one bundle, as it is applied.
#[derive(Default)]
struct Blobs {
    /// Blob lines read.
    count: u64,
    /// Their bytes, decoded.
    bytes: u64,
    /// Line number of each, by SHA-256.
    lines: HashMap<String, u64>,
    /// Contents named by the bundle's `attachments` entries.
    named: HashSet<String>,
}

impl Blobs {
    /// Checks the blob line at line `at` and keeps its bytes.
    fn receive(
        &mut self,
        tx: &impl CountyTx,
        m: &BundleManifest,
        b: &BlobLine,
        at: u64,
    ) -> Result<(), Problem> {
        self.count += 1;
        if self.count > m.blob_count {
            return Err(Problem::Bad(format!("超出清单记载的 {} 个", m.blob_count)));
        }
        if let Some(first) = self.lines.get(&b.blob) {
            return Err(Problem::Bad(format!("在第 {first} 行已出现过，重复")));
        }
        let bytes = b.decode().map_err(Problem::Bad)?;
        if bytes.len() as u64 > MAX_STORED_BYTES {
            return Err(Problem::Bad(format!(
                "有 {} 字节，超过单个附件 {} MB 的上限",
                bytes.len(),
                MAX_STORED_BYTES / 1024 / 1024
            )));
        }
        if crate::sync::sha256_hex(&bytes) != b.blob {
            return Err(Problem::Bad("与其哈希不符".into()));
        }
        // The same checks as a file attached on the laptop: a "photo" that
        // is really a web page never reaches the county's store.
        media::check_prepared(&bytes, &b.mime, "附件内容")
            .map_err(|e| Problem::Bad(format!("（标注为“{}”）不合格：{e}", b.mime)))?;
        self.bytes += bytes.len() as u64;
        if self.bytes > m.blob_bytes {
            return Err(Problem::Bad(format!(
                "使总大小超出清单记载的 {} 字节",
                m.blob_bytes
            )));
        }
        tx.put_blob(&b.blob, &b.mime, &bytes)?;
        self.lines.insert(b.blob.clone(), at);
        Ok(())
    }

    /// After the payload: the counts agree with the manifest, and every
    /// content was named by an attachment row of the bundle.
    fn check_totals(&self, m: &BundleManifest, path: &Path) -> Result<()> {
        if self.count != m.blob_count || self.bytes != m.blob_bytes {
            return Err(reject(
                path,
                format!(
                    "数据部分有 {} 个附件内容（{} 字节），与清单记载的 {} 个（{} 字节）不符，未做任何更改",
                    self.count, self.bytes, m.blob_count, m.blob_bytes
                ),
            ));
        }
        let unnamed = self
            .lines
            .iter()
            .filter(|(sha, _)| !self.named.contains(*sha))
            .min_by_key(|(_, at)| **at);
        if let Some((sha, at)) = unnamed {
            return Err(reject(
                path,
                format!(
                    "第 {at} 行附件内容（SHA-256 {}…）没有随后的附件记录引用它，未做任何更改",
                    short(sha)
                ),
            ));
        }
        Ok(())
    }
}

/// State of one bundle's application.
struct Apply<'t, T: CountyTx> {
    tx: &'t T,
    device: String,
    sequence: u64,
    now: String,
    /// What the device may write.
    scope: Scope,
    /// Open conflicts by (table, record, column).
    open: HashMap<(String, String, String), Vec<OpenConflict>>,
    /// The latest row of each record seen in this bundle (the base of the next entry for it).
    seen: HashMap<(String, String), Option<String>>,
    /// Households written to, each with the number of the last entry that did.
    touched: HashMap<String, u64>,
    /// Case steps (`case_events`) this bundle wrote, with their entries.
    steps: HashMap<String, Line>,
    rows_changed: u64,
    new_conflicts: Vec<i64>,
    settled: u64,
}

impl<'t, T: CountyTx> Apply<'t, T> {
    fn new(tx: &'t T, device: &str, sequence: u64, scope: Scope) -> Result<Self, StoreError> {
        let mut open: HashMap<(String, String, String), Vec<OpenConflict>> = HashMap::new();
        for c in tx.open_conflicts()? {
            open.entry(c.field.clone()).or_default().push(c);
        }
        Ok(Apply {
            tx,
            device: device.to_owned(),
            sequence,
            now: crate::sync::now(),
            scope,
            open,
            seen: HashMap::new(),
            touched: HashMap::new(),
            steps: HashMap::new(),
            rows_changed: 0,
            new_conflicts: Vec::new(),
            settled: 0,
        })
    }

    /// Applies entry number `n` of the bundle.
    fn entry(&mut self, line: &Line, n: u64) -> Result<(), Problem> {
        admission::authorize_table(&line.table).map_err(Problem::Bad)?;
        let Some(&table) = admission::DEVICE_TABLES.iter().find(|t| **t == line.table) else {
            return Err(Problem::Bad(format!("写的是未知的表“{}”", line.table)));
        };
        let key = (line.table.clone(), line.record_id.clone());
        let base_text = match self.seen.get(&key) {
            Some(prev) => prev.clone(),
            None => line.base.clone(),
        };
        let base = parse_row(base_text.as_deref(), "原值")?;
        self.seen.insert(key, line.row_json.clone());
        let held = self.tx.row(table, &line.record_id)?;
        let incoming = match line.op.as_str() {
            "insert" | "update" => match parse_row(line.row_json.as_deref(), "内容")? {
                Some(row) => row,
                None => return Err(Problem::Bad("缺少内容".into())),
            },
            "delete" => {
                self.admit(table, held.as_ref(), None, n)?;
                return self.delete(table, line, held, base.as_ref());
            }
            other => return Err(Problem::Bad(format!("的操作“{other}”未知"))),
        };
        self.admit(table, held.as_ref(), Some(&incoming), n)?;
        if table == "case_events" {
            self.steps.insert(line.record_id.clone(), line.clone());
        }
        if incoming.get("id").and_then(Value::as_str) != Some(line.record_id.as_str()) {
            return Err(Problem::Bad("的内容与记录号不符".into()));
        }
        let columns = self.tx.columns(table)?;
        if let Some(unknown) = incoming.keys().find(|k| !columns.contains(&k.as_str())) {
            return Err(Problem::Bad(format!(
                "含有本县数据库 {table} 表没有的字段“{unknown}”（设备上的 bangfu 版本较新？请升级县级程序）"
            )));
        }
        let versions = match held {
            Some(_) => self.tx.versions(table, &line.record_id)?,
            None => RecordVersions::default(),
        };
        let change = Change {
            device: &self.device,
            at: &line.at,
            entry: &line.hash,
            base: base.as_ref(),
        };
        let record = (table.to_owned(), line.record_id.clone());
        let device = self.device.clone();
        let open_mine = |column: &str| {
            let key = (record.0.clone(), record.1.clone(), column.to_owned());
            self.open
                .get(&key)
                .is_some_and(|list| list.iter().any(|c| c.devices.contains(&device)))
        };
        let merged = merge::merge_write(
            held.as_ref(),
            &incoming,
            columns,
            versions,
            &change,
            &open_mine,
        );
        for column in &merged.settled {
            self.settle(table, &line.record_id, column)?;
        }
        for c in &merged.conflicts {
            let household = self.household_code(table, &line.record_id, held.as_ref())?;
            self.record_conflict(
                line,
                &c.column,
                household.as_deref(),
                (&c.held, &c.held_value),
                &c.incoming,
            )?;
        }
        let Some(row) = merged.write else {
            return Ok(());
        };
        if table == wire::ATTACHMENTS_TABLE {
            let sha = row
                .get(wire::BLOB_COLUMN)
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !self.tx.has_blob(sha)? {
                return Err(Problem::Bad(format!(
                    "（附件 {}）的内容缺失：它引用的照片或扫描件（SHA-256 {}…）既不在本数据包中，县里也没有",
                    line.record_id,
                    short(sha)
                )));
            }
        }
        if self.tx.put_row(table, &line.record_id, &row)? {
            self.rows_changed += 1;
        }
        self.tx
            .save_versions(table, &line.record_id, Some(&merged.versions))?;
        Ok(())
    }

    /// A deletion: it holds (the later to arrive); a change by another device
    /// it had not seen is kept as a conflict.
    fn delete(
        &mut self,
        table: &'static str,
        line: &Line,
        held: Option<Map<String, Value>>,
        base: Option<&Map<String, Value>>,
    ) -> Result<(), Problem> {
        let Some(cur) = held else { return Ok(()) };
        let versions = self.tx.versions(table, &line.record_id)?;
        if let Some(fv) = merge::unseen_change(&cur, base, &versions, &self.device) {
            let household = self.household_code(table, &line.record_id, Some(&cur))?;
            let row = Value::Object(cur.clone());
            self.record_conflict(line, "*", household.as_deref(), (fv, &row), &Value::Null)?;
        }
        if self.tx.delete_row(table, &line.record_id)? {
            self.rows_changed += 1;
        }
        self.tx.save_versions(table, &line.record_id, None)?;
        Ok(())
    }

    /// Refuses an entry the device may not write (see [`admission`]), and
    /// notes the households it touches for the check after the bundle.
    fn admit(
        &mut self,
        table: &str,
        held: Option<&Map<String, Value>>,
        incoming: Option<&Map<String, Value>>,
        n: u64,
    ) -> Result<(), Problem> {
        let mut unknown_household = None;
        let mut place = |row: &Map<String, Value>| -> Result<Option<(String, Place)>, Problem> {
            if table == "households" {
                let id = row.get("id").and_then(Value::as_str).unwrap_or_default();
                let place = Place::of_household_row(row)
                    .ok_or_else(|| Problem::Bad("缺少户编号、行政区划代码或村名".into()))?;
                return Ok(Some((id.to_owned(), place)));
            }
            let Some(id) = row.get("household_id").and_then(Value::as_str) else {
                return Err(Problem::Bad("缺少所属的户（household_id）".into()));
            };
            let found = self.tx.household_place(id)?;
            if found.is_none() {
                unknown_household = Some(id.to_owned());
            }
            Ok(found.map(|p| (id.to_owned(), p)))
        };
        let held = held.map(&mut place).transpose()?.flatten();
        let incoming = incoming.map(&mut place).transpose()?.flatten();
        let facts = Facts {
            table,
            held: held.as_ref().map(|(_, p)| p),
            incoming: incoming.as_ref().map(|(_, p)| p),
            unknown_household: unknown_household.as_deref(),
        };
        admission::authorize(&self.scope, &facts).map_err(Problem::Bad)?;
        for (id, _) in held.into_iter().chain(incoming) {
            self.touched.insert(id, n);
        }
        Ok(())
    }

    /// After the payload: every household the bundle wrote to reads back
    /// as valid data, or the bundle is refused naming the last entry that
    /// touched it.
    fn check_households(&self, path: &Path) -> Result<()> {
        let today = chrono::Local::now().date_naive();
        let mut touched: Vec<(&String, &u64)> = self.touched.iter().collect();
        touched.sort_by_key(|(id, n)| (**n, *id));
        for (id, n) in touched {
            let problems = self.tx.household_problems(id, today)?;
            if let Some(problems) = problems.filter(|p| !p.is_empty()) {
                return Err(reject(
                    path,
                    format!(
                        "第 {n} 条记录写入后，该户的数据不合格：{}；未做任何更改",
                        problems.join("；")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Two devices advancing one case differently: a step this bundle
    /// brought that the case's path refuses after a step another device
    /// recorded is a conflict, listed for the county to settle (both steps
    /// are kept; each device checked the path on its own data).
    fn case_conflicts(&mut self) -> Result<(), Problem> {
        if self.steps.is_empty() {
            return Ok(());
        }
        let procedure = crate::lifecycle::Procedure::default();
        let mut households: Vec<String> = self.touched.keys().cloned().collect();
        households.sort();
        for id in households {
            let steps = self.tx.case_steps(&id)?;
            let (_, refused) = crate::lifecycle::Case::replay(&steps, &procedure);
            for (step, why) in refused {
                let Some(line) = self.steps.get(&step.id.to_string()).cloned() else {
                    continue;
                };
                // The step it collides with: the latest one before it that
                // another device wrote.
                let mut before = None;
                let at = steps.iter().position(|s| s.id == step.id).unwrap_or(0);
                for other in steps[..at].iter().rev() {
                    let version = self.tx.versions("case_events", &other.id.to_string())?;
                    if let Some(v) = version.created.filter(|v| v.device != self.device) {
                        before = Some((other.clone(), v));
                        break;
                    }
                }
                let Some((other, version)) = before else {
                    continue;
                };
                let code = self.tx.household_place(&id)?.map(|p| p.code);
                let held = Value::String(format!("{} {}", other.date, other.kind.zh()));
                let incoming = Value::String(format!(
                    "{} {}（{}）",
                    step.date,
                    step.kind.zh(),
                    why.reason
                ));
                self.record_conflict(&line, "kind", code.as_deref(), (&version, &held), &incoming)?;
            }
        }
        Ok(())
    }

    /// The file number of the household a record belongs to.
    fn household_code(
        &self,
        table: &str,
        record_id: &str,
        row: Option<&Map<String, Value>>,
    ) -> Result<Option<String>, StoreError> {
        let household_id = if table == "households" {
            Some(record_id)
        } else {
            row.and_then(|r| r.get("household_id"))
                .and_then(Value::as_str)
        };
        match household_id {
            None => Ok(None),
            Some(id) => Ok(self.tx.household_place(id)?.map(|p| p.code)),
        }
    }

    /// Records a conflict, which the incoming value (the later to arrive) wins.
    fn record_conflict(
        &mut self,
        line: &Line,
        column: &str,
        household: Option<&str>,
        held: (&merge::FieldVersion, &Value),
        incoming: &Value,
    ) -> Result<(), Problem> {
        let (version, held_value) = held;
        let id = self.tx.add_conflict(&NewConflict {
            table: &line.table,
            record_id: &line.record_id,
            column,
            household,
            held: (&version.device, held_value, &version.at, &version.entry),
            incoming: (&self.device, incoming, &line.at, &line.hash),
            sequence: self.sequence,
            detected_at: &self.now,
        })?;
        self.new_conflicts.push(id);
        let field = (
            line.table.clone(),
            line.record_id.clone(),
            column.to_owned(),
        );
        self.open
            .entry(field.clone())
            .or_default()
            .push(OpenConflict {
                id,
                field,
                devices: [version.device.clone(), self.device.clone()],
            });
        Ok(())
    }

    /// Settles the open conflicts on this field that involve this device.
    fn settle(&mut self, table: &str, id: &str, column: &str) -> Result<(), Problem> {
        let key = (table.to_owned(), id.to_owned(), column.to_owned());
        let Some(list) = self.open.get_mut(&key) else {
            return Ok(());
        };
        let (mine, others): (Vec<_>, Vec<_>) = list
            .drain(..)
            .partition(|c| c.devices.contains(&self.device));
        *list = others;
        for c in &mine {
            self.tx.settle_conflict(c.id, &self.device, &self.now)?;
            self.settled += 1;
        }
        Ok(())
    }
}

fn parse_row(text: Option<&str>, what: &str) -> Result<Option<Map<String, Value>>, Problem> {
    match text {
        None => Ok(None),
        Some(t) => match serde_json::from_str(t) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(Problem::Bad(format!("的{what}不是 JSON 对象"))),
        },
    }
}
