//! span-autolink's rules as a Node.js addon (Node-API).
//!
//! No rule lives here, and no conversion either: an [`Instance`] reads the
//! same input bytes as the WebAssembly module's exports (`wasm/ABI.md`) and
//! writes the same output bytes, through the same `interop` functions the
//! module runs. The package (`bindings/js/lib/native.js`) uses it where it
//! was built for the machine, and the WebAssembly module anywhere else.
//!
//! The package owns the memory both sides see: one `Buffer`, the input at
//! its start and the output from `output_at` on, passed to every call with
//! the instance (`External<Instance>`).
//! An output longer than the room left is kept until the package has made
//! room and asks for it (`copy_output`).

use napi::bindgen_prelude::*;
use napi_derive::napi;
use span_autolink_wasm::abi::ABI_VERSION;
use span_autolink_wasm::instance::{panic_message, Call, State};
use span_autolink_wasm::interop;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The ABI version the addon speaks (ABI.md), as the module's `abiVersion`.
#[napi]
pub fn abi_version() -> u32 {
    ABI_VERSION
}

/// One instance: what a module instance keeps between calls (`State`:
/// the configuration, the key names DynamoDB calls showed, the last
/// output). JavaScript holds it as an `External` and passes it to each
/// call: functions of the module cost Node-API a fraction of what methods
/// of a class do (the receiver's unwrapping and checks).
#[derive(Default)]
pub struct Instance {
    state: State,
}

impl Instance {
    /// Runs `f`; a panic becomes a JavaScript error instead of unwinding into
    /// Node.js, and leaves the instance as new, as a trap leaves a module
    /// instance to be replaced.
    fn guarded<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> Result<R> {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(result) => Ok(result),
            Err(panic) => {
                *self = Self::default();
                let message = panic_message(panic.as_ref());
                Err(Error::from_reason(format!(
                    "span-autolink panicked: {message}"
                )))
            }
        }
    }

    /// Runs `call` on the call's input, the first `len` bytes of `memory`,
    /// and puts its output into `memory` at `at` when it fits; the output's
    /// length. The input ends where the output's room begins; more reads
    /// as no input (`input_invalid`), as the module reads more than its
    /// input buffer.
    fn answer(&mut self, memory: &mut [u8], len: u32, at: u32, call: Call) -> Result<u32> {
        let at = (at as usize).min(memory.len());
        let (input, room) = memory.split_at_mut(at);
        let input = input.get(..len as usize).unwrap_or_default();
        self.guarded(|i| {
            i.state.answer(call, input);
            i.copy_to(room)
        })
    }

    fn copy_to(&self, room: &mut [u8]) -> u32 {
        let output = &self.state.output;
        if let Some(room) = room.get_mut(..output.len()) {
            room.copy_from_slice(output);
        }
        output.len() as u32
    }
}

/// A new instance.
#[napi]
pub fn instance() -> External<Instance> {
    External::new(Instance::default())
}

#[napi]
pub fn pointers_for_response(
    instance: &mut External<Instance>,
    mut memory: BufferSlice,
    len: u32,
    output_at: u32,
) -> Result<u32> {
    instance.answer(&mut memory, len, output_at, Call::Response)
}

#[napi]
pub fn pointers_for_event(
    instance: &mut External<Instance>,
    mut memory: BufferSlice,
    len: u32,
    output_at: u32,
) -> Result<u32> {
    instance.answer(&mut memory, len, output_at, Call::Event)
}

#[napi]
pub fn configure(
    instance: &mut External<Instance>,
    mut memory: BufferSlice,
    len: u32,
    output_at: u32,
) -> Result<u32> {
    instance.answer(&mut memory, len, output_at, Call::Configure)
}

#[napi]
pub fn settings(
    instance: &mut External<Instance>,
    mut memory: BufferSlice,
    len: u32,
    output_at: u32,
) -> Result<u32> {
    instance.answer(&mut memory, len, output_at, Call::Settings)
}

/// The last output, once the package has made room for it.
#[napi]
pub fn copy_output(instance: &External<Instance>, mut memory: BufferSlice, output_at: u32) -> u32 {
    let at = (output_at as usize).min(memory.len());
    instance.copy_to(&mut memory[at..])
}

#[napi]
pub fn operation(instance: &mut External<Instance>, memory: BufferSlice, len: u32) -> Result<u32> {
    let input = memory.get(..len as usize).unwrap_or_default();
    instance.guarded(|_| interop::operation(input))
}

#[napi]
pub fn keep_for_sampling(
    instance: &mut External<Instance>,
    memory: BufferSlice,
    len: u32,
    rate: f64,
) -> Result<u32> {
    let input = memory.get(..len as usize).unwrap_or_default();
    instance.guarded(|_| u32::from(interop::keep_for_sampling(input, rate)))
}

#[napi]
pub fn forget_tables(instance: &mut External<Instance>) {
    instance.state.forget_tables();
}

/// Panics on purpose, so that the package can test its recovery.
#[napi]
pub fn test_trap(instance: &mut External<Instance>) -> Result<()> {
    instance.guarded(|_| panic!("testTrap"))
}
