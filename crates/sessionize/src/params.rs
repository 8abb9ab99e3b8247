//! Parameters given as JSON: Exchange's `[{"Name": .., "Value": ..}]` lists and CloudTrail-style objects.

use std::borrow::Cow;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct NameValue<'a> {
    #[serde(rename = "Name", borrow)]
    name: Cow<'a, str>,
    #[serde(rename = "Value", borrow, default)]
    value: Option<&'a RawValue>,
}

/// A JSON object as (key, raw value) pairs in document order (a repeated key
/// appears twice): how every JSON object in anomseq is read, so that order is kept
/// without `serde_json`'s `preserve_order` feature.
///
/// ```
/// let p: anomseq_sessionize::JsonPairs<'_> = serde_json::from_str(r#"{"b": 1, "a": "x"}"#).unwrap();
/// assert_eq!(p.0.iter().map(|(k, v)| (k.as_str(), v.get())).collect::<Vec<_>>(), [("b", "1"), ("a", "\"x\"")]);
/// ```
#[derive(Debug)]
pub struct JsonPairs<'a>(pub Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for JsonPairs<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = JsonPairs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonPairs<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, &'de RawValue>()? {
                    out.push((k, v));
                }
                Ok(JsonPairs(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A raw JSON value as a param value: strings unquoted, null empty, others compact JSON.
fn value_text(raw: Option<&RawValue>) -> Result<Cow<'_, str>, String> {
    let Some(raw) = raw else { return Ok(Cow::Borrowed("")) };
    let t = raw.get().trim();
    if t == "null" {
        return Ok(Cow::Borrowed(""));
    }
    if t.starts_with('"') {
        let s: Cow<'_, str> = serde_json::from_str(t).map_err(|e| e.to_string())?;
        return Ok(s);
    }
    compact_json(t).map(Cow::Owned)
}

/// Valid JSON text without its insignificant white space, every number kept
/// exactly as written (never through `f64`: two 30-digit ids stay two) and
/// every string in serde_json's canonical escaping. The text of a non-string
/// value wherever one becomes a key, a command or a value.
///
/// ```
/// use anomseq_sessionize::compact_json;
/// assert_eq!(compact_json(" [ 123456789012345678901234567890 , 1.50, \"\\u0041\" ] ").unwrap(),
///            "[123456789012345678901234567890,1.50,\"A\"]");
/// assert_eq!(compact_json("{\"a\": {\"b\": true}}").unwrap(), "{\"a\":{\"b\":true}}");
/// ```
pub fn compact_json(text: &str) -> Result<String, String> {
    // the grammar is checked by serde first, so the scan below only separates tokens
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| e.to_string())?;
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'"' => {
                let start = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                let s: String = serde_json::from_str(&text[start..i]).map_err(|e| e.to_string())?;
                out.push_str(&serde_json::to_string(&s).map_err(|e| e.to_string())?);
            }
            _ => {
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r' | b'"') {
                    i += 1;
                }
                out.push_str(&text[start..i]);
            }
        }
    }
    Ok(out)
}

/// Parse the params of one cell. `Ok(false)` when the JSON is `null`.
pub(crate) fn parse_name_value_list<'a>(
    text: &'a str,
    with_values: bool,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<(), String> {
    let list: Option<Vec<NameValue<'a>>> = serde_json::from_str(text)
        .map_err(|e| format!("expected a JSON list of {{\"Name\": .., \"Value\": ..}} objects ({e})"))?;
    for nv in list.unwrap_or_default() {
        let v = if with_values { value_text(nv.value)? } else { Cow::Borrowed("") };
        out.push((nv.name, v));
    }
    Ok(())
}

/// Parse a JSON object cell into (name, value text) pairs.
pub(crate) fn parse_json_object<'a>(
    text: &'a str,
    with_values: bool,
    out: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
) -> Result<(), String> {
    let obj: Option<JsonPairs<'a>> =
        serde_json::from_str(text).map_err(|e| format!("expected a JSON object of parameters ({e})"))?;
    for (k, raw) in obj.map(|p| p.0).unwrap_or_default() {
        let v = if with_values { value_text(Some(raw))? } else { Cow::Borrowed("") };
        out.push((Cow::Owned(k), v));
    }
    Ok(())
}
