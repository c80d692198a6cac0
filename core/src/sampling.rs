//! Sampling that keeps both sides of a hop together: the producer and the
//! consumer compute the same pointer hash, so each can derive the same
//! keep decision from it, the way consistent probability sampling derives
//! one from a trace id. At a rate `r` a linked pair then survives with
//! probability `r`, where independent decisions keep it with `r * r`.
//!
//! The rule, for a pointer hash `H` (32 lowercase hex digits) and a rate:
//!
//! - `R` is the number the last 14 hex digits of `H` spell (the last 56
//!   of its 128 bits), so `0 <= R < 2^56`, uniformly distributed;
//! - `T = (1 - rate) * 2^56`, computed in IEEE 754 double precision and
//!   truncated toward zero; a rate above 1 is 1;
//! - keep when `R >= T`. A rate of 0 or below, or not a number, keeps
//!   nothing; text that is not a pointer hash is never kept.
//!
//! The 56 bits and the comparison `R >= T` are those of OpenTelemetry's
//! consistent probability sampling (randomness value and rejection
//! threshold), so a pointer's decision reads like a trace id's.

/// Whether a span carrying the pointer `hash` keeps its trace at `rate`.
pub fn keep(hash: &str, rate: f64) -> bool {
    let bytes = hash.as_bytes();
    let valid = bytes.len() == 32 && bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !valid || rate.is_nan() || rate <= 0.0 {
        return false;
    }
    let Some(randomness) = hash.get(18..).and_then(|r| u64::from_str_radix(r, 16).ok()) else {
        return false;
    };
    let threshold = ((1.0 - rate.min(1.0)) * TWO_TO_56) as u64;
    randomness >= threshold
}

/// 2^56, exactly.
const TWO_TO_56: f64 = 72_057_594_037_927_936.0;

#[cfg(test)]
mod tests {
    use super::keep;
    use crate::hash::PointerHash;
    use alloc::format;

    #[test]
    fn edges() {
        let h = "e721375466d4116ab551213fdea08413";
        assert!(keep(h, 1.0));
        assert!(keep(h, 2.0));
        assert!(!keep(h, 0.0));
        assert!(!keep(h, -1.0));
        assert!(!keep(h, f64::NAN));
        assert!(!keep("E721375466D4116AB551213FDEA08413", 1.0));
        assert!(!keep("e72137", 1.0));
        // R = 0x51213fdea08413 = 22836031315280915, T(0.5) = 2^55 = 36028797018963968.
        assert!(!keep(h, 0.5));
        // T(0.7) = 0.30000000000000004 * 2^56 = 21617278211378384 < R.
        assert!(keep(h, 0.7));
        // The smallest and largest R.
        assert!(keep("ffffffffffffffffff00000000000000", 1.0));
        assert!(!keep("ffffffffffffffffff00000000000000", 0.999));
        assert!(keep("000000000000000000ffffffffffffff", 1e-15));
    }

    /// The kept share matches the rate within 3 standard deviations over
    /// 10^6 hashes, for rates from 0.001 to 1.
    #[test]
    fn kept_share_matches_the_rate() {
        const N: usize = 1_000_000;
        let hashes: alloc::vec::Vec<PointerHash> = (0..N)
            .map(|i| PointerHash::of(&[format!("{i}").as_bytes()]))
            .collect();
        for rate in [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
            let kept = hashes.iter().filter(|h| keep(h.as_str(), rate)).count();
            let expected = rate * N as f64;
            let sigma = (N as f64 * rate * (1.0 - rate)).sqrt();
            assert!(
                (kept as f64 - expected).abs() <= 3.0 * sigma.max(1.0),
                "rate {rate}: kept {kept} of {N}, expected {expected} +- {}",
                3.0 * sigma
            );
        }
    }
}
