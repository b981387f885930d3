//! `messenger-conformance --server http://127.0.0.1:8080 --user alice:demo …`

use std::process::ExitCode;

use messenger_conformance::{check_names, run_with, Credential, Target};

const USAGE: &str = "\
usage: messenger-conformance --server URL (--user NAME:PASSWORD | --token NAME=TOKEN){3}
                             [--only CHECK]... [--list]

  --server URL           the backend, http://host:port[/prefix]; its WebSocket is URL/ws.
                         Repeated: nodes of one cluster, the users spread over them
                         round-robin
  --user NAME:PASSWORD   a user logged in with POST URL/api/login (reference server)
  --token NAME=TOKEN     a user whose token the backend issued by its own means
  --only CHECK           run only this check (repeatable)
  --list                 print the check names and exit

Three distinct users are needed. Prints one line per check and `N passed, M failed`;
exits 1 when a check failed, 2 on bad arguments.
";

fn main() -> ExitCode {
    let target = match parse(std::env::args().skip(1)) {
        Ok(Some(target)) => target,
        Ok(None) => return ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("messenger-conformance: {why}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("messenger-conformance: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(run_with(&target, |result| println!("{result}")));
    println!("{} passed, {} failed", report.passed(), report.failed());
    if report.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `None`: help or the list was printed.
fn parse(args: impl Iterator<Item = String>) -> Result<Option<Target>, String> {
    let mut servers = Vec::new();
    let mut users = Vec::new();
    let mut only = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--server" => servers.push(value()?),
            "--user" => {
                let v = value()?;
                let (username, password) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--user {v:?} is not NAME:PASSWORD"))?;
                users.push(Credential::Password {
                    username: username.into(),
                    password: password.into(),
                });
            }
            "--token" => {
                let v = value()?;
                let (name, token) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--token {v:?} is not NAME=TOKEN"))?;
                users.push(Credential::Token {
                    name: name.into(),
                    token: token.into(),
                });
            }
            "--only" => {
                let name = value()?;
                if !check_names().contains(&name.as_str()) {
                    return Err(format!("no check named {name:?}; --list shows them"));
                }
                only.push(name);
            }
            "--list" => {
                for name in check_names() {
                    println!("{name}");
                }
                return Ok(None);
            }
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if servers.is_empty() {
        return Err("--server is required".into());
    }
    if users.len() != 3 {
        return Err(format!("three users are needed, got {}", users.len()));
    }
    let mut target = Target::cluster(&servers, users)?;
    target.only = only;
    Ok(Some(target))
}
