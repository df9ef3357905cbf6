//! Other operators in the app: the journal followed while the console runs, the header
//! notice when someone else acts in this environment, and what each confirmation shows of
//! their recent and in-flight work on its model.

use jiff::{SignedDuration, Timestamp};

use super::{App, Modal};
use crate::domain::team::{self, TeamContext};
use crate::domain::{Kind, Outcome};
use crate::journal::{Entry, Followed};

/// How long the header names another operator's action.
pub const NOTICE_FOR: SignedDuration = SignedDuration::from_mins(2);

/// Another operator's action, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamNotice {
    /// "bob@ops-2 rolled back fraud 3 → 2".
    pub text: String,
    pub at: Timestamp,
}

impl App {
    /// Recent and in-flight actions of others on `model`, from the journal as followed.
    pub fn team_context(&self, model: &str) -> TeamContext {
        let environment = &self.environment_info().name;
        let entries = &self.journal.entries;
        TeamContext {
            in_flight: team::in_flight(entries, environment, model, &self.settings.author, self.now),
            recent: team::recent_actions(entries, environment, model, self.now),
        }
    }

    /// The notice while it is fresh.
    pub fn team_notice(&self) -> Option<&TeamNotice> {
        self.team_notice.as_ref().filter(|n| self.now.duration_since(n.at) < NOTICE_FOR)
    }

    /// Entries the follower read since last time: new ones join the journal view (those
    /// this console already holds are skipped), and another operator's action in this
    /// environment shows in the header and in any open confirmation.
    pub(super) fn on_journal_followed(&mut self, followed: Followed) {
        if followed.reset {
            self.journal.load(followed.entries);
            self.refresh_team_in_forms();
            return;
        }
        let fresh: Vec<Entry> = followed.entries.into_iter().filter(|e| !self.journal.holds(e)).collect();
        if fresh.is_empty() {
            return;
        }
        let environment = self.environment_info().name.clone();
        for entry in &fresh {
            let action = matches!(entry.kind, Kind::Ack | Kind::Unack | Kind::Rollback | Kind::Retrain);
            let other = entry.author != self.settings.author && entry.environment == environment;
            if action && other && !matches!(entry.result, Outcome::Suppressed { .. }) {
                let at = entry.ts.parse().unwrap_or(self.now);
                self.team_notice = Some(TeamNotice { text: team::describe(entry), at });
            }
        }
        self.journal.extend(fresh);
        self.refresh_team_in_forms();
    }

    /// An open form sees others' actions that began after it opened.
    fn refresh_team_in_forms(&mut self) {
        let model = match &self.modal {
            Some(Modal::Rollback(form)) => form.plan.model.clone(),
            Some(Modal::Retrain(form)) => form.request.model.clone(),
            Some(Modal::Ack(form)) => match &form.alert.model {
                Some(model) => model.clone(),
                None => return,
            },
            _ => return,
        };
        let context = self.team_context(&model);
        match &mut self.modal {
            Some(Modal::Rollback(form)) => form.team = context,
            Some(Modal::Retrain(form)) => form.team = context,
            Some(Modal::Ack(form)) => form.recent = context.recent,
            _ => {}
        }
    }

    /// Fills in a form that just opened.
    pub(super) fn with_team(&mut self) {
        self.refresh_team_in_forms();
    }
}
