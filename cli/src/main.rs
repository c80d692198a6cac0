//! `span-autolink`: resolves span pointers into Backward and Forward links.

mod failure;
mod link;
mod progress;
mod serve;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "span-autolink", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reads traces (OTLP JSON or protobuf, Datadog v0.4 msgpack or JSON)
    /// and writes them as OTLP JSON with the resolved links added.
    Link {
        /// How many seconds later than a consumer's change time its producer
        /// span may end (clocks of two hosts disagree).
        #[arg(long, default_value = "2", value_parser = link::parse_seconds)]
        skew: u64,
        /// Writes the links and the unmatched pointers as JSON to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Writes the traces here instead of standard output.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Input files; `-` is standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Receives OTLP/HTTP (`POST /v1/traces`) and Datadog agent
    /// (`PUT`/`POST /v0.4/traces`) spans, resolves pointers as they arrive,
    /// answers `GET /links` and `GET /metrics`, and with `--forward` passes
    /// the spans on as OTLP protobuf with the links added.
    Serve {
        /// Address to listen on; port 0 picks a free port (printed on standard error).
        #[arg(long, default_value = "127.0.0.1:4318")]
        listen: SocketAddr,
        /// OTLP/HTTP traces URL of the next stage, e.g. http://127.0.0.1:4318/v1/traces.
        #[arg(long)]
        forward: Option<String>,
        /// Seconds spans with pointers are held for their other side before they go on.
        #[arg(long, default_value = "10", value_parser = link::parse_seconds)]
        wait: u64,
        /// Seconds an unresolved pointer is kept.
        #[arg(long, default_value = "3600", value_parser = link::parse_seconds)]
        ttl: u64,
        /// As for `link`.
        #[arg(long, default_value = "2", value_parser = link::parse_seconds)]
        skew: u64,
        /// Pointers kept at most; beyond it the oldest are evicted (and counted).
        #[arg(long, default_value = "1000000")]
        max_pointers: usize,
        /// Largest request body accepted, in bytes.
        #[arg(long, default_value = "33554432")]
        max_body: usize,
        /// Where pointers are kept: in this process (default), or in Redis,
        /// shared by replicas: redis://HOST:PORT[/DB] or
        /// redis+cluster://HOST:PORT[,HOST:PORT...].
        #[arg(long)]
        store: Option<String>,
        /// Prefix of the store's keys, so that pipelines can share a server.
        #[arg(long, default_value = "span-autolink")]
        store_namespace: String,
        /// Seconds one exchange with the store may take; beyond it spans go
        /// on unlinked and the store is reconnected in the background.
        #[arg(long, default_value = "1", value_parser = link::parse_seconds)]
        store_timeout: u64,
        /// Tail sampling by pointer: forward a trace holding a pointer only
        /// when keep(hash, RATE) holds for one of its pointers, so both
        /// sides of a hop are kept or dropped together (0 < RATE <= 1).
        #[arg(long, value_parser = parse_rate)]
        sample_pointers: Option<f64>,
    },
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r > 0.0 && r <= 1.0 => Ok(r),
        _ => Err(format!(
            "`{text}` is not a sampling rate; give a number above 0 and at most 1, such as 0.1"
        )),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Link {
            skew,
            report,
            output,
            files,
        } => link::run(&link::LinkArgs {
            skew_nanos: skew,
            report,
            output,
            files,
        }),
        Command::Serve {
            listen,
            forward,
            wait,
            ttl,
            skew,
            max_pointers,
            max_body,
            store,
            store_namespace,
            store_timeout,
            sample_pointers,
        } => serve::run(serve::ServeArgs {
            listen,
            forward,
            wait_nanos: wait,
            ttl_nanos: ttl,
            skew_nanos: skew,
            max_pointers,
            max_body,
            store,
            store_namespace,
            store_timeout_nanos: store_timeout,
            sample_pointers,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("span-autolink: {failure}");
            ExitCode::FAILURE
        }
    }
}
