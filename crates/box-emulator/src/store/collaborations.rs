//! Changing a collaboration (`PUT /collaborations/{id}`): the item's owner
//! changes its role; the collaborator accepts or rejects a pending one.
//! Creating and removing are [`Tx::collaborate`] and [`Tx::uncollaborate`].

use chrono::Utc;

use super::{CollabStatus, Role, StoreError, StoreResult, Tx};

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
