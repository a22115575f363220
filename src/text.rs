//! Text from the store made safe for a terminal.

use std::fmt::Write as _;

/// Escapes control characters so stored text can never drive the terminal.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .fold(String::with_capacity(s.len() + 8), |mut out, c| {
            if c.is_control() {
                let _ = write!(out, "{}", c.escape_default());
            } else {
                out.push(c);
            }
            out
        })
}
