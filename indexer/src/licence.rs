//! Licence detection from LICENSE/COPYING files, and SPDX expression checking (also used by
//! publiccode.yml validation for `legal.license`).
//!
//! Detection looks for distinctive phrases of each licence after normalising the text
//! (lower case, every run of punctuation and whitespace turned into one space), so that line
//! wrapping, Markdown markup and typographic quotes do not matter.
//!
//! GNU licences: the `-or-later` form is returned only when the file carries a project notice
//! saying "or (at your option) any later version" outside the licence's own "How to apply these
//! terms" appendix (which always contains that sentence as a template); the bare licence text
//! grants that version only, so it yields the `-only` form.

/// Detects the SPDX identifier of a licence text (LICENSE, COPYING, LICENCE.md ...), or None.
pub fn detect_licence(text: &str) -> Option<&'static str> {
    let t = normalise(text);
    let has = |phrase: &str| t.contains(phrase);

    if let Some(id) = detect_gnu(&t) {
        return Some(id);
    }
    if let Some(id) = detect_cecill(&t) {
        return Some(id);
    }
    if has("european union public licence") || has("licence publique de l union européenne") {
        // The version is in the title: "v. 1.2" or "v1.2".
        if has("v 1 2") || has("v1 2") || has("version 1 2") {
            return Some("EUPL-1.2");
        }
        if has("v 1 1") || has("v1 1") || has("version 1 1") {
            return Some("EUPL-1.1");
        }
    }
    if has("mozilla public license version 2 0") || has("mozilla public license v 2 0") {
        return Some("MPL-2.0");
    }
    if has("apache license version 2 0") || has("apache license v2 0") {
        return Some("Apache-2.0");
    }
    if has("permission is hereby granted free of charge to any person obtaining a copy")
        && has("the above copyright notice and this permission notice shall be included")
    {
        return Some("MIT");
    }
    if has(
        "permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted",
    ) {
        return Some("ISC");
    }
    if has(
        "redistribution and use in source and binary forms with or without modification are permitted",
    ) {
        if has("all advertising materials mentioning features or use of this software") {
            return Some("BSD-4-Clause");
        }
        if has("may be used to endorse or promote products derived from this software") {
            return Some("BSD-3-Clause");
        }
        return Some("BSD-2-Clause");
    }
    if has("this is free and unencumbered software released into the public domain") {
        return Some("Unlicense");
    }
    if has("cc0 1 0 universal") || (has("creative commons") && has("cc0")) {
        return Some("CC0-1.0");
    }
    if has("boost software license version 1 0") {
        return Some("BSL-1.0");
    }
    if (has("licence ouverte") || has("open licence")) && has("etalab") && has("2 0") {
        return Some("etalab-2.0");
    }
    None
}

/// Lower case, with every run of non-alphanumeric characters turned into one space.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    out
}

/// GNU GPL, LGPL and AGPL: the family named first in the text (its title, or the project
/// notice) decides, then the version written right after it.
fn detect_gnu(t: &str) -> Option<&'static str> {
    const FAMILIES: &[(&str, &str)] = &[
        ("gnu affero general public license", "AGPL"),
        ("gnu lesser general public license", "LGPL"),
        ("gnu library general public license", "LGPL"),
        ("gnu general public license", "GPL"),
    ];
    let (pos, phrase, family) = FAMILIES
        .iter()
        .filter_map(|(phrase, family)| t.find(phrase).map(|p| (p, *phrase, *family)))
        .min_by_key(|(p, _, _)| *p)?;
    // The version follows the name within a short window: "... License Version 3, 29 June
    // 2007" (title) or "... License as published by the Free Software Foundation, either
    // version 3 of the License" (notice).
    let after = &t[pos + phrase.len()..];
    let window: String = after.chars().take(120).collect();
    let version = if window.contains("version 2 1") {
        "2.1"
    } else if window.contains("version 3") {
        "3.0"
    } else if window.contains("version 2") {
        "2.0"
    } else {
        return None;
    };
    let body = t
        .find("how to apply these terms to your new")
        .map_or(t, |cut| &t[..cut]);
    let or_later = body.contains("at your option any later version");
    let id = match (family, version, or_later) {
        ("AGPL", "3.0", false) => "AGPL-3.0-only",
        ("AGPL", "3.0", true) => "AGPL-3.0-or-later",
        ("LGPL", "2.1", false) => "LGPL-2.1-only",
        ("LGPL", "2.1", true) => "LGPL-2.1-or-later",
        ("LGPL", "3.0", false) => "LGPL-3.0-only",
        ("LGPL", "3.0", true) => "LGPL-3.0-or-later",
        ("LGPL", "2.0", false) => "LGPL-2.0-only",
        ("LGPL", "2.0", true) => "LGPL-2.0-or-later",
        ("GPL", "2.0", false) => "GPL-2.0-only",
        ("GPL", "2.0", true) => "GPL-2.0-or-later",
        ("GPL", "3.0", false) => "GPL-3.0-only",
        ("GPL", "3.0", true) => "GPL-3.0-or-later",
        _ => return None,
    };
    Some(id)
}

/// CeCILL licences, French or English texts. CeCILL-B and CeCILL-C name themselves in the
/// title; the plain CeCILL carries its version ("Version 2.1 du 2013-06-21").
fn detect_cecill(t: &str) -> Option<&'static str> {
    let pos = t.find("cecill")?;
    let head: String = t[pos..].chars().take(200).collect();
    if head.starts_with("cecill b") {
        return Some("CeCILL-B");
    }
    if head.starts_with("cecill c") {
        return Some("CeCILL-C");
    }
    if !(t.contains("logiciel libre") || t.contains("free software")) {
        return None;
    }
    if head.contains("version 2 1") {
        Some("CeCILL-2.1")
    } else if head.contains("version 2 0") || head.contains("version 2 du") {
        Some("CeCILL-2.0")
    } else if head.contains("version 1 1") {
        Some("CeCILL-1.1")
    } else if head.contains("version 1") {
        Some("CeCILL-1.0")
    } else {
        Some("CeCILL-2.1")
    }
}

/// Whether a file name at the repository root is a licence file (LICENSE, LICENCE, COPYING,
/// their .md/.txt variants, case-insensitive; also LICENSE-MIT etc.).
pub fn is_licence_file(name: &str) -> bool {
    if name.contains(['/', '\\']) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    let stem = [".md", ".markdown", ".txt", ".rst"]
        .iter()
        .find_map(|ext| lower.strip_suffix(ext))
        .unwrap_or(&lower);
    ["license", "licence", "copying", "unlicense"]
        .iter()
        .any(|base| match stem.strip_prefix(base) {
            Some("") => true,
            Some(rest) => {
                // LICENSE-MIT, LICENCE_CeCILL, COPYING.LESSER; not license-plate.rs.
                let mut chars = rest.chars();
                matches!(chars.next(), Some('-' | '_' | '.'))
                    && chars
                        .as_str()
                        .starts_with(|c: char| c.is_ascii_alphanumeric())
                    && chars
                        .as_str()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            }
            None => false,
        })
}

/// SPDX licence identifiers accepted in expressions: a subset of the SPDX list (the common
/// free-software licences, including deprecated forms such as `GPL-3.0` still found in
/// publiccode.yml files). Unknown identifiers are rejected; `LicenseRef-…` is accepted.
const SPDX_IDS: &[&str] = &[
    "0BSD",
    "AFL-3.0",
    "AGPL-1.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.0",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSL-1.0",
    "BUSL-1.1",
    "CAL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CECILL-1.0",
    "CECILL-1.1",
    "CECILL-2.0",
    "CECILL-2.1",
    "CECILL-B",
    "CECILL-C",
    "CPAL-1.0",
    "CPL-1.0",
    "ECL-2.0",
    "EFL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "etalab-2.0",
    "EUPL-1.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "FSFAP",
    "FTL",
    "GFDL-1.3",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "IPL-1.0",
    "ISC",
    "LGPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LiLiQ-P-1.1",
    "LiLiQ-R-1.1",
    "LiLiQ-Rplus-1.1",
    "LPPL-1.3c",
    "MirOS",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MPL-2.0-no-copyleft-exception",
    "MS-PL",
    "MS-RL",
    "MulanPSL-2.0",
    "NCSA",
    "ODbL-1.0",
    "OFL-1.1",
    "OGL-UK-3.0",
    "OpenSSL",
    "OSL-3.0",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "SISSL",
    "Sleepycat",
    "SSPL-1.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
];

/// SPDX licence exceptions accepted after `WITH` (a subset of the SPDX exceptions list).
const SPDX_EXCEPTIONS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "eCos-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-3.1",
    "GPL-3.0-linking-exception",
    "GPL-3.0-linking-source-exception",
    "GPL-CC-1.0",
    "LGPL-3.0-linking-exception",
    "Linux-syscall-note",
    "LLVM-exception",
    "OCaml-LGPL-linking-exception",
    "OpenJDK-assembly-exception-1.0",
    "Qt-GPL-exception-1.0",
    "Qt-LGPL-exception-1.1",
    "Swift-exception",
    "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
];

/// Whether a string is a valid SPDX licence expression (ids joined by AND/OR/WITH,
/// parentheses, `+`). Identifiers are matched case-insensitively, as SPDX specifies;
/// operators must be written in upper case or lower case.
pub fn is_spdx_expression(expr: &str) -> bool {
    let tokens = tokenize(expr);
    if tokens.is_empty() || tokens.len() > 200 {
        return false;
    }
    let mut pos = 0;
    parse_or(&tokens, &mut pos, 0) && pos == tokens.len()
}

fn tokenize(expr: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (i, c) in expr.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if let Some(s) = start.take() {
                tokens.push(&expr[s..i]);
            }
            if c != ' ' && !c.is_whitespace() {
                tokens.push(&expr[i..i + 1]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        tokens.push(&expr[s..]);
    }
    tokens
}

fn is_op(token: &str, op: &str) -> bool {
    token == op || token == op.to_ascii_lowercase()
}

/// or-expression := and-expression ("OR" and-expression)*
fn parse_or(tokens: &[&str], pos: &mut usize, depth: usize) -> bool {
    if !parse_and(tokens, pos, depth) {
        return false;
    }
    while tokens.get(*pos).is_some_and(|t| is_op(t, "OR")) {
        *pos += 1;
        if !parse_and(tokens, pos, depth) {
            return false;
        }
    }
    true
}

/// and-expression := with-expression ("AND" with-expression)*
fn parse_and(tokens: &[&str], pos: &mut usize, depth: usize) -> bool {
    if !parse_with(tokens, pos, depth) {
        return false;
    }
    while tokens.get(*pos).is_some_and(|t| is_op(t, "AND")) {
        *pos += 1;
        if !parse_with(tokens, pos, depth) {
            return false;
        }
    }
    true
}

/// with-expression := atom ("WITH" exception)?
fn parse_with(tokens: &[&str], pos: &mut usize, depth: usize) -> bool {
    if !parse_atom(tokens, pos, depth) {
        return false;
    }
    if tokens.get(*pos).is_some_and(|t| is_op(t, "WITH")) {
        *pos += 1;
        let Some(exception) = tokens.get(*pos) else {
            return false;
        };
        if !SPDX_EXCEPTIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(exception))
        {
            return false;
        }
        *pos += 1;
    }
    true
}

/// atom := "(" or-expression ")" | licence-id ["+"] | LicenseRef-…
fn parse_atom(tokens: &[&str], pos: &mut usize, depth: usize) -> bool {
    let Some(token) = tokens.get(*pos) else {
        return false;
    };
    if *token == "(" {
        // Nesting is bounded so that a hostile expression cannot exhaust the stack.
        if depth > 16 {
            return false;
        }
        *pos += 1;
        if !parse_or(tokens, pos, depth + 1) || tokens.get(*pos) != Some(&")") {
            return false;
        }
        *pos += 1;
        return true;
    }
    if ["AND", "OR", "WITH", ")"].iter().any(|op| is_op(token, op)) {
        return false;
    }
    *pos += 1;
    let id = token.strip_suffix('+').unwrap_or(token);
    let is_ref = ["LicenseRef-", "DocumentRef-"].iter().any(|p| {
        id.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)) && id.len() > p.len()
    });
    is_ref || SPDX_IDS.iter().any(|known| known.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests;
