//! The messages civiforge sends, in French, as plain text and HTML.

use crate::model::OutgoingMail;
use crate::search::engine::escape_html;

/// The link that proves an address, at sign-up or for a new address.
pub fn confirm_address(recipient: &str, name: &str, link: &str, hours: i64) -> OutgoingMail {
    let intro = "Pour confirmer que cette adresse est la vôtre sur civiforge, ouvrez ce lien";
    let outro = "Tant qu'elle n'est pas confirmée, votre adresse ne permet pas d'agir au nom \
                 d'une organisation. Si vous n'avez rien demandé, ignorez ce message.";
    message(
        recipient,
        "Confirmez votre adresse e-mail",
        name,
        &format!("{intro} (valable {hours} heures) :"),
        link,
        outro,
    )
}

/// The link that sets a new password.
pub fn reset_password(recipient: &str, name: &str, link: &str, minutes: i64) -> OutgoingMail {
    message(
        recipient,
        "Réinitialisation de votre mot de passe",
        name,
        &format!(
            "Pour choisir un nouveau mot de passe civiforge, ouvrez ce lien (valable {minutes} minutes) :"
        ),
        link,
        "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.",
    )
}

fn message(
    recipient: &str,
    subject: &str,
    name: &str,
    intro: &str,
    link: &str,
    outro: &str,
) -> OutgoingMail {
    let text_body = format!(
        "Bonjour {name},\n\n{intro}\n\n{link}\n\n{outro}\n\n-- \nciviforge, le catalogue des logiciels libres des collectivités\n"
    );
    let html_body = format!(
        "<!doctype html><html lang=\"fr\"><body><p>Bonjour {},</p><p>{}</p><p><a href=\"{}\">{}</a></p><p>{}</p><p>— civiforge, le catalogue des logiciels libres des collectivités</p></body></html>",
        escape_html(name),
        escape_html(intro),
        escape_html(link),
        escape_html(link),
        escape_html(outro),
    );
    OutgoingMail {
        recipient: recipient.to_string(),
        subject: subject.to_string(),
        text_body,
        html_body,
    }
}
