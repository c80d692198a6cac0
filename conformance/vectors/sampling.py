"""keep(hash, rate): the sampling decision both sides of a hop derive from
their pointer hash (core/src/sampling.rs states the rule). Each decision
below is worked out by hand from R (the number the hash's last 14 hex
digits spell) and T = (1 - rate) * 2^56 truncated, keep when R >= T."""

from .common import sampling_case

HEAD = "e721375466d4116ab5"  # the first 18 hex digits do not matter


def define():
    known = "e721375466d4116ab551213fdea08413"
    # R = 0x51213fdea08413 = 22836031315280915.
    sampling_case("sampling_rate_one", "A rate of 1 keeps every pointer.", known, 1.0, True)
    sampling_case("sampling_rate_above_one", "A rate above 1 is 1.", known, 3.5, True)
    sampling_case("sampling_rate_zero", "A rate of 0 keeps nothing.", known, 0.0, False)
    sampling_case("sampling_rate_negative", "A negative rate keeps nothing.", known, -0.5, False)
    # T(0.5) = 2^55 = 36028797018963968 > R.
    sampling_case("sampling_half_below", "R below T(0.5) = 2^55 is dropped.", known, 0.5, False)
    # T(0.7) = 21617278211378384 (1 - 0.7 is 0.30000000000000004 in doubles) <= R.
    sampling_case("sampling_seven_tenths_above", "R above T(0.7) is kept.", known, 0.7, True)
    # T(0.5) exactly, and one below it.
    sampling_case("sampling_at_threshold", "R equal to T is kept.", HEAD + "80000000000000", 0.5, True)
    sampling_case("sampling_just_below_threshold", "R one below T is dropped.", HEAD + "7fffffffffffff", 0.5, False)
    # T(0.1) = 0.9 * 2^56 = 64851834634135142.4 -> 64851834634135144 in doubles
    # (0.9 is 0.90000000000000002220446), truncated: 0xe6666666666668.
    sampling_case("sampling_tenth_at_threshold", "At a rate of 0.1, R = T(0.1) is kept.", HEAD + "e6666666666668", 0.1, True)
    sampling_case("sampling_tenth_below_threshold", "At 0.1, R = T(0.1) - 1 is dropped.", HEAD + "e6666666666667", 0.1, False)
    sampling_case("sampling_largest_r", "The largest R is kept at any rate above 0.", HEAD + "ffffffffffffff", 1e-12, True)
    sampling_case("sampling_smallest_r", "R = 0 is kept only at a rate of 1.", HEAD + "00000000000000", 0.999999, False)
    sampling_case("sampling_not_a_hash", "Text that is not a pointer hash is never kept.", "E721375466D4116AB551213FDEA08413", 1.0, False)
