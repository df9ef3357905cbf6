use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// The next run of `cron` after `after`, in UTC, as RFC 3339 text ("none" when none).
fn next(cron: &str, after: &str) -> String {
    next_in(cron, after, &TimeZone::UTC)
}

fn next_in(cron: &str, after: &str, zone: &TimeZone) -> String {
    let schedule = Schedule::parse(cron).unwrap_or_else(|e| panic!("{cron}: {e}"));
    schedule.next_run(at(after), None, zone).map_or_else(|| "none".into(), |t| t.to_string())
}

/// The runs of `cron` one after another from `after`.
fn runs(cron: &str, after: &str, n: usize) -> Vec<String> {
    let schedule = Schedule::parse(cron).unwrap();
    let mut t = at(after);
    (0..n)
        .map(|_| {
            t = schedule.next_run(t, None, &TimeZone::UTC).unwrap();
            t.to_string()
        })
        .collect()
}

#[test]
fn every_quarter_hour_is_strictly_after_the_instant() {
    assert_eq!(next("*/15 * * * *", "2026-12-06T21:07:30Z"), "2026-12-06T21:15:00Z");
    assert_eq!(next("*/15 * * * *", "2026-12-06T21:15:00Z"), "2026-12-06T21:30:00Z");
    assert_eq!(next("*/15 * * * *", "2026-12-06T21:14:59.999Z"), "2026-12-06T21:15:00Z");
    assert_eq!(next("*/15 * * * *", "2026-12-06T23:50:00Z"), "2026-12-07T00:00:00Z");
    assert_eq!(next("* * * * *", "2026-12-06T21:07:30Z"), "2026-12-06T21:08:00Z");
}

#[test]
fn lists_ranges_and_ranges_with_steps() {
    assert_eq!(
        runs("10-30/10 8-18/5 * * *", "2026-12-06T00:00:00Z", 5),
        [
            "2026-12-06T08:10:00Z",
            "2026-12-06T08:20:00Z",
            "2026-12-06T08:30:00Z",
            "2026-12-06T13:10:00Z",
            "2026-12-06T13:20:00Z"
        ]
    );
    assert_eq!(next("10-30/10 8-18/5 * * *", "2026-12-06T18:30:00Z"), "2026-12-07T08:10:00Z");
    assert_eq!(
        runs("0,30 6,18 * * *", "2026-12-06T06:00:00Z", 3),
        ["2026-12-06T06:30:00Z", "2026-12-06T18:00:00Z", "2026-12-06T18:30:00Z"]
    );
    // `a/n` runs from a to the end of the field.
    assert_eq!(
        runs("50/5 * * * *", "2026-12-06T10:00:00Z", 3),
        ["2026-12-06T10:50:00Z", "2026-12-06T10:55:00Z", "2026-12-06T11:50:00Z"]
    );
}

#[test]
fn day_31_skips_the_months_without_one() {
    assert_eq!(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00Z");
    assert_eq!(next("0 0 31 * *", "2026-05-31T00:00:00Z"), "2026-07-31T00:00:00Z");
    assert_eq!(next("0 0 31 * *", "2026-12-31T00:00:00Z"), "2027-01-31T00:00:00Z");
}

#[test]
fn february_29_waits_for_a_leap_year_and_february_30_never_comes() {
    assert_eq!(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z");
    assert_eq!(next("0 0 29 2 *", "2028-02-29T00:00:00Z"), "2032-02-29T00:00:00Z");
    assert_eq!(next("0 0 30 2 *", "2026-03-01T00:00:00Z"), "none");
    assert_eq!(next("0 0 31 4,6,9,11 *", "2026-03-01T00:00:00Z"), "none");
}

#[test]
fn end_of_year_rolls_over() {
    assert_eq!(next("0 0 1 1 *", "2026-12-31T23:59:00Z"), "2027-01-01T00:00:00Z");
    assert_eq!(next("59 23 31 12 *", "2026-12-31T23:59:00Z"), "2027-12-31T23:59:00Z");
    assert_eq!(next("* * * * *", "2026-12-31T23:59:59Z"), "2027-01-01T00:00:00Z");
}

#[test]
fn either_day_field_matches_when_both_are_restricted() {
    // The 13th or any Friday (2026-12-11 is a Friday, 2026-12-13 a Sunday).
    assert_eq!(
        runs("0 12 13 * 5", "2026-12-06T00:00:00Z", 3),
        ["2026-12-11T12:00:00Z", "2026-12-13T12:00:00Z", "2026-12-18T12:00:00Z"]
    );
    // One field unrestricted: the other alone decides.
    assert_eq!(next("0 12 13 * *", "2026-12-06T00:00:00Z"), "2026-12-13T12:00:00Z");
    assert_eq!(next("0 12 * * 5", "2026-12-06T00:00:00Z"), "2026-12-11T12:00:00Z");
    assert_eq!(next("0 12 ? * 5", "2026-12-06T00:00:00Z"), "2026-12-11T12:00:00Z");
    // A step restricts: odd days or Mondays, so Monday the 14th runs too.
    assert_eq!(next("0 0 */2 * 1", "2026-12-13T00:00:00Z"), "2026-12-14T00:00:00Z");
    assert_eq!(next("0 0 */2 * 1", "2026-12-14T00:00:00Z"), "2026-12-15T00:00:00Z");
}

#[test]
fn month_and_weekday_names_and_sunday_as_seven() {
    // 2027-01-01 is a Friday.
    assert_eq!(next("0 9 * JAN-MAR MON-FRI", "2026-12-06T00:00:00Z"), "2027-01-01T09:00:00Z");
    assert_eq!(next("0 9 * jan-mar mon-fri", "2026-12-06T00:00:00Z"), "2027-01-01T09:00:00Z");
    assert_eq!(next("0 9 1 Jun *", "2026-12-06T00:00:00Z"), "2027-06-01T09:00:00Z");
    for sunday in ["0", "7", "SUN", "sun"] {
        assert_eq!(next(&format!("0 0 * * {sunday}"), "2026-12-06T00:00:00Z"), "2026-12-13T00:00:00Z");
    }
    assert_eq!(
        runs("0 0 * * 5-7", "2026-12-06T00:00:00Z", 4),
        ["2026-12-11T00:00:00Z", "2026-12-12T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"]
    );
    assert_eq!(runs("0 0 * * 0-7", "2026-12-06T00:00:00Z", 2), ["2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z"]);
}

#[test]
fn six_fields_have_seconds_first() {
    // Kubeflow Pipelines: `0 0 1 * * *` is 01:00:00 every day.
    assert_eq!(next("0 0 1 * * *", "2026-12-06T01:00:00Z"), "2026-12-07T01:00:00Z");
    assert_eq!(next("0 0 3 * * *", "2026-12-06T01:00:00Z"), "2026-12-06T03:00:00Z");
    assert_eq!(
        runs("*/20 * * * * *", "2026-12-06T12:00:05Z", 3),
        ["2026-12-06T12:00:20Z", "2026-12-06T12:00:40Z", "2026-12-06T12:01:00Z"]
    );
    assert_eq!(next("30 15 10 * * MON", "2026-12-06T00:00:00Z"), "2026-12-07T10:15:30Z");
}

#[test]
fn descriptors() {
    let after = "2026-12-06T21:07:00Z";
    assert_eq!(next("@hourly", after), "2026-12-06T22:00:00Z");
    assert_eq!(next("@daily", after), "2026-12-07T00:00:00Z");
    assert_eq!(next("@midnight", after), "2026-12-07T00:00:00Z");
    assert_eq!(next("@weekly", after), "2026-12-13T00:00:00Z");
    assert_eq!(next("@monthly", after), "2027-01-01T00:00:00Z");
    assert_eq!(next("@yearly", after), "2027-01-01T00:00:00Z");
    assert_eq!(next("@annually", "2027-01-01T00:00:00Z"), "2028-01-01T00:00:00Z");
    assert_eq!(next(" @Daily ", after), "2026-12-07T00:00:00Z");
}

#[test]
fn every_counts_on_from_the_previous_run() {
    let every = Schedule::parse("@every 1h30m").unwrap();
    assert_eq!(every, Schedule::Every(SignedDuration::from_mins(90)));
    let zone = TimeZone::UTC;
    let previous = Some(at("2026-12-06T20:00:00Z"));
    assert_eq!(every.next_run(at("2026-12-06T21:07:00Z"), previous, &zone), Some(at("2026-12-06T21:30:00Z")));
    // Missed intervals are passed over, keeping the phase.
    assert_eq!(every.next_run(at("2026-12-06T23:00:00Z"), previous, &zone), Some(at("2026-12-07T00:30:00Z")));
    // A start in the future: its first interval.
    assert_eq!(every.next_run(at("2026-12-06T19:00:00Z"), previous, &zone), Some(at("2026-12-06T21:30:00Z")));
    assert_eq!(every.next_run(at("2026-12-06T21:07:00Z"), None, &zone), None, "no previous run: not known");
    assert_eq!(Schedule::parse("@every 90s").unwrap(), Schedule::Every(SignedDuration::from_secs(90)));
    assert_eq!(Schedule::parse("@every 2h").unwrap(), Schedule::Every(SignedDuration::from_hours(2)));
    assert_eq!(next_interval(at("2026-12-06T20:00:00Z"), SignedDuration::ZERO, at("2026-12-06T21:00:00Z")), None);
}

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("the zone database has Europe/Berlin")
}

#[test]
fn a_time_zone_shifts_the_fields() {
    let zone = berlin();
    // 03:00 in Berlin is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST).
    assert_eq!(next_in("0 3 * * *", "2026-12-06T21:07:00Z", &zone), "2026-12-07T02:00:00Z");
    assert_eq!(next_in("0 3 * * *", "2026-07-06T21:07:00Z", &zone), "2026-07-07T01:00:00Z");
    // Already past 03:00 in Berlin though not yet in UTC terms of the day.
    assert_eq!(next_in("0 3 * * *", "2026-12-07T02:30:00Z", &zone), "2026-12-08T02:00:00Z");
    let tokyo = TimeZone::get("Asia/Tokyo").unwrap();
    assert_eq!(next_in("0 0 1 * *", "2026-12-06T00:00:00Z", &tokyo), "2026-12-31T15:00:00Z");
}

#[test]
fn a_time_skipped_by_spring_forward_is_skipped() {
    let zone = berlin();
    // 2027-03-28: at 02:00 CET clocks go to 03:00 CEST; 02:30 does not exist that day.
    assert_eq!(next_in("30 2 * * *", "2027-03-27T12:00:00Z", &zone), "2027-03-29T00:30:00Z");
    // Hourly: 01:00 CET (00:00 UTC) is followed by 03:00 CEST (01:00 UTC).
    assert_eq!(next_in("0 * * * *", "2027-03-28T00:00:00Z", &zone), "2027-03-28T01:00:00Z");
    assert_eq!(next_in("0 3 * * *", "2027-03-27T12:00:00Z", &zone), "2027-03-28T01:00:00Z");
}

#[test]
fn a_time_repeated_by_fall_back_runs_once() {
    let zone = berlin();
    // 2026-10-25: at 03:00 CEST clocks go back to 02:00 CET; 02:30 happens twice.
    assert_eq!(next_in("30 2 * * *", "2026-10-24T12:00:00Z", &zone), "2026-10-25T00:30:00Z");
    assert_eq!(next_in("30 2 * * *", "2026-10-25T00:30:00Z", &zone), "2026-10-26T01:30:00Z");
    // Every quarter hour goes on after the repeated hour without repeating it.
    assert_eq!(next_in("*/15 * * * *", "2026-10-25T00:45:00Z", &zone), "2026-10-25T02:00:00Z");
    assert_eq!(next_in("*/15 * * * *", "2026-10-25T01:20:00Z", &zone), "2026-10-25T02:00:00Z");
}

#[test]
fn invalid_crons_are_errors_not_panics() {
    let invalid = [
        "",
        "* * * *",
        "* * * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "0 0 0 * *",
        "0 0 32 * *",
        "0 0 * 13 *",
        "0 0 * 0 *",
        "0 0 * * 8",
        "*/0 * * * *",
        "*/x * * * *",
        "5-1 * * * *",
        "0 0 * * FRI-MON",
        "1,,2 * * * *",
        "-1 * * * *",
        "1- * * * *",
        "+1 * * * *",
        "99999999999 * * * *",
        "a b c d e",
        "😀 * * * *",
        "0 0 * FEBRUARY *",
        "@sometimes",
        "@every",
        "@every ",
        "@every 0s",
        "@every 5x",
        "@every h",
        "@every 1.5h",
        "@every -1h",
        "@every 99999999999999999999h",
        "@everyday",
    ];
    for cron in invalid {
        assert!(Schedule::parse(cron).is_err(), "{cron:?} should not parse");
    }
    assert_eq!(
        Schedule::parse("61 * * * *").unwrap_err(),
        "minute field: 61 is out of 0-59",
        "the error names the field"
    );
}

#[test]
fn the_search_is_bounded_and_cheap() {
    // A schedule that never matches gives up after the years it may look at.
    let never = Schedule::parse("0 0 31 2 *").unwrap();
    assert_eq!(never.next_run(at("2026-12-06T00:00:00Z"), None, &TimeZone::UTC), None);
    // Near the end of the calendar there is no next time, and no overflow.
    assert_eq!(next("* * * * *", "9999-12-30T22:00:00Z"), "none");
    assert_eq!(next("* * * * * *", "9999-12-30T21:59:59Z"), "9999-12-30T22:00:00Z");
    assert_eq!(next("0 0 29 2 *", "9998-03-01T00:00:00Z"), "none");
}

#[test]
fn the_earliest_of_several_crons_and_unparseable_ones_pass() {
    let now = at("2026-12-06T21:07:00Z");
    let crons = ["0 3 * * *", "not a cron", "30 21 * * *"];
    assert_eq!(earliest_next(&crons, now, None, &TimeZone::UTC), Some(at("2026-12-06T21:30:00Z")));
    assert_eq!(earliest_next(&["nope"], now, None, &TimeZone::UTC), None);
    assert_eq!(earliest_next::<&str>(&[], now, None, &TimeZone::UTC), None);
}

/// Every combination of awkward field texts parses or is refused, and a next time, when
/// there is one, comes after the instant and matches again from just before it.
#[test]
fn combinations_of_odd_fields_never_panic() {
    let tokens = ["*", "*/7", "0", "31", "7", "5-1", "2-30/13", "FEB", "?,3", ""];
    let zone = berlin();
    let now = at("2027-03-28T00:30:00Z");
    let mut parsed = 0;
    for a in tokens {
        for b in tokens {
            for c in tokens {
                let cron = format!("{a} {b} {c} {b} {a}");
                let Ok(schedule) = Schedule::parse(&cron) else { continue };
                parsed += 1;
                if let Some(next) = schedule.next_run(now, None, &zone) {
                    assert!(next > now, "{cron}: {next}");
                    let again = schedule.next_run(next - SignedDuration::from_secs(1), None, &zone);
                    assert_eq!(again, Some(next), "{cron}");
                }
            }
        }
    }
    assert!(parsed > 100, "{parsed}");
}
