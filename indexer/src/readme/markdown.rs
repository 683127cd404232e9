//! Markdown READMEs: pulldown-cmark (tables, strikethrough, task lists, footnotes) then an
//! explicitly configured ammonia. Nothing from the README reaches the page without passing
//! ammonia's allow-list, including the HTML this module adds itself.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use super::links::{self, LinkBase, Target};
use super::text;

/// Elements a README may use. Everything else is removed, its text kept, except the elements
/// of [`REMOVED_WITH_CONTENT`] whose content goes too.
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

/// Elements removed with everything inside: their content is code, not prose.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "noembed", "noframes", "template", "svg", "math", "form", "textarea", "select", "button",
    "title", "xmp",
];

const HEADINGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

/// `rel` of every link: no access to the page from the target, no referrer, no SEO credit.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// The Markdown extensions READMEs are rendered with.
const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_FOOTNOTES);

/// Whether the Markdown structure (lists, items, quotes, emphasis…) nests deeper than `max`.
/// List markers on one line (`+ + + +`, `1. 1. 1.`) nest without any `<` or `>`.
pub(super) fn nests_deeper_than(source: &str, max: usize) -> bool {
    let mut depth = 0usize;
    for event in Parser::new_ext(source, OPTIONS) {
        match event {
            Event::Start(_) => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Renders Markdown to sanitised HTML.
///
/// Known limit: html5ever (inside ammonia) spends time quadratic in the nesting depth of the
/// HTML, so a README of 100,000 nested `<div>` or `>` takes tens of seconds; a depth guard
/// that cannot be fooled by quoted attributes needs a real tokenizer and is still to be done.
pub(super) fn render(source: &str, links: Option<&LinkBase>) -> String {
    let events = prepare_events(Parser::new_ext(source, OPTIONS).collect());
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    let clean = sanitiser(links.cloned()).clean(&unsafe_html).to_string();
    text::drop_images_without_src(&clean)
}

/// Gives headings their ids, and replaces what ammonia would otherwise break: task-list
/// checkboxes (`<input>` is not allowed) and footnotes (whose ids must not clash with headings').
fn prepare_events(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut slugs = Slugs::default();
    let mut footnote_numbers: HashMap<String, usize> = HashMap::new();
    let mut footnote_number = |label: &str| {
        let next = footnote_numbers.len() + 1;
        *footnote_numbers.entry(label.to_owned()).or_insert(next)
    };
    for index in 0..events.len() {
        let replacement = match &events[index] {
            Event::Start(Tag::Heading { .. }) => {
                let slug = slugs.unique(&heading_text(&events[index + 1..]));
                if let Event::Start(Tag::Heading { id, .. }) = &mut events[index] {
                    *id = Some(CowStr::from(slug));
                }
                None
            }
            Event::TaskListMarker(done) => Some(Event::Text(CowStr::from(if *done {
                "☑ "
            } else {
                "☐ "
            }))),
            Event::FootnoteReference(label) => {
                let number = footnote_number(label);
                Some(Event::InlineHtml(CowStr::from(format!(
                    "<sup><a href=\"#{}\">{number}</a></sup>",
                    footnote_id(label)
                ))))
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let number = footnote_number(label);
                Some(Event::Html(CowStr::from(format!(
                    "<div id=\"{}\"><sup>{number}</sup>",
                    footnote_id(label)
                ))))
            }
            Event::End(TagEnd::FootnoteDefinition) => Some(Event::Html(CowStr::from("</div>\n"))),
            _ => None,
        };
        if let Some(replacement) = replacement {
            events[index] = replacement;
        }
    }
    events
}

/// Footnote anchors live apart from heading slugs (`fn-` then the label's slug).
fn footnote_id(label: &str) -> String {
    format!("fn-{}", slugify(label))
}

/// The text of the heading whose content starts at `events[0]`.
fn heading_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(part) | Event::Code(part) => text.push_str(part),
            _ => {}
        }
    }
    text
}

/// Heading slugs as GitHub and GitLab make them, since README authors link to those:
/// lower case, letters (accents kept), digits, `-` and `_`; each space becomes `-`.
fn slugify(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// Slugs already given in a document: a repeated heading gets `-1`, `-2`…
#[derive(Default)]
struct Slugs {
    seen: HashSet<String>,
}

impl Slugs {
    fn unique(&mut self, text: &str) -> String {
        let mut base = slugify(text);
        if base.is_empty() {
            base = "section".to_owned();
        }
        let mut slug = base.clone();
        let mut suffix = 0;
        while self.seen.contains(&slug) {
            suffix += 1;
            slug = format!("{base}-{suffix}");
        }
        self.seen.insert(slug.clone());
        slug
    }
}

/// ammonia configured from nothing (`Builder::empty`), so that a new ammonia default cannot
/// widen what a README may contain.
fn sanitiser(links: Option<LinkBase>) -> ammonia::Builder<'static> {
    let mut tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut allow = |tags: &[&'static str], attributes: &[&'static str]| {
        for tag in tags {
            tag_attributes
                .entry(tag)
                .or_default()
                .extend(attributes.iter().copied());
        }
    };
    allow(&["a"], &["href"]);
    allow(&["img"], &["src", "alt", "width", "height", "align"]);
    // Ids make headings (and footnotes, kept on `div`) work as anchors; they are prefixed.
    allow(HEADINGS, &["id", "align"]);
    allow(&["div"], &["id", "align"]);
    allow(&["p"], &["align"]);
    allow(&["td", "th"], &["colspan", "rowspan", "align"]);
    allow(&["ol"], &["start"]);
    allow(&["details"], &["open"]);
    allow(&["time"], &["datetime"]);

    let mut builder = ammonia::Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .tag_attributes(tag_attributes)
        .generic_attributes(["title", "lang", "dir"].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // Relative URLs reach the attribute filter below, which resolves or drops each one.
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .attribute_filter(move |element, attribute, value| {
            filter_attribute(element, attribute, value, links.as_ref())
        });
    builder
}

/// Runs after ammonia's allow-list and scheme checks, on the attributes that passed them.
fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
    links: Option<&LinkBase>,
) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("img", "src") => links::rewrite_url(value, Target::Image, links).map(Cow::Owned),
        (_, "href") => links::rewrite_url(value, Target::Link, links).map(Cow::Owned),
        (_, "id") => Some(Cow::Owned(links::prefixed_id(value))),
        _ => Some(Cow::Borrowed(value)),
    }
}
