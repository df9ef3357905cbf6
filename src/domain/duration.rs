//! Human durations in config files: `500ms`, `5s`, `1m30s`, `4h`, `1d`.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let mut total_ms: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("invalid duration `{text}`: expected a number such as `5s`"));
        }
        let number: u128 =
            rest[..digits].parse().map_err(|_| format!("invalid duration `{text}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let factor: u128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(format!("invalid duration `{text}`: missing unit (ms, s, m, h, d)")),
            unit => return Err(format!("invalid duration `{text}`: unknown unit `{unit}` (ms, s, m, h, d)")),
        };
        total_ms = total_ms
            .checked_add(number.saturating_mul(factor))
            .ok_or_else(|| format!("invalid duration `{text}`: too large"))?;
        rest = &rest[unit_len..];
    }
    let ms = u64::try_from(total_ms).map_err(|_| format!("invalid duration `{text}`: too large"))?;
    Ok(Duration::from_millis(ms))
}

pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    match s {
        s if s % 86_400 == 0 && s > 0 => format!("{}d", s / 86_400),
        s if s % 3_600 == 0 && s > 0 => format!("{}h", s / 3_600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Serde adapter for `Option<Duration>` fields written as strings.
pub fn deserialize_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.map(|t| parse(&t).map_err(serde::de::Error::custom)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_compounds() {
        assert_eq!(parse("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse("5").unwrap_err().contains("missing unit"));
        assert!(parse("5y").unwrap_err().contains("unknown unit `y`"));
        assert!(parse("fast").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for text in ["250ms", "5s", "2m", "4h", "1d", "90s"] {
            assert_eq!(format(parse(text).unwrap()), text);
        }
    }
}
