//! Seeding and fixtures for the benchmark and tests. Not an API: it may change any time.

use std::path::Path;

use messenger_protocol::{ConversationId, ConversationKind};

use crate::app::now_ms;
use crate::store::Store;

pub struct Seeded {
    /// One session token per user, in creation order.
    pub tokens: Vec<String>,
    /// Group conversations; user `i` is a member of `groups[i / group_size]`.
    pub groups: Vec<ConversationId>,
}

/// Creates `users` users (`user0`…, password `bench`) with a session each, split into
/// groups of `group_size`, in the database at `db` (created and migrated if needed). Run it
/// before `start` on the same file, with `seed_demo` off.
pub fn seed_users_in_groups(
    db: &Path,
    users: usize,
    group_size: usize,
) -> Result<Seeded, crate::Error> {
    seed(Store::open(db)?, users, group_size)
}

/// [`seed_users_in_groups`] into the PostgreSQL database at `url`.
pub fn seed_users_in_groups_postgres(
    url: &str,
    users: usize,
    group_size: usize,
) -> Result<Seeded, crate::Error> {
    seed(Store::open_postgres(url)?, users, group_size)
}

fn seed(store: Store, users: usize, group_size: usize) -> Result<Seeded, crate::Error> {
    let tx = store.transaction()?;
    let now = now_ms();
    let mut ids = Vec::with_capacity(users);
    let mut tokens = Vec::with_capacity(users);
    let hash = crate::auth::hash_password("bench")?;
    for i in 0..users {
        let id =
            store.create_user_hashed(&format!("user{i}"), &format!("User {i}"), None, &hash)?;
        tokens.push(store.create_session(id, now)?);
        ids.push(id);
    }
    let mut groups = Vec::new();
    for (n, members) in ids.chunks(group_size.max(1)).enumerate() {
        let title = format!("Group {n}");
        groups.push(store.create_conversation(
            ConversationKind::Group,
            Some(&title),
            None,
            members,
            now,
        )?);
    }
    tx.commit()?;
    Ok(Seeded { tokens, groups })
}

/// A valid 1×1 PNG whose header claims `width`×`height`, with the header's CRC fixed up so a
/// decoder's size check, not a checksum error, is what refuses it.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(1, 1)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("a 1x1 PNG encodes");
    // IHDR: width and height at bytes 16..24, its CRC (over type and data) at 29..33.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
