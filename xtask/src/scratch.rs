//! Temporary space for the browser stages. ChromeDriver and Chromium leave an ~80 MB profile
//! in `$TMPDIR` each time the test runner kills them, so every browser stage gets its own
//! folder under `target/` that is removed when the stage ends, pass or fail; a CI machine
//! with little disk never fills up with them.

use std::path::PathBuf;
use std::process::Command;

use crate::{root, Result};

pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(stage: &str) -> Result<Scratch> {
        let dir = crate::target_dir().join("xtask-tmp").join(stage);
        // A previous run killed halfway may have left one behind.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Scratch { dir })
    }

    /// Points the command's temporary files (and its children's) into this folder.
    pub fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        cmd.env("TMPDIR", &self.dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Free space on the disk that holds `target/`, in bytes, read from POSIX `df`.
pub fn free_bytes() -> Option<u64> {
    let out = Command::new("df").args(["-Pk"]).arg(root()).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_df_available_kib(&text).map(|kib| kib * 1024)
}

fn parse_df_available_kib(text: &str) -> Option<u64> {
    let line = text.lines().nth(1)?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::parse_df_available_kib;

    #[test]
    fn reads_the_available_column_of_posix_df() {
        let text = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                    /dev/vda         263174212 95420108    715804     100% /\n";
        assert_eq!(parse_df_available_kib(text), Some(715_804));
        assert_eq!(parse_df_available_kib("garbage"), None);
    }
}
