//! The standard pointer hash (SPEC section 1).

use crate::pointer::Pointer;
use core::fmt;
use sha2::digest::generic_array::GenericArray;

mod lanes;
#[cfg(any(test, target_arch = "wasm32"))]
mod round;

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

/// A message this long or shorter pads into a single block (a 1 bit and
/// the 8-byte length follow it), which [`Batch`] hashes four at a time.
const ONE_BLOCK: usize = 64 - 9;

/// A padded SHA-256 block.
type Block = [u8; 64];

/// The round constants (FIPS 180-4, 4.2.2).
#[cfg(any(test, target_arch = "wasm32"))]
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

impl PointerHash {
    /// What a batched pointer holds until its hash is computed.
    pub(crate) const PENDING: PointerHash = PointerHash([b'0'; 32]);

    /// Hashes the components joined by `|`, nothing before the first or
    /// after the last.
    pub fn of(components: &[&[u8]]) -> PointerHash {
        let len = message_len(components);
        let digest = if len <= SHORT {
            short(components, len)
        } else {
            long(components)
        };
        PointerHash::from_state(digest)
    }

    /// The hash of the one padded block of a short message.
    fn of_block(block: &Block) -> PointerHash {
        PointerHash::from_state(state_after(block))
    }

    /// The hashes of four padded one-block messages, computed side by side
    /// where the target has the instructions for it ([`lanes`]).
    fn of_blocks(blocks: &[Block; 4]) -> [PointerHash; 4] {
        lanes::digests(blocks).map(PointerHash::from_state)
    }

    /// Lowercase hex of the first 16 digest bytes: the first four state
    /// words, big-endian.
    fn from_state(state: [u32; 8]) -> PointerHash {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 32];
        for (chars, word) in hex.chunks_exact_mut(8).zip(state) {
            for (pair, byte) in chars.chunks_exact_mut(2).zip(word.to_be_bytes()) {
                if let [high, low] = pair {
                    // A nibble is below 16, so both lookups are in bounds.
                    #[allow(clippy::indexing_slicing)]
                    {
                        *high = HEX[usize::from(byte >> 4)];
                        *low = HEX[usize::from(byte & 0x0f)];
                    }
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

fn message_len(components: &[&[u8]]) -> usize {
    let mut len = 0;
    joined(components, |part| len += part.len());
    len
}

/// Writes the `len`-byte message and its padding over the start of
/// `blocks`; returns the padded message, a whole number of blocks (empty
/// when `blocks` is too short for it).
fn pad<'b>(components: &[&[u8]], len: usize, blocks: &'b mut [u8]) -> &'b [u8] {
    let mut at = 0;
    joined(components, |part| {
        if let Some(space) = blocks.get_mut(at..at + part.len()) {
            space.copy_from_slice(part);
        }
        at += part.len();
    });
    pad_tail(blocks, len, len)
}

/// Pads the end of a `len`-byte message, whose last `tail` bytes (those
/// after the blocks already compressed) start `blocks`: a 1 bit, zeros,
/// and `len` in bits in the last 8 bytes. Returns the padded tail, a whole
/// number of blocks (empty when `blocks` is too short for it).
fn pad_tail(blocks: &mut [u8], tail: usize, len: usize) -> &[u8] {
    let count = (tail + 9).div_ceil(64);
    let Some(blocks) = blocks.get_mut(..count * 64) else {
        return &[];
    };
    let (padding, bits) = blocks.split_at_mut(count * 64 - 8);
    if let Some((one, zeros)) = padding.get_mut(tail..).and_then(|p| p.split_first_mut()) {
        *one = 0x80;
        zeros.fill(0);
    }
    bits.copy_from_slice(&((len as u64) * 8).to_be_bytes());
    blocks
}

/// The state after `blocks` (whole blocks), from the initial state.
fn state_after(blocks: &[u8]) -> [u32; 8] {
    let mut state = INITIAL_STATE;
    compress_blocks(&mut state, blocks);
    state
}

fn compress_blocks(state: &mut [u32; 8], blocks: &[u8]) {
    for block in blocks.chunks_exact(64) {
        compress(state, block);
    }
}

/// One block of SHA-256: the sha2 crate, with the processor's SHA
/// instructions where it has them (none in WebAssembly, where its portable
/// code measured as fast as a hand-written block function).
fn compress(state: &mut [u32; 8], block: &[u8]) {
    sha2::compress256(
        state,
        core::slice::from_ref(GenericArray::from_slice(block)),
    );
}

/// The state after a message of `len` (at most [`SHORT`]) bytes: joined
/// and padded in place, then compressed block by block. Cheaper than a
/// hasher, which copies the message into a block buffer of its own and
/// pads it there.
fn short(components: &[&[u8]], len: usize) -> [u32; 8] {
    let mut message = [0u8; 3 * 64];
    state_after(pad(components, len, &mut message))
}

/// The state after a longer message, compressed block by block as it
/// streams (the first four words are all a pointer hash keeps). The same
/// block function as short messages, so that WebAssembly builds carry one
/// SHA-256. Not inlined: it is rare beside the short path.
#[inline(never)]
fn long(components: &[&[u8]]) -> [u32; 8] {
    let mut state = INITIAL_STATE;
    // The bytes after the last whole block, with room for their padding.
    let mut tail = [0u8; 2 * 64];
    let mut filled = 0;
    let mut len = 0;
    joined(components, |mut part| {
        len += part.len();
        while let Some(space) = tail.get_mut(filled..64) {
            let take = space.len().min(part.len());
            let (now, rest) = part.split_at(take);
            if let Some(space) = space.get_mut(..take) {
                space.copy_from_slice(now);
            }
            filled += take;
            part = rest;
            if filled < 64 {
                break;
            }
            compress_blocks(&mut state, &tail[..64]);
            filled = 0;
        }
    });
    compress_blocks(&mut state, pad_tail(&mut tail, filled, len));
    state
}

/// Pointers whose messages fit one block, hashed four at a time: SHA-256 is
/// a large part of a stream event's time in the module, and four lanes of
/// WebAssembly SIMD ([`lanes`]) do four blocks in less time than one by one
/// (bench/js measures the stream). Pointers are made with their hash still to
/// come; [`Batch::settle`] gives the rest theirs before anyone reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The padded messages waiting, each written in place.
    blocks: [Block; 4],
    /// The index of each waiting message's pointer.
    pointers: [usize; 4],
    waiting: usize,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            blocks: [[0; 64]; 4],
            pointers: [0; 4],
            waiting: 0,
        }
    }
}

impl Batch {
    /// Queues the message of `pointers[index]`, unless it is longer than
    /// one block (false: hash it alone). The fourth message queued gives
    /// the four pointers their hashes.
    pub(crate) fn push(
        &mut self,
        pointers: &mut [Pointer],
        index: usize,
        components: &[&[u8]],
    ) -> bool {
        let len = message_len(components);
        let slot = self.waiting;
        match (self.blocks.get_mut(slot), self.pointers.get_mut(slot)) {
            (Some(block), Some(pointer)) if len <= ONE_BLOCK => {
                pad(components, len, block);
                *pointer = index;
            }
            _ => return false,
        }
        self.waiting += 1;
        if self.waiting == 4 {
            self.hash(pointers);
        }
        true
    }

    /// Gives the pointers still waiting (fewer than four) their hashes. One
    /// is hashed alone, which is faster than four lanes; two or three
    /// share the lanes.
    pub(crate) fn settle(&mut self, pointers: &mut [Pointer]) {
        if self.waiting == 1 {
            if let (Some(block), Some(pointer)) = (
                self.blocks.first(),
                self.pointers.first().and_then(|&i| pointers.get_mut(i)),
            ) {
                pointer.hash = PointerHash::of_block(block);
            }
            self.waiting = 0;
        } else if self.waiting > 1 {
            self.hash(pointers);
        }
    }

    fn hash(&mut self, pointers: &mut [Pointer]) {
        let hashes = PointerHash::of_blocks(&self.blocks);
        for (&index, hash) in self.pointers.iter().zip(hashes).take(self.waiting) {
            if let Some(pointer) = pointers.get_mut(index) {
                pointer.hash = hash;
            }
        }
        self.waiting = 0;
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

    /// Both paths, at every length around the block and stack boundaries,
    /// against the hasher's own digest of the joined message.
    #[test]
    fn every_length_matches_the_hasher() {
        use sha2::{Digest, Sha256};

        let expected = |message: &[u8]| -> alloc::string::String {
            Sha256::digest(message)
                .iter()
                .take(16)
                .map(|b| alloc::format!("{b:02x}"))
                .collect()
        };
        for len in 0..=400usize {
            let bytes: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
            let (a, b) = bytes.split_at(len / 3);
            let mut joined = a.to_vec();
            joined.push(b'|');
            joined.extend_from_slice(b);
            assert_eq!(
                PointerHash::of(&[a, b]).as_str(),
                expected(&joined),
                "length {len}"
            );
        }
        assert_eq!(PointerHash::of(&[]).as_str(), expected(b""));
    }
}
