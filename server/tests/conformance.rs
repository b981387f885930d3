//! The conformance suite, run against the reference server in-process: what CI proves.

mod common;

use messenger_conformance::{run_all, Credential, Target};
use messenger_server::RunningServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_server_passes_the_conformance_suite() {
    let (server, _db) = common::start("conformance").await;
    passes_the_suite(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_server_on_postgres_passes_the_conformance_suite() {
    let (server, _postgres) = common::start_postgres("conformance").await;
    passes_the_suite(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_node_cluster_passes_the_conformance_suite_with_users_on_both_nodes() {
    let cluster = common::start_cluster("conformance", 2).await;
    let urls: Vec<String> = cluster
        .nodes
        .iter()
        .map(|node| format!("http://{}", node.local_addr()))
        .collect();
    // Alice and Carol on the first node, Bob on the second.
    let target = Target::cluster(&urls, users()).unwrap();
    assert_ne!(target.node_of(0), target.node_of(1));
    check(&target).await;
    for node in cluster.nodes {
        node.shutdown().await.unwrap();
    }
}

fn users() -> Vec<Credential> {
    ["alice", "bob", "carol"]
        .map(|name| Credential::Password {
            username: name.into(),
            password: messenger_server::DEMO_PASSWORD.into(),
        })
        .to_vec()
}

async fn passes_the_suite(server: RunningServer) {
    let target = Target::new(&format!("http://{}", server.local_addr()), users()).unwrap();
    check(&target).await;
    server.shutdown().await.unwrap();
}

async fn check(target: &Target) {
    let report = run_all(target).await;
    // Result lines only: a "N passed, M failed" line here would read as the run's summary.
    for result in &report.results {
        println!("{result}");
    }
    let unexpected: Vec<String> = report
        .results
        .iter()
        .filter(|r| r.outcome.is_err())
        .map(|r| r.to_string())
        .collect();
    assert!(
        unexpected.is_empty(),
        "failed checks:\n{}",
        unexpected.join("\n")
    );
    assert_eq!(
        report.results.len(),
        messenger_conformance::check_names().len(),
        "every check ran"
    );
}
