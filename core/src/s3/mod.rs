//! S3 objects (SPEC section 3): `hash(bucket, key, etag)`.

pub(crate) mod consumer;
pub mod key;
pub(crate) mod producer;

use crate::issue::IssueCode;
use crate::outcome::{Outcome, Path, Quoted};
use crate::pointer::{Direction, PointerKind};
use crate::trace::Note;
use alloc::format;

/// Where the three components came from, for messages.
pub(crate) struct ObjectPaths<'a> {
    pub bucket: Path<'a>,
    pub etag: Path<'a>,
}

pub(crate) fn object_pointer(
    bucket: &str,
    key: &str,
    etag: &str,
    direction: Direction,
    paths: &ObjectPaths<'_>,
    out: &mut Outcome,
) {
    if !bucket.is_ascii() {
        out.issue(
            IssueCode::BucketNotAscii,
            &paths.bucket,
            format_args!(
                "bucket name {} is not ASCII, which no S3 bucket can be",
                Quoted(bucket)
            ),
        );
        return;
    }
    let given_etag = etag;
    let Some(etag) = normalize_etag(etag) else {
        out.issue(
            IssueCode::EtagInvalid,
            &paths.etag,
            format_args!(
                "ETag {} is not an S3 ETag (expected ASCII, optionally in one pair of double quotes)",
                Quoted(etag)
            ),
        );
        return;
    };
    out.note(|| Note::Object {
        bucket_from: format!("{}", paths.bucket),
        etag: given_etag.into(),
        etag_from: format!("{}", paths.etag),
    });
    out.pointer(
        PointerKind::S3Object,
        direction,
        &[bucket.as_bytes(), key.as_bytes(), etag.as_bytes()],
    );
}

/// AWS APIs return the ETag in double quotes; notifications do not.
fn normalize_etag(etag: &str) -> Option<&str> {
    let bare = etag
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or(etag);
    (!bare.is_empty() && bare.is_ascii() && !bare.contains('"')).then_some(bare)
}

#[cfg(test)]
mod tests {
    use super::normalize_etag;

    #[test]
    fn etags() {
        assert_eq!(normalize_etag("\"abc\""), Some("abc"));
        assert_eq!(normalize_etag("abc-5"), Some("abc-5"));
        assert_eq!(normalize_etag("\"\"abc\"\""), None);
        assert_eq!(normalize_etag("\"abc"), None);
        assert_eq!(normalize_etag("\"\""), None);
        assert_eq!(normalize_etag(""), None);
        assert_eq!(normalize_etag("\"é\""), None);
    }
}
