//! Metadata queries (`POST /metadata_queries/execute_read`): the part of
//! Box's query language its documentation describes — comparisons (`=`,
//! `!=`/`<>`, `<`, `>`, `<=`, `>=`), `LIKE`/`ILIKE` with `%` and `_`,
//! `IN (…)`, `IS [NOT] NULL`, `AND`, `OR`, `NOT` and parentheses, over the
//! template's field keys, with every value passed as a `:param` — then
//! ordering by fields and marker paging. Written by hand: it is a small
//! recursive-descent parser over a few tokens, which no crate offers for
//! Box's dialect. Comparisons follow SQL's three-valued logic: a missing
//! value compares as unknown, and only rows where the whole query is true
//! match.

use std::cmp::Ordering;

use chrono::DateTime;
use serde_json::{Map, Value};

use super::metadata::{scope_of, FieldType, Template};
use super::{Kind, State, StoreError, StoreResult};

/// Longest query text accepted, and most nodes in it.
const MAX_QUERY_LEN: usize = 4096;
const MAX_NODES: usize = 256;

fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::BadRequest("invalid_query", message.into())
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Param(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(q: &str) -> StoreResult<Vec<Tok>> {
    if q.len() > MAX_QUERY_LEN {
        return Err(invalid("The query is too long"));
    }
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let word = |i: &mut usize| {
            let start = *i;
            while *i < chars.len()
                && (chars[*i].is_ascii_alphanumeric() || chars[*i] == '_' || chars[*i] == '-')
            {
                *i += 1;
            }
            chars[start..*i].iter().collect::<String>()
        };
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                i += 1;
                let name = word(&mut i);
                if name.is_empty() {
                    return Err(invalid("A ':' must start a parameter name"));
                }
                out.push(Tok::Param(name));
            }
            '=' => {
                out.push(Tok::Op("="));
                i += 1
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op("!="));
                i += 2
            }
            '<' | '>' => {
                let (op, n) = match (c, chars.get(i + 1)) {
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', Some('>')) => ("!=", 2),
                    ('<', _) => ("<", 1),
                    _ => (">", 1),
                };
                i += n;
                out.push(Tok::Op(op));
            }
            c if c.is_ascii_alphabetic() || c == '_' => out.push(Tok::Ident(word(&mut i))),
            other => {
                return Err(invalid(format!(
                    "Unexpected {other:?} in the query: values are passed as :parameters"
                )))
            }
        }
    }
    Ok(out)
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Cmp(String, &'static str, String),
    Like {
        field: String,
        param: String,
        ci: bool,
    },
    In(String, Vec<String>),
    IsNull(String),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    nodes: usize,
}

impl Parser {
    fn peek_kw(&self, kw: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.peek_kw(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn node(&mut self) -> StoreResult<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(invalid("The query has too many terms"));
        }
        Ok(())
    }

    fn or(&mut self) -> StoreResult<Expr> {
        let mut left = self.and()?;
        while self.eat_kw("OR") {
            self.node()?;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> StoreResult<Expr> {
        let mut left = self.unary()?;
        while self.eat_kw("AND") {
            self.node()?;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> StoreResult<Expr> {
        self.node()?;
        if self.eat_kw("NOT") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            if self.next() != Some(Tok::RParen) {
                return Err(invalid("A '(' is not closed"));
            }
            return Ok(e);
        }
        self.comparison()
    }

    fn param(&mut self) -> StoreResult<String> {
        match self.next() {
            Some(Tok::Param(p)) => Ok(p),
            _ => Err(invalid("Expected a :parameter")),
        }
    }

    fn comparison(&mut self) -> StoreResult<Expr> {
        let field = match self.next() {
            Some(Tok::Ident(f)) => f,
            _ => return Err(invalid("Expected a field key")),
        };
        if self.eat_kw("IS") {
            let negated = self.eat_kw("NOT");
            if !self.eat_kw("NULL") {
                return Err(invalid("Expected NULL after IS"));
            }
            let e = Expr::IsNull(field);
            return Ok(if negated { Expr::Not(Box::new(e)) } else { e });
        }
        let negated = self.eat_kw("NOT");
        let e = if self.eat_kw("LIKE") || self.peek_kw("ILIKE") {
            let ci = self.eat_kw("ILIKE");
            Expr::Like {
                field,
                param: self.param()?,
                ci,
            }
        } else if self.eat_kw("IN") {
            if self.next() != Some(Tok::LParen) {
                return Err(invalid("Expected '(' after IN"));
            }
            let mut params = vec![self.param()?];
            loop {
                match self.next() {
                    Some(Tok::Comma) => {
                        self.node()?;
                        params.push(self.param()?)
                    }
                    Some(Tok::RParen) => break,
                    _ => return Err(invalid("Expected ',' or ')' in IN (…)")),
                }
            }
            Expr::In(field, params)
        } else if negated {
            return Err(invalid("Expected LIKE, ILIKE or IN after NOT"));
        } else {
            match self.next() {
                Some(Tok::Op(op)) => Expr::Cmp(field, op, self.param()?),
                _ => return Err(invalid("Expected a comparison operator")),
            }
        };
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }
}

fn parse(q: &str) -> StoreResult<Expr> {
    let mut p = Parser {
        toks: tokenize(q)?,
        pos: 0,
        nodes: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(invalid("Unexpected text after the end of the query"));
    }
    Ok(e)
}

/// SQL `LIKE`: `%` any run, `_` one character, `\` escapes.
fn like(text: &str, pattern: &str, ci: bool) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = if ci {
        (
            text.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (text.chars().collect(), pattern.chars().collect())
    };
    // Iterative matching with backtracking to the last '%' (linear memory,
    // no recursion).
    let (mut ti, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let (lit, next) = match p.get(pi) {
            Some('\\') => (p.get(pi + 1).copied(), pi + 2),
            Some('%') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('_') => (None, pi + 1),
            Some(c) => (Some(*c), pi + 1),
            None => (Some('\u{0}'), usize::MAX),
        };
        let ok = next != usize::MAX && lit.is_none_or(|c| c == t[ti]);
        if ok {
            ti += 1;
            pi = next;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p.get(pi) == Some(&'%') {
        pi += 1;
    }
    pi == p.len()
}

/// Orders two values of a field of `ty` (`None`: not comparable).
fn compare(ty: Option<FieldType>, a: &Value, b: &Value) -> Option<Ordering> {
    match ty {
        Some(FieldType::Float) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        Some(FieldType::Date) => {
            let a = DateTime::parse_from_rfc3339(a.as_str()?).ok()?;
            let b = DateTime::parse_from_rfc3339(b.as_str()?).ok()?;
            Some(a.cmp(&b))
        }
        _ => match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

struct Ctx<'a> {
    template: &'a Template,
    params: &'a Map<String, Value>,
}

impl Ctx<'_> {
    fn ty(&self, field: &str) -> StoreResult<Option<FieldType>> {
        if self.template.is_properties() {
            return Ok(None);
        }
        self.template
            .field(field)
            .map(|f| Some(f.field_type))
            .ok_or_else(|| invalid(format!("{field:?} is not a field of {}", self.template.key)))
    }

    fn param(&self, name: &str) -> StoreResult<&Value> {
        self.params
            .get(name)
            .ok_or_else(|| invalid(format!("No value for :{name} in query_params")))
    }

    /// Checks every field and parameter, so a bad query fails even when no
    /// item has the template.
    fn check(&self, e: &Expr) -> StoreResult<()> {
        match e {
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.check(a)?;
                self.check(b)
            }
            Expr::Not(a) => self.check(a),
            Expr::Cmp(f, _, p)
            | Expr::Like {
                field: f, param: p, ..
            } => {
                self.ty(f)?;
                self.param(p).map(|_| ())
            }
            Expr::In(f, ps) => {
                self.ty(f)?;
                ps.iter().try_for_each(|p| self.param(p).map(|_| ()))
            }
            Expr::IsNull(f) => self.ty(f).map(|_| ()),
        }
    }

    /// Three-valued: `None` is unknown.
    fn eval(&self, e: &Expr, values: &Map<String, Value>) -> Option<bool> {
        match e {
            Expr::And(a, b) => match (self.eval(a, values), self.eval(b, values)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Expr::Or(a, b) => match (self.eval(a, values), self.eval(b, values)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Expr::Not(a) => self.eval(a, values).map(|b| !b),
            Expr::IsNull(f) => Some(values.get(f).is_none_or(Value::is_null)),
            Expr::Cmp(f, op, p) => {
                let v = values.get(f).filter(|v| !v.is_null())?;
                let want = self.params.get(p)?;
                let ty = self.ty(f).ok()?;
                if ty == Some(FieldType::MultiSelect) {
                    // A multiSelect value equals a parameter when it holds
                    // it (or, for a list, any of it).
                    let have = v.as_array()?;
                    let hit = match want {
                        Value::Array(w) => w.iter().any(|x| have.contains(x)),
                        x => have.contains(x),
                    };
                    return match *op {
                        "=" => Some(hit),
                        "!=" => Some(!hit),
                        _ => None,
                    };
                }
                let ord = compare(ty, v, want)?;
                Some(match *op {
                    "=" => ord == Ordering::Equal,
                    "!=" => ord != Ordering::Equal,
                    "<" => ord == Ordering::Less,
                    ">" => ord == Ordering::Greater,
                    "<=" => ord != Ordering::Greater,
                    _ => ord != Ordering::Less,
                })
            }
            Expr::Like { field, param, ci } => {
                let v = values.get(field)?.as_str()?;
                let pat = self.params.get(param)?.as_str()?;
                Some(like(v, pat, *ci))
            }
            Expr::In(f, ps) => {
                let v = values.get(f).filter(|v| !v.is_null())?;
                let ty = self.ty(f).ok()?;
                Some(ps.iter().any(|p| {
                    self.params
                        .get(p)
                        .and_then(|w| compare(ty, v, w))
                        .is_some_and(Ordering::is_eq)
                }))
            }
        }
    }
}

/// A metadata query as the request gives it.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// `enterprise_1.templateKey` or `global.properties`.
    pub from: String,
    /// The query text (`None`: every instance matches).
    pub query: Option<String>,
    /// The `:param` values.
    pub params: Map<String, Value>,
    /// Only items below this folder (wire id).
    pub ancestor_folder_id: String,
    /// `(field key, descending)` in order.
    pub order_by: Vec<(String, bool)>,
    /// Page size.
    pub limit: usize,
    /// Where the page starts.
    pub offset: usize,
}

/// One page of results: the matching items (ids) and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryPage {
    /// The items of the page, in order.
    pub items: Vec<u64>,
    /// The offset of the next page, if there is one.
    pub next: Option<usize>,
    /// The template's scope and key.
    pub template: (String, String),
}

impl State {
    /// Runs a metadata query for `user`: the live files and folders below
    /// the ancestor folder that the user can read and that carry an
    /// instance of the template matching the query.
    pub fn metadata_query(&self, user: u64, q: &Query) -> StoreResult<QueryPage> {
        let (scope, key) = q
            .from
            .split_once('.')
            .ok_or_else(|| invalid("from must be <scope>.<templateKey>"))?;
        let scope = match scope {
            "enterprise" => None,
            s => scope_of(s),
        }
        .ok_or_else(|| {
            StoreError::NotFoundCode(
                "instance_not_found",
                "Use the full template scope with the enterprise id (enterprise_1)".into(),
            )
        })?;
        let template = self.template(scope, key).ok_or_else(|| {
            StoreError::NotFoundCode("instance_not_found", "The template was not found".into())
        })?;
        let (ancestor, _) = self.resolve(user, &q.ancestor_folder_id, Kind::Folder)?;
        let ctx = Ctx {
            template: &template,
            params: &q.params,
        };
        let expr = q.query.as_deref().map(parse).transpose()?;
        if let Some(e) = &expr {
            ctx.check(e)?;
        }
        for (f, _) in &q.order_by {
            ctx.ty(f)?;
        }
        let mut hits: Vec<(u64, &Map<String, Value>)> = self
            .metadata_instances
            .values()
            .filter(|i| i.scope == template.scope && i.template == template.key)
            .filter(|i| i.item != ancestor && self.is_within(i.item, ancestor))
            .filter(|i| !self.in_trash(i.item) && self.role(user, i.item).is_some())
            .filter(|i| {
                expr.as_ref()
                    .is_none_or(|e| ctx.eval(e, &i.values) == Some(true))
            })
            .map(|i| (i.item, &i.values))
            .collect();
        hits.sort_by(|(ia, a), (ib, b)| {
            for (f, desc) in &q.order_by {
                let ty = ctx.ty(f).ok().flatten();
                let ord = match (a.get(f), b.get(f)) {
                    (Some(x), Some(y)) => compare(ty, x, y).unwrap_or(Ordering::Equal),
                    // Missing values last, either direction.
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            ia.cmp(ib)
        });
        let end = q.offset.saturating_add(q.limit).min(hits.len());
        let items = hits
            .get(q.offset.min(hits.len())..end)
            .unwrap_or_default()
            .iter()
            .map(|(id, _)| *id)
            .collect();
        Ok(QueryPage {
            items,
            next: (end < hits.len()).then_some(end),
            template: (template.scope, template.key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_documented_subset() {
        let e =
            parse("amount >= :min AND (name ILIKE :n OR NOT stage IN (:a, :b)) AND x IS NOT NULL")
                .unwrap();
        assert!(matches!(e, Expr::And(..)));
        for bad in [
            "amount >= 5",
            "amount >=",
            "(amount = :a",
            "amount = :a extra",
            "amount == :a",
            "amount = 'x'",
            "AND",
            "amount NOT = :a",
        ] {
            assert!(
                matches!(parse(bad), Err(StoreError::BadRequest("invalid_query", _))),
                "{bad}"
            );
        }
        let deep = "(".repeat(300) + "a = :b" + &")".repeat(300);
        assert!(parse(&deep).is_err(), "nesting is bounded");
        assert!(parse(&"a = :b AND ".repeat(400)).is_err());
    }

    #[test]
    fn like_patterns() {
        assert!(like("Acme Corp", "%corp", true));
        assert!(!like("Acme Corp", "%corp", false));
        assert!(like("Acme", "A_me", false));
        assert!(like("100%", "100\\%", false));
        assert!(!like("1000", "100\\%", false));
        assert!(like("", "%", false));
        assert!(!like("abc", "ab", false));
        assert!(like("aaab", "%a%b", false));
        assert!(like(&"a".repeat(5000), &"%a".repeat(50), false));
    }

    #[test]
    fn three_valued_logic() {
        let t = super::super::metadata::properties_template();
        let params = json!({"x": "1"}).as_object().unwrap().clone();
        let ctx = Ctx {
            template: &t,
            params: &params,
        };
        let empty = Map::new();
        let e = parse("NOT a = :x").unwrap();
        assert_eq!(ctx.eval(&e, &empty), None, "a missing value is unknown");
        let e = parse("a = :x OR a IS NULL").unwrap();
        assert_eq!(ctx.eval(&e, &empty), Some(true));
    }
}
