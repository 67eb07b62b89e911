//! Cloudflare's v4 API for Authenticated Origin Pulls: a typed async client, the credentials it
//! sends (never printed), and a faithful fake of the API for tests and `--demo` (`fake/`, which the
//! client never imports).

mod alerts;
mod client;
mod credentials;
mod error;
pub mod fake;
mod permissions;
mod types;

pub use alerts::{ensure_expiry_alert, existing_expiry_alert, expiry_alerts, expiry_policy};
pub use client::{
    BASE_URL_ENV, CertificateScope, Change, Client, DEFAULT_BASE_URL, PlannedRequest,
    PublishedRanges, RetryPolicy, UploadOutcome, decode_answer, http_client, published_ranges,
};
pub use credentials::{ApiToken, Credentials};
pub use error::{ApiMessage, CloudflareError};
pub use permissions::{PermissionCheck, probe_permissions};
pub use types::*;
