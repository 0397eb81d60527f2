//! Versioned migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

use super::{Result, StoreError};

/// Each entry brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only audit trail: every insert/update/delete, hash-chained.
CREATE TABLE change_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id  TEXT NOT NULL UNIQUE,
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    row_json  TEXT,
    author    TEXT NOT NULL,
    at        TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX change_log_record ON change_log (tbl, record_id);
CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;
CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;

CREATE TABLE households (
    id              TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    region_code     TEXT NOT NULL,
    village         TEXT NOT NULL,
    grp             TEXT,
    address         TEXT,
    phone           TEXT,
    hukou           TEXT NOT NULL,
    financial       TEXT NOT NULL,
    disqualifying   TEXT NOT NULL,
    enrollment      TEXT,
    temp_aid        TEXT,
    hardship_causes TEXT NOT NULL,
    cadre_relative  INTEGER NOT NULL
);
CREATE INDEX households_village ON households (village, grp);

CREATE TABLE members (
    id              TEXT PRIMARY KEY,
    household_id    TEXT NOT NULL REFERENCES households (id),
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    id_number       TEXT,
    birth_date      TEXT,
    relation        TEXT NOT NULL,
    cohabiting      INTEGER NOT NULL,
    disability      TEXT,
    serious_illness INTEGER NOT NULL,
    work_capacity   TEXT NOT NULL,
    self_care       TEXT NOT NULL,
    supporters      TEXT,
    incomes         TEXT NOT NULL,
    tags            TEXT NOT NULL,
    health_note     TEXT
);
CREATE INDEX members_household ON members (household_id, position);
CREATE INDEX members_id_number ON members (id_number);

CREATE TABLE expenses (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    annual       TEXT NOT NULL
);
CREATE INDEX expenses_household ON expenses (household_id);

CREATE TABLE visits (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    visit_date   TEXT NOT NULL,
    workers      TEXT NOT NULL,
    checklist    TEXT NOT NULL,
    findings     TEXT NOT NULL,
    next_visit   TEXT,
    draft        INTEGER NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visit_date);

CREATE TABLE case_events (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    kind         TEXT NOT NULL,
    event_date   TEXT NOT NULL,
    actor        TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE INDEX case_events_household ON case_events (household_id, event_date);

CREATE TABLE measures (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    kind         TEXT NOT NULL,
    description  TEXT NOT NULL,
    responsible  TEXT NOT NULL,
    due          TEXT,
    status       TEXT NOT NULL
);
CREATE INDEX measures_household ON measures (household_id);

-- Saved eligibility decisions: the result, its policy version and a hash of its inputs.
CREATE TABLE decisions (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households (id),
    as_of          TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    status         TEXT NOT NULL,
    total_monthly  TEXT NOT NULL,
    input_hash     TEXT NOT NULL,
    result_json    TEXT NOT NULL
);
CREATE INDEX decisions_household ON decisions (household_id, as_of);
"#,
    r#"
-- Sync (county side): registered devices, imported bundles, who last set
-- each field, and same-field conflicts between devices. Not change-logged.
CREATE TABLE sync_devices (
    device_id     TEXT PRIMARY KEY,
    caseworker    TEXT NOT NULL,
    village       TEXT NOT NULL,
    public_key    TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    age_recipient TEXT NOT NULL,
    base_seq      INTEGER NOT NULL,
    base_hash     TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    last_sequence INTEGER NOT NULL DEFAULT 0,
    last_seq      INTEGER NOT NULL,
    last_hash     TEXT NOT NULL
);

CREATE TABLE sync_imports (
    device_id       TEXT NOT NULL REFERENCES sync_devices (device_id),
    sequence        INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    first_hash      TEXT NOT NULL,
    last_hash       TEXT NOT NULL,
    entry_count     INTEGER NOT NULL,
    rows_changed    INTEGER NOT NULL,
    conflicts       INTEGER NOT NULL,
    imported_at     TEXT NOT NULL,
    PRIMARY KEY (device_id, sequence)
);

-- Per record: for each column, the device and entry that last set it and the value it replaced.
CREATE TABLE sync_record_versions (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    fields    TEXT NOT NULL,
    PRIMARY KEY (tbl, record_id)
);

CREATE TABLE sync_conflicts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl               TEXT NOT NULL,
    record_id         TEXT NOT NULL,
    col               TEXT NOT NULL,
    household_code    TEXT,
    held_device       TEXT NOT NULL,
    held_value        TEXT NOT NULL,
    held_at           TEXT NOT NULL,
    held_entry        TEXT NOT NULL,
    incoming_device   TEXT NOT NULL,
    incoming_value    TEXT NOT NULL,
    incoming_at       TEXT NOT NULL,
    incoming_entry    TEXT NOT NULL,
    incoming_sequence INTEGER NOT NULL,
    winner            TEXT NOT NULL CHECK (winner IN ('held', 'incoming')),
    detected_at       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled')),
    settled_by        TEXT,
    settled_at        TEXT
);
CREATE INDEX sync_conflicts_open ON sync_conflicts (status, tbl, record_id, col);
"#,
    r#"
-- Attachments: photos and scans in the household file. Their bytes are kept
-- once per content in `blobs` (not change-logged: an attachment row names its
-- blob by SHA-256, and bundles carry each blob once).
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    mime   TEXT NOT NULL,
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
);

CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,
    household_id  TEXT NOT NULL REFERENCES households (id),
    member_name   TEXT,
    visit_id      TEXT,
    event_id      TEXT,
    kind          TEXT NOT NULL,
    caption       TEXT NOT NULL,
    taken_on      TEXT,
    blob_sha256   TEXT NOT NULL REFERENCES blobs (sha256),
    mime          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    width         INTEGER,
    height        INTEGER,
    original_name TEXT NOT NULL,
    added_on      TEXT NOT NULL
);
CREATE INDEX attachments_household ON attachments (household_id);
"#,
    r#"
-- Policies the county signed and this device accepted (`bangfu policy
-- import`), one per effective date: a re-issued policy for the same date
-- replaces the earlier one. Not change-logged: they come from the county.
CREATE TABLE policies (
    effective_from TEXT PRIMARY KEY,
    version        TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    toml           TEXT NOT NULL,
    imported_at    TEXT NOT NULL
);
"#,
    r#"
-- When the county signed each policy (the signed manifest's `created_at`,
-- UTC): an import older than what is held for its date is refused. Policies
-- imported before this column existed have none and count as the oldest.
ALTER TABLE policies ADD COLUMN signed_at TEXT;
"#,
    r#"
-- The last home visit as known before the visits were recorded here (from a
-- household file or the paper records); the recorded visits count as well.
ALTER TABLE households ADD COLUMN last_visit TEXT;

-- The 临时救助 register: one row per request, paid or open.
CREATE TABLE temp_aid (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households (id),
    kind           TEXT NOT NULL,
    cause          TEXT NOT NULL,
    event_date     TEXT NOT NULL,
    reported_at    TEXT,
    requested      TEXT NOT NULL,
    case_by_case   INTEGER NOT NULL,
    case_reason    TEXT NOT NULL,
    granted        TEXT,
    approval_level TEXT,
    paid_at        TEXT
);
CREATE INDEX temp_aid_household ON temp_aid (household_id, event_date);
"#,
    r#"
-- What a step of the 办理流程 records beyond its note (JSON object): the
-- check's finding, the 评议 result, an objection's author, an exit's reason.
ALTER TABLE case_events ADD COLUMN data TEXT NOT NULL DEFAULT '{}';

-- 一户一策 follow-through: what came of a measure, and its referral (JSON).
ALTER TABLE measures ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE measures ADD COLUMN referral TEXT;

-- 先行救助 approved after the payment (JSON: on, by).
ALTER TABLE temp_aid ADD COLUMN approved TEXT;
"#,
];

/// Schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every migration the file has not seen, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Tables whose rows the change log tracks.
pub const LOGGED_TABLES: &[&str] = &[
    "households",
    "members",
    "expenses",
    "visits",
    "case_events",
    "measures",
    "temp_aid",
    "decisions",
    "attachments",
];
