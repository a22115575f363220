//! The message line: at most one message, and it belongs to the user action it answers.
//!
//! Every key or click that does something begins a new action, and beginning one ends the
//! message of the one before. A message therefore never outlives the action that made it
//! ("no match" is gone once the next search is typed, a cancelled confirmation once the
//! cursor moves), without any message having to know which later action replaces it. A
//! result arriving from the worker speaks in the action current when it arrives: it is
//! news then, and the next key ends it like any other.

/// How a message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral.
    Info,
    /// Success.
    Ok,
    /// Rejection or failure.
    Error,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How it is shown.
    pub level: Level,
    /// What it says.
    pub text: String,
}

/// The message line's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Status {
    /// User actions begun so far.
    action: u64,
    /// The message, with the action it was said in.
    said: Option<(u64, Message)>,
}

impl Status {
    /// A key or a click that does something: the previous action's message ends here.
    pub fn begin_action(&mut self) {
        self.action += 1;
    }

    /// Says `text` for the current action, replacing whatever it said before.
    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        self.said = Some((self.action, Message { level, text }));
    }

    /// Takes back the current action's message (an answer arrived that the message was
    /// waiting for, such as "resolving…" when the confirmation shows).
    pub fn clear(&mut self) {
        self.said = None;
    }

    /// The message to show: the current action's, if it said one.
    pub fn current(&self) -> Option<&Message> {
        match &self.said {
            Some((action, message)) if *action == self.action => Some(message),
            _ => None,
        }
    }
}
