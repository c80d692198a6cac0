//! Replays the `module` fuzzer's corpus (`fuzz/corpus/module/`) through the
//! same entry point the fuzz target calls, so `make test` keeps every
//! interesting input it found without needing nightly.

#[path = "../../fuzz/module_entry.rs"]
mod module_entry;

#[test]
fn module_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/module");
    let mut count = 0;
    for file in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = file.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let run = std::panic::catch_unwind(|| module_entry::module(&data));
        assert!(run.is_ok(), "{} fails", path.display());
        count += 1;
    }
    assert!(count > 0);
}
