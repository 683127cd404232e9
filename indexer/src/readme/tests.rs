//! Tests of README selection and rendering; the HTML of whole documents is kept as insta
//! snapshots in `snapshots/`.

use super::*;

fn github() -> LinkBase {
    LinkBase::for_repository("https://github.com/openmairie/openelec.git", "master")
        .expect("a GitHub URL has a link base")
}

const OPENMAIRIE_README: &str = r#"# openElec

[![Pipeline](https://gitlab.adullact.net/openmairie/openelec/badges/master/pipeline.svg)](https://gitlab.adullact.net/openmairie/openelec/-/pipelines)
[![Licence AGPL](docs/badges/licence.svg)](LICENSE.txt)

openElec est un logiciel libre de **gestion des listes électorales** pour les communes,
développé dans le cadre du projet [openMairie](https://www.openmairie.org).

## Sommaire

- [Présentation](#présentation)
- [Installation](#installation)
- [Mise à jour](#mise-à-jour)
- [Documentation](docs/INSTALL.md#prérequis)

## Présentation

Il gère les inscriptions, les radiations et l'édition des cartes d'électeur,
en lien avec le *Répertoire électoral unique* (REU) de l'Insee.

![Capture d'écran du tableau de bord](./docs/images/tableau-de-bord.png "Tableau de bord")

## Installation

Prérequis :

| Composant  | Version minimale | Remarque            |
|:-----------|:----------------:|--------------------:|
| PHP        | 7.4              | extensions `pgsql`  |
| PostgreSQL | 10               | avec PostGIS        |

```sh
git clone https://gitlab.adullact.net/openmairie/openelec.git
cd openelec
cp dyn/database.inc.php.dist dyn/database.inc.php
```

- [x] Créer la base de données
- [ ] Configurer l'envoi des courriels

Voir aussi le [guide d'installation](../docs/./INSTALL.md) et les [notes de version][notes][^1].

[notes]: CHANGELOG.md

## Installation

Deuxième section du même nom, pour vérifier l'unicité des ancres.

## Mise à jour

<details>
<summary>Depuis la version 4.x</summary>

Appliquer les scripts SQL de `data/pgsql/` dans l'ordre, puis vider le cache : <kbd>Ctrl</kbd>+<kbd>F5</kbd>.
</details>

Contact : <contact@openmairie.org> — H<sub>2</sub>O, 10<sup>e</sup> édition.

[^1]: Les notes de version suivent le format *Keep a Changelog*.
"#;

#[test]
fn renders_a_realistic_french_readme() {
    let rendered = render_readme("README.md", OPENMAIRIE_README.as_bytes(), Some(&github()));
    assert_eq!(rendered.format, ReadmeFormat::Markdown);
    insta::assert_snapshot!("openmairie_readme_html", rendered.html);
    insta::assert_snapshot!("openmairie_readme_text", rendered.text);
}

#[test]
fn realistic_readme_links_and_anchors_are_consistent() {
    let html = render_readme("README.md", OPENMAIRIE_README.as_bytes(), Some(&github())).html;
    for expected in [
        r#"<h1 id="readme-openelec">"#,
        r#"<h2 id="readme-installation">"#,
        r#"<h2 id="readme-installation-1">"#,
        "href=\"#readme-installation\"",
        r#"href="https://github.com/openmairie/openelec/blob/master/docs/INSTALL.md#pr%C3%A9requis""#,
        r#"href="https://github.com/openmairie/openelec/blob/master/CHANGELOG.md""#,
        r#"src="https://github.com/openmairie/openelec/raw/master/docs/images/tableau-de-bord.png""#,
        r#"src="https://github.com/openmairie/openelec/raw/master/docs/badges/licence.svg""#,
        r#"rel="noopener noreferrer nofollow""#,
        "<kbd>Ctrl</kbd>",
        "<details>",
        "<table>",
    ] {
        assert!(html.contains(expected), "missing {expected} in\n{html}");
    }
    // The accented anchor link reaches the accented heading id.
    assert!(html.contains("id=\"readme-présentation\""), "{html}");
    assert!(
        html.contains("href=\"#readme-pr%C3%A9sentation\""),
        "{html}"
    );
    // `../docs/./INSTALL.md` cannot climb out of the branch.
    assert!(html.contains("https://github.com/openmairie/openelec/blob/master/docs/INSTALL.md\""));
}

#[test]
fn without_link_base_relative_links_lose_href_and_relative_images_go() {
    let source = "[Guide](docs/INSTALL.md) [Haut](#haut) ![logo](logo.png) \
                  ![badge](https://img.shields.io/badge/a-b-green) <img src=\"x.png\" alt=\"x\">";
    let html = render_readme("README.md", source.as_bytes(), None).html;
    assert!(
        html.contains("<a rel=\"noopener noreferrer nofollow\">Guide</a>"),
        "{html}"
    );
    assert!(html.contains("href=\"#readme-haut\""), "{html}");
    assert!(!html.contains("logo"), "{html}");
    assert!(!html.contains("alt=\"x\""), "{html}");
    assert!(
        html.contains("src=\"https://img.shields.io/badge/a-b-green\""),
        "{html}"
    );
}

const HOSTILE_README: &str = r#"# Piège

<script>alert(1)</script>

<img src=x onerror=alert(1)>
<img src="https://example.org/a.png" onerror="alert(1)" onload="alert(2)">

<a href="javascript:alert(1)">clic</a> <a href="data:text/html,<script>alert(1)</script>">donnée</a>
[lien](javascript:alert(1)) [lien2](data:text/html;base64,PHNjcmlwdD4=) [lien3](vbscript:msgbox)

<svg><script>alert(1)</script><circle onload="alert(1)"/></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>

<iframe src="https://evil.example/"></iframe>
<style>body { display: none }</style>
<form action="https://evil.example/"><input name="mot de passe"><button>Envoyer</button></form>
<!-- <script>alert("commentaire")</script> -->

<a href="JaVaScRiPt:alert(1)">majuscules</a>
<a href="&#106;avascript:alert(1)">entité</a>
<a href="java&#x09;script:alert(1)">tabulation</a>
<a href=" javascript:alert(1)">espace</a>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="pixel">
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x.swf">
<p style="background:url(javascript:alert(1))" onclick="alert(1)" class="x">texte</p>
<h2 id="main" onmouseover="alert(1)">Titre brut</h2>
"#;

#[test]
fn hostile_readme_is_neutralised() {
    let links = github();
    for links in [Some(&links), None] {
        let rendered = render_readme("README.md", HOSTILE_README.as_bytes(), links);
        let lower = rendered.html.to_lowercase();
        for forbidden in [
            "<script",
            "onerror",
            "onload",
            "onclick",
            "onmouseover",
            "javascript:",
            "vbscript:",
            "data:text",
            "data:image",
            "<svg",
            "<math",
            "<iframe",
            "<style",
            "<form",
            "<input",
            "<button",
            "<object",
            "<embed",
            "<!--",
            "style=",
            "alert",
        ] {
            assert!(
                !lower.contains(forbidden),
                "{forbidden} in\n{}",
                rendered.html
            );
        }
        assert!(!rendered.text.contains("alert"), "{}", rendered.text);
        // Raw HTML ids are prefixed too, so a README cannot take over `#main`.
        assert!(
            rendered.html.contains("id=\"readme-main\""),
            "{}",
            rendered.html
        );
    }
    let html = render_readme("README.md", HOSTILE_README.as_bytes(), Some(&github())).html;
    insta::assert_snapshot!("hostile_readme_html", html);
}

/// Found by the `readme` fuzz target (fuzz/): list markers on one line nest without any `<`
/// or `>`, which the guard did not count, and the sanitiser's time grows with the square of
/// the depth (64 KiB of `+ ` took 20 s; the 512 KiB allowed, about 20 minutes).
#[test]
fn deeply_nested_lists_are_shown_as_text() {
    for unit in ["+ ", "1. ", "> - "] {
        let source = unit.repeat(2048);
        let rendered = render_readme("README.md", source.as_bytes(), None);
        assert!(
            rendered
                .html
                .starts_with(&format!("<p><em>{DEEP_NESTING_NOTE}")),
            "{unit:?}: {}",
            &rendered.html[..100]
        );
    }
    let html = render_readme("README.md", b"- a\n  - b\n    1. c\n       > d\n", None).html;
    assert!(html.contains("<blockquote>"), "{html}");
}

#[test]
fn duplicate_and_empty_headings_get_unique_ids() {
    let source =
        "# Installation\n## Installation\n### Installation\n## `cargo` & co!\n## !!!\n## !!!\n";
    let html = render_readme("README.md", source.as_bytes(), None).html;
    for id in [
        "readme-installation\"",
        "readme-installation-1\"",
        "readme-installation-2\"",
        "readme-cargo--co\"",
        "readme-section\"",
        "readme-section-1\"",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}")),
            "missing {id} in\n{html}"
        );
    }
}

#[test]
fn footnotes_and_task_lists_survive_sanitising() {
    let source = "Texte[^note].\n\n- [x] fait\n- [ ] à faire\n\n[^note]: La note.\n";
    let html = render_readme("README.md", source.as_bytes(), None).html;
    assert!(html.contains("href=\"#readme-fn-note\""), "{html}");
    assert!(html.contains("id=\"readme-fn-note\""), "{html}");
    assert!(
        html.contains("☑ fait") && html.contains("☐ à faire"),
        "{html}"
    );
}

#[test]
fn plain_formats_are_escaped_preformatted_text() {
    for (name, format) in [
        ("README.rst", ReadmeFormat::ReStructuredText),
        ("README.org", ReadmeFormat::Org),
        ("README.txt", ReadmeFormat::PlainText),
        ("README", ReadmeFormat::PlainText),
    ] {
        let source = "Titre\n=====\n\n<b>gras</b> & <script>alert(1)</script> \"x\"\n";
        let rendered = render_readme(name, source.as_bytes(), Some(&github()));
        assert_eq!(rendered.format, format, "{name}");
        assert_eq!(
            rendered.html,
            "<pre>Titre\n=====\n\n&lt;b&gt;gras&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; &quot;x&quot;\n</pre>"
        );
        assert_eq!(
            rendered.text,
            "Titre ===== <b>gras</b> & <script>alert(1)</script> \"x\""
        );
    }
}

#[test]
fn invalid_utf8_is_replaced_and_latin1_is_read() {
    let mixed = b"# Pr\xc3\xa9sentation\n\nOctet perdu : \xff fin\n";
    let rendered = render_readme("README.md", mixed, None);
    assert!(rendered.html.contains("Présentation"), "{}", rendered.html);
    assert!(
        rendered.text.contains("Octet perdu : \u{FFFD} fin"),
        "{}",
        rendered.text
    );

    let latin1 = b"Pr\xe9sentation de l'\x9cuvre \x80\n";
    let rendered = render_readme("README.txt", latin1, None);
    assert_eq!(rendered.text, "Présentation de l'œuvre €");

    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let rendered = render_readme("README.md", &garbage, Some(&github()));
    assert!(!rendered.html.to_lowercase().contains("<script"));
}

#[test]
fn oversized_readme_is_cut_with_a_note() {
    // 'é' is two bytes: an odd cap would fall inside one if the cut were not careful.
    let source = "é".repeat(MAX_README_BYTES);
    let rendered = render_readme("README.txt", source.as_bytes(), None);
    assert!(
        rendered.html.ends_with("</em></p>\n"),
        "{}",
        &rendered.html[rendered.html.len() - 200..]
    );
    assert!(rendered.html.contains("seul son début est affiché"));
    assert!(!rendered.html.contains('\u{FFFD}'));
    assert!(rendered.text.len() <= MAX_TEXT_BYTES);

    let mut odd = vec![b'a'];
    odd.extend("é".repeat(MAX_README_BYTES).as_bytes());
    let rendered = render_readme("README.md", &odd, None);
    assert!(!rendered.html.contains('\u{FFFD}'));
    assert!(rendered.text.len() <= MAX_TEXT_BYTES);

    let small = render_readme("README.md", b"# Court", None);
    assert!(!small.html.contains("seul son début"));
}

#[test]
fn choose_readme_prefers_markdown_then_other_formats_then_localised() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (
            &["LICENSE", "README", "README.txt", "README.md"],
            Some("README.md"),
        ),
        (&["readme.md", "README.markdown"], Some("README.markdown")),
        (&["Readme.md", "README.rst"], Some("Readme.md")),
        (&["README.org", "README.rst"], Some("README.rst")),
        (&["README", "README.org"], Some("README.org")),
        (&["README", "README.txt"], Some("README.txt")),
        (&["LISEZMOI.md", "README"], Some("README")),
        (&["README.en.md", "LISEZMOI.md"], Some("LISEZMOI.md")),
        (&["README.en.md", "README.fr.md"], Some("README.fr.md")),
        (&["README.de.md", "README.pt-BR.md"], Some("README.de.md")),
        (&["readme.fr.rst", "readme.fr.md"], Some("readme.fr.md")),
        (&["README.html", "README.pdf", "README.md.bak"], None),
        (&["readmefirst.md", "docs", "Cargo.toml"], None),
        (&[], None),
    ];
    for (names, expected) in cases {
        assert_eq!(choose_readme(names), *expected, "{names:?}");
        let reversed: Vec<&str> = names.iter().rev().copied().collect();
        assert_eq!(choose_readme(&reversed), *expected, "{reversed:?}");
    }
}

/// A repository URL, a branch, and the expected (blob, raw) bases.
type LinkBaseCase = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

#[test]
fn link_base_for_forges() {
    let cases: &[LinkBaseCase] = &[
        (
            "https://github.com/openmairie/openelec.git",
            "main",
            Some((
                "https://github.com/openmairie/openelec/blob/main/",
                "https://github.com/openmairie/openelec/raw/main/",
            )),
        ),
        (
            "https://github.com/o/r/",
            "release/2.x",
            Some((
                "https://github.com/o/r/blob/release/2.x/",
                "https://github.com/o/r/raw/release/2.x/",
            )),
        ),
        (
            "https://gitlab.com/groupe/sous-groupe/projet",
            "master",
            Some((
                "https://gitlab.com/groupe/sous-groupe/projet/-/blob/master/",
                "https://gitlab.com/groupe/sous-groupe/projet/-/raw/master/",
            )),
        ),
        (
            "https://user:secret@gitlab.adullact.net/openmairie/openelec.git?x=1#y",
            "master",
            Some((
                "https://gitlab.adullact.net/openmairie/openelec/-/blob/master/",
                "https://gitlab.adullact.net/openmairie/openelec/-/raw/master/",
            )),
        ),
        (
            "https://gitlab.mairie-exemple.fr/si/app",
            "",
            Some((
                "https://gitlab.mairie-exemple.fr/si/app/-/blob/HEAD/",
                "https://gitlab.mairie-exemple.fr/si/app/-/raw/HEAD/",
            )),
        ),
        (
            "https://codeberg.org/commune/outil.git",
            "main",
            Some((
                "https://codeberg.org/commune/outil/src/branch/main/",
                "https://codeberg.org/commune/outil/raw/branch/main/",
            )),
        ),
        (
            "https://gitea.example.org/commune/outil",
            "dev",
            Some((
                "https://gitea.example.org/commune/outil/src/branch/dev/",
                "https://gitea.example.org/commune/outil/raw/branch/dev/",
            )),
        ),
        (
            "https://forge.example.org/commune/outil",
            "main",
            Some((
                "https://forge.example.org/commune/outil/-/blob/main/",
                "https://forge.example.org/commune/outil/-/raw/main/",
            )),
        ),
        ("/srv/git/openelec", "main", None),
        ("file:///srv/git/openelec", "main", None),
        ("git@github.com:o/r.git", "main", None),
        ("ssh://git@github.com/o/r.git", "main", None),
        ("https://github.com/", "main", None),
        ("https://github.com/o", "main", None),
        ("", "main", None),
    ];
    for (url, branch, expected) in cases {
        let base = LinkBase::for_repository(url, branch);
        let base = base
            .as_ref()
            .map(|base| (base.blob.as_str(), base.raw.as_str()));
        assert_eq!(base, *expected, "{url} {branch}");
    }
}

#[test]
fn edge_inputs_render_safely() {
    // Nesting is kept moderate: html5ever's tree builder is quadratic in depth (see the
    // note on `markdown::render`), a full-size nested README takes minutes in a debug build.
    let deep_html = "<div>".repeat(1000);
    let deep_quote = "> ".repeat(1000);
    let deep_list = "- ".repeat(MAX_README_BYTES / 2);
    let inputs = [
        "",
        "<img",
        "<img src=",
        "<",
        "&",
        "&#xD800; &#99999999; &#x;",
        "[a](#) [b](/) [c](..) [d](?q) [e](//evil.example/x) [f](<>)",
        "![](../../../../etc/passwd)",
        "# \n#\n",
        deep_html.as_str(),
        deep_quote.as_str(),
        deep_list.as_str(),
    ];
    for input in inputs {
        for links in [Some(github()), None] {
            let rendered = render_readme("README.md", input.as_bytes(), links.as_ref());
            assert!(!rendered.html.to_lowercase().contains("<script"));
            assert!(rendered.text.len() <= MAX_TEXT_BYTES);
        }
    }
    let html = render_readme(
        "README.md",
        b"[c](..) [e](//evil.example/x) ![p](../../etc/passwd)",
        Some(&github()),
    )
    .html;
    assert!(
        html.contains(r#"<a rel="noopener noreferrer nofollow">c</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"href="https://evil.example/x""#), "{html}");
    assert!(
        html.contains(r#"src="https://github.com/openmairie/openelec/raw/master/etc/passwd""#),
        "{html}"
    );
}

#[test]
fn deeply_nested_html_is_shown_as_text_quickly() {
    let started = std::time::Instant::now();
    let nested = format!(
        "# Piège\n\n{}texte{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let rendered = render_readme("README.md", nested.as_bytes(), None);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(rendered.html.contains("trop de balises imbriquées"));
    assert!(rendered.html.contains("&lt;div&gt;"));
    assert!(!rendered.html.contains("<div>"));
    let quotes = format!("{}citation", ">".repeat(5_000));
    let rendered = render_readme("README.md", quotes.as_bytes(), None);
    assert!(rendered.html.starts_with("<p><em>"));
}
