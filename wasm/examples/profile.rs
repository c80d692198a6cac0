//! Where one call's time goes inside the module, natively.
use span_autolink::{Config, KeyRegistry, Value};
use std::time::Instant;

fn time(label: &str, n: u32, mut f: impl FnMut()) {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    println!(
        "{label:<40} {:>8.0} ns",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

fn main() {
    let input = br#"{"service":"s3","operation":"PutObject","request":{"Bucket":"photo-uploads","Key":"albums/summer 2026/IMG (1) cafe.jpg"},"response":{"ETag":"\"9b2cf535f27731c974343645a3985328\""}}"#;
    let config = Config::new();
    let mut registry = KeyRegistry::new();
    let mut out = Vec::new();
    let n = 1_000_000;
    time("whole call (parse, rules, output)", n, || {
        let o = span_autolink_wasm::interop::response(input, &config, &mut registry);
        span_autolink_wasm::interop::write_outcome(&o, &mut out);
    });
    time("parse JSON into Value", n, || {
        std::hint::black_box(Value::from_host_json(input).unwrap());
    });
    let v = Value::from_host_json(input).unwrap();
    time("rules on a parsed value", n, || {
        std::hint::black_box(span_autolink::pointers_for_response(
            "s3",
            "PutObject",
            v.get("request").unwrap(),
            v.get("response").unwrap(),
            &config,
        ));
    });
    time("hash alone", n, || {
        std::hint::black_box(span_autolink::PointerHash::of(&[
            b"photo-uploads",
            b"albums/summer 2026/IMG (1) cafe.jpg",
            b"9b2cf535f27731c974343645a3985328",
        ]));
    });
}
