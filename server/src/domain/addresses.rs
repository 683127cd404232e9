//! Proven e-mail addresses: a link sent to the address at sign-up (or for a new address)
//! proves it; until then the address vouches for nothing (no claim verified by its domain).
//! Passwords are reset the same way, by a link, with the same answer whether the address has
//! an account or not.

use super::{Actor, AppError, AppResult, Domain};
use crate::auth;
use crate::mail::messages;
use crate::model::{AuditAction, EmailPurpose, User};

/// How long a confirmation link works.
const CONFIRM_HOURS: i64 = 48;
/// How long a password-reset link works.
const RESET_MINUTES: i64 = 60;
/// Reset requests tolerated per hour, per address asked for and per client address.
const MAX_RESETS_PER_EMAIL: i64 = 3;
const MAX_RESETS_PER_IP: i64 = 10;

impl Domain {
    /// Sends `user` a link that proves `email` (their address, or the one they want instead).
    pub async fn send_confirmation(&self, user: &User, email: &str) -> AppResult<()> {
        let token = auth::new_token().map_err(|_| AppError::Internal)?;
        let expires = chrono::Utc::now() + chrono::Duration::hours(CONFIRM_HOURS);
        self.store
            .create_email_token(
                user.id,
                EmailPurpose::ConfirmEmail,
                &auth::token_digest(&token),
                email,
                expires,
            )
            .await?;
        let link = format!("{}/confirmer-adresse?jeton={token}", self.public_url);
        let mail = messages::confirm_address(email, &user.name, &link, CONFIRM_HOURS);
        self.store.enqueue_mail(&mail, chrono::Utc::now()).await?;
        Ok(())
    }

    /// Sends the signed-in user a new link for their unproven address.
    pub async fn resend_confirmation(&self, actor: &Actor) -> AppResult<()> {
        let user = actor.user()?;
        if user.email_confirmed_at.is_some() {
            return Ok(());
        }
        self.send_confirmation(user, &user.email).await
    }

    /// The signed-in user asks to use another address: it becomes theirs when they follow
    /// the link sent to it.
    pub async fn change_email(&self, actor: &Actor, email: &str) -> AppResult<String> {
        let user = actor.user()?;
        let email = super::accounts::checked_email(email)?;
        if self.store.user_by_email(&email).await?.is_some() {
            return Err(AppError::Conflict(crate::store::Conflict::Email));
        }
        self.send_confirmation(user, &email).await?;
        Ok(email)
    }

    /// Follows a confirmation link: the address it was sent to is the account's, proven.
    pub async fn confirm_email(&self, actor: &Actor, token: &str) -> AppResult<User> {
        let digest = auth::token_digest(token);
        let now = chrono::Utc::now();
        let Some(user) = self
            .store
            .email_token_user(&digest, EmailPurpose::ConfirmEmail, now)
            .await?
        else {
            return Err(expired_link());
        };
        let audit = actor.clone().signed_in_as(user.clone()).audit(
            AuditAction::UserEmailConfirm,
            &user.email,
            None,
        );
        let Some(used) = self.store.confirm_email(&digest, now, &audit).await? else {
            return Err(expired_link());
        };
        Ok(User {
            email: used.email,
            email_confirmed_at: Some(now),
            ..user
        })
    }

    /// Sends a reset link when the address has an account; says the same either way, so
    /// that nobody learns who has one.
    pub async fn request_password_reset(&self, actor: &Actor, email: &str) -> AppResult<()> {
        let email = email.trim().to_lowercase();
        let ip = actor
            .ip
            .map_or_else(|| "inconnue".to_string(), |ip| ip.to_string());
        let (ip_key, email_key) = (format!("reset-ip:{ip}"), format!("reset-email:{email}"));
        let since = chrono::Utc::now() - chrono::Duration::hours(1);
        if self.store.count_attempts(&ip_key, since).await? >= MAX_RESETS_PER_IP
            || self.store.count_attempts(&email_key, since).await? >= MAX_RESETS_PER_EMAIL
        {
            return Err(AppError::TooManyAttempts);
        }
        let now = chrono::Utc::now();
        self.store.record_attempt(&ip_key, now).await?;
        self.store.record_attempt(&email_key, now).await?;
        let Some(user) = self.store.user_by_email(&email).await? else {
            tracing::info!("password reset asked for an address without an account");
            return Ok(());
        };
        let token = auth::new_token().map_err(|_| AppError::Internal)?;
        self.store
            .create_email_token(
                user.id,
                EmailPurpose::ResetPassword,
                &auth::token_digest(&token),
                &user.email,
                now + chrono::Duration::minutes(RESET_MINUTES),
            )
            .await?;
        let link = format!(
            "{}/reinitialiser-mot-de-passe?jeton={token}",
            self.public_url
        );
        let mail = messages::reset_password(&user.email, &user.name, &link, RESET_MINUTES);
        self.store.enqueue_mail(&mail, now).await?;
        Ok(())
    }

    /// Whether a reset link still works (for the form that follows it).
    pub async fn reset_link_works(&self, token: &str) -> AppResult<bool> {
        Ok(self
            .store
            .email_token_user(
                &auth::token_digest(token),
                EmailPurpose::ResetPassword,
                chrono::Utc::now(),
            )
            .await?
            .is_some())
    }

    /// Follows a reset link with the new password; every session of the account ends.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        token: &str,
        password: &str,
    ) -> AppResult<()> {
        let digest = auth::token_digest(token);
        let now = chrono::Utc::now();
        let Some(user) = self
            .store
            .email_token_user(&digest, EmailPurpose::ResetPassword, now)
            .await?
        else {
            return Err(expired_link());
        };
        let hash = auth::hash_password_off_executor(password.to_string())
            .await
            .map_err(|error| match error {
                auth::SecretError::PasswordTooShort | auth::SecretError::PasswordTooLong => {
                    AppError::invalid("password", error.to_string())
                }
                _ => AppError::Internal,
            })?;
        let audit = actor.clone().signed_in_as(user.clone()).audit(
            AuditAction::UserPasswordReset,
            &user.email,
            None,
        );
        match self
            .store
            .reset_password(&digest, &hash, now, &audit)
            .await?
        {
            Some(_) => Ok(()),
            None => Err(expired_link()),
        }
    }
}

fn expired_link() -> AppError {
    AppError::refused(
        "invalid_link",
        "jeton",
        "ce lien n'est pas ou plus valable : il a déjà servi, ou il a expiré ; demandez-en un nouveau",
    )
}
