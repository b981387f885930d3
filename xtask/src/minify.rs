//! Minifies wasm-bindgen's JS glue after trunk has written `dist/`. Trunk leaves that file as
//! wasm-bindgen wrote it (about 1.8 KB more brotli than terser's output), and every portal page
//! downloads it. The loader goes through terser too.

use std::path::Path;
use std::process::Command;

use crate::process::run;
use crate::Result;

pub const GLUE: &str = "messenger-widget.js";

pub fn minify_glue(dist: &Path) -> Result {
    // terser comes from xtask/node (installed with binaryen); --module keeps the exports.
    terser(&dist.join(GLUE), &["--module", "--compress", "--mangle"])
}

/// Rewrites `file` in place with terser and `options`.
pub fn terser(file: &Path, options: &[&str]) -> Result {
    run(Command::new("terser")
        .arg(file)
        .args(options)
        .arg("-o")
        .arg(file))
}
