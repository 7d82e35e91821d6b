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
    Done,
}

/// Turns `fetch` (one page per call) into a stream of every entry.
pub fn paginate<T, F, Fut>(paging: Paging, mut fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(PageRequest) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    let first = match paging {
        Paging::Marker => PageRequest::Marker(None),
        Paging::Offset => PageRequest::Offset(0),
    };
    stream::unfold(State::Next(first), move |state| {
        let fut = match state {
            State::Next(req) => Some((fetch(req.clone()), req)),
            State::Done => None,
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
                            if n == 0 || page.total_count.is_none_or(|t| seen >= t) {
                                State::Done
                            } else {
                                State::Next(PageRequest::Offset(seen))
                            }
                        }
                    };
                    let items: Vec<Result<T>> = page.entries.into_iter().map(Ok).collect();
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
