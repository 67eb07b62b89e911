//! Shared test harness: a set of test certificates made by the project's own `pki`, real web
//! servers started in the foreground on 127.0.0.1 with a rendered snippet, and curl as the client.
#![allow(dead_code)] // each test binary uses part of the harness

pub mod origin;
pub mod test_pki;
