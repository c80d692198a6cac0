//! S3 producer spans: the object a successful call created.

use super::{object_pointer, ObjectPaths};
use crate::fields::{required_object, required_str, sdk_output};
use crate::issue::IssueCode;
use crate::operation::S3Write;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::Direction;
use crate::trace::Note;
use crate::value::Value;
use alloc::format;

pub(crate) fn response_pointers(
    write: S3Write,
    request: &Value,
    response: &Value,
    out: &mut Outcome,
) {
    let request_at = Path::Root;
    let request_at = request_at.field("request");
    let response_at = Path::Root;
    let response_at = response_at.field("response");
    let Some(bucket) = required_str(request, "Bucket", &request_at, out) else {
        return;
    };
    if is_access_point(bucket) {
        out.issue(
            IssueCode::BucketIsAccessPoint,
            &request_at.field("Bucket"),
            format_args!(
                "bucket {} is an access point, not a bucket's name: S3's notifications name the bucket behind it, which the request does not show, so no pointer of this write could match one; write with the bucket's name to link it",
                Quoted(bucket)
            ),
        );
        return;
    }
    let Some(key) = required_str(request, "Key", &request_at, out) else {
        return;
    };
    let result_at = response_at.field("CopyObjectResult");
    let (etag, etag_at) = match write {
        S3Write::PutObject | S3Write::CompleteMultipartUpload => {
            let output = sdk_output(response, "ETag");
            (
                required_str(output, "ETag", &response_at, out),
                response_at.field("ETag"),
            )
        }
        S3Write::CopyObject => {
            let output = sdk_output(response, "CopyObjectResult");
            let etag = required_object(output, "CopyObjectResult", &response_at, out)
                .and_then(|result| required_str(result, "ETag", &result_at, out));
            (etag, result_at.field("ETag"))
        }
    };
    let Some(etag) = etag else {
        return;
    };
    let paths = ObjectPaths {
        bucket: request_at.field("Bucket"),
        etag: etag_at,
    };
    out.note(|| Note::ObjectKey {
        given: key.into(),
        from: format!("{}", request_at.field("Key")),
        encoded: false,
    });
    object_pointer(bucket, key, etag, Direction::Downstream, &paths, out);
}

/// Whether a request's `Bucket` names an access point rather than a bucket:
/// an ARN (of an access point, an Object Lambda or Multi-Region access
/// point, an Outposts bucket), or an alias with a suffix that S3 keeps out
/// of bucket names for access points (`-s3alias`, `--ol-s3`, `.mrap`).
pub(crate) fn is_access_point(bucket: &str) -> bool {
    bucket.starts_with("arn:")
        || ["-s3alias", "--ol-s3", ".mrap"]
            .iter()
            .any(|suffix| bucket.ends_with(suffix))
}
