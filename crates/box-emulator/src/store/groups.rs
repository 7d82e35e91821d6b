//! Groups of the enterprise's users and their memberships.
//!
//! Enterprise admins (and co-admins, and service accounts) create, change
//! and delete groups. A group's `invitability_level` says who may add
//! members (`admins_only`: enterprise admins and the group's admins;
//! `admins_and_members`: its members too; `all_managed_users`: any managed
//! user), its `member_viewability_level` who may list them (the same three
//! levels). A group can be given a collaboration on an item: every member
//! then has the group's role on it ([`State::role`] counts memberships), and
//! leaving the group takes it away.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{lower, State, StoreError, StoreResult, Table, Tx};

/// The three levels of who may invite or see members.
pub const LEVELS: &[&str] = &["admins_only", "admins_and_members", "all_managed_users"];

/// A group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Store-wide numeric id.
    pub id: u64,
    /// Name (unique in the enterprise, case-insensitively).
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Where the group came from (a sync tool's name).
    #[serde(default)]
    pub provenance: String,
    /// An id of the group in another system.
    #[serde(default)]
    pub external_sync_identifier: String,
    /// Who may add members ([`LEVELS`]).
    pub invitability_level: String,
    /// Who may list members ([`LEVELS`]).
    pub member_viewability_level: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub modified_at: DateTime<Utc>,
}

/// A user's membership of a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    /// Store-wide numeric id.
    pub id: u64,
    /// The group.
    pub group: u64,
    /// The member.
    pub user: u64,
    /// `member` or `admin` (a group admin).
    pub role: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub modified_at: DateTime<Utc>,
}

/// What `POST /groups` and `PUT /groups/{id}` set; `None` keeps (or, on
/// creation, defaults) a field.
#[derive(Debug, Clone, Default)]
pub struct GroupSpec {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Provenance.
    pub provenance: Option<String>,
    /// External sync identifier.
    pub external_sync_identifier: Option<String>,
    /// Invitability level.
    pub invitability_level: Option<String>,
    /// Member viewability level.
    pub member_viewability_level: Option<String>,
}

fn denied(msg: &str) -> StoreError {
    StoreError::Forbidden(msg.into())
}

fn check_level(level: &Option<String>, field: &str) -> StoreResult<()> {
    match level {
        Some(l) if !LEVELS.contains(&l.as_str()) => Err(StoreError::BadRequest(
            "bad_request",
            format!("{field} must be one of {}", LEVELS.join(", ")),
        )),
        _ => Ok(()),
    }
}

impl State {
    /// `user`'s membership of `group`, if any.
    pub fn membership(&self, group: u64, user: u64) -> Option<&Membership> {
        self.memberships
            .values()
            .find(|m| m.group == group && m.user == user)
    }

    /// The groups `user` is a member of.
    pub fn groups_of(&self, user: u64) -> Vec<u64> {
        self.memberships
            .values()
            .filter(|m| m.user == user)
            .map(|m| m.group)
            .collect()
    }

    /// Whether `user` is an enterprise admin or an admin of `group`.
    pub fn is_group_admin(&self, group: u64, user: u64) -> bool {
        self.is_admin(user)
            || self
                .membership(group, user)
                .is_some_and(|m| m.role == "admin")
    }

    /// Whether `user` passes a group's level (`admins_only`,
    /// `admins_and_members`, `all_managed_users`).
    fn passes(&self, group: u64, user: u64, level: &str) -> bool {
        self.is_group_admin(group, user)
            || match level {
                "admins_and_members" => self.membership(group, user).is_some(),
                "all_managed_users" => self.is_managed(user),
                _ => false,
            }
    }

    /// Whether `user` may list `group`'s members.
    pub fn may_view_members(&self, group: u64, user: u64) -> bool {
        self.groups
            .get(&group)
            .is_some_and(|g| self.passes(group, user, &g.member_viewability_level))
    }

    /// Whether `user` may add members to `group`.
    pub fn may_invite(&self, group: u64, user: u64) -> bool {
        self.groups
            .get(&group)
            .is_some_and(|g| self.passes(group, user, &g.invitability_level))
    }

    /// Whether `user` may see `group` itself: admins, its members, and
    /// whoever may list its members.
    pub fn may_see_group(&self, group: u64, user: u64) -> bool {
        self.groups.contains_key(&group)
            && (self.is_admin(user)
                || self.membership(group, user).is_some()
                || self.may_view_members(group, user))
    }

    /// A group `user` may see, from a wire id: `NotFound` if there is none,
    /// `Forbidden` if it is not theirs to see.
    pub fn visible_group(&self, user: u64, wire_id: &str) -> StoreResult<&Group> {
        let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        let g = self.groups.get(&id).ok_or(StoreError::NotFound)?;
        if !self.may_see_group(id, user) {
            return Err(denied(
                "Only the group's members and admins can see this group",
            ));
        }
        Ok(g)
    }
}

impl Tx<'_> {
    fn unique_group_name(&self, name: &str, except: Option<u64>) -> StoreResult<()> {
        if name.trim().is_empty() || name.chars().count() > 255 {
            return Err(StoreError::BadRequest(
                "bad_request",
                "name must be 1 to 255 characters".into(),
            ));
        }
        if self
            .st
            .groups
            .values()
            .any(|g| Some(g.id) != except && lower(&g.name) == lower(name.trim()))
        {
            return Err(StoreError::Conflict(
                "conflict",
                "A group with this name already exists".into(),
            ));
        }
        Ok(())
    }

    /// Creates a group (enterprise admins only).
    pub fn create_group(&mut self, by: u64, spec: GroupSpec) -> StoreResult<u64> {
        if !self.st.is_admin(by) {
            return Err(denied("Only enterprise admins can create groups"));
        }
        let name = spec
            .name
            .clone()
            .ok_or_else(|| StoreError::BadRequest("bad_request", "name is required".into()))?;
        self.unique_group_name(&name, None)?;
        check_level(&spec.invitability_level, "invitability_level")?;
        check_level(&spec.member_viewability_level, "member_viewability_level")?;
        let id = self.id();
        let now = Utc::now();
        self.touch(Table::Group, id);
        self.st.groups.insert(
            id,
            Group {
                id,
                name: name.trim().to_string(),
                description: spec.description.unwrap_or_default(),
                provenance: spec.provenance.unwrap_or_default(),
                external_sync_identifier: spec.external_sync_identifier.unwrap_or_default(),
                invitability_level: spec
                    .invitability_level
                    .unwrap_or_else(|| "admins_only".into()),
                member_viewability_level: spec
                    .member_viewability_level
                    .unwrap_or_else(|| "admins_only".into()),
                created_at: now,
                modified_at: now,
            },
        );
        Ok(id)
    }

    /// Changes a group (enterprise admins and the group's admins).
    pub fn update_group(&mut self, by: u64, wire_id: &str, spec: GroupSpec) -> StoreResult<u64> {
        let id = self.st.visible_group(by, wire_id)?.id;
        if !self.st.is_group_admin(id, by) {
            return Err(denied("Only admins can change a group"));
        }
        if let Some(name) = &spec.name {
            self.unique_group_name(name, Some(id))?;
        }
        check_level(&spec.invitability_level, "invitability_level")?;
        check_level(&spec.member_viewability_level, "member_viewability_level")?;
        self.touch(Table::Group, id);
        let g = self.st.groups.get_mut(&id).ok_or(StoreError::NotFound)?;
        if let Some(v) = spec.name {
            g.name = v.trim().to_string();
        }
        for (field, value) in [
            (&mut g.description, spec.description),
            (&mut g.provenance, spec.provenance),
            (
                &mut g.external_sync_identifier,
                spec.external_sync_identifier,
            ),
            (&mut g.invitability_level, spec.invitability_level),
            (
                &mut g.member_viewability_level,
                spec.member_viewability_level,
            ),
        ] {
            if let Some(v) = value {
                *field = v;
            }
        }
        g.modified_at = Utc::now();
        Ok(id)
    }

    /// Deletes a group with its memberships and the collaborations given
    /// to it (enterprise admins only).
    pub fn delete_group(&mut self, by: u64, wire_id: &str) -> StoreResult<()> {
        let id = self.st.visible_group(by, wire_id)?.id;
        if !self.st.is_admin(by) {
            return Err(denied("Only enterprise admins can delete groups"));
        }
        let members: Vec<u64> = self
            .st
            .memberships
            .values()
            .filter(|m| m.group == id)
            .map(|m| m.id)
            .collect();
        for m in members {
            self.touch(Table::GroupMembership, m);
            self.st.memberships.remove(&m);
        }
        let collabs: Vec<u64> = self
            .st
            .collabs
            .values()
            .filter(|c| c.group == Some(id))
            .map(|c| c.id)
            .collect();
        for c in collabs {
            self.touch(Table::Collab, c);
            self.st.collabs.remove(&c);
        }
        self.touch(Table::Group, id);
        self.st.groups.remove(&id);
        Ok(())
    }

    /// Adds a managed user to a group as `member` or `admin`; who may is
    /// the group's invitability level (only admins may add group admins).
    pub fn add_member(
        &mut self,
        by: u64,
        group: &str,
        user: u64,
        role: Option<&str>,
    ) -> StoreResult<u64> {
        let group = self.st.visible_group(by, group)?.id;
        if !self.st.may_invite(group, by) {
            return Err(denied(
                "The group's invitability level does not let the caller add members",
            ));
        }
        let role = role.unwrap_or("member");
        if !["member", "admin"].contains(&role) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "role must be member or admin".into(),
            ));
        }
        if role == "admin" && !self.st.is_group_admin(group, by) {
            return Err(denied("Only admins can add group admins"));
        }
        if !self.st.users.contains_key(&user) {
            return Err(StoreError::NotFound);
        }
        if !self.st.is_managed(user) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "Only users of the enterprise can be group members".into(),
            ));
        }
        if self.st.membership(group, user).is_some() {
            return Err(StoreError::Conflict(
                "conflict",
                "The user is already a member of this group".into(),
            ));
        }
        let id = self.id();
        let now = Utc::now();
        self.touch(Table::GroupMembership, id);
        self.st.memberships.insert(
            id,
            Membership {
                id,
                group,
                user,
                role: role.into(),
                created_at: now,
                modified_at: now,
            },
        );
        Ok(id)
    }

    /// A membership `by` may see: the member, and whoever may list the
    /// group's members.
    pub fn visible_membership(&self, by: u64, wire_id: &str) -> StoreResult<Membership> {
        visible_membership(self.st, by, wire_id)
    }

    /// Changes a membership's role (enterprise admins and group admins).
    pub fn update_membership(&mut self, by: u64, wire_id: &str, role: &str) -> StoreResult<u64> {
        let m = self.visible_membership(by, wire_id)?;
        if !self.st.is_group_admin(m.group, by) {
            return Err(denied("Only admins can change a membership"));
        }
        if !["member", "admin"].contains(&role) {
            return Err(StoreError::BadRequest(
                "bad_request",
                "role must be member or admin".into(),
            ));
        }
        self.touch(Table::GroupMembership, m.id);
        if let Some(m) = self.st.memberships.get_mut(&m.id) {
            m.role = role.into();
            m.modified_at = Utc::now();
        }
        Ok(m.id)
    }

    /// Removes a membership (enterprise admins and group admins): the user
    /// loses what the group was given.
    pub fn remove_membership(&mut self, by: u64, wire_id: &str) -> StoreResult<()> {
        let m = self.visible_membership(by, wire_id)?;
        if !self.st.is_group_admin(m.group, by) {
            return Err(denied("Only admins can remove a group member"));
        }
        self.touch(Table::GroupMembership, m.id);
        self.st.memberships.remove(&m.id);
        Ok(())
    }

    /// Removes every membership of a user (deleted, or rolled out of the
    /// enterprise).
    pub(super) fn drop_memberships_of(&mut self, user: u64) {
        let ids: Vec<u64> = self
            .st
            .memberships
            .values()
            .filter(|m| m.user == user)
            .map(|m| m.id)
            .collect();
        for id in ids {
            self.touch(Table::GroupMembership, id);
            self.st.memberships.remove(&id);
        }
    }
}

/// A membership `by` may see (see [`Tx::visible_membership`]).
pub fn visible_membership(st: &State, by: u64, wire_id: &str) -> StoreResult<Membership> {
    let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
    let m = st.memberships.get(&id).ok_or(StoreError::NotFound)?;
    if m.user != by && !st.may_view_members(m.group, by) {
        return Err(if st.may_see_group(m.group, by) {
            denied("The group's member viewability level hides its members")
        } else {
            StoreError::NotFound
        });
    }
    Ok(m.clone())
}
