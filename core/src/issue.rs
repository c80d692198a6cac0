//! Why an input gave no pointer.
//!
//! Pointers are computed inside someone else's request path, so nothing here
//! is ever an error that stops the caller: an [`Issue`] is a stable code that a
//! tracer can count or match on, plus a sentence a person can act on.

use alloc::string::String;
use core::fmt;

/// A stable, snake_case reason. Codes are part of the public contract: they
/// are replayed by every host in `conformance/` and never renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueCode {
    /// The key-name configuration as a whole is unusable (not JSON, not an object).
    ConfigInvalid,
    /// One table's entry in the key-name configuration is unusable; it was skipped.
    ConfigEntryInvalid,
    /// A field the rule needs is absent or null.
    FieldMissing,
    /// A field the rule needs has the wrong type.
    FieldInvalid,
    /// An S3 bucket name that is not ASCII.
    BucketNotAscii,
    /// An S3 request that names its bucket by an access point (an ARN or an
    /// access point alias): S3's notifications name the bucket itself,
    /// which the request does not show, so no pointer of it could match.
    BucketIsAccessPoint,
    /// An ETag that is empty, not ASCII, or still quoted after one pair of quotes is removed.
    EtagInvalid,
    /// A URL-encoded S3 key with a `%` that does not start a two-digit hex escape.
    KeyEscapeInvalid,
    /// A URL-encoded S3 key whose decoded bytes are not UTF-8.
    KeyNotUtf8,
    /// A PutItem (or put request) on a table whose key attribute names are
    /// known from no source: neither what the service said nor the configuration.
    TableNotConfigured,
    /// The configuration names other key attributes for a table than the
    /// service said it has; the service's names are used.
    KeyConfigConflict,
    /// A configured key attribute is absent from the item.
    KeyAttributeMissing,
    /// A primary key with zero or more than two attributes.
    KeyAttributeCount,
    /// A key attribute value that is not a string, number or binary value.
    KeyValueType,
    /// An `N` value that is not a number.
    NumberInvalid,
    /// An `N` value outside DynamoDB's precision or range.
    NumberOutOfRange,
    /// A `B` value given as text that is not base64.
    BinaryInvalid,
    /// A `TableName` that is empty or a malformed table ARN.
    TableNameInvalid,
    /// A stream record whose `eventSourceARN` is not a DynamoDB table stream ARN.
    StreamArnInvalid,
    /// Input text that is not JSON, or nests deeper than the limit.
    InputInvalid,
    /// The call failed (no response, an error shape, an HTTP status outside 200-299): it wrote nothing.
    ResponseNotSuccessful,
    /// An environment variable of the settings holds a value that cannot be read; its default applies.
    SettingInvalid,
    /// The host caught a failure inside the module (bindings only; the core never emits it).
    InternalError,
    /// A tracer integration had pointers for a span that cannot carry links
    /// (integrations only).
    SpanLinksUnsupported,
    /// A tracer integration was set up before its tracer was (integrations only).
    TracerNotInitialized,
    /// A handler wrapper found no active span to put the pointers on
    /// (integrations only).
    NoActiveSpan,
    /// A put gave no pointer while the integration asks DynamoDB for its
    /// table's key names (DescribeTable, opt-in; integrations only).
    KeyLookupPending,
    /// An integration could not ask DynamoDB for a table's key names, or
    /// its last lookup failed (integrations only).
    KeyLookupFailed,
    /// The tracer dropped links of a span that carries pointers: its limit
    /// of links per span was reached (integrations only).
    SpanLinksDropped,
}

impl IssueCode {
    /// Whether only a host or an integration gives this code: the core
    /// never does, and no conformance case can expect it.
    pub const fn host_only(self) -> bool {
        matches!(
            self,
            IssueCode::InternalError
                | IssueCode::SpanLinksUnsupported
                | IssueCode::TracerNotInitialized
                | IssueCode::NoActiveSpan
                | IssueCode::KeyLookupPending
                | IssueCode::KeyLookupFailed
                | IssueCode::SpanLinksDropped
        )
    }

    /// Every code, in declaration order.
    pub const ALL: [IssueCode; 29] = [
        IssueCode::ConfigInvalid,
        IssueCode::ConfigEntryInvalid,
        IssueCode::FieldMissing,
        IssueCode::FieldInvalid,
        IssueCode::BucketNotAscii,
        IssueCode::BucketIsAccessPoint,
        IssueCode::EtagInvalid,
        IssueCode::KeyEscapeInvalid,
        IssueCode::KeyNotUtf8,
        IssueCode::TableNotConfigured,
        IssueCode::KeyConfigConflict,
        IssueCode::KeyAttributeMissing,
        IssueCode::KeyAttributeCount,
        IssueCode::KeyValueType,
        IssueCode::NumberInvalid,
        IssueCode::NumberOutOfRange,
        IssueCode::BinaryInvalid,
        IssueCode::TableNameInvalid,
        IssueCode::StreamArnInvalid,
        IssueCode::InputInvalid,
        IssueCode::ResponseNotSuccessful,
        IssueCode::SettingInvalid,
        IssueCode::InternalError,
        IssueCode::SpanLinksUnsupported,
        IssueCode::TracerNotInitialized,
        IssueCode::NoActiveSpan,
        IssueCode::KeyLookupPending,
        IssueCode::KeyLookupFailed,
        IssueCode::SpanLinksDropped,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            IssueCode::ConfigInvalid => "config_invalid",
            IssueCode::ConfigEntryInvalid => "config_entry_invalid",
            IssueCode::FieldMissing => "field_missing",
            IssueCode::FieldInvalid => "field_invalid",
            IssueCode::BucketNotAscii => "bucket_not_ascii",
            IssueCode::BucketIsAccessPoint => "bucket_is_access_point",
            IssueCode::EtagInvalid => "etag_invalid",
            IssueCode::KeyEscapeInvalid => "key_escape_invalid",
            IssueCode::KeyNotUtf8 => "key_not_utf8",
            IssueCode::TableNotConfigured => "table_not_configured",
            IssueCode::KeyConfigConflict => "key_config_conflict",
            IssueCode::KeyAttributeMissing => "key_attribute_missing",
            IssueCode::KeyAttributeCount => "key_attribute_count",
            IssueCode::KeyValueType => "key_value_type",
            IssueCode::NumberInvalid => "number_invalid",
            IssueCode::NumberOutOfRange => "number_out_of_range",
            IssueCode::BinaryInvalid => "binary_invalid",
            IssueCode::TableNameInvalid => "table_name_invalid",
            IssueCode::StreamArnInvalid => "stream_arn_invalid",
            IssueCode::InputInvalid => "input_invalid",
            IssueCode::ResponseNotSuccessful => "response_not_successful",
            IssueCode::SettingInvalid => "setting_invalid",
            IssueCode::InternalError => "internal_error",
            IssueCode::SpanLinksUnsupported => "span_links_unsupported",
            IssueCode::TracerNotInitialized => "tracer_not_initialized",
            IssueCode::NoActiveSpan => "no_active_span",
            IssueCode::KeyLookupPending => "key_lookup_pending",
            IssueCode::KeyLookupFailed => "key_lookup_failed",
            IssueCode::SpanLinksDropped => "span_links_dropped",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason why part of an input gave no pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub code: IssueCode,
    /// Says where (`Records[2]`, `RequestItems.orders[0]`) and what to do about it.
    pub message: String,
}

impl Issue {
    pub fn new(code: IssueCode, message: String) -> Self {
        Issue { code, message }
    }
}
