//! v1 request parsing (the XML envelope and the REST query) and response writing.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;

/// The parameters of one v1 call.
#[derive(Default, Clone)]
pub struct Call {
    /// `action`.
    pub action: String,
    /// Scalar parameters.
    pub params: HashMap<String, String>,
    /// List parameters (`<params><item>…</item></params>` / `params[]=…`).
    pub lists: HashMap<String, Vec<String>>,
}

/// Parameters whose values never appear in Debug output.
const SECRET_PARAMS: &[&str] = &["auth_token", "password", "ticket", "sid"];

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: std::collections::BTreeMap<&str, &str> = self
            .params
            .iter()
            .map(|(k, v)| {
                let shown = if SECRET_PARAMS.contains(&k.as_str()) || k.starts_with("credit_card") {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("Call")
            .field("action", &self.action)
            .field("params", &params)
            .field("lists", &self.lists)
            .finish()
    }
}

impl Call {
    /// A scalar parameter ("" when absent).
    pub fn get(&self, key: &str) -> &str {
        self.params.get(key).map_or("", String::as_str)
    }

    /// Whether a list parameter contains `value`.
    pub fn has(&self, list: &str, value: &str) -> bool {
        self.lists
            .get(list)
            .is_some_and(|l| l.iter().any(|v| v == value))
    }

    /// From REST query pairs (`name[]` marks list items).
    pub fn from_pairs(pairs: impl Iterator<Item = (String, String)>) -> Self {
        let mut call = Call::default();
        for (k, v) in pairs {
            if let Some(list) = k.strip_suffix("[]") {
                call.lists.entry(list.to_string()).or_default().push(v);
            } else if k == "action" {
                call.action = v;
            } else {
                call.params.insert(k, v);
            }
        }
        call
    }

    /// From the XML envelope `<request><action>…</action>…</request>`.
    pub fn from_xml(body: &[u8]) -> Result<Self, String> {
        let mut reader = Reader::from_reader(body);
        let mut call = Call::default();
        let mut depth = 0usize;
        let mut key = String::new();
        let mut text = String::new();
        let mut items: Vec<String> = Vec::new();
        let mut item = String::new();
        let mut buf = Vec::new();
        loop {
            let ev = reader
                .read_event_into(&mut buf)
                .map_err(|e| format!("malformed XML: {e}"))?;
            match ev {
                Event::Start(e) => {
                    depth += 1;
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    match depth {
                        1 if name != "request" => return Err("the root must be <request>".into()),
                        2 => {
                            key = name;
                            text.clear();
                            items.clear();
                        }
                        3 => item.clear(),
                        d if d > 3 => return Err("nesting too deep".into()),
                        _ => {}
                    }
                }
                Event::Empty(e) => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    match depth {
                        1 => {
                            call.params.entry(name).or_default();
                        }
                        2 => items.push(String::new()),
                        _ => {}
                    }
                }
                Event::Text(t) => {
                    let s = t
                        .unescape()
                        .map_err(|e| format!("malformed XML text: {e}"))?;
                    match depth {
                        2 => text.push_str(&s),
                        3 => item.push_str(&s),
                        _ => {}
                    }
                }
                Event::CData(t) => {
                    let s = String::from_utf8_lossy(&t).into_owned();
                    match depth {
                        2 => text.push_str(&s),
                        3 => item.push_str(&s),
                        _ => {}
                    }
                }
                Event::End(_) => {
                    match depth {
                        2 => {
                            let k = std::mem::take(&mut key);
                            if k == "action" {
                                call.action = text.trim().to_string();
                            } else if !items.is_empty() {
                                call.lists.insert(k, std::mem::take(&mut items));
                            } else {
                                call.params.insert(k, text.trim().to_string());
                            }
                        }
                        3 => items.push(std::mem::take(&mut item)),
                        _ => {}
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if depth != 0 {
            return Err("unterminated XML".into());
        }
        Ok(call)
    }
}

/// Escapes text for XML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A `<response>` with a status and pre-rendered inner XML.
pub fn response(status: &str, inner: &str) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n<response><status>{}</status>{inner}</response>",
        esc(status)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_envelope_with_lists() {
        let c = Call::from_xml(
            b"<?xml version='1.0'?><request><action>get_account_tree</action><api_key>k</api_key>\
              <auth_token>t</auth_token><folder_id>0</folder_id><params><item>nozip</item>\
              <item>onelevel</item></params><method/></request>",
        )
        .unwrap();
        assert_eq!(c.action, "get_account_tree");
        assert_eq!(c.get("folder_id"), "0");
        assert!(c.has("params", "nozip") && c.has("params", "onelevel"));
        assert!(Call::from_xml(b"<request><action>x</action>").is_err());
        assert!(Call::from_xml(b"<nope/>").is_ok());
        assert!(Call::from_xml(b"<other><a>1</a></other>").is_err());
        let dbg = format!("{c:?}");
        assert!(
            dbg.contains("[redacted]") && !dbg.contains("<auth_token>t") && !dbg.contains("\"t\"")
        );
    }
}
