//! The standard pointer hash (SPEC section 1).

use core::fmt;
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};

/// `lowercase_hex(SHA-256(c1 | c2 | ... | cn))[0..32]`, kept as its 32 hex
/// characters so hosts can copy it out without formatting.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointerHash([u8; 32]);

/// The initial SHA-256 state (FIPS 180-4, 5.3.3).
const INITIAL_STATE: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Messages up to this long are joined and padded on the stack, in at
/// most three blocks (every S3 pointer, nearly every DynamoDB one).
const SHORT: usize = 3 * 64 - 9;

impl PointerHash {
    /// Hashes the components joined by `|`, nothing before the first or
    /// after the last.
    pub fn of(components: &[&[u8]]) -> PointerHash {
        let mut len = 0;
        joined(components, |part| len += part.len());
        let digest = if len <= SHORT {
            short(components, len)
        } else {
            long(components)
        };
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
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

/// Hands `part` the message in parts: the components with `|` between
/// them, nothing before the first or after the last. (A callback rather
/// than an iterator: it compiles to the plain loop, where `flat_map` cost
/// 2-4% of a call.)
fn joined(components: &[&[u8]], mut part: impl FnMut(&[u8])) {
    for (i, component) in components.iter().enumerate() {
        if i > 0 {
            part(b"|");
        }
        part(component);
    }
}

/// The first 16 bytes of the SHA-256 digest (all a pointer hash keeps).
type Prefix = [u8; 16];

/// The digest of a message of `len` (at most [`SHORT`]) bytes: joined and
/// padded in place, then compressed block by block. Cheaper than a hasher,
/// which copies the message into a block buffer of its own and pads it
/// there.
fn short(components: &[&[u8]], len: usize) -> Prefix {
    let mut message = [0u8; 3 * 64];
    let mut at = 0;
    joined(components, |part| {
        if let Some(space) = message.get_mut(at..at + part.len()) {
            space.copy_from_slice(part);
        }
        at += part.len();
    });
    // Padding: a 1 bit, zeros, and the length in bits in the last 8 bytes.
    if let Some(b) = message.get_mut(len) {
        *b = 0x80;
    }
    let blocks = (len + 9).div_ceil(64);
    let bits = (len as u64) * 8;
    if let Some(end) = message.get_mut(blocks * 64 - 8..blocks * 64) {
        end.copy_from_slice(&bits.to_be_bytes());
    }
    let mut state = INITIAL_STATE;
    for block in message.chunks_exact(64).take(blocks) {
        sha2::compress256(
            &mut state,
            core::slice::from_ref(GenericArray::from_slice(block)),
        );
    }
    // The digest is the state words, big-endian.
    let mut prefix = Prefix::default();
    for (bytes, word) in prefix.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_be_bytes());
    }
    prefix
}

/// The digest of a longer message, hashed as it streams.
fn long(components: &[&[u8]]) -> Prefix {
    let mut hasher = Sha256::new();
    joined(components, |part| hasher.update(part));
    let mut prefix = Prefix::default();
    for (to, from) in prefix.iter_mut().zip(hasher.finalize()) {
        *to = from;
    }
    prefix
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

    /// Both paths, at every length around the block and stack boundaries,
    /// against the hasher's own digest of the joined message.
    #[test]
    fn every_length_matches_the_hasher() {
        use sha2::{Digest, Sha256};
        for len in 0..=400usize {
            let bytes: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let (a, b) = bytes.split_at(len / 3);
            let mut joined = a.to_vec();
            joined.push(b'|');
            joined.extend_from_slice(b);
            let digest = Sha256::digest(&joined);
            let expected: alloc::string::String = digest
                .iter()
                .take(16)
                .map(|b| alloc::format!("{b:02x}"))
                .collect();
            assert_eq!(PointerHash::of(&[a, b]).as_str(), expected, "length {len}");
        }
        let empty = Sha256::digest(b"");
        let expected: alloc::string::String = empty
            .iter()
            .take(16)
            .map(|b| alloc::format!("{b:02x}"))
            .collect();
        assert_eq!(PointerHash::of(&[]).as_str(), expected);
    }
}
