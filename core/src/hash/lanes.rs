//! SHA-256 of four one-block messages side by side: lane `i` of every
//! vector belongs to message `i`. A round of SHA-256 depends on the one
//! before, so one message keeps a core waiting; four independent ones fill
//! the 128-bit SIMD of WebAssembly, which does a block's rounds, with the
//! gathering of the words and the hex, in less time than a block hashed
//! alone. Targets without SIMD hash the four blocks one after another.

#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
use super::round::{round, schedule, Word};
use super::Block;
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
use super::K;

/// The state after each block (hashed from the initial state).
pub(super) fn digests(blocks: &[Block; 4]) -> [[u32; 8]; 4] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd::digests(blocks)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        blocks.map(|block| super::state_after(&block))
    }
}

/// Four 32-bit lanes, with the operations SHA-256 needs ([`Word`]).
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
trait Lanes: Word {
    fn new(words: [u32; 4]) -> Self;
    fn words(self) -> [u32; 4];
    fn shl(self, n: u32) -> Self;

    fn splat(word: u32) -> Self {
        Self::new([word; 4])
    }

    /// `Word::rotr` for lanes: wasm SIMD has no rotate; the two halves
    /// share no bit, so xor joins them as or would.
    #[inline(always)]
    fn rotr_by_shifts(self, n: u32) -> Self {
        self.shr(n).xor(self.shl(32 - n))
    }
}

/// FIPS 180-4, 6.2.2, on four lanes at once, from the initial state.
#[cfg(any(test, all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn compress<V: Lanes>(blocks: &[Block; 4]) -> [[u32; 8]; 4] {
    let mut w = [V::splat(0); 64];
    for (i, word) in w.iter_mut().take(16).enumerate() {
        let mut lanes = [0u32; 4];
        for (lane, block) in lanes.iter_mut().zip(blocks) {
            let mut be = [0u8; 4];
            if let Some(bytes) = block.get(4 * i..4 * i + 4) {
                be.copy_from_slice(bytes);
            }
            *lane = u32::from_be_bytes(be);
        }
        *word = V::new(lanes);
    }
    for i in 16..64 {
        let (Some(&w16), Some(&w15), Some(&w7), Some(&w2)) =
            (w.get(i - 16), w.get(i - 15), w.get(i - 7), w.get(i - 2))
        else {
            continue;
        };
        if let Some(slot) = w.get_mut(i) {
            *slot = schedule(w16, w15, w7, w2);
        }
    }
    let initial = super::INITIAL_STATE.map(V::splat);
    let mut state = initial;
    for (k, w) in K.iter().zip(w.iter()) {
        round(&mut state, V::splat(*k).add(*w));
    }
    let mut digests = [[0u32; 8]; 4];
    for (word, (start, now)) in initial.iter().zip(state).enumerate() {
        for (lane, value) in start.add(now).words().into_iter().enumerate() {
            if let Some(slot) = digests.get_mut(lane).and_then(|d| d.get_mut(word)) {
                *slot = value;
            }
        }
    }
    digests
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{compress, Block, Lanes, Word};
    use core::arch::wasm32::*;

    impl Lanes for v128 {
        #[inline(always)]
        fn new(w: [u32; 4]) -> Self {
            u32x4(w[0], w[1], w[2], w[3])
        }
        #[inline(always)]
        fn words(self) -> [u32; 4] {
            [
                u32x4_extract_lane::<0>(self),
                u32x4_extract_lane::<1>(self),
                u32x4_extract_lane::<2>(self),
                u32x4_extract_lane::<3>(self),
            ]
        }
        #[inline(always)]
        fn shl(self, n: u32) -> Self {
            u32x4_shl(self, n)
        }
    }

    impl Word for v128 {
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            i32x4_add(self, other)
        }
        #[inline(always)]
        fn xor(self, other: Self) -> Self {
            v128_xor(self, other)
        }
        #[inline(always)]
        fn shr(self, n: u32) -> Self {
            u32x4_shr(self, n)
        }
        #[inline(always)]
        fn rotr(self, n: u32) -> Self {
            self.rotr_by_shifts(n)
        }
        #[inline(always)]
        fn select(self, other: Self, mask: Self) -> Self {
            v128_bitselect(self, other, mask)
        }
    }

    pub(super) fn digests(blocks: &[Block; 4]) -> [[u32; 8]; 4] {
        compress::<v128>(blocks)
    }
}

#[cfg(test)]
mod tests {
    use super::{compress, Lanes, Word};

    /// The lanes as plain words: the algorithm of the SIMD build, checked
    /// on any machine against the sha2 crate.
    #[derive(Clone, Copy)]
    struct Words([u32; 4]);

    impl Lanes for Words {
        fn new(w: [u32; 4]) -> Self {
            Words(w)
        }
        fn words(self) -> [u32; 4] {
            self.0
        }
        fn shl(self, n: u32) -> Self {
            Words(self.0.map(|w| w << n))
        }
    }

    impl Word for Words {
        fn add(self, o: Self) -> Self {
            Words(core::array::from_fn(|i| self.0[i].wrapping_add(o.0[i])))
        }
        fn xor(self, o: Self) -> Self {
            Words(core::array::from_fn(|i| self.0[i] ^ o.0[i]))
        }
        fn shr(self, n: u32) -> Self {
            Words(self.0.map(|w| w >> n))
        }
        fn rotr(self, n: u32) -> Self {
            self.rotr_by_shifts(n)
        }
        fn select(self, o: Self, m: Self) -> Self {
            Words(core::array::from_fn(|i| {
                (self.0[i] & m.0[i]) | (o.0[i] & !m.0[i])
            }))
        }
    }

    #[test]
    fn four_lanes_match_one_block_at_a_time() {
        for seed in 0..64u32 {
            let blocks: [[u8; 64]; 4] = core::array::from_fn(|lane| {
                core::array::from_fn(|i| {
                    (seed.wrapping_mul(2_654_435_761) ^ (lane as u32 * 97 + i as u32 * 31)) as u8
                })
            });
            let expected = super::digests(&blocks);
            assert_eq!(compress::<Words>(&blocks), expected, "seed {seed}");
        }
    }
}
