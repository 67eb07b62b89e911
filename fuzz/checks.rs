//! The invariants the fuzz targets assert. `tests/fuzz_corpus.rs` replays the committed corpus
//! through these same functions on the stable toolchain, so the fuzzing and the test suite
//! cannot drift apart. Each function takes raw bytes, as a file or an answer would bring them.

use std::path::Path;
use std::time::Duration;

use aop_wizard::cloudflare::{
    self, AlertPolicy, CloudflareError, DnsRecord, Envelope, HostnameAssociation, TokenStatus,
    UploadedCertificate, Zone, ZoneSetting,
};
use aop_wizard::pki;
use aop_wizard::rotation::RotationStore;
use aop_wizard::setup::{SetupStore, progress};
use rcgen::PublicKeyData;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A fixed moment (2026-01-01), so a replay decides what the fuzz run decided.
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_454)
}

/// What reaches a person (an error, a sentence about a file): one line, not empty, with no
/// control character and no mark that reorders the text around it.
pub fn assert_one_clean_line(what: &str, text: &str) {
    assert!(!text.trim().is_empty(), "{what} is empty");
    assert!(
        !text.chars().any(|c| c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
        "{what} is not one clean line: {text:?}"
    );
}

/// A certificate, chain, CA file or private key, as the user's file holds it (PEM or not), and
/// the same bytes as DER for the inspector.
pub fn pki_input(data: &[u8]) {
    let path = Path::new("input.pem");
    // `cert inspect` and `status` inspect DER that came from a file or from Cloudflare.
    match pki::inspect_certificate(data, now()) {
        Ok(info) => certificate_info(&info),
        Err(error) => assert_one_clean_line("an inspection error", &error),
    }
    let text = match pki::pem_file_text(data.to_vec(), path) {
        Ok(text) => text,
        Err(error) => return assert_one_clean_line("a PEM file error", &error.to_string()),
    };
    match pki::certificates_from_pem(&text, path) {
        Ok(certificates) => {
            assert!(!certificates.is_empty(), "a loaded chain is never empty");
            for der in &certificates {
                let info = pki::inspect_certificate(der, now())
                    .expect("a certificate the loader accepted can be inspected");
                certificate_info(&info);
            }
            // Written out again as PEM, the same certificates load, in the same order.
            let again: String = certificates
                .iter()
                .map(|der| {
                    pkcs8::der::pem::encode_string(
                        "CERTIFICATE",
                        pkcs8::der::pem::LineEnding::LF,
                        der,
                    )
                    .expect("DER encodes as PEM")
                })
                .collect();
            let reloaded = pki::certificates_from_pem(&again, path)
                .expect("certificates written out again load again");
            assert_eq!(
                reloaded, certificates,
                "certificates change when written out again"
            );
        }
        Err(error) => assert_one_clean_line("a certificate error", &error.to_string()),
    }
    match pki::ca_certificates_from_pem(&text, path) {
        Ok(cas) => {
            for der in &cas {
                let info = pki::inspect_certificate(der, now()).expect("a loaded CA inspects");
                assert!(info.is_ca, "a certificate without CA:TRUE loaded as a CA");
            }
        }
        Err(error) => assert_one_clean_line("a CA file error", &error.to_string()),
    }
    for passphrase in [None, Some(&b"fuzz passphrase"[..])] {
        match pki::private_key_from_pem(&text, path, passphrase) {
            Ok(key) => {
                assert_one_clean_line("a key's description", &key.description.to_string());
                // The key, written out again unencrypted, loads as the same key.
                let again = pki::private_key_from_pem(&key.key_pair.serialize_pem(), path, None)
                    .expect("a loaded key written out again loads again");
                assert_eq!(
                    again.key_pair.subject_public_key_info(),
                    key.key_pair.subject_public_key_info(),
                    "a key changes when written out again"
                );
                assert_eq!(again.description, key.description);
            }
            Err(error) => assert_one_clean_line("a private key error", &error.to_string()),
        }
    }
}

/// What is shown of an inspected certificate is safe once made one line, and its JSON is valid.
fn certificate_info(info: &pki::CertificateInfo) {
    for field in [&info.subject, &info.issuer] {
        let shown = aop_wizard::untrusted::one_line(field, 100);
        if !shown.is_empty() {
            assert_one_clean_line("a certificate name as shown", &shown);
        }
    }
    assert_one_clean_line("a validity", &info.validity_text());
    let _ = info.key.weakness();
    let json = serde_json::to_string(info).expect("certificate information serialises");
    serde_json::from_str::<serde_json::Value>(&json).expect("certificate JSON is valid JSON");
}

/// The HTTP statuses the client meets, chosen by the answer's first byte.
const STATUSES: [u16; 16] = [
    200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 415, 429, 500, 502, 503,
];

/// A Cloudflare answer: the first byte picks the status (low 4 bits) and an operation (high 4
/// bits), the second a Retry-After in seconds (0: none), the rest is the body.
pub fn api_answer(data: &[u8]) {
    let [selector, retry, body @ ..] = data else {
        return;
    };
    let status = STATUSES[usize::from(selector & 0x0f)];
    let operation = OPERATIONS[usize::from(selector >> 4)];
    let retry_after = (*retry != 0).then(|| Duration::from_secs(u64::from(*retry)));
    // The client reads the body as text the way reqwest does: invalid UTF-8 replaced.
    let body = String::from_utf8_lossy(body);
    decoded_as::<serde_json::Value>(operation, status, &body, retry_after);
    decoded_as::<TokenStatus>(operation, status, &body, retry_after);
    decoded_as::<Vec<Zone>>(operation, status, &body, retry_after);
    decoded_as::<ZoneSetting>(operation, status, &body, retry_after);
    decoded_as::<UploadedCertificate>(operation, status, &body, retry_after);
    decoded_as::<Vec<UploadedCertificate>>(operation, status, &body, retry_after);
    decoded_as::<Vec<HostnameAssociation>>(operation, status, &body, retry_after);
    decoded_as::<Vec<DnsRecord>>(operation, status, &body, retry_after);
    decoded_as::<Vec<AlertPolicy>>(operation, status, &body, retry_after);
}

/// Operation names as the client passes them, so that the advice for each is reached.
const OPERATIONS: [&str; 16] = [
    "verify token",
    "list zones",
    "get ssl setting",
    "set ssl setting",
    "list zone certificates",
    "upload zone certificate",
    "delete zone certificate",
    "get zone aop setting",
    "set zone aop setting",
    "set hostname associations",
    "list hostname associations",
    "list dns records",
    "list alert policies",
    "create alert policy",
    "delete alert policy",
    "upload hostname certificate",
];

fn decoded_as<T: DeserializeOwned + Serialize>(
    operation: &'static str,
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
) {
    let decode = |text: &str| {
        cloudflare::decode_answer::<T>(operation, status, serde_json::from_str(text), retry_after)
    };
    match decode(body) {
        Ok((result, info)) => {
            assert!(status < 400, "HTTP {status} decoded as a success");
            // The same result, put in an envelope again, decodes to the same value.
            let envelope = Envelope {
                success: true,
                errors: Vec::new(),
                messages: Vec::new(),
                result: Some(&result),
                result_info: info,
            };
            let again = serde_json::to_string(&envelope).expect("a decoded result serialises");
            let (reread, _) = decode(&again).expect("a decoded result decodes again");
            assert_eq!(
                serde_json::to_value(&reread).expect("serialises"),
                serde_json::to_value(&result).expect("serialises"),
                "a result changes when encoded again"
            );
        }
        Err(error) => {
            assert_one_clean_line("a Cloudflare error", &error.to_string());
            if status == 429 {
                assert_eq!(error.status(), Some(429), "HTTP 429 not reported as such");
            }
            if matches!(status, 401 | 403) {
                assert!(
                    error.is_auth() || matches!(error, CloudflareError::Decode { .. }),
                    "HTTP {status} not reported as a credential problem: {error}"
                );
            }
            let _ = error.codes();
        }
    }
}

/// A saved state file as the data directory holds it: a set-up, a rotation or the wizard's
/// progress. Non-UTF-8 is refused before any of them is asked, with a fixed sentence.
pub fn saved_state(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("state.json");
    match SetupStore::decode(text, path) {
        Ok(setup) => {
            let _ = setup.next_stage();
            let _ = setup.edge_hostnames();
            let saved = serde_json::to_string_pretty(&setup).expect("a set-up serialises");
            let reread = SetupStore::decode(&saved, path).expect("a saved set-up loads again");
            assert_eq!(reread, setup, "a set-up changes when saved and loaded");
        }
        Err(error) => assert_one_clean_line("a set-up state error", &error.to_string()),
    }
    match RotationStore::decode(text, path) {
        Ok(rotation) => {
            let _ = rotation.scope_label();
            let saved = serde_json::to_string_pretty(&rotation).expect("a rotation serialises");
            let reread = RotationStore::decode(&saved, path).expect("a saved rotation loads again");
            assert_eq!(reread, rotation, "a rotation changes when saved and loaded");
        }
        Err(error) => assert_one_clean_line("a rotation state error", &error.to_string()),
    }
    // An unreadable progress is skipped and logged, never shown: only the round trip matters.
    if let Ok(saved) = progress::decode(text) {
        let again = serde_json::to_string_pretty(&saved).expect("a progress serialises");
        let reread = progress::decode(&again).expect("a saved progress loads again");
        assert_eq!(reread, saved, "a progress changes when saved and loaded");
    }
}
