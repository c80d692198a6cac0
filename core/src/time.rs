//! The times events give for a change, as Unix nanoseconds: RFC 3339 text
//! (S3 `eventTime`, EventBridge `time`, and what hosts write for an SDK's
//! date objects), or a number of seconds, milliseconds or microseconds
//! (stream records, Kinesis records). A time that cannot be read is no
//! time: it never stops a pointer.

use crate::value::Value;

/// What a number of a time field counts.
#[derive(Clone, Copy)]
pub(crate) enum Unit {
    Seconds,
    Milliseconds,
    Microseconds,
}

impl Unit {
    /// Nanoseconds in one unit, as a power of ten.
    fn nanos_exponent(self) -> i32 {
        match self {
            Unit::Seconds => 9,
            Unit::Milliseconds => 6,
            Unit::Microseconds => 3,
        }
    }
}

/// Unix nanoseconds of `value`: RFC 3339 text, or a number of `unit`s
/// since the epoch. Times before the epoch, or too late for 64 bits of
/// nanoseconds (after 2554), are no time.
pub(crate) fn unix_nanos(value: &Value, unit: Unit) -> Option<u64> {
    match value {
        Value::String(text) => rfc3339(text),
        Value::Number(text) => decimal(text, unit.nanos_exponent()),
        _ => None,
    }
}

/// A non-negative decimal number (JSON number text) times `10^scale`,
/// truncated to an integer; exact, never through a float.
fn decimal(text: &str, scale: i32) -> Option<u64> {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (text.get(..at)?, text.get(at + 1..)?.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = || whole.bytes().chain(fraction.bytes());
    if whole.is_empty() || !digits().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // How many of the digits stand before the point of the unit's
    // nanoseconds: those are kept, the rest truncated.
    let point = i64::try_from(whole.len()).ok()? + i64::from(exponent) + i64::from(scale);
    let mut value: u64 = 0;
    let mut kept: i64 = 0;
    for d in digits() {
        if kept >= point {
            break;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        kept += 1;
    }
    while kept < point && value != 0 {
        value = value.checked_mul(10)?;
        kept += 1;
    }
    Some(value)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, as S3, EventBridge,
/// `Date.prototype.toISOString` and Python's `isoformat` write it.
fn rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(at(4, b'-')
        && at(7, b'-')
        && (at(10, b'T') || at(10, b't'))
        && at(13, b':')
        && at(16, b':'))
    {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b.get(i).copied().unwrap_or(b'0') - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let offset_seconds = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b':') => {
            let (h, m) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let offset = h * 3600 + m * 60;
            if sign == b'+' {
                offset
            } else {
                -offset
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_seconds;
    u64::try_from(seconds)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(u64::try_from(nanos).ok()?)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::Cow;

    fn text(t: &str) -> Option<u64> {
        unix_nanos(&Value::String(Cow::Borrowed(t)), Unit::Seconds)
    }

    fn number(t: &str, unit: Unit) -> Option<u64> {
        unix_nanos(&Value::Number(Cow::Borrowed(t)), unit)
    }

    #[test]
    fn rfc3339_text() {
        assert_eq!(text("1970-01-01T00:00:00.000Z"), Some(0));
        // `date -u -d 2026-11-01T12:34:56Z +%s` is 1793536496.
        assert_eq!(
            text("2026-11-01T12:34:56Z"),
            Some(1_793_536_496_000_000_000)
        );
        assert_eq!(
            text("2026-11-01T12:34:56.789Z"),
            Some(1_793_536_496_789_000_000)
        );
        assert_eq!(
            text("2026-11-01T13:34:56.123456789+01:00"),
            Some(1_793_536_496_123_456_789)
        );
        assert_eq!(
            text("2026-11-01T12:34:56.1234567891Z"),
            Some(1_793_536_496_123_456_789)
        );
        // 2024-02-29 exists: `date -u -d 2024-02-29T00:00:00Z +%s` is 1709164800.
        assert_eq!(
            text("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000_000_000)
        );
        for bad in [
            "2023-02-29T00:00:00Z",
            "2026-11-01T12:34:56",
            "2026-11-01 12:34:56Z",
            "2026-13-01T00:00:00Z",
            "2026-11-01T24:00:00Z",
            "2026-11-01T12:34:56.Z",
            "1969-12-31T23:59:59Z",
            "2026-11-01T12:34:56Zjunk",
            "",
        ] {
            assert_eq!(text(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_of_units() {
        assert_eq!(
            number("1479499740", Unit::Seconds),
            Some(1_479_499_740_000_000_000)
        );
        assert_eq!(
            number("1545084650.987", Unit::Seconds),
            Some(1_545_084_650_987_000_000)
        );
        assert_eq!(
            number("1.545084650987E9", Unit::Seconds),
            Some(1_545_084_650_987_000_000)
        );
        assert_eq!(
            number("1571849028022", Unit::Milliseconds),
            Some(1_571_849_028_022_000_000)
        );
        assert_eq!(
            number("1571849028022123", Unit::Microseconds),
            Some(1_571_849_028_022_123_000)
        );
        assert_eq!(number("0.0000000015", Unit::Seconds), Some(1));
        assert_eq!(number("-1", Unit::Seconds), None);
        assert_eq!(number("1e30", Unit::Seconds), None);
        assert_eq!(number("1e-999999", Unit::Seconds), Some(0));
        assert_eq!(
            number("99999999999999999999999999999999999999", Unit::Seconds),
            None
        );
    }
}
