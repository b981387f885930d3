//! `cargo xtask test`: every check the project has, in one command, built once.

use std::path::PathBuf;
use std::process::Command;

use crate::process::{run as run_cmd, run_streaming};
use crate::scratch::{self, Scratch};
use crate::{bundle, root, tools, Result};

const STAGES: [&str; 5] = ["lint", "native", "browser", "bundle", "e2e"];

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Reads the closing lines of cargo's test harness (also printed by
    /// wasm-bindgen-test-runner) and of node's spec reporter.
    fn read(&mut self, line: &str) {
        if let Some(rest) = line.trim().strip_prefix("test result: ") {
            for part in rest.split(';') {
                let words: Vec<&str> = part.split_whitespace().collect();
                if let [.., n, kind] = words.as_slice() {
                    match (*kind, n.parse::<u64>()) {
                        ("passed", Ok(n)) => self.passed += n,
                        ("failed", Ok(n)) => self.failed += n,
                        _ => {}
                    }
                }
            }
        } else if let Some(n) = line.trim().strip_prefix("ℹ pass ") {
            self.passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line.trim().strip_prefix("ℹ fail ") {
            self.failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
}

pub fn run(args: &[String]) -> Result {
    let stages: Vec<&str> = if args.is_empty() {
        STAGES.to_vec()
    } else {
        for a in args {
            if !STAGES.contains(&a.as_str()) {
                return Err(format!("unknown stage {a}; stages: {}", STAGES.join(" ")));
            }
        }
        args.iter().map(String::as_str).collect()
    };
    report_disk();
    tools::ensure_build_tools()?;
    if stages.iter().any(|s| matches!(*s, "browser" | "e2e")) {
        tools::ensure_browser_tools()?;
    }
    if stages.contains(&"native") {
        tools::ensure_services()?;
    }
    if stages.iter().any(|s| matches!(*s, "native" | "e2e")) {
        tools::ensure_dictionaries()?;
    }

    let mut tally = Tally::default();
    let outcome = run_stages(&stages, &mut tally);
    // The plain closing line CI reads, whatever happened above.
    println!("total: {} passed, {} failed", tally.passed, tally.failed);
    outcome
}

fn run_stages(stages: &[&str], tally: &mut Tally) -> Result {
    let want = |s: &str| stages.contains(&s);
    if want("lint") {
        lint()?;
    }
    if want("native") {
        println!("\n== native tests: protocol, server, widget core ==");
        run_streaming(
            cargo().args(["test", "--workspace", "--all-targets"]),
            |l| tally.read(l),
        )?;
        run_streaming(cargo().args(["test", "--workspace", "--doc"]), |l| {
            tally.read(l)
        })?;
    }
    if want("browser") {
        println!("\n== widget tests in headless Chromium ==");
        let scratch = Scratch::new("browser")?;
        run_streaming(
            scratch
                .apply(&mut cargo())
                .args([
                    "test",
                    "-p",
                    "messenger-widget",
                    "--target",
                    "wasm32-unknown-unknown",
                ])
                .env("CHROMEDRIVER", tools::CHROMEDRIVER)
                .env(
                    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                    "wasm-bindgen-test-runner",
                ),
            |l| tally.read(l),
        )?;
    }
    if want("bundle") || want("e2e") {
        println!("\n== release build of the widget ==");
        bundle::build_release()?;
    }
    if want("bundle") || want("e2e") {
        println!("\n== end-to-end tests: widget + reference server in Chromium ==");
        let only_size = !want("e2e");
        if !only_size {
            run_cmd(cargo().args(["build", "-p", "messenger-server"]))?;
        }
        let scratch = Scratch::new("e2e")?;
        run_streaming(scratch.apply(&mut node_tests(only_size)?), |l| {
            tally.read(l)
        })?;
        drop(scratch);
    }
    Ok(())
}

/// A full disk shows up as a linker "Bus error" deep in the log; say it first instead.
fn report_disk() {
    const WANT: u64 = 6 << 30;
    if let Some(free) = scratch::free_bytes() {
        let gib = free as f64 / f64::from(1u32 << 30);
        println!("xtask: {gib:.1} GiB free on the build disk");
        if free < WANT {
            println!(
                "xtask: warning: a cold build with its tools needs about 6 GiB; builds may fail with \"No space left on device\""
            );
        }
    }
}

fn lint() -> Result {
    println!("\n== lint: rustfmt and clippy ==");
    run_cmd(cargo().args(["fmt", "--all", "--check"]))?;
    run_cmd(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    run_cmd(cargo().args([
        "clippy",
        "-p",
        "messenger-widget",
        "--all-targets",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))
}

fn node_tests(only_size: bool) -> Result<Command> {
    let dir = root().join("tests/e2e");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .filter(|p| !only_size || p.to_string_lossy().ends_with("bundle-size.test.mjs"))
        .collect();
    files.sort();
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
        .args(files)
        .current_dir(&dir)
        .env("MESSENGER_DIST", bundle::dist_dir())
        .env("MESSENGER_SERVER_BIN", crate::server_bin())
        .env("CHROMIUM", tools::CHROMIUM);
    Ok(cmd)
}

fn cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root());
    // A CI clone is built once: incremental caches would only double the disk it needs.
    if std::env::var_os("CI").is_some() {
        cmd.env("CARGO_INCREMENTAL", "0");
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn counts_cargo_and_node_summaries() {
        let mut t = Tally::default();
        t.read("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        t.read("test result: FAILED. 3 passed; 2 failed; 0 ignored");
        t.read("ℹ pass 4");
        t.read("ℹ fail 1");
        t.read("ℹ tests 5");
        assert_eq!((t.passed, t.failed), (19, 3));
    }
}
