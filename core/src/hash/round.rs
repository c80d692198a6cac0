//! A round of SHA-256 and a step of its message schedule (FIPS 180-4,
//! 6.2.2), over any word type: one `u32` for a block hashed alone
//! ([`super::block`]), four lanes for four blocks side by side
//! ([`super::lanes`]).

/// The operations SHA-256 needs on a word (or on words side by side).
pub(super) trait Word: Copy {
    fn add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn shr(self, n: u32) -> Self;
    fn rotr(self, n: u32) -> Self;
    /// Bits of `self` where `mask` is 1, of `other` where it is 0.
    fn select(self, other: Self, mask: Self) -> Self;
}

impl Word for u32 {
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        self ^ other
    }
    #[inline(always)]
    fn shr(self, n: u32) -> Self {
        self >> n
    }
    #[inline(always)]
    fn rotr(self, n: u32) -> Self {
        self.rotate_right(n)
    }
    #[inline(always)]
    fn select(self, other: Self, mask: Self) -> Self {
        other ^ (mask & (self ^ other))
    }
}

/// The schedule word `w[i]` from `w[i - 16]`, `w[i - 15]`, `w[i - 7]` and
/// `w[i - 2]`.
#[inline(always)]
pub(super) fn schedule<V: Word>(w16: V, w15: V, w7: V, w2: V) -> V {
    let s0 = w15.rotr(7).xor(w15.rotr(18)).xor(w15.shr(3));
    let s1 = w2.rotr(17).xor(w2.rotr(19)).xor(w2.shr(10));
    w16.add(s0).add(w7.add(s1))
}

/// One round on the working variables `[a, b, c, d, e, f, g, h]`, with
/// `kw` the round's constant plus its schedule word.
#[inline(always)]
pub(super) fn round<V: Word>(v: &mut [V; 8], kw: V) {
    let [a, b, c, d, e, f, g, h] = *v;
    let s1 = e.rotr(6).xor(e.rotr(11)).xor(e.rotr(25));
    let ch = f.select(g, e);
    let t1 = h.add(s1).add(ch).add(kw);
    let s0 = a.rotr(2).xor(a.rotr(13)).xor(a.rotr(22));
    // Majority: b where a and c differ, else their common bit.
    let maj = b.select(c, a.xor(c));
    *v = [t1.add(s0.add(maj)), a, b, c, d.add(t1), e, f, g];
}
