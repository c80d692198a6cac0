//! Base64 as AWS writes it: the standard alphabet with padding.

use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Decodes standard padded base64; anything else is `None`.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}
