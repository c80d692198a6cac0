//! Replays the fuzzers' corpus (`fuzz/corpus/`) through the same entry
//! points the fuzz targets call, so `make test` keeps every interesting
//! input the fuzzers found without needing nightly.

#[path = "../../fuzz/entry.rs"]
mod entry;
#[path = "../../fuzz/replay.rs"]
mod replay;

#[test]
fn event_corpus() {
    assert!(replay::replay("event", entry::event) > 0);
}

#[test]
fn response_corpus() {
    assert!(replay::replay("response", entry::response) > 0);
}
