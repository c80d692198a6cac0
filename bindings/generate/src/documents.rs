//! The issue codes as people read them: the table in each README and in
//! `conformance/README.md`, and the union type in `bindings/js/index.d.ts`.
//! They are written by hand, for people; this checks that each names
//! exactly the core's codes.

use span_autolink::issue::IssueCode;
use std::collections::BTreeSet;
use std::path::Path;

/// Documents with a table row `` | `code` | ... `` for each code.
const TABLES: [&str; 3] = [
    "conformance/README.md",
    "bindings/js/README.md",
    "bindings/python/README.md",
];

/// What differs between the documents and the core, one sentence each.
pub fn problems(root: &Path) -> Vec<String> {
    let codes: BTreeSet<&str> = IssueCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut problems = Vec::new();
    for document in TABLES {
        match std::fs::read_to_string(root.join(document)) {
            Ok(text) => compare(document, &table_codes(&text), &codes, &mut problems),
            Err(error) => problems.push(format!("cannot read {document}: {error}")),
        }
    }
    let types = "bindings/js/index.d.ts";
    match std::fs::read_to_string(root.join(types)) {
        Ok(text) => compare(types, &union_codes(&text), &codes, &mut problems),
        Err(error) => problems.push(format!("cannot read {types}: {error}")),
    }
    problems
}

fn compare(
    document: &str,
    found: &BTreeSet<String>,
    codes: &BTreeSet<&str>,
    problems: &mut Vec<String>,
) {
    for code in codes {
        if !found.contains(*code) {
            problems.push(format!(
                "{document} does not list the issue code {code}: add it"
            ));
        }
    }
    for code in found {
        if !codes.contains(code.as_str()) {
            problems.push(format!(
                "{document} lists {code}, which the core does not have: remove it"
            ));
        }
    }
}

/// The codes of the table rows that start with a code in backquotes.
fn table_codes(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` |"))
        .map(|(code, _)| code)
        .filter(|code| is_code(code))
        .map(str::to_string)
        .collect()
}

/// The string literals of the `code:` union of `interface Issue`.
fn union_codes(text: &str) -> BTreeSet<String> {
    let Some(start) = text.find("export interface Issue {") else {
        return BTreeSet::new();
    };
    let body = &text[start..];
    let body = &body[..body.find("message:").unwrap_or(body.len())];
    body.lines()
        .filter_map(|line| line.trim().strip_prefix("| '"))
        .filter_map(|rest| rest.split_once('\''))
        .map(|(code, _)| code.to_string())
        .collect()
}

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_table_rows_and_the_union() {
        let table =
            "| code | when |\n|---|---|\n| `field_missing` | absent |\n| `Not A Code` | x |\n";
        assert_eq!(
            table_codes(table),
            BTreeSet::from(["field_missing".to_string()])
        );
        let types = "export interface Issue {\n  code:\n    | 'input_invalid'\n    | (string & {});\n  message: string;\n}\n| 'outside'";
        assert_eq!(
            union_codes(types),
            BTreeSet::from(["input_invalid".to_string()])
        );
    }

    #[test]
    fn a_missing_and_an_unknown_code_are_both_told() {
        let codes = BTreeSet::from(["a", "b"]);
        let found = BTreeSet::from(["a".to_string(), "c".to_string()]);
        let mut problems = Vec::new();
        compare("doc", &found, &codes, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
