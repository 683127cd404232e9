//! Secrets: passwords hashed with Argon2id, API tokens random and stored only as a SHA-256
//! digest (they carry 256 bits of entropy, so a slow hash would add nothing).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// Prefix of every token, so that leaked tokens are recognisable by secret scanners.
pub const TOKEN_PREFIX: &str = "cvf_";

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted: Argon2 cost does not depend on it, but requests must stay small.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a secret could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("le mot de passe doit contenir au moins {MIN_PASSWORD_CHARS} caractères")]
    PasswordTooShort,
    #[error("le mot de passe ne doit pas dépasser {MAX_PASSWORD_BYTES} octets")]
    PasswordTooLong,
    #[error("le générateur aléatoire du système ne répond pas : {0}")]
    Random(String),
    #[error("échec du hachage du mot de passe : {0}")]
    Hash(String),
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`) with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(SecretError::PasswordTooShort);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(SecretError::PasswordTooLong);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether a password matches a stored PHC string; a malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// [`hash_password`] on a blocking thread: Argon2 takes tens of milliseconds of CPU, which
/// must not stall the requests sharing the async executor.
pub async fn hash_password_off_executor(password: String) -> Result<String, SecretError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| SecretError::Hash(e.to_string()))?
}

/// [`verify_password`] on a blocking thread, for the same reason.
pub async fn verify_password_off_executor(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

/// A new API token: shown once to its owner, then only its digest is kept.
pub fn new_token() -> Result<String, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex::encode(bytes)))
}

/// The digest under which a token is stored and looked up.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_off_the_executor_gives_the_same_answers() {
        let hash = hash_password_off_executor("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_off_executor("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password_off_executor("correct horse batterie".into(), hash.clone()).await);
        assert!(!verify_password_off_executor("anything".into(), "not a phc string".into()).await);
        assert!(matches!(
            hash_password_off_executor("court".into()).await,
            Err(SecretError::PasswordTooShort)
        ));
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterie", &hash));
        assert!(!verify_password("anything", "not a phc string"));
        assert!(matches!(
            hash_password("court"),
            Err(SecretError::PasswordTooShort)
        ));
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let a = new_token().expect("token");
        let b = new_token().expect("token");
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        let digest = token_digest(&a);
        assert_eq!(digest.len(), 64);
        assert!(!digest.contains(&a[TOKEN_PREFIX.len()..]));
        assert_eq!(digest, token_digest(&a));
    }
}
