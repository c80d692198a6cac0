//! Table names, which the API also accepts as table ARNs, and the stream
//! ARNs that name a table in stream records.

/// `NAME`, or the `NAME` of `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`.
pub fn table_name(table_name: &str) -> Option<&str> {
    if table_name.is_empty() {
        return None;
    }
    if !table_name.starts_with("arn:") {
        return Some(table_name);
    }
    let name = dynamodb_resource(table_name)?.strip_prefix("table/")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// Whether DynamoDB takes `name` as a table name: 3 to 255 of
/// `A-Za-z0-9_.-`. Only such names are learned or looked up, so that what
/// a host is asked to look up is always a name it can send.
pub fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The table of `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`,
/// in any partition (`aws`, `aws-cn`, `aws-us-gov`, ...).
pub fn stream_table(arn: &str) -> Option<&str> {
    let rest = dynamodb_resource(arn)?.strip_prefix("table/")?;
    // A name has no `/`, so the first one must begin `/stream/`.
    let (name, after) = split_at_byte(rest, b'/')?;
    let label = after.strip_prefix("stream/")?;
    (!name.is_empty() && !label.is_empty()).then_some(name)
}

fn dynamodb_resource(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = split_at_byte(rest, b':')?;
    let rest = rest.strip_prefix("dynamodb:")?;
    let (region, rest) = split_at_byte(rest, b':')?;
    let (account, resource) = split_at_byte(rest, b':')?;
    (!partition.is_empty() && !region.is_empty() && !account.is_empty()).then_some(resource)
}

/// `str::split_once` for an ASCII separator, by a plain byte loop: the
/// parts of an ARN are a few bytes long, shorter than a `memchr` call
/// takes to pay off. Splitting at an ASCII byte is always on a character
/// boundary.
fn split_at_byte(text: &str, separator: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == separator)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_arns() {
        assert_eq!(table_name("orders"), Some("orders"));
        assert_eq!(
            table_name("arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
            Some("orders")
        );
        assert_eq!(
            table_name("arn:aws-cn:dynamodb:cn-north-1:123456789012:table/o"),
            Some("o")
        );
        assert_eq!(table_name(""), None);
        assert_eq!(
            table_name("arn:aws:dynamodb:us-east-1:123456789012:table/"),
            None
        );
        assert_eq!(table_name("arn:aws:s3:::bucket"), None);
        assert_eq!(
            table_name("arn:aws:dynamodb:us-east-1:123456789012:table/a/stream/x"),
            None
        );
    }

    #[test]
    fn table_names_dynamodb_takes() {
        for good in ["abc", "orders_2026.v1-x", &"t".repeat(255)] {
            assert!(is_table_name(good), "{good}");
        }
        for bad in ["ab", "", "a b", "tä-ble", "a/b", "a:b", &"t".repeat(256)] {
            assert!(!is_table_name(bad), "{bad}");
        }
    }

    #[test]
    fn stream_arns() {
        let arn = "arn:aws-us-gov:dynamodb:us-gov-west-1:123456789012:table/orders/stream/2026-11-01T00:00:00.000";
        assert_eq!(stream_table(arn), Some("orders"));
        assert_eq!(
            stream_table("arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
            None
        );
        assert_eq!(
            stream_table("arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/"),
            None
        );
        assert_eq!(
            stream_table("arn::dynamodb:us-east-1:1:table/orders/stream/x"),
            None
        );
    }
}
