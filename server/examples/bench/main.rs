//! Throughput of one server instance: many connected clients on loopback, some of them
//! sending into shared group conversations as fast as acks come back. In the same run the
//! same clients load a bare axum WebSocket fan-out (no storage, no guarantees), the ceiling
//! of this machine, and our figures are printed as a ratio of it.
//!
//! cargo run --profile server -p messenger-server --example bench -- [--clients 100]
//!     [--senders 100] [--group-size 10] [--messages 20000] [--seconds 30] [--window 4]
//!     [--no-ceiling | --ceiling-only | --matrix]
//!
//! Prints messages acked per second, message events delivered per second and ack latency.

/// The same allocator as the server binary (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod ceiling;
mod load;
mod matrix;

use load::{ms, Figures, Load};
use messenger_server::{test_support, Config};

struct Options {
    load: Load,
    ours: bool,
    ceiling: bool,
    /// SQLite, then 1, 2 and 3 nodes on PostgreSQL (+ NATS), then the ceiling.
    matrix: bool,
}

const USAGE: &str = "usage: bench [--clients N] [--senders N] [--group-size N] [--messages N] \
[--seconds N] [--window N] [--no-ceiling | --ceiling-only | --matrix]";

fn options() -> Result<Options, String> {
    let mut o = Options {
        load: Load {
            clients: 100,
            senders: 100,
            group_size: 10,
            messages: 20_000,
            seconds: 30,
            window: 4,
        },
        ours: true,
        ceiling: true,
        matrix: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--no-ceiling" => o.ceiling = false,
            "--ceiling-only" => o.ours = false,
            "--matrix" => o.matrix = true,
            "-h" | "--help" => return Err(USAGE.into()),
            _ => {
                let value: usize = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("{flag} needs a number\n{USAGE}"))?;
                let l = &mut o.load;
                match flag.as_str() {
                    "--clients" => l.clients = value.max(1),
                    "--senders" => l.senders = value,
                    "--group-size" => l.group_size = value.max(1),
                    "--messages" => l.messages = value,
                    "--seconds" => l.seconds = value as u64,
                    "--window" => l.window = value.max(1),
                    other => return Err(format!("unknown argument {other}\n{USAGE}")),
                }
            }
        }
    }
    if !o.ours && !o.ceiling {
        return Err("--no-ceiling and --ceiling-only leave nothing to run".into());
    }
    o.load.senders = o.load.senders.min(o.load.clients);
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<(), messenger_server::Error> {
    let o = options()?;
    let l = &o.load;
    check_fd_limit(l.clients)?;
    println!(
        "{} clients, {} senders, groups of {}, window {} per sender",
        l.clients, l.senders, l.group_size, l.window
    );
    if o.matrix {
        return matrix::run(l).await;
    }
    let ours = match o.ours {
        true => Some(ours(l).await?),
        false => None,
    };
    let ceiling = match o.ceiling {
        true => Some(ceiling::measure(l).await?),
        false => None,
    };
    if let (Some(ours), Some(ceiling)) = (&ours, &ceiling) {
        print_ratios(ours, ceiling);
    }
    Ok(())
}

/// A server on a free port for the bench's seeded users: no demo organisation, and no
/// per-connection rate limit (it protects a real server; here it would be what is measured).
pub(crate) fn bench_config(db: std::path::PathBuf) -> Result<Config, messenger_server::Error> {
    let mut config = Config::new("127.0.0.1:0".parse()?, db);
    config.seed_demo = false;
    config.limits.commands_per_second = 1_000_000;
    config.limits.command_burst = 1_000_000;
    Ok(config)
}

/// Our server on a fresh SQLite file with `clients` users in groups.
pub(crate) async fn ours(l: &Load) -> Result<Figures, messenger_server::Error> {
    let dir = std::env::temp_dir().join(format!("messenger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.sqlite3");
    let seeded = test_support::seed_users_in_groups(&db, l.clients, l.group_size)?;
    let server = messenger_server::start(bench_config(db)?).await?;
    let url = format!("ws://{}/ws", server.local_addr());
    println!("messenger-server (SQLite, every guarantee):");
    let figures = load::run(&[url], &seeded.tokens, &seeded.groups, l).await;
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&dir);
    let figures = figures?;
    figures.print();
    Ok(figures)
}

fn print_ratios(ours: &Figures, ceiling: &Figures) {
    println!(
        "ours / ceiling:      messages/s {:.2}, events/s {:.2}, ack p50 {:.1}x, ack p99 {:.1}x",
        ours.messages_per_second() / ceiling.messages_per_second(),
        ours.events_per_second() / ceiling.events_per_second(),
        ms(ours.latency(0.50)) / ms(ceiling.latency(0.50)),
        ms(ours.latency(0.99)) / ms(ceiling.latency(0.99)),
    );
}

/// Each client holds two descriptors in this process (its end and the server's).
fn check_fd_limit(clients: usize) -> Result<(), String> {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse::<usize>().ok());
    let needed = 2 * clients + 64;
    match soft {
        Some(soft) if soft < needed => Err(format!(
            "{clients} clients need about {needed} file descriptors, the limit is {soft}: \
             raise it with `ulimit -n {needed}`"
        )),
        _ => Ok(()),
    }
}
