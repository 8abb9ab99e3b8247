//! The only doors through which data strings reach a page: escaped text and JSON data.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Escape text for HTML element content and quoted attribute values:
/// `&`, `<`, `>`, `"` and `'` become character references, so the text can never
/// open a tag, close an element or end an attribute.
///
/// Plotly's labels understand a few tags and decode character references, so the
/// same escaping makes a string show literally in a tooltip.
///
/// ```
/// assert_eq!(anomseq_viz::escape_html("<img src=x onerror='a()'>&"), "&lt;img src=x onerror=&#39;a()&#39;&gt;&amp;");
/// assert_eq!(anomseq_viz::escape_html("a\u{202e}b\u{1b}[2J"), "a\\u{202e}b\\u{1b}[2J");
/// ```
pub fn escape_html(text: &str) -> Cow<'_, str> {
    // control characters and bidi overrides shown as `\u{..}`, as in the terminal
    let text = anomseq_core::printable(text);
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Make JSON text safe inside an HTML `<script type="application/json">` element:
/// `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX` escapes, so no string
/// can end the element (`</script>`), open a comment (`<!--`) or break a line in
/// JavaScript. `JSON.parse` gives back the very same strings.
///
/// The input must be valid JSON (these characters can only occur inside strings).
///
/// ```
/// let json = serde_json::to_string("</script>\u{2028}").unwrap();
/// assert_eq!(anomseq_viz::json_for_script(&json), r#""\u003c/script\u003e\u2028""#);
/// ```
pub fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The CSP source expression that allows one inline script: `'sha256-…'`.
pub(crate) fn script_hash(script: &str) -> String {
    let digest = Sha256::digest(script.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// Truncate to at most `max` characters, marking the cut with `…`.
pub(crate) fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((at, _)) => {
            let mut out = String::with_capacity(at + 3);
            let _ = write!(out, "{}…", &text[..at]);
            Cow::Owned(out)
        }
    }
}
