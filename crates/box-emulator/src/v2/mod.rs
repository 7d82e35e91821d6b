//! The Box v2 API: routes under `/2.0`, uploads under `/api/2.0`, OAuth under
//! `/oauth2`, over the store, with the helpers of [`crate::http`].

pub mod auth;
pub mod collaborations;
pub mod collections;
pub mod comments;
pub mod downloads;
pub mod events;
pub mod files;
pub mod folders;
pub mod groups;
pub mod items;
pub mod metadata;
pub mod objects;
pub mod operations;
pub mod paging;
pub mod search;
pub mod shared_links;
pub mod tasks;
pub mod uploads;
pub mod users;
pub mod web_links;
pub mod webhooks;
pub mod zip_downloads;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::state::Shared;
use items::{Files, Folders, WebLinks};

/// Routes under `/2.0`, `/api/2.0`, `/oauth2` and the content/realtime URLs.
pub fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let limit = shared.config.json_body_limit;
    let api = Router::new()
        .route("/2.0/users/me", get(users::me))
        .route("/2.0/users", get(users::list).post(users::create))
        .route(
            "/2.0/users/{id}",
            get(users::get_user)
                .put(users::update)
                .delete(users::delete),
        )
        .route("/2.0/users/{id}/memberships", get(users::memberships))
        .route("/2.0/groups", get(groups::list).post(groups::create))
        .route(
            "/2.0/groups/{id}",
            get(groups::get_group)
                .put(groups::update)
                .delete(groups::delete),
        )
        .route("/2.0/groups/{id}/memberships", get(groups::members))
        .route(
            "/2.0/groups/{id}/collaborations",
            get(groups::collaborations),
        )
        .route("/2.0/group_memberships", post(groups::add_member))
        .route(
            "/2.0/group_memberships/{id}",
            get(groups::get_membership)
                .put(groups::update_membership)
                .delete(groups::remove_membership),
        )
        .route("/2.0/folders", post(folders::create))
        .route(
            "/2.0/folders/{id}",
            get(items::get::<Folders>)
                .put(items::update::<Folders>)
                .delete(items::delete::<Folders>)
                .post(items::restore::<Folders>),
        )
        .route("/2.0/folders/{id}/items", get(folders::items))
        .route("/2.0/folders/{id}/copy", post(items::copy::<Folders>))
        .route(
            "/2.0/folders/{id}/trash",
            get(items::get_trashed::<Folders>).delete(items::purge::<Folders>),
        )
        .route("/2.0/folders/trash/items", get(folders::trash_items))
        .route(
            "/2.0/folders/{id}/collaborations",
            get(collaborations::list_folder),
        )
        .route(
            "/2.0/files/{id}",
            get(items::get::<Files>)
                .put(items::update::<Files>)
                .delete(items::delete::<Files>)
                .post(items::restore::<Files>),
        )
        .route("/2.0/files/{id}/copy", post(items::copy::<Files>))
        .route(
            "/2.0/files/{id}/trash",
            get(items::get_trashed::<Files>).delete(items::purge::<Files>),
        )
        .route("/2.0/files/{id}/versions", get(files::versions))
        .route("/2.0/files/{id}/versions/current", post(files::promote))
        .route(
            "/2.0/files/{id}/versions/{version}",
            get(files::get_version).delete(files::delete_version),
        )
        .route(
            "/2.0/files/{id}/collaborations",
            get(collaborations::list_file),
        )
        .route(
            "/2.0/files/{id}/content",
            get(downloads::redirect).options(uploads::preflight_version),
        )
        .route(
            "/2.0/files/content",
            axum::routing::options(uploads::preflight),
        )
        .route(
            "/2.0/collaborations",
            get(collaborations::list_pending).post(collaborations::create),
        )
        .route(
            "/2.0/collaborations/{id}",
            get(collaborations::get_collab)
                .put(collaborations::update)
                .delete(collaborations::delete),
        )
        .route("/2.0/web_links", post(web_links::create))
        .route(
            "/2.0/web_links/{id}",
            get(items::get::<WebLinks>)
                .put(web_links::update)
                .delete(items::delete::<WebLinks>)
                .post(items::restore::<WebLinks>),
        )
        .route(
            "/2.0/web_links/{id}/trash",
            get(items::get_trashed::<WebLinks>).delete(items::purge::<WebLinks>),
        )
        .route("/2.0/metadata_templates", get(metadata::find_by_instance))
        .route(
            "/2.0/metadata_templates/schema",
            post(metadata::create_template),
        )
        .route(
            "/2.0/metadata_templates/enterprise",
            get(metadata::list_enterprise),
        )
        .route("/2.0/metadata_templates/global", get(metadata::list_global))
        .route(
            "/2.0/metadata_templates/{id}",
            get(metadata::get_template_by_id),
        )
        .route(
            "/2.0/metadata_templates/{scope}/{key}/schema",
            get(metadata::get_template)
                .put(metadata::update_template)
                .delete(metadata::delete_template),
        )
        .route(
            "/2.0/files/{id}/metadata",
            get(metadata::list_instances::<Files>),
        )
        .route(
            "/2.0/files/{id}/metadata/{scope}/{key}",
            get(metadata::get_instance::<Files>)
                .post(metadata::create_instance::<Files>)
                .put(metadata::update_instance::<Files>)
                .delete(metadata::delete_instance::<Files>),
        )
        .route(
            "/2.0/folders/{id}/metadata",
            get(metadata::list_instances::<Folders>),
        )
        .route(
            "/2.0/folders/{id}/metadata/{scope}/{key}",
            get(metadata::get_instance::<Folders>)
                .post(metadata::create_instance::<Folders>)
                .put(metadata::update_instance::<Folders>)
                .delete(metadata::delete_instance::<Folders>),
        )
        .route(
            "/2.0/metadata_queries/execute_read",
            post(metadata::execute_read),
        )
        .route("/2.0/comments", post(comments::create))
        .route(
            "/2.0/comments/{id}",
            get(comments::get_comment)
                .put(comments::update)
                .delete(comments::delete),
        )
        .route("/2.0/files/{id}/comments", get(comments::list_file))
        .route("/2.0/tasks", post(tasks::create))
        .route(
            "/2.0/tasks/{id}",
            get(tasks::get_task)
                .put(tasks::update)
                .delete(tasks::delete),
        )
        .route("/2.0/tasks/{id}/assignments", get(tasks::list_assignments))
        .route("/2.0/files/{id}/tasks", get(tasks::list_file))
        .route("/2.0/task_assignments", post(tasks::assign))
        .route(
            "/2.0/task_assignments/{id}",
            get(tasks::get_assignment)
                .put(tasks::update_assignment)
                .delete(tasks::delete_assignment),
        )
        .route("/2.0/collections", get(collections::list))
        .route("/2.0/collections/{id}", get(collections::get_collection))
        .route("/2.0/collections/{id}/items", get(collections::items))
        .route("/2.0/recent_items", get(collections::recent))
        .route("/2.0/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/2.0/webhooks/{id}",
            get(webhooks::get_webhook)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/2.0/zip_downloads", post(zip_downloads::create))
        .route(
            "/2.0/zip_downloads/{id}/content",
            get(zip_downloads::content),
        )
        .route("/2.0/zip_downloads/{id}/status", get(zip_downloads::status))
        .route("/2.0/shared_items", get(shared_links::shared_item))
        .route("/2.0/search", get(search::search))
        .route(
            "/2.0/events",
            get(events::list).options(events::realtime_info),
        )
        .route("/realtime", get(events::long_poll))
        .route("/oauth2/token", post(auth::token))
        .route("/oauth2/revoke", post(auth::revoke))
        .route("/oauth2/authorize", get(auth::authorize))
        .route("/api/oauth2/authorize", get(auth::authorize))
        .route("/content/{token}", get(downloads::content))
        .layer(DefaultBodyLimit::max(limit));
    // Multipart uploads are bounded by `max_file_size` as they stream (and
    // parts by the session's part size); every other upload route by the
    // JSON body limit.
    let uploads = Router::new()
        .route(
            "/api/2.0/files/content",
            post(uploads::upload_new).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/2.0/files/{id}/content",
            post(uploads::upload_version).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/2.0/files/upload_sessions",
            post(uploads::create_session),
        )
        .route(
            "/api/2.0/files/{id}/upload_sessions",
            post(uploads::create_version_session),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}",
            put(uploads::upload_part)
                .get(uploads::session_status)
                .delete(uploads::abort),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}/parts",
            get(uploads::list_parts),
        )
        .route(
            "/api/2.0/files/upload_sessions/{id}/commit",
            post(uploads::commit),
        )
        .layer(DefaultBodyLimit::max(limit));
    api.merge(uploads)
}
