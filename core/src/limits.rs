//! How much input the rules read at most, for every host alike: a host
//! stops at these bounds before doing the work of writing more (a sparse
//! list that claims four billion items, an object shared at every level
//! of a deep value), and the module refuses what goes beyond them, so that
//! time and memory stay bounded whatever a caller hands over (SPEC 6).

/// Nesting deeper than this is refused while reading, so that neither
/// reading nor dropping a value can exhaust the stack. DynamoDB allows 32
/// levels of nested attributes, which stays well under it even inside a
/// `BatchWriteItem` request.
pub const MAX_DEPTH: usize = 128;

/// The largest input read: twice the largest thing AWS sends or takes in
/// one piece (a Kinesis `GetRecords` answer of 10 MB, a `BatchWriteItem`
/// of 16 MB).
pub const MAX_INPUT_BYTES: usize = 32 << 20;

/// The most items of one list: more than any AWS list a rule reads holds
/// (10,000 stream or Kinesis records a batch), and a bound that a list
/// claiming billions of items meets at once.
pub const MAX_LIST_ITEMS: usize = 1_000_000;

/// The most values (every object, list, member value and item counted) a
/// host writes of a key-name configuration given as an object rather
/// than as text: far more than the tables and key names of any account,
/// and a bound that a value sharing its parts at every level meets before
/// it is written out in full, exponentially.
pub const MAX_CONFIGURATION_VALUES: usize = 100_000;

/// Why an input was refused at a bound, the same sentence from every host
/// (hosts that stop before writing report it as `input_invalid`).
pub const TOO_DEEP: &str = "the input nests deeper than 128 levels, more than any AWS input";
pub const TOO_LARGE: &str =
    "the input is larger than 32 MiB, more than AWS sends or takes in one call";
pub const TOO_MANY_ITEMS: &str =
    "the input has a list of more than 1,000,000 items, more than any AWS list";

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn sentences_state_the_bounds() {
        assert!(TOO_DEEP.contains(&format!("{MAX_DEPTH} levels")));
        assert!(TOO_LARGE.contains(&format!("{} MiB", MAX_INPUT_BYTES >> 20)));
        assert!(TOO_MANY_ITEMS.contains("1,000,000") && MAX_LIST_ITEMS == 1_000_000);
    }
}
