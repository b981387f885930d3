use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use messenger_server::Config;
use tracing_subscriber::EnvFilter;

/// The writer thread allocates for every row and frame; glibc's malloc took a tenth of its
/// time (perf, `--example bench`), mimalloc about half that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "\
usage: messenger-server [--addr IP:PORT] [--database FILE|URL] [--static-dir DIR] [--no-demo]
                        [--demo-history N]
                        [--no-forwarding] [--message-lifetime-secs N]
                        [--orphan-grace-secs N]
                        [--smtp URL] [--mail-dir DIR] [--mail-interval-secs N]
                        [--poll-interval-secs N]
                        [--portal-secret SECRET] [--demo-intranet DIR]
                        [--bus nats://HOST:PORT] [--node-timeout-ms N]
                        [--dictionaries DIR]
                        [--agents NAME,NAME] [--inbound-secret SECRET]
                        [--inbound-mode page|session] [--inbound-department ID]
                        [--gateway-dir DIR] [--session-timeout-secs N]
                        [--session-warning-secs N] [--dispositions CODE=LABEL,...]
                        [--require-disposition]

  --addr IP:PORT     where to listen (env MESSENGER_ADDR, default 127.0.0.1:8080; port 0 picks one)
  --database FILE|URL, --db FILE|URL
                     a SQLite file, created if missing, or a PostgreSQL server,
                     postgres://user[:password]@host[:port]/database (env MESSENGER_DB,
                     default data/messenger.sqlite3); mail and attachments go beside
                     the file, or into data/ with PostgreSQL
  --static-dir DIR   built widget to serve (env MESSENGER_STATIC_DIR, default ./dist if it exists)
  --no-demo          do not seed demo users into an empty database
  --demo-history N   when seeding, add N messages between alice and bob to their direct
                     chat, for tests and screenshots (env MESSENGER_DEMO_HISTORY, default 0)
  --no-forwarding    refuse direct messages to offline users instead of storing them
                     (env MESSENGER_NO_FORWARDING=1)
  --message-lifetime-secs N
                     remove unread messages older than N seconds (env
                     MESSENGER_MESSAGE_LIFETIME_SECS, default 604800 = 7 days)
  --orphan-grace-secs N
                     delete uploaded files no message carries N seconds after the
                     upload (env MESSENGER_ORPHAN_GRACE_SECS, default 86400 = 24 hours)
  --smtp URL         send notification e-mail through this plain SMTP relay,
                     smtp://[user:password@]host[:port] (env MESSENGER_SMTP)
  --mail-dir DIR     without --smtp, write each e-mail as an .eml file here
                     (env MESSENGER_MAIL_DIR, default: mail/ beside the database)
  --mail-interval-secs N
                     how often pending e-mail goes out (default 60)
  --poll-interval-secs N
                     how often clients on the HTTP fallback poll GET /api/events; they
                     stay online for twice this after a poll (env
                     MESSENGER_POLL_INTERVAL_SECS, default 3)
  --portal-secret SECRET
                     accept portal tokens (JWT, HS256) signed with SECRET at
                     POST /api/portal-login; at least 32 bytes (env
                     MESSENGER_PORTAL_SECRET, which `ps` does not show; without it
                     portal sign-in is off)
  --demo-intranet DIR
                     serve the demo intranet pages in DIR at /intranet/; with a portal
                     secret also /intranet/sign-in?user=NAME and /intranet/token
                     (env MESSENGER_DEMO_INTRANET)
  --bus nats://HOST:PORT
                     run as one node of a cluster: nodes share the PostgreSQL
                     --database and tell each other of events, typing and presence
                     through this NATS server (env MESSENGER_BUS)
  --node-timeout-ms N
                     with --bus: a node silent this long is dead and its users go
                     offline (env MESSENGER_NODE_TIMEOUT_MS, default 5000)
  --dictionaries DIR Hunspell dictionaries for spell check: en_US, fr_FR (or fr), pl_PL,
                     ru_RU, vi_VN .aff/.dic files (env MESSENGER_DICTIONARIES, default
                     /usr/share/hunspell, where Debian's hunspell-* packages put them)

Contact center (conversations with SMS and web-chat contacts):
  --agents NAME,NAME make these users agents (env MESSENGER_AGENTS; the demo's anna and
                     bruno are agents already)
  --inbound-secret SECRET
                     accept inbound contact messages at POST /api/inbound, signed with
                     HMAC-SHA256 under SECRET; at least 32 bytes (env
                     MESSENGER_INBOUND_SECRET; without it the webhook is off)
  --inbound-mode page|session
                     for inbound messages that do not say: each one an interaction of
                     its own, or joining the contact's open session (env
                     MESSENGER_INBOUND_MODE, default session)
  --inbound-department ID
                     new interactions go to this department's agents (env
                     MESSENGER_INBOUND_DEPARTMENT, default: every agent)
  --gateway-dir DIR  agents' replies are written here, one JSON file each (env
                     MESSENGER_GATEWAY_DIR, default: outbound/ beside the database)
  --session-timeout-secs N
                     a session closes after N seconds without a message (env
                     MESSENGER_SESSION_TIMEOUT_SECS, default 900)
  --session-warning-secs N
                     its agent is warned N seconds before; 0: no warning (env
                     MESSENGER_SESSION_WARNING_SECS, default 120)
  --dispositions CODE=LABEL,...
                     the codes an interaction is closed with (env
                     MESSENGER_DISPOSITIONS, default \"resolved=Resolved,callback=Call back\")
  --require-disposition
                     closing needs one of them (env MESSENGER_REQUIRE_DISPOSITION=1)
";

const DEFAULT_DB: &str = "data/messenger.sqlite3";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let config = match parse_args(std::env::args().skip(1), env) {
        Ok(Some(config)) => config,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("messenger-server: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("messenger-server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("messenger-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), messenger_server::Error> {
    if let Some(dir) = &config.static_dir {
        if !dir.join("index.html").is_file() {
            tracing::warn!("{} has no index.html yet; build the widget", dir.display());
        }
    }
    if let Some(dir) = &config.demo_intranet {
        if !dir.join("index.html").is_file() {
            tracing::warn!(
                "{} has no index.html: /intranet/ will be empty",
                dir.display()
            );
        }
    }
    let server = messenger_server::start(config).await?;
    // Tooling waits for this exact line and reads the port from it.
    println!(
        "messenger-server listening on http://{}",
        server.local_addr()
    );
    std::io::stdout().flush()?;
    server.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// `None` means help was asked for. Flags win over the environment.
fn parse_args(
    args: impl Iterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Config>, String> {
    let mut addr = env("MESSENGER_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut db = env("MESSENGER_DB").unwrap_or_else(|| DEFAULT_DB.into());
    let mut static_dir = env("MESSENGER_STATIC_DIR");
    let mut seed_demo = true;
    let mut demo_history = env("MESSENGER_DEMO_HISTORY");
    let mut forwarding = env("MESSENGER_NO_FORWARDING").is_none_or(|v| v == "0");
    let mut lifetime = env("MESSENGER_MESSAGE_LIFETIME_SECS");
    let mut orphan_grace = env("MESSENGER_ORPHAN_GRACE_SECS");
    let mut smtp = env("MESSENGER_SMTP");
    let mut mail_dir = env("MESSENGER_MAIL_DIR");
    let mut mail_interval = None;
    let mut poll_interval = env("MESSENGER_POLL_INTERVAL_SECS");
    let mut portal_secret = env("MESSENGER_PORTAL_SECRET");
    let mut demo_intranet = env("MESSENGER_DEMO_INTRANET");
    let mut bus = env("MESSENGER_BUS");
    let mut node_timeout = env("MESSENGER_NODE_TIMEOUT_MS");
    let mut dictionaries = env("MESSENGER_DICTIONARIES");
    let mut agents = env("MESSENGER_AGENTS");
    let mut inbound_secret = env("MESSENGER_INBOUND_SECRET");
    let mut inbound_mode = env("MESSENGER_INBOUND_MODE");
    let mut inbound_department = env("MESSENGER_INBOUND_DEPARTMENT");
    let mut gateway_dir = env("MESSENGER_GATEWAY_DIR");
    let mut session_timeout = env("MESSENGER_SESSION_TIMEOUT_SECS");
    let mut session_warning = env("MESSENGER_SESSION_WARNING_SECS");
    let mut dispositions = env("MESSENGER_DISPOSITIONS");
    let mut require_disposition = env("MESSENGER_REQUIRE_DISPOSITION").is_some_and(|v| v != "0");

    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--addr" => addr = value()?,
            "--db" | "--database" => db = value()?,
            "--static-dir" => static_dir = Some(value()?),
            "--no-demo" => seed_demo = false,
            "--demo-history" => demo_history = Some(value()?),
            "--no-forwarding" => forwarding = false,
            "--message-lifetime-secs" => lifetime = Some(value()?),
            "--orphan-grace-secs" => orphan_grace = Some(value()?),
            "--smtp" => smtp = Some(value()?),
            "--mail-dir" => mail_dir = Some(value()?),
            "--mail-interval-secs" => mail_interval = Some(value()?),
            "--poll-interval-secs" => poll_interval = Some(value()?),
            "--portal-secret" => portal_secret = Some(value()?),
            "--demo-intranet" => demo_intranet = Some(value()?),
            "--bus" => bus = Some(value()?),
            "--node-timeout-ms" => node_timeout = Some(value()?),
            "--dictionaries" => dictionaries = Some(value()?),
            "--agents" => agents = Some(value()?),
            "--inbound-secret" => inbound_secret = Some(value()?),
            "--inbound-mode" => inbound_mode = Some(value()?),
            "--inbound-department" => inbound_department = Some(value()?),
            "--gateway-dir" => gateway_dir = Some(value()?),
            "--session-timeout-secs" => session_timeout = Some(value()?),
            "--session-warning-secs" => session_warning = Some(value()?),
            "--dispositions" => dispositions = Some(value()?),
            "--require-disposition" => require_disposition = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }

    let addr: SocketAddr = addr
        .parse()
        .map_err(|e| format!("--addr {addr:?} is not IP:PORT: {e}"))?;
    let static_dir = static_dir
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("dist")).filter(|dir| dir.is_dir()));
    let mut config = if messenger_server::is_postgres_url(&db) {
        let mut config = Config::new(addr, PathBuf::from(DEFAULT_DB));
        config.postgres_url = Some(db);
        config
    } else {
        Config::new(addr, PathBuf::from(db))
    };
    config.static_dir = static_dir;
    config.seed_demo = seed_demo;
    if let Some(n) = demo_history {
        config.demo_history = n.parse().ok().filter(|n| *n <= 1_000_000).ok_or_else(|| {
            format!("--demo-history {n:?} is not a number of messages (at most 1000000)")
        })?;
    }
    config.forwarding = forwarding;
    if let Some(lifetime) = lifetime {
        let secs: u64 = lifetime
            .parse()
            .ok()
            .filter(|secs| *secs > 0)
            .ok_or_else(|| {
                format!("--message-lifetime-secs {lifetime:?} is not a positive number of seconds")
            })?;
        config.message_lifetime = std::time::Duration::from_secs(secs);
    }
    if let Some(grace) = orphan_grace {
        let secs: u64 = grace.parse().ok().filter(|secs| *secs > 0).ok_or_else(|| {
            format!("--orphan-grace-secs {grace:?} is not a positive number of seconds")
        })?;
        config.orphan_grace = std::time::Duration::from_secs(secs);
    }
    if let Some(url) = smtp {
        if !url.starts_with("smtp://") {
            return Err(format!(
                "--smtp {url:?} must be smtp://host:port (plain SMTP; no TLS built in)"
            ));
        }
        config.mail.smtp_url = Some(url);
    }
    if let Some(dir) = mail_dir {
        config.mail.outbox_dir = PathBuf::from(dir);
    }
    if let Some(secs) = mail_interval {
        let secs: u64 = secs
            .parse()
            .ok()
            .filter(|s| *s > 0)
            .ok_or_else(|| format!("--mail-interval-secs {secs:?} is not a positive number"))?;
        config.mail.interval = std::time::Duration::from_secs(secs);
    }
    if let Some(secs) = poll_interval {
        let secs: u64 = secs
            .parse()
            .ok()
            .filter(|s| (1..=3600).contains(s))
            .ok_or_else(|| {
                format!("--poll-interval-secs {secs:?} is not a number of seconds from 1 to 3600")
            })?;
        config.limits.poll_interval_ms = secs * 1000;
    }
    if let Some(secret) = portal_secret {
        config.portal_secret = Some(
            messenger_server::PortalSecret::new(&secret)
                .map_err(|e| format!("--portal-secret (or MESSENGER_PORTAL_SECRET): {e}"))?,
        );
    }
    config.demo_intranet = demo_intranet.map(PathBuf::from);
    if let Some(dir) = dictionaries {
        config.dictionaries_dir = PathBuf::from(dir);
    }
    if !config.dictionaries_dir.is_dir() {
        // Not fatal: everything but spell check works, and each check says it is unavailable.
        tracing::warn!(
            "no dictionary folder {}: spell check is unavailable until it exists \
             (apt-get install hunspell-en-us hunspell-fr hunspell-pl hunspell-ru hunspell-vi)",
            config.dictionaries_dir.display()
        );
    }
    config.cluster = cluster_config(bus, node_timeout, config.postgres_url.is_some())?;
    let center = &mut config.contact_center;
    if let Some(agents) = agents {
        center.agents = agents
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(secret) = inbound_secret {
        center.inbound_secret = Some(
            messenger_server::InboundSecret::new(&secret)
                .map_err(|e| format!("--inbound-secret (or MESSENGER_INBOUND_SECRET): {e}"))?,
        );
    }
    if let Some(mode) = inbound_mode {
        center.inbound_mode = match mode.as_str() {
            "page" => messenger_protocol::InteractionMode::Page,
            "session" => messenger_protocol::InteractionMode::Session,
            _ => return Err(format!("--inbound-mode {mode:?} must be page or session")),
        };
    }
    if let Some(id) = inbound_department {
        center.inbound_department = Some(
            id.parse()
                .map_err(|_| format!("--inbound-department {id:?} is not a department id"))?,
        );
    }
    if let Some(dir) = gateway_dir {
        center.gateway_dir = PathBuf::from(dir);
    }
    if let Some(secs) = session_timeout {
        let secs: u64 = secs.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
            format!("--session-timeout-secs {secs:?} is not a positive number of seconds")
        })?;
        center.session_timeout = std::time::Duration::from_secs(secs);
    }
    if let Some(secs) = session_warning {
        let secs: u64 = secs
            .parse()
            .map_err(|_| format!("--session-warning-secs {secs:?} is not a number of seconds"))?;
        center.session_warning = std::time::Duration::from_secs(secs);
    }
    if let Some(list) = dispositions {
        center.dispositions = messenger_server::parse_dispositions(&list)
            .map_err(|e| format!("--dispositions: {e}"))?;
    }
    center.require_disposition = require_disposition;
    center.check()?;
    Ok(Some(config))
}

fn cluster_config(
    bus: Option<String>,
    node_timeout: Option<String>,
    postgres: bool,
) -> Result<Option<messenger_server::ClusterConfig>, String> {
    let Some(url) = bus else {
        return match node_timeout {
            Some(_) => Err("--node-timeout-ms only applies with --bus".into()),
            None => Ok(None),
        };
    };
    if !url.starts_with("nats://") {
        return Err(format!("--bus {url:?} must be nats://host:port"));
    }
    if !postgres {
        return Err(
            "--bus needs a PostgreSQL --database (postgres://…) that all nodes share; \
             a SQLite file belongs to one server"
                .into(),
        );
    }
    let mut cluster = messenger_server::ClusterConfig::new(url);
    if let Some(ms) = node_timeout {
        let ms: u64 = ms
            .parse()
            .ok()
            .filter(|ms| (100..=3_600_000).contains(ms))
            .ok_or_else(|| {
                format!(
                    "--node-timeout-ms {ms:?} is not a number of milliseconds from 100 to 3600000"
                )
            })?;
        cluster.node_timeout = std::time::Duration::from_millis(ms);
        // A few heartbeats per timeout, so one late beat does not make a node dead.
        cluster.heartbeat = cluster.heartbeat.min(cluster.node_timeout / 4);
    }
    Ok(Some(cluster))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a handler there is nothing to wait for; SIGTERM may still come.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Option<Config>, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_args(args.iter().map(|a| a.to_string()), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn a_postgres_url_selects_postgres_with_data_files_in_data() {
        let url = "postgres://m@db.example:5433/messenger";
        for args in [vec!["--database", url], vec!["--db", url]] {
            let config = parse(&args, &[]).unwrap().unwrap();
            assert_eq!(config.postgres_url.as_deref(), Some(url));
            assert_eq!(config.mail.outbox_dir, PathBuf::from("data/mail"));
        }
        let config = parse(&[], &[("MESSENGER_DB", url)]).unwrap().unwrap();
        assert_eq!(config.postgres_url.as_deref(), Some(url));
    }

    #[test]
    fn defaults_then_environment_then_flags() {
        let config = parse(&[], &[]).unwrap().unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.db_path, PathBuf::from("data/messenger.sqlite3"));
        assert!(config.seed_demo);

        let env = [("MESSENGER_ADDR", "0.0.0.0:9000"), ("MESSENGER_DB", "e.db")];
        let config = parse(&[], &env).unwrap().unwrap();
        assert_eq!(config.addr.to_string(), "0.0.0.0:9000");
        assert_eq!(config.db_path, PathBuf::from("e.db"));

        let args = [
            "--addr=127.0.0.1:0",
            "--db",
            "f.db",
            "--static-dir",
            "web",
            "--no-demo",
        ];
        let config = parse(&args, &env).unwrap().unwrap();
        assert_eq!(config.addr.port(), 0);
        assert_eq!(config.db_path, PathBuf::from("f.db"));
        assert_eq!(config.postgres_url, None);
        assert_eq!(config.static_dir, Some(PathBuf::from("web")));
        assert!(!config.seed_demo);
        assert!(config.forwarding);
        assert_eq!(config.message_lifetime.as_secs(), 7 * 24 * 3600);

        let env = [
            ("MESSENGER_NO_FORWARDING", "1"),
            ("MESSENGER_MESSAGE_LIFETIME_SECS", "60"),
        ];
        let config = parse(&[], &env).unwrap().unwrap();
        assert!(!config.forwarding);
        assert_eq!(config.message_lifetime.as_secs(), 60);
        let config = parse(&["--no-forwarding", "--message-lifetime-secs=5"], &[])
            .unwrap()
            .unwrap();
        assert!(!config.forwarding);
        assert_eq!(config.message_lifetime.as_secs(), 5);

        let default = parse(&[], &[]).unwrap().unwrap().dictionaries_dir;
        assert_eq!(default, PathBuf::from("/usr/share/hunspell"));
        let env = [("MESSENGER_DICTIONARIES", "/opt/dicts")];
        let config = parse(&[], &env).unwrap().unwrap();
        assert_eq!(config.dictionaries_dir, PathBuf::from("/opt/dicts"));
        let config = parse(&["--dictionaries", "dicts"], &env).unwrap().unwrap();
        assert_eq!(config.dictionaries_dir, PathBuf::from("dicts"));
    }

    #[test]
    fn bad_arguments_are_reported() {
        assert!(parse(&["--help"], &[]).unwrap().is_none());
        assert!(parse(&["--addr"], &[])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&["--addr", "localhost"], &[])
            .unwrap_err()
            .contains("IP:PORT"));
        assert!(parse(&["--verbose"], &[]).unwrap_err().contains("unknown"));
        assert!(parse(&["--message-lifetime-secs", "soon"], &[])
            .unwrap_err()
            .contains("positive number"));
        assert!(parse(&["--message-lifetime-secs", "0"], &[]).is_err());
        assert!(parse(&["--smtp", "smtps://x"], &[])
            .unwrap_err()
            .contains("smtp://"));
        assert!(parse(&["--mail-interval-secs", "0"], &[])
            .unwrap_err()
            .contains("positive"));
    }

    #[test]
    fn orphan_grace_flag_and_environment() {
        let grace = |args: &[&str], env: &[(&str, &str)]| {
            parse(args, env).map(|c| c.unwrap().orphan_grace.as_secs())
        };
        assert_eq!(grace(&[], &[]), Ok(24 * 3600));
        let env = [("MESSENGER_ORPHAN_GRACE_SECS", "600")];
        assert_eq!(grace(&[], &env), Ok(600));
        assert_eq!(grace(&["--orphan-grace-secs=5"], &env), Ok(5));
        for bad in ["0", "soon", "-1"] {
            assert!(grace(&["--orphan-grace-secs", bad], &[])
                .unwrap_err()
                .contains("positive number of seconds"));
        }
    }

    #[test]
    fn demo_history_flag_and_environment() {
        assert_eq!(parse(&[], &[]).unwrap().unwrap().demo_history, 0);
        let env = [("MESSENGER_DEMO_HISTORY", "20")];
        assert_eq!(parse(&[], &env).unwrap().unwrap().demo_history, 20);
        let config = parse(&["--demo-history=10000"], &env).unwrap().unwrap();
        assert_eq!(config.demo_history, 10_000);
        assert!(parse(&["--demo-history", "many"], &[])
            .unwrap_err()
            .contains("number of messages"));
        assert!(parse(&["--demo-history", "-1"], &[]).is_err());
    }

    #[test]
    fn mail_flags_and_environment() {
        let config = parse(&[], &[]).unwrap().unwrap();
        assert_eq!(config.mail.smtp_url, None);
        assert_eq!(config.mail.outbox_dir, PathBuf::from("data/mail"));

        let env = [
            ("MESSENGER_SMTP", "smtp://127.0.0.1:2525"),
            ("MESSENGER_MAIL_DIR", "out"),
        ];
        let config = parse(&[], &env).unwrap().unwrap();
        assert_eq!(
            config.mail.smtp_url.as_deref(),
            Some("smtp://127.0.0.1:2525")
        );
        assert_eq!(config.mail.outbox_dir, PathBuf::from("out"));

        let args = [
            "--smtp=smtp://relay:25",
            "--mail-dir",
            "m",
            "--mail-interval-secs",
            "5",
        ];
        let config = parse(&args, &env).unwrap().unwrap();
        assert_eq!(config.mail.smtp_url.as_deref(), Some("smtp://relay:25"));
        assert_eq!(config.mail.outbox_dir, PathBuf::from("m"));
        assert_eq!(config.mail.interval, std::time::Duration::from_secs(5));
    }

    #[test]
    fn portal_secret_and_intranet_flags() {
        let config = parse(&[], &[]).unwrap().unwrap();
        assert!(config.portal_secret.is_none() && config.demo_intranet.is_none());
        let long = "k".repeat(32);
        let env = [
            ("MESSENGER_PORTAL_SECRET", long.as_str()),
            ("MESSENGER_DEMO_INTRANET", "demo/intranet"),
        ];
        let config = parse(&[], &env).unwrap().unwrap();
        assert!(config.portal_secret.is_some());
        assert_eq!(config.demo_intranet, Some(PathBuf::from("demo/intranet")));
        let error = parse(&["--portal-secret", "too-short"], &env).unwrap_err();
        assert!(error.contains("at least 32"), "{error}");
        assert!(!format!("{config:?}").contains(&long), "never printed");
    }

    #[test]
    fn bus_needs_postgres_and_a_nats_url() {
        assert!(parse(&[], &[]).unwrap().unwrap().cluster.is_none());
        let pg = "postgres://m@db/messenger";
        let config = parse(&["--database", pg, "--bus", "nats://127.0.0.1:4222"], &[])
            .unwrap()
            .unwrap();
        let cluster = config.cluster.unwrap();
        assert_eq!(cluster.bus_url, "nats://127.0.0.1:4222");
        assert_eq!(cluster.node_timeout.as_secs(), 5);
        let env = [("MESSENGER_DB", pg), ("MESSENGER_BUS", "nats://bus:4222")];
        let config = parse(&["--node-timeout-ms=800"], &env).unwrap().unwrap();
        let cluster = config.cluster.unwrap();
        assert_eq!(cluster.node_timeout.as_millis(), 800);
        assert_eq!(cluster.heartbeat.as_millis(), 200);
        let error = parse(&["--bus", "nats://bus:4222"], &[]).unwrap_err();
        assert!(error.contains("PostgreSQL"), "{error}");
        let error = parse(&["--db", pg, "--bus", "bus:4222"], &[]).unwrap_err();
        assert!(error.contains("nats://"), "{error}");
        let error = parse(&["--node-timeout-ms", "10"], &env).unwrap_err();
        assert!(error.contains("from 100"), "{error}");
        assert!(parse(&["--node-timeout-ms", "900"], &[]).is_err());
    }

    #[test]
    fn contact_center_flags_and_environment() {
        let config = parse(&[], &[]).unwrap().unwrap();
        let center = &config.contact_center;
        assert!(center.inbound_secret.is_none() && center.agents.is_empty());
        assert_eq!(
            center.inbound_mode,
            messenger_protocol::InteractionMode::Session
        );
        assert_eq!(center.session_timeout.as_secs(), 900);
        assert_eq!(center.session_warning.as_secs(), 120);
        assert_eq!(center.gateway_dir, PathBuf::from("data/outbound"));
        assert!(!center.require_disposition);

        let secret = "s".repeat(32);
        let env = [
            ("MESSENGER_INBOUND_SECRET", secret.as_str()),
            ("MESSENGER_AGENTS", "anna, bruno"),
            ("MESSENGER_SESSION_TIMEOUT_SECS", "600"),
        ];
        let args = [
            "--inbound-mode=page",
            "--inbound-department",
            "4",
            "--gateway-dir",
            "sms-out",
            "--session-warning-secs",
            "0",
            "--dispositions",
            "done=Done,later=Call back",
            "--require-disposition",
        ];
        let config = parse(&args, &env).unwrap().unwrap();
        let center = &config.contact_center;
        assert!(center.inbound_secret.is_some());
        assert!(!format!("{config:?}").contains(&secret), "never printed");
        assert_eq!(center.agents, ["anna", "bruno"]);
        assert_eq!(
            center.inbound_mode,
            messenger_protocol::InteractionMode::Page
        );
        assert_eq!(center.inbound_department, Some(4));
        assert_eq!(center.gateway_dir, PathBuf::from("sms-out"));
        assert_eq!(center.session_timeout.as_secs(), 600);
        assert!(center.session_warning.is_zero());
        assert_eq!(center.dispositions[1].label, "Call back");
        assert!(center.require_disposition);

        for (args, wanted) in [
            (&["--inbound-secret", "short"][..], "at least 32"),
            (&["--inbound-mode", "chat"], "page or session"),
            (&["--inbound-department", "support"], "department id"),
            (&["--session-timeout-secs", "0"], "positive"),
            (&["--session-warning-secs", "900"], "before the timeout"),
            (&["--dispositions", "nolabel"], "code=Label"),
            (
                &["--dispositions", "", "--require-disposition"],
                "at least one",
            ),
        ] {
            let error = parse(args, &[]).unwrap_err();
            assert!(error.contains(wanted), "{args:?}: {error}");
        }
    }

    #[test]
    fn poll_interval_flag_and_environment() {
        let interval = |args: &[&str], env: &[(&str, &str)]| {
            parse(args, env).map(|c| c.unwrap().limits.poll_interval_ms)
        };
        assert_eq!(interval(&[], &[]), Ok(3000));
        let env = [("MESSENGER_POLL_INTERVAL_SECS", "10")];
        assert_eq!(interval(&[], &env), Ok(10_000));
        assert_eq!(interval(&["--poll-interval-secs=2"], &env), Ok(2000));
        for bad in ["0", "soon", "-3", "3601"] {
            assert!(interval(&["--poll-interval-secs", bad], &[])
                .unwrap_err()
                .contains("from 1 to 3600"));
        }
    }
}
