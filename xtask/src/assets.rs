//! What `dist/` serves (issue 10 contract §1), made from trunk's output: content-hashed
//! names for the widget's js, wasm and css (immutable caching), the standalone page written
//! from `loader/standalone.html` (no inline script or style), the loader with those names
//! built in, and a brotli and a gzip copy next to every served file.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::imports::WASM;
use crate::minify::GLUE;
use crate::{root, Result};

/// The loader's fixed name: a portal page includes it, and it is revalidated.
pub const LOADER: &str = "messenger-loader.js";
const CSS: &str = "messenger.css";
/// The loader source names the widget's files with these; the build puts the hashed names in.
const LOADER_SLOTS: [&str; 3] = ["__MW_JS__", "__MW_WASM__", "__MW_CSS__"];

/// The hashed file names of one build.
#[derive(Debug, PartialEq)]
pub struct Names {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

/// Renames trunk's files, writes index.html and the loader, compresses, removes what older
/// builds left. Returns every file the build wrote, relative to `dist`.
pub fn finish_dist(dist: &Path) -> Result<Vec<String>> {
    let names = hash_widget_files(dist)?;
    let page = std::fs::read_to_string(root().join("loader/standalone.html"))
        .map_err(|e| format!("cannot read loader/standalone.html: {e}"))?;
    write(dist, "index.html", fill_page(&page, &names).as_bytes())?;
    build_loader(dist, &names)?;

    let mut served = vec![
        "index.html".to_string(),
        LOADER.to_string(),
        names.js.clone(),
        names.wasm.clone(),
        names.css.clone(),
    ];
    remove_stale(dist, &served)?;
    served.extend(locale_files(dist)?);
    let mut written = Vec::new();
    for file in &served {
        written.extend(precompress(dist, file)?);
    }
    written.extend(served);
    written.sort();
    Ok(written)
}

/// `<prefix><first 16 hex digits of SHA-256><suffix>`.
pub fn hashed_name(prefix: &str, suffix: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}{suffix}")
}

/// The wasm first: the glue names it, so the glue's own hash covers the wasm's name.
fn hash_widget_files(dist: &Path) -> Result<Names> {
    let wasm = read(dist, WASM)?;
    let wasm_name = hashed_name("messenger-widget-", "_bg.wasm", &wasm);
    let glue = String::from_utf8(read(dist, GLUE)?).map_err(|e| format!("{GLUE}: {e}"))?;
    let glue = point_glue_at(&glue, &wasm_name)?;
    let js_name = hashed_name("messenger-widget-", ".js", glue.as_bytes());
    let css = read(dist, CSS)?;
    let css_name = hashed_name("messenger-", ".css", &css);

    write(dist, &wasm_name, &wasm)?;
    write(dist, &js_name, glue.as_bytes())?;
    write(dist, &css_name, &css)?;
    for old in [WASM, GLUE, CSS] {
        remove(&dist.join(old))?;
    }
    Ok(Names {
        js: js_name,
        wasm: wasm_name,
        css: css_name,
    })
}

/// wasm-bindgen's `init()` without arguments fetches `new URL("<wasm>", import.meta.url)`.
pub fn point_glue_at(glue: &str, wasm_name: &str) -> Result<String> {
    let quoted = |q: char| format!("{q}{WASM}{q}");
    let found: Vec<char> = ['"', '\'']
        .into_iter()
        .filter(|q| glue.contains(&quoted(*q)))
        .collect();
    match found.as_slice() {
        [q] if glue.matches(&quoted(*q)).count() == 1 => {
            Ok(glue.replace(&quoted(*q), &format!("{q}{wasm_name}{q}")))
        }
        _ => Err(format!(
            "{GLUE} should name \"{WASM}\" exactly once (its default wasm URL); cannot point it at {wasm_name}"
        )),
    }
}

pub fn fill_page(template: &str, names: &Names) -> String {
    template
        .replace("{css}", &names.css)
        .replace("{js}", &names.js)
        .replace("{wasm}", &names.wasm)
}

/// The loader source with the hashed names in its slots; every slot must be there.
pub fn fill_loader(source: &str, names: &Names) -> Result<String> {
    let mut out = source.to_string();
    for (slot, name) in LOADER_SLOTS
        .iter()
        .zip([&names.js, &names.wasm, &names.css])
    {
        if !out.contains(slot) {
            return Err(format!("loader/{LOADER} has no {slot} for the name {name}"));
        }
        out = out.replace(slot, name);
    }
    Ok(out)
}

fn build_loader(dist: &Path, names: &Names) -> Result {
    let source = std::fs::read_to_string(root().join("loader").join(LOADER))
        .map_err(|e| format!("cannot read loader/{LOADER}: {e}"))?;
    write(dist, LOADER, fill_loader(&source, names)?.as_bytes())?;
    // A classic script (portals include it without type=module): names at its top level are
    // its own, inside one function, so they may be mangled.
    crate::minify::terser(
        &dist.join(LOADER),
        &[
            "--toplevel",
            "--ecma",
            "2020",
            "--compress",
            "passes=2",
            "--mangle",
        ],
    )
}

/// Files at the top of `dist` that this build did not write: hashed files of older builds,
/// trunk's unhashed names, compressed copies of either.
fn remove_stale(dist: &Path, keep: &[String]) -> Result {
    for entry in std::fs::read_dir(dist).map_err(|e| format!("cannot read dist: {e}"))? {
        let entry = entry.map_err(|e| e.to_string())?;
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(true) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_stale(&name, keep) {
            remove(&entry.path())?;
        }
    }
    Ok(())
}

pub fn is_stale(name: &str, keep: &[String]) -> bool {
    let base = name
        .strip_suffix(".br")
        .or_else(|| name.strip_suffix(".gz"))
        .unwrap_or(name);
    // The fingerprint is written after this step; it is not a served file.
    base != crate::fingerprint::FILE && !keep.iter().any(|k| k == base)
}

fn locale_files(dist: &Path) -> Result<Vec<String>> {
    let dir = dist.join("locales");
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(files);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            files.push(format!("locales/{name}"));
        } else if name.ends_with(".br") || name.ends_with(".gz") {
            remove(&entry.path())?;
        }
    }
    files.sort();
    Ok(files)
}

/// Writes `<file>.br` (quality 11) and `<file>.gz` (level 9); returns their names.
fn precompress(dist: &Path, file: &str) -> Result<Vec<String>> {
    let bytes = read(dist, file)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes).map_err(|e| e.to_string())?;
    let gz = gz.finish().map_err(|e| e.to_string())?;
    let br = crate::bundle::brotli(&bytes)?;
    let (br_name, gz_name) = (format!("{file}.br"), format!("{file}.gz"));
    write(dist, &br_name, &br)?;
    write(dist, &gz_name, &gz)?;
    Ok(vec![br_name, gz_name])
}

fn read(dist: &Path, name: &str) -> Result<Vec<u8>> {
    std::fs::read(dist.join(name)).map_err(|e| format!("cannot read {name} in dist: {e}"))
}

fn write(dist: &Path, name: &str, bytes: &[u8]) -> Result {
    let path: PathBuf = dist.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn remove(path: &Path) -> Result {
    std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            js: "messenger-widget-0123456789abcdef.js".into(),
            wasm: "messenger-widget-fedcba9876543210_bg.wasm".into(),
            css: "messenger-00112233aabbccdd.css".into(),
        }
    }

    #[test]
    fn a_hashed_name_has_sixteen_hex_digits_of_sha256() {
        // `printf abc | sha256sum` starts ba7816bf8f01cfea
        assert_eq!(
            hashed_name("messenger-", ".css", b"abc"),
            "messenger-ba7816bf8f01cfea.css"
        );
    }

    #[test]
    fn the_glue_fetches_the_hashed_wasm() {
        let glue = r#"a=new URL("messenger-widget_bg.wasm",import.meta.url);import*as b from"./messenger-widget_bg.js""#;
        let out = point_glue_at(glue, "messenger-widget-fedcba9876543210_bg.wasm").unwrap();
        assert!(out.contains(r#"new URL("messenger-widget-fedcba9876543210_bg.wasm""#));
        assert!(out.contains(r#""./messenger-widget_bg.js""#));
        assert!(point_glue_at("no url here", "x.wasm").is_err());
    }

    #[test]
    fn the_loader_gets_every_name_or_the_build_fails() {
        let src = "const J='__MW_JS__',W='__MW_WASM__',C='__MW_CSS__'";
        assert_eq!(
            fill_loader(src, &names()).unwrap(),
            "const J='messenger-widget-0123456789abcdef.js',W='messenger-widget-fedcba9876543210_bg.wasm',C='messenger-00112233aabbccdd.css'"
        );
        let err = fill_loader("const J='__MW_JS__'", &names()).unwrap_err();
        assert!(err.contains("__MW_WASM__"), "{err}");
    }

    #[test]
    fn older_builds_and_trunk_names_are_stale() {
        let keep = vec![
            "index.html".to_string(),
            "messenger-widget-0123456789abcdef.js".to_string(),
        ];
        assert!(!is_stale("index.html.br", &keep));
        assert!(!is_stale("messenger-widget-0123456789abcdef.js.gz", &keep));
        assert!(!is_stale(crate::fingerprint::FILE, &keep));
        assert!(is_stale("messenger-widget-aaaaaaaaaaaaaaaa.js", &keep));
        assert!(is_stale("messenger-widget-aaaaaaaaaaaaaaaa.js.br", &keep));
        assert!(is_stale("messenger-widget.js", &keep));
    }

    #[test]
    fn the_page_links_the_hashed_files() {
        let page = fill_page(
            r#"<link href="/{css}"><link href="/{js}"><link href="/{wasm}">"#,
            &names(),
        );
        assert_eq!(
            page,
            r#"<link href="/messenger-00112233aabbccdd.css"><link href="/messenger-widget-0123456789abcdef.js"><link href="/messenger-widget-fedcba9876543210_bg.wasm">"#
        );
    }
}
