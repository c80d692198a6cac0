//! `make bench-linker`: `span-autolink link` over a generated OTLP JSON
//! file of N spans (10% carrying pointers), as spans per second and as a
//! ratio to the floor of parsing the same file with serde_json alone in
//! the same run, with the command's peak RSS.
//!
//! Usage: span-autolink-bench-linker BINARY DIR [SPANS]

use serde::de::IgnoredAny;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Spans per JSON line, as a Collector file exporter writes batches.
const BATCH: usize = 1000;
/// Two spans in every 20 (10%) carry a pointer: a producer and its consumer.
const POINTER_EVERY: usize = 20;
/// Runs of each measurement; the fastest counts, as the least disturbed by
/// the other work on a shared machine.
const RUNS: usize = 3;
const T0: u64 = 1_767_225_600_000_000_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: span-autolink-bench-linker BINARY DIR [SPANS]");
        std::process::exit(2);
    }
    let binary = PathBuf::from(&args[1]);
    let dir = PathBuf::from(&args[2]);
    let spans: usize = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    std::fs::create_dir_all(&dir).expect("the benchmark directory can be created");
    let input = dir.join(format!("spans-{spans}.json"));
    generate(&input, spans).expect("the input file can be written");
    let bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);

    let floor_value = fastest(|| parse_floor::<serde_json::Value>(&input));
    let floor_ignored = fastest(|| parse_floor::<IgnoredAny>(&input));
    let report = dir.join("report.json");
    let mut peak_rss_kib = 0;
    let link = fastest(|| {
        let (elapsed, rss) = run_link(&binary, &input, &report, &dir.join("out.json"));
        peak_rss_kib = peak_rss_kib.max(rss);
        elapsed
    });
    let links = std::fs::read(&report)
        .ok()
        .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r).ok())
        .and_then(|r| r["links"].as_array().map(Vec::len))
        .unwrap_or(0);

    let rate = |d: Duration| spans as f64 / d.as_secs_f64();
    println!(
        "input: {spans} spans, {:.1} MiB, {links} links resolved",
        bytes as f64 / 1048576.0
    );
    println!(
        "link:                      {:>8.3} s  {:>10.0} spans/s  peak RSS {:.0} MiB",
        link.as_secs_f64(),
        rate(link),
        peak_rss_kib as f64 / 1024.0
    );
    println!(
        "floor serde_json::Value:   {:>8.3} s  {:>10.0} spans/s  ratio {:.2}x",
        floor_value.as_secs_f64(),
        rate(floor_value),
        link.as_secs_f64() / floor_value.as_secs_f64()
    );
    println!(
        "floor serde_json IgnoredAny: {:>6.3} s  {:>10.0} spans/s  ratio {:.2}x",
        floor_ignored.as_secs_f64(),
        rate(floor_ignored),
        link.as_secs_f64() / floor_ignored.as_secs_f64()
    );
    if links != spans / POINTER_EVERY {
        eprintln!("expected {} links, got {links}", spans / POINTER_EVERY);
        std::process::exit(1);
    }
}

fn fastest(mut run: impl FnMut() -> Duration) -> Duration {
    (0..RUNS).map(|_| run()).min().unwrap_or_default()
}

/// Reading the file and parsing every line with serde_json, nothing more.
fn parse_floor<T: serde::de::DeserializeOwned>(input: &Path) -> Duration {
    let started = Instant::now();
    let text = std::fs::read(input).expect("the input file can be read");
    for document in serde_json::Deserializer::from_slice(&text).into_iter::<T>() {
        std::hint::black_box(document.expect("the generated input is JSON"));
    }
    started.elapsed()
}

/// Wall time and peak RSS (KiB) of one `span-autolink link` run.
fn run_link(binary: &Path, input: &Path, report: &Path, out: &Path) -> (Duration, i64) {
    let started = Instant::now();
    let status = Command::new(binary)
        .arg("link")
        .arg("--report")
        .arg(report)
        .arg("-o")
        .arg(out)
        .arg(input)
        .status()
        .expect("the span-autolink binary runs");
    let elapsed = started.elapsed();
    assert!(status.success(), "span-autolink link failed");
    (elapsed, peak_child_rss_kib())
}

/// The largest peak RSS among the children waited for so far; runs are
/// the same size, so this is the link run's.
fn peak_child_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the buffer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}

/// OTLP JSON lines: hex ids, decimal-string nanoseconds, as the OTLP JSON
/// encoding specifies. Span `i` with `i % 20 == 0` is a producer of pointer
/// `i`, span `i + 10` its consumer, starting after the producer ended.
fn generate(path: &Path, spans: usize) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let mut out = BufWriter::new(File::create(path)?);
    for first in (0..spans).step_by(BATCH) {
        out.write_all(br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"bench"}}]},"scopeSpans":[{"scope":{"name":"bench"},"spans":["#)?;
        for i in first..(first + BATCH).min(spans) {
            if i > first {
                out.write_all(b",")?;
            }
            let start = T0 + i as u64 * 1_000_000;
            let end = start + 500_000;
            let links = match i % POINTER_EVERY {
                0 => pointer(i, "d"),
                10 => pointer(i - 10, "u"),
                _ => String::new(),
            };
            write!(
                out,
                r#"{{"traceId":"{:032x}","spanId":"{:016x}","parentSpanId":"","name":"GET /items","kind":2,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{{"key":"http.method","value":{{"stringValue":"GET"}}}},{{"key":"http.status_code","value":{{"intValue":"200"}}}}],"links":[{links}],"status":{{}}}}"#,
                i as u128 + 1,
                i as u64 + 1
            )?;
        }
        out.write_all(b"]}]}]}\n")?;
    }
    out.flush()
}

fn pointer(n: usize, dir: &str) -> String {
    format!(
        r#"{{"traceId":"00000000000000000000000000000000","spanId":"0000000000000000","attributes":[{{"key":"link.kind","value":{{"stringValue":"span-pointer"}}}},{{"key":"ptr.kind","value":{{"stringValue":"aws.s3.object"}}}},{{"key":"ptr.dir","value":{{"stringValue":"{dir}"}}}},{{"key":"ptr.hash","value":{{"stringValue":"{n:032x}"}}}}]}}"#
    )
}
