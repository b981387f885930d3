//! Cluster mode: nodes on one PostgreSQL, joined through a real nats-server. Users on
//! different nodes chat, see each other's presence and typing, a user with tabs on two
//! nodes sees one contiguous stream, and a client of a killed node resumes on another.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{user_id, Client};
use messenger_protocol::{
    AckResult, ClientFrame, Event, Importance, Presence, ResumePosition, ServerFrame, UserId,
};

/// `events` as seq → event, asserting that the seqs run from `after + 1` without a gap or a
/// repeat.
fn contiguous(after: u64, events: &[(u64, Event)]) -> BTreeMap<u64, Event> {
    let seqs: Vec<u64> = events.iter().map(|(seq, _)| *seq).collect();
    let expected: Vec<u64> = (after + 1..=after + events.len() as u64).collect();
    assert_eq!(seqs, expected, "one contiguous stream after seq {after}");
    events.iter().cloned().collect()
}

fn texts(events: &BTreeMap<u64, Event>) -> Vec<String> {
    events
        .values()
        .filter_map(|event| match event {
            Event::MessageCreated { message } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tabs_on_two_nodes_get_one_ordered_stream_while_both_nodes_write_to_it() {
    let cluster = common::start_cluster("tabs", 2).await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let token = common::login(a, "alice").await;
    let (mut tab_a, welcome_a) = Client::hello(a, &token).await;
    let (mut tab_b, welcome_b) = Client::hello(b, &token).await;
    let alice = welcome_a.me.id;

    const EACH: usize = 30;
    let mut senders = Vec::new();
    for (name, node) in [("bob", a), ("carol", b), ("dave", b), ("erin", a)] {
        let (mut client, _) = Client::login(node, name).await;
        let direct = client.open_direct(alice).await.id;
        senders.push(tokio::spawn(async move {
            for n in 0..EACH {
                client.send_message(direct, &format!("{name} {n}")).await;
            }
            client
        }));
    }
    let mut clients = Vec::new();
    for sender in senders {
        clients.push(sender.await.unwrap());
    }

    // Every send was acked, so a probe's answer comes after all of their events.
    let on_a = tab_a.drain_events().await;
    let on_b = tab_b.drain_events().await;
    let from_a = contiguous(welcome_a.seq, &on_a);
    let start_b = welcome_b.seq;
    let from_b = contiguous(start_b, &on_b);
    // The second tab connected later: from its start on, both saw the same events.
    let tail_a: BTreeMap<u64, Event> = from_a
        .iter()
        .filter(|(seq, _)| **seq > start_b)
        .map(|(seq, event)| (*seq, event.clone()))
        .collect();
    assert_eq!(tail_a, from_b, "both tabs got the same stream");
    let received = texts(&from_a);
    assert_eq!(
        received.len(),
        4 * EACH,
        "every message reached the tab on A"
    );
    for name in ["bob", "carol", "dave", "erin"] {
        let own: Vec<&String> = received
            .iter()
            .filter(|t| t.starts_with(&format!("{name} ")))
            .collect();
        let expected: Vec<String> = (0..EACH).map(|n| format!("{name} {n}")).collect();
        assert_eq!(
            own,
            expected.iter().collect::<Vec<_>>(),
            "{name}'s in order"
        );
    }
    drop(clients);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_different_nodes_chat_and_see_presence_and_typing() {
    let cluster = common::start_cluster("presence", 2).await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let (mut alice, welcome) = Client::login(a, "alice").await;
    let (alice_id, bob_id) = (welcome.me.id, user_id(&welcome, "bob"));
    let (mut bob, welcome) = Client::login(b, "bob").await;
    let me = |w: &messenger_protocol::Welcome, id: UserId| {
        w.users.iter().find(|u| u.id == id).unwrap().presence
    };
    assert_eq!(
        me(&welcome, alice_id),
        Presence::Online,
        "Alice is on node A"
    );
    let (_, online) = alice
        .wait_for_event(|e| matches!(e, Event::Presence { user_id, .. } if *user_id == bob_id))
        .await;
    assert!(matches!(
        online,
        Event::Presence {
            presence: Presence::Online,
            ..
        }
    ));

    let direct = alice.open_direct(bob_id).await.id;
    let sent = alice.send_message(direct, "hello across nodes").await;
    let (_, got) = bob
        .wait_for_event(|e| matches!(e, Event::MessageCreated { .. }))
        .await;
    assert!(matches!(got, Event::MessageCreated { message } if message.id == sent.id));

    let id = alice.new_id();
    alice
        .ack(ClientFrame::Typing {
            id,
            conversation_id: direct,
        })
        .await;
    loop {
        match bob.recv().await {
            ServerFrame::Typing { user_id, .. } => {
                assert_eq!(user_id, alice_id);
                break;
            }
            ServerFrame::Event { .. } => {}
            other => panic!("expected typing, got {other:?}"),
        }
    }

    let id = alice.new_id();
    alice
        .ack(ClientFrame::SetPresence {
            id,
            presence: Presence::Away,
        })
        .await;
    let (_, away) = bob
        .wait_for_event(|e| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id))
        .await;
    assert!(matches!(
        away,
        Event::Presence {
            presence: Presence::Away,
            ..
        }
    ));
    // A newcomer on node B sees Alice away, not merely online.
    let (_, welcome) = Client::login(b, "carol").await;
    assert_eq!(me(&welcome, alice_id), Presence::Away);

    drop(alice);
    let (_, offline) = bob
        .wait_for_event(|e| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id))
        .await;
    assert!(matches!(
        offline,
        Event::Presence {
            presence: Presence::Offline,
            ..
        }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_taken_for_dead_rejoins_and_its_users_are_back() {
    let cluster = common::start_cluster("rejoin", 2).await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let (_alice, welcome) = Client::login(a, "alice").await;
    let alice_id = welcome.me.id;
    let (mut bob, _) = Client::login(b, "bob").await;
    // What a node that reaps node A does to the record (a long pause of A, say).
    let url = cluster.postgres.url();
    tokio::task::spawn_blocking(move || {
        let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        db.batch_execute(
            "DELETE FROM cluster_nodes WHERE node IN
                 (SELECT node FROM cluster_connections WHERE user_id = 1);
             DELETE FROM cluster_connections WHERE user_id = 1;",
        )
        .unwrap();
    })
    .await
    .unwrap();
    assert_eq!(alice_id, 1, "the statement above names Alice by id");
    let (_, back) = bob
        .wait_for_event(|e| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id))
        .await;
    assert!(matches!(
        back,
        Event::Presence {
            presence: Presence::Online,
            ..
        }
    ));
    // Node B's view, refreshed from the record at its heartbeat, has her too.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, fresh) = Client::login(b, "carol").await;
    let presence = fresh
        .users
        .iter()
        .find(|u| u.id == alice_id)
        .unwrap()
        .presence;
    assert_eq!(presence, Presence::Online);
}

/// A `messenger-server` process, killed when dropped.
struct Node {
    child: Child,
    addr: SocketAddr,
    /// Kept open: the node's stdout stays writable.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Node {
    fn start(dir: &std::path::Path, database: &str, bus: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_messenger-server"))
            .current_dir(dir)
            .args([
                "--addr",
                "127.0.0.1:0",
                "--database",
                database,
                "--bus",
                bus,
            ])
            .args(["--node-timeout-ms", "1000"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("messenger-server starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let addr = loop {
            line.clear();
            let read = stdout.read_line(&mut line).unwrap();
            assert!(read > 0, "the node exited before listening");
            if let Some(addr) = line
                .trim()
                .strip_prefix("messenger-server listening on http://")
            {
                break addr.parse().unwrap();
            }
        };
        Node {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// SIGKILL: no goodbye to anyone.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_a_killed_node_resumes_on_another_without_gap_or_duplicate() {
    let (postgres, nats) = common::start_services().await;
    let (database, bus, dir) = (postgres.url(), nats.url(), postgres.dir().to_owned());
    // One after the other: the first seeds the demo organisation.
    let mut node_a = Node::start(&dir, &database, &bus);
    let node_b = Node::start(&dir, &database, &bus);
    let (a, b) = (node_a.addr, node_b.addr);

    let token = common::login(a, "alice").await;
    let (mut alice, welcome) = Client::hello(a, &token).await;
    let epoch = welcome.epoch.clone();
    let [bob_id, dave_id] = ["bob", "dave"].map(|name| user_id(&welcome, name));
    let (_dave, _) = Client::login(a, "dave").await;
    let (mut bob, _) = Client::login(b, "bob").await;
    let (mut carol, _) = Client::login(b, "carol").await;

    let direct = alice.open_direct(bob_id).await.id;
    for n in 0..3 {
        bob.send_message(direct, &format!("before {n}")).await;
    }
    let seen = alice.drain_events().await;
    let position = contiguous(welcome.seq, &seen)
        .keys()
        .last()
        .copied()
        .unwrap();

    // A send whose ack Alice never reads: stored, then node A dies.
    let resend_id = alice.new_id();
    let unacked = ClientFrame::SendMessage {
        note: false,
        id: resend_id.clone(),
        conversation_id: direct,
        text: "sent once".into(),
        importance: Importance::Normal,
        attachments: Vec::new(),
    };
    alice.send(&unacked).await;
    bob.wait_for_event(
        |e| matches!(e, Event::MessageCreated { message } if message.text == "sent once"),
    )
    .await;
    node_a.kill();
    for n in 0..3 {
        bob.send_message(direct, &format!("while away {n}")).await;
    }

    let resume = ResumePosition {
        epoch,
        seq: position,
    };
    let (mut alice, first) = Client::hello_resume(b, &token, resume).await;
    let until = match first {
        ServerFrame::Resumed { seq, until, .. } => {
            assert_eq!(seq, position);
            until
        }
        other => panic!("expected resumed, got {other:?}"),
    };
    let mut missed = Vec::new();
    while missed.len() < (until - position) as usize {
        missed.push(alice.next_event().await);
    }
    let AckResult::MessageSent { message } = alice.ack(unacked).await else {
        panic!("the resend is acked with its message");
    };
    assert_eq!(message.text, "sent once");
    bob.send_message(direct, "after").await;
    missed.extend(alice.drain_events().await);
    let stream = contiguous(position, &missed);
    assert_eq!(
        texts(&stream),
        [
            "sent once",
            "while away 0",
            "while away 1",
            "while away 2",
            "after"
        ],
        "every missed event once, then the live ones; the resend added nothing"
    );
    let (history, _) = alice.history(direct, None, 50).await;
    let copies = history.iter().filter(|m| m.text == "sent once").count();
    assert_eq!(copies, 1, "the resend on another node landed exactly once");

    // Dave stayed on the dead node: the others see him go offline within the timeout.
    let offline = tokio::time::timeout(
        Duration::from_secs(4),
        carol.wait_for_event(|e| {
            matches!(e, Event::Presence { user_id, presence: Presence::Offline, .. }
                if *user_id == dave_id)
        }),
    )
    .await;
    assert!(offline.is_ok(), "Dave went offline after node A died");
    let later = carol.drain_events().await;
    assert!(
        !later.iter().any(|(_, e)| matches!(e,
            Event::Presence { user_id, presence: Presence::Offline, .. } if *user_id == welcome.me.id)),
        "Alice, now on node B, is not offline"
    );
    let (_, fresh) = Client::login(b, "erin").await;
    let presence = |id| fresh.users.iter().find(|u| u.id == id).unwrap().presence;
    assert_eq!(presence(dave_id), Presence::Offline);
    assert_eq!(presence(welcome.me.id), Presence::Online);
    drop(node_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stored_while_the_bus_was_down_arrive_once_it_is_back() {
    let mut cluster = common::start_cluster("bus-outage", 2).await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let (mut alice, welcome) = Client::login(a, "alice").await;
    let bob_id = user_id(&welcome, "bob");
    let (mut bob, _) = Client::login(b, "bob").await;
    let direct = alice.open_direct(bob_id).await.id;
    let seen = bob.drain_events().await;
    let position = seen.last().map(|(seq, _)| *seq).unwrap();

    let port = cluster.nats.as_ref().unwrap().port();
    drop(cluster.nats.take());
    alice.send_message(direct, "while the bus was down").await;
    cluster.nats = Some(
        tokio::task::spawn_blocking(move || messenger_services::Nats::start_on(port))
            .await
            .unwrap()
            .expect("nats-server starts again on its port"),
    );
    // Bob sends nothing (a command's answer would bring the event along): only the node
    // noticing the reconnect can.
    let mut frames = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while tokio::time::Instant::now() < deadline {
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(500), bob.recv()).await {
            frames.push(frame);
            if frames.iter().any(|f| {
                matches!(
                    f,
                    ServerFrame::Event {
                        event: Event::MessageCreated { .. },
                        ..
                    }
                )
            }) {
                break;
            }
        }
    }
    let seqs: Vec<u64> = frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Event { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    let expected: Vec<u64> = (position + 1..=position + seqs.len() as u64).collect();
    assert!(!seqs.is_empty(), "the message reached Bob after the outage");
    assert_eq!(seqs, expected, "in order, nothing missing or twice");
    assert!(
        matches!(frames.last(), Some(ServerFrame::Event { event: Event::MessageCreated { message }, .. })
            if message.text == "while the bus was down")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_arriving_and_leaving_on_two_nodes_at_once_is_announced_once_each_way() {
    let cluster = common::start_cluster("at-once", 2).await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let (mut carol, welcome) = Client::login(a, "carol").await;
    let alice_id = user_id(&welcome, "alice");
    let token = common::login(a, "alice").await;
    let about_alice = |events: &[(u64, Event)]| -> Vec<Presence> {
        events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Presence {
                    user_id, presence, ..
                } if *user_id == alice_id => Some(*presence),
                _ => None,
            })
            .collect()
    };
    for _ in 0..3 {
        let ((tab_a, _), (tab_b, _)) =
            tokio::join!(Client::hello(a, &token), Client::hello(b, &token));
        let events = carol.drain_events().await;
        assert_eq!(about_alice(&events), [Presence::Online], "announced once");
        drop((tab_a, tab_b));
        let (_, gone) = carol
            .wait_for_event(
                |e| matches!(e, Event::Presence { user_id, .. } if *user_id == alice_id),
            )
            .await;
        assert!(matches!(
            gone,
            Event::Presence {
                presence: Presence::Offline,
                ..
            }
        ));
        let events = carol.drain_events().await;
        assert_eq!(about_alice(&events), [], "and gone once");
    }
}

/// A node whose writes wait a long time (here: another session holds the cluster's write
/// lock for longer than the node timeout) still beats, so nobody takes it for dead and its
/// users stay online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_held_up_by_a_long_write_is_not_taken_for_dead() {
    let cluster = common::start_cluster_with("busy", 2, |c| {
        c.heartbeat = Duration::from_millis(200);
        c.node_timeout = Duration::from_millis(1000);
    })
    .await;
    let [a, b] = [0, 1].map(|n| cluster.nodes[n].local_addr());
    let (mut alice, _) = Client::login(a, "alice").await;
    let (mut bob, _) = Client::login(b, "bob").await;
    bob.drain_events().await;
    alice.drain_events().await;

    // The cluster's write lock, held from outside for 2.5 node timeouts.
    let url = cluster.postgres.url();
    tokio::task::spawn_blocking(move || {
        let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let lock = messenger_server::CLUSTER_WRITE_LOCK;
        db.batch_execute(&format!("SELECT pg_advisory_lock({lock})"))
            .unwrap();
        std::thread::sleep(Duration::from_millis(2500));
        db.batch_execute(&format!("SELECT pg_advisory_unlock({lock})"))
            .unwrap();
    })
    .await
    .unwrap();
    // Time for a reaper that had wrongly found the other node silent to act.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for client in [&mut alice, &mut bob] {
        let events = client.drain_events().await;
        let offline = events.iter().any(|(_, e)| {
            matches!(
                e,
                Event::Presence {
                    presence: Presence::Offline,
                    ..
                }
            )
        });
        assert!(
            !offline,
            "someone was sent offline while the nodes waited: {events:?}"
        );
    }
    drop(cluster);
}
