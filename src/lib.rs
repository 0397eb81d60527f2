//! bangfu (帮扶): offline-first casework for village social assistance.
//!
//! The core library: the household model and its interchange format, the
//! eligibility engine, the local store with its audit log, dossiers and
//! notices, and signed sync bundles. It builds and tests without a window;
//! the `bangfu` command (`cli/`) and the desktop app (`src-tauri/`) are
//! thin shells over it.
#![warn(missing_docs)]

pub mod attach;
pub mod attachments;
pub mod audit;
pub mod casefile;
pub mod casework;
pub mod codes;
pub mod csv_cell;
pub mod dates;
pub mod decisions;
pub mod demo;
pub mod documents;
pub mod engine;
pub mod files;
pub mod household_json;
pub mod id_number;
mod jpeg;
pub mod ledger;
pub mod lifecycle;
pub mod limits;
pub mod model;
pub mod money;
pub mod monitoring;
pub mod pdf;
pub mod policy;
pub mod roster;
pub mod search;
pub mod store;
pub mod sync;
pub mod temp_aid;
