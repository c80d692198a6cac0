//! S3 consumer spans: the object whose creation triggered the Lambda,
//! from a notification record or an EventBridge event.

use super::key::{self, KeyDecodeError};
use super::{object_pointer, ObjectPaths};
use crate::fields::{optional_str, required_object, required_str};
use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::Direction;
use crate::time::{unix_nanos, Unit};
use crate::trace::Note;
use crate::value::Value;
use alloc::format;

/// One record of an S3 event notification (`eventSource` `aws:s3`).
pub(crate) fn notification_record(record: &Value, at: &Path<'_>, out: &mut Outcome) {
    let created =
        optional_str(record, "eventName").is_some_and(|name| name.starts_with("ObjectCreated:"));
    if created {
        if let Some(s3) = required_object(record, "s3", at, out) {
            let before = out.pointers.len();
            created_object(s3, &at.field("s3"), "eTag", out);
            out.stamp_since(before, time_of(record, "eventTime"));
        }
    }
}

fn time_of(container: &Value, field: &str) -> Option<u64> {
    container
        .get(field)
        .and_then(|t| unix_nanos(t, Unit::Seconds))
}

/// An EventBridge event with `source` `aws.s3` and `detail-type`
/// `Object Created`.
pub(crate) fn eventbridge_event(event: &Value, at: &Path<'_>, out: &mut Outcome) {
    if let Some(detail) = required_object(event, "detail", at, out) {
        let before = out.pointers.len();
        created_object(detail, &at.field("detail"), "etag", out);
        out.stamp_since(before, time_of(event, "time"));
    }
}

/// `bucket.name`, `object.key` (URL-encoded) and `object.<etag_field>`, where
/// notifications and EventBridge both put them.
fn created_object(container: &Value, at: &Path<'_>, etag_field: &str, out: &mut Outcome) {
    let bucket_at = at.field("bucket");
    let object_at = at.field("object");
    let Some(bucket) = required_object(container, "bucket", at, out)
        .and_then(|b| required_str(b, "name", &bucket_at, out))
    else {
        return;
    };
    let Some(object) = required_object(container, "object", at, out) else {
        return;
    };
    let Some(encoded) = required_str(object, "key", &object_at, out) else {
        return;
    };
    let Some(etag) = required_str(object, etag_field, &object_at, out) else {
        return;
    };
    let paths = ObjectPaths {
        bucket: bucket_at.field("name"),
        etag: object_at.field(etag_field),
    };
    let key = match key::decode(encoded) {
        Ok(key) => key,
        Err(error) => {
            let (code, why) = match error {
                KeyDecodeError::Escape => (
                    IssueCode::KeyEscapeInvalid,
                    "has a `%` that does not start a two-digit hex escape, so it was not URL-encoded by S3",
                ),
                KeyDecodeError::NotUtf8 => (
                    IssueCode::KeyNotUtf8,
                    "does not decode to UTF-8, which every S3 key is",
                ),
            };
            out.issue(
                code,
                &object_at.field("key"),
                format_args!("key {} {why}", Quoted(encoded)),
            );
            return;
        }
    };
    out.note(|| Note::ObjectKey {
        given: encoded.into(),
        from: format!("{}", object_at.field("key")),
        encoded: true,
    });
    object_pointer(bucket, &key, etag, Direction::Upstream, &paths, out);
}
