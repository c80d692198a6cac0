//! `span-autolink link`: files in, OTLP JSON with resolved links out.

use crate::failure::Failure;
use crate::progress::Progress;
use span_autolink_linker::{add_links, read, to_json_lines, Batch, MatchOptions, Matcher, Report};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

pub struct LinkArgs {
    pub skew_nanos: u64,
    pub report: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub files: Vec<PathBuf>,
}

/// Seconds (a decimal number, not negative) as nanoseconds.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.0..=1e9).contains(&s) => Ok((s * 1e9).round() as u64),
        _ => Err(format!(
            "`{text}` is not a number of seconds; give a non-negative number such as 2 or 0.5"
        )),
    }
}

pub fn run(args: &LinkArgs) -> Result<(), Failure> {
    let progress = Progress::start();
    let mut batch = Batch::default();
    for path in &args.files {
        let input = read_input(path).map_err(|e| Failure::unreadable(path, e))?;
        batch.extend(read(&input).map_err(|e| Failure::input(path, e))?);
        progress.step(|| format!("read {}", path.display()));
    }
    let spans = batch.spans();
    progress.step(|| format!("{} spans, resolving pointers", spans.len()));
    let resolution = Matcher::new(MatchOptions {
        skew_nanos: args.skew_nanos,
    })
    .resolve(&spans);
    drop(spans);
    if let Some(path) = &args.html {
        let page = crate::page::render(&batch, &resolution);
        std::fs::write(path, page).map_err(|e| Failure::unwritable(path, e))?;
    }
    let added = add_links(&mut batch.requests, &resolution);
    progress.step(|| {
        format!(
            "{} links resolved ({added} span links added), {} pointers unmatched",
            resolution.links.len(),
            resolution.unmatched.len()
        )
    });
    if let Some(path) = &args.report {
        let json = Report::new(&resolution).to_json();
        std::fs::write(path, json + "\n").map_err(|e| Failure::unwritable(path, e))?;
    }
    let stdout = Path::new("-");
    let target = args.output.as_deref().unwrap_or(stdout);
    write_output(args.output.as_deref(), &batch).map_err(|e| Failure::unwritable(target, e))?;
    progress.step(|| format!("wrote {}", target.display()));
    // The process ends here: freeing millions of small allocations one by
    // one would cost more than the exit that releases them at once.
    std::mem::forget((batch, resolution));
    Ok(())
}

fn read_input(path: &Path) -> io::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut input = Vec::new();
        io::stdin().lock().read_to_end(&mut input)?;
        Ok(input)
    } else {
        std::fs::read(path)
    }
}

fn write_output(path: Option<&Path>, batch: &Batch) -> io::Result<()> {
    let mut out: BufWriter<Box<dyn Write>> = BufWriter::new(match path {
        Some(p) if p != Path::new("-") => Box::new(File::create(p)?),
        _ => Box::new(io::stdout().lock()),
    });
    to_json_lines(&batch.requests, &mut out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::parse_seconds;

    #[test]
    fn seconds_become_nanoseconds() {
        assert_eq!(parse_seconds("2"), Ok(2_000_000_000));
        assert_eq!(parse_seconds("0.25"), Ok(250_000_000));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon")
            .unwrap_err()
            .contains("number of seconds"));
    }
}
