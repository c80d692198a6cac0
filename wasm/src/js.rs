//! The wasm-bindgen exports for the Node.js package. Only integers cross on
//! the hot path: the package writes the input into linear memory and reads
//! the output lines from it (see `bindings/js/index.js`), which measured
//! faster than passing strings or objects through the glue.

use crate::{abi, instance, interop};
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

#[wasm_bindgen(js_name = responseProjection)]
pub fn response_projection(service: &str, operation: &str) -> Option<String> {
    interop::response_projection(format!("{service} {operation}").as_bytes())
}

#[wasm_bindgen(js_name = eventProjection)]
pub fn event_projection() -> String {
    interop::event_projection()
}

/// The same call with the request and response converted by
/// serde-wasm-bindgen, kept to measure against the memory path.
#[wasm_bindgen(js_name = pointersForResponseValues)]
pub fn pointers_for_response_values(
    service: &str,
    operation: &str,
    request: JsValue,
    response: JsValue,
) -> String {
    let request: span_autolink::Value =
        serde_wasm_bindgen::from_value(request).unwrap_or(span_autolink::Value::Null);
    let response: span_autolink::Value =
        serde_wasm_bindgen::from_value(response).unwrap_or(span_autolink::Value::Null);
    let outcome = instance::with(|i| {
        span_autolink::pointers_for_response(service, operation, &request, &response, &i.config)
    });
    let mut out = Vec::new();
    interop::write_outcome(&outcome, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[wasm_bindgen(js_name = testTrap)]
pub fn test_trap() {
    abi::sa_test_trap()
}
