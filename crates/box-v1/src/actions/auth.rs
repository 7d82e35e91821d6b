//! Authentication and registration actions.

use std::fmt;

use box_core::Result;
use secrecy::SecretString;
use serde::Serialize;

use super::{Action, AuthSession};
use crate::envelope::Params;
use crate::response::Response;

/// `get_ticket`: starts the ticket flow. Success: `get_ticket_ok`.
#[derive(Debug, Clone, Default)]
pub struct GetTicket;

impl Action for GetTicket {
    const NAME: &'static str = "get_ticket";
    const SUCCESS: &'static [&'static str] = &["get_ticket_ok"];
    const AUTHENTICATED: bool = false;
    type Output = String;
    fn params(&self, _: &mut Params) {}
    fn parse(r: Response) -> Result<String> {
        Ok(r.require("ticket")?.to_owned())
    }
}

/// `get_auth_token`: trades an authorized ticket for an auth token.
/// Success: `get_auth_token_ok`.
#[derive(Debug, Clone)]
pub struct GetAuthToken {
    /// The ticket from [`GetTicket`].
    pub ticket: String,
}

impl Action for GetAuthToken {
    const NAME: &'static str = "get_auth_token";
    const SUCCESS: &'static [&'static str] = &["get_auth_token_ok"];
    const AUTHENTICATED: bool = false;
    type Output = AuthSession;
    fn params(&self, p: &mut Params) {
        p.text("ticket", &self.ticket);
    }
    fn parse(r: Response) -> Result<AuthSession> {
        AuthSession::from_response(&r)
    }
}

/// `authorization`: direct login with a password (legacy). Success: `logged`;
/// failures `invalid_login`, `application_restricted`.
#[derive(Clone)]
pub struct Authorization {
    /// Login (e-mail).
    pub login: String,
    /// Password (never printed).
    pub password: SecretString,
    /// The `method` parameter (empty in the reference).
    pub method: String,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("login", &self.login)
            .field("password", &"[redacted]")
            .field("method", &self.method)
            .finish()
    }
}

impl Action for Authorization {
    const NAME: &'static str = "authorization";
    const SUCCESS: &'static [&'static str] = &["logged"];
    const AUTHENTICATED: bool = false;
    type Output = AuthSession;
    fn params(&self, p: &mut Params) {
        p.text("login", &self.login)
            .secret("password", &self.password)
            .text("method", &self.method);
    }
    fn parse(r: Response) -> Result<AuthSession> {
        AuthSession::from_response(&r)
    }
}

/// `logout`: ends the session. Success: `logout_ok`; failure `invalid_auth_token`.
#[derive(Debug, Clone, Default)]
pub struct Logout;

impl Action for Logout {
    const NAME: &'static str = "logout";
    const SUCCESS: &'static [&'static str] = &["logout_ok"];
    type Output = ();
    fn params(&self, _: &mut Params) {}
    fn parse(_: Response) -> Result<()> {
        Ok(())
    }
}

/// `register_new_user`: creates a free account. Success: `successful_register`;
/// failures `e_register`, `email_invalid`, `email_already_registered`,
/// `application_restricted`.
#[derive(Clone)]
pub struct RegisterNewUser {
    /// Login (e-mail).
    pub login: String,
    /// Password (never printed).
    pub password: SecretString,
}

impl fmt::Debug for RegisterNewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterNewUser")
            .field("login", &self.login)
            .field("password", &"[redacted]")
            .finish()
    }
}

impl Action for RegisterNewUser {
    const NAME: &'static str = "register_new_user";
    const SUCCESS: &'static [&'static str] = &["successful_register"];
    const AUTHENTICATED: bool = false;
    type Output = AuthSession;
    fn params(&self, p: &mut Params) {
        p.text("login", &self.login)
            .secret("password", &self.password);
    }
    fn parse(r: Response) -> Result<AuthSession> {
        AuthSession::from_response(&r)
    }
}

/// Billing details for [`RegisterPaidUser`]. Card number, CVV and expiry
/// date are secrets and never printed.
#[derive(Clone)]
pub struct CreditCard {
    /// Card holder's first name.
    pub first_name: String,
    /// Card holder's last name.
    pub last_name: String,
    /// Billing street address.
    pub street_address: String,
    /// Billing ZIP code.
    pub zip: String,
    /// Billing country.
    pub country: String,
    /// Card number.
    pub number: SecretString,
    /// Card verification value.
    pub cvv: SecretString,
    /// Expiry date (`MMYY`).
    pub exp_date: SecretString,
}

impl fmt::Debug for CreditCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreditCard")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("number", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// `register_paid_user`: creates a paid account. Success: `successful_register`;
/// failures also `credit_card_fields_error`, `wrong_billing_plan`,
/// `wrong_billing_period`, `billing_error`.
#[derive(Clone)]
pub struct RegisterPaidUser {
    /// Login (e-mail).
    pub login: String,
    /// Password (never printed).
    pub password: SecretString,
    /// Full name.
    pub name: String,
    /// Plan (`Business`…).
    pub plan: String,
    /// Billing period (`Year`, `Month`).
    pub period: String,
    /// Card details.
    pub card: CreditCard,
}

impl fmt::Debug for RegisterPaidUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterPaidUser")
            .field("login", &self.login)
            .field("password", &"[redacted]")
            .field("plan", &self.plan)
            .field("period", &self.period)
            .field("card", &self.card)
            .finish_non_exhaustive()
    }
}

impl Action for RegisterPaidUser {
    const NAME: &'static str = "register_paid_user";
    const SUCCESS: &'static [&'static str] = &["successful_register"];
    const AUTHENTICATED: bool = false;
    type Output = AuthSession;
    fn params(&self, p: &mut Params) {
        let c = &self.card;
        p.text("login", &self.login)
            .secret("password", &self.password)
            .text("name", &self.name)
            .text("plan", &self.plan)
            .text("period", &self.period)
            .text("credit_card_first_name", &c.first_name)
            .text("credit_card_last_name", &c.last_name)
            .text("credit_card_street_address", &c.street_address)
            .text("credit_card_zip", &c.zip)
            .text("credit_card_country", &c.country)
            .secret("credit_card_number", &c.number)
            .secret("credit_card_cvv", &c.cvv)
            .secret("credit_card_exp_date", &c.exp_date);
    }
    fn parse(r: Response) -> Result<AuthSession> {
        AuthSession::from_response(&r)
    }
}

/// `verify_registration_email`: checks a login is free. Success: `email_ok`.
#[derive(Debug, Clone)]
pub struct VerifyRegistrationEmail {
    /// Login (e-mail) to check.
    pub login: String,
}

/// The outcome of [`VerifyRegistrationEmail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EmailOk;

impl Action for VerifyRegistrationEmail {
    const NAME: &'static str = "verify_registration_email";
    const SUCCESS: &'static [&'static str] = &["email_ok"];
    const AUTHENTICATED: bool = false;
    type Output = EmailOk;
    fn params(&self, p: &mut Params) {
        p.text("login", &self.login);
    }
    fn parse(_: Response) -> Result<EmailOk> {
        Ok(EmailOk)
    }
}
