//! The release build of the widget and the size of what a page has to download for it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run;
use crate::{root, Result};

pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// The release wasm is built with a standard library compiled for it, whose panics trap at
/// once and whose `Debug` output is empty: no panic message, location or `{:?}` text is ever
/// shown by the widget (it installs no panic hook, and a wasm panic with `panic = "abort"`
/// printed nothing before either), yet their formatting code and strings were linked in.
/// Measured with `cargo xtask build` (brotli, wasm + js): see docs/architecture.md, "Size".
///
/// These are unstable options, which a stable toolchain accepts with `RUSTC_BOOTSTRAP=1`;
/// only this build uses them (tests, clippy and the dev build do not), and `RUSTFLAGS` names
/// `.cargo/config.toml`'s wasm flag again because it replaces that list.
const STD_BUILD: [(&str, &str); 4] = [
    ("RUSTC_BOOTSTRAP", "1"),
    ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort"),
    // The library's own size-over-speed choices (smaller sorts, formatting, slice code).
    ("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size"),
    (
        "RUSTFLAGS",
        "--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none \
         -Zlocation-detail=none",
    ),
];

/// `trunk build --release`, short import names, the JS glue minified, hashed names, the
/// page and the loader, precompressed copies, then the size report. Skipped when `dist/`
/// already holds the build of the current sources.
pub fn build_release() -> Result {
    let dist = dist_dir();
    let fingerprint = crate::fingerprint::of_inputs(&root())?;
    if crate::fingerprint::is_current(&dist, &fingerprint) {
        println!("xtask: widget unchanged, skipping the release build");
    } else {
        // A build that fails halfway must not leave a fingerprint that says it is done.
        let _ = std::fs::remove_file(dist.join(crate::fingerprint::FILE));
        let mut trunk = Command::new("trunk");
        trunk.args(["build", "--release"]).current_dir(root());
        for (name, value) in STD_BUILD {
            trunk.env(name, value);
        }
        run(&mut trunk)?;
        crate::imports::shorten_imports(&dist)?;
        crate::minify::minify_glue(&dist)?;
        let written = crate::assets::finish_dist(&dist)?;
        crate::fingerprint::store(&dist, &fingerprint, &written)?;
    }
    let report = measure(&dist)?;
    print!("{report}");
    Ok(())
}

#[derive(Debug, Default)]
pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub struct Report {
    /// The widget: wasm and its js, loaded when the messenger is first needed.
    files: Vec<(String, Sizes)>,
    /// The loader every portal page includes.
    loader: Option<Sizes>,
}

impl Report {
    pub fn total(&self) -> Sizes {
        self.files
            .iter()
            .fold(Sizes::default(), |acc, (_, s)| Sizes {
                raw: acc.raw + s.raw,
                gzip: acc.gzip + s.gzip,
                brotli: acc.brotli + s.brotli,
            })
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "widget bundle (what a page downloads):")?;
        writeln!(
            f,
            "  {:<44} {:>10} {:>10} {:>10}",
            "file", "raw", "gzip -9", "brotli 11"
        )?;
        for (name, s) in &self.files {
            writeln!(
                f,
                "  {:<44} {:>10} {:>10} {:>10}",
                name, s.raw, s.gzip, s.brotli
            )?;
        }
        let t = self.total();
        writeln!(
            f,
            "  {:<44} {:>10} {:>10} {:>10}",
            "total wasm + js (bytes)", t.raw, t.gzip, t.brotli
        )?;
        if let Some(s) = &self.loader {
            writeln!(f, "loader (every portal page):")?;
            writeln!(
                f,
                "  {:<44} {:>10} {:>10} {:>10}",
                crate::assets::LOADER,
                s.raw,
                s.gzip,
                s.brotli
            )?;
        }
        Ok(())
    }
}

/// Sizes of the `.wasm` and `.js` files in `dist`, raw and compressed at the levels a
/// production server would use for static assets; the loader apart from the widget.
pub fn measure(dist: &Path) -> Result<Report> {
    let mut files = Vec::new();
    let mut loader = None;
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_shipped = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm") | Some("js")
        );
        if !is_shipped {
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sizes =
            precompressed_sizes(&path, bytes.len()).map_or_else(|| compress_all(&bytes), Ok)?;
        if name == crate::assets::LOADER {
            loader = Some(sizes);
        } else {
            files.push((name, sizes));
        }
    }
    if files.is_empty() {
        return Err(format!("{} holds no .wasm or .js file", dist.display()));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Report { files, loader })
}

/// The sizes of the `.br` and `.gz` copies the build wrote next to the file (the same
/// levels as [`compress_all`]), so a skipped build reports in a moment.
fn precompressed_sizes(path: &Path, raw: usize) -> Option<Sizes> {
    let size = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        std::fs::metadata(PathBuf::from(name))
            .ok()
            .map(|m| m.len() as usize)
    };
    Some(Sizes {
        raw,
        gzip: size(".gz")?,
        brotli: size(".br")?,
    })
}

fn compress_all(bytes: &[u8]) -> Result<Sizes> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).map_err(|e| e.to_string())?;
    let gzip = gz.finish().map_err(|e| e.to_string())?.len();

    Ok(Sizes {
        raw: bytes.len(),
        gzip,
        brotli: brotli(bytes)?.len(),
    })
}

/// Brotli at quality 11, the level for files compressed once and served many times.
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).map_err(|e| e.to_string())?;
    Ok(br)
}
