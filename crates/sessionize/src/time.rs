//! Time columns to UTC nanoseconds: Arrow timestamps and dates, timestamp strings, epoch numbers.

use std::fmt;
use std::str::FromStr;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::buffer::ScalarBuffer;
use arrow::compute::kernels::cast_utils::string_to_timestamp_nanos;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};

use crate::bad_rows::RowCheck;
use crate::Error;

/// The unit of a numeric (epoch) timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EpochUnit {
    /// Seconds since 1970-01-01T00:00:00Z.
    Seconds,
    /// Milliseconds since the epoch.
    Millis,
    /// Microseconds since the epoch.
    Micros,
    /// Nanoseconds since the epoch.
    Nanos,
}

impl EpochUnit {
    fn nanos(self) -> i64 {
        match self {
            EpochUnit::Seconds => 1_000_000_000,
            EpochUnit::Millis => 1_000_000,
            EpochUnit::Micros => 1_000,
            EpochUnit::Nanos => 1,
        }
    }
}

impl FromStr for EpochUnit {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "s" | "sec" | "seconds" => Ok(EpochUnit::Seconds),
            "ms" | "millis" | "milliseconds" => Ok(EpochUnit::Millis),
            "us" | "µs" | "micros" | "microseconds" => Ok(EpochUnit::Micros),
            "ns" | "nanos" | "nanoseconds" => Ok(EpochUnit::Nanos),
            other => Err(Error::EpochUnit(other.to_owned())),
        }
    }
}

impl fmt::Display for EpochUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EpochUnit::Seconds => "s",
            EpochUnit::Millis => "ms",
            EpochUnit::Micros => "us",
            EpochUnit::Nanos => "ns",
        })
    }
}

const EXPECTED: &str = "a timestamp, a string (RFC 3339 / ISO 8601) or, with an epoch unit, a number";

/// Parse one timestamp string to UTC nanoseconds.
///
/// Accepted: RFC 3339 / ISO 8601 with `Z` or an offset (`2020-04-18T04:50:30Z`,
/// `2020-04-18T06:50:30+02:00`), `YYYY-MM-DD HH:MM:SS[.fff]` and
/// `YYYY-MM-DDTHH:MM:SS[.fff]` without a zone (taken as UTC), and, when an epoch
/// unit is given, a plain number in that unit.
pub fn parse_timestamp(s: &str, unit: Option<EpochUnit>) -> Result<i64, String> {
    let t = s.trim();
    if let Some(unit) = unit {
        if let Ok(n) = t.parse::<i64>() {
            return n.checked_mul(unit.nanos()).ok_or_else(|| "timestamp out of range (1677–2262)".to_owned());
        }
        if let Ok(x) = t.parse::<f64>() {
            return float_epoch(x, unit);
        }
    }
    if t.len() < 19 {
        // the arrow parser takes bare dates too; a log time needs a clock time
        return Err("expected an RFC 3339 / ISO 8601 date and time such as `2020-04-18T04:50:30Z`".to_owned());
    }
    string_to_timestamp_nanos(t).map_err(|e| {
        let msg = e.to_string();
        let detail = msg.rsplit(": ").next().unwrap_or(&msg).to_owned();
        format!("expected an RFC 3339 / ISO 8601 date and time such as `2020-04-18T04:50:30Z` ({detail})")
    })
}

fn float_epoch(x: f64, unit: EpochUnit) -> Result<i64, String> {
    let ns = x * unit.nanos() as f64;
    if !ns.is_finite() || ns.abs() >= 9.2e18 {
        return Err("timestamp out of range (1677–2262)".to_owned());
    }
    Ok(ns.round() as i64)
}

/// Convert a timestamp column to UTC nanoseconds, one per row; bad rows are
/// reported to `check` (their slot holds 0). A nanosecond timestamp column
/// without nulls is shared, not copied.
pub(crate) fn to_nanos(
    col: &ArrayRef,
    name: &str,
    unit: Option<EpochUnit>,
    first_row: usize,
    check: &mut RowCheck,
) -> Result<ScalarBuffer<i64>, Error> {
    if let DataType::Timestamp(TimeUnit::Nanosecond, _) = col.data_type() {
        let a = col.as_primitive::<TimestampNanosecondType>();
        if a.null_count() == 0 {
            return Ok(a.values().clone());
        }
    }
    Ok(to_nanos_vec(col, name, unit, first_row, check)?.into())
}

#[allow(clippy::needless_range_loop)]
fn to_nanos_vec(
    col: &ArrayRef,
    name: &str,
    unit: Option<EpochUnit>,
    first_row: usize,
    check: &mut RowCheck,
) -> Result<Vec<i64>, Error> {
    let n = col.len();
    let mut out = vec![0i64; n];
    let null_reason = "missing timestamp";
    macro_rules! scaled {
        ($t:ty, $scale:expr) => {{
            let a = col.as_primitive::<$t>();
            let scale: i64 = $scale;
            for i in 0..n {
                if a.is_null(i) {
                    check.reject(first_row + i, name, "null", null_reason)?;
                    continue;
                }
                let v = a.value(i) as i64;
                match v.checked_mul(scale) {
                    Some(ns) => out[i] = ns,
                    None => check.reject(first_row + i, name, &v.to_string(), "timestamp out of range (1677–2262)")?,
                }
            }
        }};
    }
    macro_rules! float {
        ($t:ty, $unit:expr) => {{
            let a = col.as_primitive::<$t>();
            for i in 0..n {
                if a.is_null(i) {
                    check.reject(first_row + i, name, "null", null_reason)?;
                    continue;
                }
                let v = a.value(i) as f64;
                match float_epoch(v, $unit) {
                    Ok(ns) => out[i] = ns,
                    Err(reason) => check.reject(first_row + i, name, &v.to_string(), &reason)?,
                }
            }
        }};
    }
    macro_rules! strings {
        ($a:expr) => {{
            let a = $a;
            let mut prev: Option<(&str, i64)> = None;
            for i in 0..n {
                if a.is_null(i) {
                    check.reject(first_row + i, name, "null", null_reason)?;
                    continue;
                }
                let s = a.value(i);
                if let Some((p, ns)) = prev {
                    if p == s {
                        out[i] = ns;
                        continue;
                    }
                }
                match parse_timestamp(s, unit) {
                    Ok(ns) => {
                        out[i] = ns;
                        prev = Some((s, ns));
                    }
                    Err(reason) => check.reject(first_row + i, name, s, &reason)?,
                }
            }
        }};
    }
    let need_unit = || Error::WrongType {
        column: name.to_owned(),
        found: col.data_type().clone(),
        expected: "a timestamp or a string; a numeric time column needs an epoch unit (s, ms, us, ns)",
    };
    match col.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => scaled!(TimestampSecondType, 1_000_000_000),
        DataType::Timestamp(TimeUnit::Millisecond, _) => scaled!(TimestampMillisecondType, 1_000_000),
        DataType::Timestamp(TimeUnit::Microsecond, _) => scaled!(TimestampMicrosecondType, 1_000),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => scaled!(TimestampNanosecondType, 1),
        DataType::Date32 => scaled!(Date32Type, 86_400_000_000_000),
        DataType::Date64 => scaled!(Date64Type, 1_000_000),
        DataType::Int8 => scaled!(Int8Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::Int16 => scaled!(Int16Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::Int32 => scaled!(Int32Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::Int64 => scaled!(Int64Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::UInt8 => scaled!(UInt8Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::UInt16 => scaled!(UInt16Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::UInt32 => scaled!(UInt32Type, unit.ok_or_else(need_unit)?.nanos()),
        DataType::UInt64 => {
            let a = col.as_primitive::<UInt64Type>();
            let scale = unit.ok_or_else(need_unit)?.nanos();
            for i in 0..n {
                if a.is_null(i) {
                    check.reject(first_row + i, name, "null", null_reason)?;
                    continue;
                }
                let v = a.value(i);
                match i64::try_from(v).ok().and_then(|v| v.checked_mul(scale)) {
                    Some(ns) => out[i] = ns,
                    None => check.reject(first_row + i, name, &v.to_string(), "timestamp out of range (1677–2262)")?,
                }
            }
        }
        DataType::Float32 => float!(Float32Type, unit.ok_or_else(need_unit)?),
        DataType::Float64 => float!(Float64Type, unit.ok_or_else(need_unit)?),
        DataType::Utf8 => strings!(col.as_string::<i32>()),
        DataType::LargeUtf8 => strings!(col.as_string::<i64>()),
        DataType::Utf8View => strings!(col.as_string_view()),
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
            let cast = arrow::compute::cast(col, &DataType::Utf8)?;
            return to_nanos_vec(&cast, name, unit, first_row, check);
        }
        other => {
            return Err(Error::WrongType { column: name.to_owned(), found: other.clone(), expected: EXPECTED });
        }
    }
    Ok(out)
}

/// Format UTC nanoseconds as RFC 3339 (`2020-04-18T04:50:30Z`, fraction only when non-zero).
pub fn format_timestamp(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000) as u32;
    match arrow::temporal_conversions::timestamp_s_to_datetime(secs) {
        Some(dt) => {
            let base = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
            if frac == 0 {
                format!("{base}Z")
            } else {
                let f = format!("{frac:09}");
                format!("{base}.{}Z", f.trim_end_matches('0'))
            }
        }
        None => format!("{ns}ns"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, unit: Option<EpochUnit>, expected: Result<&str, &str>) {
        match (parse_timestamp(input, unit), expected) {
            (Ok(ns), Ok(want)) => assert_eq!(format_timestamp(ns), want, "{input}"),
            (Err(e), Err(want)) => assert!(e.contains(want), "{input}: {e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn parse() {
        check("2020-04-18T04:50:30Z", None, Ok("2020-04-18T04:50:30Z"));
        check("2020-04-18T06:50:30+02:00", None, Ok("2020-04-18T04:50:30Z"));
        check("2020-04-18 04:50:30", None, Ok("2020-04-18T04:50:30Z"));
        check("2020-04-18 04:50:30.250", None, Ok("2020-04-18T04:50:30.25Z"));
        check("1587185430", Some(EpochUnit::Seconds), Ok("2020-04-18T04:50:30Z"));
        check("1587185430500", Some(EpochUnit::Millis), Ok("2020-04-18T04:50:30.5Z"));
        check("1587185430", None, Err("expected an RFC 3339"));
        check("2020-04-18", None, Err("expected an RFC 3339"));
        check("2020-13-18T04:50:30Z", None, Err("expected an RFC 3339"));
        check("not a time at all, no", None, Err("expected an RFC 3339"));
    }
}
