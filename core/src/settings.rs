//! The settings every package reads from its environment, read one way:
//! the Datadog tracers' names keep working, and neutral names serve users
//! who are not on Datadog. For each setting the first variable of its list
//! that is set (and not empty) wins.

use crate::issue::{Issue, IssueCode};
use crate::outcome::{Outcome, Path, Quoted};

/// One of the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Setting {
    /// Whether pointers are computed at all (default: yes).
    Enabled,
    /// The key-name configuration of section 5 of SPEC, as JSON text.
    DynamoDbPrimaryKeys,
    /// The pointer sampling rate, 0 to 1 (default: none).
    PointerSampling,
    /// Whether the integrations may call DescribeTable once per unknown
    /// table to learn its key names (default: no).
    DescribeTable,
}

/// Every variable read, in order of precedence within its setting.
pub const VARIABLES: [(&str, Setting); 8] = [
    ("SPAN_AUTOLINK_ENABLED", Setting::Enabled),
    ("DD_TRACE_AWS_ADD_SPAN_POINTERS", Setting::Enabled),
    ("DD_BOTOCORE_ADD_SPAN_POINTERS", Setting::Enabled),
    (
        "SPAN_AUTOLINK_DYNAMODB_PRIMARY_KEYS",
        Setting::DynamoDbPrimaryKeys,
    ),
    (
        "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS",
        Setting::DynamoDbPrimaryKeys,
    ),
    (
        "DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS",
        Setting::DynamoDbPrimaryKeys,
    ),
    ("SPAN_AUTOLINK_POINTER_SAMPLING", Setting::PointerSampling),
    (
        "SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE",
        Setting::DescribeTable,
    ),
];

/// What the environment sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings<'e> {
    pub enabled: bool,
    /// The variable that holds the key-name configuration, and its text.
    pub dynamodb_primary_keys: Option<(&'static str, &'e str)>,
    /// The rate as the variable spells it (decimal text from 0 to 1, which
    /// every host reads into the same double).
    pub pointer_sampling: Option<&'e str>,
    pub describe_table: bool,
    /// Values that could not be read; their settings keep their defaults.
    pub issues: alloc::vec::Vec<Issue>,
}

impl<'e> Settings<'e> {
    /// The settings of an environment, `get` giving a variable's value.
    pub fn from_environment(get: impl Fn(&str) -> Option<&'e str>) -> Settings<'e> {
        // The first variable set of each setting, in one pass.
        let mut found: [Option<(&'static str, &'e str)>; 4] = [None; 4];
        for (name, setting) in VARIABLES {
            if let Some(slot @ None) = found.get_mut(setting as usize) {
                *slot = get(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (name, v));
            }
        }
        let [enabled, keys, sampling, describe] = found;
        let mut out = Outcome::new();
        let mut flag = |found: Option<(&str, &str)>, default: bool| {
            found.map_or(default, |(name, v)| {
                boolean(name, v, &mut out).unwrap_or(default)
            })
        };
        let enabled = flag(enabled, true);
        let describe_table = flag(describe, false);
        let pointer_sampling = sampling.and_then(|(name, v)| {
            let rate = Some(v.trim()).filter(|r| is_rate(r));
            if rate.is_none() {
                out.issue(
                    IssueCode::SettingInvalid,
                    &Path::Root,
                    format_args!("{name} is {} but must be a rate from 0 to 1, like 0.1; pointer sampling stays off", Quoted(v)),
                );
            }
            rate
        });
        Settings {
            enabled,
            dynamodb_primary_keys: keys,
            pointer_sampling,
            describe_table,
            issues: out.issues,
        }
    }
}

/// Decimal text of a number from 0 to 1: `0`, `1`, `0.25`, `.5`, `1.000`.
fn is_rate(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = fraction.bytes().all(|b| b.is_ascii_digit());
    match whole {
        "" => !fraction.is_empty() && digits,
        "0" => digits,
        "1" => fraction.bytes().all(|b| b == b'0'),
        _ => false,
    }
}

/// `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case.
fn boolean(name: &str, value: &str, out: &mut Outcome) -> Option<bool> {
    let v = value.trim();
    let is = |words: [&str; 4]| words.iter().any(|w| w.eq_ignore_ascii_case(v));
    if is(["true", "1", "yes", "on"]) {
        Some(true)
    } else if is(["false", "0", "no", "off"]) {
        Some(false)
    } else {
        out.issue(
            IssueCode::SettingInvalid,
            &Path::Root,
            format_args!(
                "{name} is {} but must be true or false; its default applies",
                Quoted(value)
            ),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings<'e>(env: &'e [(&'e str, &'e str)]) -> Settings<'e> {
        Settings::from_environment(|name| env.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
    }

    #[test]
    fn defaults() {
        let s = settings(&[]);
        assert!(s.enabled && !s.describe_table);
        assert_eq!((s.dynamodb_primary_keys, s.pointer_sampling), (None, None));
        assert!(s.issues.is_empty());
    }

    #[test]
    fn datadog_names_and_precedence() {
        assert!(!settings(&[("DD_TRACE_AWS_ADD_SPAN_POINTERS", "false")]).enabled);
        assert!(!settings(&[("DD_BOTOCORE_ADD_SPAN_POINTERS", " 0 ")]).enabled);
        // The neutral name comes first, then Node.js's, then Python's.
        let both = [
            ("DD_BOTOCORE_ADD_SPAN_POINTERS", "false"),
            ("SPAN_AUTOLINK_ENABLED", "TRUE"),
        ];
        assert!(settings(&both).enabled);
        let keys = [
            (
                "DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS",
                "{\"b\": [\"id\"]}",
            ),
            ("DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS", "{\"a\": [\"id\"]}"),
        ];
        assert_eq!(
            settings(&keys).dynamodb_primary_keys,
            Some(("DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS", "{\"a\": [\"id\"]}"))
        );
        // An empty variable is not set.
        let empty = [
            ("SPAN_AUTOLINK_ENABLED", ""),
            ("DD_TRACE_AWS_ADD_SPAN_POINTERS", "no"),
        ];
        assert!(!settings(&empty).enabled);
    }

    #[test]
    fn rates_and_bad_values() {
        let s = settings(&[("SPAN_AUTOLINK_POINTER_SAMPLING", " 0.1 ")]);
        assert_eq!(s.pointer_sampling, Some("0.1"));
        for good in ["0", "1", "1.000", ".5", "0.001", "1."] {
            assert!(is_rate(good), "{good}");
        }
        for bad in [
            "1.5",
            "-0.1",
            "ten percent",
            "NaN",
            ".",
            "2",
            "1.01",
            "0.1.2",
            "+0.1",
            "1e-3",
        ] {
            let env = [("SPAN_AUTOLINK_POINTER_SAMPLING", bad)];
            let s = settings(&env);
            assert_eq!(s.pointer_sampling, None, "{bad}");
            assert_eq!(s.issues[0].code, IssueCode::SettingInvalid);
        }
        let s = settings(&[
            ("SPAN_AUTOLINK_ENABLED", "maybe"),
            ("SPAN_AUTOLINK_DYNAMODB_DESCRIBE_TABLE", "on"),
        ]);
        assert!(s.enabled && s.describe_table);
        assert_eq!(s.issues.len(), 1);
        assert!(s.issues[0].message.contains("SPAN_AUTOLINK_ENABLED"));
    }
}
