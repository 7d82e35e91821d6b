//! Friends, updates and comments.

use box_core::Result;
use serde::Serialize;

use super::{num, opt_num, text, Action, Target};
use crate::envelope::Params;
use crate::response::Response;
use crate::xml::Element;

/// `get_friends`. Success: `s_get_friends`; failure `e_get_friends`. The
/// `<friends>` payload is base64 of a ZIP unless `nozip`, decoded like the
/// account tree.
#[derive(Debug, Clone, Default)]
pub struct GetFriends {
    /// Ask for inline XML.
    pub nozip: bool,
}

/// A friend's public box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FriendBox {
    /// Box id.
    pub id: u64,
    /// Public URL.
    pub url: String,
    /// Status, as sent.
    pub status: String,
}

/// A friend's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Box id.
    pub box_id: u64,
    /// Owner's name.
    pub user_name: String,
    /// Public URL.
    pub url: String,
    /// Status, as sent.
    pub status: String,
}

/// A friend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Friend {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Whether the invitation was accepted.
    pub accepted: bool,
    /// Avatar URL (whitespace inside removed).
    pub avatar_url: String,
    /// Public boxes.
    pub boxes: Vec<FriendBox>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
}

/// Removes the line breaks v1 puts inside long URLs.
fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

fn parse_friend(f: &Element) -> Result<Friend> {
    let mut boxes = Vec::new();
    if let Some(bs) = f.child("boxes") {
        for b in bs.children_named("box") {
            boxes.push(FriendBox {
                id: num(b, "id", "friends/friend/boxes/box")?,
                url: squash(text(b, "url")),
                status: text(b, "status").to_owned(),
            });
        }
    }
    let mut subscriptions = Vec::new();
    if let Some(ss) = f.child("subscriptions") {
        for s in ss.children_named("subscription") {
            subscriptions.push(Subscription {
                box_id: num(s, "box_id", "friends/friend/subscriptions/subscription")?,
                user_name: text(s, "user_name").to_owned(),
                url: squash(text(s, "url")),
                status: text(s, "status").to_owned(),
            });
        }
    }
    Ok(Friend {
        name: text(f, "name").to_owned(),
        email: text(f, "email").to_owned(),
        accepted: super::flag(text(f, "accepted")),
        avatar_url: squash(text(f, "avatar_url")),
        boxes,
        subscriptions,
    })
}

impl Action for GetFriends {
    const NAME: &'static str = "get_friends";
    const SUCCESS: &'static [&'static str] = &["s_get_friends"];
    const PAYLOAD: Option<&'static str> = Some("friends");
    type Output = Vec<Friend>;
    fn params(&self, p: &mut Params) {
        p.list("params", if self.nozip { vec!["nozip"] } else { vec![] });
    }
    fn parse(r: Response) -> Result<Vec<Friend>> {
        let doc = r.payload_document()?;
        doc.children_named("friend").map(parse_friend).collect()
    }
}

/// `request_friends`: invites people. Success: `s_request_friends`; failure
/// `e_request_friends`.
#[derive(Debug, Clone)]
pub struct RequestFriends {
    /// Who to invite.
    pub emails: Vec<String>,
    /// Message.
    pub message: String,
    /// Options: `box_auto_subscribe`, `no_email`.
    pub params: Vec<String>,
}

impl Action for RequestFriends {
    const NAME: &'static str = "request_friends";
    const SUCCESS: &'static [&'static str] = &["s_request_friends"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.list("emails", self.emails.clone())
            .text("message", &self.message)
            .list("params", self.params.clone());
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

/// `get_updates`. Success: `s_get_updates`; failure `e_get_updates`. The
/// `<updates>` payload is decoded like the account tree.
#[derive(Debug, Clone, Default)]
pub struct GetUpdates {
    /// Start of the range, UNIX seconds.
    pub begin_timestamp: i64,
    /// Ask for inline XML.
    pub nozip: bool,
}

/// A file mentioned in an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateFile {
    /// Name.
    pub name: String,
    /// Human-readable size, as sent (`293.5 KB`).
    pub size: String,
    /// Human-readable date, as sent.
    pub date: String,
    /// Thumbnail URL (whitespace inside removed).
    pub thumbnail: String,
}

/// One update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    /// Name.
    pub name: String,
    /// Message.
    pub message: String,
    /// When, UNIX seconds.
    pub updated: Option<i64>,
    /// Who.
    pub user_name: String,
    /// Their public URL.
    pub public_url: String,
    /// Files involved.
    pub files: Vec<UpdateFile>,
}

impl Action for GetUpdates {
    const NAME: &'static str = "get_updates";
    const SUCCESS: &'static [&'static str] = &["s_get_updates"];
    const PAYLOAD: Option<&'static str> = Some("updates");
    type Output = Vec<Update>;
    fn params(&self, p: &mut Params) {
        p.text("begin_timestamp", self.begin_timestamp)
            .list("params", if self.nozip { vec!["nozip"] } else { vec![] });
    }
    fn parse(r: Response) -> Result<Vec<Update>> {
        let doc = r.payload_document()?;
        doc.children_named("update")
            .map(|u| {
                let mut files = Vec::new();
                if let Some(fs) = u.child("files") {
                    for f in fs.children_named("file") {
                        files.push(UpdateFile {
                            name: text(f, "name").to_owned(),
                            size: text(f, "size").to_owned(),
                            date: text(f, "date").to_owned(),
                            thumbnail: squash(text(f, "thumbnail")),
                        });
                    }
                }
                Ok(Update {
                    name: text(u, "name").to_owned(),
                    message: text(u, "message").to_owned(),
                    updated: opt_num(u, "updated", "updates/update")?,
                    user_name: text(u, "user_name").to_owned(),
                    public_url: squash(text(u, "public_url")),
                    files,
                })
            })
            .collect()
    }
}

/// A comment (designed by analogy; see [`GetComments`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The comment's id.
    pub comment_id: u64,
    /// Text.
    pub message: String,
    /// Author's user id.
    pub user_id: Option<u64>,
    /// Author's name.
    pub user_name: String,
    /// When, UNIX seconds.
    pub created: Option<i64>,
    /// The author's picture (`avatar_url`; empty when not sent).
    pub avatar_url: String,
    /// Replies to this comment, oldest first (`<reply_comments>` of nested
    /// `<comment>` elements, themselves possibly replied to).
    pub replies: Vec<Comment>,
}

fn parse_comment(c: &Element, at: &str) -> Result<Comment> {
    let replies = match c.child("reply_comments") {
        Some(rs) => rs
            .children_named("comment")
            .map(|r| parse_comment(r, &format!("{at}/reply_comments/comment")))
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    Ok(Comment {
        comment_id: num(c, "comment_id", at)?,
        message: text(c, "message").to_owned(),
        user_id: opt_num(c, "user_id", at)?,
        user_name: text(c, "user_name").to_owned(),
        created: opt_num(c, "created", at)?,
        avatar_url: text(c, "avatar_url").to_owned(),
        replies,
    })
}

/// `get_comments` (designed by analogy; not in the reference). Request:
/// `target`, `target_id`. Response: `<status>get_comments_ok</status>
/// <comments><comment><comment_id/><message/><user_id/><user_name/><created/>
/// <avatar_url/><reply_comments><comment>…</comment>…</reply_comments>
/// </comment>…</comments>`; failure `e_get_comments`. Replies nest as deep
/// as the XML reader allows (it bounds nesting).
#[derive(Debug, Clone)]
pub struct GetComments {
    /// File or folder.
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
}

impl Action for GetComments {
    const NAME: &'static str = "get_comments";
    const SUCCESS: &'static [&'static str] = &["get_comments_ok"];
    type Output = Vec<Comment>;
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id);
    }
    fn parse(r: Response) -> Result<Vec<Comment>> {
        let Some(cs) = r.root().child("comments") else {
            return Ok(Vec::new());
        };
        cs.children_named("comment")
            .map(|c| parse_comment(c, "response/comments/comment"))
            .collect()
    }
}

/// `add_comment` (designed by analogy; not in the reference). Request:
/// `target`, `target_id`, `message`. Response: `<status>add_comment_ok</status>
/// <comment>…</comment>` as in [`GetComments`]; failure `e_add_comment`.
#[derive(Debug, Clone)]
pub struct AddComment {
    /// File or folder.
    pub target: Target,
    /// The item's id.
    pub target_id: u64,
    /// Text.
    pub message: String,
}

impl Action for AddComment {
    const NAME: &'static str = "add_comment";
    const SUCCESS: &'static [&'static str] = &["add_comment_ok"];
    type Output = Comment;
    fn params(&self, p: &mut Params) {
        p.text("target", self.target.as_str())
            .text("target_id", self.target_id)
            .text("message", &self.message);
    }
    fn parse(r: Response) -> Result<Comment> {
        let c = r.root().child("comment").ok_or_else(|| {
            box_core::Error::decode("v1 response", "response/comment", "missing element")
        })?;
        parse_comment(c, "response/comment")
    }
}

/// `delete_comment` (designed by analogy; not in the reference). Request:
/// `target_id` (the comment's id). Response: `<status>delete_comment_ok</status>`;
/// failures `e_delete_comment`, `e_comment_id`.
#[derive(Debug, Clone)]
pub struct DeleteComment {
    /// The comment's id.
    pub comment_id: u64,
}

impl Action for DeleteComment {
    const NAME: &'static str = "delete_comment";
    const SUCCESS: &'static [&'static str] = &["delete_comment_ok"];
    type Output = ();
    fn params(&self, p: &mut Params) {
        p.text("target_id", self.comment_id);
    }
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}
