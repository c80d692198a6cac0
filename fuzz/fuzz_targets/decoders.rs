#![no_main]

#[path = "../linker_entry.rs"]
mod linker_entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| linker_entry::decoders(data));
