// The fuzzed entry point of the module's input readers (wasm/src/interop.rs
// and marshal.rs), shared by the `module` fuzz target and by the corpus
// replay in wasm/tests/fuzz_corpus.rs.
//
// What reaches them is what a package wrote into linear memory: marshal
// data behind `\0m` written along the projections (both packages), or JSON
// text (tests, other hosts). A package with a bug, or a host that writes
// the ABI by hand, can send anything; the module must answer it with an
// outcome and never trap, since a trap costs the host a new instance.
//
// Input: one byte choosing the call, then
// - response: one byte `n`, `n` bytes of key-name configuration (JSON
//   text), then the call's input;
// - event: the event's input;
// - otherwise: `SERVICE OPERATION`, the question a package asks once, and
//   the same bytes as settings and as a sampling question.

use span_autolink_wasm::interop;

pub fn module(data: &[u8]) {
    let Some((&call, data)) = data.split_first() else {
        return;
    };
    let outcome = match call % 3 {
        0 => {
            let Some((&n, data)) = data.split_first() else {
                return;
            };
            let (config, input) = data.split_at(usize::from(n).min(data.len()));
            // A fresh registry: what a call teaches is checked by the
            // outcome of the same call (a transaction's update and put).
            let mut registry = span_autolink::KeyRegistry::new();
            interop::response(input, &interop::config(config), &mut registry)
        }
        1 => interop::event(data),
        _ => {
            let code = interop::operation(data);
            let known = span_autolink::Operation::ALL.len() as u32;
            assert!(code < known || code == interop::NO_OPERATION, "{code}");
            let _ = interop::keep_for_sampling(data, 0.5);
            let mut out = Vec::new();
            interop::settings(data, &mut out);
            let text = core::str::from_utf8(&out).expect("settings are UTF-8");
            assert!(
                text.lines()
                    .all(|l| l.starts_with("s ") || l.starts_with("i ")),
                "{text}"
            );
            return;
        }
    };
    let mut out = Vec::new();
    interop::write_outcome(&outcome, &mut out);
    // The host splits the output into lines and each line at its first
    // spaces: one line per result, valid UTF-8, hashes of 32 hex digits.
    let text = core::str::from_utf8(&out).expect("output is UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    let results = outcome.pointers.len() + outcome.issues.len();
    assert_eq!(
        lines.len(),
        results + outcome.unknown_tables.len(),
        "{text}"
    );
    for (line, pointer) in lines.iter().zip(&outcome.pointers) {
        let hash = pointer.hash.as_str();
        assert!(hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.get(3), Some(&hash), "{line}");
        let time = pointer.change_time.map(|t| t.to_string());
        assert_eq!(fields.get(4).copied(), time.as_deref(), "{line}");
        assert!(fields.len() <= 5, "{line}");
    }
    for line in &lines[results..] {
        // A table to look up: a name DynamoDB takes, which a put needed.
        let table = line.strip_prefix("t ").expect(line);
        assert!(
            span_autolink::dynamodb::table::is_table_name(table),
            "{line}"
        );
        assert!(outcome
            .issues
            .iter()
            .any(|i| i.code == span_autolink::IssueCode::TableNotConfigured));
    }
    for line in &lines[outcome.pointers.len()..results] {
        let mut parts = line.splitn(3, ' ');
        assert_eq!(parts.next(), Some("i"), "{line}");
        assert!(parts.next().is_some_and(|code| !code.is_empty()), "{line}");
        assert!(
            parts
                .next()
                .is_some_and(|message| !message.trim().is_empty()),
            "{line}"
        );
    }
}
