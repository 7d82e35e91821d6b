//! v1 accounts without a ticket: `authorization` (login + password),
//! `register_new_user`, `register_paid_user` and `verify_registration_email`.
//!
//! Passwords go straight into the store's salted hash
//! ([`crate::store::PasswordHash`]) and are never logged; card details of
//! `register_paid_user` are checked for form only and dropped.

use axum::response::Response;

use super::xml::Call;
use super::{session_reply, status_only};
use crate::state::Shared;
use crate::store::people::valid_email;
use crate::store::StoreError;

/// Plans `register_paid_user` accepts.
pub const PLANS: &[&str] = &["Personal", "Business", "Enterprise"];
/// Billing periods `register_paid_user` accepts.
pub const PERIODS: &[&str] = &["Month", "Year"];

/// `authorization`: `logged` with a session, or `invalid_login`.
pub fn authorization(shared: &Shared, call: &Call) -> Response {
    // The hash is checked after the store is released: it is slow on
    // purpose, and every other request waits while the store is held.
    let record = shared
        .store
        .read(|st| st.password_record(call.get("login")));
    let user = crate::store::people::verify_login(record, call.get("password"));
    match user {
        Some(user) => session_reply(shared, user, "logged", "invalid_login"),
        None => status_only("invalid_login"),
    }
}

/// `verify_registration_email`: `email_ok`, `email_invalid` or
/// `email_already_registered`.
pub fn verify_registration_email(shared: &Shared, call: &Call) -> Response {
    let login = call.get("login").trim();
    if !valid_email(login) {
        return status_only("email_invalid");
    }
    if shared.store.read(|st| st.user_by_login(login).is_some()) {
        return status_only("email_already_registered");
    }
    status_only("email_ok")
}

fn register(shared: &Shared, call: &Call) -> Response {
    let res = shared
        .store
        .write(|tx| tx.register(call.get("login"), call.get("password")));
    match res {
        Ok(user) => session_reply(shared, user.id, "successful_register", "e_register"),
        Err(StoreError::BadRequest(code, _)) => status_only(code),
        Err(_) => status_only("e_register"),
    }
}

/// `register_new_user`: `successful_register` with a session; failures
/// `email_invalid`, `email_already_registered`, `e_register` (no password).
pub fn register_new_user(shared: &Shared, call: &Call) -> Response {
    register(shared, call)
}

/// Whether the card fields are well-formed: names, address, ZIP and country
/// present, a 12–19 digit number passing the Luhn check, a 3–4 digit CVV
/// and an `MMYY` expiry date.
fn card_fields_ok(call: &Call) -> bool {
    let present = [
        "credit_card_first_name",
        "credit_card_last_name",
        "credit_card_street_address",
        "credit_card_zip",
        "credit_card_country",
    ]
    .iter()
    .all(|k| !call.get(k).trim().is_empty());
    let number: String = call
        .get("credit_card_number")
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = |s: &str, lens: std::ops::RangeInclusive<usize>| {
        lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let exp = call.get("credit_card_exp_date").trim();
    let month_ok = digits(exp, 4..=4) && matches!(exp[..2].parse::<u8>(), Ok(1..=12));
    present
        && digits(&number, 12..=19)
        && luhn(&number)
        && digits(call.get("credit_card_cvv").trim(), 3..=4)
        && month_ok
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 {
                    d2 - 9
                } else {
                    d2
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Whether an `MMYY` expiry date (already checked for form) has passed.
fn card_expired(exp: &str) -> bool {
    use chrono::Datelike;
    let (Ok(month), Ok(year)) = (exp[..2].parse::<i32>(), exp[2..].parse::<i32>()) else {
        return true;
    };
    let now = chrono::Utc::now();
    let (y, m) = (now.year() % 100, now.month() as i32);
    year < y || (year == y && month < m)
}

/// `register_paid_user`: as `register_new_user` after the billing checks:
/// `wrong_billing_plan` (plan not in [`PLANS`]), `wrong_billing_period`
/// (not in [`PERIODS`]), `credit_card_fields_error` (see the field rules),
/// `billing_error` (card expired). Card details are not stored.
pub fn register_paid_user(shared: &Shared, call: &Call) -> Response {
    let login = call.get("login").trim();
    if !valid_email(login) {
        return status_only("email_invalid");
    }
    if shared.store.read(|st| st.user_by_login(login).is_some()) {
        return status_only("email_already_registered");
    }
    if call.get("password").is_empty() || call.get("name").trim().is_empty() {
        return status_only("e_register");
    }
    if !PLANS.contains(&call.get("plan")) {
        return status_only("wrong_billing_plan");
    }
    if !PERIODS.contains(&call.get("period")) {
        return status_only("wrong_billing_period");
    }
    if !card_fields_ok(call) {
        return status_only("credit_card_fields_error");
    }
    if card_expired(call.get("credit_card_exp_date").trim()) {
        return status_only("billing_error");
    }
    register(shared, call)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, cvv: &str, exp: &str) -> Call {
        let mut c = Call::default();
        for (k, v) in [
            ("credit_card_first_name", "John"),
            ("credit_card_last_name", "Doe"),
            ("credit_card_street_address", "100 Main Street"),
            ("credit_card_zip", "12345"),
            ("credit_card_country", "US"),
            ("credit_card_number", number),
            ("credit_card_cvv", cvv),
            ("credit_card_exp_date", exp),
        ] {
            c.params.insert(k.into(), v.into());
        }
        c
    }

    #[test]
    fn card_rules() {
        assert!(card_fields_ok(&card("4111 1111 1111 1111", "123", "1299")));
        assert!(
            !card_fields_ok(&card("4111 1111 1111 1112", "123", "1299")),
            "luhn"
        );
        assert!(
            !card_fields_ok(&card("4111111111111111", "12", "1299")),
            "cvv"
        );
        assert!(
            !card_fields_ok(&card("4111111111111111", "123", "1399")),
            "month"
        );
        assert!(
            !card_fields_ok(&card("4111111111111111", "123", "12/9")),
            "form"
        );
        assert!(!card_fields_ok(&card("", "123", "1299")));
        let mut c = card("4111111111111111", "123", "1299");
        c.params.insert("credit_card_zip".into(), " ".into());
        assert!(!card_fields_ok(&c));
        assert!(card_expired("0109"));
        assert!(!card_expired("1299"));
    }
}
