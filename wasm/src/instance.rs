//! The state one module instance keeps between calls: the input and output
//! buffers in linear memory, and the key-name configuration, which changes
//! far less often than calls happen and so is set apart from them.

use crate::arena;
use span_autolink::{Config, Outcome};
use std::cell::RefCell;

#[derive(Default)]
pub struct Instance {
    pub input: Vec<u8>,
    pub output: Vec<u8>,
    pub config: Config,
}

thread_local! {
    // wasm32 without the atomics feature has one thread: this is one value.
    static INSTANCE: RefCell<Instance> = RefCell::new(Instance::default());
}

pub fn with<R>(f: impl FnOnce(&mut Instance) -> R) -> R {
    INSTANCE.with(|cell| f(&mut cell.borrow_mut()))
}

/// Makes room for `len` input bytes and returns where the host writes them.
/// The buffer only grows, so the pointer stays valid for any later input of
/// at most `len` bytes: a host calls this only when it needs more room.
pub fn input(len: usize) -> *mut u8 {
    with(|i| {
        if len > i.input.len() {
            i.input.resize(len, 0);
        }
        i.input.as_mut_ptr()
    })
}

/// Replaces the configuration with what `f` makes of the first `len` input
/// bytes, writes its issues as the output, and returns the output length.
pub fn configure(len: usize, f: impl FnOnce(&[u8]) -> Config) -> usize {
    with(|i| {
        i.config = f(input_of(&i.input, len));
        let mut outcome = Outcome::new();
        outcome.issues = i.config.issues().to_vec();
        crate::interop::write_outcome(&outcome, &mut i.output);
        i.output.len()
    })
}

/// Runs the pointer call `f` on the first `len` input bytes and the
/// configuration, writes its outcome as the output, and returns the output
/// length. Everything `f` allocates lives in the call arena. The output
/// buffer is reused, so its address changes only when an output is longer
/// than every earlier one.
pub fn call(len: usize, f: impl FnOnce(&[u8], &Config) -> Outcome) -> usize {
    with(|i| {
        let input = input_of(&i.input, len);
        arena::scope(|| {
            let outcome = f(input, &i.config);
            arena::outside(|| crate::interop::write_outcome(&outcome, &mut i.output));
            arena::discard(outcome);
        });
        i.output.len()
    })
}

/// More than `sa_input` made room for is a host error; it reads as no
/// input, which gives `input_invalid`.
fn input_of(input: &[u8], len: usize) -> &[u8] {
    input.get(..len).unwrap_or_default()
}

/// Sets the output to `text` and returns its length.
pub fn answer(text: &str) -> usize {
    with(|i| {
        i.output.clear();
        i.output.extend_from_slice(text.as_bytes());
        i.output.len()
    })
}

pub fn output() -> *const u8 {
    with(|i| i.output.as_ptr())
}
