//! The pieces of the console's forms that shell commands share: the acknowledge form filled
//! with given matchers, the un-acknowledge confirmation for several alerts, the rollback plan
//! and its refusals, and the blockers of the rollback and retraining forms.

mod common;

use jiff::SignedDuration;
use modeldeck::app::{
    AckForm, EnvironmentInfo, RetrainBlocker, RetrainForm, RollbackBlocker, RollbackForm, Target, rollback_plan,
    unack_confirm,
};
use modeldeck::domain::{ActionRequest, AlertState, Matcher, Severity};
use modeldeck::domain::{ModelVersion, RegisteredModel, RetrainTarget, RollbackSpec, SpecBackend, VersionsSnapshot};
use modeldeck::domain::{Silence, SilenceState};

fn environment(production: bool) -> EnvironmentInfo {
    EnvironmentInfo { name: "prod-eu".into(), production, read_only: false, registry: true }
}

#[test]
fn an_ack_form_with_given_matchers_sends_exactly_them() {
    let alert = common::alert("ModelAccuracyLow", Severity::Critical, "fraud", AlertState::Active, 60);
    let matchers = vec![
        Matcher::equal("alertname", "ModelAccuracyLow"),
        Matcher { name: "pod".into(), value: "fraud-.*".into(), is_regex: true, is_equal: true },
    ];
    let form = AckForm::with_matchers(alert, matchers.clone(), "90m", "  retraining tonight ");
    assert_eq!(form.problem(), None);
    let now = common::now();
    let request = form.request(now, "alice@ops-1").expect("a request");
    assert_eq!(request.matchers, matchers);
    assert_eq!(request.ends_at, now + SignedDuration::from_mins(90));
    assert_eq!((request.created_by.as_str(), request.comment.as_str()), ("alice@ops-1", "retraining tonight"));

    let alert = common::alert("ModelAccuracyLow", Severity::Critical, "fraud", AlertState::Active, 60);
    let too_long = AckForm::with_matchers(alert.clone(), matchers.clone(), "31d", "why");
    assert_eq!(too_long.problem().as_deref(), Some("duration: at most 30d"));
    assert!(too_long.request(now, "a").is_none(), "no request while the form has a problem");
    let no_matchers = AckForm::with_matchers(alert, Vec::new(), "1h", "why");
    assert_eq!(no_matchers.problem().as_deref(), Some("keep at least one matcher"));
}

#[test]
fn unack_of_several_alerts_expires_each_silence_once() {
    let silenced = |fingerprint: &str, ids: &[&str]| {
        let mut alert = common::alert("ModelDriftHigh", Severity::Warning, "fraud", AlertState::Silenced, 60);
        alert.fingerprint = fingerprint.into();
        alert.silenced_by = ids.iter().map(|s| s.to_string()).collect();
        alert
    };
    let alerts = vec![
        common::alert("ModelDriftHigh", Severity::Warning, "fraud", AlertState::Active, 60),
        silenced("fp-1", &["s-1", "s-2"]),
        silenced("fp-2", &["s-2", "s-3"]),
    ];
    let silence = Silence {
        id: "s-2".into(),
        matchers: vec![Matcher::equal("model", "fraud")],
        starts_at: common::now(),
        ends_at: common::now() + SignedDuration::from_hours(1),
        created_by: "bob@ops-2".into(),
        comment: "muting fraud".into(),
        state: SilenceState::Active,
        updated_at: None,
    };
    let confirm = unack_confirm(Target::default(), &alerts, &[silence]).expect("something to expire");
    assert_eq!(confirm.lines[0], "Expire 3 silence(s) muting ModelDriftHigh on fraud and 1 more alert(s):");
    assert_eq!(confirm.lines[2], r#"  s-2  by bob@ops-2  "muting fraud"  model="fraud""#);
    let Some(ActionRequest::ExpireSilences { ids, alert: Some(alert), silence: None }) = confirm.request else {
        panic!("an expiry: {:?}", confirm.request)
    };
    assert_eq!(ids, ["s-1", "s-2", "s-3"]);
    assert_eq!(alert.fingerprint, "fp-1", "the entry is about the first silenced alert");
    assert!(unack_confirm(Target::default(), &alerts[..1], &[]).is_none(), "nothing silenced, nothing to do");
}

fn snapshot(allow_override: bool) -> VersionsSnapshot {
    let version = |v: &str, validation: &str| ModelVersion {
        version: v.into(),
        tags: vec![("validation_status".into(), validation.into())],
        ..ModelVersion::default()
    };
    VersionsSnapshot {
        model: "fraud".into(),
        registered: Some(RegisteredModel {
            name: "fraud".into(),
            versions: vec![version("3", "approved"), version("2", "approved"), version("1", "pending")],
            ..RegisteredModel::default()
        }),
        live: Some("3".into()),
        spec: Some(RollbackSpec {
            backend: SpecBackend::Mlflow { registry: "http://127.0.0.1:5000".into() },
            registered_model: "fraud".into(),
            alias: "champion".into(),
            validation_tag: "validation_status".into(),
            validated_values: vec!["approved".into()],
            allow_override,
        }),
        ..VersionsSnapshot::default()
    }
}

#[test]
fn the_rollback_plan_refuses_what_the_versions_screen_refuses() {
    let refused =
        |s: &VersionsSnapshot, target: Option<&str>| rollback_plan(s, "fraud", target, "prod-eu").unwrap_err();
    assert_eq!(refused(&snapshot(false), Some("3")), "version 3 is already live");
    assert_eq!(refused(&snapshot(false), Some("9")), "the registry has no version 9 of fraud");
    assert_eq!(refused(&snapshot(false), None), "no version is selected");
    assert_eq!(
        refused(&snapshot(false), Some("1")),
        "refused: version 1 is not validated (validation_status = pending); overrides are off in [governance]"
    );
    assert_eq!(refused(&VersionsSnapshot::default(), Some("2")), "no rollback is configured for fraud");

    let plan = rollback_plan(&snapshot(false), "fraud", Some("2"), "prod-eu").unwrap();
    assert_eq!((plan.current.as_deref(), plan.target.as_str(), plan.validated), (Some("3"), "2", true));
    assert!(plan.request[0].starts_with("POST http://127.0.0.1:5000/api/2.0/mlflow/registered-models/alias"));
}

#[test]
fn the_rollback_form_names_every_blocker_in_order() {
    let plan = rollback_plan(&snapshot(true), "fraud", Some("1"), "prod-eu").unwrap();
    let mut form = RollbackForm::new(&environment(true), None, plan);
    let all = [RollbackBlocker::Note, RollbackBlocker::Unconfirmed, RollbackBlocker::Unvalidated];
    assert_eq!(form.blockers(), all);
    assert_eq!(form.blocker().as_deref(), Some("write a change note (why this rollback)"));
    form.plan.note = "v2 and v3 bad".into();
    form.confirm = " fraud ".into();
    assert_eq!(form.blockers(), [RollbackBlocker::Unvalidated]);
    form.plan.override_validation = true;
    assert_eq!(form.blocker(), None);
}

#[test]
fn the_retrain_form_names_every_blocker_and_orders_the_trimmed_note() {
    let target = Target { environment: "prod-eu".into(), model: Some("fraud".into()), version: None, alert: None };
    let no_model = Target { model: None, ..target.clone() };
    let now = common::now();
    assert!(RetrainForm::new(no_model, RetrainTarget::demo(), &environment(true), "alice", now).is_none());
    let mut form = RetrainForm::new(target, RetrainTarget::demo(), &environment(true), "alice", now).unwrap();
    assert_eq!(form.blockers(), [RetrainBlocker::Note, RetrainBlocker::Unconfirmed]);
    form.request.note = "  drift on amount ".into();
    form.confirm = "fraud".into();
    assert_eq!(form.blocker(), None);
    let order = form.order();
    assert_eq!((order.request.note.as_str(), order.request.author.as_str()), ("drift on amount", "alice"));
    assert_eq!((order.automatic, order.alert), (None, None));
}
