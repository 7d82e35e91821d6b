//! The throughput fault ([`crate::faults::Fault::Throughput`]): a body
//! carried no faster than a given number of bytes per second, as over a
//! WAN link, so that what parallel transfers gain over one stream can be
//! measured on loopback.

use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures::StreamExt;
use tokio::time::Instant;

/// How much of the link's second one piece of a body carries (10 ms), so
/// the pace is smooth and a big chunk is not sent in one burst after a
/// long pause.
const SLICES_PER_SEC: u64 = 100;

/// `body`, carried at most `bytes_per_sec` (at least 1). The pace starts
/// when the first byte is asked for; each piece is released once the time
/// the bytes before it take at that rate has passed, so pauses of the
/// reader do not add up to a burst beyond the rate.
pub fn paced(body: Body, bytes_per_sec: u64) -> Body {
    let rate = bytes_per_sec.max(1);
    let slice = (rate / SLICES_PER_SEC).clamp(1, 256 * 1024) as usize;
    struct Pace {
        data: axum::body::BodyDataStream,
        pending: Bytes,
        sent: u64,
        start: Option<Instant>,
    }
    let state = Pace {
        data: body.into_data_stream(),
        pending: Bytes::new(),
        sent: 0,
        start: None,
    };
    let stream = futures::stream::unfold(state, move |mut st| async move {
        if st.pending.is_empty() {
            match st.data.next().await? {
                Ok(chunk) => st.pending = chunk,
                Err(e) => return Some((Err(e), st)),
            }
        }
        let start = *st.start.get_or_insert_with(Instant::now);
        let piece = st.pending.split_to(slice.min(st.pending.len()));
        st.sent += piece.len() as u64;
        let due = Duration::from_secs_f64(st.sent as f64 / rate as f64);
        tokio::time::sleep_until(start + due).await;
        Some((Ok(piece), st))
    });
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 64 KiB at 256 KiB/s takes about a quarter of a second and arrives
    /// whole, in order.
    #[tokio::test]
    async fn a_paced_body_keeps_its_bytes_and_its_rate() {
        let data: Vec<u8> = (0..64 * 1024u32).map(|i| (i % 251) as u8).collect();
        let body = Body::from(data.clone());
        let started = std::time::Instant::now();
        let got = axum::body::to_bytes(paced(body, 256 * 1024), usize::MAX)
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(&got[..], &data[..]);
        assert!(took >= Duration::from_millis(240), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
}
