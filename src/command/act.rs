//! Sending a confirmed request from a shell: the console's action runner, once, as its own
//! task. Ctrl-C, SIGTERM or SIGHUP meanwhile is handled as the console handles quitting with
//! an action in flight: it gets the grace period to finish and journal its own result, and
//! one that does not is stopped and journaled as `unknown`.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;

use super::VIA;
use crate::actions::inflight::{self, InFlight};
use crate::actions::run::{self, ActionContext};
use crate::domain::{ActionOutcome, ActionReport, ActionRequest, ReportKind};

pub async fn act(request: ActionRequest, ctx: ActionContext) -> ActionReport {
    let (tx, rx) = oneshot::channel();
    let task_ctx = ctx.clone();
    let sent = request.clone();
    let handle = tokio::spawn(async move {
        let _ = tx.send(run::run_via(sent, &task_ctx, Some(VIA)).await);
    });
    let mut in_flight = InFlight::new(handle, &request, &ctx);
    in_flight.interrupted = in_flight.interrupted.map(|draft| run::marked(draft, VIA));
    let interrupted = in_flight.interrupted.clone();
    let mut rx = rx;
    let (report, stopped) = tokio::select! {
        report = &mut rx => (report.ok(), false),
        () = stop_signal() => {
            inflight::finish(vec![in_flight], inflight::grace()).await;
            (rx.try_recv().ok(), true)
        }
    };
    if let Some(report) = report {
        return report;
    }
    // Stopped by a signal (`finish` journaled it), or its task died before it could journal.
    let mut entry = None;
    if let (Some(journal), Some(draft), false) = (ctx.journal.clone(), interrupted, stopped) {
        entry = tokio::task::spawn_blocking(move || journal.append(draft)).await.ok().and_then(Result::ok);
    }
    ActionReport {
        kind: ReportKind::Other,
        started: None,
        ok: false,
        outcome: ActionOutcome::Unknown,
        message: "modeldeck stopped before the action finished; check the outside system before trying again".into(),
        entry,
        read_back: None,
    }
}

/// The first of SIGINT, SIGTERM and SIGHUP; never, if they cannot be watched.
async fn stop_signal() {
    let watch = |kind| signal(kind).ok();
    let (mut int, mut term, mut hup) =
        (watch(SignalKind::interrupt()), watch(SignalKind::terminate()), watch(SignalKind::hangup()));
    let next = |s: &mut Option<tokio::signal::unix::Signal>| {
        let s = s.take();
        async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
    };
    tokio::select! {
        () = next(&mut int) => {}
        () = next(&mut term) => {}
        () = next(&mut hup) => {}
    }
}
