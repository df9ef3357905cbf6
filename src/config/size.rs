//! Sizes in config files: `64MiB`, `512KiB`, `1GiB`, `4096B` (binary units).

use serde::{Deserialize, Deserializer};

pub const KIB: usize = 1024;
pub const MIB: usize = 1024 * KIB;
pub const GIB: usize = 1024 * MIB;

const UNITS: [(&str, usize); 4] = [("GiB", GIB), ("MiB", MIB), ("KiB", KIB), ("B", 1)];

pub fn parse(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    if digits == 0 {
        return Err(format!("invalid size `{text}`: expected a number such as `64MiB`"));
    }
    let number: usize = text[..digits].parse().map_err(|_| format!("invalid size `{text}`: number too large"))?;
    let unit = text[digits..].trim();
    if unit.is_empty() {
        return Err(format!("invalid size `{text}`: missing unit (B, KiB, MiB, GiB)"));
    }
    // Decimal units (MB) are refused rather than guessed at: 64MB and 64MiB differ by 5%.
    let factor = UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .map(|(_, factor)| *factor)
        .ok_or_else(|| format!("invalid size `{text}`: unknown unit `{unit}` (B, KiB, MiB, GiB)"))?;
    number.checked_mul(factor).ok_or_else(|| format!("invalid size `{text}`: too large"))
}

/// The largest unit that divides `bytes` evenly: `64 MiB`, `1536 KiB`, `10 B`.
pub fn format(bytes: usize) -> String {
    let (name, factor) =
        UNITS.iter().find(|(_, factor)| bytes >= *factor && bytes.is_multiple_of(*factor)).unwrap_or(&("B", 1));
    format!("{} {name}", bytes / factor)
}

/// Serde adapter for `Option<usize>` fields written as size strings.
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.map(|t| parse(&t).map_err(serde::de::Error::custom)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_binary_units() {
        assert_eq!(parse("64MiB"), Ok(64 * MIB));
        assert_eq!(parse(" 64 MiB "), Ok(64 * MIB));
        assert_eq!(parse("512kib"), Ok(512 * KIB));
        assert_eq!(parse("1GiB"), Ok(GIB));
        assert_eq!(parse("4096B"), Ok(4096));
        assert!(parse("64").unwrap_err().contains("missing unit"));
        assert!(parse("64MB").unwrap_err().contains("unknown unit `MB`"));
        assert!(parse("MiB").is_err());
        assert!(parse("").is_err());
        assert!(parse("99999999999999999999GiB").is_err());
        assert!(parse(&format!("{}GiB", usize::MAX / 2)).unwrap_err().contains("too large"));
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format(64 * MIB), "64 MiB");
        assert_eq!(format(1536 * KIB), "1536 KiB");
        assert_eq!(format(10), "10 B");
        assert_eq!(format(0), "0 B");
        for text in ["64MiB", "1GiB", "3KiB", "7B"] {
            assert_eq!(format(parse(text).unwrap()).replace(' ', ""), text);
        }
    }
}
