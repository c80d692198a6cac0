//! The key-name configuration for puts (SPEC section 5).
//!
//! A put carries the whole item, and nothing in it says which attributes
//! form the primary key, so the user names them per table:
//! `{"orders": ["customerId", "orderId"], "users": ["id"]}`, the format of
//! `DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS` and
//! `DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS`. Parsed here once for every
//! binding: a bad entry is reported and skipped, the good ones are kept.

use crate::issue::{Issue, IssueCode};
use crate::outcome::{Outcome, Path, Quoted};
use crate::value::Value;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// How a person sets the configuration, for messages.
pub const SETTING: &str = "DD_TRACE_DYNAMODB_TABLE_PRIMARY_KEYS (Node.js) or DD_BOTOCORE_DYNAMODB_TABLE_PRIMARY_KEYS (Python), or the dynamodbPrimaryKeys / dynamodb_primary_keys option";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    primary_keys: BTreeMap<String, Vec<String>>,
    /// What was wrong with the configuration; reported with the outcome of
    /// any put that consults it.
    issues: Vec<Issue>,
    /// The entries skipped, as given: the explainer tells how other
    /// libraries would have read them.
    #[cfg(feature = "explain")]
    skipped: Vec<(String, Value<'static>)>,
}

impl Config {
    /// No tables configured.
    pub fn new() -> Self {
        Config::default()
    }

    /// From the text of the environment variable; bytes that are not
    /// UTF-8 JSON are reported like any other unreadable text.
    pub fn from_json(text: impl AsRef<[u8]>) -> Config {
        match Value::from_json(text.as_ref()) {
            Ok(value) => Config::from_value(&value),
            Err(error) => {
                let mut out = Outcome::new();
                out.issue(
                    IssueCode::ConfigInvalid,
                    &Path::Root,
                    format_args!(
                        "the DynamoDB primary key configuration is not JSON ({error}); expected an object like {{\"orders\": [\"customerId\", \"orderId\"]}} in {SETTING}"
                    ),
                );
                Config {
                    primary_keys: BTreeMap::new(),
                    issues: out.issues,
                    #[cfg(feature = "explain")]
                    skipped: Vec::new(),
                }
            }
        }
    }

    /// From a parsed value, as an API option passes it.
    pub fn from_value(value: &Value) -> Config {
        let mut out = Outcome::new();
        let mut primary_keys = BTreeMap::new();
        #[cfg(feature = "explain")]
        let mut skipped = Vec::new();
        match value.members() {
            None => out.issue(
                IssueCode::ConfigInvalid,
                &Path::Root,
                format_args!(
                    "the DynamoDB primary key configuration is {} but must be an object mapping table names to one or two key attribute names, in {SETTING}",
                    value.type_name()
                ),
            ),
            Some(members) => {
                for (table, names) in members {
                    match key_names(names) {
                        Some(names) if !table.is_empty() => {
                            primary_keys.insert(String::from(table), names);
                        }
                        _ => {
                            #[cfg(feature = "explain")]
                            skipped.push((String::from(table), names.clone().into_owned()));
                            out.issue(
                            IssueCode::ConfigEntryInvalid,
                            &Path::Root,
                            format_args!(
                                "the DynamoDB primary key configuration for table {} is skipped: it must be a list of one or two distinct, non-empty attribute names, like [\"customerId\", \"orderId\"]",
                                Quoted(table)
                            ),
                        )
                        }
                    }
                }
            }
        }
        Config {
            primary_keys,
            issues: out.issues,
            #[cfg(feature = "explain")]
            skipped,
        }
    }

    /// The key attribute names of a table.
    pub fn key_names(&self, table: &str) -> Option<&[String]> {
        self.primary_keys.get(table).map(Vec::as_slice)
    }

    pub fn tables(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.primary_keys
            .iter()
            .map(|(t, k)| (t.as_str(), k.as_slice()))
    }

    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// The entries skipped as invalid, table name and value as given.
    #[cfg(feature = "explain")]
    pub fn skipped(&self) -> &[(String, Value<'static>)] {
        &self.skipped
    }
}

fn key_names(names: &Value) -> Option<Vec<String>> {
    let names: Vec<&str> = names
        .as_array()?
        .iter()
        .map(|n| n.as_str().filter(|s| !s.is_empty()))
        .collect::<Option<_>>()?;
    match names.as_slice() {
        [one] => Some(alloc::vec![String::from(*one)]),
        [a, b] if a != b => Some(alloc::vec![String::from(*a), String::from(*b)]),
        _ => None,
    }
}
