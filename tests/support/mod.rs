//! Shared test harness: a set of test certificates made by the project's own `pki`, real web
//! servers started in the foreground on 127.0.0.1 with a rendered snippet, curl as the client, and
//! a wizard state driven to any step.
#![allow(dead_code)] // each test binary uses part of the harness

pub mod fake;
pub mod origin;
pub mod pty;
pub mod test_pki;
pub mod wizard;
