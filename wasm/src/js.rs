//! The wasm-bindgen exports for the Node.js package. Only integers cross on
//! the hot path: the package writes the input into linear memory and reads
//! the output lines from it (see `bindings/js/index.js`). That measured
//! faster than passing the objects through serde-wasm-bindgen (PutObject
//! 2.0 us against 3.1 us, UpdateItem 2.5 us against 5.0 us, Node 20), so
//! that export is gone, and with it 17 KB of module.

use crate::{abi, instance};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_name = linearMemory)]
pub fn linear_memory() -> JsValue {
    wasm_bindgen::memory()
}

#[wasm_bindgen(js_name = abiVersion)]
pub fn abi_version() -> u32 {
    abi::ABI_VERSION
}

#[wasm_bindgen(js_name = inputBuffer)]
pub fn input_buffer(len: u32) -> u32 {
    instance::input(len as usize) as u32
}

#[wasm_bindgen(js_name = outputBuffer)]
pub fn output_buffer() -> u32 {
    instance::output() as u32
}

#[wasm_bindgen]
pub fn configure(len: u32) -> u32 {
    abi::sa_configure(len)
}

#[wasm_bindgen(js_name = pointersForResponse)]
pub fn pointers_for_response(len: u32) -> u32 {
    abi::sa_pointers_for_response(len)
}

#[wasm_bindgen(js_name = pointersForEvent)]
pub fn pointers_for_event(len: u32) -> u32 {
    abi::sa_pointers_for_event(len)
}

/// Input `SERVICE OPERATION`; output: the call's projection as JSON, or
/// nothing when the call writes nothing a pointer can name.
#[wasm_bindgen(js_name = responseProjection)]
pub fn response_projection(len: u32) -> u32 {
    abi::sa_response_projection(len)
}

/// Output: the projection of an event as JSON.
#[wasm_bindgen(js_name = eventProjection)]
pub fn event_projection() -> u32 {
    abi::sa_event_projection()
}

/// Input `HASH RATE`; 1 when a span with that pointer keeps its trace.
#[wasm_bindgen(js_name = keepForSampling)]
pub fn keep_for_sampling(len: u32) -> u32 {
    abi::sa_keep_for_sampling(len)
}

#[wasm_bindgen(js_name = testTrap)]
pub fn test_trap() {
    abi::sa_test_trap()
}
