//! Whether `dist/` already holds the release build of the current sources, so `cargo xtask
//! run`, `build` and the test stages skip trunk and wasm-opt (about 90 s of wasm-opt alone)
//! when nothing that goes into the widget changed.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Result;

/// Kept in `dist/`: the fingerprint on the first line, then every file the build wrote.
pub const FILE: &str = ".build-fingerprint";

/// Everything the release build reads, relative to the workspace root. xtask's own source is
/// in it: a change to the pipeline must rebuild.
const INPUTS: [&str; 14] = [
    "src",
    "style",
    "locales",
    "index.html",
    "loader",
    "Cargo.toml",
    "Cargo.lock",
    "Trunk.toml",
    "protocol",
    "vendor",
    ".cargo",
    "xtask/src",
    "xtask/Cargo.toml",
    "xtask/node/package-lock.json",
];

/// SHA-256 over the relative path and the bytes of every input file, in path order. A missing
/// input counts as empty, so removing one changes the fingerprint too.
pub fn of_inputs(root: &Path) -> Result<String> {
    let mut files = Vec::new();
    for input in INPUTS {
        collect(root, &root.join(input), &mut files)?;
    }
    files.sort();
    let mut hasher = Sha256::new();
    for rel in &files {
        let bytes = std::fs::read(root.join(rel))
            .map_err(|e| format!("cannot read {}: {e}", rel.display()))?;
        let name = rel.to_string_lossy();
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn collect(root: &Path, path: &Path, out: &mut Vec<PathBuf>) -> Result {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_file() {
        let rel = path.strip_prefix(root).map_err(|e| e.to_string())?;
        out.push(rel.to_path_buf());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    for entry in entries.flatten() {
        collect(root, &entry.path(), out)?;
    }
    Ok(())
}

/// True when `dist` was built from inputs with this fingerprint and still has all its files.
pub fn is_current(dist: &Path, fingerprint: &str) -> bool {
    let Ok(stored) = std::fs::read_to_string(dist.join(FILE)) else {
        return false;
    };
    let mut lines = stored.lines();
    if lines.next() != Some(fingerprint) {
        return false;
    }
    let mut files = lines.filter(|l| !l.is_empty()).peekable();
    files.peek().is_some() && files.all(|f| dist.join(f).is_file())
}

pub fn store(dist: &Path, fingerprint: &str, files: &[String]) -> Result {
    let mut text = format!("{fingerprint}\n");
    for f in files {
        text.push_str(f);
        text.push('\n');
    }
    std::fs::write(dist.join(FILE), text).map_err(|e| format!("cannot write {FILE}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = crate::target_dir()
            .join("xtask-tmp/fingerprint-test")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        dir
    }

    #[test]
    fn any_change_to_an_input_changes_the_fingerprint() {
        let root = scratch("inputs");
        std::fs::write(root.join("src/lib.rs"), "fn a() {}").unwrap();
        std::fs::write(root.join("Cargo.toml"), "[package]").unwrap();
        let first = of_inputs(&root).unwrap();
        assert_eq!(
            first,
            of_inputs(&root).unwrap(),
            "same inputs, same fingerprint"
        );

        std::fs::write(root.join("src/lib.rs"), "fn b() {}").unwrap();
        let edited = of_inputs(&root).unwrap();
        assert_ne!(first, edited);

        std::fs::write(root.join("src/new.rs"), "").unwrap();
        let added = of_inputs(&root).unwrap();
        assert_ne!(edited, added, "a new empty file counts");

        // Not an input: the server, the tests, the docs.
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/notes.md"), "x").unwrap();
        assert_eq!(added, of_inputs(&root).unwrap());
    }

    #[test]
    fn dist_is_current_only_with_its_fingerprint_and_all_its_files() {
        let dist = scratch("dist");
        std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(dist.join("app.js"), "").unwrap();
        assert!(!is_current(&dist, "abc"), "never built");

        store(&dist, "abc", &["index.html".into(), "app.js".into()]).unwrap();
        assert!(is_current(&dist, "abc"));
        assert!(!is_current(&dist, "abd"), "other sources");

        std::fs::remove_file(dist.join("app.js")).unwrap();
        assert!(!is_current(&dist, "abc"), "a file of the build is gone");
    }
}
