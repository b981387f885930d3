//! Where an attachment's bytes live: `<id>` (the original) and `<id>.thumb` in
//! `Config.attachments_dir`.

use std::path::{Path, PathBuf};

pub fn original_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(id)
}

pub fn thumb_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.thumb"))
}

pub fn write_files(dir: &Path, id: &str, original: &[u8], thumb: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let written = std::fs::write(original_path(dir, id), original)
        .and_then(|()| std::fs::write(thumb_path(dir, id), thumb));
    if written.is_err() {
        remove_files(dir, id);
    }
    written
}

/// Removes both files; one already gone (a crash between the two) is not an error.
pub fn remove_files(dir: &Path, id: &str) {
    for path in [original_path(dir, id), thumb_path(dir, id)] {
        if let Err(e) = std::fs::remove_file(&path) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!("removing {path:?}: {e}");
            }
        }
    }
}
