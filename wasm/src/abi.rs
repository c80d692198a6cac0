//! The import-free calling convention (`ABI.md`): plain functions of
//! integers, bytes passed through linear memory.

use crate::{instance, interop};

/// Bumped whenever a function, a format or a rule of `ABI.md` changes.
pub const ABI_VERSION: u32 = 1;

#[no_mangle]
pub extern "C" fn sa_abi_version() -> u32 {
    ABI_VERSION
}

#[no_mangle]
pub extern "C" fn sa_input(len: u32) -> *mut u8 {
    instance::input(len as usize)
}

#[no_mangle]
pub extern "C" fn sa_output() -> *const u8 {
    instance::output()
}

#[no_mangle]
pub extern "C" fn sa_configure(len: u32) -> u32 {
    instance::configure(len as usize, interop::config) as u32
}

#[no_mangle]
pub extern "C" fn sa_pointers_for_response(len: u32) -> u32 {
    instance::call(len as usize, interop::response) as u32
}

#[no_mangle]
pub extern "C" fn sa_pointers_for_event(len: u32) -> u32 {
    instance::call(len as usize, |input, _| interop::event(input)) as u32
}

#[no_mangle]
pub extern "C" fn sa_response_projection(len: u32) -> u32 {
    let projection = instance::with(|i| {
        let input = i.input.get(..len as usize).unwrap_or_default();
        interop::response_projection(input)
    });
    instance::answer(projection.as_deref().unwrap_or_default()) as u32
}

#[no_mangle]
pub extern "C" fn sa_event_projection() -> u32 {
    instance::answer(&interop::event_projection()) as u32
}

/// Whether a span carrying the pointer hash keeps its trace at a rate:
/// input `HASH RATE`, result 1 or 0 (no output).
#[no_mangle]
pub extern "C" fn sa_keep_for_sampling(len: u32) -> u32 {
    instance::with(|i| {
        let input = i.input.get(..len as usize).unwrap_or_default();
        u32::from(interop::keep_for_sampling(input))
    })
}

/// Traps on purpose, so that hosts can test their recovery from a trap.
#[no_mangle]
pub extern "C" fn sa_test_trap() {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
}
