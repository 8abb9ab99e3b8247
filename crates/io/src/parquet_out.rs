//! Parquet written with its columns, and whole row groups, encoded in parallel, in slices of rows: the file `ArrowWriter` writes.

use std::fs::File;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;

/// Rows made into leaves (and their levels) at a time.
const SLICE_ROWS: usize = 64 * 1024;

/// A Parquet sink whose leaf columns are encoded on rayon's threads, batch by
/// batch, into the open row group's column writers (the memory `ArrowWriter`
/// holds: encoded pages, not the rows). Row groups are cut at the properties'
/// row count, as `ArrowWriter` cuts them; the file carries the same Arrow schema.
/// A batch is encoded in slices of [`SLICE_ROWS`], so that the levels of a list
/// column (two per event) never exist for a whole table at once; the file is byte
/// for byte the one `ArrowWriter` writes from the same slices (a unit test checks).
pub(crate) struct ParallelParquet {
    writer: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// The open row group's column writers (one per leaf) and its rows so far.
    open: Option<(Vec<ArrowColumnWriter>, usize)>,
    /// Leaf columns (column writers) of each column, in order.
    leaves: Vec<usize>,
    max_rows: usize,
    /// Rows made into leaves at a time ([`SLICE_ROWS`]).
    slice_rows: usize,
    row_groups: usize,
}

impl ParallelParquet {
    pub(crate) fn try_new(file: File, schema: SchemaRef, props: WriterProperties) -> Result<Self, ParquetError> {
        let max_rows = props.max_row_group_row_count().unwrap_or(usize::MAX).max(1);
        // ArrowWriter builds the Parquet schema and the footer's Arrow schema; its
        // lower-level parts then take the column writers
        let (writer, factory) = ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        let empty = RecordBatch::new_empty(schema.clone());
        let leaves = schema
            .fields()
            .iter()
            .zip(empty.columns())
            .map(|(f, c)| compute_leaves(f, c).map(|l| l.len()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ParallelParquet {
            writer,
            factory,
            schema,
            open: None,
            leaves,
            max_rows,
            slice_rows: SLICE_ROWS,
            row_groups: 0,
        })
    }

    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<(), ParquetError> {
        let mut rest = batch.clone();
        if self.open.is_none() && rest.num_rows() >= 2 * self.max_rows {
            // two or more whole row groups: each encoded on its own thread (a list
            // column is one column writer's work per group), appended in order
            let whole = rest.num_rows() / self.max_rows;
            let (base, max_rows, factory, layout) = (self.row_groups, self.max_rows, &self.factory, self.layout());
            let groups = (0..whole)
                .into_par_iter()
                .map(|g| {
                    let mut writers = factory.create_column_writers(base + g)?;
                    layout.encode(&mut writers, &rest.slice(g * max_rows, max_rows))?;
                    writers.into_par_iter().map(ArrowColumnWriter::close).collect::<Result<Vec<_>, _>>()
                })
                .collect::<Result<Vec<_>, _>>()?;
            for chunks in groups {
                self.append(chunks)?;
            }
            rest = rest.slice(whole * self.max_rows, rest.num_rows() - whole * self.max_rows);
        }
        while rest.num_rows() > 0 {
            let (mut writers, rows) = match self.open.take() {
                Some(open) => open,
                None => (self.factory.create_column_writers(self.row_groups)?, 0),
            };
            let take = rest.num_rows().min(self.max_rows - rows);
            let encoded = self.layout().encode(&mut writers, &rest.slice(0, take));
            self.open = Some((writers, rows + take));
            encoded?;
            rest = rest.slice(take, rest.num_rows() - take);
            if rows + take == self.max_rows {
                self.close_row_group()?;
            }
        }
        Ok(())
    }

    fn layout(&self) -> Layout<'_> {
        Layout { schema: &self.schema, leaves: &self.leaves, slice_rows: self.slice_rows }
    }

    /// Append one finished row group's column chunks to the file.
    fn append(&mut self, chunks: Vec<ArrowColumnChunk>) -> Result<(), ParquetError> {
        let mut group = self.writer.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.row_groups += 1;
        Ok(())
    }

    /// Close the open row group (its column chunks finished in parallel, appended in order).
    fn close_row_group(&mut self) -> Result<(), ParquetError> {
        let Some((writers, _)) = self.open.take() else {
            return Ok(());
        };
        let chunks = writers.into_par_iter().map(ArrowColumnWriter::close).collect::<Result<Vec<_>, _>>()?;
        self.append(chunks)
    }

    /// Finish the file: the last row group, then the footer.
    pub(crate) fn into_inner(mut self) -> Result<File, ParquetError> {
        self.close_row_group()?;
        self.writer.into_inner()
    }
}

/// What encoding a row group needs of the sink: the schema, the leaves of each
/// column and the slice length (shared by the threads encoding row groups).
#[derive(Clone, Copy)]
struct Layout<'a> {
    schema: &'a SchemaRef,
    leaves: &'a [usize],
    slice_rows: usize,
}

impl Layout<'_> {
    /// Encode `part` (at most a row group) into one row group's column writers, in
    /// slices of rows.
    fn encode(&self, writers: &mut [ArrowColumnWriter], part: &RecordBatch) -> Result<(), ParquetError> {
        if writers.len() != self.leaves.iter().sum::<usize>() {
            return Err(ParquetError::General(format!(
                "{} column writers for {} leaf columns",
                writers.len(),
                self.leaves.iter().sum::<usize>()
            )));
        }
        let mut at = 0;
        while at < part.num_rows() {
            // in slices: a column's leaves carry levels per event, so a whole table's
            // levels at once would cost more than its lists
            let take = (part.num_rows() - at).min(self.slice_rows);
            let slice = part.slice(at, take);
            // one task per column: its leaves (with their levels) made and encoded
            // there, so only the columns in flight hold levels
            let mut tasks: Vec<(&mut [ArrowColumnWriter], usize)> = Vec::with_capacity(self.leaves.len());
            let mut free: &mut [ArrowColumnWriter] = writers;
            for (i, &n) in self.leaves.iter().enumerate() {
                let (mine, others) = std::mem::take(&mut free).split_at_mut(n);
                tasks.push((mine, i));
                free = others;
            }
            let fields = self.schema.fields();
            tasks.into_par_iter().try_for_each(|(mine, i)| {
                // strings dictionary-encoded in memory (a Parquet event list read back)
                // are encoded as the plain strings the schema declares
                let col = slice.column(i);
                let field = if col.data_type() == fields[i].data_type() {
                    fields[i].as_ref().clone()
                } else {
                    fields[i].as_ref().clone().with_data_type(col.data_type().clone())
                };
                let leaves = compute_leaves(&field, col)?;
                if leaves.len() != mine.len() {
                    return Err(ParquetError::General(format!(
                        "column {}: {} leaves for {} column writers",
                        fields[i].name(),
                        leaves.len(),
                        mine.len()
                    )));
                }
                mine.iter_mut().zip(&leaves).try_for_each(|(w, leaf)| w.write(leaf))
            })?;
            at += take;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek};
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, ListBuilder, StringBuilder};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(from: i64, n: i64) -> RecordBatch {
        let mut lists = ListBuilder::new(StringBuilder::new());
        for i in from..from + n {
            for j in 0..(i % 4) {
                lists.values().append_value(format!("cmd{}", (i + j) % 5));
            }
            lists.append(i % 7 != 3);
        }
        let ids: ArrayRef = Arc::new(Int64Array::from_iter((from..from + n).map(|i| (i % 5 != 0).then_some(i))));
        let lists: ArrayRef = Arc::new(lists.finish());
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("events", lists.data_type().clone(), true),
        ]);
        RecordBatch::try_new(Arc::new(schema), vec![ids, lists]).expect("a valid batch")
    }

    fn bytes(mut f: File) -> Vec<u8> {
        let mut out = Vec::new();
        f.rewind().expect("rewind");
        f.read_to_end(&mut out).expect("read back");
        out
    }

    /// Byte for byte the file `ArrowWriter` writes, row groups cut inside batches and
    /// batches written in slices included.
    #[test]
    fn writes_what_arrow_writer_writes() {
        let batches = [batch(0, 2), batch(2, 5), batch(7, 0), batch(7, 9)];
        let schema = batches[0].schema();
        for (max_rows, slice_rows) in [(1, SLICE_ROWS), (3, SLICE_ROWS), (4, 2), (100, SLICE_ROWS), (100, 3)] {
            let props = || WriterProperties::builder().set_max_row_group_row_count(Some(max_rows)).build();
            let mut ours =
                ParallelParquet::try_new(tempfile::tempfile().expect("temp"), schema.clone(), props()).expect("writer");
            ours.slice_rows = slice_rows;
            let mut theirs = ArrowWriter::try_new(tempfile::tempfile().expect("temp"), schema.clone(), Some(props()))
                .expect("writer");
            for b in &batches {
                ours.write(b).expect("write");
                theirs.write(b).expect("write");
            }
            let (ours, theirs) = (ours.into_inner().expect("finish"), theirs.into_inner().expect("finish"));
            assert_eq!(bytes(ours), bytes(theirs), "max {max_rows} rows per row group, slices of {slice_rows}");
        }
    }
}
