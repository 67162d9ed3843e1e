//! Tenant ids: GUIDs as `8-4-4-4-12` hex digits, parsed into a number so that case and braces
//! never make two ids differ, and written back in the one stored form.

/// Parses `8-4-4-4-12` hex digits, either case, optionally in braces (`{...}`, as Windows
/// writes GUIDs).
pub(super) fn parse_guid(text: &str) -> Option<u128> {
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut value: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b != b'-' {
                return None;
            }
            continue;
        }
        let digit = char::from(b).to_digit(16)?;
        value = (value << 4) | u128::from(digit);
    }
    Some(value)
}

/// The stored form of a tenant id written by a person (`{ABC...}` or any case), or `None` when
/// it is not a GUID.
pub fn canonical_tenant_id(text: &str) -> Option<String> {
    parse_guid(text.trim()).map(format_guid)
}

/// Lower-case hyphenated form of a GUID (`8-4-4-4-12` hex digits), as tenant ids are stored.
pub fn format_guid(value: u128) -> String {
    let hex = format!("{value:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        let id = "8b6958f6-be40-5556-9cd7-5f8b285c5ca2";
        assert_eq!(parse_guid(id).map(format_guid).as_deref(), Some(id));
        let upper = "{8B6958F6-BE40-5556-9CD7-5F8B285C5CA2}";
        assert_eq!(parse_guid(upper).map(format_guid).as_deref(), Some(id));
        for bad in [
            "",
            "abc",
            "8b6958f6be4055569cd75f8b285c5ca2",
            "8b6958f6-be40-5556-9cd7-5f8b285c5ca",
            "8b6958f6-be40-5556-9cd7-5f8b285c5cag",
            "8b6958f6+be40-5556-9cd7-5f8b285c5ca2",
            "{8b6958f6-be40-5556-9cd7-5f8b285c5ca2",
            "+b6958f6-be40-5556-9cd7-5f8b285c5ca2",
            "8b6958f6-be40-5556-9cd7-5f8b285c5cä",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad}");
        }
    }
}
