//! README rendering for project pages and search: picks the README among a repository's root
//! files and turns its bytes into sanitised HTML and plain text. Pure functions: no git, no I/O.
//!
//! A README is written by whoever controls the repository, so it is hostile: Markdown is
//! rendered with pulldown-cmark and then cleaned by an explicitly configured ammonia
//! (see [`markdown`]); other formats are shown as escaped preformatted text.

mod links;
mod markdown;
mod text;

#[cfg(test)]
mod tests;

pub use links::LinkBase;

/// Largest README rendered; longer input is cut (at a char boundary) with a note.
pub const MAX_README_BYTES: usize = 512 * 1024;

/// Largest plain text kept for full-text search; a README's useful words come first.
pub const MAX_TEXT_BYTES: usize = 100 * 1024;

/// Shown under a README cut at [`MAX_README_BYTES`]; users read it, hence French.
const TRUNCATION_NOTE: &str = "Ce README dépasse 512 Kio : seul son début est affiché.";

/// How a README is written, from its file name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ReadmeFormat {
    Markdown,
    ReStructuredText,
    Org,
    PlainText,
}

/// A README ready for a project page (`html`, already sanitised) and for search (`text`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RenderedReadme {
    pub file_name: String,
    pub format: ReadmeFormat,
    pub html: String,
    pub text: String,
}

/// Picks the README among the root file names, best first: README.md, README.markdown,
/// readme.md (case-insensitive), README.rst, README.org, README.txt, README, then localised
/// ones (French first: LISEZMOI.md, README.fr.md, then README.en.md and other languages).
/// None when there is none. Among equally good names the choice does not depend on their order.
pub fn choose_readme<'a>(names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .filter_map(|&name| readme_rank(name).map(|rank| (rank, name)))
        .min()
        .map(|(_, name)| name)
}

/// Renders a README's bytes (any encoding: invalid UTF-8 is replaced, never a panic).
///
/// Bytes that are not UTF-8 and hold no UTF-8 multi-byte sequence at all are read as
/// Windows-1252, the usual encoding of older French files, so that "Présentation" survives.
/// `links` tells where the repository's files are on the web; without it relative links lose
/// their target and relative images are dropped.
pub fn render_readme(file_name: &str, bytes: &[u8], links: Option<&LinkBase>) -> RenderedReadme {
    let (source, truncated) = text::decode_capped(bytes, MAX_README_BYTES);
    let format = format_of(file_name);
    let too_deep = format == ReadmeFormat::Markdown && too_deeply_nested(&source);
    let mut html = match format {
        ReadmeFormat::Markdown if too_deep => {
            format!(
                "<p><em>{DEEP_NESTING_NOTE}</em></p>\n<pre>{}</pre>",
                text::escape_html(&source)
            )
        }
        ReadmeFormat::Markdown => markdown::render(&source, links),
        ReadmeFormat::ReStructuredText | ReadmeFormat::Org | ReadmeFormat::PlainText => {
            format!("<pre>{}</pre>", text::escape_html(&source))
        }
    };
    let text = match format {
        ReadmeFormat::Markdown if too_deep => text::collapse_whitespace(&source, MAX_TEXT_BYTES),
        // The sanitised HTML is the source of truth for what a visitor sees: indexing it
        // keeps removed content (scripts, comments) out of search results.
        ReadmeFormat::Markdown => text::html_to_text(&html, MAX_TEXT_BYTES),
        _ => text::collapse_whitespace(&source, MAX_TEXT_BYTES),
    };
    if truncated {
        html.push_str("\n<p><em>");
        html.push_str(TRUNCATION_NOTE);
        html.push_str("</em></p>\n");
    }
    RenderedReadme {
        file_name: file_name.to_owned(),
        format,
        html,
        text,
    }
}

/// Most raw HTML tags, and deepest blockquote, rendered as Markdown. The HTML sanitiser's
/// parser takes time that grows with the square of nesting depth, so a hostile README of
/// thousands of nested tags could hold a worker for minutes: such a file is shown as text.
const MAX_HTML_TAGS: usize = 2_000;
const MAX_QUOTE_DEPTH: usize = 64;
/// Deepest Markdown structure rendered (a list item in a list counts two).
const MAX_MARKDOWN_DEPTH: usize = 128;
const DEEP_NESTING_NOTE: &str = "Ce README contient trop de balises imbriquées pour être mis en forme : il est affiché tel quel.";

/// Whether a Markdown source could make the sanitiser slow. Counting over-estimates (a `<b`
/// inside code counts too), which only ever leads to the safe plain-text display.
fn too_deeply_nested(source: &str) -> bool {
    let tags = source
        .as_bytes()
        .windows(2)
        .filter(|pair| {
            pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || pair[1] == b'/' || pair[1] == b'!')
        })
        .count();
    let deepest_quote = source
        .lines()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_whitespace())
                .take_while(|c| *c == '>')
                .count()
        })
        .max()
        .unwrap_or(0);
    tags > MAX_HTML_TAGS
        || deepest_quote > MAX_QUOTE_DEPTH
        || markdown::nests_deeper_than(source, MAX_MARKDOWN_DEPTH)
}

/// The extensions recognised on README names, lower-case, with their format and preference.
const EXTENSIONS: &[(&str, ReadmeFormat, u8)] = &[
    ("md", ReadmeFormat::Markdown, 2),
    ("markdown", ReadmeFormat::Markdown, 2),
    ("mdown", ReadmeFormat::Markdown, 2),
    ("mkd", ReadmeFormat::Markdown, 2),
    ("mkdn", ReadmeFormat::Markdown, 2),
    ("rst", ReadmeFormat::ReStructuredText, 3),
    ("rest", ReadmeFormat::ReStructuredText, 3),
    ("org", ReadmeFormat::Org, 4),
    ("txt", ReadmeFormat::PlainText, 5),
    ("text", ReadmeFormat::PlainText, 5),
    // AsciiDoc has no renderer here; it is still readable as text.
    ("adoc", ReadmeFormat::PlainText, 7),
    ("asciidoc", ReadmeFormat::PlainText, 7),
];

/// Preference of a name without a recognised extension (`README`, `LISEZMOI`).
const NO_EXTENSION_RANK: u8 = 6;

/// The format a README is rendered in, from its extension (case-insensitive).
fn format_of(file_name: &str) -> ReadmeFormat {
    split_extension(&file_name.to_lowercase())
        .map(|(_, format, _)| format)
        .unwrap_or(ReadmeFormat::PlainText)
}

fn split_extension(lower: &str) -> Option<(&str, ReadmeFormat, u8)> {
    let (stem, extension) = lower.rsplit_once('.')?;
    EXTENSIONS
        .iter()
        .find(|(known, _, _)| *known == extension)
        .map(|(_, format, rank)| (stem, format.clone(), *rank))
}

/// How good a README candidate is, smaller is better: (language group, format, name).
/// The name is last so that ties are broken the same way whatever the listing order.
fn readme_rank(name: &str) -> Option<(u8, u8, &str)> {
    let lower = name.to_lowercase();
    let (stem, format_rank) = match split_extension(&lower) {
        Some((stem, _, rank)) => (stem, rank),
        // `README.html`, `README.pdf`, `README.md.bak`: not something to render as a README.
        None if lower.contains('.') => return None,
        None => (lower.as_str(), NO_EXTENSION_RANK),
    };
    let format_rank = match name {
        "README.md" => 0,
        "README.markdown" => 1,
        _ => format_rank,
    };
    let group = if stem == "readme" {
        0
    } else if matches!(stem, "lisezmoi" | "lisez-moi" | "lisez_moi") {
        1
    } else {
        let language = stem
            .strip_prefix("readme")
            .and_then(|rest| rest.strip_prefix(['.', '-', '_']))
            .filter(|language| is_language_tag(language))?;
        if language.starts_with("fr") { 1 } else { 2 }
    };
    Some((group, format_rank, name))
}

/// `fr`, `en`, `pt-br`, `zh_cn`, `fra`: what localised README names carry.
fn is_language_tag(tag: &str) -> bool {
    let (language, region) = match tag.split_once(['-', '_']) {
        Some((language, region)) => (language, Some(region)),
        None => (tag, None),
    };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|region| {
            (2..=4).contains(&region.len()) && region.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}
