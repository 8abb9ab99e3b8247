//! Reading the scored-session columns out of Arrow record batches.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use std::sync::Arc;

use crate::window::window_texts;
use crate::Error;

/// A formatter for `array` that never fails on a named time zone: without the
/// tz database Arrow only displays offset zones, so a named zone is shown as UTC
/// (`+00:00`; the stored values are UTC instants).
fn display_array(array: &ArrayRef) -> Result<ArrayRef, Error> {
    if let DataType::Timestamp(_, Some(_)) = array.data_type() {
        if ArrayFormatter::try_new(array.as_ref(), &DISPLAY).is_err() {
            return Ok(utc_offset(array));
        }
    }
    Ok(array.clone())
}

fn utc_offset(array: &ArrayRef) -> ArrayRef {
    let utc = Some("+00:00");
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            Arc::new(array.as_primitive::<TimestampSecondType>().clone().with_timezone_opt(utc))
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            Arc::new(array.as_primitive::<TimestampMillisecondType>().clone().with_timezone_opt(utc))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            Arc::new(array.as_primitive::<TimestampMicrosecondType>().clone().with_timezone_opt(utc))
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            Arc::new(array.as_primitive::<TimestampNanosecondType>().clone().with_timezone_opt(utc))
        }
        _ => array.clone(),
    }
}

const TIME_ROLE: &str = "a time (timestamp, date or string)";
const DISPLAY: FormatOptions<'static> = FormatOptions::new().with_null("");

/// Batches with the same columns, looked up by name with errors that list the columns.
pub(crate) struct Table<'a> {
    batches: &'a [RecordBatch],
    schema: Option<SchemaRef>,
}

impl<'a> Table<'a> {
    pub(crate) fn new(batches: &'a [RecordBatch]) -> Result<Self, Error> {
        let schema = batches.first().map(|b| b.schema());
        if let Some(first) = &schema {
            for (i, b) in batches.iter().enumerate().skip(1) {
                let names = |s: &SchemaRef| {
                    s.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect::<Vec<_>>().join(", ")
                };
                let same = b.schema().fields().len() == first.fields().len()
                    && b.schema()
                        .fields()
                        .iter()
                        .zip(first.fields())
                        .all(|(f, g)| f.name() == g.name() && f.data_type() == g.data_type());
                if !same {
                    return Err(Error::SchemaMismatch { batch: i, found: names(&b.schema()), expected: names(first) });
                }
            }
        }
        Ok(Table { batches, schema })
    }

    pub(crate) fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Index of a column, or an error naming it and the existing ones.
    pub(crate) fn index(&self, name: &str) -> Result<usize, Error> {
        let missing = |existing: String| Error::MissingColumn { name: name.to_owned(), existing };
        let Some(schema) = &self.schema else { return Err(missing("(no data)".to_owned())) };
        schema
            .index_of(name)
            .map_err(|_| missing(schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")))
    }

    fn data_type(&self, index: usize) -> &DataType {
        self.schema.as_ref().expect("index() found a schema").field(index).data_type()
    }

    fn columns(&self, index: usize) -> impl Iterator<Item = &'a ArrayRef> + 'a {
        self.batches.iter().map(move |b| b.column(index))
    }

    /// Times in milliseconds since the epoch (`None` for null) and their display text.
    pub(crate) fn times(&self, name: &str) -> Result<Vec<Option<i64>>, Error> {
        let index = self.index(name)?;
        let data_type = self.data_type(index).clone();
        if !data_type_ok_for_time(&data_type) {
            return Err(Error::UnsupportedType { name: name.to_owned(), data_type, role: TIME_ROLE });
        }
        let mut millis = Vec::with_capacity(self.num_rows());
        let mut row0 = 0;
        for array in self.columns(index) {
            let shown = display_array(array)?;
            let fmt = ArrayFormatter::try_new(shown.as_ref(), &DISPLAY)?;
            let ms = |v: i64, per_ms: i64| v.div_euclid(per_ms);
            for i in 0..array.len() {
                if array.is_null(i) {
                    millis.push(None);
                    continue;
                }
                let value = match &data_type {
                    DataType::Timestamp(TimeUnit::Second, _) => {
                        array.as_primitive::<TimestampSecondType>().value(i).saturating_mul(1000)
                    }
                    DataType::Timestamp(TimeUnit::Millisecond, _) => {
                        array.as_primitive::<TimestampMillisecondType>().value(i)
                    }
                    DataType::Timestamp(TimeUnit::Microsecond, _) => {
                        ms(array.as_primitive::<TimestampMicrosecondType>().value(i), 1000)
                    }
                    DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                        ms(array.as_primitive::<TimestampNanosecondType>().value(i), 1_000_000)
                    }
                    DataType::Date32 => i64::from(array.as_primitive::<Date32Type>().value(i)) * 86_400_000,
                    DataType::Date64 => array.as_primitive::<Date64Type>().value(i),
                    DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                        let text = fmt.value(i).to_string();
                        match arrow_cast::parse::string_to_timestamp_nanos(text.trim()) {
                            Ok(ns) => ms(ns, 1_000_000),
                            Err(_) => {
                                return Err(Error::BadTime { column: name.to_owned(), row: row0 + i + 1, value: text })
                            }
                        }
                    }
                    other => {
                        return Err(Error::UnsupportedType {
                            name: name.to_owned(),
                            data_type: other.clone(),
                            role: TIME_ROLE,
                        })
                    }
                };
                millis.push(Some(value));
            }
            row0 += array.len();
        }
        Ok(millis)
    }

    /// Scores as `f64`; null, NaN and infinities give `None`. A text column (as a
    /// CSV export reads back) is parsed, an empty cell being no score.
    pub(crate) fn scores(&self, name: &str) -> Result<Vec<Option<f64>>, Error> {
        let index = self.index(name)?;
        let data_type = self.data_type(index);
        if matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
            let mut out = Vec::with_capacity(self.num_rows());
            for array in self.columns(index) {
                let text = arrow_cast::cast(array.as_ref(), &DataType::Utf8)?;
                for v in text.as_string::<i32>().iter() {
                    let score = match v.map(str::trim) {
                        None | Some("") => None,
                        Some(t) => match t.parse::<f64>() {
                            Ok(x) => Some(x).filter(|x| x.is_finite()),
                            Err(_) => {
                                return Err(Error::BadScore {
                                    column: name.to_owned(),
                                    row: out.len() + 1,
                                    value: t.to_owned(),
                                })
                            }
                        },
                    };
                    out.push(score);
                }
            }
            return Ok(out);
        }
        if !data_type.is_numeric() {
            return Err(Error::UnsupportedType {
                name: name.to_owned(),
                data_type: data_type.clone(),
                role: "a score (a number)",
            });
        }
        let mut out = Vec::with_capacity(self.num_rows());
        for array in self.columns(index) {
            let floats = arrow_cast::cast(array.as_ref(), &DataType::Float64)?;
            let floats = floats.as_primitive::<arrow_array::types::Float64Type>();
            out.extend(floats.iter().map(|v| v.filter(|v| v.is_finite())));
        }
        Ok(out)
    }

    /// The batch and offset of row `row`.
    fn locate(&self, row: usize) -> (usize, usize) {
        let mut r = row;
        for (b, batch) in self.batches.iter().enumerate() {
            if r < batch.num_rows() {
                return (b, r);
            }
            r -= batch.num_rows();
        }
        panic!("row {row} is past the end of the data")
    }

    /// Display text of the column `name` at each of `rows`; null gives `""`.
    pub(crate) fn texts_at(&self, name: &str, rows: &[usize]) -> Result<Vec<String>, Error> {
        let index = self.index(name)?;
        rows.iter()
            .map(|&row| {
                let (b, i) = self.locate(row);
                let cell = display_array(&self.batches[b].column(index).slice(i, 1))?;
                let fmt = ArrayFormatter::try_new(cell.as_ref(), &DISPLAY)?;
                Ok(fmt.value(0).to_string())
            })
            .collect()
    }

    /// Display text of the window column `name` at each of `rows` (see [`window_texts`]).
    pub(crate) fn windows_at(&self, name: &str, rows: &[usize]) -> Result<Vec<String>, Error> {
        let index = self.index(name)?;
        rows.iter()
            .map(|&row| {
                let (b, i) = self.locate(row);
                let cell = self.batches[b].column(index).slice(i, 1);
                Ok(window_texts(cell.as_ref())?.pop().unwrap_or_default())
            })
            .collect()
    }

    /// Display text of any column; null gives `""`.
    pub(crate) fn texts(&self, name: &str) -> Result<Vec<String>, Error> {
        let index = self.index(name)?;
        let mut out = Vec::with_capacity(self.num_rows());
        for array in self.columns(index) {
            let shown = display_array(array)?;
            let fmt = ArrayFormatter::try_new(shown.as_ref(), &DISPLAY)?;
            out.extend((0..array.len()).map(|i| fmt.value(i).to_string()));
        }
        Ok(out)
    }

    /// Integers of a count column (`None` for null or non-integral values).
    pub(crate) fn counts(&self, name: &str) -> Result<Vec<Option<u64>>, Error> {
        let index = self.index(name)?;
        let data_type = self.data_type(index);
        if !data_type.is_integer() {
            return Err(Error::UnsupportedType {
                name: name.to_owned(),
                data_type: data_type.clone(),
                role: "a number of events (an integer)",
            });
        }
        let mut out = Vec::with_capacity(self.num_rows());
        for array in self.columns(index) {
            let ints = arrow_cast::cast(array.as_ref(), &DataType::Int64)?;
            out.extend(
                ints.as_primitive::<arrow_array::types::Int64Type>()
                    .iter()
                    .map(|v| v.and_then(|v| u64::try_from(v).ok())),
            );
        }
        Ok(out)
    }
}

fn data_type_ok_for_time(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(_, _)
            | DataType::Date32
            | DataType::Date64
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
    )
}
