//! Password hashing and session tokens.

use sha2::{Digest, Sha256};

/// 128 bits: enough that tokens and salts cannot be guessed or collide.
const RANDOM_BYTES: usize = 16;

/// A fresh random value, hex encoded. Used for session tokens, salts and the epoch.
pub fn random_hex() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// Salted SHA-256. A reference server with demo passwords does not need a slow KDF; a real
/// deployment takes identities from its portal instead of storing passwords at all.
pub fn hash_password(salt: &str, password: &str) -> String {
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
    fn password_hash_depends_on_salt_and_password() {
        let h = hash_password("salt", "demo");
        assert_eq!(h, hash_password("salt", "demo"));
        assert_ne!(h, hash_password("other", "demo"));
        assert_ne!(h, hash_password("salt", "demo2"));
        assert!(constant_time_eq(&h, &hash_password("salt", "demo")));
        assert!(!constant_time_eq(&h, &hash_password("salt", "x")));
        assert!(!constant_time_eq("ab", "abc"));
    }
}
