//! One field of a cron: the values it matches as a bit set.

/// Which field, with its range and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Second,
    Minute,
    Hour,
    Day,
    Month,
    Weekday,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Kind {
    /// The range `*` stands for.
    fn range(self) -> (u8, u8) {
        match self {
            Kind::Second | Kind::Minute => (0, 59),
            Kind::Hour => (0, 23),
            Kind::Day => (1, 31),
            Kind::Month => (1, 12),
            Kind::Weekday => (0, 6),
        }
    }

    /// The largest value that may be written: 7 is Sunday too.
    fn largest(self) -> u8 {
        if self == Kind::Weekday { 7 } else { self.range().1 }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Second => "second",
            Kind::Minute => "minute",
            Kind::Hour => "hour",
            Kind::Day => "day of month",
            Kind::Month => "month",
            Kind::Weekday => "day of week",
        }
    }

    /// A number or, for months and weekdays, a three-letter name in any case.
    fn value(self, text: &str) -> Result<u8, String> {
        let names: &[&str] = match self {
            Kind::Month => &MONTHS,
            Kind::Weekday => &WEEKDAYS,
            _ => &[],
        };
        let first = if self == Kind::Month { 1 } else { 0 };
        if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(i as u8 + first);
        }
        let bad = || format!("{} field: {text:?} is not a value", self.name());
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let value: u8 = text.parse().map_err(|_| bad())?;
        let (low, _) = self.range();
        if value < low || value > self.largest() {
            return Err(format!("{} field: {value} is out of {low}-{}", self.name(), self.largest()));
        }
        Ok(value)
    }
}

/// The values a field matches, and whether it was written unrestricted (`*` or `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    bits: u64,
    pub all: bool,
}

impl Field {
    pub fn parse(text: &str, kind: Kind) -> Result<Field, String> {
        let mut field = Field { bits: 0, all: false };
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step: u8 = step
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| format!("{} field: step {step:?} is not a positive number", kind.name()))?;
                    (range, Some(step))
                }
                None => (part, None),
            };
            let (low, high) = if range == "*" || range == "?" {
                if step.unwrap_or(1) == 1 {
                    field.all = true;
                }
                kind.range()
            } else if let Some((a, b)) = range.split_once('-') {
                (kind.value(a)?, kind.value(b)?)
            } else {
                let a = kind.value(range)?;
                // `a/n` runs from `a` to the end of the field.
                (a, if step.is_some() { kind.range().1.max(a) } else { a })
            };
            if low > high {
                return Err(format!("{} field: range {range} runs backwards", kind.name()));
            }
            for value in (low..=high).step_by(usize::from(step.unwrap_or(1))) {
                field.bits |= 1 << value;
            }
        }
        if kind == Kind::Weekday && field.bits & (1 << 7) != 0 {
            field.bits = (field.bits & !(1 << 7)) | 1;
        }
        Ok(field)
    }

    pub fn has(self, value: i8) -> bool {
        (0..64).contains(&value) && self.bits & (1 << value) != 0
    }

    /// The smallest matching value at or above `from`.
    pub fn next_from(self, from: i8) -> Option<i8> {
        if !(0..64).contains(&from) {
            return None;
        }
        let rest = self.bits & (u64::MAX << from);
        (rest != 0).then(|| rest.trailing_zeros() as i8)
    }
}
