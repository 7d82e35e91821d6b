//! The emulated enterprise: every user belongs to it (a managed user)
//! unless rolled out of it (an external user); its admin is the first user
//! created (the emulator's default user) unless the admin API or an admin
//! says otherwise. Admins (and co-admins, and apps' service accounts)
//! manage the enterprise's users: list, create (managed users and app
//! users), update, delete, act as them (`As-User`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{lower, random_token, State, StoreError, StoreResult, Table, Tx, User};

/// The enterprise's id on the wire (`enterprise.id`).
pub const ENTERPRISE_ID: &str = "1";
/// The enterprise's name on the wire (`enterprise.name`).
pub const ENTERPRISE_NAME: &str = "Box Emulator Enterprise";

/// A user's role in the enterprise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnterpriseRole {
    /// The enterprise admin.
    Admin,
    /// A co-admin: manages users and groups like the admin, but may not
    /// act as or change admins and other co-admins.
    Coadmin,
    /// A managed user.
    #[default]
    User,
}

impl EnterpriseRole {
    /// Box's name of the role.
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseRole::Admin => "admin",
            EnterpriseRole::Coadmin => "coadmin",
            EnterpriseRole::User => "user",
        }
    }
}

/// A user's place in the enterprise and the editable parts of their profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// Role in the enterprise (for a managed user).
    #[serde(rename = "enterprise_role")]
    pub role: EnterpriseRole,
    /// Not in the enterprise (rolled out of it, or never in it).
    pub external: bool,
    /// An app user (`is_platform_access_only`): no login of their own.
    pub app_user: bool,
    /// `active`, `inactive`, `cannot_delete_edit`, `cannot_delete_edit_upload`
    /// (empty reads as `active`).
    pub status: String,
    /// Job title.
    pub job_title: String,
    /// Phone number.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Language (empty reads as `en`).
    pub language: String,
    /// Time zone (empty reads as `UTC`).
    pub timezone: String,
    /// Storage quota in bytes (`None`: unlimited, shown as Box's large value).
    pub space_amount: Option<i64>,
    /// An app's own id for an app user.
    pub external_app_user_id: Option<String>,
    /// Last change of the profile.
    pub modified_at: Option<DateTime<Utc>>,
}

impl Account {
    /// The account of a new user: the enterprise's admin for the first
    /// user, a managed user otherwise.
    pub fn first_or_member(first: bool) -> Self {
        Self {
            role: if first {
                EnterpriseRole::Admin
            } else {
                EnterpriseRole::User
            },
            ..Self::default()
        }
    }
}

/// After loading: a database written before enterprises has no admin, so
/// the first user becomes it (as a new database's first user does).
pub(super) fn after_load(st: &mut State) {
    let has_admin = st
        .users
        .values()
        .any(|u| u.account.role == EnterpriseRole::Admin);
    if !has_admin {
        if let Some(first) = st.users.values_mut().next() {
            first.account.role = EnterpriseRole::Admin;
        }
    }
}

/// Which users `GET /users` lists (`user_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserType {
    /// Managed users, and external users whose login is the filter exactly.
    All,
    /// Managed users (app users included).
    Managed,
    /// External users whose login is the filter exactly.
    External,
}

/// A new enterprise user (`POST /users`).
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Display name.
    pub name: String,
    /// Login (required unless an app user).
    pub login: Option<String>,
    /// Profile, role and kind.
    pub account: Account,
}

/// Changes to a user (`PUT /users/{id}`); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New display name.
    pub name: Option<String>,
    /// New login.
    pub login: Option<String>,
    /// New role (`user` or `coadmin`).
    pub role: Option<EnterpriseRole>,
    /// `Some(true)`: roll the user out of the enterprise (`enterprise: null`).
    pub roll_out: bool,
    /// New status.
    pub status: Option<String>,
    /// New job title.
    pub job_title: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New language.
    pub language: Option<String>,
    /// New time zone.
    pub timezone: Option<String>,
    /// New quota (`-1` unlimited).
    pub space_amount: Option<i64>,
    /// New external app user id.
    pub external_app_user_id: Option<String>,
}

fn denied(msg: &str) -> StoreError {
    StoreError::Forbidden(msg.into())
}

impl State {
    /// Whether `user` is an app's service account.
    pub fn is_service_account(&self, user: u64) -> bool {
        self.apps.values().any(|a| a.service_user == user)
    }

    /// Whether `user` administers the enterprise: its admin, a co-admin, or
    /// an app's service account.
    pub fn is_admin(&self, user: u64) -> bool {
        self.is_service_account(user)
            || self.users.get(&user).is_some_and(|u| {
                !u.account.external
                    && matches!(
                        u.account.role,
                        EnterpriseRole::Admin | EnterpriseRole::Coadmin
                    )
            })
    }

    /// Whether `user` is a managed user of the enterprise (not external).
    pub fn is_managed(&self, user: u64) -> bool {
        self.users.get(&user).is_some_and(|u| !u.account.external)
    }

    /// Whether `actor` may manage (see in full, change, delete, act as)
    /// `target`: themselves; for an admin or service account any managed
    /// user (an app's service account is nobody's to manage); for a
    /// co-admin any managed user who is not an admin or co-admin.
    pub fn may_manage(&self, actor: u64, target: u64) -> bool {
        if actor == target {
            return true;
        }
        let Some(t) = self.users.get(&target) else {
            return false;
        };
        if t.account.external || !self.is_admin(actor) || self.is_service_account(target) {
            return false;
        }
        let actor_is_coadmin = !self.is_service_account(actor)
            && self
                .users
                .get(&actor)
                .is_some_and(|a| a.account.role == EnterpriseRole::Coadmin);
        !actor_is_coadmin || t.account.role == EnterpriseRole::User
    }

    /// Checks an `As-User` request: `actor` (the token's user) acting as
    /// `target`. Box answers `403 access_denied_insufficient_permissions`
    /// to a caller that is not an admin or service account, and to one
    /// that may not manage the target.
    pub fn check_as_user(&self, actor: u64, target: u64) -> StoreResult<()> {
        if !self.users.contains_key(&target) {
            return Err(StoreError::BadRequest(
                "invalid_user",
                "Unknown As-User user id".into(),
            ));
        }
        if !self.is_admin(actor) {
            return Err(denied(
                "As-User needs an enterprise admin or a service account token",
            ));
        }
        if !self.may_manage(actor, target) {
            return Err(denied("This user cannot be acted as by the caller"));
        }
        Ok(())
    }

    /// The users `GET /users` shows an admin, in id order: managed users
    /// whose name or login starts with `filter` (case-insensitively), and
    /// (for [`UserType::All`] and [`UserType::External`]) external users
    /// whose login equals `filter`. `external_app_user_id` narrows to the
    /// app user with that id.
    pub fn list_users(
        &self,
        filter: Option<&str>,
        user_type: UserType,
        external_app_user_id: Option<&str>,
    ) -> Vec<&User> {
        let filter = filter.map(|f| lower(f.trim())).filter(|f| !f.is_empty());
        self.users
            .values()
            .filter(|u| !self.is_service_account(u.id))
            .filter(|u| match (u.account.external, user_type) {
                (false, UserType::External) => false,
                (false, _) => filter.as_ref().is_none_or(|f| {
                    lower(&u.name).starts_with(f.as_str())
                        || lower(&u.login).starts_with(f.as_str())
                }),
                (true, UserType::Managed) => false,
                (true, _) => filter.as_ref().is_some_and(|f| lower(&u.login) == *f),
            })
            .filter(|u| {
                external_app_user_id
                    .is_none_or(|x| u.account.external_app_user_id.as_deref() == Some(x))
            })
            .collect()
    }
}

impl Tx<'_> {
    /// Creates a managed user or an app user (`POST /users`), by an admin.
    /// An app user gets a generated login.
    pub fn create_enterprise_user(&mut self, by: u64, new: NewUser) -> StoreResult<User> {
        if !self.st.is_admin(by) {
            return Err(denied("Only enterprise admins can create users"));
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(StoreError::BadRequest(
                "bad_request",
                "name must be 1 to 50 characters".into(),
            ));
        }
        let login = match (new.account.app_user, new.login) {
            (true, _) => format!(
                "AppUser_{}_{}@boxdevedition.com",
                self.st.next_id,
                random_token(10)
            ),
            (false, Some(l)) if super::people::valid_email(l.trim()) => l.trim().to_string(),
            (false, _) => {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "login must be an e-mail address".into(),
                ))
            }
        };
        if new.account.role == EnterpriseRole::Admin {
            return Err(StoreError::BadRequest(
                "bad_request",
                "role must be user or coadmin".into(),
            ));
        }
        if new.account.role == EnterpriseRole::Coadmin && !self.st.may_manage_admins(by) {
            return Err(denied("Only the admin can make co-admins"));
        }
        let mut user = self.create_user(name, &login)?;
        user.account = Account {
            modified_at: Some(Utc::now()),
            external: false,
            ..new.account
        };
        self.touch(Table::User, user.id);
        self.st.users.insert(user.id, user.clone());
        Ok(user)
    }

    /// Changes a user: themselves (name and profile only) or, by an admin,
    /// a managed user they may manage (role, status, login, rolling out of
    /// the enterprise too).
    pub fn update_user(&mut self, by: u64, id: u64, upd: UserUpdate) -> StoreResult<User> {
        if !self.st.users.contains_key(&id) {
            return Err(StoreError::NotFound);
        }
        if !self.st.may_manage(by, id) {
            return Err(denied("Only enterprise admins can change other users"));
        }
        let admin_only = upd.role.is_some()
            || upd.roll_out
            || upd.status.is_some()
            || upd.login.is_some()
            || upd.space_amount.is_some();
        if admin_only && (by == id && !self.st.is_admin(by)) {
            return Err(denied(
                "Only enterprise admins can change role, status, login or quota",
            ));
        }
        if let Some(role) = upd.role {
            if role == EnterpriseRole::Admin {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "role must be user or coadmin".into(),
                ));
            }
            if !self.st.may_manage_admins(by) || by == id {
                return Err(denied("Only the admin can change roles"));
            }
        }
        if let Some(login) = &upd.login {
            let login = login.trim();
            if !super::people::valid_email(login) {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "login must be an e-mail address".into(),
                ));
            }
            if self
                .st
                .users
                .values()
                .any(|u| u.id != id && lower(&u.login) == lower(login))
            {
                return Err(StoreError::BadRequest(
                    "user_login_already_used",
                    "User with the specified login already exists".into(),
                ));
            }
        }
        if let Some(status) = &upd.status {
            if ![
                "active",
                "inactive",
                "cannot_delete_edit",
                "cannot_delete_edit_upload",
            ]
            .contains(&status.as_str())
            {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "status is not one of Box's user statuses".into(),
                ));
            }
        }
        if let Some(name) = &upd.name {
            if name.trim().is_empty() || name.chars().count() > 50 {
                return Err(StoreError::BadRequest(
                    "bad_request",
                    "name must be 1 to 50 characters".into(),
                ));
            }
        }
        if upd.roll_out
            && self.st.users.get(&id).map(|u| u.account.role) == Some(EnterpriseRole::Admin)
        {
            return Err(StoreError::BadRequest(
                "bad_request",
                "The enterprise's admin cannot be rolled out of it".into(),
            ));
        }
        let roll_out = upd.roll_out;
        self.touch(Table::User, id);
        let u = self.st.users.get_mut(&id).ok_or(StoreError::NotFound)?;
        if let Some(v) = upd.name {
            u.name = v.trim().to_string();
        }
        if let Some(v) = upd.login {
            u.login = v.trim().to_string();
        }
        let a = &mut u.account;
        if let Some(v) = upd.role {
            a.role = v;
        }
        if roll_out {
            a.external = true;
            a.role = EnterpriseRole::User;
        }
        for (field, value) in [
            (&mut a.status, upd.status),
            (&mut a.job_title, upd.job_title),
            (&mut a.phone, upd.phone),
            (&mut a.address, upd.address),
            (&mut a.language, upd.language),
            (&mut a.timezone, upd.timezone),
        ] {
            if let Some(v) = value {
                *field = v;
            }
        }
        if let Some(v) = upd.space_amount {
            a.space_amount = (v >= 0).then_some(v);
        }
        if let Some(v) = upd.external_app_user_id {
            a.external_app_user_id = Some(v);
        }
        a.modified_at = Some(Utc::now());
        let out = u.clone();
        if roll_out {
            // Outside the enterprise, the user is in none of its groups.
            self.drop_memberships_of(id);
        }
        Ok(out)
    }

    /// Deletes a user (`DELETE /users/{id}`), by an admin who may manage
    /// them: refused while they own anything unless `force`, which deletes
    /// their files and folders too. Their collaborations, group
    /// memberships and tokens go with them.
    pub fn delete_user(&mut self, by: u64, id: u64, force: bool) -> StoreResult<()> {
        let root = self.st.root_of(id).ok_or(StoreError::NotFound)?;
        if by == id {
            return Err(denied("Users cannot delete themselves"));
        }
        if !self.st.is_admin(by) || !self.st.may_manage(by, id) {
            return Err(denied("Only enterprise admins can delete users"));
        }
        if self.st.is_service_account(id) {
            return Err(denied("An app's service account cannot be deleted"));
        }
        let mut owned = self.st.descendants(root);
        if !owned.is_empty() && !force {
            return Err(StoreError::BadRequest(
                "bad_request",
                "The user still owns files or folders; pass force=true to delete them too".into(),
            ));
        }
        owned.push(root);
        // Items the user owns anywhere (below other users' folders too).
        let elsewhere: Vec<u64> = self
            .st
            .items
            .values()
            .filter(|i| i.owner == id && !owned.contains(&i.id))
            .map(|i| i.id)
            .collect();
        owned.extend(elsewhere);
        for i in owned {
            self.remove_item_records(i);
        }
        let collabs: Vec<u64> = self
            .st
            .collabs
            .values()
            .filter(|c| c.user == id)
            .map(|c| c.id)
            .collect();
        for c in collabs {
            self.touch(Table::Collab, c);
            self.st.collabs.remove(&c);
        }
        self.drop_memberships_of(id);
        let tokens: Vec<String> = self
            .st
            .tokens
            .iter()
            .filter(|(_, t)| t.user == id)
            .map(|(k, _)| k.clone())
            .collect();
        for t in tokens {
            self.touch(Table::Token, &t);
            self.st.tokens.remove(&t);
        }
        if self.st.passwords.contains_key(&id) {
            self.touch(Table::Password, id);
            self.st.passwords.remove(&id);
        }
        self.touch(Table::User, id);
        self.st.users.remove(&id);
        Ok(())
    }
}

impl State {
    /// Whether `user` may make or unmake co-admins: the admin or a service
    /// account (not a co-admin).
    pub fn may_manage_admins(&self, user: u64) -> bool {
        self.is_service_account(user)
            || self
                .users
                .get(&user)
                .is_some_and(|u| !u.account.external && u.account.role == EnterpriseRole::Admin)
    }
}

impl Tx<'_> {
    /// Sets a user's role and whether they are external, for the admin API
    /// (trusted: no permission check). Making a user the admin makes the
    /// previous admin a co-admin (an enterprise has one admin); an external
    /// user has no role and is in no group.
    pub fn set_account(
        &mut self,
        id: u64,
        role: Option<EnterpriseRole>,
        external: Option<bool>,
    ) -> StoreResult<User> {
        if !self.st.users.contains_key(&id) {
            return Err(StoreError::NotFound);
        }
        if role == Some(EnterpriseRole::Admin) {
            let previous: Vec<u64> = self
                .st
                .users
                .values()
                .filter(|u| u.id != id && u.account.role == EnterpriseRole::Admin)
                .map(|u| u.id)
                .collect();
            for p in previous {
                self.touch(Table::User, p);
                if let Some(u) = self.st.users.get_mut(&p) {
                    u.account.role = EnterpriseRole::Coadmin;
                }
            }
        }
        self.touch(Table::User, id);
        let u = self.st.users.get_mut(&id).ok_or(StoreError::NotFound)?;
        if let Some(r) = role {
            u.account.role = r;
        }
        if let Some(x) = external {
            u.account.external = x;
            if x {
                u.account.role = EnterpriseRole::User;
            }
        }
        u.account.modified_at = Some(Utc::now());
        let out = u.clone();
        if out.account.external {
            self.drop_memberships_of(id);
        }
        Ok(out)
    }
}
