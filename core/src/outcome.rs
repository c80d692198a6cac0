//! What an entry point returns, and where in the input a reason points.

use crate::issue::{Issue, IssueCode};
use crate::pointer::Pointer;
use alloc::format;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

/// The pointers an input gives, in input order, and the reasons why parts
/// of it gave none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub pointers: Vec<Pointer>,
    pub issues: Vec<Issue>,
}

impl Outcome {
    pub fn new() -> Self {
        Outcome::default()
    }

    pub(crate) fn issue(&mut self, code: IssueCode, at: &Path<'_>, sentence: fmt::Arguments<'_>) {
        let message = match at {
            Path::Root => format!("{sentence}"),
            _ => format!("{at}: {sentence}"),
        };
        self.issues.push(Issue::new(code, message));
    }
}

/// A location in the input, built on the stack as the rules descend and
/// formatted only when a reason is reported (`Records[2].s3.object.key`).
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(Path::Root, name) => f.write_str(name),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Input text quoted in a message: escapes quotes, backslashes and control
/// characters, and cuts long text short, so a message never carries
/// megabytes of someone's input. Written out rather than `{:?}`, whose
/// Unicode tables would weigh on every host's module.
pub(crate) struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const LIMIT: usize = 80;
        f.write_str("\"")?;
        for (shown, c) in self.0.chars().enumerate() {
            if shown == LIMIT {
                return write!(f, "\"... ({} bytes)", self.0.len());
            }
            match c {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::Quoted;
    use alloc::format;
    use alloc::string::String;

    #[test]
    fn quoting() {
        assert_eq!(
            format!("{}", Quoted("a\"b\\c\nd")),
            "\"a\\\"b\\\\c\\u{a}d\""
        );
        let long: String = "é".repeat(100);
        assert_eq!(
            format!("{}", Quoted(&long)),
            format!("\"{}\"... (200 bytes)", "é".repeat(80))
        );
    }
}
