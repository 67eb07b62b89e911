//! aop-wizard: set up, prove and rotate Cloudflare Authenticated Origin Pulls.
//!
//! The domain core (`pki`, `snippets`, `cloudflare`, `probe`) knows nothing of terminals; `cli`
//! and `tui` are thin faces over it.

pub mod cli;
pub mod cloudflare;
pub mod data_dir;
pub mod demo;
pub mod evidence;
pub mod names;
pub mod ops;
pub mod pki;
pub mod probe;
pub mod rotation;
pub mod setup;
pub mod snippets;
pub mod terraform;
pub mod token_store;
pub mod tui;
pub mod undo;
pub mod untrusted;
pub mod words;
