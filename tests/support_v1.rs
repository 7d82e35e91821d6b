//! Helpers for the v1 end-to-end tests: signing in through v1's ticket flow
//! as a chosen emulator user, and whole-file uploads, downloads and account
//! trees through the v1 client.

use box_core::Result;
use box_emulator::EmulatorHandle;
use box_v1::actions::{GetAccountTree, TreeParams};
use box_v1::transfer::{Upload, UploadFile, UploadResult};
use box_v1::tree::AccountTree;
use box_v1::{Client, RequestForm, RetryPolicy};

use crate::MAX_BODY;

/// A v1 retry policy with short waits so fault tests run fast.
pub fn fast_v1_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(10)
        .initial_backoff(std::time::Duration::from_millis(5))
        .max_backoff(std::time::Duration::from_millis(50))
}

/// A v1 client pointed at the emulator, not signed in, with
/// [`fast_v1_retries`].
pub fn v1_client(emulator: &EmulatorHandle, form: RequestForm) -> Client {
    Client::builder("boxkit-test-api-key")
        .api_base(emulator.base_url())
        .upload_base(emulator.base_url())
        .web_base(emulator.base_url())
        .request_form(form)
        .retry_policy(fast_v1_retries())
        .build()
        .expect("v1 client builds")
}

/// Signs `client` in through the ticket flow, approving the ticket on the
/// emulator's auth page as `user` (an emulator user id; `None` = the
/// default user).
pub async fn v1_sign_in_as(client: &Client, user: Option<&str>) {
    let ticket = client.get_ticket().await.expect("get_ticket");
    let mut url = client.auth_url(&ticket);
    if let Some(user) = user {
        url.query_pairs_mut().append_pair("user", user);
    }
    let page = reqwest::get(url.as_str()).await.expect("auth page answers");
    assert!(page.status().is_success(), "auth page: {}", page.status());
    client
        .get_auth_token(&ticket)
        .await
        .expect("get_auth_token after approval");
}

/// A v1 client signed in as `user` (`None` = the default user).
pub async fn v1_signed_in(
    emulator: &EmulatorHandle,
    form: RequestForm,
    user: Option<&str>,
) -> Client {
    let client = v1_client(emulator, form);
    v1_sign_in_as(&client, user).await;
    client
}

/// Uploads one file through v1 and returns its per-file result.
pub async fn v1_upload(client: &Client, folder_id: u64, name: &str, data: Vec<u8>) -> Result<u64> {
    let outcome = client
        .upload_files(Upload::new(
            folder_id,
            vec![UploadFile::from_bytes(name, data)],
        ))
        .await?;
    let mut files = outcome.files.into_iter();
    match (files.next(), files.next()) {
        (Some(r), None) => r.into_result(),
        (first, _) => Err(box_core::Error::decode(
            "v1 upload",
            "response/files",
            format!("expected one file result, got {first:?} and more"),
        )),
    }
}

/// Whether a per-file upload result is a success.
pub fn uploaded(r: &UploadResult) -> bool {
    matches!(r, UploadResult::Uploaded { .. })
}

/// Downloads a whole file through v1 into memory.
pub async fn v1_download(client: &Client, file_id: u64) -> Result<Vec<u8>> {
    let body = client.download_file(file_id, None).await?;
    Ok(body.collect(MAX_BODY).await?.to_vec())
}

/// The whole tree below `folder_id` through `get_account_tree`.
pub async fn v1_tree(client: &Client, folder_id: u64) -> Result<AccountTree> {
    client
        .send(&GetAccountTree::new(folder_id).with_params(TreeParams::default()))
        .await?
        .build()
}
