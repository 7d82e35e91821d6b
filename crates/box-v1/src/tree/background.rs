//! Decoding an account tree on a blocking thread, handed to async code in
//! bounded batches.
//!
//! Decoding a tree of millions of entries is CPU work; running it inside an
//! async task would stall the executor. [`BackgroundEntries`] runs a
//! [`TreeReader`] under `tokio::task::spawn_blocking` and passes entries back
//! through a channel of at most [`QUEUED_BATCHES`] batches of [`BATCH`]
//! entries, so memory stays bounded however big the tree is, and decoding
//! overlaps with whatever the consumer does with each entry. Dropping the
//! receiver stops the decoder at its next batch.

use std::io::BufRead;

use box_core::Result;
use tokio::sync::mpsc;

use super::parse::{TreeEntry, TreeReader};

/// Entries per batch.
pub const BATCH: usize = 512;
/// Batches queued between the decoder and the consumer.
pub const QUEUED_BATCHES: usize = 4;

/// Tree entries decoded on a blocking thread.
#[derive(Debug)]
pub struct BackgroundEntries {
    rx: mpsc::Receiver<Result<Vec<TreeEntry>>>,
    current: std::vec::IntoIter<TreeEntry>,
}

impl BackgroundEntries {
    /// Starts decoding `reader` on tokio's blocking pool. Must be called
    /// inside a tokio runtime.
    pub fn spawn<R: BufRead + Send + 'static>(reader: TreeReader<R>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUED_BATCHES);
        tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for e in reader {
                match e {
                    Ok(e) => {
                        batch.push(e);
                        if batch.len() == BATCH {
                            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                            if tx.blocking_send(Ok(full)).is_err() {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        if !batch.is_empty() && tx.blocking_send(Ok(batch)).is_err() {
                            return;
                        }
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(Ok(batch));
            }
        });
        Self {
            rx,
            current: Vec::new().into_iter(),
        }
    }

    /// The next entry; `None` at the end. After an error, `None`.
    pub async fn next(&mut self) -> Option<Result<TreeEntry>> {
        loop {
            if let Some(e) = self.current.next() {
                return Some(Ok(e));
            }
            match self.rx.recv().await? {
                Ok(batch) => self.current = batch.into_iter(),
                Err(e) => {
                    self.rx.close();
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn batches_arrive_in_order_and_errors_pass_through() {
        let xml = super::super::generate::tree_xml(10, 200);
        let mut bg = BackgroundEntries::spawn(TreeReader::new(std::io::Cursor::new(
            xml.clone().into_bytes(),
        )));
        let mut n = 0;
        while let Some(e) = bg.next().await {
            e.unwrap();
            n += 1;
        }
        assert_eq!(n, 1 + 10 * 2 + 2000 + 1);
        let cut = xml[..xml.len() / 2].to_owned().into_bytes();
        let mut bg = BackgroundEntries::spawn(TreeReader::new(std::io::Cursor::new(cut)));
        let mut last = None;
        while let Some(e) = bg.next().await {
            last = Some(e);
        }
        assert!(matches!(last, Some(Err(box_core::Error::Decode { .. }))));
    }
}
