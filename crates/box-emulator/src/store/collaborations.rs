//! Collaborations as v2 makes them: with a user, a group (every member has
//! the group's role on the item) or an e-mail that is not a user yet; a
//! collaboration across the enterprise's edge (or with a login not yet
//! registered) is `pending` until the invitee accepts it. Changing one
//! (`PUT /collaborations/{id}`): the item's owner changes its role; the
//! collaborator accepts or rejects a pending one. v1's shares use
//! [`Tx::collaborate`]; removing is [`Tx::uncollaborate`].

use chrono::Utc;

use super::{
    lower, CollabStatus, Collaboration, Kind, Role, StoreError, StoreResult, Table, Tx, User,
};

/// Who a new collaboration is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invitee {
    /// A user (by id).
    User(u64),
    /// A group (by id): its members.
    Group(u64),
    /// An e-mail that is no user's login yet: a pending invitation that
    /// the user created later with that login sees.
    Email(String),
}

/// What a `PUT /collaborations/{id}` asks for.
#[derive(Debug, Default, Clone)]
pub struct CollabUpdate {
    /// A new role (a Box role name, already validated).
    pub role: Option<String>,
    /// `accepted` or `rejected` (for a pending collaboration).
    pub status: Option<CollabStatus>,
}

impl Tx<'_> {
    /// Changes a collaboration. Only the owner of the item may change the
    /// role; only the collaborator may accept or reject, and only while the
    /// collaboration is pending. Anyone else does not see it.
    pub fn update_collaboration(
        &mut self,
        user: u64,
        collab: &str,
        upd: CollabUpdate,
    ) -> StoreResult<u64> {
        let id: u64 = collab.trim().parse().map_err(|_| StoreError::NotFound)?;
        let c = self
            .st
            .collabs
            .get(&id)
            .ok_or(StoreError::NotFound)?
            .clone();
        if self.st.in_trash(c.item) {
            return Err(StoreError::NotFound);
        }
        let is_owner = self.st.role(user, c.item) == Some(Role::Owner);
        let is_collaborator = c.user == user;
        if !is_owner && !is_collaborator {
            // Someone who can see the item may see its collaborations but
            // not change them; a stranger sees nothing.
            return Err(if self.st.role(user, c.item).is_some() {
                StoreError::Forbidden("Only the owner can change a collaboration".into())
            } else {
                StoreError::NotFound
            });
        }
        let mut changed = c.clone();
        if let Some(role) = upd.role {
            if !is_owner {
                return Err(StoreError::Forbidden(
                    "Only the owner can change a collaborator's role".into(),
                ));
            }
            changed.role = role;
        }
        let mut event = (changed.role != c.role).then_some("COLLAB_ROLE_CHANGE");
        if let Some(status) = upd.status {
            if status != c.status {
                if !is_collaborator {
                    return Err(StoreError::Forbidden(
                        "Only the collaborator can accept or reject an invitation".into(),
                    ));
                }
                if c.status != CollabStatus::Pending || status == CollabStatus::Pending {
                    return Err(StoreError::BadRequest(
                        "bad_request",
                        "Only a pending collaboration can be accepted or rejected".into(),
                    ));
                }
                changed.status = status;
                event = Some(if status == CollabStatus::Accepted {
                    "COLLAB_ACCEPT_INVITE"
                } else {
                    "COLLAB_REJECT_INVITE"
                });
            }
        }
        if let Some(event) = event {
            changed.modified_at = Some(Utc::now());
            let item = changed.item;
            self.touch(super::Table::Collab, id);
            self.st.collabs.insert(id, changed);
            self.event(event, item, user);
        }
        Ok(id)
    }
}

impl Tx<'_> {
    /// Gives `invitee` `role_name` on an item the caller owns. A user of
    /// the enterprise invited by one is accepted at once; a user on the
    /// other side of the enterprise's edge, or an e-mail without a user,
    /// gets a `pending` collaboration (`COLLAB_INVITE_COLLABORATOR`) until
    /// they accept it. A group's collaboration is accepted for all its
    /// members.
    pub fn add_collaboration(
        &mut self,
        by: u64,
        kind: Kind,
        wire_id: &str,
        invitee: Invitee,
        role_name: &str,
    ) -> StoreResult<u64> {
        let (item, role) = self.st.resolve(by, wire_id, kind)?;
        if role != Role::Owner {
            return Err(StoreError::Forbidden(
                "Only the owner can add collaborators".into(),
            ));
        }
        let invitee = match invitee {
            // An e-mail that is a user's login is that user.
            Invitee::Email(e) => match self.st.user_by_login(&e) {
                Some(u) => Invitee::User(u.id),
                None if super::people::valid_email(e.trim()) => Invitee::Email(e.trim().into()),
                None => {
                    return Err(StoreError::BadRequest(
                        "bad_request",
                        "accessible_by.login must be an e-mail address".into(),
                    ))
                }
            },
            other => other,
        };
        let (user, group, email, status) = match &invitee {
            Invitee::User(u) => {
                if !self.st.users.contains_key(u) {
                    return Err(StoreError::NotFound);
                }
                if *u == by {
                    return Err(StoreError::BadRequest(
                        "bad_request",
                        "The owner cannot be a collaborator".into(),
                    ));
                }
                let inside = self.st.is_managed(by) && self.st.is_managed(*u);
                let status = if inside {
                    CollabStatus::Accepted
                } else {
                    CollabStatus::Pending
                };
                (*u, None, None, status)
            }
            Invitee::Group(g) => {
                if !self.st.groups.contains_key(g) {
                    return Err(StoreError::NotFound);
                }
                if !self.st.is_managed(by) {
                    return Err(StoreError::Forbidden(
                        "Only users of the enterprise can share with its groups".into(),
                    ));
                }
                (0, Some(*g), None, CollabStatus::Accepted)
            }
            Invitee::Email(e) => (0, None, Some(e.clone()), CollabStatus::Pending),
        };
        let taken = self.st.collabs.values().any(|c| {
            c.item == item
                && match &invitee {
                    Invitee::User(u) => c.user == *u,
                    Invitee::Group(g) => c.group == Some(*g),
                    Invitee::Email(e) => c
                        .invite_email
                        .as_deref()
                        .is_some_and(|x| lower(x) == lower(e)),
                }
        });
        if taken {
            return Err(StoreError::BadRequest(
                "user_already_collaborator",
                "User is already a collaborator".into(),
            ));
        }
        let id = self.id();
        self.touch(Table::Collab, id);
        self.st.collabs.insert(
            id,
            Collaboration {
                id,
                item,
                user,
                role: role_name.into(),
                created_by: by,
                created_at: Utc::now(),
                status,
                modified_at: None,
                group,
                invite_email: email,
            },
        );
        self.event(
            if status == CollabStatus::Pending {
                "COLLAB_INVITE_COLLABORATOR"
            } else {
                "COLLAB_ADD_COLLABORATOR"
            },
            item,
            by,
        );
        Ok(id)
    }

    /// Hands the pending invitations of a new user's login to them: they
    /// see and answer them as their own.
    pub(super) fn bind_invited_collabs(&mut self, user: &User) {
        let login = lower(&user.login);
        let ids: Vec<u64> = self
            .st
            .collabs
            .values()
            .filter(|c| c.user == 0 && c.group.is_none())
            .filter(|c| c.invite_email.as_deref().is_some_and(|e| lower(e) == login))
            .map(|c| c.id)
            .collect();
        for id in ids {
            self.touch(Table::Collab, id);
            if let Some(c) = self.st.collabs.get_mut(&id) {
                c.user = user.id;
            }
        }
    }
}
