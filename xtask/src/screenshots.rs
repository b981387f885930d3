//! `cargo xtask screenshots`: pictures of the messenger in use, for docs/screenshots/.

use std::process::Command;

use crate::process::run;
use crate::scratch::Scratch;
use crate::{bundle, root, tools, Result};

pub fn run_all() -> Result {
    tools::ensure_build_tools()?;
    tools::ensure_browser_tools()?;
    tools::ensure_dictionaries()?;
    bundle::build_release()?;
    run(Command::new("cargo")
        .args(["build", "-p", "messenger-server"])
        .current_dir(root()))?;
    let out = root().join("docs/screenshots");
    let scratch = Scratch::new("screenshots")?;
    run(scratch
        .apply(&mut Command::new("node"))
        .arg("screenshots.mjs")
        .current_dir(root().join("tests/e2e"))
        .env("MESSENGER_DIST", bundle::dist_dir())
        .env("MESSENGER_SERVER_BIN", crate::server_bin())
        .env("CHROMIUM", tools::CHROMIUM)
        .env("SCREENSHOT_DIR", &out))?;
    println!("xtask: screenshots written to {}", out.display());
    Ok(())
}
