//! Object keys as S3 event notifications and EventBridge write them:
//! `application/x-www-form-urlencoded`, `+` for a space, `%XX` for a byte.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

#[derive(Debug, PartialEq, Eq)]
pub enum KeyDecodeError {
    /// A `%` not followed by two hex digits. S3 always writes `%` itself as
    /// `%25`, so such a key was not encoded by S3 and decoding it by guess
    /// could give a wrong pointer.
    Escape,
    NotUtf8,
}

pub fn decode(encoded: &str) -> Result<Cow<'_, str>, KeyDecodeError> {
    if !encoded.bytes().any(|b| b == b'+' || b == b'%') {
        return Ok(Cow::Borrowed(encoded));
    }
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'+' => {
                bytes.push(b' ');
                rest = tail;
            }
            b'%' => match tail {
                [h, l, after @ ..] => {
                    let (Some(h), Some(l)) = (hex(*h), hex(*l)) else {
                        return Err(KeyDecodeError::Escape);
                    };
                    bytes.push(h << 4 | l);
                    rest = after;
                }
                _ => return Err(KeyDecodeError::Escape),
            },
            _ => {
                bytes.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8(bytes)
        .map(Cow::Owned)
        .map_err(|_| KeyDecodeError::NotUtf8)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_encoding() {
        assert_eq!(decode("dir/my+file%2B1.txt").unwrap(), "dir/my file+1.txt");
        assert_eq!(decode("caf%C3%A9").unwrap(), "café");
        assert_eq!(decode("caf%c3%a9").unwrap(), "café");
        assert_eq!(decode("plain/key.txt").unwrap(), "plain/key.txt");
        assert_eq!(decode("%25").unwrap(), "%");
    }

    #[test]
    fn rejects_what_s3_never_writes() {
        assert_eq!(decode("100%"), Err(KeyDecodeError::Escape));
        assert_eq!(decode("%4"), Err(KeyDecodeError::Escape));
        assert_eq!(decode("%zz"), Err(KeyDecodeError::Escape));
        assert_eq!(decode("%C3"), Err(KeyDecodeError::NotUtf8));
        assert_eq!(decode("%FF"), Err(KeyDecodeError::NotUtf8));
    }
}
