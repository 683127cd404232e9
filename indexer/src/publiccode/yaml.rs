//! Reads YAML into a small tree that keeps the line of every node, under strict resource
//! budgets, so that validation can point at the line of any key.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A YAML node with the line (1-based) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub line: usize,
    pub value: Value,
}

/// The value of a YAML node. Numbers keep their source text, so that an unquoted
/// `softwareVersion: 1.10` still reads as `"1.10"` and not `1.1`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Node>),
    /// Entries in file order: key text, line of the key, value.
    Map(Vec<(String, usize, Node)>),
}

impl Node {
    /// The entries of a mapping, or None for any other kind of node.
    pub fn as_map(&self) -> Option<&[(String, usize, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` in a mapping, with the key's line.
    pub fn get(&self, key: &str) -> Option<(usize, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, line, node)| (*line, node))
    }

    /// Converts the node to JSON, for sections kept as raw values.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(text) => serde_json::from_str::<serde_json::Number>(text)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|_| serde_json::Value::String(text.clone())),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, _, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Why the YAML could not be read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlError {
    pub line: Option<usize>,
    pub message: String,
    /// A resource budget was exceeded (alias bomb, excessive nesting...).
    pub budget: bool,
}

/// Budgets sized for a publiccode.yml (a few hundred nodes in practice): generous for
/// real files, yet they stop a "billion laughs" alias bomb after a few thousand events
/// instead of letting it expand to gigabytes.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_events = 200_000;
    budget.max_nodes = 100_000;
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = super::MAX_PUBLICCODE_BYTES * 2;
    budget.max_recorded_anchor_events = 20_000;
    budget.max_recorded_anchor_bytes = super::MAX_PUBLICCODE_BYTES;
    budget.max_merge_keys = 100;
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = 20_000;
    alias_limits.max_replay_stack_depth = 16;
    alias_limits.max_alias_expansions_per_anchor = 200;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits = alias_limits;
    // YAML 1.1 spellings (yes/no/on/off) are strings, as in the reference parser.
    options.strict_booleans = true;
    options
}

/// Parses one YAML document into a [`Node`] tree.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    match serde_saphyr::from_str_with_options::<Spanned<RawNode>>(text, options()) {
        Ok(root) => Ok(convert(root, text)),
        Err(error) => {
            let line = error
                .location()
                .map(|l| l.line())
                .and_then(|l| usize::try_from(l).ok())
                .filter(|l| *l > 0);
            let message = error.to_string();
            let lower = message.to_lowercase();
            let budget = lower.contains("budget")
                || lower.contains("alias")
                || lower.contains("limit")
                || lower.contains("depth");
            Err(YamlError {
                line,
                message,
                budget,
            })
        }
    }
}

fn line_of<T>(spanned: &Spanned<T>) -> usize {
    usize::try_from(spanned.referenced.line()).unwrap_or(0)
}

fn convert(spanned: Spanned<RawNode>, text: &str) -> Node {
    let line = line_of(&spanned);
    let source = source_text(&spanned, text);
    let value = match spanned.value {
        RawNode::Null => Value::Null,
        RawNode::Bool(b) => Value::Bool(b),
        RawNode::Number(formatted) => Value::Number(
            source
                .filter(|s| !s.is_empty() && !s.contains(['\n', ':', '#']))
                .map(str::to_owned)
                .unwrap_or(formatted),
        ),
        RawNode::String(s) => Value::String(s),
        RawNode::Seq(items) => Value::Seq(items.into_iter().map(|n| convert(n, text)).collect()),
        RawNode::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key_line = line_of(&k);
                    let key = match convert(k, text).value {
                        Value::String(s) | Value::Number(s) => s,
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        // Complex keys never name a publiccode.yml field.
                        Value::Seq(_) | Value::Map(_) => "?".to_owned(),
                    };
                    (key, key_line, convert(v, text))
                })
                .collect(),
        ),
    };
    Node { line, value }
}

/// The source text of a scalar, when the parser gives its byte range.
fn source_text<'a, T>(spanned: &Spanned<T>, text: &'a str) -> Option<&'a str> {
    let span = spanned.referenced.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(start..start.checked_add(len)?).map(str::trim)
}

/// A node as produced by serde, before line numbers are attached.
enum RawNode {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<RawNode>, Spanned<RawNode>)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v.to_string()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawNode, E> {
        Ok(RawNode::Number(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawNode, E> {
        Ok(RawNode::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawNode, E> {
        Ok(RawNode::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawNode>>()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<RawNode>>()? {
            let value = map.next_value::<Spanned<RawNode>>()?;
            entries.push((key, value));
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_number_text() {
        let node = parse("a: 1\nb:\n  - 1.10\n  - x\nc: yes\n").expect("valid YAML");
        let (line, b) = node.get("b").expect("b present");
        assert_eq!(line, 2);
        let Value::Seq(items) = &b.value else {
            panic!("b is a sequence")
        };
        assert_eq!(items[0].value, Value::Number("1.10".into()));
        assert_eq!(items[1].line, 4);
        let (_, c) = node.get("c").expect("c present");
        assert_eq!(c.value, Value::String("yes".into()));
    }
}
