//! The preflight check: `OPTIONS <api base>/files/content` asks whether an
//! upload would be accepted (name free, quota, size) before sending bytes.
//! A name clash comes back as `409` whose `context_info.conflicts` is an
//! object or an array; both map to [`box_core::Error::Conflict`] naming the item.

use box_core::Result;
use reqwest::Method;
use serde_json::json;

use crate::models::PreflightCheck;
use crate::{seg, Client};

impl Client {
    /// Checks that `name` (of `size` bytes) can be uploaded into `parent_id`.
    pub async fn preflight_upload(
        &self,
        parent_id: &str,
        name: &str,
        size: Option<u64>,
    ) -> Result<PreflightCheck> {
        let mut body = json!({ "name": name, "parent": { "id": parent_id } });
        if let Some(s) = size {
            body["size"] = json!(s);
        }
        self.request(Method::OPTIONS, "/files/content")
            .json(&body)
            .describe("UploadUrl")
            .send()
            .await
    }

    /// Checks that a new version of `file_id` can be uploaded.
    pub async fn preflight_version(
        &self,
        file_id: &str,
        name: Option<&str>,
        size: Option<u64>,
    ) -> Result<PreflightCheck> {
        let mut body = json!({});
        if let Some(n) = name {
            body["name"] = json!(n);
        }
        if let Some(s) = size {
            body["size"] = json!(s);
        }
        self.request(Method::OPTIONS, &format!("/files/{}/content", seg(file_id)))
            .json(&body)
            .describe("UploadUrl")
            .send()
            .await
    }
}
