//! Web links (Box's bookmarks): items of [`Kind::WebLink`] in the folder
//! tree, so they list, move, trash, restore, purge, copy with their folder,
//! carry shared links and follow the folder's collaborations exactly as
//! files do. What only they have is the URL ([`super::Item::url`]) and the name
//! rule: a web link's name defaults to its URL, so unlike a file's it may
//! contain `/`.

use chrono::Utc;

use super::{check_name, need_write, ItemUpdate, Kind, StoreError, StoreResult, Tx};

/// Longest URL accepted (Box documents none; browsers and Box's web app
/// stop around here).
pub const MAX_URL_LEN: usize = 8192;

/// A web link's URL must be `http://` or `https://` with a host, and hold no
/// whitespace or control characters.
pub fn check_url(url: &str) -> StoreResult<()> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !host_ok
        || url.len() > MAX_URL_LEN
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(StoreError::BadRequest(
            "bad_request",
            "url must start with http:// or https:// and name a host".into(),
        ));
    }
    Ok(())
}

/// The name rule for an item of `kind`: a file's or folder's for those; for
/// a web link, any non-empty name of at most 255 characters without control
/// characters (it defaults to the URL, so `/` is allowed).
pub fn check_name_of(kind: Kind, name: &str) -> StoreResult<()> {
    if kind != Kind::WebLink {
        return check_name(name);
    }
    if name.trim().is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(StoreError::BadRequest(
            "item_name_invalid",
            "Item name invalid".into(),
        ));
    }
    Ok(())
}

impl Tx<'_> {
    /// Creates a web link in a folder the caller can write to; the name
    /// defaults to the URL. A name taken in the folder is a conflict.
    pub fn create_web_link(
        &mut self,
        user: u64,
        parent: &str,
        url: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<u64> {
        check_url(url)?;
        let name = name.unwrap_or(url);
        check_name_of(Kind::WebLink, name)?;
        let (parent, role) = self.st.resolve(user, parent, Kind::Folder)?;
        need_write(role)?;
        if let Some(c) = self.st.conflict(parent, name, None) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let id = self.new_item(Kind::WebLink, parent, name, user)?;
        let it = self.item_mut(id)?;
        it.url = Some(url.to_string());
        if let Some(d) = description {
            it.description = d.to_string();
        }
        self.event("ITEM_CREATE", id, user);
        Ok(id)
    }

    /// Updates a web link: what [`Tx::update`] changes on any item, plus
    /// its URL. Nothing changes unless all of it can.
    pub fn update_web_link(
        &mut self,
        user: u64,
        wire_id: &str,
        url: Option<&str>,
        upd: ItemUpdate,
        if_match: Option<&str>,
    ) -> StoreResult<u64> {
        let mut etag_before = None;
        if let Some(u) = url {
            check_url(u)?;
            let (id, role) = self.st.resolve(user, wire_id, Kind::WebLink)?;
            need_write(role)?;
            etag_before = self.st.items.get(&id).map(|i| i.etag);
        }
        let id = self.update(user, wire_id, Kind::WebLink, upd, if_match)?;
        let Some(url) = url else {
            return Ok(id);
        };
        let it = self.item_mut(id)?;
        if it.url.as_deref() != Some(url) {
            it.url = Some(url.to_string());
            // `update` bumped the etag already if it changed anything itself.
            if etag_before == Some(it.etag) {
                it.etag += 1;
            }
            it.modified_at = Utc::now();
            it.modified_by = user;
            self.event("ITEM_MODIFY", id, user);
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Role, SharedLinkUpdate, Store};

    #[test]
    fn urls_and_names() {
        for ok in ["https://example.com", "http://a.b/c?d=e#f", "HTTPS://X.Y"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ftp://example.com",
            "https://",
            "https:///path",
            "example.com",
            "https://a b",
            "javascript:alert(1)",
        ] {
            assert!(
                matches!(check_url(bad), Err(StoreError::BadRequest(..))),
                "{bad}"
            );
        }
        assert!(check_url(&format!("https://a/{}", "x".repeat(MAX_URL_LEN))).is_err());
        assert!(check_name_of(Kind::WebLink, "https://example.com/a/b").is_ok());
        assert!(check_name_of(Kind::File, "https://example.com/a/b").is_err());
        assert!(check_name_of(Kind::WebLink, " ").is_err());
        assert!(check_name_of(Kind::WebLink, &"n".repeat(256)).is_err());
    }

    /// Web links persist with their URL; they list after files, copy with
    /// their folder, go to the trash with it and come back; an editor
    /// collaborator may change them, a viewer may not, a stranger sees none.
    #[test]
    fn web_links_live_in_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let (owner, viewer, editor, folder, link) = {
            let store = Store::open(Some(dir.path())).unwrap();
            let owner = store.create_user("O", "o@example.com").unwrap().id;
            let viewer = store.create_user("V", "v@example.com").unwrap().id;
            let editor = store.create_user("E", "e@example.com").unwrap().id;
            store
                .write(|tx| {
                    let folder = tx.create_folder(owner, "0", "links")?.to_string();
                    tx.collaborate(owner, Kind::Folder, &folder, viewer, "viewer")?;
                    tx.collaborate(owner, Kind::Folder, &folder, editor, "editor")?;
                    tx.create_folder(owner, &folder, "z-sub")?;
                    let link = tx.create_web_link(
                        owner,
                        &folder,
                        "https://example.com/a",
                        None,
                        Some("about a"),
                    )?;
                    Ok((owner, viewer, editor, folder, link.to_string()))
                })
                .unwrap()
        };
        let store = Store::open(Some(dir.path())).unwrap();
        store.read(|st| {
            let (id, role) = st.resolve(owner, &link, Kind::WebLink).unwrap();
            let it = st.item(id).unwrap();
            assert_eq!(it.url.as_deref(), Some("https://example.com/a"));
            assert_eq!(
                it.name, "https://example.com/a",
                "the name defaults to the URL"
            );
            assert_eq!(it.description, "about a");
            assert_eq!(role, Role::Owner);
            assert!(st.resolve(owner, &link, Kind::File).is_err());
            let f: u64 = folder.parse().unwrap();
            let (_, order) = st.children_by_name(f, false, 0);
            let kinds: Vec<Kind> = order.map(|i| st.item(i).unwrap().kind).collect();
            assert_eq!(kinds, [Kind::Folder, Kind::WebLink]);
            let (_, from1) = st.children_by_name(f, false, 1);
            assert_eq!(from1.collect::<Vec<_>>(), [id]);
        });
        // A name taken by the subfolder is a conflict; a duplicate URL is not.
        assert!(store
            .write(|tx| tx.create_web_link(owner, &folder, "https://x.y", Some("Z-SUB"), None))
            .is_err_and(|e| matches!(e, StoreError::NameInUse(_))));
        // The viewer cannot create or change; the editor can.
        assert!(store
            .write(|tx| tx.create_web_link(viewer, &folder, "https://x.y", None, None))
            .is_err_and(|e| matches!(e, StoreError::Forbidden(_))));
        assert!(store
            .write(|tx| tx.update_web_link(
                viewer,
                &link,
                Some("https://evil.example"),
                ItemUpdate::default(),
                None
            ))
            .is_err_and(|e| matches!(e, StoreError::Forbidden(_))));
        let etag = store.read(|st| st.item(link.parse().unwrap()).unwrap().etag);
        store
            .write(|tx| {
                tx.update_web_link(
                    editor,
                    &link,
                    Some("https://example.com/b"),
                    ItemUpdate::default(),
                    None,
                )
            })
            .unwrap();
        store.read(|st| {
            let it = st.item(link.parse().unwrap()).unwrap();
            assert_eq!(it.url.as_deref(), Some("https://example.com/b"));
            assert_eq!(it.etag, etag + 1);
            assert_eq!(it.modified_by, editor);
        });
        // A shared link on the web link resolves to it.
        store
            .write(|tx| {
                let upd = ItemUpdate {
                    shared_link: Some(Some(SharedLinkUpdate::default())),
                    ..ItemUpdate::default()
                };
                tx.update(owner, &link, Kind::WebLink, upd, None)
            })
            .unwrap();
        store.read(|st| {
            let token = st.item(link.parse().unwrap()).unwrap().shared_link.clone();
            let token = token.unwrap().token;
            assert_eq!(
                st.by_shared_link(&token).map(|i| i.kind),
                Some(Kind::WebLink)
            );
        });
        // Copying the folder copies the link with its URL.
        let copy = store
            .write(|tx| tx.copy(owner, &folder, Kind::Folder, "0", Some("copy")))
            .unwrap();
        store.read(|st| {
            let kids = st.children(copy);
            let l = kids.iter().find(|i| i.kind == Kind::WebLink).unwrap();
            assert_eq!(l.url.as_deref(), Some("https://example.com/b"));
            assert!(l.shared_link.is_none());
        });
        // Trashing the folder hides the link; the link alone goes and comes back.
        store
            .write(|tx| tx.trash(owner, &link, Kind::WebLink, false, None))
            .unwrap();
        assert!(store.read(|st| st.resolve(owner, &link, Kind::WebLink).is_err()));
        assert!(store
            .write(|tx| tx.restore(editor, &link, Kind::WebLink, None, None))
            .is_err_and(|e| matches!(e, StoreError::NotFound)));
        store
            .write(|tx| tx.restore(owner, &link, Kind::WebLink, None, None))
            .unwrap();
        store
            .write(|tx| tx.trash(owner, &link, Kind::WebLink, false, None))
            .unwrap();
        store
            .write(|tx| tx.purge(owner, &link, Kind::WebLink))
            .unwrap();
        assert!(store.read(|st| st.item(link.parse().unwrap()).is_none()));
    }
}
