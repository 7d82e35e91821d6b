//! Decompressing on a second thread while the caller parses.
//!
//! Inflating and parsing a large account tree are both CPU-bound. A
//! [`Prefetch`] runs the byte-producing half of the chain (base64 → ZIP →
//! inflate) on its own thread and hands the decompressed document over in
//! chunks of [`CHUNK`] bytes, so the XML parser on the calling thread works
//! in parallel with the decompressor. At most [`IN_FLIGHT`] chunks exist at a
//! time (they are recycled), so memory stays bounded whatever the tree's
//! size. Errors cross the thread unchanged, in order, after the data before
//! them. Dropping the `Prefetch` stops the thread at its next chunk.

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// Bytes per chunk handed from the decompressing thread.
pub const CHUNK: usize = 256 * 1024;
/// Chunks in existence at once (being filled, queued or being read).
pub const IN_FLIGHT: usize = 4;

/// A reader whose data is produced by another thread.
pub struct Prefetch {
    rx: Receiver<io::Result<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
    finished: bool,
}

impl Prefetch {
    /// Starts reading `inner` on a new thread. Fails only if the thread
    /// cannot be started.
    pub fn spawn<R: Read + Send + 'static>(mut inner: R) -> io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(IN_FLIGHT);
        let (recycle, recycled) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        std::thread::Builder::new()
            .name("box-v1-inflate".into())
            .spawn(move || {
                let mut made = 0;
                loop {
                    let mut buf = match recycled.try_recv() {
                        Ok(b) => b,
                        Err(_) if made < IN_FLIGHT => {
                            made += 1;
                            Vec::with_capacity(CHUNK)
                        }
                        // All chunks are out: wait for the reader to return
                        // one (or to go away).
                        Err(_) => match recycled.recv() {
                            Ok(b) => b,
                            Err(_) => return,
                        },
                    };
                    // Only a short last chunk leaves anything to zero.
                    buf.resize(CHUNK, 0);
                    let mut filled = 0;
                    let outcome = loop {
                        match inner.read(&mut buf[filled..]) {
                            Ok(0) => break Ok(true),
                            Ok(n) => {
                                filled += n;
                                if filled == CHUNK {
                                    break Ok(false);
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            Err(e) => break Err(e),
                        }
                    };
                    buf.truncate(filled);
                    match outcome {
                        Ok(at_end) => {
                            if filled > 0 && tx.send(Ok(buf)).is_err() {
                                return;
                            }
                            if at_end {
                                return; // dropping `tx` tells the reader
                            }
                        }
                        Err(e) => {
                            if filled > 0 && tx.send(Ok(buf)).is_err() {
                                return;
                            }
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                }
            })?;
        Ok(Self {
            rx,
            recycle,
            current: Vec::new(),
            pos: 0,
            finished: false,
        })
    }
}

impl BufRead for Prefetch {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.current.len() && !self.finished {
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    let done = std::mem::replace(&mut self.current, next);
                    self.pos = 0;
                    if done.capacity() > 0 {
                        // The thread may have stopped; a lost chunk is fine.
                        let _ = self.recycle.try_send(done);
                    }
                }
                Ok(Err(e)) => {
                    self.finished = true;
                    return Err(e);
                }
                Err(_) => self.finished = true, // the thread reached the end
            }
        }
        Ok(&self.current[self.pos.min(self.current.len())..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.current.len());
    }
}

impl Read for Prefetch {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Produces `total` bytes (a counting pattern), then fails if `fail`.
    struct Source {
        total: usize,
        sent: usize,
        fail: bool,
    }

    impl Read for Source {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.sent == self.total {
                return if self.fail {
                    Err(io::Error::new(io::ErrorKind::InvalidData, "boom"))
                } else {
                    Ok(0)
                };
            }
            let n = buf.len().min(self.total - self.sent).min(10_000);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = ((self.sent + i) % 251) as u8;
            }
            self.sent += n;
            Ok(n)
        }
    }

    #[test]
    fn data_arrives_whole_and_in_order() {
        let total = CHUNK * 9 + 123;
        let mut p = Prefetch::spawn(Source {
            total,
            sent: 0,
            fail: false,
        })
        .unwrap();
        let mut out = Vec::new();
        p.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), total);
        assert!(out.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
        assert_eq!(p.read(&mut [0u8; 8]).unwrap(), 0, "stays at the end");
    }

    #[test]
    fn an_error_follows_the_data_before_it() {
        let mut p = Prefetch::spawn(Source {
            total: CHUNK + 5,
            sent: 0,
            fail: true,
        })
        .unwrap();
        let mut out = Vec::new();
        let e = p.read_to_end(&mut out).unwrap_err();
        assert_eq!(e.to_string(), "boom");
        assert_eq!(out.len(), CHUNK + 5);
    }

    #[test]
    fn dropping_the_reader_stops_the_thread() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        // An endless source that records when the thread lets go of it.
        struct Endless(Arc<AtomicBool>);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(b'x');
                Ok(buf.len())
            }
        }
        impl Drop for Endless {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let released = Arc::new(AtomicBool::new(false));
        let mut p = Prefetch::spawn(Endless(released.clone())).unwrap();
        let mut first = [0u8; 16];
        p.read_exact(&mut first).unwrap();
        drop(p);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !released.load(Ordering::SeqCst) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(released.load(Ordering::SeqCst), "the thread kept running");
    }
}
