//! The state an instance keeps between calls ([`State`], the same for every
//! host): the output buffer, the key-name configuration, which changes far
//! less often than calls happen and so is set apart from them, and the key
//! names the calls so far showed (the core's `KeyRegistry`); and the
//! module's one instance, which adds the input buffer in linear memory.

use crate::arena;
use span_autolink::limits::MAX_INPUT_BYTES;
use span_autolink::{Config, KeyRegistry, Outcome};
use std::cell::RefCell;

/// Buffers larger than this are given back after the call that needed
/// them (`ABI.md`, "Buffers"), so that one outsized input does not keep
/// its memory for the life of the process.
pub const RETAINED: usize = 1 << 20;

/// Linear memory never shrinks: a host discards an instance whose memory
/// grew beyond this (an outsized input did it) once the call's output is
/// read, and the next call gets a new one (ABI.md, "Buffers").
pub const MEMORY_KEPT: usize = 64 << 20;

/// What one instance keeps between calls, whichever host holds it: the
/// module (in linear memory, below), the Python extension and the Node.js
/// addon. Each host only moves bytes to and from it: the steps of a call
/// are here once.
#[derive(Default)]
pub struct State {
    pub config: Config,
    /// What the calls so far showed of DynamoDB tables' key names. Its
    /// blocks are the standard allocator's, never a call arena's.
    pub registry: KeyRegistry,
    pub output: Vec<u8>,
}

/// The calls whose answer is output lines (ABI.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// Input: the key-name configuration; output: its issues.
    Configure,
    /// Input: an AWS SDK call; output: its outcome.
    Response,
    /// Input: a Lambda event; output: its outcome.
    Event,
    /// Input: the environment's entries; output: the settings' lines.
    Settings,
    /// No input; output: the names of the variables `Settings` reads.
    SettingVariables,
}

impl State {
    /// Runs `call` on `input` and writes its answer as the output, which it
    /// returns. A pointer call allocates in the call arena, but for what it
    /// teaches the registry and its output (made with `arena::outside`).
    /// The output buffer is reused, so its address changes only when an
    /// output is longer than every earlier one, or after an outsized one.
    pub fn answer(&mut self, call: Call, input: &[u8]) -> &[u8] {
        give_back_outsized(&mut self.output);
        let State {
            config,
            registry,
            output,
        } = self;
        match call {
            Call::Configure => {
                *config = crate::interop::config(input);
                crate::interop::write_config_issues(config, output);
            }
            Call::Response => {
                write_pointers(output, || crate::interop::response(input, config, registry))
            }
            Call::Event => write_pointers(output, || crate::interop::event(input)),
            Call::Settings => crate::interop::settings(input, output),
            Call::SettingVariables => {
                output.clear();
                output.extend_from_slice(crate::interop::setting_variables().as_bytes());
            }
        }
        &self.output
    }

    /// Forgets every table's key names the calls taught.
    pub fn forget_tables(&mut self) {
        self.registry.clear();
    }
}

/// Runs the pointer call `run` in the call arena and writes its outcome as
/// `output`, outside the arena: the output outlives the call, the outcome
/// does not.
fn write_pointers(output: &mut Vec<u8>, run: impl FnOnce() -> Outcome) {
    arena::scope(|| {
        let outcome = run();
        arena::outside(|| crate::interop::write_outcome(&outcome, output));
        arena::discard(outcome);
    })
}

/// The module's one instance: its state, and the input buffer the host
/// writes into.
#[derive(Default)]
pub struct Instance {
    pub input: Vec<u8>,
    pub state: State,
    /// Linear memory's size in pages when a host last heard of it.
    pages: usize,
}

thread_local! {
    // wasm32 without the atomics feature has one thread: this is one value.
    static INSTANCE: RefCell<Instance> = RefCell::new(Instance::default());
}

pub fn with<R>(f: impl FnOnce(&mut Instance) -> R) -> R {
    INSTANCE.with(|cell| f(&mut cell.borrow_mut()))
}

/// Set in what an export returns when linear memory grew since the host
/// last heard: a host that keeps a view of memory (or its base address)
/// must get it anew before reading or writing. Addresses and lengths stay
/// below 2^31, the input bound being far under it.
pub const GREW: u32 = 1 << 31;

/// `value` with [`GREW`] set when memory grew since the last answer.
pub fn answer_of(value: usize) -> u32 {
    let value = value as u32 & !GREW;
    with(|i| {
        let pages = memory_pages();
        if pages != i.pages {
            i.pages = pages;
            value | GREW
        } else {
            value
        }
    })
}

fn memory_pages() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size(0);
    #[cfg(not(target_arch = "wasm32"))]
    0
}

/// Makes room for `len` input bytes and returns where the host writes them.
/// The buffer only grows (until an outsized call gives it back), so the
/// pointer stays valid for any later input of at most `len` bytes: a host
/// calls this only when it needs more room. More than the input bound gets
/// no room: the call then gives `input_invalid`.
pub fn input(len: usize) -> *mut u8 {
    with(|i| {
        if len > i.input.len() && len <= MAX_INPUT_BYTES {
            i.input.resize(len, 0);
        }
        i.input.as_mut_ptr()
    })
}

/// Runs `call` on the first `len` input bytes and returns the output's
/// length. An outsized input's buffer is given back once it is read.
pub fn answer(call: Call, len: usize) -> usize {
    with(|i| {
        let n = i.state.answer(call, input_of(&i.input, len)).len();
        if len > RETAINED {
            i.input = Vec::new();
        }
        n
    })
}

/// Forgets every table's key names the calls taught.
pub fn forget_tables() {
    with(|i| i.state.forget_tables())
}

/// An outsized answer's buffer is given back before the next answer is
/// written (that answer is then in a new place). Outsized is the answer's
/// length, as ABI.md tells hosts, never the buffer's capacity: growing to
/// a length within the bound may leave more capacity than the bound, and
/// a host that saw such an answer reads the next one where it was.
pub fn give_back_outsized(output: &mut Vec<u8>) {
    if output.len() > RETAINED {
        *output = Vec::new();
    }
}

/// What a caught panic says, for the native hosts (the Python extension,
/// the Node.js addon), which turn a panic into an error as the module's
/// hosts turn a trap into one.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// More than `sa_input` made room for is a host error; it reads as no
/// input, which gives `input_invalid`.
pub fn input_of(input: &[u8], len: usize) -> &[u8] {
    input.get(..len).unwrap_or_default()
}

#[cfg(feature = "explain")]
/// Runs `write` on the first `len` input bytes and the configuration,
/// outside the call arena (explaining is not on the pointer calls' path),
/// and returns the output length.
pub fn explain(len: usize, write: impl FnOnce(&[u8], &Config, &mut Vec<u8>)) -> usize {
    with(|i| {
        let State { config, output, .. } = &mut i.state;
        give_back_outsized(output);
        write(input_of(&i.input, len), config, output);
        output.len()
    })
}

pub fn output() -> *const u8 {
    with(|i| i.state.output.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_answer_longer_than_retained_moves_the_next_one() {
        // Within the bound, with more capacity than the bound: kept.
        let mut output = Vec::with_capacity(2 * RETAINED);
        output.resize(RETAINED, b'p');
        let at = output.as_ptr();
        give_back_outsized(&mut output);
        assert_eq!(output.as_ptr(), at);
        // Beyond the bound: given back.
        output.push(b'p');
        give_back_outsized(&mut output);
        assert_eq!(output.capacity(), 0);
    }

    /// Hosts skip configuring a new instance when they have no key names
    /// to give (ABI.md): that holds only while a new instance's
    /// configuration is the one empty text makes.
    #[test]
    fn a_new_instance_holds_the_empty_configuration() {
        let fresh = State::default().config;
        assert_eq!(fresh, crate::interop::config(b""));
        assert_eq!(fresh, crate::interop::config(b" \n"));
    }
}
