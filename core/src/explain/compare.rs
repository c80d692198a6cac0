//! A producer and a consumer side by side: which pointers meet, and for
//! those that do not, the first component that differs and the rule
//! behind it.

use super::report::{
    Comparison, Component, DatadogHop, Difference, ExplainedPointer, KeyNameSource, Library, Pair,
    Report, Rule,
};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub fn compare(producer: Report, consumer: Report) -> Comparison {
    let mut pairs = Vec::new();
    let mut met_producers = Vec::new();
    for (c, theirs) in consumer.pointers.iter().enumerate() {
        let same = producer
            .pointers
            .iter()
            .position(|p| p.kind == theirs.kind && p.hash == theirs.hash);
        if let Some(p) = same {
            met_producers.push(p);
            pairs.push(Pair {
                producer: Some(p),
                consumer: Some(c),
                meet: true,
                difference: None,
            });
            continue;
        }
        // The producer pointer that shares the most leading components.
        let closest = producer
            .pointers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == theirs.kind)
            .max_by_key(|(_, p)| shared(p, theirs));
        pairs.push(match closest {
            Some((p, ours)) => Pair {
                producer: Some(p),
                consumer: Some(c),
                meet: false,
                difference: difference(ours, theirs, &producer, &consumer),
            },
            None => Pair {
                producer: None,
                consumer: Some(c),
                meet: false,
                difference: None,
            },
        });
    }
    for p in 0..producer.pointers.len() {
        if !pairs.iter().any(|pair| pair.producer == Some(p)) {
            pairs.push(Pair {
                producer: Some(p),
                consumer: None,
                meet: false,
                difference: None,
            });
        }
    }
    let meet = pairs.iter().any(|p| p.meet);
    let datadog = hops(&producer, &consumer);
    let message = summary(meet, &pairs, &producer, &consumer);
    Comparison {
        meet,
        producer,
        consumer,
        pairs,
        datadog,
        message,
    }
}

fn shared(a: &ExplainedPointer, b: &ExplainedPointer) -> usize {
    a.components
        .iter()
        .zip(&b.components)
        .take_while(|(x, y)| x.value == y.value)
        .count()
}

fn describe(c: &Component) -> String {
    let mut out = format!("{:?}", c.value);
    if let Some(given) = &c.given {
        out = format!("{out} ({} from {given:?})", c.rule.describe());
    }
    out
}

fn difference(
    producer: &ExplainedPointer,
    consumer: &ExplainedPointer,
    producer_report: &Report,
    consumer_report: &Report,
) -> Option<Difference> {
    let (index, (p, c)) = producer
        .components
        .iter()
        .zip(&consumer.components)
        .enumerate()
        .find(|(_, (p, c))| p.value != c.value)?;
    let (rule, message) = why(p, c, producer, consumer, producer_report, consumer_report);
    Some(Difference {
        component: index,
        name: p.name,
        producer: describe(p),
        consumer: describe(c),
        rule,
        message,
    })
}

/// The rule behind a differing component, and a sentence about it.
fn why(
    p: &Component,
    c: &Component,
    producer: &ExplainedPointer,
    consumer: &ExplainedPointer,
    producer_report: &Report,
    _consumer_report: &Report,
) -> (&'static str, String) {
    let names = |pointer: &ExplainedPointer| -> Vec<String> {
        pointer
            .components
            .iter()
            .filter(|c| c.name.starts_with("key_name") && c.rule != Rule::NoSortKey)
            .map(|c| c.value.clone())
            .collect()
    };
    if p.name.starts_with("key_name") || (p.rule == Rule::NoSortKey) != (c.rule == Rule::NoSortKey)
    {
        let (producer_names, consumer_names) = (names(producer), names(consumer));
        let table = producer
            .components
            .first()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        let source = producer_report
            .key_names
            .iter()
            .find(|k| k.table == table && k.names == producer_names)
            .map(|k| k.source)
            .unwrap_or(KeyNameSource::Request);
        return (
            "key_names",
            format!(
                "the producer hashed the key attribute(s) {producer_names:?} (from the {}), the consumer's record has {consumer_names:?}: {}",
                source.as_str(),
                match source {
                    KeyNameSource::Setting | KeyNameSource::Option =>
                        format!("set table {table:?}'s key names to {consumer_names:?}"),
                    KeyNameSource::Learned =>
                        String::from("the learned key names disagree with the stream record"),
                    _ => String::from("the write and the record name different keys: not the same item"),
                }
            ),
        );
    }
    // A rule is behind the difference when the values would meet without
    // it: one side's input as given is what the other side hashed (a key
    // written into a notification without URL encoding). Otherwise the
    // data differ.
    let given = |x: &Component| x.given.clone().unwrap_or_else(|| x.value.clone());
    let rule = if given(p) == c.value {
        p.rule.as_str()
    } else if p.value == given(c) || given(p) == given(c) {
        c.rule.as_str()
    } else {
        "different_data"
    };
    let message = match p.name {
        "table" => format!(
            "different tables: the producer wrote {:?}, the consumer's record is of {:?}",
            p.value, c.value
        ),
        "value_1" | "value_2" => format!(
            "different key values: the producer hashed {}, the consumer {}{}",
            describe(p),
            describe(c),
            if p.hex != c.hex {
                " (one is binary, the other text: a B attribute on one side, S on the other?)"
            } else {
                ""
            }
        ),
        "etag" => format!(
            "different ETags: the object was written again (or copied) after this write; the producer's ETag is {}, the notification's {}",
            describe(p),
            describe(c)
        ),
        _ => format!(
            "different {}: the producer hashed {}, the consumer {}",
            p.name,
            describe(p),
            describe(c)
        ),
    };
    (rule, message)
}

fn summary(meet: bool, pairs: &[Pair], producer: &Report, consumer: &Report) -> String {
    if meet {
        return String::from("the producer and the consumer meet: their spans link");
    }
    if producer.pointers.is_empty() {
        return String::from(
            "the producer gives no pointer, so nothing can link (see its reasons and issues)",
        );
    }
    if consumer.pointers.is_empty() {
        return String::from(
            "the consumer gives no pointer, so nothing can link (see its reasons and issues)",
        );
    }
    match pairs.iter().find_map(|p| p.difference.as_ref()) {
        Some(d) => format!("they do not meet: {}", d.message),
        None => String::from("they do not meet: no pointer of the same kind on both sides"),
    }
}

/// Each Datadog producer library against the consumer library of the same
/// language: do they meet on these two inputs?
fn hops(producer: &Report, consumer: &Report) -> Vec<DatadogHop> {
    let mut out = Vec::new();
    for (p, c) in [
        (Library::DdTracePy, Library::DatadogLambdaPython),
        (Library::DdTraceJs, Library::DatadogLambdaJs),
    ] {
        let (Some(theirs_p), Some(theirs_c)) = (
            producer.datadog.iter().find(|a| a.library == p),
            consumer.datadog.iter().find(|a| a.library == c),
        ) else {
            continue;
        };
        let meet = theirs_c
            .pointers
            .iter()
            .any(|cp| theirs_p.pointers.iter().any(|pp| pp.hash == cp.hash));
        let rules: Vec<&str> = theirs_p
            .divergences
            .iter()
            .chain(&theirs_c.divergences)
            .map(|d| d.rule.as_str())
            .collect();
        let message = if meet {
            String::from("they meet")
        } else if rules.is_empty() {
            String::from("they do not meet, and neither parts from SPEC here: the data differs")
        } else {
            format!(
                "they do not meet: {}",
                theirs_p
                    .divergences
                    .iter()
                    .chain(&theirs_c.divergences)
                    .map(|d| d.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        out.push(DatadogHop {
            producer: p,
            consumer: c,
            meet,
            message,
        });
    }
    out
}
