//! A cron evaluator: when a schedule fires next, for the pipelines that keep no next time
//! of their own (Argo CronWorkflows, Kubeflow Pipelines recurring runs, GitHub Actions
//! `on.schedule`).
//!
//! Forms: five fields (minute hour day-of-month month day-of-week), or six with seconds
//! first as robfig/cron and Kubeflow Pipelines have them; in each field `*`, `?`, lists
//! `a,b`, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (from `a` to the field's end), month
//! and weekday names (`JAN`, `MON`), Sunday as 0 or 7. When both day fields are restricted a
//! day matches if either does; a field is unrestricted when it is `*` or `?` with no step
//! (robfig/cron's rule: `*/2` restricts). Descriptors: `@yearly`/`@annually`, `@monthly`,
//! `@weekly`, `@daily`/`@midnight`, `@hourly`, and `@every <duration>` (`90s`, `1h30m`),
//! counted from the previous run.
//!
//! Fields are matched in a time zone's civil time. A civil time that does not exist (the
//! hour skipped when clocks spring forward) is skipped: that day has no run at that time.
//! A civil time that happens twice (clocks fall back) fires at its first occurrence only.
//! The search jumps field by field and looks at most [`YEARS_AHEAD`] years ahead.

mod field;
#[cfg(test)]
mod tests;

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use field::{Field, Kind};

/// How far ahead a next time is looked for: a schedule that matches no day in this span
/// (`0 0 30 2 *`) has none.
pub const YEARS_AHEAD: i16 = 5;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Fires at the civil times its fields match.
    Fields(Box<Fields>),
    /// `@every`: a fixed interval after the previous run.
    Every(SignedDuration),
}

/// The times a cron matches, one bit set per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    second: Field,
    minute: Field,
    hour: Field,
    day: Field,
    month: Field,
    weekday: Field,
}

impl Schedule {
    /// Parses a cron as Argo, Kubeflow Pipelines and GitHub write them; the error says which
    /// part could not be read.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let text = text.trim();
        if let Some(descriptor) = text.strip_prefix('@') {
            return descriptor_schedule(descriptor);
        }
        let parts: Vec<&str> = text.split_whitespace().collect();
        let (second, rest) = match parts.len() {
            5 => ("0", &parts[..]),
            6 => (parts[0], &parts[1..]),
            n => return Err(format!("a cron has 5 fields (or 6 with seconds first), not {n}")),
        };
        Ok(Schedule::Fields(Box::new(Fields {
            second: Field::parse(second, Kind::Second)?,
            minute: Field::parse(rest[0], Kind::Minute)?,
            hour: Field::parse(rest[1], Kind::Hour)?,
            day: Field::parse(rest[2], Kind::Day)?,
            month: Field::parse(rest[3], Kind::Month)?,
            weekday: Field::parse(rest[4], Kind::Weekday)?,
        })))
    }

    /// The next run strictly after `now`: a cron's next match in `zone`; an `@every`
    /// interval counted on from `previous` (its last run, or when it started), none when
    /// that is not known.
    pub fn next_run(&self, now: Timestamp, previous: Option<Timestamp>, zone: &TimeZone) -> Option<Timestamp> {
        match self {
            Schedule::Fields(fields) => fields.next_after(now, zone),
            Schedule::Every(every) => next_interval(previous?, *every, now),
        }
    }
}

/// The earliest next run of several crons (a pipeline may have more than one), strictly
/// after `now`; a cron that does not parse has none, and the others still count.
pub fn earliest_next<S: AsRef<str>>(
    crons: &[S],
    now: Timestamp,
    previous: Option<Timestamp>,
    zone: &TimeZone,
) -> Option<Timestamp> {
    crons.iter().filter_map(|c| Schedule::parse(c.as_ref()).ok()?.next_run(now, previous, zone)).min()
}

fn descriptor_schedule(descriptor: &str) -> Result<Schedule, String> {
    let fields = match descriptor.to_ascii_lowercase().as_str() {
        "yearly" | "annually" => "0 0 1 1 *",
        "monthly" => "0 0 1 * *",
        "weekly" => "0 0 * * 0",
        "daily" | "midnight" => "0 0 * * *",
        "hourly" => "0 * * * *",
        other => match other.strip_prefix("every") {
            Some(duration) if duration.starts_with(char::is_whitespace) => {
                return go_duration(duration.trim()).map(Schedule::Every);
            }
            _ => return Err(format!("unknown descriptor @{descriptor}")),
        },
    };
    Schedule::parse(fields)
}

/// A Go duration of whole units (`90s`, `1h30m`, `2h`), at least a second.
fn go_duration(text: &str) -> Result<SignedDuration, String> {
    let bad = || format!("@every needs a duration such as 1h30m, not {text:?}");
    let mut seconds: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let number: i64 = rest[..digits].parse().map_err(|_| bad())?;
        let after = &rest[digits..];
        let unit_len = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
        let unit = match &after[..unit_len] {
            "h" => 3600,
            "m" => 60,
            "s" => 1,
            _ => return Err(bad()),
        };
        seconds = number.checked_mul(unit).and_then(|s| s.checked_add(seconds)).ok_or_else(bad)?;
        rest = &after[unit_len..];
    }
    if seconds < 1 {
        return Err(bad());
    }
    Ok(SignedDuration::from_secs(seconds))
}

/// The first `previous + k × every` (k ≥ 1) strictly after `now`: a missed interval is
/// not shown as overdue, the next one is.
pub fn next_interval(previous: Timestamp, every: SignedDuration, now: Timestamp) -> Option<Timestamp> {
    let step = every.as_nanos();
    if step <= 0 {
        return None;
    }
    let elapsed = now.as_nanosecond() - previous.as_nanosecond();
    let k = if elapsed < 0 { 1 } else { elapsed / step + 1 };
    Timestamp::from_nanosecond(previous.as_nanosecond().checked_add(k.checked_mul(step)?)?).ok()
}

/// A civil time being searched, one number per unit.
#[derive(Debug, Clone, Copy)]
struct Civil {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
}

impl Civil {
    fn of(dt: DateTime) -> Civil {
        Civil {
            year: dt.year(),
            month: dt.month(),
            day: dt.day(),
            hour: dt.hour(),
            minute: dt.minute(),
            second: dt.second(),
        }
    }

    fn datetime(self) -> Option<DateTime> {
        DateTime::new(self.year, self.month, self.day, self.hour, self.minute, self.second, 0).ok()
    }

    fn days_in_month(self) -> i8 {
        Date::new(self.year, self.month, 1).map_or(28, |d| d.days_in_month())
    }

    /// Moves on to the start of the next second, minute, hour or day, so that
    /// each field can be searched from its own start again.
    fn next_second(&mut self) {
        self.second += 1;
        self.carry();
    }
    fn next_minute(&mut self) {
        (self.second, self.minute) = (0, self.minute + 1);
        self.carry();
    }
    fn next_hour(&mut self) {
        (self.second, self.minute, self.hour) = (0, 0, self.hour + 1);
        self.carry();
    }
    fn next_day(&mut self) {
        (self.second, self.minute, self.hour, self.day) = (0, 0, 0, self.day + 1);
        self.carry();
    }
    fn carry(&mut self) {
        if self.second > 59 {
            (self.second, self.minute) = (0, self.minute + 1);
        }
        if self.minute > 59 {
            (self.minute, self.hour) = (0, self.hour + 1);
        }
        if self.hour > 23 {
            (self.hour, self.day) = (0, self.day + 1);
        }
        if self.day > self.days_in_month() {
            (self.day, self.month) = (1, self.month + 1);
        }
        if self.month > 12 {
            (self.month, self.year) = (1, self.year.saturating_add(1));
        }
    }
}

impl Fields {
    /// The first matching instant strictly after `after`, in `zone`'s civil time.
    fn next_after(&self, after: Timestamp, zone: &TimeZone) -> Option<Timestamp> {
        let start = zone.to_datetime(after);
        let last_year = start.year().saturating_add(YEARS_AHEAD);
        let mut civil = Civil::of(start);
        civil.next_second();
        loop {
            civil = self.next_civil(civil, last_year)?;
            let dt = civil.datetime()?;
            // A skipped civil time is no run; a repeated one counts at its first occurrence.
            let instant = match zone.to_ambiguous_timestamp(dt).offset() {
                AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
                    offset.to_timestamp(dt).ok()
                }
                AmbiguousOffset::Gap { .. } => None,
            };
            match instant {
                Some(t) if t > after => return Some(t),
                _ => civil.next_second(),
            }
        }
    }

    /// The first civil time at or after `c` that every field matches, jumping a whole unit
    /// whenever a field does not match.
    fn next_civil(&self, mut c: Civil, last_year: i16) -> Option<Civil> {
        loop {
            if c.year > last_year {
                return None;
            }
            match self.month.next_from(c.month) {
                Some(m) if m == c.month => {}
                Some(m) => (c.month, c.day, c.hour, c.minute, c.second) = (m, 1, 0, 0, 0),
                None => {
                    (c.year, c.month, c.day, c.hour, c.minute, c.second) = (c.year.saturating_add(1), 1, 1, 0, 0, 0);
                    continue;
                }
            }
            if !self.day_matches(c) {
                c.next_day();
                continue;
            }
            match self.hour.next_from(c.hour) {
                Some(h) if h == c.hour => {}
                Some(h) => (c.hour, c.minute, c.second) = (h, 0, 0),
                None => {
                    c.next_day();
                    continue;
                }
            }
            match self.minute.next_from(c.minute) {
                Some(m) if m == c.minute => {}
                Some(m) => (c.minute, c.second) = (m, 0),
                None => {
                    c.next_hour();
                    continue;
                }
            }
            match self.second.next_from(c.second) {
                Some(s) => {
                    c.second = s;
                    return Some(c);
                }
                None => c.next_minute(),
            }
        }
    }

    /// Day of month and day of week: either one when both are restricted.
    fn day_matches(&self, c: Civil) -> bool {
        let by_day = self.day.has(c.day);
        let weekday = Date::new(c.year, c.month, c.day).map_or(0, |d| d.weekday().to_sunday_zero_offset());
        let by_weekday = self.weekday.has(weekday);
        match (self.day.all, self.weekday.all) {
            (false, false) => by_day || by_weekday,
            _ => by_day && by_weekday,
        }
    }
}
