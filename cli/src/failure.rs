//! Why a command stopped: a stable code and a sentence saying what to do.

use std::fmt;
use std::path::Path;

#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn input(path: &Path, error: span_autolink_linker::Error) -> Self {
        Failure {
            code: error.code.as_str(),
            message: format!("{}: {}", path.display(), error.message),
        }
    }

    pub fn unreadable(path: &Path, error: std::io::Error) -> Self {
        Failure {
            code: "input_unreadable",
            message: format!(
                "could not read {} ({error}); check that the file exists and is readable",
                path.display()
            ),
        }
    }

    pub fn unwritable(path: &Path, error: std::io::Error) -> Self {
        Failure {
            code: "output_unwritable",
            message: format!(
                "could not write {} ({error}); check that its directory exists and is writable",
                path.display()
            ),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
