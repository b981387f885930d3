//! `cargo xtask run`: the messenger end to end on this machine, with demo data.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::process::run as run_cmd;
use crate::{bundle, root, tools, Result};

/// Printed by the server once it accepts connections; the rest of the line is its URL.
pub const LISTENING: &str = "messenger-server listening on ";

pub fn run(args: &[String]) -> Result {
    let mut addr = "127.0.0.1:8080".to_string();
    let mut db = root().join("data/messenger.sqlite3");
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--addr" => addr = it.next().ok_or("--addr needs a value")?.clone(),
            "--db" => db = it.next().ok_or("--db needs a value")?.into(),
            other => return Err(format!("unknown option {other}")),
        }
    }

    tools::ensure_build_tools()?;
    tools::ensure_dictionaries()?;
    bundle::build_release()?;
    run_cmd(
        Command::new("cargo")
            .args(["build", "-p", "messenger-server"])
            .current_dir(root()),
    )?;

    let server = crate::server_bin();
    // The contact center's webhook takes messages signed with it; printed below so an
    // SMS can be posted by hand.
    let inbound_secret = random_secret()?;
    let mut child = Command::new(&server)
        .arg("--addr")
        .arg(&addr)
        .arg("--db")
        .arg(&db)
        .arg("--static-dir")
        .arg(bundle::dist_dir())
        .arg("--demo-intranet")
        .arg(root().join("demo/intranet"))
        // The intranet's token signer and the messenger share it; a new one each run, so a
        // token from an earlier run is refused.
        .arg("--portal-secret")
        .arg(random_secret()?)
        .env("MESSENGER_INBOUND_SECRET", &inbound_secret)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", server.display()))?;

    let stdout = child.stdout.take().expect("stdout was piped");
    for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
        println!("{line}");
        if let Some(url) = line.strip_prefix(LISTENING) {
            print_welcome(url.trim(), &db.display().to_string(), &inbound_secret);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server stopped ({status})"))
    }
}

/// 32 random bytes in hex, from the kernel.
fn random_secret() -> Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom for the portal secret: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn print_welcome(url: &str, db: &str, inbound_secret: &str) {
    let url = url.trim_end_matches('/');
    println!(
        "
  Messenger is running: open {url}/
  Demo intranet (the widget embedded in a portal, portal sign-in): {url}/intranet/sign-in.html
  Data: {db} (SQLite; delete it to start over with fresh demo data)

  Sign in as two different people, e.g. in a normal and a private window:
    alice / demo   (Alice Martin, Engineering)
    bob   / demo   (Bob Nguyen, Sales)
  Other demo users: carol, dave, erin (password demo).
  Contact-center agents: anna, bruno (password demo).

  Stop with Ctrl+C.
"
    );
    // Raw: the shell lines are full of quotes.
    println!(
        r#"  An SMS from a customer reaches the agents through the webhook, signed with this
  run's secret (agents' replies then appear as JSON files in data/outbound/):
    SECRET={inbound_secret}
    body='{{"message_id":"demo-'$RANDOM'","channel":"sms","from":"+33612345678","text":"Bonjour"}}'
    ts=$(date +%s); sig=$(printf '%s' "$ts.$body" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/.* //')
    curl -H "X-Messenger-Timestamp: $ts" -H "X-Messenger-Signature: sha256=$sig" -d "$body" {url}/api/inbound
"#
    );
}
