//! The wasm-bindgen exports for the Node.js package: the import-free
//! calls (`abi.rs`, `ABI.md`) under the names the package uses, and the
//! module's memory. Only integers cross: the package writes the input into
//! linear memory and reads the output lines from it (`bindings/js/lib`).

use crate::abi;
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
    abi::sa_input(len)
}

#[wasm_bindgen(js_name = outputBuffer)]
pub fn output_buffer() -> u32 {
    abi::sa_output()
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

#[wasm_bindgen]
pub fn operation(len: u32) -> u32 {
    abi::sa_operation(len)
}

#[wasm_bindgen(js_name = keepForSampling)]
pub fn keep_for_sampling(len: u32, rate: f64) -> u32 {
    abi::sa_keep_for_sampling(len, rate)
}

#[wasm_bindgen(js_name = forgetTables)]
pub fn forget_tables() {
    abi::sa_forget_tables()
}

#[wasm_bindgen]
pub fn settings(len: u32) -> u32 {
    abi::sa_settings(len)
}

#[wasm_bindgen(js_name = settingVariables)]
pub fn setting_variables() -> u32 {
    abi::sa_setting_variables()
}

/// The explainer's answer to the request in the first `len` input bytes
/// (`ABI.md`, "Explain"), as JavaScript objects. Only in the explain module.
#[cfg(feature = "explain-js")]
#[wasm_bindgen]
pub fn explain(len: u32) -> JsValue {
    let mut answer = JsValue::NULL;
    crate::instance::explain(len as usize, |input, config, _| {
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
        answer = serde::Serialize::serialize(&crate::interop::explain(input, config), &serializer)
            .unwrap_or(JsValue::NULL);
    });
    answer
}

#[wasm_bindgen(js_name = testTrap)]
pub fn test_trap() {
    abi::sa_test_trap()
}
