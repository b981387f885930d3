//! Password sign-in: argon2id hashes, the one-time upgrade of old SHA-256 rows, and
//! throttling of failed attempts.

mod common;

use common::{login_response, start_on, HttpResponse, TempDb};
use rusqlite::Connection;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn password_columns(db: &TempDb, username: &str) -> (String, String) {
    let conn = Connection::open(db.path()).unwrap();
    conn.query_row(
        "SELECT password_salt, password_hash FROM users WHERE username = ?1",
        [username],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn json(response: &HttpResponse) -> Value {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("JSON expected ({e}): {}", response.body))
}

#[tokio::test]
async fn demo_passwords_are_argon2id_and_old_sha256_rows_are_upgraded_on_login() {
    let db = TempDb::new("argon2");
    let server = start_on(&db, None).await;
    let (salt, hash) = password_columns(&db, "alice");
    assert_eq!(salt, "", "the PHC string carries its own salt");
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert_eq!(
        login_response(server.local_addr(), "alice", "demo")
            .await
            .status,
        200
    );
    server.shutdown().await.unwrap();

    // Bob's row as a server before argon2id wrote it: hex SHA-256 of salt, 0, password.
    let old_salt = "00112233445566778899aabbccddeeff";
    let mut digest = Sha256::new();
    digest.update(old_salt.as_bytes());
    digest.update([0u8]);
    digest.update(b"demo");
    let old_hash: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Connection::open(db.path())
        .unwrap()
        .execute(
            "UPDATE users SET password_salt = ?1, password_hash = ?2 WHERE username = 'bob'",
            [old_salt, &old_hash],
        )
        .unwrap();

    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    assert_eq!(login_response(addr, "bob", "wrong").await.status, 401);
    assert_eq!(
        password_columns(&db, "bob"),
        (old_salt.to_owned(), old_hash.clone()),
        "a wrong password changes nothing"
    );
    let ok = login_response(addr, "bob", "demo").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let (salt, hash) = password_columns(&db, "bob");
    assert_eq!(salt, "");
    assert!(hash.starts_with("$argon2id$"), "rehashed: {hash}");
    assert_eq!(login_response(addr, "bob", "demo").await.status, 200);
    assert_eq!(login_response(addr, "bob", "wrong").await.status, 401);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn five_failures_lock_one_name_and_leave_the_others_alone() {
    let db = TempDb::new("throttle-name");
    let server = start_on(&db, None).await;
    let addr = server.local_addr();

    for _ in 0..4 {
        assert_eq!(login_response(addr, "carol", "guess").await.status, 401);
    }
    for attempt in 1..=5 {
        let response = login_response(addr, "alice", "guess").await;
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    // The sixth is refused before the password is looked at: even the right one.
    let locked = login_response(addr, "alice", "demo").await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    let body = json(&locked);
    assert_eq!(body["code"], "too_many_attempts");
    let retry = body["retry_after_secs"].as_u64().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(
        locked
            .head
            .to_ascii_lowercase()
            .contains(&format!("retry-after: {retry}")),
        "{}",
        locked.head
    );

    // Bob is not Alice; his success does not wipe Carol's four failures.
    assert_eq!(login_response(addr, "bob", "demo").await.status, 200);
    assert_eq!(login_response(addr, "carol", "guess").await.status, 401);
    assert_eq!(login_response(addr, "carol", "demo").await.status, 429);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_success_clears_the_names_own_failures() {
    let db = TempDb::new("throttle-reset");
    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    for _ in 0..4 {
        assert_eq!(login_response(addr, "dave", "guess").await.status, 401);
    }
    assert_eq!(login_response(addr, "dave", "demo").await.status, 200);
    for _ in 0..4 {
        assert_eq!(login_response(addr, "dave", "guess").await.status, 401);
    }
    assert_eq!(login_response(addr, "dave", "demo").await.status, 200);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn twenty_failures_from_one_address_lock_every_name() {
    let db = TempDb::new("throttle-address");
    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    for i in 0..20 {
        let response = login_response(addr, &format!("nobody{i}"), "guess").await;
        assert_eq!(response.status, 401, "attempt {i}");
    }
    let locked = login_response(addr, "erin", "demo").await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(json(&locked)["code"], "too_many_attempts");
    server.shutdown().await.unwrap();
}
