//! Errors of the linker: a stable code that callers can match on, plus a
//! sentence that tells a person what to change.

use std::fmt;

/// A stable code. Codes are part of the command's and the service's
/// contract (they appear in messages and HTTP answers) and are never renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The input is none of the formats the linker reads.
    FormatUnknown,
    /// The input looks like OTLP JSON but does not decode as such.
    OtlpJsonInvalid,
    /// The input is not a decodable OTLP protobuf `ExportTraceServiceRequest`.
    OtlpProtobufInvalid,
    /// The input looks like a Datadog v0.4 payload but does not decode as one.
    DatadogInvalid,
}

impl ErrorCode {
    /// The code as it appears in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FormatUnknown => "format_unknown",
            ErrorCode::OtlpJsonInvalid => "otlp_json_invalid",
            ErrorCode::OtlpProtobufInvalid => "otlp_protobuf_invalid",
            ErrorCode::DatadogInvalid => "datadog_invalid",
        }
    }
}

/// An input the linker could not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    /// What was wrong and what to do about it, as one sentence.
    pub message: String,
}

impl Error {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}
