//! A client may send commands without waiting for each answer: they still run in the order
//! sent, and the answers come back in that order.

mod common;

use common::{start, text_message, user_id, Client};
use messenger_protocol::{AckResult, ClientFrame, ErrorCode, ServerFrame};

#[tokio::test]
async fn commands_sent_without_waiting_are_answered_in_order_and_a_read_sees_them_all() {
    let (server, _db) = start("pipelining").await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let bob = user_id(&welcome, "bob");
    let direct = alice.open_direct(bob).await.id;

    // Twenty messages, a command that fails in the middle, then a read, all at once.
    let mut sent = Vec::new();
    for n in 0..20 {
        let id = alice.new_id();
        if n == 10 {
            alice
                .send(&text_message(id.clone(), 424_242, "nowhere"))
                .await;
        }
        let failing = (n == 10).then(|| id.clone());
        let id = if failing.is_some() {
            alice.new_id()
        } else {
            id
        };
        alice
            .send(&text_message(id.clone(), direct, &format!("message {n}")))
            .await;
        if let Some(failing) = failing {
            sent.push(failing);
        }
        sent.push(id);
    }
    let read = alice.new_id();
    alice
        .send(&ClientFrame::LoadHistory {
            id: read.clone(),
            conversation_id: direct,
            before: None,
            limit: 50,
        })
        .await;
    sent.push(read.clone());

    let mut answered = Vec::new();
    let mut history = None;
    while answered.len() < sent.len() {
        match alice.recv().await {
            ServerFrame::Event { .. } => {}
            ServerFrame::Ack { id, result } => {
                if let AckResult::History { messages, .. } = result {
                    history = Some(messages);
                }
                answered.push(id);
            }
            ServerFrame::Error { id, code, .. } => {
                assert_eq!(code, ErrorCode::NotFound);
                answered.push(id.expect("the error names its command"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        answered, sent,
        "answers come in the order the commands were sent"
    );
    let texts: Vec<String> = history
        .expect("the read was answered")
        .into_iter()
        .map(|m| m.text)
        .collect();
    for n in 0..20 {
        assert!(
            texts.contains(&format!("message {n}")),
            "the read sent after message {n} sees it: {texts:?}"
        );
    }
}
