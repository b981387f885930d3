//! Notification e-mail: `.eml` files by default, a real SMTP relay on loopback, digests.

mod common;

use std::time::Duration;

use common::notifications::{
    fast_config, next_mail, now_ms, read_mails, smtp_relay, start_with, wait_for_mails, TempDir,
};
use common::{user_id, Client};
use messenger_protocol::{AckResult, ClientFrame, EmailMode, Importance, SettingsPatch};
use tokio::net::TcpListener;

fn mode(email_mode: EmailMode, digest_minutes: Option<u32>) -> SettingsPatch {
    SettingsPatch {
        email_mode: Some(email_mode),
        digest_minutes,
        ..Default::default()
    }
}

#[tokio::test]
async fn immediately_mode_writes_one_eml_per_item() {
    let dir = TempDir::new("mail-immediate");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    bob.update_settings(mode(EmailMode::Immediately, None))
        .await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;

    alice.send_message(direct, "Lunch at noon?").await;
    alice
        .send_with(direct, "Server room is flooding", Importance::High)
        .await;
    let mails = wait_for_mails(&dir.outbox(), 2).await;
    let lunch = &mails[0];
    assert!(
        lunch.contains("To: \"Bob Nguyen\" <bob@example.com>"),
        "{lunch}"
    );
    assert!(lunch.contains("From: Messenger <messenger@localhost>"));
    assert!(lunch.contains("Subject: New message from Alice Martin\r\n"));
    assert!(lunch.contains("Lunch at noon?"));
    assert!(lunch.contains("Date: "));
    let flood = &mails[1];
    assert!(flood.contains("Subject: High-importance message from Alice Martin\r\n"));
    assert!(flood.contains("Server room is flooding"));

    // Bob's own messages, and users whose mail is off (alice, by default), get none.
    bob.send_message(direct, "On my way").await;
    // A reminder is a notification: it is mailed too.
    let reminder = ClientFrame::SetReminder {
        id: bob.new_id(),
        at: now_ms() + 50,
        text: "buy milk".into(),
        conversation_id: None,
    };
    assert!(matches!(
        bob.ack(reminder).await,
        AckResult::Reminder { .. }
    ));
    let mails = wait_for_mails(&dir.outbox(), 3).await;
    assert!(
        mails[2].contains("Subject: Reminder: buy milk\r\n"),
        "{}",
        mails[2]
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(read_mails(&dir.outbox()).len(), 3, "each item mailed once");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn digest_combines_everything_pending_into_one_mail_after_the_window() {
    let dir = TempDir::new("mail-digest");
    let server = start_with(fast_config(&dir)).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut dave, _) = Client::login(addr, "dave").await;
    // Digest "minutes" last 100 ms here: a 10-minute window is one second.
    dave.update_settings(mode(EmailMode::Digest, Some(10)))
        .await;
    let team = common::notifications::engineering(&welcome);
    let direct = alice.open_direct(user_id(&welcome, "dave")).await.id;

    alice.send_message(team, "Build is green").await;
    alice.send_message(team, "@dave can you release?").await;
    alice.send_message(direct, "Coffee later?").await;
    let reminder = ClientFrame::SetReminder {
        id: dave.new_id(),
        at: now_ms() + 50,
        text: "release notes".into(),
        conversation_id: None,
    };
    dave.ack(reminder).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        read_mails(&dir.outbox()).is_empty(),
        "still inside the window"
    );

    let mails = wait_for_mails(&dir.outbox(), 1).await;
    let digest = &mails[0];
    assert!(
        digest.contains("To: \"Dave Ivanov\" <dave@example.com>"),
        "{digest}"
    );
    assert!(digest.contains(
        "Subject: Messenger digest: 3 new messages in 2 conversations, 1 notification\r\n"
    ));
    assert!(digest.contains("Engineering: 2 new messages"));
    assert!(digest.contains("Alice Martin: Build is green"));
    assert!(digest.contains("Alice Martin: @dave can you release? [mentions you]"));
    assert!(digest.contains("Direct messages with Alice Martin: 1 new message"));
    assert!(digest.contains("Alice Martin: Coffee later?"));
    assert!(digest.contains("Notifications:"));
    assert!(digest.contains("- Reminder: release notes"));

    // Everything went into that one mail; a new item opens a new window.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(read_mails(&dir.outbox()).len(), 1);
    alice.send_message(direct, "Still there?").await;
    let mails = wait_for_mails(&dir.outbox(), 2).await;
    assert!(mails[1].contains("Subject: Messenger digest: 1 new message in 1 conversation\r\n"));
    assert!(!mails[1].contains("Coffee later?"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn mail_goes_through_a_real_smtp_relay() {
    let dir = TempDir::new("mail-smtp");
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let relay = listener.local_addr().unwrap();
    let mut received = smtp_relay(listener);
    let mut config = fast_config(&dir);
    config.mail.smtp_url = Some(format!("smtp://{relay}"));
    let server = start_with(config).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    bob.update_settings(mode(EmailMode::Immediately, None))
        .await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;
    alice.send_message(direct, "Quarterly numbers are in").await;

    let mail = next_mail(&mut received).await;
    assert_eq!(mail.mail_from, "<messenger@localhost>");
    assert_eq!(mail.rcpt_to, ["<bob@example.com>"]);
    assert!(
        mail.data.contains("Subject: New message from Alice Martin"),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("Quarterly numbers are in"));
    assert!(
        read_mails(&dir.outbox()).is_empty(),
        "no .eml with SMTP configured"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(received.try_recv().is_err(), "sent once");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn mail_waits_in_the_queue_while_the_relay_is_down() {
    let dir = TempDir::new("mail-smtp-down");
    // A port nobody listens on, until the relay comes up on it later.
    let relay = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = fast_config(&dir);
    config.mail.smtp_url = Some(format!("smtp://{relay}"));
    let server = start_with(config).await;
    let addr = server.local_addr();
    let (mut alice, welcome) = Client::login(addr, "alice").await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    bob.update_settings(mode(EmailMode::Immediately, None))
        .await;
    let direct = alice.open_direct(user_id(&welcome, "bob")).await.id;
    alice.send_message(direct, "First try fails").await;
    alice.send_message(direct, "So does this one").await;
    // Several runs of the mail job meet a refused connection.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut received = smtp_relay(TcpListener::bind(relay).await.unwrap());
    let first = next_mail(&mut received).await;
    let second = next_mail(&mut received).await;
    assert!(first.data.contains("First try fails"), "{}", first.data);
    assert!(second.data.contains("So does this one"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        received.try_recv().is_err(),
        "each mail once the relay is back"
    );
    server.shutdown().await.unwrap();
}
