//! Request builders for both v1 request forms.
//!
//! Every action is a list of named parameters ([`Params`]). The same list
//! becomes either the XML envelope POSTed to `/api/1.0/xml`
//! (`<request><action>…</action><api_key>…</api_key><auth_token>…</auth_token>…</request>`,
//! list parameters as `<item>` children) or the REST query of
//! `GET /api/1.0/rest?action=…` (list parameters as repeated `name[]=value`).
//!
//! Secret values (passwords, card details, the auth token) are held as
//! [`SecretString`] and only exposed while the wire form is written;
//! [`Params::to_xml_redacted`] renders the envelope for logs and snapshots.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::xml::escape;

/// One parameter value.
#[derive(Clone)]
pub enum Value {
    /// A plain text value.
    Text(String),
    /// A secret value (password, card number): never printed.
    Secret(SecretString),
    /// A list (`ArrayOfString`): `<item>` children / `name[]=` repeats.
    List(Vec<String>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Secret(_) => f.write_str("[redacted]"),
            Value::List(l) => write!(f, "{l:?}"),
        }
    }
}

/// The parameters of one action call, in wire order.
#[derive(Debug, Clone)]
pub struct Params {
    action: &'static str,
    fields: Vec<(&'static str, Value)>,
}

/// The credentials sent with every call.
pub(crate) struct Credentials<'a> {
    /// The application's API key.
    pub api_key: &'a str,
    /// The user's auth token, for calls that need one.
    pub auth_token: Option<&'a SecretString>,
}

impl Params {
    /// An empty parameter list for `action`.
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            fields: Vec::new(),
        }
    }

    /// The action name.
    pub fn action(&self) -> &'static str {
        self.action
    }

    /// Adds a text parameter.
    pub fn text(&mut self, name: &'static str, value: impl ToString) -> &mut Self {
        self.fields.push((name, Value::Text(value.to_string())));
        self
    }

    /// Adds a secret parameter.
    pub fn secret(&mut self, name: &'static str, value: &SecretString) -> &mut Self {
        self.fields.push((name, Value::Secret(value.clone())));
        self
    }

    /// Adds a list parameter.
    pub fn list<I, S>(&mut self, name: &'static str, items: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields.push((
            name,
            Value::List(items.into_iter().map(Into::into).collect()),
        ));
        self
    }

    /// The parameters added so far.
    pub fn fields(&self) -> &[(&'static str, Value)] {
        &self.fields
    }

    fn render_xml(&self, creds: &Credentials<'_>, redact: bool) -> String {
        let mut out = String::from("<?xml version='1.0' encoding='UTF-8' ?>\n<request>\n");
        fn el(out: &mut String, name: &str, value: &str) {
            if value.is_empty() {
                out.push_str(&format!("<{name} />\n"));
            } else {
                out.push_str(&format!("<{name}>{}</{name}>\n", escape(value)));
            }
        }
        el(&mut out, "action", self.action);
        el(&mut out, "api_key", creds.api_key);
        if let Some(t) = creds.auth_token {
            el(
                &mut out,
                "auth_token",
                if redact {
                    "[redacted]"
                } else {
                    t.expose_secret()
                },
            );
        }
        for (name, value) in &self.fields {
            match value {
                Value::Text(s) => el(&mut out, name, s),
                Value::Secret(s) => el(
                    &mut out,
                    name,
                    if redact {
                        "[redacted]"
                    } else {
                        s.expose_secret()
                    },
                ),
                Value::List(items) if items.is_empty() => el(&mut out, name, ""),
                Value::List(items) => {
                    out.push_str(&format!("<{name}>\n"));
                    for i in items {
                        out.push_str(&format!("<item>{}</item>\n", escape(i)));
                    }
                    out.push_str(&format!("</{name}>\n"));
                }
            }
        }
        out.push_str("</request>\n");
        out
    }

    /// The XML envelope as sent on the wire (contains secrets: never log it).
    pub(crate) fn to_xml(&self, creds: &Credentials<'_>) -> String {
        self.render_xml(creds, false)
    }

    fn render_query(&self, creds: &Credentials<'_>, redact: bool) -> Vec<(String, String)> {
        let mut q = vec![
            ("action".to_owned(), self.action.to_owned()),
            ("api_key".to_owned(), creds.api_key.to_owned()),
        ];
        if let Some(t) = creds.auth_token {
            let v = if redact {
                "[redacted]".to_owned()
            } else {
                t.expose_secret().to_owned()
            };
            q.push(("auth_token".to_owned(), v));
        }
        for (name, value) in &self.fields {
            match value {
                Value::Text(s) => q.push(((*name).to_owned(), s.clone())),
                Value::Secret(s) => {
                    let v = if redact {
                        "[redacted]".to_owned()
                    } else {
                        s.expose_secret().to_owned()
                    };
                    q.push(((*name).to_owned(), v));
                }
                Value::List(items) => {
                    for i in items {
                        q.push((format!("{name}[]"), i.clone()));
                    }
                }
            }
        }
        q
    }

    /// The REST query pairs as sent on the wire (contains secrets: never log it).
    pub(crate) fn to_query(&self, creds: &Credentials<'_>) -> Vec<(String, String)> {
        self.render_query(creds, false)
    }

    /// The XML envelope with every secret (auth token, passwords, card
    /// details) replaced by `[redacted]`: safe for logs and snapshots.
    pub fn to_xml_redacted(&self, api_key: &str, with_auth_token: bool) -> String {
        let dummy = SecretString::from("[redacted]");
        let creds = Credentials {
            api_key,
            auth_token: with_auth_token.then_some(&dummy),
        };
        self.render_xml(&creds, true)
    }

    /// The REST query string (`action=…&api_key=…`) with secrets redacted.
    pub fn to_query_redacted(&self, api_key: &str, with_auth_token: bool) -> String {
        let dummy = SecretString::from("[redacted]");
        let creds = Credentials {
            api_key,
            auth_token: with_auth_token.then_some(&dummy),
        };
        let pairs = self.render_query(&creds, true);
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &pairs {
            ser.append_pair(k, v);
        }
        ser.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_and_query_forms() {
        let mut p = Params::new("public_share");
        p.text("target", "folder")
            .text("target_id", 709)
            .secret("password", &SecretString::from("hunter2"))
            .list("emails", ["a@example.com", "b&c@example.com"])
            .list("params", Vec::<String>::new());
        let token = SecretString::from("tok");
        let creds = Credentials {
            api_key: "key",
            auth_token: Some(&token),
        };
        let xml = p.to_xml(&creds);
        assert!(xml.contains("<auth_token>tok</auth_token>"));
        assert!(xml.contains(
            "<emails>\n<item>a@example.com</item>\n<item>b&amp;c@example.com</item>\n</emails>"
        ));
        assert!(xml.contains("<params />"));
        let q = p.to_query(&creds);
        assert_eq!(q.iter().filter(|(k, _)| k == "emails[]").count(), 2);
        let red = p.to_xml_redacted("key", true);
        assert!(!red.contains("hunter2") && !red.contains(">tok<"), "{red}");
        assert!(!format!("{p:?}").contains("hunter2"));
        assert!(!p.to_query_redacted("key", true).contains("hunter2"));
    }
}
