//! Support for the workspace's bounded fuzz targets (feature `fuzzing`).
//!
//! The toolchain is stable, so instead of libFuzzer's open-ended runs each
//! crate runs its fuzz targets — plain `fn(&[u8])`s that must not panic, hang
//! or allocate without bound — as property tests with a fixed number of
//! cases, on inputs made by [`mutated`] (byte-level edits of seed inputs:
//! fixtures and generated documents) or by structured proptest strategies.
//! The same targets can be driven by cargo-fuzz for longer runs elsewhere
//! (each crate's `fuzz/` directory).
//!
//! - [`config`]: a fixed case count and seed (reproducible in CI), scaled by
//!   `BOXKIT_FUZZ_CASES` (a multiplier) and reseeded by `BOXKIT_FUZZ_SEED` for
//!   longer or different runs;
//! - [`run_case`]: runs one input on a thread with a deadline, so a hang
//!   fails the test instead of stalling CI, and saves a failing input to a
//!   file to check in as a regression case;
//! - [`replay_corpus`]: replays the checked-in hostile inputs and fixed
//!   failures of each target;
//! - [`peak_rss`]: the process's peak resident memory (Linux), for a coarse
//!   bound on allocation after a run.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

pub use proptest;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed};

/// The seed used unless `BOXKIT_FUZZ_SEED` says otherwise.
pub const DEFAULT_SEED: u64 = 0x0b0c_5eed;

/// Largest input a mutation may grow to (repeats are clipped here).
pub const MAX_INPUT: usize = 256 * 1024;

/// A proptest configuration running `cases` cases (times the
/// `BOXKIT_FUZZ_CASES` multiplier) from a fixed seed, without failure
/// persistence files (regressions are checked in as explicit test cases),
/// and with shrinking bounded in time.
pub fn config(cases: u32) -> Config {
    let factor: u32 = std::env::var("BOXKIT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let seed: u64 = std::env::var("BOXKIT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    Config {
        cases: cases.saturating_mul(factor.max(1)),
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_time: 60_000,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// One edit of a byte string. Positions are [`Index`]es, scaled to the
/// length of the input they are applied to.
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Flip one bit.
    Flip {
        /// Where.
        at: Index,
        /// Which bit (0–7).
        bit: u8,
    },
    /// Overwrite one byte.
    Set {
        /// Where.
        at: Index,
        /// The new byte.
        byte: u8,
    },
    /// Insert arbitrary bytes.
    Insert {
        /// Where.
        at: Index,
        /// What.
        bytes: Vec<u8>,
    },
    /// Insert one of the target's dictionary tokens (tags, statuses, magic
    /// numbers…).
    Token {
        /// Where.
        at: Index,
        /// Which token.
        token: Index,
    },
    /// Remove a run of bytes.
    Remove {
        /// Where.
        at: Index,
        /// How many.
        len: usize,
    },
    /// Copy a run of bytes to another place.
    Duplicate {
        /// From where.
        from: Index,
        /// How many.
        len: usize,
        /// To where.
        to: Index,
    },
    /// Repeat a run of bytes in place (deep nesting, long lists, long
    /// numbers), up to [`MAX_INPUT`].
    Repeat {
        /// From where.
        from: Index,
        /// How many bytes.
        len: usize,
        /// How many times.
        times: usize,
    },
    /// Cut the input short.
    Truncate {
        /// Where.
        at: Index,
    },
}

/// Any one [`Mutation`].
pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        2 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Mutation::Token { at, token }),
        2 => (any::<Index>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        2 => (any::<Index>(), 1usize..256, any::<Index>())
            .prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        1 => (any::<Index>(), 1usize..64, 2usize..2_000)
            .prop_map(|(from, len, times)| Mutation::Repeat { from, len, times }),
        1 => any::<Index>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn pos(at: &Index, len: usize) -> usize {
    // Positions range over 0..=len (an insertion may go at the end).
    at.index(len + 1)
}

/// Applies `mutations` to `seed` in order; `tokens` is the dictionary of
/// [`Mutation::Token`] (ignored when empty).
pub fn mutate(seed: &[u8], mutations: &[Mutation], tokens: &[&[u8]]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for m in mutations {
        let len = v.len();
        match m {
            Mutation::Flip { at, bit } if len > 0 => v[at.index(len)] ^= 1 << (bit % 8),
            Mutation::Set { at, byte } if len > 0 => v[at.index(len)] = *byte,
            Mutation::Insert { at, bytes } => {
                let i = pos(at, len);
                v.splice(i..i, bytes.iter().copied());
            }
            Mutation::Token { at, token } if !tokens.is_empty() => {
                let i = pos(at, len);
                let t = tokens[token.index(tokens.len())];
                v.splice(i..i, t.iter().copied());
            }
            Mutation::Remove { at, len: n } if len > 0 => {
                let i = at.index(len);
                let end = (i + n).min(len);
                v.drain(i..end);
            }
            Mutation::Duplicate { from, len: n, to } if len > 0 => {
                let i = from.index(len);
                let run = v[i..(i + n).min(len)].to_vec();
                let j = pos(to, len);
                v.splice(j..j, run);
            }
            Mutation::Repeat {
                from,
                len: n,
                times,
            } if len > 0 => {
                let i = from.index(len);
                let run = v[i..(i + n).min(len)].to_vec();
                let room = MAX_INPUT.saturating_sub(len) / run.len().max(1);
                let times = (*times).min(room);
                let mut grown = Vec::with_capacity(run.len() * times);
                for _ in 0..times {
                    grown.extend_from_slice(&run);
                }
                v.splice(i..i, grown);
            }
            Mutation::Truncate { at } => v.truncate(pos(at, len)),
            _ => {}
        }
        v.truncate(MAX_INPUT);
    }
    v
}

/// Inputs made from one of `seeds` (chosen uniformly) with 1 to
/// `max_mutations` [`Mutation`]s, tokens from `tokens`.
pub fn mutated(
    seeds: Vec<Vec<u8>>,
    tokens: &'static [&'static [u8]],
    max_mutations: usize,
) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty(), "mutated() needs at least one seed");
    (
        proptest::sample::select(seeds),
        proptest::collection::vec(mutation(), 1..=max_mutations.max(1)),
    )
        .prop_map(move |(seed, muts)| mutate(&seed, &muts, tokens))
}

/// Runs `target` on `input` on a thread of its own and waits at most
/// `deadline`. A panic is re-raised here (so proptest sees it and shrinks);
/// running past the deadline panics with a message saying so. In both cases
/// the input is first saved under `$TMPDIR/boxkit-fuzz/<name>-<hash>.bin`
/// and the path printed, ready to be checked in as a regression case.
pub fn run_case(name: &str, input: &[u8], deadline: Duration, target: Target) {
    let owned = input.to_vec();
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name(format!("fuzz-{name}"))
        .spawn(move || {
            let r = std::panic::catch_unwind(|| target(&owned));
            let _ = tx.send(r);
        })
        .expect("spawn a fuzz worker thread");
    match rx.recv_timeout(deadline) {
        Ok(Ok(())) => {
            let _ = worker.join();
        }
        Ok(Err(panic)) => {
            let _ = worker.join();
            let path = save_failure(name, input);
            eprintln!("fuzz target {name} panicked; input saved to {path:?}");
            std::panic::resume_unwind(panic);
        }
        Err(_) => {
            let path = save_failure(name, input);
            panic!(
                "fuzz target {name} ran for more than {deadline:?} on a {}-byte input (a hang?); \
                 input saved to {path:?}",
                input.len()
            );
        }
    }
}

/// A fuzz target: any bytes in, no panic, hang or unbounded allocation.
pub type Target = fn(&[u8]);

/// Replays the checked-in corpus of each target: every file under
/// `dir/<target name>/` goes through [`run_case`]. The corpus holds the
/// hostile inputs each target must survive (bombs, overflows, truncations,
/// deep nesting) and every input that once made a target fail, added once it
/// was fixed. A target without a corpus directory, or with an empty one, fails
/// the test: a replay that runs nothing would pass whatever the code does.
/// Returns the number of inputs replayed.
pub fn replay_corpus(dir: &Path, targets: &[(&str, Target)], deadline: Duration) -> usize {
    let mut replayed = 0;
    for (name, target) in targets {
        let target_dir = dir.join(name);
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&target_dir)
            .unwrap_or_else(|e| panic!("fuzz corpus of {name}: {target_dir:?}: {e}"))
            .map(|e| e.expect("a corpus directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        assert!(
            !paths.is_empty(),
            "fuzz corpus of {name} is empty: add at least one hostile input to {target_dir:?}"
        );
        paths.sort();
        for path in paths {
            let input = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            eprintln!("replaying {path:?} ({} bytes)", input.len());
            run_case(name, &input, deadline, *target);
            replayed += 1;
        }
    }
    replayed
}

fn save_failure(name: &str, input: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join("boxkit-fuzz");
    let _ = std::fs::create_dir_all(&dir);
    // FNV-1a: a stable name for the same input.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = dir.join(format!("{name}-{hash:016x}.bin"));
    let _ = std::fs::write(&path, input);
    path
}

/// The process's peak resident set size in bytes (`VmHWM` of
/// `/proc/self/status`), or `None` where that file does not exist.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Fails if the process's peak resident memory passed `limit` bytes (a
/// coarse check for unbounded allocation, run after a target's cases; a
/// no-op where [`peak_rss`] is unknown).
pub fn assert_peak_rss_below(limit: u64) {
    if let Some(peak) = peak_rss() {
        assert!(
            peak < limit,
            "peak resident memory {} MiB is over the {} MiB bound",
            peak >> 20,
            limit >> 20
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn mutations_stay_within_the_size_bound() {
        let mut runner = TestRunner::new(config(1));
        let strategy = mutated(vec![b"<a><b/></a>".to_vec(), Vec::new()], &[b"<x>"], 8);
        for _ in 0..500 {
            let v = strategy.new_tree(&mut runner).unwrap().current();
            assert!(v.len() <= MAX_INPUT);
        }
    }

    #[test]
    fn a_hang_is_reported_and_saved() {
        fn slow(_: &[u8]) {
            std::thread::sleep(Duration::from_secs(2));
        }
        let r = std::panic::catch_unwind(|| {
            run_case("selftest", b"zz", Duration::from_millis(50), slow)
        });
        let msg = *r.unwrap_err().downcast::<String>().unwrap();
        assert!(msg.contains("a hang?"), "{msg}");
    }
}
