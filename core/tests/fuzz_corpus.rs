//! Replays the fuzzers' corpus (`fuzz/corpus/`) through the same entry
//! points the fuzz targets call, so `make test` keeps every interesting
//! input the fuzzers found without needing nightly.

#[path = "../../fuzz/entry.rs"]
mod entry;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for file in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = file.unwrap().path();
        run(&std::fs::read(&path).unwrap());
        count += 1;
    }
    count
}

#[test]
fn event_corpus() {
    assert!(replay("event", entry::event) > 0);
}

#[test]
fn response_corpus() {
    assert!(replay("response", entry::response) > 0);
}
