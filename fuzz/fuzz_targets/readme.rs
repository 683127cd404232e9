//! Fuzz target: README rendering (`civiforge_indexer::render_readme`: pulldown-cmark, then
//! ammonia), with its output re-read by html5ever's tokenizer, as a browser would read it.
//!
//! Input layout: the first byte chooses the file name (bits 0-1: `README.md` twice as often as
//! `README.rst` or `README`), whether a GitHub link base is given (bit 2), and a repeat mode
//! (bits 3 and 4 both set) in which the next two bytes are a count and the rest a unit repeated
//! that many times (up to 16 KiB), so that deep nesting and long inputs are reached. Otherwise
//! the rest is the README.
//!
//! Invariants checked:
//! - rendering is deterministic, and the format follows the file name;
//! - the plain text is at most `MAX_TEXT_BYTES`; the HTML is at most 64 times the input plus
//!   256 KiB, and its elements nest at most `MAX_DEPTH` deep (the renderer promises that a
//!   README that would be deeply nested is shown as text, since the sanitiser's time grows
//!   with the square of the depth);
//! - the HTML never contains `<script`, `<style`, `<iframe`, `<!--` (text has `<` escaped);
//! - tokenized, it holds no comment or doctype, and only elements of
//!   the allow-list, each with allowed attributes (so no `on...=` event handler, no `style`),
//!   end tags that close the element last opened, every `id` prefixed with `readme-`, every
//!   link with `rel="noopener noreferrer nofollow"` and an `href` that is `#readme-...`, or an
//!   http(s) or mailto URL (so no `javascript:`, `data:` or `vbscript:`), every image with an
//!   http(s) `src`;
//! - a file that is not Markdown is exactly `<pre>` + the escaped text + `</pre>`.

#![no_main]

use std::cell::RefCell;

use civiforge_indexer::readme::MAX_TEXT_BYTES;
use civiforge_indexer::{LinkBase, ReadmeFormat, RenderedReadme, render_readme};
use html5ever::buffer_queue::BufferQueue;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts};
use libfuzzer_sys::fuzz_target;

/// Largest README built in repeat mode: enough to nest far deeper than the renderer allows,
/// small enough to keep executions fast.
const MAX_REPEATED_BYTES: usize = 16 * 1024;

/// Bits of the selector byte that, both set, select repeat mode.
const REPEAT_MODE: u8 = 0b1_1000;

/// Deepest element nesting accepted in the output: the renderer lets through at most 2,000
/// raw HTML tags and 64 levels of quotes, and a real README nests a few levels of lists.
const MAX_DEPTH: usize = 2_500;

/// Elements a README may contain (the renderer's allow-list, restated here on purpose).
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements without end tag among the allowed ones.
const VOID_TAGS: &[&str] = &["br", "col", "hr", "img", "wbr"];

/// Attributes allowed on every element.
const GENERIC_ATTRIBUTES: &[&str] = &["title", "lang", "dir"];

fn attribute_allowed(tag: &str, attribute: &str) -> bool {
    if GENERIC_ATTRIBUTES.contains(&attribute) {
        return true;
    }
    let allowed: &[&str] = match tag {
        "a" => &["href", "rel"],
        "img" => &["src", "alt", "width", "height", "align"],
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "div" => &["id", "align"],
        "p" => &["align"],
        "td" | "th" => &["colspan", "rowspan", "align"],
        "ol" => &["start"],
        "details" => &["open"],
        "time" => &["datetime"],
        _ => &[],
    };
    allowed.contains(&attribute)
}

fn link_base() -> LinkBase {
    LinkBase::for_repository("https://github.com/openmairie/openelec.git", "master")
        .expect("a GitHub URL has a link base")
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (file_name, format) = match selector & 0b11 {
        0 | 1 => ("README.md", ReadmeFormat::Markdown),
        2 => ("README.rst", ReadmeFormat::ReStructuredText),
        _ => ("README", ReadmeFormat::PlainText),
    };
    let links = (selector & 0b100 != 0).then(link_base);
    let repeated;
    let bytes = if selector & REPEAT_MODE == REPEAT_MODE {
        let [low, high, unit @ ..] = rest else {
            return;
        };
        if unit.is_empty() {
            return;
        }
        let count = usize::from(u16::from_le_bytes([*low, *high]));
        repeated = unit.repeat(count.min(MAX_REPEATED_BYTES / unit.len()));
        &repeated[..]
    } else {
        rest
    };

    let rendered = render_readme(file_name, bytes, links.as_ref());
    assert_eq!(
        render_readme(file_name, bytes, links.as_ref()),
        rendered,
        "not deterministic"
    );
    assert_eq!(rendered.format, format);
    assert_eq!(rendered.file_name, file_name);
    assert!(rendered.text.len() <= MAX_TEXT_BYTES, "text too long");
    assert!(
        rendered.html.len() <= 64 * bytes.len() + 256 * 1024,
        "{} bytes of HTML from {} bytes",
        rendered.html.len(),
        bytes.len()
    );

    let lower = rendered.html.to_ascii_lowercase();
    for forbidden in ["<script", "<style", "<iframe", "<!--"] {
        assert!(
            !lower.contains(forbidden),
            "{forbidden} in\n{}",
            rendered.html
        );
    }
    check_markup(&rendered);
    if format != ReadmeFormat::Markdown {
        check_preformatted(&rendered, bytes);
    }
});

/// What the tokenizer saw, and the first violation found.
#[derive(Default)]
struct Seen {
    open: Vec<String>,
    deepest: usize,
    violation: Option<String>,
}

struct Checker(RefCell<Seen>);

impl Checker {
    fn fail(&self, message: String) {
        let mut seen = self.0.borrow_mut();
        if seen.violation.is_none() {
            seen.violation = Some(message);
        }
    }

    fn start_tag(&self, name: &str, attributes: &[(String, String)], self_closing: bool) {
        if !ALLOWED_TAGS.contains(&name) {
            return self.fail(format!("element <{name}> not allowed"));
        }
        let mut has_rel = false;
        let mut has_src = false;
        for (attribute, value) in attributes {
            let attribute = attribute.as_str();
            if attribute.starts_with("on") || !attribute_allowed(name, attribute) {
                return self.fail(format!("attribute {attribute} not allowed on <{name}>"));
            }
            match attribute {
                "href" if !safe_link(value) => {
                    return self.fail(format!("unsafe href {value:?}"));
                }
                "src" => {
                    has_src = true;
                    if !safe_image(value) {
                        return self.fail(format!("unsafe src {value:?}"));
                    }
                }
                "id" if !value.starts_with("readme-") => {
                    return self.fail(format!("id {value:?} without the readme- prefix"));
                }
                "rel" => {
                    has_rel = true;
                    if value != "noopener noreferrer nofollow" {
                        return self.fail(format!("rel {value:?}"));
                    }
                }
                _ => {}
            }
        }
        if name == "a" && !has_rel {
            return self.fail("link without rel".to_owned());
        }
        if name == "img" && !has_src {
            return self.fail("image without src".to_owned());
        }
        if !VOID_TAGS.contains(&name) && !self_closing {
            let mut seen = self.0.borrow_mut();
            seen.open.push(name.to_owned());
            seen.deepest = seen.deepest.max(seen.open.len());
        }
    }

    fn end_tag(&self, name: &str) {
        let popped = self.0.borrow_mut().open.pop();
        if popped.as_deref() != Some(name) {
            self.fail(format!("</{name}> closes {popped:?}"));
        }
    }
}

impl TokenSink for Checker {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                match tag.kind {
                    TagKind::StartTag => {
                        let attributes: Vec<(String, String)> = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        self.start_tag(&name, &attributes, tag.self_closing);
                    }
                    TagKind::EndTag => self.end_tag(&name),
                }
            }
            Token::CommentToken(text) => self.fail(format!("comment {text:?}")),
            Token::DoctypeToken(_) => self.fail("doctype".to_owned()),
            // Parse errors are allowed: a README's text may hold control characters.
            Token::CharacterTokens(_)
            | Token::NullCharacterToken
            | Token::ParseError(_)
            | Token::EOFToken => {}
        }
        TokenSinkResult::Continue
    }
}

/// An in-page anchor of the README, or an absolute http(s) or mailto URL.
fn safe_link(value: &str) -> bool {
    if let Some(fragment) = value.strip_prefix('#') {
        return fragment.starts_with("readme-");
    }
    url::Url::parse(value).is_ok_and(|url| matches!(url.scheme(), "http" | "https" | "mailto"))
}

/// An absolute http(s) URL.
fn safe_image(value: &str) -> bool {
    url::Url::parse(value).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

fn check_markup(rendered: &RenderedReadme) {
    let tokenizer = Tokenizer::new(
        Checker(RefCell::new(Seen::default())),
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(&rendered.html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let seen = tokenizer.sink.0.into_inner();
    if let Some(violation) = seen.violation {
        panic!("{violation} in\n{}", rendered.html);
    }
    assert!(
        seen.open.is_empty(),
        "elements left open: {:?} in\n{}",
        seen.open,
        rendered.html
    );
    assert!(
        seen.deepest <= MAX_DEPTH,
        "elements nest {} deep (more than {MAX_DEPTH})",
        seen.deepest
    );
}

/// A non-Markdown README is shown as escaped preformatted text, nothing else.
fn check_preformatted(rendered: &RenderedReadme, bytes: &[u8]) {
    let inner = rendered
        .html
        .strip_prefix("<pre>")
        .and_then(|html| html.split_once("</pre>"))
        .map(|(inner, _)| inner);
    let Some(inner) = inner else {
        panic!("not preformatted: {}", rendered.html);
    };
    assert!(
        !inner.contains(['<', '>', '"']),
        "unescaped markup in {}",
        rendered.html
    );
    // Valid UTF-8 (no byte-order mark, within the size cap) is shown exactly as written.
    if let Ok(text) = std::str::from_utf8(bytes)
        && !text.starts_with('\u{feff}')
        && bytes.len() <= civiforge_indexer::readme::MAX_README_BYTES
    {
        let unescaped = inner
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        assert_eq!(unescaped, text, "text changed in {}", rendered.html);
    }
}
