//! Accounts: creating them (sign-up, or an administrator at the command line), signing in
//! and out with rate limits, changing a password, and API tokens.

use serde_json::json;

use super::{Actor, AppError, AppResult, Channel, Domain};
use crate::model::{ApiToken, AuditAction, Entity, NewUser, Scope, User};
use crate::store::{LASTING_ATTEMPT_DAYS, LASTING_ATTEMPT_PREFIX};
use crate::{auth, validation};

/// Failed sign-ins tolerated in [`WINDOW_MINUTES`]: strictly per account and address, more
/// loosely per account and per address. The two loose limits do not apply from an address
/// the account signed in from before (in [`LASTING_ATTEMPT_DAYS`]), so that strangers
/// cannot lock a user out of their usual places.
const MAX_FAILURES_PER_PAIR: i64 = 5;
const MAX_FAILURES_PER_IP: i64 = 20;
const MAX_FAILURES_PER_ACCOUNT: i64 = 30;
const WINDOW_MINUTES: i64 = 15;
/// Wrong current passwords tolerated per account in [`WINDOW_MINUTES`] when changing it.
const MAX_PASSWORD_CHECKS_PER_ACCOUNT: i64 = 5;
/// Sign-ups tolerated per address per hour.
const MAX_SIGNUPS_PER_IP: i64 = 5;
/// How long a browser session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub password: String,
    pub is_admin: bool,
    pub is_moderator: bool,
}

/// A session just opened: the token goes into the visitor's cookie, never into the database.
#[derive(Debug)]
pub struct OpenedSession {
    pub user: User,
    pub token: String,
}

/// A token just made: shown once to its owner.
#[derive(Debug)]
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
}

impl Domain {
    /// Checks and creates an account: from the command line (any roles) or by signing up
    /// (no roles, rate-limited per address). Administrators are moderators too.
    pub async fn create_account(&self, actor: &Actor, account: NewAccount) -> AppResult<User> {
        let signing_up = actor.channel != Channel::CommandLine;
        if signing_up {
            if account.is_admin || account.is_moderator {
                return Err(AppError::forbidden(
                    "les rôles se donnent en ligne de commande, sur le serveur",
                ));
            }
            let ip_key = format!("signup-ip:{}", address_key(actor));
            if self.over_limit(&[(&ip_key, MAX_SIGNUPS_PER_IP)], 60).await {
                return Err(AppError::TooManyAttempts);
            }
            self.store
                .record_attempt(&ip_key, chrono::Utc::now())
                .await?;
        }
        let email = validation::email_address(&account.email).map_err(refused_field)?;
        let name = validation::account_name(&account.name).map_err(refused_field)?;
        let password_hash = hash_password(account.password).await?;
        let is_moderator = account.is_admin || account.is_moderator;
        let (action, details) = if signing_up {
            (AuditAction::UserSignup, None)
        } else {
            let roles = json!({"admin": account.is_admin, "moderator": is_moderator});
            (AuditAction::UserCreate, Some(roles))
        };
        let audit = actor.audit(action, &email, details);
        let new = NewUser {
            email,
            name,
            password_hash,
            is_admin: account.is_admin,
            is_moderator,
            // An administrator vouches for the accounts made on the server; a sign-up
            // proves its address by following the link sent to it.
            email_confirmed_at: (!signing_up).then(chrono::Utc::now),
        };
        let user = self.store.create_user(new, &audit).await?;
        if signing_up && let Err(error) = self.send_confirmation(&user, &user.email).await {
            // The account exists; its owner asks for a new link from the account page.
            tracing::error!(%error, "confirmation link not queued");
        }
        Ok(user)
    }

    /// Signs in with an address and a password; opens a session, replacing `replaced` (the
    /// digest of the session the browser had, so that no session is fixed).
    pub async fn sign_in(
        &self,
        actor: &Actor,
        email: &str,
        password: &str,
        replaced: Option<&str>,
    ) -> AppResult<OpenedSession> {
        let email = email.trim().to_lowercase();
        let address = address_key(actor);
        let ip_key = format!("signin-ip:{address}");
        let pair_key = format!("signin-pair:{email}:{address}");
        let account_key = format!("signin-account:{email}");
        let known_key = format!("{LASTING_ATTEMPT_PREFIX}{email}:{address}");
        // At least one successful sign-in from here for this account.
        let known_address = self
            .over_limit(&[(&known_key, 1)], LASTING_ATTEMPT_DAYS * 24 * 60)
            .await;
        let mut limits = vec![(pair_key.as_str(), MAX_FAILURES_PER_PAIR)];
        if !known_address {
            limits.push((ip_key.as_str(), MAX_FAILURES_PER_IP));
            limits.push((account_key.as_str(), MAX_FAILURES_PER_ACCOUNT));
        }
        if self.over_limit(&limits, WINDOW_MINUTES).await {
            return Err(AppError::TooManyAttempts);
        }
        let user = self.store.user_by_email(&email).await?;
        // A hash is checked even for an unknown address, so that timing tells nothing.
        let stored = match &user {
            Some(user) => user.password_hash.clone(),
            None => decoy_hash().await,
        };
        let valid = auth::verify_password_off_executor(password.to_string(), stored).await;
        let Some(user) = user.filter(|_| valid) else {
            let now = chrono::Utc::now();
            for key in [&ip_key, &pair_key, &account_key] {
                if let Err(error) = self.store.record_attempt(key, now).await {
                    tracing::warn!(%error, "cannot record a failed sign-in");
                }
            }
            return Err(AppError::Unauthorised {
                code: "invalid_credentials",
                message: "adresse e-mail ou mot de passe incorrect".into(),
            });
        };
        if let Err(error) = self
            .store
            .record_attempt(&known_key, chrono::Utc::now())
            .await
        {
            tracing::warn!(%error, "cannot remember a sign-in's address");
        }
        let signed_in = actor.clone().signed_in_as(user.clone());
        let audit = signed_in.audit(AuditAction::UserSignin, &user.email, None);
        let token = self.open_session(&user, replaced, Some(&audit)).await?;
        Ok(OpenedSession { user, token })
    }

    /// Opens a session for a user who just proved who they are (signed in or signed up).
    pub async fn open_session(
        &self,
        user: &User,
        replaced: Option<&str>,
        audit: Option<&crate::model::Audit>,
    ) -> AppResult<String> {
        if let Some(old) = replaced
            && let Err(error) = self.store.delete_session(old, None).await
        {
            tracing::warn!(%error, "cannot end the replaced session");
        }
        let token = auth::new_token().map_err(internal)?;
        let expires = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
        self.store
            .create_session(&auth::token_digest(&token), user.id, expires, audit)
            .await?;
        Ok(token)
    }

    /// Ends the session whose token digest this is.
    pub async fn sign_out(&self, actor: &Actor, session: &str) -> AppResult<()> {
        let audit = actor
            .user
            .as_ref()
            .map(|user| actor.audit(AuditAction::UserSignout, &user.email, None));
        Ok(self.store.delete_session(session, audit.as_ref()).await?)
    }

    /// Changes the actor's password after checking the current one; every session but
    /// `keep_session` (a digest) ends.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        keep_session: Option<&str>,
    ) -> AppResult<()> {
        let user = actor.user()?;
        // A stolen session must not lead to the account: guesses are limited per account.
        let key = format!("password-account:{}", user.id);
        let limit = [(key.as_str(), MAX_PASSWORD_CHECKS_PER_ACCOUNT)];
        if self.over_limit(&limit, WINDOW_MINUTES).await {
            return Err(AppError::TooManyAttempts);
        }
        if !auth::verify_password_off_executor(current.to_string(), user.password_hash.clone())
            .await
        {
            self.store.record_attempt(&key, chrono::Utc::now()).await?;
            return Err(AppError::invalid(
                "current_password",
                "le mot de passe actuel est incorrect",
            ));
        }
        let hash = hash_password(new.to_string())
            .await
            .map_err(|error| match error {
                AppError::Invalid(mut fields) => {
                    for field in &mut fields {
                        field.field = "new_password";
                    }
                    AppError::Invalid(fields)
                }
                other => other,
            })?;
        let audit = actor.audit(AuditAction::UserPassword, &user.email, None);
        Ok(self
            .store
            .set_password(user.id, &hash, keep_session, &audit)
            .await?)
    }

    /// A new API token for `owner`: the actor's own from the browser (never `admin`), anyone's
    /// from the command line.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: &User,
        label: &str,
        expires_in_days: Option<u32>,
        scopes: &[Scope],
    ) -> AppResult<IssuedToken> {
        self.may_manage_tokens(actor, owner)?;
        if actor.channel != Channel::CommandLine && scopes.contains(&Scope::Admin) {
            return Err(AppError::forbidden(
                "les jetons « admin » se créent en ligne de commande, sur le serveur",
            ));
        }
        if scopes.is_empty() {
            return Err(AppError::invalid("scopes", "choisissez au moins un droit"));
        }
        let token = auth::new_token().map_err(internal)?;
        let expires_at = expires_in_days
            .map(|days| chrono::Utc::now() + chrono::Duration::days(i64::from(days)));
        let details = json!({"label": label, "scopes": scopes});
        let audit = actor.audit(AuditAction::TokenCreate, &owner.email, Some(details));
        let id = self
            .store
            .create_token(
                owner.id,
                &auth::token_digest(&token),
                label,
                scopes,
                expires_at,
                &audit,
            )
            .await?;
        Ok(IssuedToken { id, token })
    }

    /// A user's tokens, newest first (never their secret).
    pub async fn tokens(&self, actor: &Actor, owner: &User) -> AppResult<Vec<ApiToken>> {
        self.may_manage_tokens(actor, owner)?;
        Ok(self.store.list_tokens(owner.id).await?)
    }

    /// Revokes one of `owner`'s tokens; false when they have no such live token.
    pub async fn revoke_token(&self, actor: &Actor, owner: &User, id: i64) -> AppResult<bool> {
        self.may_manage_tokens(actor, owner)?;
        let audit = actor.audit(
            AuditAction::TokenRevoke,
            &owner.email,
            Some(json!({"token": id})),
        );
        Ok(self.store.revoke_token(owner.id, id, &audit).await?)
    }

    /// The account with this e-mail address.
    pub async fn account(&self, email: &str) -> AppResult<User> {
        let email = email.trim().to_lowercase();
        self.store.user_by_email(&email).await?.ok_or_else(|| {
            AppError::not_found(
                Entity::User,
                format!("aucun compte pour « {} »", super::shorten(&email)),
            )
        })
    }

    fn may_manage_tokens(&self, actor: &Actor, owner: &User) -> AppResult<()> {
        let own = actor.user.as_ref().is_some_and(|u| u.id == owner.id);
        if own || actor.channel == Channel::CommandLine {
            Ok(())
        } else {
            Err(AppError::forbidden("ce ne sont pas vos jetons"))
        }
    }

    /// Whether any of these keys went over its limit since `minutes` ago.
    async fn over_limit(&self, limits: &[(&str, i64)], minutes: i64) -> bool {
        let since = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        for (key, max) in limits {
            match self.store.count_attempts(key, since).await {
                Ok(count) if count >= *max => return true,
                Ok(_) => {}
                // A database error does not lock people out.
                Err(error) => tracing::warn!(%error, "cannot count attempts"),
            }
        }
        false
    }
}

/// Scopes by their names, as the command line and forms give them.
pub fn scopes_named(names: &[String]) -> AppResult<Vec<Scope>> {
    names
        .iter()
        .map(|name| {
            Scope::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                AppError::invalid(
                    "scopes",
                    format!(
                        "portée inconnue « {} » : choisissez parmi {}",
                        super::shorten(name),
                        known.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// An e-mail address as accounts keep it (trimmed, lower-cased), or why it is refused.
pub fn checked_email(email: &str) -> AppResult<String> {
    validation::email_address(email).map_err(refused_field)
}

/// Hashes a password on a blocking thread; a password that breaks the rules is a field error.
async fn hash_password(password: String) -> AppResult<String> {
    match auth::hash_password_off_executor(password).await {
        Ok(hash) => Ok(hash),
        Err(error @ (auth::SecretError::PasswordTooShort | auth::SecretError::PasswordTooLong)) => {
            Err(AppError::invalid("password", error.to_string()))
        }
        Err(error) => Err(internal(error)),
    }
}

/// The hash checked for an address that has no account.
async fn decoy_hash() -> String {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            auth::hash_password_off_executor("civiforge-decoy-password".into())
                .await
                .unwrap_or_default()
        })
        .await
        .clone()
}

/// The actor's address as a rate-limit key.
fn address_key(actor: &Actor) -> String {
    actor
        .ip
        .map_or_else(|| "inconnue".to_string(), |ip| ip.to_string())
}

fn refused_field(error: validation::FieldError) -> AppError {
    AppError::Invalid(vec![error])
}

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "secret generation failed");
    AppError::Internal
}
