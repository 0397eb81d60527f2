//! The `#[tauri::command]`s, by area: typed payloads in, typed results or a
//! [`CommandError`](crate::error::CommandError) out. Each is a few lines over
//! the core library.

pub mod assistance;
pub mod attachments;
pub mod casework;
pub mod households;
pub mod printing;
pub mod session;
pub mod settings;
pub mod sync;
