//! What a silence write returns: the peer that took it, or why it did not happen, told
//! apart so that a write that may have been applied is never reported as failed.

use super::sanitize::{self, DISPLAY_MAX};

/// Why an action did not happen. The strings inside are sanitised; `Display` is one short
/// line for the status bar.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// The request itself was rejected (4xx): retrying elsewhere would not help.
    #[error("{}", line(&format!("Alertmanager rejected it ({status})"), short(message)))]
    Rejected { status: u16, message: String },
    /// No peer could take it: every one was down, timed out or answered 5xx. Lists each peer's
    /// reason.
    #[error("{}", line("no Alertmanager could take it", .0))]
    Unavailable(String),
    /// A 2xx answer to a read that we could not read.
    #[error("{}", line("unreadable answer from Alertmanager", .0))]
    Decode(String),
    /// A write that may have been applied: it was sent and no complete answer came, or the
    /// answer does not say it was refused. No other peer was tried.
    #[error("{}", line("outcome unknown (Alertmanager may have applied it)", reason))]
    Unknown {
        /// The URL it was sent to, without credentials.
        url: String,
        reason: String,
    },
}

/// Alertmanager's messages repeat what the action was; the status bar says it already.
fn short(message: &str) -> &str {
    ["Failed to create silence: ", "silence invalid: "]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .unwrap_or(message)
}

/// `what: detail` as one sanitised line of at most [`DISPLAY_MAX`] characters.
fn line(what: &str, detail: &str) -> String {
    let text = format!("{what}: {}", detail.split_whitespace().collect::<Vec<_>>().join(" "));
    let text = sanitize::clean(&text);
    if text.chars().count() <= DISPLAY_MAX {
        return text;
    }
    let mut cut: String = text.chars().take(DISPLAY_MAX - 1).collect();
    cut.push('…');
    cut
}

/// A write that happened, and the peer that took it.
#[derive(Debug, Clone, PartialEq)]
pub struct Written<T> {
    pub value: T,
    /// The peer's URL, without a trailing slash: the one that answered, or, when the answer
    /// was lost, the one the lookup found the silence on.
    pub peer: String,
    /// The URL the request was sent to, for the journal.
    pub url: String,
    /// Why the answer was lost, when the lookup found the silence afterwards.
    pub found_by_lookup: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_short_and_drops_the_repeated_prefix() {
        let past = ActionError::Rejected {
            status: 400,
            message: "Failed to create silence: end time can't be in the past".into(),
        };
        assert_eq!(past.to_string(), "Alertmanager rejected it (400): end time can't be in the past");
        let long = ActionError::Unavailable(format!("a: {}\nb", "x".repeat(500)));
        assert_eq!(long.to_string().chars().count(), DISPLAY_MAX);
        assert!(!long.to_string().contains('\n'));
        let decode = ActionError::Decode("truncated \x1b JSON".into());
        assert_eq!(decode.to_string(), "unreadable answer from Alertmanager: truncated ␛ JSON");
    }
}
