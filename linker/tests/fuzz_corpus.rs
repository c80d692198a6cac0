//! Replays the `decoders` fuzz target's corpus (`fuzz/corpus/decoders/`)
//! through the same entry point, so `make test` keeps every interesting
//! input the fuzzer found without needing nightly.

#[path = "../../fuzz/linker_entry.rs"]
mod linker_entry;
#[path = "../../fuzz/replay.rs"]
mod replay;

#[test]
fn decoders_corpus() {
    assert!(replay::replay("decoders", linker_entry::decoders) > 0);
}
