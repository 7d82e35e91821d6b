//! One typed request and one typed response per v1 action.
//!
//! Every action implements [`Action`]: its wire name, the statuses meaning
//! success, its parameters, and how to read its response. Send one with
//! [`crate::Client::send`]. Failure statuses are mapped in [`crate::status`].
//!
//! | module | actions |
//! |---|---|
//! | [`auth`] | `get_ticket`, `get_auth_token`, `authorization`, `logout`, `register_new_user`, `register_paid_user`, `verify_registration_email` |
//! | [`account`] | `get_account_tree`, `export_tags`, `get_account_info`* |
//! | [`items`] | `create_folder`, `move`, `rename`, `delete`, `copy`*, `get_file_info`, `set_description`, `get_versions`*, `search`* |
//! | [`sharing`] | `public_share`, `public_unshare`, `private_share`, `add_to_mybox`, `add_to_tag` |
//! | [`social`] | `get_friends`, `request_friends`, `get_updates`, `get_comments`*, `add_comment`*, `delete_comment`* |
//!
//! \* Not in the reference this crate was written from: their XML is
//! designed by analogy with the documented actions (same envelope, a
//! `<status>` of `<action>_ok` or `s_<action>`, child elements named like the
//! documented ones) and documented on each type.

pub mod account;
pub mod auth;
pub mod items;
pub mod sharing;
pub mod social;

use std::fmt;
use std::str::FromStr;

use box_core::{Error, Result};
use serde::{Serialize, Serializer};

use crate::envelope::Params;
use crate::response::Response;
use crate::xml::Element;

pub use account::*;
pub use auth::*;
pub use items::*;
pub use sharing::*;
pub use social::*;

/// A v1 API action: request parameters in, typed output back.
pub trait Action: fmt::Debug + Send + Sync {
    /// The wire name (`get_account_tree`).
    const NAME: &'static str;
    /// The status strings meaning success.
    const SUCCESS: &'static [&'static str];
    /// Whether the call carries the user's auth token (false for the
    /// calls that obtain one).
    const AUTHENTICATED: bool = true;
    /// The response element decoded as a stream, if any.
    const PAYLOAD: Option<&'static str> = None;
    /// The typed result.
    type Output;
    /// Appends the action's parameters (after action, api_key, auth_token).
    fn params(&self, p: &mut Params);
    /// Reads the typed result out of a successful response. It does not
    /// check the status; [`Action::from_response`] does.
    fn parse(response: Response) -> Result<Self::Output>;

    /// Checks a parsed response's status against [`Action::SUCCESS`] (a
    /// failure status becomes its [`Error`], see [`crate::status`]) and reads
    /// the typed result. [`crate::Client::send`] goes through here.
    fn from_response(response: Response) -> Result<Self::Output>
    where
        Self: Sized,
    {
        if !Self::SUCCESS.contains(&response.status()) {
            return Err(crate::status::error_for(Self::NAME, response.status()));
        }
        Self::parse(response)
    }

    /// Parses a whole recorded response body exactly as
    /// [`crate::Client::send`] would: the envelope, the status check, then
    /// the typed result. For snapshot tests of responses recorded from a
    /// server:
    ///
    /// ```
    /// use box_v1::actions::{Action, Copy, Logout};
    ///
    /// let id = Copy::from_body(
    ///     "<response><status>s_copy_node</status><new_file_id>7</new_file_id></response>",
    /// )
    /// .unwrap();
    /// assert_eq!(id, Some(7));
    /// let e = Logout::from_body("<response><status>not_logged_in</status></response>")
    ///     .unwrap_err();
    /// assert_eq!(e.code(), Some("not_logged_in"));
    /// ```
    fn from_body(body: impl Into<bytes::Bytes>) -> Result<Self::Output>
    where
        Self: Sized,
    {
        Self::from_response(Response::parse(body.into(), Self::PAYLOAD)?)
    }
}

/// What a `target` / `target_id` pair points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A file.
    File,
    /// A folder.
    Folder,
}

impl Target {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::File => "file",
            Target::Folder => "folder",
        }
    }
}

/// The `SOAPUser` structure returned by the auth and registration calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct V1User {
    /// Login (e-mail).
    pub login: String,
    /// E-mail address.
    pub email: String,
    /// Access id.
    pub access_id: u64,
    /// User id.
    pub user_id: u64,
    /// Quota in bytes.
    pub space_amount: u64,
    /// Bytes used.
    pub space_used: u64,
    /// Largest file the account may upload, in bytes (`max_upload_size`;
    /// `None` when the server does not say).
    pub max_upload_size: Option<u64>,
}

impl V1User {
    pub(crate) fn from_element(el: &Element, at: &str) -> Result<Self> {
        Ok(Self {
            login: text(el, "login").to_owned(),
            email: text(el, "email").to_owned(),
            access_id: num(el, "access_id", at)?,
            user_id: num(el, "user_id", at)?,
            space_amount: num(el, "space_amount", at)?,
            space_used: num(el, "space_used", at)?,
            max_upload_size: opt_num(el, "max_upload_size", at)?,
        })
    }

    /// As a [`box_core::User`].
    pub fn to_core(&self) -> box_core::User {
        let mut u = box_core::User::new(
            self.user_id.to_string(),
            self.login.clone(),
            self.login.clone(),
        );
        u.space_amount = Some(self.space_amount);
        u.space_used = Some(self.space_used);
        u.max_upload_size = self.max_upload_size;
        u
    }
}

/// An auth token and the user it belongs to.
#[derive(Clone, Serialize)]
pub struct AuthSession {
    /// The auth token to send with every call (never printed).
    #[serde(serialize_with = "redacted")]
    pub auth_token: secrecy::SecretString,
    /// The signed-in user.
    pub user: V1User,
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSession")
            .field("auth_token", &"[redacted]")
            .field("user", &self.user)
            .finish()
    }
}

impl AuthSession {
    pub(crate) fn from_response(r: &Response) -> Result<Self> {
        let token = r.require("auth_token")?;
        let user = r
            .root()
            .child("user")
            .ok_or_else(|| Error::decode("v1 response", "response/user", "missing element"))?;
        Ok(Self {
            auth_token: secrecy::SecretString::from(token.to_owned()),
            user: V1User::from_element(user, "response/user")?,
        })
    }
}

pub(crate) fn redacted<S: Serializer, T>(_: &T, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str("[redacted]")
}

/// A child's trimmed text, empty when absent.
pub(crate) fn text<'a>(el: &'a Element, name: &str) -> &'a str {
    el.child_text(name).unwrap_or("")
}

/// A required numeric child.
pub(crate) fn num<T: FromStr>(el: &Element, name: &str, at: &str) -> Result<T> {
    let v = el
        .child_text(name)
        .ok_or_else(|| Error::decode("v1 response", format!("{at}/{name}"), "missing element"))?;
    v.parse().map_err(|_| {
        Error::decode(
            "v1 response",
            format!("{at}/{name}"),
            format!("{v:?} is not a number"),
        )
    })
}

/// An optional numeric child (absent or empty: `None`).
pub(crate) fn opt_num<T: FromStr>(el: &Element, name: &str, at: &str) -> Result<Option<T>> {
    match el.child_text(name) {
        None | Some("") => Ok(None),
        Some(_) => num(el, name, at).map(Some),
    }
}

/// A required numeric attribute.
pub(crate) fn num_attr<T: FromStr>(el: &Element, name: &str, at: &str) -> Result<T> {
    let v = el
        .attr(name)
        .ok_or_else(|| Error::decode("v1 response", format!("{at}@{name}"), "missing attribute"))?;
    v.trim().parse().map_err(|_| {
        Error::decode(
            "v1 response",
            format!("{at}@{name}"),
            format!("{v:?} is not a number"),
        )
    })
}

/// An optional numeric attribute.
pub(crate) fn opt_num_attr<T: FromStr>(el: &Element, name: &str, at: &str) -> Result<Option<T>> {
    match el.attr(name) {
        None | Some("") => Ok(None),
        Some(_) => num_attr(el, name, at).map(Some),
    }
}

/// A value given either as an attribute or as a child element (real servers
/// use both layouts for the same data), trying each name in turn.
pub(crate) fn field<'a>(el: &'a Element, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| el.attr(n).map(str::trim).or_else(|| el.child_text(n)))
}

/// A required number from [`field`].
pub(crate) fn field_num<T: FromStr>(el: &Element, names: &[&str], at: &str) -> Result<T> {
    opt_field_num(el, names, at)?.ok_or_else(|| {
        Error::decode(
            "v1 response",
            format!("{at}/{}", names[0]),
            "missing attribute or element",
        )
    })
}

/// An optional number from [`field`] (absent or empty: `None`).
pub(crate) fn opt_field_num<T: FromStr>(
    el: &Element,
    names: &[&str],
    at: &str,
) -> Result<Option<T>> {
    match field(el, names) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            Error::decode(
                "v1 response",
                format!("{at}/{}", names[0]),
                format!("{v:?} is not a number"),
            )
        }),
    }
}

/// `"1"` / `"true"` as true.
pub(crate) fn flag(v: &str) -> bool {
    matches!(v.trim(), "1" | "true")
}
