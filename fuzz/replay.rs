// Replays a fuzz target's corpus (`fuzz/corpus/<target>/`) through its
// entry point, so that an ordinary `cargo test` keeps every interesting
// input the fuzzers found, without nightly. Included by
// core/tests/fuzz_corpus.rs, wasm/tests/fuzz_corpus.rs and
// linker/tests/fuzz_corpus.rs; the crates sit one level below the
// repository root.

/// Runs every input of `target`'s corpus through `run`; panics naming the
/// first input that panics, and returns how many inputs there were.
pub fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut count = 0;
    for file in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = file.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails", path.display());
        count += 1;
    }
    count
}
