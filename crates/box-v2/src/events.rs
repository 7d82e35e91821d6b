//! The event stream: `client.events().stream(StreamPosition::Now)`.
//!
//! Built by hand on the generated calls of [`crate::generated::Events`]:
//!
//! 1. `GET /events?stream_position=…` returns the events after a position and
//!    the next position; the stream yields them and moves on.
//! 2. When there is nothing new, it asks `OPTIONS /events` for a realtime
//!    server and long-polls it (`GET <url>&stream_position=…`). The answer
//!    `new_change` sends it back to step 1; `reconnect` (or a failed or timed
//!    out poll) gets a fresh realtime server, at most `max_retries` times in
//!    a row before the stream ends with the error.
//! 3. Box documents that it may deliver an event more than once; the stream
//!    drops an `event_id` it has already yielded (it remembers the last
//!    [`DEDUPE_WINDOW`] ids).
//!
//! The stream never ends on its own; it ends after yielding an error from
//! `GET /events` (resume from [`EventStream::position`]).
//!
//! Enterprise events come two ways:
//!
//! - `stream_type=admin_logs` is history, not a live feed:
//!   [`Events::admin_logs`] pages through it between `created_after` and
//!   `created_before` and ends when Box has no more.
//! - `stream_type=admin_logs_streaming` is the recent enterprise feed (lower
//!   latency, not in time order, with duplicates): [`Events::admin_logs_streaming`]
//!   pages by `next_stream_position` like the user stream, drops duplicate
//!   `event_id`s the same way, but has no realtime server to long-poll: when a
//!   page brings nothing new it waits a poll interval (through the client's
//!   [`Sleeper`](box_core::Sleeper)) and asks again, or ends there when asked
//!   to stop once caught up.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use box_core::{Error, Result, Timestamp, UserId};
use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};
use futures::{FutureExt, Stream};
use reqwest::Method;

use crate::generated::models::{Event, Events as EventPage, EventsNextStreamPosition};
use crate::generated::models::{RealtimeServer, RealtimeServers};
use crate::generated::Events;
use crate::pagination::{paginate, Page, PageRequest, Paging};
use crate::Client;

/// How many recent `event_id`s the stream remembers to drop duplicates.
pub const DEDUPE_WINDOW: usize = 10_000;
/// Events asked for per `GET /events`.
const PAGE: i64 = 500;

/// Where an event stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamPosition {
    /// Only events from now on.
    Now,
    /// Every event Box still keeps (position `0`).
    Beginning,
    /// After a position returned earlier (`next_stream_position`).
    At(String),
}

impl StreamPosition {
    fn as_query(&self) -> &str {
        match self {
            StreamPosition::Now => "now",
            StreamPosition::Beginning => "0",
            StreamPosition::At(p) => p,
        }
    }
}

impl From<&str> for StreamPosition {
    fn from(s: &str) -> Self {
        match s {
            "now" => StreamPosition::Now,
            "0" => StreamPosition::Beginning,
            p => StreamPosition::At(p.to_owned()),
        }
    }
}

impl Events {
    /// A never-ending [`Stream`] of the user's events from `from`: pages of
    /// `GET /events`, long-polling the realtime server when there are none,
    /// without duplicate `event_id`s. See the [module docs](crate::events).
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_v2::events::StreamPosition;
    /// use futures::TryStreamExt;
    ///
    /// let mut events = client.events().stream(StreamPosition::Now);
    /// while let Some(event) = events.try_next().await? {
    ///     println!("{:?} {:?}", event.event_type, event.event_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(&self, from: impl Into<StreamPosition>) -> EventStream {
        EventStream::new(self.client.clone(), from.into(), "all")
    }

    /// Like [`Events::stream`], for another `stream_type` (`changes`, `sync`).
    pub fn stream_of(&self, stream_type: &str, from: impl Into<StreamPosition>) -> EventStream {
        EventStream::new(self.client.clone(), from.into(), stream_type)
    }

    /// The enterprise's event history (`GET /events?stream_type=admin_logs`,
    /// needs an admin token with the "Manage enterprise" scope), narrowed by
    /// the setters of [`AdminLogs`], as a finite stream: it pages by
    /// `stream_position` and ends when a page comes back empty.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_core::Timestamp;
    /// use futures::TryStreamExt;
    ///
    /// let logins: Vec<_> = client
    ///     .events()
    ///     .admin_logs()
    ///     .created_after(Timestamp::parse_rfc3339("2024-01-01T00:00:00Z")?)
    ///     .created_before(Timestamp::parse_rfc3339("2024-02-01T00:00:00Z")?)
    ///     .event_types(["ADMIN_LOGIN", "FAILED_LOGIN"])
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// println!("{} logins", logins.len());
    /// # Ok(()) }
    /// ```
    pub fn admin_logs(&self) -> AdminLogs {
        AdminLogs {
            client: self.client.clone(),
            created_after: None,
            created_before: None,
            event_types: Vec::new(),
            from: None,
            page_size: MAX_ADMIN_LOGS_PAGE,
            as_user: None,
        }
    }
}

impl Events {
    /// The enterprise's recent events as they arrive
    /// (`GET /events?stream_type=admin_logs_streaming`, needs an admin token
    /// with the "Manage enterprise" scope), from `from`: a [`Stream`] that
    /// pages by `next_stream_position`, drops duplicate `event_id`s (Box
    /// documents duplicates and no order for this stream) and, when a page
    /// brings nothing new, waits [`AdminLogsStreaming::poll_interval`] and
    /// asks again — Box has no long-poll for enterprise events. It never ends
    /// unless [`AdminLogsStreaming::until_caught_up`] is set; after an error
    /// it ends, and [`EventStream::position`] says where to resume.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use std::time::Duration;
    /// use box_v2::events::StreamPosition;
    /// use futures::TryStreamExt;
    ///
    /// let mut events = client
    ///     .events()
    ///     .admin_logs_streaming(StreamPosition::Now)
    ///     .event_types(["LOGIN", "FAILED_LOGIN"])
    ///     .poll_interval(Duration::from_secs(30))
    ///     .stream();
    /// while let Some(event) = events.try_next().await? {
    ///     println!("{:?} by {:?}", event.event_type, event.created_by);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn admin_logs_streaming(&self, from: impl Into<StreamPosition>) -> AdminLogsStreaming {
        AdminLogsStreaming {
            client: self.client.clone(),
            from: from.into(),
            event_types: Vec::new(),
            page_size: MAX_ADMIN_LOGS_PAGE,
            poll_interval: DEFAULT_POLL_INTERVAL,
            until_caught_up: false,
            as_user: None,
        }
    }
}

/// How long [`Events::admin_logs_streaming`] waits after a page with nothing
/// new, unless told otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// The enterprise event feed being asked for: see
/// [`Events::admin_logs_streaming`].
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until .stream() is polled"]
pub struct AdminLogsStreaming {
    client: Client,
    from: StreamPosition,
    event_types: Vec<String>,
    page_size: u32,
    poll_interval: Duration,
    until_caught_up: bool,
    as_user: Option<UserId>,
}

impl AdminLogsStreaming {
    /// Only events of these types (`event_type`), in Box's spelling
    /// (`ITEM_UPLOAD`, `LOGIN`…).
    pub fn event_types<S: AsRef<str>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.event_types = types.into_iter().map(|t| t.as_ref().to_owned()).collect();
        self
    }

    /// Events asked for per request (`limit`), 1 to
    /// [`MAX_ADMIN_LOGS_PAGE`]; other values are clamped. Default: 500.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_ADMIN_LOGS_PAGE);
        self
    }

    /// How long to wait after a page that brought nothing new before asking
    /// again. Default: [`DEFAULT_POLL_INTERVAL`].
    pub fn poll_interval(mut self, d: Duration) -> Self {
        self.poll_interval = d;
        self
    }

    /// Ends the stream at the first page that brings nothing new, instead of
    /// waiting for more (a catch-up job run on a schedule; start the next run
    /// at [`EventStream::position`]).
    pub fn until_caught_up(mut self) -> Self {
        self.until_caught_up = true;
        self
    }

    /// Asks as another user (`As-User`).
    pub fn as_user(mut self, user: impl Into<UserId>) -> Self {
        self.as_user = Some(user.into());
        self
    }

    /// The events, as they come.
    pub fn stream(self) -> EventStream {
        let mut s = EventStream::new(self.client, self.from, "admin_logs_streaming");
        if let Some(st) = s.state.as_mut() {
            st.wait = if self.until_caught_up {
                Wait::End
            } else {
                Wait::Poll(self.poll_interval)
            };
            st.event_types = self.event_types;
            st.page = i64::from(self.page_size);
            st.as_user = self.as_user;
        }
        s
    }
}

/// The largest page of enterprise events (`limit`).
pub const MAX_ADMIN_LOGS_PAGE: u32 = 500;

/// Enterprise events being asked for: see [`Events::admin_logs`].
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until .stream() is polled"]
pub struct AdminLogs {
    client: Client,
    created_after: Option<Timestamp>,
    created_before: Option<Timestamp>,
    event_types: Vec<String>,
    from: Option<String>,
    page_size: u32,
    as_user: Option<UserId>,
}

impl AdminLogs {
    /// Only events created at or after this time (`created_after`).
    pub fn created_after(mut self, t: Timestamp) -> Self {
        self.created_after = Some(t);
        self
    }

    /// Only events created before this time (`created_before`).
    pub fn created_before(mut self, t: Timestamp) -> Self {
        self.created_before = Some(t);
        self
    }

    /// Only events of these types (`event_type`), in Box's spelling
    /// (`ITEM_UPLOAD`, `ADMIN_LOGIN`…).
    pub fn event_types<S: AsRef<str>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.event_types = types.into_iter().map(|t| t.as_ref().to_owned()).collect();
        self
    }

    /// Resumes after a `next_stream_position` seen earlier. Default: the
    /// start of the time range.
    pub fn from_position(mut self, position: impl Into<String>) -> Self {
        self.from = Some(position.into());
        self
    }

    /// Events asked for per request (`limit`), 1 to
    /// [`MAX_ADMIN_LOGS_PAGE`]; other values are clamped. Default: 500.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_ADMIN_LOGS_PAGE);
        self
    }

    /// Asks as another user (`As-User`).
    pub fn as_user(mut self, user: impl Into<UserId>) -> Self {
        self.as_user = Some(user.into());
        self
    }

    /// Every event in the range, page by page.
    pub fn stream(self) -> BoxStream<'static, Result<Event>> {
        if let (Some(a), Some(b)) = (&self.created_after, &self.created_before) {
            if a.as_datetime() > b.as_datetime() {
                let e = Error::invalid_input(format!(
                    "created_after ({a}) is after created_before ({b})"
                ));
                return futures::stream::once(async { Err(e) }).boxed();
            }
        }
        paginate(Paging::Marker, move |page| {
            let mut r = self
                .client
                .events()
                .list_user_and_enterprise_events()
                .stream_type("admin_logs")
                .limit(i64::from(self.page_size));
            let position = match page {
                PageRequest::Marker(Some(m)) => Some(m),
                _ => self.from.clone(),
            };
            if let Some(p) = position {
                r = r.stream_position(p);
            }
            if let Some(t) = &self.created_after {
                r = r.created_after(t.to_rfc3339());
            }
            if let Some(t) = &self.created_before {
                r = r.created_before(t.to_rfc3339());
            }
            if !self.event_types.is_empty() {
                r = r.event_type(self.event_types.iter().map(String::as_str));
            }
            if let Some(u) = &self.as_user {
                r = r.as_user(u.clone());
            }
            async move {
                let page: EventPage = r.send().await?;
                Ok(Page {
                    entries: page.entries.unwrap_or_default(),
                    next_marker: page.next_stream_position.as_ref().and_then(position_string),
                    total_count: None,
                })
            }
        })
    }
}

/// What a stream does when a page brings nothing new.
enum Wait {
    /// Long-polls the realtime server (the user's own events).
    LongPoll,
    /// Sleeps this long, then asks again (enterprise events).
    Poll(Duration),
    /// Ends the stream.
    End,
}

struct State {
    client: Client,
    position: String,
    stream_type: String,
    wait: Wait,
    event_types: Vec<String>,
    page: i64,
    as_user: Option<UserId>,
    seen: HashSet<String>,
    order: VecDeque<String>,
    buffer: VecDeque<Event>,
    server: Option<(String, u32)>,
    failures: u32,
}

/// One step of the stream: the state back, and the item (if any).
type Step = BoxFuture<'static, (Box<State>, Option<Result<Event>>)>;

/// The stream returned by [`Events::stream`] and [`AdminLogsStreaming::stream`].
#[must_use = "streams do nothing unless polled"]
pub struct EventStream {
    state: Option<Box<State>>,
    position: String,
    fut: Option<Step>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl EventStream {
    fn new(client: Client, from: StreamPosition, stream_type: &str) -> Self {
        let position = from.as_query().to_owned();
        Self {
            state: Some(Box::new(State {
                client,
                position: position.clone(),
                stream_type: stream_type.to_owned(),
                wait: Wait::LongPoll,
                event_types: Vec::new(),
                page: PAGE,
                as_user: None,
                seen: HashSet::new(),
                order: VecDeque::new(),
                buffer: VecDeque::new(),
                server: None,
                failures: 0,
            })),
            position,
            fut: None,
        }
    }

    /// The position after the last page fetched: start a new stream here to
    /// resume (events already yielded may come again; Box's positions are
    /// per page).
    pub fn position(&self) -> &str {
        &self.position
    }
}

impl Stream for EventStream {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.fut.is_none() {
            let Some(state) = self.state.take() else {
                return Poll::Ready(None);
            };
            self.fut = Some(next(state).boxed());
        }
        let fut = self.fut.as_mut().expect("set above");
        match fut.poll_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((state, item)) => {
                self.fut = None;
                self.position = state.position.clone();
                if matches!(item, Some(Ok(_))) {
                    self.state = Some(state);
                }
                Poll::Ready(item)
            }
        }
    }
}

fn position_string(p: &EventsNextStreamPosition) -> Option<String> {
    match p {
        EventsNextStreamPosition::String(s) => Some(s.clone()),
        EventsNextStreamPosition::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// The next event (or the error that ends the stream).
async fn next(mut st: Box<State>) -> (Box<State>, Option<Result<Event>>) {
    loop {
        if let Some(e) = st.buffer.pop_front() {
            return (st, Some(Ok(e)));
        }
        let mut request = st
            .client
            .events()
            .list_user_and_enterprise_events()
            .stream_position(st.position.clone())
            .stream_type(st.stream_type.clone())
            .limit(st.page);
        if !st.event_types.is_empty() {
            request = request.event_type(st.event_types.iter().map(String::as_str));
        }
        if let Some(u) = &st.as_user {
            request = request.as_user(u.clone());
        }
        let page: Result<EventPage> = request.send().await;
        let page = match page {
            Ok(p) => p,
            Err(e) => return (st, Some(Err(e))),
        };
        let old = std::mem::take(&mut st.position);
        st.position = page
            .next_stream_position
            .as_ref()
            .and_then(position_string)
            .unwrap_or(old.clone());
        let entries = page.entries.unwrap_or_default();
        let got_any = !entries.is_empty();
        for e in entries {
            if let Some(id) = &e.event_id {
                if !st.seen.insert(id.clone()) {
                    continue; // a duplicate delivery
                }
                st.order.push_back(id.clone());
                if st.order.len() > DEDUPE_WINDOW {
                    if let Some(old) = st.order.pop_front() {
                        st.seen.remove(&old);
                    }
                }
            }
            st.buffer.push_back(e);
        }
        if !st.buffer.is_empty() || (got_any && st.position != old) {
            continue;
        }
        // Nothing new: wait for more.
        match st.wait {
            Wait::LongPoll => {
                if let Err(e) = long_poll(&mut st).await {
                    return (st, Some(Err(e)));
                }
            }
            Wait::Poll(d) => st.client.inner.core.sleeper.sleep(d).await,
            Wait::End => return (st, None),
        }
    }
}

/// Waits until the realtime server reports a change (or asks to reconnect).
async fn long_poll(st: &mut State) -> Result<()> {
    loop {
        let (url, _) = match &st.server {
            Some(s) => s.clone(),
            None => {
                let servers: RealtimeServers = st
                    .client
                    .events()
                    .get_events_long_poll_endpoint()
                    .send()
                    .await?;
                let server: RealtimeServer = servers
                    .entries
                    .and_then(|e| e.into_iter().next())
                    .ok_or_else(|| {
                        Error::decode(
                            "RealtimeServers",
                            "entries",
                            "OPTIONS /events returned no realtime server",
                        )
                    })?;
                let url = server.url.ok_or_else(|| {
                    Error::decode("RealtimeServer", "url", "the realtime server has no url")
                })?;
                let retries = server
                    .max_retries
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(10);
                st.server = Some((url.clone(), retries));
                (url, retries)
            }
        };
        let sep = if url.contains('?') { '&' } else { '?' };
        let poll_url = format!("{url}{sep}stream_position={}", st.position);
        let answer: Result<serde_json::Value> = st
            .client
            .request(Method::GET, &poll_url)
            .describe("realtime message")
            .send()
            .await;
        match answer {
            Ok(v) if v["message"] == "new_change" => {
                st.failures = 0;
                return Ok(());
            }
            Ok(_) => {
                // `reconnect` (or anything else): a fresh server next time.
                st.failures = 0;
                st.server = None;
            }
            Err(e) => {
                st.failures += 1;
                let max = st.server.as_ref().map_or(10, |s| s.1);
                st.server = None;
                if st.failures > max {
                    return Err(e);
                }
                tracing::warn!(error = %e, failures = st.failures, "event long-poll failed, reconnecting");
            }
        }
    }
}
