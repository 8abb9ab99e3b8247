//! Durations as users write them (`20m`, `90s`, `1h30m`) for the session limits.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// A non-negative length of time with nanosecond resolution, written like
/// `20m`, `2m`, `90s`, `1h30m`, `500ms` or `1d`.
///
/// Units: `d`, `h`, `m`, `s`, `ms`, `us` (or `µs`), `ns`; each part is a whole
/// number followed by its unit, parts may repeat in any order and add up.
///
/// ```
/// use anomseq_sessionize::Duration;
/// assert_eq!("1h30m".parse::<Duration>()?, Duration::from_mins(90));
/// assert_eq!("90s".parse::<Duration>()?.to_string(), "1m30s");
/// assert_eq!(
///     "20".parse::<Duration>().unwrap_err().to_string(),
///     "invalid duration `20`: a number needs a unit, e.g. `20m` (units: d, h, m, s, ms, us, ns)"
/// );
/// # Ok::<(), anomseq_sessionize::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration {
    nanos: i64,
}

const NS_PER_US: i64 = 1_000;
const NS_PER_MS: i64 = 1_000_000;
const NS_PER_S: i64 = 1_000_000_000;
const NS_PER_M: i64 = 60 * NS_PER_S;
const NS_PER_H: i64 = 60 * NS_PER_M;
const NS_PER_D: i64 = 24 * NS_PER_H;

impl Duration {
    /// The zero duration.
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// A duration of `nanos` nanoseconds (negative values become 0).
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos: if nanos < 0 { 0 } else { nanos } }
    }

    /// A duration of whole seconds (saturating).
    pub const fn from_secs(secs: i64) -> Self {
        Self::from_nanos(secs.saturating_mul(NS_PER_S))
    }

    /// A duration of whole minutes (saturating), as msticpy's `*_mins` arguments.
    pub const fn from_mins(mins: i64) -> Self {
        Self::from_nanos(mins.saturating_mul(NS_PER_M))
    }

    /// A duration of fractional minutes, as msticpy accepts (`max_session_time_mins=2.5`).
    pub fn from_mins_f64(mins: f64) -> Result<Self, Error> {
        let nanos = mins * NS_PER_M as f64;
        if !nanos.is_finite() || nanos < 0.0 || nanos >= i64::MAX as f64 {
            return Err(Error::Duration {
                value: mins.to_string(),
                reason: "minutes must be finite, non-negative and below 292 years".into(),
            });
        }
        Ok(Duration { nanos: nanos.round() as i64 })
    }

    /// The duration in nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// The duration in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.nanos as f64 / NS_PER_S as f64
    }
}

impl FromStr for Duration {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let err = |reason: &str| Error::Duration { value: text.to_owned(), reason: reason.to_owned() };
        let s = text.trim();
        if s.is_empty() {
            return Err(err("empty; write e.g. `20m`, `90s` or `1h30m`"));
        }
        if s.starts_with('-') {
            return Err(err("a duration must not be negative"));
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total: i64 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(err(&format!("expected a number at `{}`", &s[start..])));
            }
            let number: i64 = s[start..i].parse().map_err(|_| err("number too large"))?;
            let unit_start = i;
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            let unit = s[unit_start..i].trim();
            if unit.starts_with('.') || unit.starts_with(',') {
                return Err(err("use whole numbers of a smaller unit, e.g. `1h30m` or `90s`"));
            }
            let scale = match unit {
                "d" => NS_PER_D,
                "h" => NS_PER_H,
                "m" | "min" => NS_PER_M,
                "s" => NS_PER_S,
                "ms" => NS_PER_MS,
                "us" | "µs" => NS_PER_US,
                "ns" => 1,
                "" => return Err(err("a number needs a unit, e.g. `20m` (units: d, h, m, s, ms, us, ns)")),
                other => return Err(err(&format!("unknown unit `{other}` (units: d, h, m, s, ms, us, ns)"))),
            };
            let part = number.checked_mul(scale).ok_or_else(|| err("too large (at most about 292 years)"))?;
            total = total.checked_add(part).ok_or_else(|| err("too large (at most about 292 years)"))?;
        }
        Ok(Duration { nanos: total })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.nanos;
        for (scale, unit) in [
            (NS_PER_D, "d"),
            (NS_PER_H, "h"),
            (NS_PER_M, "m"),
            (NS_PER_S, "s"),
            (NS_PER_MS, "ms"),
            (NS_PER_US, "us"),
            (1, "ns"),
        ] {
            if rest >= scale {
                write!(f, "{}{unit}", rest / scale)?;
                rest %= scale;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<i64, &str>) {
        match (input.parse::<Duration>(), expected) {
            (Ok(d), Ok(n)) => {
                assert_eq!(d.as_nanos(), n, "{input}");
                assert_eq!(d.to_string().parse::<Duration>().unwrap(), d, "{input} round trip");
            }
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg, "{input}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parse() {
        check("20m", Ok(20 * NS_PER_M));
        check("2m", Ok(2 * NS_PER_M));
        check("90s", Ok(90 * NS_PER_S));
        check("1h30m", Ok(90 * NS_PER_M));
        check(" 1d2h ", Ok(NS_PER_D + 2 * NS_PER_H));
        check("250ms", Ok(250 * NS_PER_MS));
        check("0s", Ok(0));
        check("20", Err("invalid duration `20`: a number needs a unit, e.g. `20m` (units: d, h, m, s, ms, us, ns)"));
        check("", Err("invalid duration ``: empty; write e.g. `20m`, `90s` or `1h30m`"));
        check("-5m", Err("invalid duration `-5m`: a duration must not be negative"));
        check("5x", Err("invalid duration `5x`: unknown unit `x` (units: d, h, m, s, ms, us, ns)"));
        check("m", Err("invalid duration `m`: expected a number at `m`"));
        check("1.5h", Err("invalid duration `1.5h`: use whole numbers of a smaller unit, e.g. `1h30m` or `90s`"));
        check("99999999999d", Err("invalid duration `99999999999d`: too large (at most about 292 years)"));
    }

    #[test]
    fn display() {
        assert_eq!(Duration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(Duration::from_secs(90).to_string(), "1m30s");
        assert_eq!(Duration::ZERO.to_string(), "0s");
    }
}
