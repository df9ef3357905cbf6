//! What consoles sharing a journal know of each other, from its entries alone: recent
//! actions on a model, actions in flight, automatic claims decided under the journal's lock
//! by concurrent handles (threads with their own handles, on a file and on a real
//! PostgreSQL; the end-to-end test runs real consoles), and the follower's reads of what others append.

mod harness;

use std::sync::{Arc, Barrier};

use jiff::{SignedDuration, Timestamp};
use modeldeck::domain::Secret;
use modeldeck::domain::team::{self, Claim, ClaimDecision};
use modeldeck::journal::{Draft, Entry, Head, Journal, Kind, Location, Outcome, Subject};
use serde_json::json;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn entry(seq: u64, author: &str, kind: Kind, result: Outcome, secs: i64) -> Entry {
    Entry {
        v: 1,
        seq,
        id: format!("id-{seq}"),
        ts: at(secs).to_string(),
        author: author.into(),
        environment: "prod".into(),
        kind,
        subject: Subject { model: Some("fraud".into()), version: Some("2".into()), ..Subject::default() },
        note: String::new(),
        request: None,
        before: Some(json!({ "version": "3" })),
        after: None,
        result,
        demo: false,
        prev: String::new(),
        hash: format!("h{seq}"),
    }
}

fn with_request(mut e: Entry, request: serde_json::Value) -> Entry {
    e.request = Some(request);
    e
}

#[test]
fn recent_actions_name_who_did_what_and_when_newest_first() {
    let entries = vec![
        entry(1, "bob@ops-2", Kind::Rollback, Outcome::Ok, 0),
        entry(2, "carol@ops-1", Kind::Note, Outcome::Ok, 30),
        entry(3, "alice@ops-1", Kind::Retrain, Outcome::Failed { error: "503".into() }, 60),
    ];
    let recent = team::recent_actions(&entries, "prod", "fraud", at(180));
    assert_eq!(
        recent,
        vec!["alice@ops-1's retraining of fraud failed, 2 min ago", "bob@ops-2 rolled back fraud 3 → 2, 3 min ago"]
    );
    // Another environment, another model, or a day old: not listed.
    assert!(team::recent_actions(&entries, "staging", "fraud", at(180)).is_empty());
    assert!(team::recent_actions(&entries, "prod", "churn", at(180)).is_empty());
    assert!(team::recent_actions(&entries, "prod", "fraud", at(0) + SignedDuration::from_hours(25)).is_empty());
}

#[test]
fn an_action_is_in_flight_from_its_started_entry_until_its_result_names_it() {
    let started = entry(1, "bob@ops-2", Kind::Rollback, Outcome::Started, 0);
    let mut entries = vec![started.clone()];
    let flying = team::in_flight(&entries, "prod", "fraud", "alice@ops-1", at(40));
    assert_eq!(flying.len(), 1);
    assert_eq!(flying[0].describe(at(40)), "bob@ops-2's rollback of fraud 3 → 2 is in flight (started 40 s ago)");
    // The author's own action does not block them.
    assert!(team::in_flight(&entries, "prod", "fraud", "bob@ops-2", at(40)).is_empty());
    // A started entry left by a killed process stops blocking after a while.
    assert!(team::in_flight(&entries, "prod", "fraud", "alice@ops-1", at(0) + team::IN_FLIGHT_FOR).is_empty());
    // Its result ends it.
    entries.push(with_request(entry(2, "bob@ops-2", Kind::Rollback, Outcome::Ok, 50), json!({ "started": "id-1" })));
    assert!(team::in_flight(&entries, "prod", "fraud", "alice@ops-1", at(60)).is_empty());
}

fn claim(occurrence: &str) -> Claim {
    Claim {
        occurrence: occurrence.into(),
        rule: "runbook rule 1 (ModelDriftHigh)".into(),
        model: "fraud".into(),
        rate_limit: SignedDuration::from_hours(6),
    }
}

#[test]
fn a_claim_is_free_taken_or_held_by_the_rate_limit_as_the_journal_says() {
    let first = claim("0|fp|t1");
    assert_eq!(team::claim_decision(&[], &first, "prod", at(0)), ClaimDecision::Free);
    let claimed =
        with_request(entry(1, "alice@ops-1", Kind::Retrain, Outcome::Started, 0), json!({ "claim": first.to_json() }));
    let entries = vec![claimed];
    assert_eq!(
        team::claim_decision(&entries, &first, "prod", at(10)),
        ClaimDecision::Claimed { by: "alice@ops-1".into() }
    );
    // A new occurrence of the same rule on the same model, inside the rate limit.
    let again = claim("0|fp|t2");
    assert_eq!(
        team::claim_decision(&entries, &again, "prod", at(60)),
        ClaimDecision::Limited { until: at(0) + SignedDuration::from_hours(6) }
    );
    assert_eq!(team::claim_decision(&entries, &again, "prod", at(7 * 3600)), ClaimDecision::Free);
    // Other environments keep their own claims.
    assert_eq!(team::claim_decision(&entries, &first, "staging", at(10)), ClaimDecision::Free);
}

/// Four handles on one journal (as four consoles have) claim one occurrence at once.
fn claim_race(open: impl Fn() -> Journal + Send + Sync + 'static) -> Journal {
    let open = Arc::new(open);
    let barrier = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (open, barrier) = (open.clone(), barrier.clone());
            std::thread::spawn(move || {
                let journal = open();
                let c = claim("0|fp|t1");
                barrier.wait();
                journal
                    .append_if(move |entries| {
                        (team::claim_decision(entries, &c, "prod", Timestamp::now()) == ClaimDecision::Free).then(
                            || {
                                let subject = Subject { model: Some("fraud".into()), ..Subject::default() };
                                Draft::by(&format!("console-{i}"), "prod", Kind::Retrain, subject, "automatic")
                                    .request(json!({ "claim": c.to_json() }))
                                    .result(Outcome::Started)
                            },
                        )
                    })
                    .unwrap()
                    .is_some()
            })
        })
        .collect();
    let won = threads.into_iter().map(|t| t.join().unwrap()).filter(|won| *won).count();
    assert_eq!(won, 1, "exactly one console claims the occurrence");
    open()
}

#[test]
fn concurrent_claims_on_one_occurrence_append_exactly_one_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = claim_race(move || Journal::open(&path).unwrap().0);
    assert_eq!(journal.read_all().unwrap().len(), 1);
}

#[test]
fn concurrent_claims_through_postgresql_append_exactly_one_row() {
    let pg = harness::Postgres::start();
    let location = Location::Postgres(Secret::new(pg.url_with_password("claim-pw")));
    let journal = claim_race(move || Journal::connect(&location).unwrap().0);
    let entries = journal.read_all().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].result, Outcome::Started);
}

#[test]
fn the_follower_reads_only_what_was_appended_and_starts_over_after_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let (journal, _) = Journal::open(&path).unwrap();
    let note = |text: &str| Draft::note("bob", "prod", Subject::default(), text);
    journal.append(note("one")).unwrap();
    let (first, seen) = journal.follow(&Head::empty()).unwrap();
    assert_eq!((first.entries.len(), first.reset), (1, false));
    let (nothing, same) = journal.follow(&seen).unwrap();
    assert!(nothing.entries.is_empty() && !nothing.reset && same == seen, "nothing new");
    // Another process appends.
    let (other, _) = Journal::open(&path).unwrap();
    other.append(note("two")).unwrap();
    other.append(note("three")).unwrap();
    let (next, seen) = journal.follow(&seen).unwrap();
    assert_eq!(next.entries.iter().map(|e| e.note.as_str()).collect::<Vec<_>>(), ["two", "three"]);
    assert!(!next.reset);
    assert_eq!(seen, journal.head().unwrap());
    // The file cut shorter than what was read: everything again, marked as a reset.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.lines().next().unwrap().to_string() + "\n").unwrap();
    let (cut, _) = journal.follow(&seen).unwrap();
    assert!(cut.reset);
    assert_eq!(cut.entries.len(), 1);
}
