//! Replays the `module` fuzzer's corpus (`fuzz/corpus/module/`) through the
//! same entry point the fuzz target calls, so `make test` keeps every
//! interesting input it found without needing nightly.

#[path = "../../fuzz/module_entry.rs"]
mod module_entry;
#[path = "../../fuzz/replay.rs"]
mod replay;

#[test]
fn module_corpus() {
    assert!(replay::replay("module", module_entry::module) > 0);
}
