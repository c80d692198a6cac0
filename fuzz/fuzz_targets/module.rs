#![no_main]

#[path = "../module_entry.rs"]
mod module_entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| module_entry::module(data));
