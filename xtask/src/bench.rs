//! `cargo xtask bench`: the widget's speed in headless Chromium against the reference server
//! with long seeded histories (tests/e2e/bench.mjs). It prints figures next to the project's
//! goals and never fails for a missed goal; only a bench that cannot run fails.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use crate::process::run;
use crate::scratch::Scratch;
use crate::{bundle, root, target_dir, tools, Result};

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    /// Smaller histories and shorter runs: a smoke run of the bench itself.
    quick: bool,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options::default();
    for arg in args {
        match arg.as_str() {
            "--quick" => options.quick = true,
            other => return Err(format!("unknown bench option {other:?} (known: --quick)")),
        }
    }
    Ok(options)
}

/// The reference server built with the `server` profile: optimised, so the figures are the
/// widget's and not a debug server's.
fn server_bin() -> PathBuf {
    target_dir().join("server/messenger-server")
}

/// Where the figures of the last run are written, as JSON.
pub fn latest_json() -> PathBuf {
    target_dir().join("bench/latest.json")
}

pub fn run_bench(args: &[String]) -> Result {
    let options = parse(args)?;
    tools::ensure_build_tools()?;
    tools::ensure_browser_tools()?;
    bundle::build_release()?;
    run(Command::new("cargo")
        .args(["build", "--profile", "server", "-p", "messenger-server"])
        .current_dir(root()))?;

    let json = latest_json();
    // A stale file must not pass for this run's figures if the run fails.
    let _ = std::fs::remove_file(&json);
    let scratch = Scratch::new("bench")?;
    let started = Instant::now();
    let mut node = Command::new("node");
    scratch
        .apply(&mut node)
        .arg("bench.mjs")
        .current_dir(root().join("tests/e2e"))
        .env("MESSENGER_DIST", bundle::dist_dir())
        .env("MESSENGER_SERVER_BIN", server_bin())
        .env("CHROMIUM", tools::CHROMIUM)
        .env("BENCH_JSON", &json);
    if options.quick {
        node.env("BENCH_QUICK", "1");
    }
    run(&mut node)?;
    drop(scratch);
    println!(
        "xtask: bench finished in {:.0} s; figures also in {}",
        started.elapsed().as_secs_f64(),
        json.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{parse, Options};

    #[test]
    fn options() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
        assert!(parse(&["--quick".into()]).unwrap().quick);
        assert!(parse(&["--fast".into()]).unwrap_err().contains("--quick"));
    }
}
