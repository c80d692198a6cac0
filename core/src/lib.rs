//! span-autolink: the rules of Datadog-style span pointers for S3 objects
//! and DynamoDB items, one implementation for every tracer.
//!
//! A producer span (an S3 upload, a DynamoDB write) and the consumer span
//! it caused (the Lambda that the S3 notification or the stream record
//! triggered) compute the same pointer hash from data both can see, so a
//! backend can link them across a hop that carries no trace context.
//!
//! Two entry points: [`pointers_for_response`] for a successful AWS call and
//! [`pointers_for_event`] for a Lambda event. Both take plain values
//! ([`Value`]) and never fail: input they cannot use gives no pointer and an
//! [`Issue`] that says why. An application's calls in order go through
//! [`pointers_for_call`], which keeps what they show of DynamoDB tables' key
//! names in a [`KeyRegistry`], so that puts need no configuration.
//!
//! ```
//! use span_autolink::{pointers_for_response, Config, Value};
//! let request = Value::from_json(br#"{"Bucket": "some-bucket", "Key": "some-key.data"}"#).unwrap();
//! let response = Value::from_json(br#"{"ETag": "\"ab12ef34\""}"#).unwrap();
//! let outcome = pointers_for_response("s3", "PutObject", &request, &response, &Config::new());
//! assert_eq!(outcome.pointers[0].hash.as_str(), "e721375466d4116ab551213fdea08413");
//! ```
#![no_std]
#![forbid(unsafe_code)]
// Nothing in the rules may panic (SPEC 6); tests may.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;

mod base64;
pub mod config;
pub mod dynamodb;
mod event;
#[cfg(feature = "explain")]
pub mod explain;
mod fields;
pub mod hash;
pub mod issue;
mod json;
pub mod limits;
pub mod operation;
pub mod outcome;
pub mod pointer;
pub mod projection;
mod receive;
pub mod s3;
pub mod sampling;
pub mod settings;
mod success;
mod time;
mod trace;
pub mod value;

pub use config::Config;
pub use dynamodb::registry::{KeyRegistry, KeySource, TableKeys};
#[cfg(feature = "explain")]
pub use explain::{compare, explain_call, explain_event, explain_response};
pub use hash::PointerHash;
pub use issue::{Issue, IssueCode};
pub use operation::Operation;
pub use outcome::Outcome;
pub use pointer::{Direction, Pointer, PointerKind};
pub use sampling::keep;
pub use value::Value;

/// The pointers of an AWS call: producer pointers of a write (S3 and
/// DynamoDB), consumer pointers of what a worker outside Lambda receives
/// (SQS `ReceiveMessage`, Kinesis and DynamoDB Streams `GetRecords`).
///
/// `service` in any case (`s3`, `dynamodb`, `sqs`, `kinesis`,
/// `dynamodbstreams`); `operation` as any SDK spells it (`PutObject`,
/// `putObject`, `PutObjectCommand`). `request` holds the call's parameters
/// and `response` its output (or the JavaScript v2 SDK's response, whose
/// output sits under `data`). A call that did not succeed gives no pointer
/// and the issue `response_not_successful`; any other call gives nothing.
///
/// This call keeps nothing: a put's key names come from `config` only.
/// [`pointers_for_call`] learns them from the calls before.
pub fn pointers_for_response(
    service: &str,
    operation: &str,
    request: &Value,
    response: &Value,
    config: &Config,
) -> Outcome {
    match Operation::parse(service, operation) {
        Some(operation) => pointers_for_operation(operation, request, response, config),
        None => Outcome::new(),
    }
}

/// [`pointers_for_response`] for a call already named: for hosts that
/// parse the service and operation once ([`Operation::parse`]) and then
/// pass the operation's [`code`](Operation::code).
pub fn pointers_for_operation(
    operation: Operation,
    request: &Value,
    response: &Value,
    config: &Config,
) -> Outcome {
    const NOTHING_LEARNED: KeyRegistry = KeyRegistry::new();
    pointers_with_registry(operation, request, response, config, &NOTHING_LEARNED)
}

/// The pointers of one of an application's calls, in the order it made
/// them: `registry` first learns what the call shows of its tables' key
/// names ([`KeyRegistry::observe`]), then puts take their key names from
/// it, and from `config` for tables it does not know (SPEC 9).
pub fn pointers_for_call(
    operation: Operation,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &mut KeyRegistry,
) -> Outcome {
    registry.observe(operation, request, response);
    pointers_with_registry(operation, request, response, config, registry)
}

/// [`pointers_for_call`] with the call already observed: for hosts that
/// must learn apart from computing the pointers (the WebAssembly module
/// learns outside its call arena, whose memory a call gives back).
pub fn pointers_with_registry(
    operation: Operation,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &KeyRegistry,
) -> Outcome {
    let start = match operation {
        Operation::Receive(_) => Outcome::batched(),
        _ => Outcome::new(),
    };
    operation_outcome(operation, request, response, config, registry, start)
}

/// The rules of a call, gathered into `out` (plain, batched or traced).
#[inline]
pub(crate) fn operation_outcome(
    operation: Operation,
    request: &Value,
    response: &Value,
    config: &Config,
    registry: &KeyRegistry,
    mut out: Outcome,
) -> Outcome {
    if !operation.gives_pointers() {
        return out;
    }
    if let Operation::Receive(receive) = operation {
        if success::succeeded(response, &mut out) {
            receive::response_pointers(receive, request, response, &mut out);
        }
        return out.settle();
    }
    if !success::succeeded(response, &mut out) {
        return out;
    }
    match operation {
        Operation::S3(write) => s3::producer::response_pointers(write, request, response, &mut out),
        Operation::DynamoDb(write) => dynamodb::producer::response_pointers(
            write, request, response, config, registry, &mut out,
        ),
        Operation::Receive(_) | Operation::KeyNames(_) => {}
    }
    out
}

/// The consumer pointers of a Lambda event, whatever its shape: an S3
/// notification (direct, or through SQS, SNS, SNS then SQS, EventBridge,
/// EventBridge then SQS), a DynamoDB Stream, or DynamoDB changes through
/// Kinesis. Unrelated events give nothing.
pub fn pointers_for_event(event: &Value) -> Outcome {
    let mut out = Outcome::batched();
    event::event_pointers(event, &mut out);
    out.settle()
}

/// The outcome for input that could not be read at all, for hosts that
/// pass serialized values (JSON text, or Python's marshal format).
pub fn unreadable_input(what: &str, error: &str) -> Outcome {
    let mut out = Outcome::new();
    out.issue(
        IssueCode::InputInvalid,
        &outcome::Path::Root,
        format_args!("span-autolink could not read the {what}: {error}"),
    );
    out
}
