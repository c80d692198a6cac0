//! The standard pointer hash (SPEC section 1).

use core::fmt;
use sha2::{Digest, Sha256};

/// `lowercase_hex(SHA-256(c1 | c2 | ... | cn))[0..32]`, kept as its 32 hex
/// characters so hosts can copy it out without formatting.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointerHash([u8; 32]);

impl PointerHash {
    /// Hashes the components joined by `|`, nothing before the first or
    /// after the last.
    pub fn of(components: &[&[u8]]) -> PointerHash {
        let digest = joined(components, |message| Sha256::digest(message));
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            if let [high, low] = pair {
                // A nibble is below 16, so both lookups are in bounds.
                #[allow(clippy::indexing_slicing)]
                {
                    *high = HEX[usize::from(byte >> 4)];
                    *low = HEX[usize::from(byte & 0x0f)];
                }
            }
        }
        PointerHash(hex)
    }

    pub fn as_str(&self) -> &str {
        // Only ever filled from HEX above.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Runs `f` on the components joined by `|`. Short messages (every S3
/// pointer, most DynamoDB ones) are joined on the stack: one call into the
/// hasher costs less than a call per component and separator.
fn joined<R>(components: &[&[u8]], f: impl FnOnce(&[u8]) -> R) -> R {
    const STACK: usize = 192;
    let len = components.iter().map(|c| c.len() + 1).sum::<usize>();
    if len <= STACK {
        let mut buffer = [0u8; STACK];
        let mut at = 0;
        for (i, component) in components.iter().enumerate() {
            if i > 0 {
                if let Some(b) = buffer.get_mut(at) {
                    *b = b'|';
                }
                at += 1;
            }
            if let Some(space) = buffer.get_mut(at..at + component.len()) {
                space.copy_from_slice(component);
            }
            at += component.len();
        }
        f(buffer.get(..at).unwrap_or_default())
    } else {
        let mut message = alloc::vec::Vec::with_capacity(len);
        for (i, component) in components.iter().enumerate() {
            if i > 0 {
                message.push(b'|');
            }
            message.extend_from_slice(component);
        }
        f(&message)
    }
}

impl fmt::Display for PointerHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PointerHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PointerHash({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::PointerHash;

    #[test]
    fn spec_known_answer() {
        let h = PointerHash::of(&[b"some-bucket", b"some-key.data", b"ab12ef34"]);
        assert_eq!(h.as_str(), "e721375466d4116ab551213fdea08413");
    }
}
