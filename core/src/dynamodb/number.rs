//! DynamoDB's canonical number text: what the service stores and returns,
//! and so what a stream record shows for a number the caller wrote.
//!
//! Never expands an exponent before checking the range: the work and the
//! output are bounded by DynamoDB's limits (38 significant digits, magnitude
//! 1e-130 to below 1e126), whatever the input's exponent says.

use alloc::borrow::Cow;
use alloc::string::String;

#[derive(Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not a decimal number (`NaN`, `Infinity`, ` 1`, `1.2.3`, `0x10`).
    Invalid,
    /// A number DynamoDB cannot store.
    OutOfRange,
}

const MAX_SIGNIFICANT_DIGITS: usize = 38;
const MIN_EXPONENT: i64 = -130;
const MAX_EXPONENT: i64 = 125;
// Far beyond any exponent that could come back into range given input
// length limits, small enough that the arithmetic below cannot overflow.
const EXPONENT_CAP: i64 = 1_000_000_000_000;

/// `00042 -> 42`, `1.50 -> 1.5`, `+1e2 -> 100`, `1.5E-3 -> 0.0015`, `-0.0 -> 0`.
/// Text that is canonical already (most keys: `42`, `-7`) comes back as is.
pub fn canonical(text: &str) -> Result<Cow<'_, str>, NumberError> {
    if is_canonical_integer(text) {
        return Ok(Cow::Borrowed(text));
    }
    rewritten(text).map(Cow::Owned)
}

/// `0`, or an optional `-` and up to 38 digits without a leading zero.
fn is_canonical_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text).as_bytes();
    match digits.split_first() {
        Some((b'0', [])) => digits.len() == text.len(),
        Some((b'1'..=b'9', rest)) => {
            digits.len() <= MAX_SIGNIFICANT_DIGITS && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

fn rewritten(text: &str) -> Result<String, NumberError> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (int_digits, rest) = rest.split_at(int_len);
    let (frac_digits, rest) = match rest.split_first() {
        Some((b'.', after)) => {
            let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
            after.split_at(n)
        }
        _ => (&[][..], rest),
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(NumberError::Invalid);
    }
    let exponent = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => parse_exponent(after)?,
        Some(_) => return Err(NumberError::Invalid),
    };

    let digit = |i: usize| -> u8 {
        let d = if i < int_digits.len() {
            int_digits.get(i)
        } else {
            frac_digits.get(i - int_digits.len())
        };
        d.copied().unwrap_or(b'0')
    };
    let total = int_digits.len() + frac_digits.len();
    let Some(first) = (0..total).find(|&i| digit(i) != b'0') else {
        return Ok(String::from("0"));
    };
    let last = (0..total)
        .rev()
        .find(|&i| digit(i) != b'0')
        .unwrap_or(first);
    let significant = last - first + 1;
    if significant > MAX_SIGNIFICANT_DIGITS {
        return Err(NumberError::OutOfRange);
    }
    // value = d[first].d[first+1]... x 10^scientific
    let point = to_i64(int_digits.len()) + exponent;
    let scientific = point - to_i64(first) - 1;
    if !(MIN_EXPONENT..=MAX_EXPONENT).contains(&scientific) {
        return Err(NumberError::OutOfRange);
    }

    let mut out = String::with_capacity(significant + 132);
    if negative {
        out.push('-');
    }
    let sig = |k: usize| char::from(digit(first + k));
    if scientific >= 0 {
        let int_len = usize::try_from(scientific).unwrap_or(0) + 1;
        for k in 0..int_len {
            out.push(if k < significant { sig(k) } else { '0' });
        }
        if significant > int_len {
            out.push('.');
            (int_len..significant).for_each(|k| out.push(sig(k)));
        }
    } else {
        out.push_str("0.");
        let zeros = usize::try_from(-scientific - 1).unwrap_or(0);
        (0..zeros).for_each(|_| out.push('0'));
        (0..significant).for_each(|k| out.push(sig(k)));
    }
    Ok(out)
}

fn parse_exponent(text: &[u8]) -> Result<i64, NumberError> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return Err(NumberError::Invalid);
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return Err(NumberError::Invalid);
        }
        value = (value * 10 + i64::from(b - b'0')).min(EXPONENT_CAP);
    }
    Ok(if negative { -value } else { value })
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX / 4).min(EXPONENT_CAP)
}

#[cfg(test)]
mod tests {
    use super::{canonical, NumberError};
    use alloc::format;

    fn ok(input: &str, expected: &str) {
        assert_eq!(canonical(input).as_deref(), Ok(expected), "{input}");
    }

    #[test]
    fn spec_examples() {
        ok("00042", "42");
        ok("1.50", "1.5");
        ok("+1e2", "100");
        ok("1.5E-3", "0.0015");
        ok("-0.0", "0");
        ok(".5", "0.5");
        ok("5.", "5");
        ok("-12.3400e1", "-123.4");
        ok("0e999999999", "0");
        ok("1e125", &format!("1{}", "0".repeat(125)));
        ok("1e-130", &format!("0.{}1", "0".repeat(129)));
        ok(
            "99999999999999999999999999999999999999",
            "99999999999999999999999999999999999999",
        );
    }

    #[test]
    fn rejects() {
        for bad in [
            "", "-", "+", ".", "1e", "1e+", "NaN", "Infinity", " 1", "1 ", "1.2.3", "0x10", "1_0",
            "--1", "e5",
        ] {
            assert_eq!(canonical(bad), Err(NumberError::Invalid), "{bad:?}");
        }
        for far in [
            "1e126",
            "1e-131",
            "1e999999999",
            "1e-999999999999999999999",
            "123456789012345678901234567890123456789",
        ] {
            assert_eq!(canonical(far), Err(NumberError::OutOfRange), "{far:?}");
        }
    }
}
