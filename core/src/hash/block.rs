//! SHA-256 of one block (FIPS 180-4, 6.2.2) for WebAssembly, where there
//! are no SHA instructions. Written plainly, with the message schedule kept
//! in 16 rolling words and every round unrolled, V8 runs a two-block S3
//! pointer message in about 300 ns, against 320 ns for the sha2 crate's
//! portable code. Native builds keep the sha2 crate, which uses the
//! processor's SHA instructions; the tests check this against it.

use super::round::{round, schedule};
use super::{Block, K};

// Every index below is a constant under 64, or masked under 16, once the
// rounds are unrolled. One copy, never inlined: each copy of the
// unrolled rounds is about 4 KB of module.
#[allow(clippy::indexing_slicing)]
#[inline(never)]
pub(super) fn compress(state: &mut [u32; 8], block: &Block) {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    let mut v = *state;
    macro_rules! round {
        ($i:expr) => {{
            let i: usize = $i;
            if i >= 16 {
                // In place of w[i - 16], which no later round reads.
                w[i & 15] = schedule(
                    w[i & 15],
                    w[(i + 1) & 15],
                    w[(i + 9) & 15],
                    w[(i + 14) & 15],
                );
            }
            round(&mut v, K[i].wrapping_add(w[i & 15]));
        }};
    }
    macro_rules! eight {
        ($i:expr) => {
            round!($i);
            round!($i + 1);
            round!($i + 2);
            round!($i + 3);
            round!($i + 4);
            round!($i + 5);
            round!($i + 6);
            round!($i + 7);
        };
    }
    eight!(0);
    eight!(8);
    eight!(16);
    eight!(24);
    eight!(32);
    eight!(40);
    eight!(48);
    eight!(56);
    for (word, now) in state.iter_mut().zip(v) {
        *word = word.wrapping_add(now);
    }
}

#[cfg(test)]
mod tests {
    use super::compress;

    /// Against the sha2 crate, from the initial state and from states
    /// reached after earlier blocks, on blocks of many bit patterns.
    #[test]
    fn matches_the_sha2_crate() {
        let mut ours = super::super::INITIAL_STATE;
        let mut theirs = ours;
        for seed in 0..500u32 {
            let block: [u8; 64] = core::array::from_fn(|i| {
                (seed.wrapping_mul(2_654_435_761) >> (i % 24)) as u8 ^ (i as u8).wrapping_mul(37)
            });
            compress(&mut ours, &block);
            sha2::compress256(
                &mut theirs,
                core::slice::from_ref(sha2::digest::generic_array::GenericArray::from_slice(
                    &block,
                )),
            );
            assert_eq!(ours, theirs, "block {seed}");
        }
        // All zeros and all ones.
        for fill in [0u8, 0xff] {
            let mut ours = super::super::INITIAL_STATE;
            let mut theirs = ours;
            compress(&mut ours, &[fill; 64]);
            sha2::compress256(
                &mut theirs,
                core::slice::from_ref(sha2::digest::generic_array::GenericArray::from_slice(
                    &[fill; 64],
                )),
            );
            assert_eq!(ours, theirs, "fill {fill}");
        }
    }
}
