//! `--matrix`: the same load on one SQLite node, then on 1, 2 and 3 nodes sharing one
//! PostgreSQL database (the clustered ones over NATS), then on the bare ceiling, printed as
//! one table. PostgreSQL and nats-server are started here, on free ports in temporary folders
//! (Debian's packages, which `cargo xtask` installs).

use messenger_server::{test_support, ClusterConfig, Error};

use crate::ceiling;
use crate::load::{self, ms, Figures, Load};

struct Row {
    setup: String,
    figures: Figures,
}

pub async fn run(l: &Load) -> Result<(), Error> {
    let mut rows = Vec::new();
    rows.push(Row {
        setup: "SQLite, 1 node".into(),
        figures: crate::ours(l).await?,
    });
    let (postgres, nats) = tokio::task::spawn_blocking(|| {
        let postgres = messenger_services::Postgres::start()?;
        let nats = messenger_services::Nats::start()?;
        Ok::<_, messenger_services::Error>((postgres, nats))
    })
    .await?
    .map_err(|e| format!("starting PostgreSQL and nats-server: {e}"))?;
    for nodes in 1..=3 {
        let name = format!("bench{nodes}");
        let url = {
            let postgres = &postgres;
            postgres
                .create_database(&name)
                .map_err(|e| format!("creating database {name}: {e}"))?
        };
        let seeded = {
            let url = url.clone();
            let (clients, group) = (l.clients, l.group_size);
            tokio::task::spawn_blocking(move || {
                test_support::seed_users_in_groups_postgres(&url, clients, group)
            })
            .await??
        };
        let mut servers = Vec::new();
        for n in 0..nodes {
            let mut config =
                crate::bench_config(postgres.dir().join(format!("{name}-{n}/unused.sqlite3")))?;
            config.postgres_url = Some(url.clone());
            if nodes > 1 {
                config.cluster = Some(ClusterConfig::new(nats.url()));
            }
            servers.push(messenger_server::start(config).await?);
        }
        let urls: Vec<String> = servers
            .iter()
            .map(|s| format!("ws://{}/ws", s.local_addr()))
            .collect();
        let setup = match nodes {
            1 => "PostgreSQL, 1 node".to_owned(),
            n => format!("PostgreSQL + NATS, {n} nodes"),
        };
        println!("messenger-server ({setup}):");
        let figures = load::run(&urls, &seeded.tokens, &seeded.groups, l).await;
        for server in servers {
            server.shutdown().await?;
        }
        let figures = figures?;
        figures.print();
        rows.push(Row { setup, figures });
    }
    drop(nats);
    drop(postgres);
    rows.push(Row {
        setup: "bare axum fan-out (ceiling)".into(),
        figures: ceiling::measure(l).await?,
    });
    print_table(l, &rows);
    Ok(())
}

fn print_table(l: &Load, rows: &[Row]) {
    println!();
    println!(
        "{} clients, {} senders, groups of {}, window {}:",
        l.clients, l.senders, l.group_size, l.window
    );
    println!("| setup | messages/s | events/s | ack p50 | ack p99 |");
    println!("|---|---|---|---|---|");
    for row in rows {
        let f = &row.figures;
        println!(
            "| {} | {:.0} | {:.0} | {:.1} ms | {:.1} ms |",
            row.setup,
            f.messages_per_second(),
            f.events_per_second(),
            ms(f.latency(0.50)),
            ms(f.latency(0.99)),
        );
    }
}
