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
    terser(&dist.join(GLUE), &["--module"])
}

/// Minifies `file` in place with terser's compressor and mangler plus `extra` options.
pub fn terser(file: &Path, extra: &[&str]) -> Result {
    run(Command::new("terser")
        .arg(file)
        .args(extra)
        .args(["--compress", "passes=2", "--mangle", "-o"])
        .arg(file))
}
