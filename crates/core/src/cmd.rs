//! One event: `Cmd` (a command name with optional params) and `Params`, in the oracle's JSON encoding.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The parameters of an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Params {
    /// A bare command name: no parameters at all (the commands session type).
    #[default]
    None,
    /// A set of parameter names, in first-given order, without repeats.
    Set(Vec<String>),
    /// A map parameter → value, in first-given order, without repeated names.
    Map(Vec<(String, String)>),
}

impl Params {
    /// Number of parameters (0 for [`Params::None`]).
    pub fn len(&self) -> usize {
        match self {
            Params::None => 0,
            Params::Set(s) => s.len(),
            Params::Map(m) => m.len(),
        }
    }

    /// True when there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One event of a session: a command name and its parameters.
///
/// In JSON (the encoding of msticpy's oracle files) an event is a string
/// (commands type), `{"name": .., "params": [..]}` (params type) or
/// `{"name": .., "params": {..}}` (values type).
///
/// ```
/// use anomseq_core::Cmd;
/// let c: Cmd = serde_json::from_str(r#"{"name":"Set-User","params":{"Identity":"x","Force":"true"}}"#).unwrap();
/// assert_eq!(c, Cmd::with_values("Set-User", [("Identity", "x"), ("Force", "true")]));
/// assert_eq!(serde_json::to_string(&Cmd::new("Set-User")).unwrap(), r#""Set-User""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cmd {
    /// The command name.
    pub name: String,
    /// Its parameters.
    pub params: Params,
}

impl Cmd {
    /// A bare command (commands session type).
    pub fn new(name: impl Into<String>) -> Self {
        Cmd { name: name.into(), params: Params::None }
    }

    /// A command with a set of parameter names; a repeated name keeps its first place.
    pub fn with_params<I, S>(name: impl Into<String>, params: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set: Vec<String> = Vec::new();
        for p in params {
            let p = p.into();
            if !set.contains(&p) {
                set.push(p);
            }
        }
        Cmd { name: name.into(), params: Params::Set(set) }
    }

    /// A command with parameters and values; a repeated name keeps its first place
    /// and its last value (like a Python dict).
    pub fn with_values<I, K, V>(name: impl Into<String>, params: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut map: Vec<(String, String)> = Vec::new();
        for (k, v) in params {
            let (k, v) = (k.into(), v.into());
            match map.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => map.push((k, v)),
            }
        }
        Cmd { name: name.into(), params: Params::Map(map) }
    }
}

impl From<&str> for Cmd {
    fn from(name: &str) -> Self {
        Cmd::new(name)
    }
}

impl From<String> for Cmd {
    fn from(name: String) -> Self {
        Cmd::new(name)
    }
}

impl Serialize for Cmd {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct MapParams<'a>(&'a [(String, String)]);
        impl Serialize for MapParams<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut m = serializer.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
        match &self.params {
            Params::None => serializer.serialize_str(&self.name),
            Params::Set(set) => {
                let mut s = serializer.serialize_struct("Cmd", 2)?;
                s.serialize_field("name", &self.name)?;
                s.serialize_field("params", set)?;
                s.end()
            }
            Params::Map(map) => {
                let mut s = serializer.serialize_struct("Cmd", 2)?;
                s.serialize_field("name", &self.name)?;
                s.serialize_field("params", &MapParams(map))?;
                s.end()
            }
        }
    }
}

/// Deserialises `[..]` as a set and `{..}` as an ordered map, keeping document order.
struct ParamsSeed;

impl<'de> Visitor<'de> for ParamsSeed {
    type Value = Params;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of parameter names or an object of parameter values")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Params, A::Error> {
        let mut names: Vec<String> = Vec::new();
        while let Some(n) = seq.next_element::<String>()? {
            names.push(n);
        }
        Ok(Cmd::with_params("", names).params)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, String>()? {
            pairs.push((k, v));
        }
        Ok(Cmd::with_values("", pairs).params)
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ParamsSeed)
    }
}

struct CmdVisitor;

impl<'de> Visitor<'de> for CmdVisitor {
    type Value = Cmd;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a command name or an object {"name": .., "params": ..}"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cmd, E> {
        Ok(Cmd::new(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Cmd, E> {
        Ok(Cmd::new(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cmd, A::Error> {
        let mut name: Option<String> = None;
        let mut params: Option<Params> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "params" => params = Some(map.next_value()?),
                other => return Err(de::Error::unknown_field(other, &["name", "params"])),
            }
        }
        let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
        let params = params.ok_or_else(|| de::Error::missing_field("params"))?;
        Ok(Cmd { name, params })
    }
}

impl<'de> Deserialize<'de> for Cmd {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CmdVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str, expected: Cmd) {
        let got: Cmd = serde_json::from_str(json).unwrap();
        assert_eq!(got, expected);
        let back = serde_json::to_string(&got).unwrap();
        let again: Cmd = serde_json::from_str(&back).unwrap();
        assert_eq!(again, expected);
    }

    #[test]
    fn encodings() {
        check(r#""Set-User""#, Cmd::new("Set-User"));
        check(r#"{"name":"a","params":["x","y","x"]}"#, Cmd::with_params("a", ["x", "y"]));
        check(r#"{"name":"a","params":{"z":"1","a":"2"}}"#, Cmd::with_values("a", [("z", "1"), ("a", "2")]));
        check(r#"{"name":"a","params":{"z":"1","a":"2","z":"3"}}"#, Cmd::with_values("a", [("z", "3"), ("a", "2")]));
        check(r#"{"name":"a","params":{}}"#, Cmd::with_values("a", Vec::<(String, String)>::new()));
    }

    #[test]
    fn bad_encodings() {
        for bad in [r#"{"Set-User":["x"]}"#, r#"{"name":"a"}"#, "3", r#"{"name":"a","params":3}"#] {
            assert!(serde_json::from_str::<Cmd>(bad).is_err(), "{bad}");
        }
    }
}
