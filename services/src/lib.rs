//! Throwaway PostgreSQL and nats-server processes for tests: each on a free port, with its
//! files in a fresh folder inside `target/`, stopped and removed when dropped (also while a
//! failing test unwinds).
//!
//! The binaries come from Debian's `postgresql` and `nats-server` packages, which
//! `cargo xtask` installs when missing. Debian's PostgreSQL refuses to run as root, so
//! under root it runs as the `postgres` user.

mod postgres;
mod process;

pub use postgres::Postgres;
pub use process::free_port;

use std::path::PathBuf;
use std::time::Duration;

/// Error text that says what to install when a binary is missing.
pub type Error = String;

/// How long a service may take to accept connections.
const STARTUP: Duration = Duration::from_secs(30);

/// nats-server on 127.0.0.1 (no authentication, no persistence).
pub struct Nats {
    process: process::Service,
    port: u16,
}

impl Nats {
    pub fn start() -> Result<Nats, Error> {
        Nats::start_on(free_port()?)
    }

    /// On `port`: a test that stopped a server starts its replacement where clients
    /// reconnect to.
    pub fn start_on(port: u16) -> Result<Nats, Error> {
        let binary = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .ok_or("nats-server is not installed (cargo xtask installs Debian's nats-server)")?;
        let dir = process::scratch_dir("nats")?;
        let mut command = std::process::Command::new(binary);
        command.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
        let mut process = process::Service::spawn(command, dir, "nats-server")?;
        process.wait_for_port(port, STARTUP)?;
        Ok(Nats { process, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nats://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The server's output so far, for a failing test's message.
    pub fn log(&self) -> String {
        self.process.log()
    }
}
