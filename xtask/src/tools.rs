//! Installs what the build and the tests need when it is missing, and nothing when it is
//! there, so both README commands are idempotent and quick on a second run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{run, version_of};
use crate::{root, Result};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// trunk 0.22 needs a newer rustc than this project's toolchain.
const TRUNK_VERSION: &str = "0.21.14";
/// Must match `[tools] wasm_opt` in Trunk.toml and xtask/node/package.json.
const WASM_OPT_VERSION: &str = "version_132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Makes tools installed by `cargo install` visible to this process and its children even
/// when the shell's PATH lacks the cargo bin folder.
pub fn add_cargo_bin_to_path() {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(bin) = cargo_home.map(|h| h.join("bin")) {
        prepend_to_path(bin);
    }
}

fn prepend_to_path(dir: PathBuf) {
    let mut paths: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    paths.retain(|p| *p != dir);
    paths.insert(0, dir);
    if let Ok(joined) = std::env::join_paths(paths) {
        std::env::set_var("PATH", joined);
    }
}

pub fn ensure_build_tools() -> Result {
    add_cargo_bin_to_path();
    ensure_wasm_target()?;
    ensure_std_source()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_wasm_opt()
}

pub fn ensure_browser_tools() -> Result {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    ensure_e2e_packages()
}

/// PostgreSQL and nats-server for the server's tests on those backends: the tests start
/// their own throwaway instances (messenger-services), so only the binaries are needed.
pub fn ensure_services() -> Result {
    let postgres = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|version| version.path().join("bin/initdb").is_file());
    let nats = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .iter()
        .any(|p| Path::new(p).exists());
    let mut missing = Vec::new();
    if !postgres {
        missing.push("postgresql");
    }
    if !nats {
        missing.push("nats-server");
    }
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

/// Where the server looks for Hunspell dictionaries by default (`--dictionaries`).
const DICTIONARIES: &str = "/usr/share/hunspell";

/// Debian's Hunspell dictionaries of the five interface languages, for the server's spell
/// check (its tests and the e2e tests check spelling in each): (package, file names, any
/// of which will do).
const DICTIONARY_PACKAGES: [(&str, &[&str]); 5] = [
    ("hunspell-en-us", &["en_US"]),
    ("hunspell-fr", &["fr_FR", "fr"]),
    ("hunspell-pl", &["pl_PL"]),
    ("hunspell-ru", &["ru_RU"]),
    ("hunspell-vi", &["vi_VN"]),
];

pub fn ensure_dictionaries() -> Result {
    let dir = Path::new(DICTIONARIES);
    let missing: Vec<&str> = DICTIONARY_PACKAGES
        .iter()
        .filter(|(_, names)| {
            !names.iter().any(|name| {
                dir.join(format!("{name}.aff")).is_file()
                    && dir.join(format!("{name}.dic")).is_file()
            })
        })
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

fn ensure_wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the {WASM_TARGET} target: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == WASM_TARGET)
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// The release build compiles the standard library itself (see `bundle::STD_BUILD`), from
/// the toolchain's own source component.
fn ensure_std_source() -> Result {
    let installed = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed to add the rust-src component: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim().starts_with("rust-src"))
    {
        return Ok(());
    }
    run(Command::new("rustup").args(["component", "add", "rust-src"]))
}

fn ensure_trunk() -> Result {
    if version_of("trunk").is_some_and(|v| v.ends_with(TRUNK_VERSION)) {
        return Ok(());
    }
    run(Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
}

/// wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly, or the generated
/// glue does not fit the wasm. `--locked` is left out on purpose: its lock file names a
/// dependency version the registry no longer serves.
fn ensure_wasm_bindgen() -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    let trunk_toml = std::fs::read_to_string(root().join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{wanted}\"")) {
        return Err(format!(
            "Trunk.toml [tools] wasm_bindgen must be \"{wanted}\", the version in Cargo.lock"
        ));
    }
    let has = |program: &str| version_of(program).is_some_and(|v| v.ends_with(&wanted));
    if has("wasm-bindgen") && has("wasm-bindgen-test-runner") {
        return Ok(());
    }
    run(Command::new("cargo").args([
        "install",
        "--force",
        "wasm-bindgen-cli",
        "--version",
        &wanted,
    ]))
}

/// binaryen from npm, not Debian's: version 108 breaks the externref table that
/// wasm-bindgen emits (the page fails with "WebAssembly.Table.set(): Argument 1 is invalid").
/// Trunk.toml pins the version, so trunk refuses any other wasm-opt on the PATH.
fn ensure_wasm_opt() -> Result {
    let dir = root().join("xtask/node");
    let installed = ["binaryen", "terser"].iter().all(|p| {
        dir.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    if !installed {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir))?;
    }
    prepend_to_path(dir.join("node_modules/.bin"));
    match version_of("wasm-opt") {
        Some(v) if v.contains(WASM_OPT_VERSION) => Ok(()),
        other => Err(format!(
            "wasm-opt {WASM_OPT_VERSION} expected from xtask/node, found {other:?}"
        )),
    }
}

fn ensure_e2e_packages() -> Result {
    let dir = root().join("tests/e2e");
    // `ws` is the benchmark's proxy, `axe-core` the accessibility checker: a checkout that
    // installed before they came needs `npm ci`.
    let installed = ["playwright-core", "ws", "axe-core"].iter().all(|p| {
        dir.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    if installed {
        return Ok(());
    }
    // Only the driver library is installed: the browser is Debian's Chromium, never a download.
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir))
}

/// The version Cargo.lock pins for `package`.
pub fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"") {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
            {
                return Ok(version.trim_matches('"').to_string());
            }
        }
    }
    Err(format!("Cargo.lock has no entry for {package}"))
}

fn apt_install(packages: &[&str]) -> Result {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update"])?;
    // Without recommends: chromium alone would also pull printing (cups) and avahi services.
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(&args)
}
