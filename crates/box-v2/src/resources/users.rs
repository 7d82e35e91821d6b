//! `/users` endpoints.

use reqwest::Method;

use super::Call;
use crate::generated::Users;
use crate::models::User;
use crate::seg;
use box_core::UserId;

/// The hand-written calls of `client.users()` (kept for their shapes; the
/// generated ones of the same handler are in [`crate::generated`]).
impl Users {
    /// `GET /users/me`: the signed-in user.
    ///
    /// ```no_run
    /// # async fn demo(client: box_v2::Client) -> box_core::Result<()> {
    /// let me = client.users().me().send().await?;
    /// println!("signed in as {:?}", me.login);
    /// # Ok(()) }
    /// ```
    pub fn me(&self) -> Call<User> {
        Call::new(
            self.client
                .request(Method::GET, "/users/me")
                .describe("User"),
        )
    }

    /// `GET /users/{user_id}`.
    pub fn get(&self, id: impl Into<UserId>) -> Call<User> {
        Call::new(
            self.client
                .request(
                    Method::GET,
                    &format!("/users/{}", seg(Into::<UserId>::into(id).as_str())),
                )
                .describe("User"),
        )
    }
}
