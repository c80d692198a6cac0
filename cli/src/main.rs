//! `span-autolink`: resolves span pointers into Backward and Forward links.

mod failure;
mod link;
mod progress;

use clap::{Parser, Subcommand};
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("span-autolink: {failure}");
            ExitCode::FAILURE
        }
    }
}
