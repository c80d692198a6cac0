//! The import-free calling convention (`ABI.md`): plain functions of
//! integers, bytes passed through linear memory. What an export returns
//! carries [`GREW`](instance::GREW) when linear memory grew.

use crate::instance::{self, answer_of, Call};
use crate::interop;

/// Bumped whenever a function, a format or a rule of `ABI.md` changes.
pub const ABI_VERSION: u32 = 3;

#[no_mangle]
pub extern "C" fn sa_abi_version() -> u32 {
    ABI_VERSION
}

#[no_mangle]
pub extern "C" fn sa_input(len: u32) -> u32 {
    answer_of(instance::input(len as usize) as usize)
}

#[no_mangle]
pub extern "C" fn sa_output() -> u32 {
    answer_of(instance::output() as usize)
}

#[no_mangle]
pub extern "C" fn sa_configure(len: u32) -> u32 {
    answer_of(instance::answer(Call::Configure, len as usize))
}

#[no_mangle]
pub extern "C" fn sa_pointers_for_response(len: u32) -> u32 {
    answer_of(instance::answer(Call::Response, len as usize))
}

#[no_mangle]
pub extern "C" fn sa_pointers_for_event(len: u32) -> u32 {
    answer_of(instance::answer(Call::Event, len as usize))
}

/// Input `SERVICE OPERATION`; the call's operation code, or 255 when no
/// rule reads it (no output).
#[no_mangle]
pub extern "C" fn sa_operation(len: u32) -> u32 {
    instance::with(|i| interop::operation(instance::input_of(&i.input, len as usize)))
}

/// Input: a pointer hash; 1 when a span carrying that pointer keeps its
/// trace at `rate`, else 0 (no output).
#[no_mangle]
pub extern "C" fn sa_keep_for_sampling(len: u32, rate: f64) -> u32 {
    instance::with(|i| {
        let hash = instance::input_of(&i.input, len as usize);
        u32::from(interop::keep_for_sampling(hash, rate))
    })
}

/// Forgets what the calls so far taught of DynamoDB tables' key names
/// (no input, no output).
#[no_mangle]
pub extern "C" fn sa_forget_tables() {
    instance::forget_tables()
}

/// Input: the environment's `NAME=VALUE` entries, each ended by NUL;
/// output: the settings' lines.
#[no_mangle]
pub extern "C" fn sa_settings(len: u32) -> u32 {
    answer_of(instance::answer(Call::Settings, len as usize))
}

/// Output: the names of the environment variables `sa_settings` reads.
#[no_mangle]
pub extern "C" fn sa_setting_variables() -> u32 {
    answer_of(instance::answer(Call::SettingVariables, 0))
}

/// Input: an explain request (`ABI.md`, "Explain"); output: the report
/// as JSON text. Only in the explain module.
#[cfg(feature = "explain")]
#[no_mangle]
pub extern "C" fn sa_explain(len: u32) -> u32 {
    answer_of(instance::explain(len as usize, |input, config, out| {
        // Writing these plain structs as JSON cannot fail.
        *out = serde_json::to_vec(&interop::explain(input, config)).unwrap_or_default();
    }))
}

/// Traps on purpose, so that hosts can test their recovery from a trap.
#[no_mangle]
pub extern "C" fn sa_test_trap() {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
}
