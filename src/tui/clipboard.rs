//! The clipboard by OSC 52: the terminal, not the debugger, puts the text on it, so it
//! works over SSH and needs no display server. The terminal layer writes the sequence.

use base64::Engine;

/// The OSC 52 sequence that puts `text` on the clipboard: `ESC ] 52 ; c ; <base64> BEL`.
pub fn osc52(text: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{data}\x07")
}

/// A stored event as one JSON object, `{"payload":…,"metadata":…}`, each part the text
/// exactly as stored; a part that is not JSON (a corrupt event) goes in as a JSON string.
pub fn stored_event(payload: &str, metadata: &str) -> String {
    let part = |text: &str| match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => text.trim().to_string(),
        Err(_) => serde_json::Value::String(text.to_string()).to_string(),
    };
    format!(
        "{{\"payload\":{},\"metadata\":{}}}",
        part(payload),
        part(metadata)
    )
}
