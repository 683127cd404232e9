//! Text helpers for READMEs: decoding bytes, escaping, and turning sanitised HTML into the
//! plain text that search indexes.

/// Decodes at most `max_bytes` of a README, and says whether the input was longer.
/// A leading byte-order mark is dropped.
pub(super) fn decode_capped(bytes: &[u8], max_bytes: usize) -> (String, bool) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let truncated = bytes.len() > max_bytes;
    let mut end = bytes.len().min(max_bytes);
    if truncated {
        // Step back to the start of a UTF-8 sequence so that the cut does not leave a
        // replacement character behind (at most 3 continuation bytes).
        let lowest = end.saturating_sub(3);
        while end > lowest && bytes.get(end).is_some_and(|b| b & 0xC0 == 0x80) {
            end -= 1;
        }
    }
    let kept = &bytes[..end];
    let mut text = match std::str::from_utf8(kept) {
        Ok(text) => text.to_owned(),
        Err(_) if !has_utf8_multibyte_sequence(kept) => windows_1252(kept),
        Err(_) => String::from_utf8_lossy(kept).into_owned(),
    };
    // Replacement characters take 3 bytes for each invalid byte: the cap holds on the text.
    if text.len() > max_bytes {
        text.truncate(floor_char_boundary(&text, max_bytes));
    }
    (text, truncated)
}

/// Whether the bytes hold at least one valid UTF-8 sequence of more than one byte, which
/// tells a mostly-UTF-8 file with a stray byte from a file in a legacy 8-bit encoding.
fn has_utf8_multibyte_sequence(bytes: &[u8]) -> bool {
    bytes
        .utf8_chunks()
        .any(|chunk| chunk.valid().chars().any(|c| c.len_utf8() > 1))
}

/// Windows-1252, the superset of Latin-1 that French Windows editors wrote.
fn windows_1252(bytes: &[u8]) -> String {
    /// 0x80..=0x9F; the five bytes undefined in Windows-1252 map to the replacement character.
    const HIGH: [char; 32] = [
        '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
        '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{FFFD}', 'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

/// The largest char boundary of `text` not above `index`.
pub(super) fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    (0..=index)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// Escapes text for HTML content and attribute values.
pub(super) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// Collapses runs of whitespace into one space and caps the result at `max_bytes`,
/// cutting between words when it can.
pub(super) fn collapse_whitespace(text: &str, max_bytes: usize) -> String {
    let mut collapsed = String::with_capacity(text.len().min(max_bytes));
    for word in text.split_whitespace() {
        if collapsed.len() + word.len() + 1 > max_bytes {
            if collapsed.is_empty() {
                // A single word longer than the cap: keep its beginning.
                collapsed.push_str(&word[..floor_char_boundary(word, max_bytes)]);
            }
            break;
        }
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

/// Elements that do not separate words: `Mai<b>rie</b>` reads "Mairie". `sup` and `sub` do
/// separate them, so that a footnote number does not stick to the word it follows.
const INLINE_ELEMENTS: &[&str] = &[
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "i", "ins", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strike", "strong", "time", "tt", "u", "var", "wbr",
];

/// The readable text of HTML produced by ammonia (html5ever's serialiser), whitespace
/// collapsed. That serialiser quotes every attribute with `"` and escapes `"` inside it, and
/// escapes text with `&amp;`, `&lt;`, `&gt;` and `&nbsp;` only, which keeps this scan simple.
pub(super) fn html_to_text(html: &str, max_bytes: usize) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        push_unescaped(&mut text, &rest[..start]);
        let tag_end = tag_end(&rest[start..]).map_or(rest.len(), |end| start + end);
        let tag = &rest[start..tag_end];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !INLINE_ELEMENTS.contains(&name.to_ascii_lowercase().as_str()) {
            text.push(' ');
        }
        rest = &rest[tag_end..];
    }
    push_unescaped(&mut text, rest);
    collapse_whitespace(&text, max_bytes)
}

/// The index just after the `>` that closes the tag starting at `html[0]`, skipping quoted
/// attribute values; None when the tag is not closed.
fn tag_end(html: &str) -> Option<usize> {
    let mut quoted = false;
    for (index, c) in html.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(index + 1),
            _ => {}
        }
    }
    None
}

fn push_unescaped(out: &mut String, escaped: &str) {
    let mut rest = escaped;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = rest
            .find(';')
            .filter(|&end| end <= 10)
            .and_then(|end| decode_entity(&rest[1..end]).map(|c| (c, end + 1)));
        match entity {
            Some((c, length)) => {
                out.push(c);
                rest = &rest[length..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "nbsp" => Some(' '),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// Removes `<img>` elements left without a `src` by the sanitiser (a relative image with no
/// [`super::LinkBase`], a `data:` image…): an image that cannot be shown is no image at all.
pub(super) fn drop_images_without_src(html: &str) -> String {
    let mut kept = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        let after = &rest[start + 4..];
        if !after.starts_with([' ', '>', '/']) {
            kept.push_str(&rest[..start + 4]);
            rest = after;
            continue;
        }
        let end = tag_end(&rest[start..]).map_or(rest.len(), |end| start + end);
        kept.push_str(&rest[..start]);
        let tag = &rest[start..end];
        if tag.contains(" src=\"") {
            kept.push_str(tag);
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    kept
}
