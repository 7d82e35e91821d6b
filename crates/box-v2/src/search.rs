//! Search and metadata queries as [`Stream`](futures::Stream)s, built by hand on
//! the generated calls of [`crate::generated::Search`]:
//!
//! - [`Search::content`]: `GET /search` with every documented filter as a
//!   typed setter, paged by offset. Box refuses an `offset` above
//!   [`MAX_SEARCH_OFFSET`] (10,000), so a search with more results than it
//!   serves ends with [`Error::InvalidInput`] naming how many were left out,
//!   instead of a 400 from Box or a silently short listing: narrow the query
//!   (folders, types, date or size ranges) to reach the rest.
//! - [`Search::metadata`]: `POST /metadata_queries/execute_read`, paged by
//!   marker (`marker` in the body, `next_marker` in the answer).

use box_core::{Error, FolderId, Result, Timestamp, UserId};
use futures::stream::{BoxStream, StreamExt};

use crate::generated::models::{
    self as m, MetadataFilter, MetadataQuery, MetadataQueryResultItem, SearchResultItem,
    SearchResultWithSharedLinkItem, SearchResultsResponse,
};
use crate::generated::search::SearchForContent;
use crate::generated::Search;
use crate::pagination::{paginate, Page, PageRequest, Paging};
use crate::Client;

/// The largest `offset` Box accepts on `GET /search`.
pub const MAX_SEARCH_OFFSET: u64 = 10_000;
/// The largest page of `GET /search` (its `limit`).
pub const MAX_SEARCH_PAGE: u32 = 200;
/// The largest page of a metadata query (its `limit`).
pub const MAX_METADATA_QUERY_PAGE: u32 = 100;

/// Whose content a search covers (`scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchScope {
    /// The user's own content and what is shared with them (Box's default).
    UserContent,
    /// The whole enterprise (needs an admin with that right).
    EnterpriseContent,
}

/// Which kind of item a search returns (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchItemType {
    /// Files only.
    File,
    /// Folders only.
    Folder,
    /// Web links only.
    WebLink,
}

/// Which parts of an item the query is matched against (`content_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentType {
    /// The item's name.
    Name,
    /// The item's description.
    Description,
    /// The text content of a file.
    FileContent,
    /// The comments on a file.
    Comments,
    /// The item's tags.
    Tag,
}

/// Trashed items in or out (`trash_content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrashContent {
    /// Items not in the trash (Box's default).
    NonTrashedOnly,
    /// Items in the trash only.
    TrashedOnly,
    /// Both.
    AllItems,
}

/// The order of results (`sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchSort {
    /// Best matches first (Box's default; `direction` is ignored).
    Relevance,
    /// By the time the item was last modified.
    ModifiedAt,
}

/// Ascending or descending (`direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Oldest or smallest first.
    Ascending,
    /// Newest or largest first (Box's default).
    Descending,
}

impl SearchScope {
    fn as_str(self) -> &'static str {
        match self {
            SearchScope::UserContent => "user_content",
            SearchScope::EnterpriseContent => "enterprise_content",
        }
    }
}

impl SearchItemType {
    fn as_str(self) -> &'static str {
        match self {
            SearchItemType::File => "file",
            SearchItemType::Folder => "folder",
            SearchItemType::WebLink => "web_link",
        }
    }
}

impl ContentType {
    fn as_str(self) -> &'static str {
        match self {
            ContentType::Name => "name",
            ContentType::Description => "description",
            ContentType::FileContent => "file_content",
            ContentType::Comments => "comments",
            ContentType::Tag => "tag",
        }
    }
}

impl TrashContent {
    fn as_str(self) -> &'static str {
        match self {
            TrashContent::NonTrashedOnly => "non_trashed_only",
            TrashContent::TrashedOnly => "trashed_only",
            TrashContent::AllItems => "all_items",
        }
    }
}

impl SearchSort {
    fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::ModifiedAt => "modified_at",
        }
    }
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::Ascending => "ASC",
            Direction::Descending => "DESC",
        }
    }
}

/// One search result: the item, and the shared link it was reached through
/// when the search included recent shared links.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SearchHit {
    /// The file, folder or web link (full, or the fields asked for).
    pub item: SearchResultItem,
    /// The shared link the user accessed the item through, for results of
    /// [`ContentSearch::include_recent_shared_links`].
    pub accessible_via_shared_link: Option<String>,
}

/// `lower,upper` with an open side left empty, as Box takes its ranges.
fn range<T: ToString>(lower: Option<T>, upper: Option<T>) -> String {
    let side = |v: Option<T>| v.map(|v| v.to_string()).unwrap_or_default();
    format!("{},{}", side(lower), side(upper))
}

fn join<T: AsRef<str>>(values: impl IntoIterator<Item = T>) -> Vec<String> {
    values.into_iter().map(|v| v.as_ref().to_owned()).collect()
}

impl Search {
    /// A search of files, folders and web links for `query` (`GET /search`),
    /// narrowed by the setters of [`ContentSearch`], streamed page by page.
    /// `query` may be empty when a [metadata
    /// filter](ContentSearch::metadata_filter) is set.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_v2::search::{SearchItemType, SearchScope};
    /// use futures::TryStreamExt;
    ///
    /// let mut hits = client
    ///     .search()
    ///     .content("contract")
    ///     .item_type(SearchItemType::File)
    ///     .file_extensions(["pdf", "docx"])
    ///     .ancestor_folder_ids(["12345"])
    ///     .scope(SearchScope::UserContent)
    ///     .stream();
    /// while let Some(hit) = hits.try_next().await? {
    ///     println!("{:?}", hit.item);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn content(&self, query: impl Into<String>) -> ContentSearch {
        ContentSearch {
            client: self.client.clone(),
            query: query.into(),
            scope: None,
            file_extensions: Vec::new(),
            created_at_range: None,
            updated_at_range: None,
            deleted_at_range: None,
            size_range: None,
            owner_user_ids: Vec::new(),
            recent_updater_user_ids: Vec::new(),
            deleted_user_ids: Vec::new(),
            ancestor_folder_ids: Vec::new(),
            content_types: Vec::new(),
            item_type: None,
            trash_content: None,
            metadata_filters: Vec::new(),
            sort: None,
            direction: None,
            include_recent_shared_links: false,
            fields: Vec::new(),
            page_size: MAX_SEARCH_PAGE,
            as_user: None,
        }
    }

    /// A metadata query (`POST /metadata_queries/execute_read`) streamed page
    /// by page: every file and folder under `query.ancestor_folder_id` whose
    /// metadata instance of `query.from` matches `query.query`.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// use box_v2::schemas::MetadataQuery;
    /// use futures::TryStreamExt;
    ///
    /// let mut query = MetadataQuery::new(
    ///     "0".to_owned(),
    ///     "enterprise_123456.contractTemplate".to_owned(),
    /// );
    /// query.query = Some("amount >= :value".to_owned());
    /// query.query_params = Some([("value".to_owned(), 100.into())].into());
    /// let items: Vec<_> = client.search().metadata(query).stream().try_collect().await?;
    /// println!("{} matches", items.len());
    /// # Ok(()) }
    /// ```
    pub fn metadata(&self, query: MetadataQuery) -> MetadataSearch {
        MetadataSearch {
            client: self.client.clone(),
            query,
            as_user: None,
        }
    }
}

/// A content search being built: set filters, then [`ContentSearch::stream`].
/// Every setter maps to one documented query parameter of `GET /search`.
#[derive(Debug, Clone)]
#[must_use = "a search does nothing until .stream() is polled"]
pub struct ContentSearch {
    client: Client,
    query: String,
    scope: Option<SearchScope>,
    file_extensions: Vec<String>,
    created_at_range: Option<String>,
    updated_at_range: Option<String>,
    deleted_at_range: Option<String>,
    size_range: Option<String>,
    owner_user_ids: Vec<String>,
    recent_updater_user_ids: Vec<String>,
    deleted_user_ids: Vec<String>,
    ancestor_folder_ids: Vec<String>,
    content_types: Vec<ContentType>,
    item_type: Option<SearchItemType>,
    trash_content: Option<TrashContent>,
    metadata_filters: Vec<MetadataFilter>,
    sort: Option<SearchSort>,
    direction: Option<Direction>,
    include_recent_shared_links: bool,
    fields: Vec<String>,
    page_size: u32,
    as_user: Option<UserId>,
}

impl ContentSearch {
    /// Whose content to search (`scope`). Default: Box's (`user_content`).
    pub fn scope(mut self, scope: SearchScope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Only files with these extensions, without the dot (`file_extensions`).
    pub fn file_extensions<S: AsRef<str>>(mut self, exts: impl IntoIterator<Item = S>) -> Self {
        self.file_extensions = join(exts);
        self
    }

    /// Only items created in this range (`created_at_range`); `None` leaves a
    /// side open.
    pub fn created_at_range(mut self, from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        self.created_at_range = Some(range(from, to));
        self
    }

    /// Only items updated in this range (`updated_at_range`); `None` leaves a
    /// side open.
    pub fn updated_at_range(mut self, from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        self.updated_at_range = Some(range(from, to));
        self
    }

    /// Only items deleted in this range (`deleted_at_range`; needs
    /// [`TrashContent::TrashedOnly`]); `None` leaves a side open.
    pub fn deleted_at_range(mut self, from: Option<Timestamp>, to: Option<Timestamp>) -> Self {
        self.deleted_at_range = Some(range(from, to));
        self
    }

    /// Only items of this size in bytes, inclusive (`size_range`); `None`
    /// leaves a side open.
    pub fn size_range(mut self, lower: Option<u64>, upper: Option<u64>) -> Self {
        self.size_range = Some(range(lower, upper));
        self
    }

    /// Only items owned by these users (`owner_user_ids`).
    pub fn owner_user_ids<U: Into<UserId>>(mut self, ids: impl IntoIterator<Item = U>) -> Self {
        self.owner_user_ids = ids.into_iter().map(|u| u.into().to_string()).collect();
        self
    }

    /// Only items last updated by these users (`recent_updater_user_ids`).
    pub fn recent_updater_user_ids<U: Into<UserId>>(
        mut self,
        ids: impl IntoIterator<Item = U>,
    ) -> Self {
        self.recent_updater_user_ids = ids.into_iter().map(|u| u.into().to_string()).collect();
        self
    }

    /// Only items deleted by these users (`deleted_user_ids`; needs
    /// [`TrashContent::TrashedOnly`]).
    pub fn deleted_user_ids<U: Into<UserId>>(mut self, ids: impl IntoIterator<Item = U>) -> Self {
        self.deleted_user_ids = ids.into_iter().map(|u| u.into().to_string()).collect();
        self
    }

    /// Only items inside these folders, at any depth (`ancestor_folder_ids`).
    pub fn ancestor_folder_ids<F: Into<FolderId>>(
        mut self,
        ids: impl IntoIterator<Item = F>,
    ) -> Self {
        self.ancestor_folder_ids = ids.into_iter().map(|f| f.into().to_string()).collect();
        self
    }

    /// Match the query against these parts only (`content_types`).
    pub fn content_types(mut self, types: impl IntoIterator<Item = ContentType>) -> Self {
        self.content_types = types.into_iter().collect();
        self
    }

    /// Only items of this kind (`type`).
    pub fn item_type(mut self, t: SearchItemType) -> Self {
        self.item_type = Some(t);
        self
    }

    /// Trashed items in or out (`trash_content`). Default: Box's
    /// (`non_trashed_only`).
    pub fn trash_content(mut self, t: TrashContent) -> Self {
        self.trash_content = Some(t);
        self
    }

    /// Only items whose metadata matches this filter (`mdfilters`); may be
    /// called more than once.
    pub fn metadata_filter(mut self, filter: MetadataFilter) -> Self {
        self.metadata_filters.push(filter);
        self
    }

    /// The order of results (`sort`).
    pub fn sort(mut self, sort: SearchSort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// The direction of the order (`direction`; ignored by Box for relevance).
    pub fn direction(mut self, d: Direction) -> Self {
        self.direction = Some(d);
        self
    }

    /// Also return items the user recently reached through a shared link
    /// (`include_recent_shared_links`); their
    /// [`SearchHit::accessible_via_shared_link`] is set.
    pub fn include_recent_shared_links(mut self, yes: bool) -> Self {
        self.include_recent_shared_links = yes;
        self
    }

    /// The fields of each item to return (`fields`). Default: Box's standard ones.
    pub fn fields<S: AsRef<str>>(mut self, fields: impl IntoIterator<Item = S>) -> Self {
        self.fields = join(fields);
        self
    }

    /// Results asked for per request (`limit`), 1 to [`MAX_SEARCH_PAGE`];
    /// other values are clamped. Default: 200.
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_SEARCH_PAGE);
        self
    }

    /// Searches as another user (`As-User`; needs an admin token).
    pub fn as_user(mut self, user: impl Into<UserId>) -> Self {
        self.as_user = Some(user.into());
        self
    }

    /// One page's request: the generated call with every filter set.
    fn request(&self, offset: u64) -> Result<SearchForContent> {
        let csv = |v: &[String]| v.join(",");
        let mut r = self
            .client
            .search()
            .search_for_content()
            .limit(i64::from(self.page_size))
            .offset(offset as i64);
        if !self.query.is_empty() {
            r = r.query(self.query.clone());
        }
        if let Some(s) = self.scope {
            r = r.scope(s.as_str());
        }
        if !self.file_extensions.is_empty() {
            r = r.file_extensions([csv(&self.file_extensions)]);
        }
        if let Some(v) = &self.created_at_range {
            r = r.created_at_range([v.clone()]);
        }
        if let Some(v) = &self.updated_at_range {
            r = r.updated_at_range([v.clone()]);
        }
        if let Some(v) = &self.deleted_at_range {
            r = r.deleted_at_range([v.clone()]);
        }
        if let Some(v) = &self.size_range {
            r = r.size_range([v.clone()]);
        }
        if !self.owner_user_ids.is_empty() {
            r = r.owner_user_ids([csv(&self.owner_user_ids)]);
        }
        if !self.recent_updater_user_ids.is_empty() {
            r = r.recent_updater_user_ids([csv(&self.recent_updater_user_ids)]);
        }
        if !self.deleted_user_ids.is_empty() {
            r = r.deleted_user_ids([csv(&self.deleted_user_ids)]);
        }
        if !self.ancestor_folder_ids.is_empty() {
            r = r.ancestor_folder_ids([csv(&self.ancestor_folder_ids)]);
        }
        if !self.content_types.is_empty() {
            r = r.content_types(self.content_types.iter().map(|c| c.as_str()));
        }
        if let Some(t) = self.item_type {
            r = r.type_(t.as_str());
        }
        if let Some(t) = self.trash_content {
            r = r.trash_content(t.as_str());
        }
        if !self.metadata_filters.is_empty() {
            let json = serde_json::to_string(&self.metadata_filters)
                .map_err(|e| Error::invalid_input(format!("metadata filter: {e}")))?;
            r = r.mdfilters([json]);
        }
        if let Some(s) = self.sort {
            r = r.sort(s.as_str());
        }
        if let Some(d) = self.direction {
            r = r.direction(d.as_str());
        }
        if self.include_recent_shared_links {
            r = r.include_recent_shared_links(true);
        }
        if !self.fields.is_empty() {
            r = r.fields(self.fields.iter().map(String::as_str));
        }
        if let Some(u) = &self.as_user {
            r = r.as_user(u.clone());
        }
        Ok(r)
    }

    /// Every result, page by page. Ends with [`Error::InvalidInput`] when
    /// the search has more results than Box serves by offset (see the
    /// [module docs](crate::search)), and fails first, without a request,
    /// when there is neither a query nor a metadata filter.
    pub fn stream(self) -> BoxStream<'static, Result<SearchHit>> {
        if self.query.is_empty() && self.metadata_filters.is_empty() {
            let e = Error::invalid_input("a search needs a query or a metadata filter");
            return futures::stream::once(async { Err(e) }).boxed();
        }
        paginate(Paging::OffsetAtMost(MAX_SEARCH_OFFSET), move |page| {
            let request = match page {
                PageRequest::Offset(o) => self.request(o),
                PageRequest::Marker(_) => Err(Error::invalid_input("search pages by offset")),
            };
            async move { hits(request?.send().await?) }
        })
    }
}

/// The entries and total of one page of `GET /search`, either shape.
fn hits(page: SearchResultsResponse) -> Result<Page<SearchHit>> {
    let total = |t: Option<i64>| t.and_then(|t| u64::try_from(t).ok());
    Ok(match page {
        SearchResultsResponse::SearchResults(r) => Page {
            entries: r
                .entries
                .unwrap_or_default()
                .into_iter()
                .map(|item| SearchHit {
                    item,
                    accessible_via_shared_link: None,
                })
                .collect(),
            next_marker: None,
            total_count: total(r.total_count),
        },
        SearchResultsResponse::SearchResultsWithSharedLinks(r) => Page {
            entries: r
                .entries
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| {
                    let item = match e.item? {
                        SearchResultWithSharedLinkItem::FileFull(f) => {
                            SearchResultItem::FileFull(f)
                        }
                        SearchResultWithSharedLinkItem::FolderFull(f) => {
                            SearchResultItem::FolderFull(f)
                        }
                        SearchResultWithSharedLinkItem::WebLink(w) => SearchResultItem::WebLink(w),
                        SearchResultWithSharedLinkItem::Other(v) => SearchResultItem::Other(v),
                    };
                    Some(SearchHit {
                        item,
                        accessible_via_shared_link: e.accessible_via_shared_link,
                    })
                })
                .collect(),
            next_marker: None,
            total_count: total(r.total_count),
        },
        SearchResultsResponse::Other(v) => {
            return Err(Error::decode(
                "SearchResultsResponse",
                "type",
                format!(
                    "unknown search results type {}",
                    v.get("type").unwrap_or(&serde_json::Value::Null)
                ),
            ))
        }
    })
}

/// A metadata query being built: see [`Search::metadata`].
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until .stream() is polled"]
pub struct MetadataSearch {
    client: Client,
    query: MetadataQuery,
    as_user: Option<UserId>,
}

impl MetadataSearch {
    /// Results asked for per request (`limit`), 1 to
    /// [`MAX_METADATA_QUERY_PAGE`]; other values are clamped. Default: Box's (100).
    pub fn page_size(mut self, n: u32) -> Self {
        self.query.limit = Some(i64::from(n.clamp(1, MAX_METADATA_QUERY_PAGE)));
        self
    }

    /// Queries as another user (`As-User`; needs an admin token).
    pub fn as_user(mut self, user: impl Into<UserId>) -> Self {
        self.as_user = Some(user.into());
        self
    }

    /// Every matching file and folder, page by page (the body's `marker`
    /// moves to each answer's `next_marker` until it is empty).
    pub fn stream(self) -> BoxStream<'static, Result<MetadataQueryResultItem>> {
        paginate(Paging::Marker, move |page| {
            let mut body = self.query.clone();
            body.marker = match page {
                PageRequest::Marker(m) => m,
                PageRequest::Offset(_) => None,
            };
            let mut r = self.client.search().query_files_folders_by_metadata(body);
            if let Some(u) = &self.as_user {
                r = r.as_user(u.clone());
            }
            async move {
                let page: m::MetadataQueryResults = r.send().await?;
                Ok(Page {
                    entries: page.entries.unwrap_or_default(),
                    next_marker: page.next_marker,
                    total_count: None,
                })
            }
        })
    }
}
