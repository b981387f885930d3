//! Running child processes with the messages a newcomer needs when one fails.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::Result;

/// Runs a command with inherited stdio and fails with the command line when it fails.
pub fn run(cmd: &mut Command) -> Result {
    let shown = describe(cmd);
    println!("xtask: $ {shown}");
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs a command, echoing its output line by line while handing each line to `on_line`,
/// so the suite can count test results without hiding anything from the log.
pub fn run_streaming(cmd: &mut Command, mut on_line: impl FnMut(&str)) -> Result {
    let shown = describe(cmd);
    println!("xtask: $ {shown}");
    // Results go to stdout in every runner used here; stderr (compiler output) passes through.
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let stdout = child.stdout.take().expect("stdout was piped");
    for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
        println!("{line}");
        on_line(&line);
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{shown}` did not finish: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// First line of `program --version`, or None when the program is not installed.
pub fn version_of(program: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    Some(text.lines().next().unwrap_or_default().trim().to_string())
}

fn describe(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}
