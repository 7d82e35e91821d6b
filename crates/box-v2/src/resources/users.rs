//! `/users` endpoints.

use reqwest::Method;

use super::Call;
use crate::models::User;
use crate::{seg, Client};

/// User endpoints: `client.users()`.
#[derive(Debug, Clone)]
pub struct Users {
    client: Client,
}

impl Users {
    pub(crate) fn new(client: Client) -> Self {
        Self { client }
    }

    /// `GET /users/me`: the signed-in user.
    pub fn me(&self) -> Call<User> {
        Call::new(
            self.client
                .request(Method::GET, "/users/me")
                .describe("User"),
        )
    }

    /// `GET /users/{user_id}`.
    pub fn get(&self, id: impl AsRef<str>) -> Call<User> {
        Call::new(
            self.client
                .request(Method::GET, &format!("/users/{}", seg(id.as_ref())))
                .describe("User"),
        )
    }
}
