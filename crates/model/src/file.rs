//! The model file: versioned, self-describing JSON of a model's raw counts.
//!
//! ```json
//! {
//!   "format": "anomseq-model",
//!   "format_version": 1,
//!   "anomseq_version": "0.1.0",
//!   "session_type": "values",
//!   "tokens": {"start": "##START##", "end": "##END##", "unk": "##UNK##"},
//!   "modellable_params": null,
//!   "modellable_params_in_use": ["Force"],
//!   "modes": ["reference", "profile", "novelty", "ngram"],
//!   "counts": { "session_type": "values", "n_sessions": 400, "cmds": [..], "params": [..], "values": [..], "counts": {..} },
//!   "sequence": { "order": 3, "names": [..], "total_weight": 400.0, "grams": [[[0, 2], 17.0], ..], "profiles": [[[[2, 1]], 5.0], ..] }
//! }
//! ```
//!
//! Only raw counts are stored: probabilities are recomputed on load, so a file
//! can never disagree with itself. `"sequence"` is `null` in a model of the
//! reference mode only. This module does no IO: it turns a model
//! into bytes and back.

use anomseq_core::{SessionType, END_TOKEN, START_TOKEN, UNK_TOKEN};
use serde::{Deserialize, Serialize};

use crate::profiles::FlatProfiles;
use crate::sequence::SequenceFile;
use crate::{Counts, Error, Model, SequenceCounts};

/// The `format` field of every model file.
pub const MODEL_FORMAT: &str = "anomseq-model";
/// The newest model format version this build reads and the one it writes.
///
/// Version 2 added the sequence state of the opt-in modes (`"sequence"`, `null`
/// when the model keeps only the reference counts) and `"modes"`; version 1 files
/// load as models of the reference mode.
pub const MODEL_FORMAT_VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Tokens {
    start: String,
    end: String,
    unk: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    format_version: u32,
}

/// JSON with each object key on its own, indented line and every array on one line:
/// readable fields, and tables of millions of counts in a few bytes each (a pretty
/// printer would spend a line and its indentation on every number).
#[derive(Default)]
struct ObjectsOnLines {
    depth: usize,
    /// Per open object: has it a key yet?
    keyed: Vec<bool>,
}

impl ObjectsOnLines {
    fn indent<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for ObjectsOnLines {
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth += 1;
        self.keyed.push(false);
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.depth -= 1;
        if self.keyed.pop().unwrap_or(false) {
            self.indent(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if let Some(k) = self.keyed.last_mut() {
            *k = true;
        }
        if !first {
            w.write_all(b",")?;
        }
        self.indent(w)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// A field a format-1 file lacks.
fn absent<S>() -> Option<S> {
    None
}

/// A model file; `C` is `&Counts` when written (no copy), `Counts` when read.
#[derive(Serialize, Deserialize)]
struct ModelFile<C, S> {
    format: String,
    format_version: u32,
    anomseq_version: String,
    session_type: SessionType,
    tokens: Tokens,
    /// The caller's override, if any (`null`: msticpy's heuristic on the counts).
    modellable_params: Option<Vec<String>>,
    /// What the model uses (informational; recomputed on load).
    modellable_params_in_use: Vec<String>,
    /// The scoring modes the file can score (informational; from `sequence`).
    #[serde(default)]
    modes: Vec<String>,
    counts: C,
    /// The opt-in modes' state (format 2; absent in format 1).
    #[serde(default = "absent")]
    sequence: Option<S>,
}

impl Model {
    /// The model file of this model (pretty JSON).
    pub fn to_file_bytes(&self) -> Vec<u8> {
        let file = ModelFile {
            format: MODEL_FORMAT.to_owned(),
            format_version: MODEL_FORMAT_VERSION,
            anomseq_version: env!("CARGO_PKG_VERSION").to_owned(),
            session_type: self.session_type(),
            tokens: Tokens { start: START_TOKEN.into(), end: END_TOKEN.into(), unk: UNK_TOKEN.into() },
            modellable_params: self.modellable_override().map(<[String]>::to_vec),
            modellable_params_in_use: self.modellable_params(),
            modes: self.modes().iter().map(|m| (*m).to_owned()).collect(),
            counts: self.counts(),
            sequence: self.sequence().map(SequenceCounts::to_file),
        };
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, ObjectsOnLines::default());
        file.serialize(&mut ser).expect("a model always serialises");
        out.push(b'\n');
        out
    }

    /// Read a model file. A corrupt, truncated or newer-format file is an
    /// error ([`Error::ModelFile`]), never a panic.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Model, Error> {
        let bad = |msg: String| Error::ModelFile(msg);
        // the header first, so a newer format is named as such rather than as a parse error
        let header: Header =
            serde_json::from_slice(bytes).map_err(|e| bad(format!("not an anomseq model file (or truncated): {e}")))?;
        if header.format != MODEL_FORMAT {
            return Err(bad(format!("not an anomseq model file: format is `{}`", header.format)));
        }
        if header.format_version > MODEL_FORMAT_VERSION {
            return Err(bad(format!(
                "model format version {} is newer than this anomseq reads ({MODEL_FORMAT_VERSION}): upgrade anomseq",
                header.format_version
            )));
        }
        let file: ModelFile<Counts, SequenceFile<FlatProfiles>> = serde_json::from_slice(bytes).map_err(|e| {
            let hint =
                if e.to_string().contains("floating point") { " (counts are whole numbers below 2^64)" } else { "" };
            bad(format!("corrupt: {e}{hint}"))
        })?;
        let t = &file.tokens;
        if (t.start.as_str(), t.end.as_str(), t.unk.as_str()) != (START_TOKEN, END_TOKEN, UNK_TOKEN) {
            return Err(bad(format!("unsupported tokens `{}`, `{}`, `{}`", t.start, t.end, t.unk)));
        }
        if file.session_type != file.counts.session_type() {
            return Err(bad(format!(
                "session type `{}` disagrees with the counts' `{}`",
                file.session_type,
                file.counts.session_type()
            )));
        }
        let sequence = file.sequence.map(SequenceCounts::from_file).transpose()?;
        Ok(Model::from_counts(file.counts, file.modellable_params)?.with_sequence(sequence))
    }

    /// The scoring modes this model can score with (at their default options):
    /// `reference` always, and the opt-in `profile`, `novelty` and `ngram` when it
    /// keeps the [`SequenceCounts`] (a format-1 file does not), `ngram` alone when
    /// they are of order 1 (`profile` and `novelty` score bigrams).
    pub fn modes(&self) -> &'static [&'static str] {
        match self.sequence().map(SequenceCounts::order) {
            Some(1) => &["reference", "ngram"],
            Some(_) => &["reference", "profile", "novelty", "ngram"],
            None => &["reference"],
        }
    }
}

#[cfg(test)]
mod tests {
    use anomseq_core::{Cmd, Sessions};

    use super::*;

    fn model() -> Model {
        let lists: Vec<Vec<Cmd>> = serde_json::from_str(
            r#"[[{"name":"a","params":{"x":"1","y":""}},{"name":"b","params":{"x":"2"}}],[{"name":"a","params":{"y":"3"}}]]"#,
        )
        .unwrap();
        Model::train(&Sessions::from_cmds(&lists).unwrap())
    }

    /// Load `bytes`; expect the model back, or an error containing `expected`.
    fn check(bytes: &[u8], expected: Result<&Model, &str>) {
        match (Model::from_file_bytes(bytes), expected) {
            (Ok(m), Ok(want)) => {
                assert_eq!(m.counts(), want.counts());
                assert_eq!(m.named_probs(), want.named_probs());
            }
            (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{e} lacks {msg}"),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn round_trip_and_errors() {
        let m = model();
        let bytes = m.to_file_bytes();
        check(&bytes, Ok(&m));
        check(&bytes[..bytes.len() / 2], Err("truncated"));
        check(b"", Err("not an anomseq model file"));
        check(br#"{"format":"other","format_version":1}"#, Err("format is `other`"));
        let newer = String::from_utf8(bytes.clone()).unwrap().replace("\"format_version\": 2", "\"format_version\": 7");
        check(newer.as_bytes(), Err("version 7 is newer"));
        let lying = String::from_utf8(bytes.clone()).unwrap().replacen(
            "\"session_type\": \"values\"",
            "\"session_type\": \"params\"",
            1,
        );
        check(lying.as_bytes(), Err("disagrees"));
        let garbage = String::from_utf8(bytes).unwrap().replace("\"n_sessions\": 2", "\"n_sessions\": \"two\"");
        check(garbage.as_bytes(), Err("corrupt: invalid type: string \"two\", expected u64"));
        let zero = String::from_utf8(m.to_file_bytes()).unwrap().replacen("[3,1]", "[3,0]", 1);
        check(zero.as_bytes(), Err("invalid counts: `value_counts`: id 3 has a count of 0"));
        let huge = String::from_utf8(m.to_file_bytes()).unwrap().replacen("[3,1]", "[3,18446744073709551616]", 1);
        check(huge.as_bytes(), Err("(counts are whole numbers below 2^64)"));
        let sessions = String::from_utf8(m.to_file_bytes()).unwrap().replace("\"n_sessions\": 2", "\"n_sessions\": 9");
        check(sessions.as_bytes(), Err("`n_sessions` is 9 but `seq1_counts` counts 2 `##START##`"));
    }

    const COMMANDS: &[u8] = include_bytes!("../../../fixtures/models/commands.json");
    const OVERFLOW: &[u8] = include_bytes!("../../../fixtures/models/overflow.json");
    const HALF: &[u8] = include_bytes!("../../../fixtures/models/half-2pow53.json");

    #[test]
    fn counts_that_would_overflow_are_errors_naming_the_table() {
        let m = Model::from_file_bytes(COMMANDS).unwrap();
        let trained =
            Model::train(&Sessions::from_cmds(vec![vec![Cmd::new("a"), Cmd::new("b")], vec![Cmd::new("a")]]).unwrap());
        assert_eq!(m.counts(), trained.counts());
        check(OVERFLOW, Err("table `seq1_counts` sums to 18446744073709551652, past 2^53 (9007199254740992)"));
        let half = Model::from_file_bytes(HALF).unwrap();
        let e = half.merge(&half).unwrap_err();
        assert!(e.to_string().starts_with("table `seq1_counts` sums to 9007199254741034, past 2^53"), "{e}");
        // counts given directly: the sum itself would wrap
        let big = |n: u64| {
            crate::Counts::from_str_tables(
                anomseq_core::SessionType::Commands,
                1,
                &[("##START##".into(), 1), ("a".into(), n)],
                &[],
                &[],
                &[],
                &[],
                &[],
            )
        };
        let mut c = big(u64::MAX - 1);
        let before = c.clone();
        let e = c.merge(&big(2)).unwrap_err();
        assert_eq!(e.to_string(), format!("table `seq1_counts` sums to {}, past 2^53 (9007199254740992): probabilities cannot be computed exactly from counts this large", u128::from(u64::MAX) + 1));
        assert_eq!(c, before, "a failed merge leaves the counts as they were");
    }
}
