//! A [`Core`] on a fresh SQLite file, for unit tests that run commands without a server.

use std::sync::Arc;

use crate::app::Core;
use crate::store::Store;

/// Removed with its database when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn db(&self) -> std::path::PathBuf {
        self.0.join("db.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A core on the database in `dir`, as a server starting on that file has it.
pub fn core_on(dir: &TempDir) -> Core {
    let store = Store::open(&dir.db()).unwrap();
    let config = crate::Config::new("127.0.0.1:0".parse().unwrap(), dir.db());
    Core::new(store, Arc::new(config))
}

/// A core on a new database in a folder of its own (`name` tells tests' folders apart).
pub fn core(name: &str) -> (Core, TempDir) {
    let dir = TempDir(std::env::temp_dir().join(format!(
        "messenger-{name}-{}-{}",
        std::process::id(),
        crate::auth::random_hex().unwrap()
    )));
    std::fs::create_dir_all(&dir.0).unwrap();
    (core_on(&dir), dir)
}
