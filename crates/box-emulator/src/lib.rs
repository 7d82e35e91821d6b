//! # box-emulator
//!
//! A local server speaking Box's v2 API — the offline default of the CLI, the
//! ground for end-to-end tests and a fault injector for reliability tests,
//! in the spirit of LocalStack and Azurite.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let emu = box_emulator::Emulator::builder().start().await?;
//! println!("API at {} with token for user {}", emu.api_url(), emu.default_user());
//! # Ok(())
//! # }
//! ```
//!
//! Start the binary with `box-emulator --port 8080 --data-dir ./data`; it prints
//! its URLs and a developer token for the default user. Point a Box SDK at
//! `api_url()` / `upload_url()` / `oauth_url()`.
//!
//! ## What is served
//!
//! [`v2::operations`] lists every operation of Box's v2 OpenAPI
//! description and whether the emulator serves it; a request for one it does
//! not serve is answered `501 not_implemented` in Box's error shape, naming
//! the operation (the operation ids are Box's, so they can be looked up in
//! Box's reference).
//!
//! ## What is not reproduced
//!
//! - One enterprise ([`store::enterprise`]): its admin is the first user
//!   (the default user); admins, co-admins and apps' service accounts list,
//!   create (managed and app users), change and delete users and act as
//!   them with `As-User`. `role`, `enterprise` and the rest of Box's full
//!   user come only when asked for with `fields`, as from Box. A user is
//!   external only when rolled out (`PUT /users/{id}` with
//!   `enterprise: null`); there is no second enterprise, no e-mail, no
//!   login activity, no tracking codes, and quotas are shown, not enforced.
//! - Groups ([`store::groups`]): invitability and member-viewability levels
//!   gate who adds and lists members; `configurable_permissions` and
//!   `group_type: all_users_group` are not emulated.
//! - Enterprise features not emulated: retention, legal holds, watermarks,
//!   classifications, representations.
//! - Webhooks (v2) deliver to loopback or allowed hosts only, for the
//!   triggers in [`store::webhooks::TRIGGERS`], signed and retried as
//!   [`webhooks`] describes; `FILE.DELETED` and other triggers of changes
//!   that record no event never fire.
//! - Comments (v1 and v2, with replies, `@[id:name]` mentions and edits),
//!   tasks and task assignments follow the rules in [`store::comments`] and
//!   [`store::tasks`]; no e-mail or reminder is ever sent (`reminded_at` is
//!   always null). The only collection is each user's Favorites
//!   ([`store::collections`]); recent items come from the user's own events
//!   ([`v2::collections`]), so opens and previews never appear.
//! - Collaborations are with a user, a group (each member gets the group's
//!   role; leaving the group ends it) or an e-mail that is no user yet.
//!   Between two users of the enterprise they are accepted at once; with an
//!   external user or a not-yet-registered login they stay `pending`
//!   (`COLLAB_INVITE_COLLABORATOR`) until the invitee accepts them (the
//!   enterprise setting that would auto-accept them is not emulated). Roles
//!   collapse to read (viewer, previewer, uploader…) or read-write (editor,
//!   co-owner).
//!   `path_collection` shows the owner's full path even to collaborators.
//! - Shared links: `company` access behaves like `open`; no vanity URLs, no
//!   download/preview counting; `/shared/static/…` URLs are not served.
//! - Search is a case-insensitive substring match on names and descriptions.
//! - Zip downloads ([`store::zip`], [`v2::zip_downloads`]) are planned when
//!   asked for and made while they stream ([`zipfile`]); their URLs are
//!   served by the API server itself (no `dl.boxcloud.com`), the content URL
//!   answers once and only within `zip_download_ttl` (30 s by default) of
//!   being asked for. Same-named top-level items are reported in groups of
//!   all that share the name (Box shows pairs), each renamed.
//! - Events are per-user: `ITEM_CREATE`, `ITEM_UPLOAD`, `ITEM_COPY`,
//!   `ITEM_MOVE`, `ITEM_RENAME`, `ITEM_MODIFY`, `ITEM_TRASH`,
//!   `ITEM_UNDELETE_VIA_TRASH`, `COLLAB_ADD_COLLABORATOR`, `COMMENT_CREATE`,
//!   `COMMENT_EDIT`, `COMMENT_DELETE`, `TASK_CREATE`, `TASK_UPDATE`,
//!   `TASK_ASSIGNMENT_CREATE/UPDATE/DELETE` (with the comment, task or
//!   assignment as `source`) and `COLLECTION_ITEM_CREATE/DELETE` (for the
//!   collection's user only); purges, version
//!   promotions and deletions and removed collaborations make none.
//!   `stream_type` and admin logs are ignored.
//! - Download URLs, v1 tickets and used JWT ids live in memory and do not
//!   survive a restart (files, tokens and upload sessions with their parts do).
//!   Unreferenced blobs are not garbage-collected; sessions do not expire on disk.
//! - Error codes are ones Box documents (its common-errors guide or the
//!   operation's description): `bad_digest` for digest mismatches (with 412,
//!   as the spec lists for parts and commits), `bad_request` for a misaligned
//!   part range (416) or a commit whose parts do not cover the file, `conflict`
//!   for a different part at an uploaded offset. Statuses where Box is silent
//!   are the emulator's best guess.
//! - Faults forcing token expiry apply to tokens issued after they are set.
//! - v1: any non-empty `api_key` is accepted; `get_account_tree` tag ids are
//!   CRC-32s of tag names. Every action the box-v1 client implements is
//!   served: the ticket flow, `authorization` and registration (passwords
//!   kept as salted SHA-256 hashes, card details checked for form — Luhn,
//!   CVV, `MMYY`, expiry — and never stored), folder and file actions,
//!   versions, tags, public and private shares, `add_to_mybox`, search,
//!   comments, friends, updates and the transfer URLs. Not reproduced: no
//!   e-mail is ever sent (invitations, `notify`, `no_email` have no effect);
//!   a private share is a viewer collaboration, and one for an unknown
//!   e-mail stays a pending invitation until a user with that login is
//!   created; friends' `subscriptions` are always empty and
//!   `box_auto_subscribe` is only recorded; updates are one per event of
//!   the v2 event stream (at most 1000), without thumbnails; the paid plan
//!   has no effect on quotas. An `upload` of a name the folder holds fails
//!   for that file, as Box's v1 upload page says; the page does not give the
//!   per-file error string, so the emulator answers `e_filename_in_use`.
//!   `new_copy` names the copy "Copy of" + the name, as the page says, numbered
//!   " (n)" when that name is taken too (the page does not say).
//!
//! Layout, bottom to top: [`store`] is the one store (SQLite-persisted
//! metadata, SHA-1 addressed blobs) and [`faults`] the fault injector;
//! [`state`] the state every handler sees; [`http`] the helpers both
//! protocols use (Box error bodies, extractors, blocking work, the observing
//! middleware); [`v2`] serves the Box v2 wire format, [`v1`] the legacy v1
//! API over the same store and [`admin`] the `/_emulator/` API; [`mod@router`]
//! puts them together, [`webhooks`] delivers webhook notifications and
//! [`server`] starts and stops. Modules import only those below them.

pub mod admin;
pub mod faults;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod router;
pub mod server;
pub mod state;
pub mod store;
pub mod v1;
pub mod v2;
pub mod webhooks;
pub mod zipfile;

pub use admin::AdminError;
pub use faults::{Fault, FaultConfig, FaultRule};
pub use router::router;
pub use server::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use state::Config;
