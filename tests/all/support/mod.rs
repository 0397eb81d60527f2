//! What the areas of the end-to-end tests share.

pub mod pdf;
