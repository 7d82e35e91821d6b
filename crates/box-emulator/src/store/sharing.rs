//! v1's sharing between people: private shares (a collaboration for each
//! e-mail that belongs to a user, a pending invitation for the others,
//! turned into a collaboration when that user is created) and copies of
//! publicly shared files into the caller's folders (`add_to_mybox`).

use chrono::Utc;

use super::people::valid_email;
use super::{
    lower, need_write, Invitation, Item, Kind, Role, StoreError, StoreResult, Table, Tx, User,
};

/// The role a v1 private share gives: the recipients may read and download.
pub const PRIVATE_SHARE_ROLE: &str = "viewer";

/// What a private share did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareOutcome {
    /// Users who got a collaboration (or already had one).
    pub users: Vec<u64>,
    /// E-mails without a user, recorded as pending invitations.
    pub invited: Vec<String>,
}

/// Which publicly shared file `add_to_mybox` copies.
#[derive(Debug, Clone, Copy)]
pub enum PublicFile<'a> {
    /// By the file's id.
    Id(&'a str),
    /// By its shared link's public name.
    PublicName(&'a str),
}

impl Tx<'_> {
    /// Shares a file the caller owns with e-mails, as [`PRIVATE_SHARE_ROLE`].
    /// Folders cannot be shared privately (v1: files only).
    pub fn private_share(
        &mut self,
        user: u64,
        wire_id: &str,
        emails: &[String],
    ) -> StoreResult<ShareOutcome> {
        let (item, role) = self.st.resolve(user, wire_id, Kind::File)?;
        if role != Role::Owner {
            return Err(StoreError::Forbidden(
                "Only the owner can share an item privately".into(),
            ));
        }
        let own = self.st.users.get(&user).map(|u| lower(&u.login));
        let mut wanted: Vec<String> = Vec::new();
        for e in emails {
            let e = e.trim();
            if !valid_email(e) {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "Every recipient must be a valid e-mail".into(),
                ));
            }
            if Some(lower(e)) != own && !wanted.iter().any(|w| lower(w) == lower(e)) {
                wanted.push(e.to_string());
            }
        }
        if wanted.is_empty() {
            return Err(StoreError::BadRequest(
                "bad_request",
                "No recipients other than the owner given".into(),
            ));
        }
        let mut out = ShareOutcome::default();
        for email in wanted {
            match self.st.user_by_login(&email).map(|u| u.id) {
                Some(with) => {
                    let already = self
                        .st
                        .collabs
                        .values()
                        .any(|c| c.item == item && c.user == with);
                    if !already {
                        self.collaborate(user, Kind::File, wire_id, with, PRIVATE_SHARE_ROLE)?;
                    }
                    out.users.push(with);
                }
                None => {
                    let pending = self
                        .st
                        .invitations
                        .values()
                        .any(|i| i.item == item && lower(&i.email) == lower(&email));
                    if !pending {
                        let id = self.id();
                        self.touch(Table::Invitation, id);
                        self.st.invitations.insert(
                            id,
                            Invitation {
                                id,
                                item,
                                email: email.clone(),
                                role: PRIVATE_SHARE_ROLE.into(),
                                created_by: user,
                                created_at: Utc::now(),
                            },
                        );
                    }
                    out.invited.push(email);
                }
            }
        }
        Ok(out)
    }

    /// Turns the pending invitations for a new user's login into
    /// collaborations (those whose item is gone or no longer the sharer's
    /// are dropped).
    pub(super) fn accept_invitations(&mut self, user: &User) {
        let login = lower(&user.login);
        let pending: Vec<Invitation> = self
            .st
            .invitations
            .values()
            .filter(|i| lower(&i.email) == login)
            .cloned()
            .collect();
        for inv in pending {
            self.touch(Table::Invitation, inv.id);
            self.st.invitations.remove(&inv.id);
            let kind = match self.st.item(inv.item) {
                Some(i) => i.kind,
                None => continue,
            };
            let res = self.collaborate(
                inv.created_by,
                kind,
                &inv.item.to_string(),
                user.id,
                &inv.role,
            );
            if let Err(e) = res {
                tracing::debug!(invitation = inv.id, error = ?e, "dropping a stale invitation");
            }
        }
    }

    /// Copies a publicly shared file (open link, not expired, no password)
    /// — or one the caller can access anyway — into one of the caller's
    /// folders, adding `tags`. A name taken in the folder is a conflict.
    pub fn add_public_file(
        &mut self,
        user: u64,
        source: PublicFile<'_>,
        folder: &str,
        tags: &[String],
    ) -> StoreResult<u64> {
        let src: Item = match source {
            PublicFile::PublicName(name) => self.st.by_shared_link(name).cloned(),
            PublicFile::Id(id) => id
                .trim()
                .parse::<u64>()
                .ok()
                .and_then(|id| self.st.item(id))
                .filter(|i| !self.st.in_trash(i.id))
                .cloned(),
        }
        .ok_or(StoreError::NotFound)?;
        if src.kind != Kind::File {
            return Err(StoreError::BadRequest(
                "bad_request",
                "Only files can be added to a box".into(),
            ));
        }
        let public = src.shared_link.as_ref().is_some_and(|l| {
            l.access != "collaborators"
                && l.password.is_none()
                && l.unshared_at.is_none_or(|t| t > Utc::now())
        });
        if !public && self.st.role(user, src.id).is_none() {
            return Err(StoreError::NotFound);
        }
        let (pid, prole) = self.st.resolve(user, folder, Kind::Folder)?;
        need_write(prole)?;
        if let Some(c) = self.st.conflict(pid, &src.name, None) {
            return Err(StoreError::NameInUse(Box::new(c.clone())));
        }
        let new_id = self.copy_tree(src.id, pid, &src.name, user)?;
        let item = self.item_mut(new_id)?;
        for t in tags {
            let t = t.trim();
            if !t.is_empty() && !item.tags.iter().any(|x| x == t) {
                item.tags.push(t.to_string());
            }
        }
        self.event("ITEM_COPY", new_id, user);
        Ok(new_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{BlobInfo, Store};

    fn blob() -> BlobInfo {
        BlobInfo {
            sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709".into(),
            size: 0,
        }
    }

    /// Comments, friends, invitations and password hashes are persisted;
    /// an invitation becomes a collaboration when its user appears; purging
    /// an item removes its comments; the password is not in the database.
    #[test]
    fn v1_records_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let (owner, file) = {
            let store = Store::open(Some(dir.path())).unwrap();
            store
                .write(|tx| {
                    let owner = tx.register("own@example.com", "pw-Zq81!")?;
                    let file = tx.create_file(owner.id, "0", "a.txt", &blob())?;
                    let doomed = tx.create_file(owner.id, "0", "b.txt", &blob())?;
                    tx.add_comment(owner.id, &file.to_string(), Kind::File, "first")?;
                    tx.add_comment(owner.id, &doomed.to_string(), Kind::File, "gone")?;
                    tx.trash(owner.id, &doomed.to_string(), Kind::File, true, None)?;
                    tx.purge(owner.id, &doomed.to_string(), Kind::File)?;
                    tx.request_friends(owner.id, &["pal@example.com".into()], true)?;
                    let out = tx.private_share(
                        owner.id,
                        &file.to_string(),
                        &["late@example.com".into()],
                    )?;
                    assert_eq!(out.invited, vec!["late@example.com".to_string()]);
                    Ok((owner.id, file))
                })
                .unwrap()
        };
        let raw = std::fs::read(dir.path().join("box.sqlite3")).unwrap();
        let wal = std::fs::read(dir.path().join("box.sqlite3-wal")).unwrap_or_default();
        for bytes in [&raw, &wal] {
            assert!(
                !bytes.windows(8).any(|w| w == b"pw-Zq81!"),
                "the password is not stored"
            );
        }
        let store = Store::open(Some(dir.path())).unwrap();
        store.read(|st| {
            assert_eq!(
                st.check_password("OWN@example.com", "pw-Zq81!"),
                Some(owner)
            );
            assert_eq!(st.check_password("own@example.com", "pw-Zq81"), None);
            let comments = st
                .comments_on(owner, &file.to_string(), Kind::File)
                .unwrap();
            assert_eq!(comments.len(), 1);
            assert_eq!(comments[0].message, "first");
            assert_eq!(st.comments.len(), 1, "the purged item's comment is gone");
            assert_eq!(st.friends_of(owner).len(), 1);
            assert_eq!(st.invitations.len(), 1);
        });
        let late = store.create_user("Late", "late@example.com").unwrap();
        store.read(|st| {
            assert!(st.invitations.is_empty());
            assert_eq!(st.role(late.id, file), Some(Role::Viewer));
            assert!(st.resolve(late.id, &file.to_string(), Kind::File).is_ok());
        });
        // New ids do not collide with persisted ones.
        let id = store
            .write(|tx| tx.add_comment(late.id, &file.to_string(), Kind::File, "hi"))
            .unwrap();
        assert!(store.read(|st| st.comments.len()) == 2 && id > file);
    }

    #[test]
    fn comment_rights() {
        let store = Store::open(None).unwrap();
        let (a, b, c) = (
            store.create_user("A", "a@example.com").unwrap().id,
            store.create_user("B", "b@example.com").unwrap().id,
            store.create_user("C", "c@example.com").unwrap().id,
        );
        let file = store
            .write(|tx| tx.create_file(a, "0", "f.txt", &blob()))
            .unwrap()
            .to_string();
        store
            .write(|tx| {
                tx.private_share(a, &file, &["b@example.com".into()])
                    .map(|_| ())
            })
            .unwrap();
        let by_a = store
            .write(|tx| tx.add_comment(a, &file, Kind::File, "owner's"))
            .unwrap()
            .to_string();
        let by_b = store
            .write(|tx| tx.add_comment(b, &file, Kind::File, "viewer's"))
            .unwrap()
            .to_string();
        assert!(store
            .write(|tx| tx.add_comment(c, &file, Kind::File, "stranger"))
            .is_err_and(|e| matches!(e, StoreError::NotFound)));
        assert!(store
            .write(|tx| tx.add_comment(a, &file, Kind::File, "  "))
            .is_err_and(|e| matches!(e, StoreError::BadRequest(..))));
        // B may not delete A's comment; C does not even see it.
        assert!(store
            .write(|tx| tx.delete_comment(b, &by_a))
            .is_err_and(|e| matches!(e, StoreError::Forbidden(_))));
        assert!(store
            .write(|tx| tx.delete_comment(c, &by_b))
            .is_err_and(|e| matches!(e, StoreError::NotFound)));
        // The owner may delete B's comment on A's file; B deletes their own.
        store.write(|tx| tx.delete_comment(a, &by_b)).unwrap();
        store
            .write(|tx| {
                let own = tx.add_comment(b, &file, Kind::File, "again")?;
                tx.delete_comment(b, &own.to_string())
            })
            .unwrap();
        // Trashing hides comments; restoring brings them back.
        store
            .write(|tx| tx.trash(a, &file, Kind::File, true, None))
            .unwrap();
        assert!(store.read(|st| st.comments_on(a, &file, Kind::File).is_err()));
        assert!(store
            .write(|tx| tx.delete_comment(a, &by_a))
            .is_err_and(|e| matches!(e, StoreError::NotFound)));
        store
            .write(|tx| tx.restore(a, &file, Kind::File, None, None))
            .unwrap();
        assert_eq!(
            store.read(|st| st
                .comments_on(a, &file, Kind::File)
                .map(|c| c.len())
                .unwrap()),
            1
        );
        assert!(store
            .write(|tx| tx.delete_comment(a, "nope"))
            .is_err_and(|e| matches!(e, StoreError::NotFound)));
    }
}
