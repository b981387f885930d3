//! The protocol conformance suite: named checks run over real sockets against any backend
//! that speaks the messenger-widget protocol. `messenger-conformance` is its command line;
//! [`run_all`] lets a test run it against an in-process server.

mod checks;
mod client;
mod http;

use std::fmt;
use std::time::{Duration, Instant};

pub use http::BaseUrl;

/// How one test user gets a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// Logs in with `POST /api/login` (the reference server's login).
    Password { username: String, password: String },
    /// A token the backend issued by its own means, used as is in `hello`.
    Token { name: String, token: String },
}

impl Credential {
    pub fn name(&self) -> &str {
        match self {
            Credential::Password { username, .. } => username,
            Credential::Token { name, .. } => name,
        }
    }
}

/// The server under test and three distinct users on it.
#[derive(Clone, Debug)]
pub struct Target {
    pub base: BaseUrl,
    pub users: Vec<Credential>,
    /// Only these checks (all when empty).
    pub only: Vec<String>,
    /// Further nodes of the same cluster: user `i` connects to node `i % nodes` (`base`
    /// being node 0), so the checks see users spread over the nodes.
    pub more_nodes: Vec<BaseUrl>,
}

impl Target {
    pub fn new(server: &str, users: Vec<Credential>) -> Result<Target, String> {
        Ok(Target {
            base: BaseUrl::parse(server)?,
            users,
            only: Vec::new(),
            more_nodes: Vec::new(),
        })
    }

    /// A cluster: the users are spread round-robin over `servers`.
    pub fn cluster(servers: &[String], users: Vec<Credential>) -> Result<Target, String> {
        let (first, more) = servers.split_first().ok_or("no server given")?;
        let mut target = Target::new(first, users)?;
        target.more_nodes = more
            .iter()
            .map(|s| BaseUrl::parse(s))
            .collect::<Result<_, _>>()?;
        Ok(target)
    }

    /// The node user `i` connects to.
    pub fn node_of(&self, i: usize) -> &BaseUrl {
        match i % (1 + self.more_nodes.len()) {
            0 => &self.base,
            n => &self.more_nodes[n - 1],
        }
    }
}

pub struct CheckResult {
    pub name: &'static str,
    pub outcome: Result<(), String>,
    pub elapsed: Duration,
}

#[derive(Default)]
pub struct Report {
    pub results: Vec<CheckResult>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_ok()).count()
    }

    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    pub fn outcome(&self, name: &str) -> Option<&Result<(), String>> {
        self.results
            .iter()
            .find(|r| r.name == name)
            .map(|r| &r.outcome)
    }
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Ok(()) => write!(f, "ok   {}", self.name),
            Err(why) => write!(f, "FAIL {}: {why}", self.name),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for result in &self.results {
            writeln!(f, "{result}")?;
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// A check that hangs is a failure, not a hung suite.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs every check (or `target.only`) in order, printing nothing; `on_result` sees each
/// result as it is known.
pub async fn run_with(target: &Target, mut on_result: impl FnMut(&CheckResult)) -> Report {
    let mut report = Report::default();
    let mut record = |report: &mut Report, result: CheckResult| {
        on_result(&result);
        report.results.push(result);
    };
    let started = Instant::now();
    let ctx = match checks::Ctx::login(target).await {
        Ok(ctx) => ctx,
        Err(why) => {
            let result = CheckResult {
                name: "login",
                outcome: Err(why),
                elapsed: started.elapsed(),
            };
            record(&mut report, result);
            return report;
        }
    };
    for (name, check) in checks::ALL {
        if !target.only.is_empty() && !target.only.iter().any(|o| o == name) {
            continue;
        }
        let started = Instant::now();
        let outcome = match tokio::time::timeout(CHECK_TIMEOUT, check(&ctx)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!("did not finish within {CHECK_TIMEOUT:?}")),
        };
        let result = CheckResult {
            name,
            outcome,
            elapsed: started.elapsed(),
        };
        record(&mut report, result);
    }
    report
}

pub async fn run_all(target: &Target) -> Report {
    run_with(target, |_| {}).await
}

/// Names of every check, in the order they run.
pub fn check_names() -> Vec<&'static str> {
    checks::ALL.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_target_spreads_users_round_robin() {
        let users = Vec::new();
        let servers = ["http://127.0.0.1:1", "http://127.0.0.1:2"].map(String::from);
        let target = Target::cluster(&servers, users).unwrap();
        let port = |i| target.node_of(i).ws_url();
        assert_eq!(port(0), port(2));
        assert_ne!(port(0), port(1));
        assert!(port(1).contains(":2"), "{}", port(1));
        assert!(Target::cluster(&[], Vec::new()).is_err());
        let single = Target::new("http://127.0.0.1:1", Vec::new()).unwrap();
        assert_eq!(single.node_of(0), single.node_of(1));
    }
}
