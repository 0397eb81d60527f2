//! The end-to-end tests of bangfu, one test program with a module per area.
//! Most run the real `bangfu` binary (`CARGO_BIN_EXE_bangfu`) against stores
//! in temporary folders; the PDF tests read what was printed back with
//! poppler-utils, which must be installed. What every area needs is in
//! [`support`].
//!
//! Run one area with its module path as the filter, for instance
//! `cargo test -p bangfu-cli --test all sync_bundles::`. Set
//! `BANGFU_TEST_KEEP` to a folder to keep a copy of every PDF printed.
//!
//! One program instead of one per area: each links SQLCipher, OpenSSL and
//! the PDF stack, so separate programs made the debug build large and slow
//! to link.

mod support;

mod attachments;
mod audit;
mod case_path;
mod case_sync;
#[cfg(unix)]
mod crash_safety;
mod csv_exports;
mod documents;
mod encryption;
mod engine_props;
mod engine_rules;
mod engine_v2_props;
mod golden_public;
mod hostile_input;
mod pdf_images;
mod pdf_layout;
mod plan;
mod policy_checks;
mod store_cli;
mod supporters_roster;
mod sync_bundles;
mod temp_aid_register;
