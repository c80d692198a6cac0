//! What an entry point returns, and where in the input a reason points.

use crate::hash::{Batch, PointerHash};
use crate::issue::{Issue, IssueCode};
use crate::pointer::{Direction, Pointer, PointerKind};
use crate::trace::Note;
#[cfg(feature = "explain")]
use crate::trace::Trace;
#[cfg(feature = "explain")]
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

/// The pointers an input gives, in input order, and the reasons why parts
/// of it gave none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub pointers: Vec<Pointer>,
    pub issues: Vec<Issue>,
    /// Tables whose key names a put needed and no source gave
    /// (`table_not_configured`), each once: a host that may ask DynamoDB
    /// (DescribeTable, opt-in) asks for these. Only names DynamoDB takes.
    pub unknown_tables: Vec<String>,
    /// How pointers get their hashes: at once, batched (see
    /// [`Outcome::batched`]), or at once and traced for the explainer.
    mode: Mode,
}

/// One field for the ways off the plain path. Tracing exists only in
/// builds with the `explain` feature: elsewhere the notes the rules take
/// compile to nothing.
// As large as the `Option<Batch>` it replaced: boxing the batch would
// cost every event call an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Mode {
    #[default]
    Alone,
    /// Where pointers wait for their hashes, while an entry point that
    /// makes many of them runs.
    Batched(Batch),
    /// What the rules noted on the way, for the explainer (never on the
    /// pointer calls' path).
    #[cfg(feature = "explain")]
    Traced(Box<Trace>),
}

impl Outcome {
    pub fn new() -> Self {
        Outcome::default()
    }

    /// An outcome whose pointers are hashed four at a time: until
    /// [`Outcome::settle`], a pointer may not have its hash yet. Only for
    /// rules that never read back the pointers they made (events; a
    /// `BatchWriteItem` compares them with the unprocessed ones).
    pub(crate) fn batched() -> Self {
        Outcome {
            mode: Mode::Batched(Batch::default()),
            ..Outcome::default()
        }
    }

    /// An outcome whose rules note what they hash and where it came from.
    #[cfg(feature = "explain")]
    pub(crate) fn traced() -> Self {
        Outcome {
            mode: Mode::Traced(Box::default()),
            ..Outcome::default()
        }
    }

    /// An empty outcome that traces when this one does: for rules that
    /// gather part of their outcome apart and [`absorb`](Outcome::absorb) it.
    pub(crate) fn sibling(&self) -> Self {
        if self.tracing() {
            #[cfg(feature = "explain")]
            return Outcome::traced();
        }
        Outcome::new()
    }

    /// Moves the pointers, issues and notes of `other` to the end of this one.
    pub(crate) fn absorb(&mut self, other: &mut Outcome) {
        self.pointers.append(&mut other.pointers);
        self.issues.append(&mut other.issues);
        for table in other.unknown_tables.drain(..) {
            self.unknown_table(&table);
        }
        #[cfg(feature = "explain")]
        if let (Mode::Traced(mine), Mode::Traced(theirs)) = (&mut self.mode, &mut other.mode) {
            mine.notes.append(&mut theirs.notes);
        }
    }

    /// Whether the rules are being traced; rules note only then.
    #[inline]
    pub(crate) fn tracing(&self) -> bool {
        #[cfg(feature = "explain")]
        return matches!(self.mode, Mode::Traced(_));
        #[cfg(not(feature = "explain"))]
        false
    }

    /// Records a note for the explainer (nothing unless tracing).
    #[inline]
    pub(crate) fn note(&mut self, note: impl FnOnce() -> Note) {
        #[cfg(feature = "explain")]
        if let Mode::Traced(trace) = &mut self.mode {
            trace.notes.push(note());
        }
        #[cfg(not(feature = "explain"))]
        let _ = note;
    }

    /// The notes, for the explainer.
    #[cfg(feature = "explain")]
    pub(crate) fn take_trace(&mut self) -> Trace {
        match core::mem::take(&mut self.mode) {
            Mode::Traced(trace) => *trace,
            other => {
                self.mode = other;
                Trace::default()
            }
        }
    }

    /// Adds the pointer whose hash is of `components` (SPEC section 1).
    pub(crate) fn pointer(
        &mut self,
        kind: PointerKind,
        direction: Direction,
        components: &[&[u8]],
    ) {
        let index = self.pointers.len();
        self.pointers.push(Pointer {
            kind,
            direction,
            hash: PointerHash::PENDING,
            change_time: None,
        });
        let batched = match &mut self.mode {
            Mode::Batched(batch) => batch.push(&mut self.pointers, index, components),
            #[cfg(feature = "explain")]
            Mode::Traced(trace) => {
                trace.notes.push(Note::hashed(components));
                false
            }
            Mode::Alone => false,
        };
        if !batched {
            if let Some(pointer) = self.pointers.last_mut() {
                pointer.hash = PointerHash::of(components);
            }
        }
    }

    /// Notes a table whose key names a put needed and nobody knows.
    pub(crate) fn unknown_table(&mut self, table: &str) {
        if crate::dynamodb::table::is_table_name(table)
            && !self.unknown_tables.iter().any(|t| t == table)
        {
            self.unknown_tables.push(String::from(table));
        }
    }

    /// Gives the pointers made since there were `before` of them the time
    /// of the change that made their record.
    pub(crate) fn stamp_since(&mut self, before: usize, change_time: Option<u64>) {
        if let (Some(time), Some(made)) = (change_time, self.pointers.get_mut(before..)) {
            for pointer in made {
                pointer.change_time = Some(time);
            }
        }
    }

    /// Gives every pointer its hash; what an entry point returns is settled.
    pub(crate) fn settle(mut self) -> Self {
        if let Mode::Batched(batch) = &mut self.mode {
            batch.settle(&mut self.pointers);
            self.mode = Mode::Alone;
        }
        self
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
    use super::{Outcome, Quoted};
    use alloc::format;
    use alloc::string::String;

    /// Batched pointers get the hash they would get alone, in their own
    /// place, whether they fill the lanes, overflow them or wait at the end,
    /// with messages too long for one block mixed in.
    #[test]
    fn batched_pointers_are_hashed_as_alone() {
        use crate::hash::PointerHash;
        use crate::pointer::{Direction, PointerKind};
        use alloc::vec::Vec;
        for count in 0..=13usize {
            let messages: Vec<Vec<u8>> = (0..count)
                .map(|i| {
                    // 20 to 120 bytes: one block up to 55, two beyond.
                    let len = 20 + (i * 37 + count * 11) % 101;
                    (0..len).map(|k| (k * 13 + i) as u8).collect()
                })
                .collect();
            let mut out = Outcome::batched();
            for (i, message) in messages.iter().enumerate() {
                let (a, b) = message.split_at(i % message.len());
                out.pointer(PointerKind::DynamoDbItem, Direction::Upstream, &[a, b]);
            }
            let out = out.settle();
            assert_eq!(out.pointers.len(), count);
            for (i, (pointer, message)) in out.pointers.iter().zip(&messages).enumerate() {
                let (a, b) = message.split_at(i % message.len());
                assert_eq!(pointer.hash, PointerHash::of(&[a, b]), "{i} of {count}");
            }
            assert_eq!(out, {
                let mut alone = Outcome::new();
                alone.pointers = out.pointers.clone();
                alone
            });
        }
    }

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
