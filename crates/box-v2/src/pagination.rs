//! The one place where paged endpoints become a [`Stream`](futures::Stream).
//!
//! Box pages two ways: marker-based (`usemarker=true&marker=…`, answered with
//! `next_marker`) and offset-based (`offset=…&limit=…`, answered with
//! `total_count`). [`paginate`] drives either with an `unfold`; nobody outside
//! this module handles a marker or an offset.

use std::future::Future;

use box_core::Result;
use futures::stream::{self, BoxStream, StreamExt};
use serde::Deserialize;

/// Largest page Box serves for folder items.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// How an endpoint pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `usemarker=true`, `marker`, `next_marker`.
    Marker,
    /// `offset`, `limit`, `total_count`.
    Offset,
    /// Offset paging where the server refuses an `offset` above this
    /// (search: 10,000). When entries remain past it, the stream ends with
    /// [`Error::InvalidInput`](box_core::Error::InvalidInput) saying how many
    /// were left out, instead of sending a request Box would refuse.
    OffsetAtMost(u64),
}

/// Which page to fetch next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// The page after `marker` (`None` for the first page).
    Marker(Option<String>),
    /// The page starting at this offset.
    Offset(u64),
}

impl PageRequest {
    /// The query parameters for this page (`limit` included).
    pub fn query(&self, limit: u32) -> Vec<(&'static str, String)> {
        let mut q = vec![("limit", limit.to_string())];
        match self {
            PageRequest::Marker(m) => {
                q.push(("usemarker", "true".into()));
                if let Some(m) = m {
                    q.push(("marker", m.clone()));
                }
            }
            PageRequest::Offset(o) => q.push(("offset", o.to_string())),
        }
        q
    }
}

/// One page of a collection, as Box returns it.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The entries.
    #[serde(default = "Vec::new")]
    pub entries: Vec<T>,
    /// The marker of the next page (marker paging); empty or absent at the end.
    #[serde(default)]
    pub next_marker: Option<String>,
    /// Total entries (offset paging).
    #[serde(default)]
    pub total_count: Option<u64>,
}

enum State {
    Next(PageRequest),
    /// The next offset is past the server's ceiling with entries left.
    Ceiling {
        max: u64,
        seen: u64,
        total: u64,
    },
    Done,
}

/// Turns `fetch` (one page per call) into a stream of every entry.
pub fn paginate<T, F, Fut>(paging: Paging, mut fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(PageRequest) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let (first, ceiling) = match paging {
        Paging::Marker => (PageRequest::Marker(None), None),
        Paging::Offset => (PageRequest::Offset(0), None),
        Paging::OffsetAtMost(max) => (PageRequest::Offset(0), Some(max)),
    };
    stream::unfold(State::Next(first), move |state| {
        let fut = match state {
            State::Next(req) => Some((fetch(req.clone()), req)),
            State::Ceiling { .. } | State::Done => None,
        };
        async move {
            let (fut, req) = fut?;
            match fut.await {
                Err(e) => Some((stream::iter(vec![Err(e)]), State::Done)),
                Ok(page) => {
                    let n = page.entries.len() as u64;
                    let next = match req {
                        PageRequest::Marker(_) => match page.next_marker {
                            Some(m) if !m.is_empty() && n > 0 => {
                                State::Next(PageRequest::Marker(Some(m)))
                            }
                            _ => State::Done,
                        },
                        PageRequest::Offset(o) => {
                            let seen = o + n;
                            match page.total_count {
                                _ if n == 0 => State::Done,
                                Some(t) if seen < t => match ceiling {
                                    Some(max) if seen > max => State::Ceiling {
                                        max,
                                        seen,
                                        total: t,
                                    },
                                    _ => State::Next(PageRequest::Offset(seen)),
                                },
                                _ => State::Done,
                            }
                        }
                    };
                    let mut items: Vec<Result<T>> = page.entries.into_iter().map(Ok).collect();
                    if let State::Ceiling { max, seen, total } = next {
                        items.push(Err(box_core::Error::invalid_input(format!(
                            "{total} results, but Box serves them by offset up to {max} only: \
                             {seen} were returned and {} left out; narrow the query \
                             (folders, types, date or size ranges) to reach the rest",
                            total - seen
                        ))));
                    }
                    let next = match next {
                        State::Ceiling { .. } => State::Done,
                        s => s,
                    };
                    Some((stream::iter(items), next))
                }
            }
        }
    })
    .flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[tokio::test]
    async fn offset_paging_stops_at_total() {
        let s = paginate(Paging::Offset, |req| async move {
            let PageRequest::Offset(o) = req else {
                unreachable!()
            };
            let entries: Vec<u64> = (o..(o + 3).min(7)).collect();
            Ok(Page {
                entries,
                next_marker: None,
                total_count: Some(7),
            })
        });
        let all: Vec<u64> = s.try_collect().await.unwrap();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn offset_ceiling_ends_with_a_clear_error() {
        let requested = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = requested.clone();
        let s = paginate(Paging::OffsetAtMost(4), move |req| {
            let PageRequest::Offset(o) = req else {
                unreachable!()
            };
            log.lock().unwrap().push(o);
            async move {
                Ok(Page {
                    entries: (o..o + 2).collect::<Vec<u64>>(),
                    next_marker: None,
                    total_count: Some(100),
                })
            }
        });
        let out: Vec<Result<u64>> = s.collect().await;
        // Offsets 0, 2, 4 are asked for; 6 is past the ceiling.
        assert_eq!(*requested.lock().unwrap(), vec![0, 2, 4]);
        assert_eq!(out.len(), 7);
        let err = out[6].as_ref().unwrap_err();
        assert!(matches!(err, box_core::Error::InvalidInput { .. }), "{err}");
        assert!(err.to_string().contains("94 left out"), "{err}");

        // Under the ceiling, the listing just ends.
        let s = paginate(Paging::OffsetAtMost(4), |req| async move {
            let PageRequest::Offset(o) = req else {
                unreachable!()
            };
            Ok(Page {
                entries: (o..(o + 2).min(5)).collect::<Vec<u64>>(),
                next_marker: None,
                total_count: Some(5),
            })
        });
        let all: Vec<u64> = s.try_collect().await.unwrap();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
    }

    #[tokio::test]
    async fn marker_paging_and_errors() {
        let s = paginate(Paging::Marker, |req| async move {
            match req {
                PageRequest::Marker(None) => Ok(Page {
                    entries: vec![1, 2],
                    next_marker: Some("m1".into()),
                    total_count: None,
                }),
                PageRequest::Marker(Some(m)) if m == "m1" => Ok(Page {
                    entries: vec![3],
                    next_marker: Some(String::new()),
                    total_count: None,
                }),
                _ => Err(box_core::Error::not_found("unexpected page")),
            }
        });
        let all: Vec<i32> = s.try_collect().await.unwrap();
        assert_eq!(all, vec![1, 2, 3]);

        let s = paginate::<i32, _, _>(Paging::Marker, |_| async {
            Err(box_core::Error::not_found("x"))
        });
        let out: Vec<_> = s.collect().await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
