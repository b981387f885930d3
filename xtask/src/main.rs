//! `cargo xtask <command>`: the project's only entry points for set-up, demo and tests, so a
//! fresh Debian machine with rustup, Node/npm and apt needs nothing else.

mod assets;
mod bench;
mod bundle;
mod demo;
mod fingerprint;
mod imports;
mod minify;
mod process;
mod scratch;
mod screenshots;
mod suite;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run      install missing tools, build the widget (release), start the reference server
           with demo data and print how to sign in   [--addr 127.0.0.1:8080] [--db PATH]
  test     install missing tools and browsers, then run every test: lint, native unit and
           server tests, widget browser tests, bundle size, end-to-end tests in Chromium
  build    build the widget in release mode into dist/ and print its size
  bench    measure the widget in headless Chromium against seeded histories (10,000 and
           100,000 messages): sign-in, opening a chat, scrolling, 1,000 messages/s ingest,
           memory, draft saves; prints figures and goals, writes target/bench/latest.json
           [--quick: smaller numbers, a smoke run]
  screenshots  drive two demo users in Chromium and write PNGs to docs/screenshots/
  setup    install missing tools and spelling dictionaries only (add --browser for Chromium
           and the e2e packages)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => demo::run(&args[1..]),
        Some("test") => suite::run(&args[1..]),
        Some("screenshots") => screenshots::run_all(),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("build") => tools::ensure_build_tools().and_then(|()| bundle::build_release()),
        Some("setup") => tools::ensure_dictionaries().and_then(|()| {
            tools::ensure_build_tools()?;
            if args.iter().any(|a| a == "--browser") {
                tools::ensure_browser_tools()
            } else {
                Ok(())
            }
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, whatever directory `cargo xtask` was started from.
pub fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Where cargo puts its builds: `CARGO_TARGET_DIR` when set (relative to the workspace),
/// else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// The reference server binary that `cargo build -p messenger-server` makes.
pub fn server_bin() -> PathBuf {
    target_dir().join("debug/messenger-server")
}

pub type Result<T = ()> = std::result::Result<T, String>;
