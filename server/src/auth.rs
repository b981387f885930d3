//! Password hashing and session tokens.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// 128 bits: enough that tokens and salts cannot be guessed or collide.
const RANDOM_BYTES: usize = 16;

/// A fresh random value, hex encoded. Used for session tokens, token ids and the epoch.
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// A new argon2id hash of `password` (default parameters), as a PHC string that carries its
/// own salt and parameters.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut salt).map_err(|e| PasswordError(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// What a user row holds for its password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredPassword {
    /// Created from a portal token: password login is refused.
    None,
    /// An argon2id PHC string.
    Argon2(String),
    /// Salted SHA-256 from before argon2id, hex; replaced at the next good login.
    LegacySha256 { salt: String, hash: String },
}

impl StoredPassword {
    /// Reads the `password_salt` and `password_hash` columns.
    pub fn from_columns(salt: String, hash: String) -> StoredPassword {
        if hash.is_empty() {
            StoredPassword::None
        } else if salt.is_empty() {
            StoredPassword::Argon2(hash)
        } else {
            StoredPassword::LegacySha256 { salt, hash }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    Wrong,
    Right,
    /// Right, and this argon2id hash should replace the stored one.
    RightRehashed(String),
}

#[derive(Debug)]
pub struct PasswordError(String);

impl std::fmt::Display for PasswordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "password hashing: {}", self.0)
    }
}

impl std::error::Error for PasswordError {}

/// Checks `password`; slow by design (argon2id), so callers run it off the async threads
/// and outside the server lock. `None` (unknown user) costs the same as a real check, so
/// the answer's timing does not tell which names exist.
pub fn verify_password(
    stored: Option<&StoredPassword>,
    password: &str,
) -> Result<Verified, PasswordError> {
    let argon2_matches = |phc: &str| -> Result<bool, PasswordError> {
        let parsed = PasswordHash::new(phc).map_err(|e| PasswordError(e.to_string()))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    };
    match stored {
        None | Some(StoredPassword::None) => {
            argon2_matches(dummy_hash()?)?;
            Ok(Verified::Wrong)
        }
        Some(StoredPassword::Argon2(phc)) => Ok(if argon2_matches(phc)? {
            Verified::Right
        } else {
            Verified::Wrong
        }),
        Some(StoredPassword::LegacySha256 { salt, hash }) => {
            if constant_time_eq(&legacy_sha256(salt, password), hash) {
                Ok(Verified::RightRehashed(hash_password(password)?))
            } else {
                Ok(Verified::Wrong)
            }
        }
    }
}

/// A hash of nothing anyone types, made once, to spend an argon2 check on unknown names.
fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    let hash = hash_password(&random_hex().map_err(|e| PasswordError(e.to_string()))?)?;
    Ok(DUMMY.get_or_init(|| hash))
}

/// The salted SHA-256 the server stored before argon2id: kept only to verify old rows once.
pub fn legacy_sha256(salt: &str, password: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0u8]);
    hasher.update(password.as_bytes());
    hex(&hasher.finalize())
}

/// Only the digest of a token is stored, so a copy of the database file grants no sessions.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares in time independent of where the inputs first differ, so response timing does
/// not leak how much of a password hash matched.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_hex_is_128_bits_and_differs_between_calls() {
        let a = random_hex().unwrap();
        let b = random_hex().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn argon2id_hashes_verify_and_differ_by_salt() {
        let h = hash_password("demo").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert_ne!(h, hash_password("demo").unwrap());
        let stored = StoredPassword::from_columns(String::new(), h);
        assert_eq!(
            verify_password(Some(&stored), "demo").unwrap(),
            Verified::Right
        );
        assert_eq!(
            verify_password(Some(&stored), "Demo").unwrap(),
            Verified::Wrong
        );
    }

    #[test]
    fn legacy_rows_verify_once_with_a_new_hash_and_empty_ones_never() {
        let old = StoredPassword::from_columns("salt".into(), legacy_sha256("salt", "demo"));
        assert!(matches!(old, StoredPassword::LegacySha256 { .. }));
        match verify_password(Some(&old), "demo").unwrap() {
            Verified::RightRehashed(new) => assert!(new.starts_with("$argon2id$")),
            other => panic!("expected a rehash, got {other:?}"),
        }
        assert_eq!(verify_password(Some(&old), "x").unwrap(), Verified::Wrong);
        let none = StoredPassword::from_columns(String::new(), String::new());
        assert_eq!(none, StoredPassword::None);
        assert_eq!(verify_password(Some(&none), "").unwrap(), Verified::Wrong);
        assert_eq!(verify_password(None, "demo").unwrap(), Verified::Wrong);
        assert!(constant_time_eq("ab", "ab"));
        assert!(!constant_time_eq("ab", "abc"));
        assert!(!constant_time_eq("ab", "ac"));
    }
}
