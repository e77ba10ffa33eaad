//! [`NormalizedRows`]: the numbers file read, and every row normalised, on several threads,
//! handed back in file order.
//!
//! libphonenumber validation is the dominant cost of an import (about 0.5-1 µs a number, the
//! CSV reading about 0.35 µs a row), and it is a pure function of the cell, so it spreads
//! over cores: one thread reads chunks of rows, `workers` threads normalise them, and the
//! caller's iterator reassembles the chunks in sequence.
//!
//! Invariants: rows come back exactly in file order, so the caller's de-duplication (first
//! sighting wins) is deterministic; memory stays small (bounded channels: a few chunks in
//! flight per worker, plus any finished ahead of a slower worker's chunk);
//! a read error arrives in its place in the sequence and ends the stream; dropping the
//! iterator early stops the threads (their channels close).
//!
//! Must not: de-duplicate or judge rows (the caller does, in order), or share state between
//! workers beyond the channels.

use std::collections::BTreeMap;
use std::io::Read;
use std::num::NonZeroUsize;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::vec;

use super::{NumberRecord, NumbersError, NumbersReader};
use crate::campaign::phone::{self, E164, Rejection};

/// Rows per chunk: large enough that channel traffic is negligible, small enough to keep
/// memory and latency low.
const CHUNK: usize = 1024;

/// One row of the numbers file with its normalised number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedRow {
    /// The row as read.
    pub record: NumberRecord,
    /// [`phone::normalize`] of `record.raw` with the default region.
    pub number: Result<E164, Rejection>,
}

type Chunk = Vec<Result<NormalizedRow, NumbersError>>;
/// A numbered chunk of rows as read, on its way to a worker.
type Job = (u64, Vec<Result<NumberRecord, NumbersError>>);

/// The rows of a numbers file, normalised in parallel, in file order.
pub struct NormalizedRows {
    results: Receiver<(u64, Chunk)>,
    /// Chunks that arrived before their turn.
    early: BTreeMap<u64, Chunk>,
    current: vec::IntoIter<Result<NormalizedRow, NumbersError>>,
    next_seq: u64,
    done: bool,
}

impl NormalizedRows {
    /// Starts reading `reader` on its own thread and normalising on `workers` threads
    /// (2 on a 2-core machine: the reading thread is light).
    pub fn spawn<R: Read + Send + 'static>(
        reader: NumbersReader<R>,
        default_region: Option<String>,
        workers: NonZeroUsize,
    ) -> Self {
        let (work_tx, work_rx) =
            sync_channel::<(u64, Vec<Result<NumberRecord, NumbersError>>)>(2 * workers.get());
        let (result_tx, results) = sync_channel(2 * workers.get());
        thread::spawn(move || read_chunks(reader, work_tx));
        let work_rx = Arc::new(Mutex::new(work_rx));
        for _ in 0..workers.get() {
            let (work_rx, result_tx) = (Arc::clone(&work_rx), result_tx.clone());
            let region = default_region.clone();
            thread::spawn(move || normalize_chunks(&work_rx, &result_tx, region.as_deref()));
        }
        NormalizedRows {
            results,
            early: BTreeMap::new(),
            current: Vec::new().into_iter(),
            next_seq: 0,
            done: false,
        }
    }

    /// The next chunk in sequence, or `None` when every sender is gone.
    fn next_chunk(&mut self) -> Option<Chunk> {
        loop {
            if let Some(chunk) = self.early.remove(&self.next_seq) {
                self.next_seq += 1;
                return Some(chunk);
            }
            match self.results.recv() {
                Ok((seq, chunk)) => {
                    self.early.insert(seq, chunk);
                }
                Err(_) => {
                    // Every sender finished: a gap can only mean a worker died mid-chunk,
                    // and silently skipping rows would be worse than stopping loudly.
                    assert!(self.early.is_empty(), "a numbers worker thread panicked");
                    return None;
                }
            }
        }
    }
}

impl Iterator for NormalizedRows {
    type Item = Result<NormalizedRow, NumbersError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            if let Some(row) = self.current.next() {
                self.done = row.is_err();
                return Some(row);
            }
            match self.next_chunk() {
                Some(chunk) => self.current = chunk.into_iter(),
                None => self.done = true,
            }
        }
    }
}

/// The reading thread: chunks of records, numbered, until the end or the first error.
fn read_chunks<R: Read>(mut reader: NumbersReader<R>, work: SyncSender<Job>) {
    for seq in 0.. {
        let chunk: Vec<_> = reader.by_ref().take(CHUNK).collect();
        let last = chunk.len() < CHUNK || chunk.last().is_some_and(Result::is_err);
        if chunk.is_empty() || work.send((seq, chunk)).is_err() || last {
            return;
        }
    }
}

/// A worker thread: normalises chunks until the reader is done or the consumer is gone.
fn normalize_chunks(
    work: &Mutex<Receiver<Job>>,
    results: &SyncSender<(u64, Chunk)>,
    region: Option<&str>,
) {
    loop {
        // Hold the lock only to receive, never while normalising.
        let job = work.lock().map(|rx| rx.recv());
        let Ok(Ok((seq, records))) = job else {
            return;
        };
        let rows = records
            .into_iter()
            .map(|record| {
                record.map(|record| NormalizedRow {
                    number: phone::normalize(&record.raw, region),
                    record,
                })
            })
            .collect();
        if results.send((seq, rows)).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::ColumnRef;

    fn csv(rows: usize) -> Vec<u8> {
        let mut text = String::from("phone,n\n");
        for i in 0..rows {
            // Every 7th row is junk, every 11th repeats an earlier number.
            match i {
                _ if i % 7 == 3 => text.push_str("n/a,x\n"),
                _ if i % 11 == 5 => text.push_str("138 0013 8000,dup\n"),
                _ => text.push_str(&format!(
                    "+86 138 {:04} {:04},{i}\n",
                    i / 10_000,
                    i % 10_000
                )),
            }
        }
        text.into_bytes()
    }

    #[test]
    fn parallel_rows_equal_serial_rows_in_order() {
        let input = csv(5 * CHUNK + 17);
        let column = ColumnRef::First;
        let serial: Vec<NormalizedRow> = NumbersReader::new(&input[..], "s.csv", &column)
            .unwrap()
            .map(|r| {
                let record = r.unwrap();
                let number = phone::normalize(&record.raw, Some("CN"));
                NormalizedRow { record, number }
            })
            .collect();
        let reader = NumbersReader::new(Cursor::new(input), "p.csv", &column).unwrap();
        let workers = NonZeroUsize::new(3).unwrap();
        let parallel: Vec<NormalizedRow> =
            NormalizedRows::spawn(reader, Some("CN".into()), workers)
                .map(Result::unwrap)
                .collect();
        assert_eq!(parallel.len(), 5 * CHUNK + 17);
        assert!(parallel == serial, "rows differ or are out of order");
    }

    #[test]
    fn a_read_error_arrives_in_place_and_ends_the_stream() {
        let mut input = csv(2 * CHUNK);
        input.extend_from_slice(b"13800138000,Z\xfcrich\n13800138001,after\n");
        let reader = NumbersReader::new(Cursor::new(input), "e.csv", &ColumnRef::First).unwrap();
        let rows: Vec<_> =
            NormalizedRows::spawn(reader, Some("CN".into()), NonZeroUsize::MIN).collect();
        assert_eq!(rows.len(), 2 * CHUNK + 1);
        assert!(
            matches!(rows.last(), Some(Err(NumbersError::NotUtf8 { line, .. })) if *line == 2 * CHUNK as u64 + 2)
        );
    }

    use std::io::Cursor;
}
