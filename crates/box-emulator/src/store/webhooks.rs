//! Webhooks (v2 `/webhooks`) and the app's signature keys.
//!
//! A webhook belongs to the user who created it and watches a file or a
//! folder (and everything below it) the user can change (editor or owner).
//! Only its creator sees, changes or deletes it. Delivery lives in
//! [`crate::webhooks`]; the primary and secondary signature keys are set
//! through the admin API and kept here so they survive a restart.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{need_write, Kind, State, StoreError, StoreResult, Table, Tx};

/// Attempts kept in the delivery log.
const LOG_CAP: usize = 1000;

/// One delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// `box-delivery-id` of the notification.
    pub delivery_id: String,
    /// The webhook.
    pub webhook_id: String,
    /// The trigger.
    pub trigger: String,
    /// Where it was sent.
    pub address: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Why it failed without a status (connection refused, timeout).
    pub error: Option<String>,
    /// Whether this attempt delivered it.
    pub delivered: bool,
    /// When it was sent (the `box-delivery-timestamp`).
    pub sent_at: String,
}

/// The delivery log.
#[derive(Debug, Default)]
pub struct DeliveryLog {
    attempts: Mutex<VecDeque<Attempt>>,
}

impl DeliveryLog {
    /// Adds an attempt, dropping the oldest beyond the cap.
    pub fn push(&self, a: Attempt) {
        let mut log = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if log.len() == LOG_CAP {
            log.pop_front();
        }
        log.push_back(a);
    }

    /// Every attempt kept, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

/// The triggers the emulator fires (Box has more; creating a webhook with
/// another one is a 400 naming it).
pub const TRIGGERS: &[&str] = &[
    "FILE.UPLOADED",
    "FILE.COPIED",
    "FILE.MOVED",
    "FILE.RENAMED",
    "FILE.TRASHED",
    "FILE.RESTORED",
    "FOLDER.CREATED",
    "FOLDER.COPIED",
    "FOLDER.MOVED",
    "FOLDER.RENAMED",
    "FOLDER.TRASHED",
    "FOLDER.RESTORED",
    "COMMENT.CREATED",
    "COMMENT.UPDATED",
    "COMMENT.DELETED",
    "TASK_ASSIGNMENT.CREATED",
    "TASK_ASSIGNMENT.UPDATED",
    "COLLABORATION.CREATED",
];

/// The webhook trigger of an event recorded on an item of `kind`, if any.
pub fn trigger_of(event_type: &str, kind: Kind) -> Option<&'static str> {
    let file = kind == Kind::File;
    Some(match event_type {
        "ITEM_UPLOAD" if file => "FILE.UPLOADED",
        "ITEM_CREATE" if !file => "FOLDER.CREATED",
        "ITEM_COPY" if file => "FILE.COPIED",
        "ITEM_COPY" => "FOLDER.COPIED",
        "ITEM_MOVE" if file => "FILE.MOVED",
        "ITEM_MOVE" => "FOLDER.MOVED",
        "ITEM_RENAME" if file => "FILE.RENAMED",
        "ITEM_RENAME" => "FOLDER.RENAMED",
        "ITEM_TRASH" if file => "FILE.TRASHED",
        "ITEM_TRASH" => "FOLDER.TRASHED",
        "ITEM_UNDELETE_VIA_TRASH" if file => "FILE.RESTORED",
        "ITEM_UNDELETE_VIA_TRASH" => "FOLDER.RESTORED",
        "COMMENT_CREATE" => "COMMENT.CREATED",
        "COMMENT_EDIT" => "COMMENT.UPDATED",
        "COMMENT_DELETE" => "COMMENT.DELETED",
        "TASK_ASSIGNMENT_CREATE" => "TASK_ASSIGNMENT.CREATED",
        "TASK_ASSIGNMENT_UPDATE" => "TASK_ASSIGNMENT.UPDATED",
        "COLLAB_ADD_COLLABORATOR" => "COLLABORATION.CREATED",
        _ => return None,
    })
}

/// A webhook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Webhook {
    /// Store-wide numeric id.
    pub id: u64,
    /// The watched file or folder.
    pub target: u64,
    /// Its kind.
    pub target_kind: Kind,
    /// Where notifications are POSTed.
    pub address: String,
    /// Box trigger names (`FILE.UPLOADED`…).
    pub triggers: Vec<String>,
    /// Owner (the only user who sees it).
    pub created_by: u64,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The app's webhook signature keys. Its `Debug` shows only which are set.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct SignatureKeys {
    /// Signs `box-signature-primary`.
    pub primary: Option<String>,
    /// Signs `box-signature-secondary`.
    pub secondary: Option<String>,
}

impl std::fmt::Debug for SignatureKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureKeys")
            .field("primary_set", &self.primary.is_some())
            .field("secondary_set", &self.secondary.is_some())
            .finish()
    }
}

/// Changes to a webhook (`PUT /webhooks/{id}`).
#[derive(Debug, Clone, Default)]
pub struct WebhookUpdate {
    /// New target (kind and wire id).
    pub target: Option<(Kind, String)>,
    /// New address (already checked by the caller).
    pub address: Option<String>,
    /// New triggers.
    pub triggers: Option<Vec<String>>,
}

fn check_triggers(triggers: &[String]) -> StoreResult<()> {
    if triggers.is_empty() {
        return Err(StoreError::BadRequest(
            "bad_request",
            "triggers must name at least one trigger".into(),
        ));
    }
    match triggers.iter().find(|t| !TRIGGERS.contains(&t.as_str())) {
        Some(t) => Err(StoreError::BadRequest(
            "bad_request",
            format!(
                "Trigger {t:?} is not one the emulator fires: {}",
                TRIGGERS.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

impl State {
    /// A webhook of the caller.
    pub fn own_webhook(&self, user: u64, wire_id: &str) -> StoreResult<&Webhook> {
        let id: u64 = wire_id.trim().parse().map_err(|_| StoreError::NotFound)?;
        self.webhooks
            .get(&id)
            .filter(|w| w.created_by == user)
            .ok_or(StoreError::NotFound)
    }

    /// The webhooks that fire for an event of `event_type` on `item`
    /// recorded for `user`, with the trigger.
    pub fn webhooks_for(
        &self,
        user: u64,
        event_type: &str,
        item: &super::Item,
    ) -> Vec<(&Webhook, &'static str)> {
        let Some(trigger) = trigger_of(event_type, item.kind) else {
            return Vec::new();
        };
        self.webhooks
            .values()
            .filter(|w| w.created_by == user && w.triggers.iter().any(|t| t == trigger))
            .filter(|w| {
                w.target == item.id || self.ancestors(item.id).iter().any(|a| a.id == w.target)
            })
            .map(|w| (w, trigger))
            .collect()
    }
}

impl Tx<'_> {
    /// Creates a webhook on an item the caller may change.
    pub fn create_webhook(
        &mut self,
        user: u64,
        kind: Kind,
        target: &str,
        address: &str,
        triggers: Vec<String>,
    ) -> StoreResult<u64> {
        let (target, role) = self.st.resolve(user, target, kind)?;
        need_write(role)?;
        check_triggers(&triggers)?;
        if self
            .st
            .webhooks
            .values()
            .any(|w| w.created_by == user && w.target == target && w.address == address)
        {
            return Err(StoreError::BadRequest(
                "conflict",
                "A webhook for this target and address already exists".into(),
            ));
        }
        let id = self.id();
        self.touch(Table::Webhook, id);
        self.st.webhooks.insert(
            id,
            Webhook {
                id,
                target,
                target_kind: kind,
                address: address.to_string(),
                triggers,
                created_by: user,
                created_at: Utc::now(),
            },
        );
        Ok(id)
    }

    /// Changes a webhook of the caller.
    pub fn update_webhook(
        &mut self,
        user: u64,
        wire_id: &str,
        upd: WebhookUpdate,
    ) -> StoreResult<u64> {
        let id = self.st.own_webhook(user, wire_id)?.id;
        let target = match &upd.target {
            Some((kind, t)) => {
                let (t, role) = self.st.resolve(user, t, *kind)?;
                need_write(role)?;
                Some((*kind, t))
            }
            None => None,
        };
        if let Some(t) = &upd.triggers {
            check_triggers(t)?;
        }
        self.touch(Table::Webhook, id);
        let w = self.st.webhooks.get_mut(&id).ok_or(StoreError::NotFound)?;
        if let Some((kind, t)) = target {
            w.target = t;
            w.target_kind = kind;
        }
        if let Some(a) = upd.address {
            w.address = a;
        }
        if let Some(t) = upd.triggers {
            w.triggers = t;
        }
        Ok(id)
    }

    /// Deletes a webhook of the caller.
    pub fn delete_webhook(&mut self, user: u64, wire_id: &str) -> StoreResult<()> {
        let id = self.st.own_webhook(user, wire_id)?.id;
        self.touch(Table::Webhook, id);
        self.st.webhooks.remove(&id);
        Ok(())
    }

    /// Sets the signature keys (`None` leaves a key as it is, `Some("")`
    /// clears it).
    pub fn set_signature_keys(&mut self, primary: Option<String>, secondary: Option<String>) {
        self.touch(Table::SignatureKeys, "keys");
        let keys = &mut self.st.signature_keys;
        if let Some(p) = primary {
            keys.primary = (!p.is_empty()).then_some(p);
        }
        if let Some(s) = secondary {
            keys.secondary = (!s.is_empty()).then_some(s);
        }
    }

    /// Removes the webhooks on an item (when it is purged).
    pub(super) fn drop_webhooks_on(&mut self, item: u64) {
        let ids: Vec<u64> = self
            .st
            .webhooks
            .values()
            .filter(|w| w.target == item)
            .map(|w| w.id)
            .collect();
        for id in ids {
            self.touch(Table::Webhook, id);
            self.st.webhooks.remove(&id);
        }
    }
}
