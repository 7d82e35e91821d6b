//! Progress bars (indicatif) on stderr: bytes, rate, ETA. Drawn only when
//! stderr is a terminal and `--quiet` is not given.

use std::io::IsTerminal;

use box_core::Body;
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::Output;

/// A byte-count progress bar that may be hidden.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` bytes labelled `what`; hidden without a TTY or with `--quiet`.
    pub fn bytes(out: Output, total: u64, what: &str) -> Self {
        let visible = !out.quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(what.to_owned());
        Self { bar }
    }

    /// Whether the bar is drawn.
    pub fn is_visible(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// Adds `n` bytes.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Sets the label.
    pub fn set_message(&self, msg: impl Into<String>) {
        self.bar.set_message(msg.into());
    }

    /// Prints a line above the bar (or plainly on stderr when hidden and not quiet).
    pub fn println(&self, out: Output, line: &str) {
        if self.is_visible() {
            self.bar.println(line);
        } else {
            out.note(line);
        }
    }

    /// Wraps a body so that every chunk read moves the bar.
    pub fn track(&self, body: Body) -> Body {
        let len = body.len();
        let bar = self.bar.clone();
        Body::from_stream(
            body.into_stream()
                .inspect_ok(move |chunk| bar.inc(chunk.len() as u64)),
            len,
        )
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
