use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::{free_port, scratch_dir, Service};
use crate::{Error, STARTUP};

/// A PostgreSQL cluster of its own: trust authentication on 127.0.0.1, superuser
/// `postgres`, its unix socket in its own folder, durability off (fsync) for speed.
pub struct Postgres {
    process: Service,
    bin: PathBuf,
    port: u16,
}

impl Postgres {
    pub fn start() -> Result<Postgres, Error> {
        let bin = bin_dir()?;
        let dir = scratch_dir("postgres")?;
        let owner = if effective_uid()? == 0 {
            let owner = postgres_user()?;
            run(Command::new("chown")
                .arg(format!("{}:{}", owner.0, owner.1))
                .arg(&dir))?;
            Some(owner)
        } else {
            None
        };
        let as_owner = |program: &str| {
            let mut command = Command::new(bin.join(program));
            if let Some((uid, gid)) = owner {
                command.uid(uid).gid(gid);
            }
            command
        };
        let data = dir.join("data");
        run(as_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync"))?;
        let port = free_port()?;
        let mut server = as_owner("postgres");
        server
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off"]);
        let mut process = Service::spawn(server, dir, "postgres")?;
        let ready = bin.join("pg_isready");
        process.wait_until(STARTUP, || {
            Command::new(&ready)
                .args(["-q", "-h", "127.0.0.1", "-p", &port.to_string()])
                .status()
                .is_ok_and(|s| s.success())
        })?;
        Ok(Postgres { process, bin, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `postgres` database as its superuser.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    pub fn database_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new empty database; returns its URL. Tests sharing one cluster each take one.
    pub fn create_database(&self, name: &str) -> Result<String, Error> {
        run(Command::new(self.bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(name))?;
        Ok(self.database_url(name))
    }

    /// The folder holding the data directory, the socket and the log.
    pub fn dir(&self) -> &Path {
        self.process.dir()
    }

    /// The server's log so far, for a failing test's message.
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// `$MESSENGER_PG_BIN`, else the newest /usr/lib/postgresql/<version>/bin.
fn bin_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("MESSENGER_PG_BIN") {
        return Ok(dir.into());
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| {
        "PostgreSQL is not installed: no /usr/lib/postgresql/<version>/bin/initdb \
         (cargo xtask installs Debian's postgresql)"
            .into()
    })
}

fn run(command: &mut Command) -> Result<(), Error> {
    let output = command
        .output()
        .map_err(|e| format!("running {:?}: {e}", command.get_program()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}):\n{}{}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn effective_uid() -> Result<u32, Error> {
    let status = fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1)?.parse().ok())
        .ok_or_else(|| "no Uid line in /proc/self/status".into())
}

/// The uid and gid of the `postgres` account Debian's package creates.
fn postgres_user() -> Result<(u32, u32), Error> {
    let passwd = fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres") && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .ok_or_else(|| {
            "running as root and there is no postgres user to run PostgreSQL as \
             (Debian's postgresql package creates it)"
                .into()
        })
}
