//! Pages read as a user (or a screen reader) reads them, with CSS selectors: a field's
//! error beside its field, a form's action and anti-forgery token, a table's rows, a link's
//! target. Plain sentences are still checked with `contains`.

use scraper::{ElementRef, Html, Selector};

/// A parsed HTML page.
pub struct Page {
    html: Html,
    source: String,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|error| panic!("bad selector {css:?}: {error:?}"))
}

/// An element's text as it reads: entities decoded, white space collapsed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn form_selector(action: &str) -> String {
    format!("form[method=post][action=\"{action}\"]")
}

/// The value of a form's hidden field.
pub fn hidden(form: ElementRef<'_>, name: &str) -> Option<String> {
    form.select(&selector(&format!("input[type=hidden][name=\"{name}\"]")))
        .next()
        .and_then(|input| input.attr("value"))
        .map(str::to_string)
}

impl Page {
    pub fn parse(text: &str) -> Page {
        Page {
            html: Html::parse_document(text),
            source: text.to_string(),
        }
    }

    /// The start of the page, for failure messages.
    fn excerpt(&self) -> &str {
        let end = self
            .source
            .char_indices()
            .nth(3000)
            .map_or(self.source.len(), |(i, _)| i);
        &self.source[..end]
    }

    /// Every element that matches.
    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&selector(css)).collect()
    }

    pub fn has(&self, css: &str) -> bool {
        !self.all(css).is_empty()
    }

    /// The one element that matches; fails if there is none or several.
    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.all(css);
        assert_eq!(
            found.len(),
            1,
            "{css}: {} elements instead of one in\n{}",
            found.len(),
            self.excerpt()
        );
        found[0]
    }

    /// The text of the one element that matches.
    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    /// The texts of every element that matches, in page order.
    pub fn texts(&self, css: &str) -> Vec<String> {
        self.all(css).into_iter().map(text_of).collect()
    }

    /// An attribute of the one element that matches; fails if it is missing.
    pub fn attr(&self, css: &str, name: &str) -> String {
        self.one(css)
            .attr(name)
            .unwrap_or_else(|| panic!("{css} has no {name} attribute"))
            .to_string()
    }

    /// The rows of the body of the one table that matches, as the texts of their cells.
    pub fn rows(&self, table: &str) -> Vec<Vec<String>> {
        let cell = selector("td, th");
        self.one(table)
            .select(&selector("tbody tr"))
            .map(|row| row.select(&cell).map(text_of).collect())
            .collect()
    }

    /// The one form that posts to `action`.
    pub fn form(&self, action: &str) -> ElementRef<'_> {
        self.one(&form_selector(action))
    }

    /// Every form that posts to `action` (a row's several buttons, say).
    pub fn forms(&self, action: &str) -> Vec<ElementRef<'_>> {
        self.all(&form_selector(action))
    }

    /// There is a form posting to `action`, and each such form carries the anti-forgery
    /// token in a hidden field.
    pub fn assert_form_token(&self, action: &str, csrf: &str) {
        let forms = self.forms(action);
        assert!(!forms.is_empty(), "no form posts to {action}");
        for form in forms {
            assert_eq!(
                hidden(form, "csrf").as_deref(),
                Some(csrf),
                "the form to {action} and its token"
            );
        }
    }

    /// `field`'s error says `message` and sits beside the field: in the same `.field`
    /// block, and (for a single control) named by its `aria-describedby`, the control
    /// marked invalid. The summary at the top of the form links to the field.
    pub fn assert_field_error(&self, field: &str, message: &str) {
        let control_id = format!("champ-{field}");
        let error_id = format!("erreur-{field}");
        let error = self.one(&format!("#{error_id}"));
        assert!(
            text_of(error).contains(message),
            "{field}: {:?} does not say {message:?}",
            text_of(error)
        );
        let control = selector(&format!("#{control_id}"));
        let error_selector = selector(&format!("#{error_id}"));
        let blocks: Vec<ElementRef<'_>> = self
            .all(".field")
            .into_iter()
            .filter(|block| control.matches(block) || block.select(&control).next().is_some())
            .collect();
        assert_eq!(
            blocks.len(),
            1,
            "{field}: one .field block holds the control"
        );
        assert!(
            blocks[0].select(&error_selector).next().is_some(),
            "{field}: the error is not in the field's block:\n{}",
            blocks[0].html()
        );
        let control = self.one(&format!("#{control_id}"));
        if matches!(control.value().name(), "input" | "select" | "textarea") {
            assert_eq!(control.attr("aria-invalid"), Some("true"), "{field}");
            assert!(
                control
                    .attr("aria-describedby")
                    .is_some_and(|ids| ids.split_whitespace().any(|id| id == error_id)),
                "{field}: aria-describedby does not name the error: {}",
                control.html()
            );
        }
        assert!(
            self.has(&format!(".error-summary a[href=\"#{control_id}\"]")),
            "{field}: the summary links to the field"
        );
    }

    /// No field of the page shows an error.
    pub fn assert_no_field_error(&self) {
        assert_eq!(self.texts(".field-error"), Vec::<String>::new());
    }
}
