//! Minifies wasm-bindgen's JS glue after trunk has written `dist/`. Trunk leaves that file as
//! wasm-bindgen wrote it (about 1.8 KB more brotli than terser's output), and every portal page
//! downloads it. The page's `integrity` attribute is rewritten to match the new bytes.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use sha2::{Digest, Sha384};

use crate::process::run;
use crate::Result;

pub const GLUE: &str = "messenger-widget.js";

pub fn minify_glue(dist: &Path) -> Result {
    let glue = dist.join(GLUE);
    let before =
        std::fs::read(&glue).map_err(|e| format!("cannot read {}: {e}", glue.display()))?;
    // terser comes from xtask/node (installed with binaryen); --module keeps the exports.
    run(Command::new("terser")
        .arg(&glue)
        .args(["--module", "--compress", "--mangle", "-o"])
        .arg(&glue))?;
    let after = std::fs::read(&glue).map_err(|e| format!("cannot read {}: {e}", glue.display()))?;

    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let html = replace_integrity(&html, &sri(&before), &sri(&after)).ok_or_else(|| {
        format!(
            "{} has no integrity attribute for {GLUE}; cannot keep it in step",
            index.display()
        )
    })?;
    std::fs::write(&index, html).map_err(|e| format!("cannot write {}: {e}", index.display()))
}

/// The Subresource Integrity value trunk writes: `sha384-` and the base64 digest.
pub fn sri(bytes: &[u8]) -> String {
    let digest = Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

pub fn replace_integrity(html: &str, old: &str, new: &str) -> Option<String> {
    html.contains(old).then(|| html.replace(old, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sri_matches_the_standard_sha384_encoding() {
        // `printf abc | openssl dgst -sha384 -binary | base64`
        assert_eq!(
            sri(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }

    #[test]
    fn only_a_known_hash_is_replaced() {
        let html = "<link href=/messenger-widget.js integrity=sha384-OLD rel=modulepreload>";
        assert_eq!(
            replace_integrity(html, "sha384-OLD", "sha384-NEW").as_deref(),
            Some("<link href=/messenger-widget.js integrity=sha384-NEW rel=modulepreload>")
        );
        assert_eq!(replace_integrity(html, "sha384-OTHER", "sha384-NEW"), None);
    }
}
