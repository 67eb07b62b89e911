//! `verify` against ports that do not behave like a TLS server (plain HTTP, garbage, an immediate
//! close, a handshake larger than TLS allows): the verdict says what happened, is never
//! `misconfigured`, and never sends the user to the CA file.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use aop_wizard::probe::{
    self, ExpectedCa, ForeignAnswer, Judgement, Outcome, Presented, ProbePlan, Verdict,
};

/// A server on 127.0.0.1 that treats every connection with `serve`, for as long as the test runs.
fn hostile(serve: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    address
}

/// Reads the ClientHello, so that closing afterwards is a clean close, not a reset.
fn read_hello(stream: &mut TcpStream) {
    let mut hello = [0u8; 4096];
    let _ = stream.read(&mut hello);
}

/// Answers the port's first words, then closes.
fn answer_and_close(mut stream: TcpStream, answer: &[u8]) {
    read_hello(&mut stream);
    let _ = stream.write_all(answer);
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
    // Wait for the probe to hang up, so our close cannot overtake what was sent.
    let _ = stream.read(&mut [0u8; 4096]);
}

fn plain_http(stream: TcpStream) {
    answer_and_close(
        stream,
        b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 32\r\nConnection: close\r\n\r\nThis port speaks plain HTTP.\r\n\r\n",
    );
}

fn garbage(stream: TcpStream) {
    let bytes: Vec<u8> = (0u32..512).map(|i| (i * 7919 % 251) as u8).collect();
    answer_and_close(stream, &bytes);
}

fn close_at_once(stream: TcpStream) {
    drop(stream);
}

/// A handshake record header announcing 65535 bytes, more than any TLS record may hold.
fn huge_record(stream: TcpStream) {
    let mut record = vec![0x16, 0x03, 0x03, 0xff, 0xff];
    record.extend(std::iter::repeat_n(0u8, 0xffff));
    answer_and_close(stream, &record);
}

/// Well-formed records carrying one handshake message of 600 000 bytes, as a server configured
/// with a bundle of hundreds of certificates would send.
fn huge_handshake(stream: TcpStream) {
    let mut message = vec![0x02, 0x09, 0x27, 0xc0];
    message.extend(std::iter::repeat_n(0u8, 64 * 1024));
    let mut records = Vec::new();
    for chunk in message.chunks(16 * 1024) {
        records.extend([0x16, 0x03, 0x03]);
        records.extend((chunk.len() as u16).to_be_bytes());
        records.extend(chunk);
    }
    answer_and_close(stream, &records);
}

fn probe(address: SocketAddr) -> (Judgement, Outcome) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let plan = ProbePlan {
        origins: vec![address],
        hostnames: vec!["www.example.com".into()],
        path: "/".into(),
        // A certificate of our own is presented too: before, its refusal read as "the origin
        // refused the right certificate".
        yours: Some(probe::unrelated_identity().unwrap()),
        expected_ca: ExpectedCa::default(),
        // Generous: every server here answers at once; this only bounds a broken test.
        timeout: Duration::from_secs(20),
        concurrency: 3,
    };
    let cells = runtime.block_on(probe::run(&plan)).unwrap();
    let cell = &cells[0];
    let none = cell.attempt(Presented::Nothing).unwrap().outcome.clone();
    (cell.judgement.clone(), none)
}

fn assert_not_blamed_on_the_certificate(judgement: &Judgement) {
    assert_ne!(judgement.verdict, Verdict::Misconfigured, "{judgement:?}");
    assert_eq!(judgement.verdict, Verdict::Unreachable, "{judgement:?}");
    assert!(
        !judgement.next_step.contains("CA"),
        "the advice must not be about the CA file: {judgement:?}"
    );
    for debug in ["(", "::", "Error"] {
        assert!(
            !judgement.explanation.contains(debug),
            "no Rust debug text: {judgement:?}"
        );
    }
}

#[test]
fn a_port_answering_plain_http_is_not_tls() {
    let (judgement, none) = probe(hostile(plain_http));
    assert_eq!(
        none,
        Outcome::NotTls {
            answer: ForeignAnswer::PlainHttp
        }
    );
    assert_eq!(
        judgement.explanation,
        "not TLS: the port answered plain HTTP"
    );
    assert!(judgement.next_step.contains("HTTPS port"), "{judgement:?}");
    assert_not_blamed_on_the_certificate(&judgement);
}

#[test]
fn a_port_answering_garbage_is_not_tls() {
    let (judgement, none) = probe(hostile(garbage));
    assert_eq!(
        none,
        Outcome::NotTls {
            answer: ForeignAnswer::SomethingElse
        }
    );
    assert_eq!(
        judgement.explanation,
        "not TLS: the port answered something else"
    );
    assert!(
        judgement.next_step.contains("another service"),
        "{judgement:?}"
    );
    assert_not_blamed_on_the_certificate(&judgement);
}

#[test]
fn a_port_that_closes_at_once_is_a_closed_handshake() {
    let (judgement, none) = probe(hostile(close_at_once));
    assert_eq!(none, Outcome::ClosedDuringHandshake);
    assert_eq!(
        judgement.explanation,
        "connection closed during the handshake"
    );
    assert_not_blamed_on_the_certificate(&judgement);
}

#[test]
fn a_record_larger_than_tls_allows_is_a_handshake_too_large() {
    let (judgement, none) = probe(hostile(huge_record));
    assert_eq!(none, Outcome::HandshakeTooLarge);
    assert!(
        judgement
            .explanation
            .starts_with("the handshake was too large"),
        "{judgement:?}"
    );
    assert_not_blamed_on_the_certificate(&judgement);
}

#[test]
fn a_handshake_message_of_600_kb_is_a_handshake_too_large() {
    let (judgement, none) = probe(hostile(huge_handshake));
    assert_eq!(none, Outcome::HandshakeTooLarge);
    assert!(
        judgement.next_step.contains("intermediates"),
        "{judgement:?}"
    );
    assert_not_blamed_on_the_certificate(&judgement);
}
