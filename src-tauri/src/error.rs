//! Every failure a command reports, in one place: a stable code for the
//! window to act on, one message for the caseworker, and the problems of a
//! form when one was wrong.

use bangfu::store::StoreError;
use bangfu::sync::SyncError;
use serde::Serialize;

/// A command's failure.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// What kind of failure: `invalid` (a form or a file), `wrong_passphrase`,
    /// `not_found`, `rejected` (a sync file refused), `setup` (a sync step
    /// missing), `store`, `failed` (anything else).
    pub code: &'static str,
    /// What went wrong, in Chinese.
    pub message: String,
    /// Each problem found in a form, naming the place.
    pub problems: Vec<String>,
}

impl CommandError {
    /// A failure with `message`.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CommandError {
            code: "failed",
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// A form with `problems`: nothing was saved.
    pub(crate) fn form(message: impl Into<String>, problems: Vec<String>) -> Self {
        CommandError {
            code: "invalid",
            message: message.into(),
            problems,
        }
    }

    fn coded(code: &'static str, message: String) -> Self {
        CommandError {
            code,
            message,
            problems: Vec::new(),
        }
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::WrongPassphrase(_) => "wrong_passphrase",
            StoreError::NotFound(_) => "not_found",
            StoreError::Invalid(_) | StoreError::WeakPassphrase(_) => "invalid",
            _ => "store",
        };
        CommandError::coded(code, e.to_string())
    }
}

impl From<SyncError> for CommandError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(store) => store.into(),
            SyncError::Rejected { .. } => CommandError::coded("rejected", e.to_string()),
            SyncError::Invalid(_) => CommandError::coded("invalid", e.to_string()),
            SyncError::Setup(_) => CommandError::coded("setup", e.to_string()),
            SyncError::Io { .. } => CommandError::coded("failed", e.to_string()),
        }
    }
}

/// What a command returns.
pub(crate) type Result<T> = std::result::Result<T, CommandError>;
