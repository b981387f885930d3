//! Helpers for notifications, settings and mail: fast job intervals, a data directory
//! with the outbox, protocol shortcuts and a tiny SMTP relay.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use messenger_protocol::{
    AckResult, ClientFrame, ConversationId, Event, Importance, Message, Notification,
    NotificationId, Settings, SettingsPatch, Timestamp, Welcome,
};
use messenger_server::{Config, RunningServer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::{Client, TIMEOUT};

/// A data directory (database, outbox) removed when dropped; the database is a throwaway
/// PostgreSQL instead with `MESSENGER_TEST_DATABASE=postgres`, as for `TempDb`.
pub struct TempDir(PathBuf, Option<messenger_services::Postgres>);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let dir = std::env::temp_dir().join(format!(
            "messenger-notify-test-{name}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let postgres = (std::env::var("MESSENGER_TEST_DATABASE").as_deref() == Ok("postgres"))
            .then(|| messenger_services::Postgres::start().expect("PostgreSQL starts"));
        TempDir(dir, postgres)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn outbox(&self) -> PathBuf {
        self.0.join("mail")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Jobs every 50 ms and a digest "minute" of 100 ms, so tests wait fractions of a second.
pub fn fast_config(dir: &TempDir) -> Config {
    let mut config = Config::new(
        "127.0.0.1:0".parse().unwrap(),
        dir.path().join("db.sqlite3"),
    );
    config.postgres_url = dir.1.as_ref().map(|p| p.url());
    config.reminder_interval = Duration::from_millis(50);
    config.mail.interval = Duration::from_millis(50);
    config.mail.digest_unit = Duration::from_millis(100);
    config
}

pub async fn start_with(config: Config) -> RunningServer {
    messenger_server::start(config)
        .await
        .expect("server starts")
}

pub fn now_ms() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as Timestamp
}

pub fn engineering(welcome: &Welcome) -> ConversationId {
    welcome
        .conversations
        .iter()
        .find(|c| c.title.as_deref() == Some("Engineering"))
        .expect("the demo Engineering group")
        .id
}

impl Client {
    pub async fn send_with(
        &mut self,
        conversation_id: ConversationId,
        text: &str,
        importance: Importance,
    ) -> Message {
        let frame = ClientFrame::SendMessage {
            note: false,
            id: self.new_id(),
            conversation_id,
            text: text.to_owned(),
            importance,
            attachments: Vec::new(),
        };
        match self.ack(frame).await {
            AckResult::MessageSent { message } => message,
            other => panic!("expected message_sent, got {other:?}"),
        }
    }

    /// `(notifications, has_more, unread)`.
    pub async fn notifications(
        &mut self,
        before: Option<NotificationId>,
        limit: u32,
    ) -> (Vec<Notification>, bool, u32) {
        let frame = ClientFrame::ListNotifications {
            id: self.new_id(),
            before,
            limit,
        };
        match self.ack(frame).await {
            AckResult::Notifications {
                notifications,
                has_more,
                unread,
            } => (notifications, has_more, unread),
            other => panic!("expected notifications, got {other:?}"),
        }
    }

    pub async fn update_settings(&mut self, patch: SettingsPatch) -> Settings {
        let frame = ClientFrame::UpdateSettings {
            id: self.new_id(),
            settings: patch,
        };
        match self.ack(frame).await {
            AckResult::Settings { settings } => settings,
            other => panic!("expected settings, got {other:?}"),
        }
    }

    /// Notifications announced to this connection so far (waiting for nothing new).
    pub async fn created_notifications(&mut self) -> Vec<Notification> {
        self.drain_events()
            .await
            .into_iter()
            .filter_map(|(_, event)| match event {
                Event::NotificationCreated { notification } => Some(notification),
                _ => None,
            })
            .collect()
    }

    /// The next event that `pick` accepts; others are skipped.
    pub async fn wait_for<T>(&mut self, mut pick: impl FnMut(Event) -> Option<T>) -> T {
        loop {
            let (_, event) = self.next_event().await;
            if let Some(found) = pick(event) {
                return found;
            }
        }
    }
}

/// The `.eml` files in `dir`, sorted by name, once there are exactly `n` of them.
pub async fn wait_for_mails(dir: &Path, n: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let mails = read_mails(dir);
        if mails.len() == n {
            return mails;
        }
        assert!(
            mails.len() < n && tokio::time::Instant::now() < deadline,
            "expected {n} mails in {}, found {}",
            dir.display(),
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn read_mails(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// One mail as an SMTP relay received it.
#[derive(Debug)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The DATA section, dot-unstuffed, without the final `.` line.
    pub data: String,
}

/// Speaks just enough SMTP (RFC 5321) for one client at a time: greeting, EHLO/HELO,
/// MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT.
pub fn smtp_relay(listener: TcpListener) -> mpsc::UnboundedReceiver<Received> {
    let (received, mails) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let reply = |text: &str| format!("{text}\r\n");
                write
                    .write_all(reply("220 relay.test ESMTP").as_bytes())
                    .await
                    .unwrap();
                let mut mail = Received {
                    mail_from: String::new(),
                    rcpt_to: Vec::new(),
                    data: String::new(),
                };
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let answer = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250 relay.test"
                    } else if upper.starts_with("MAIL FROM:") {
                        mail.mail_from = line[10..].trim().to_owned();
                        "250 OK"
                    } else if upper.starts_with("RCPT TO:") {
                        mail.rcpt_to.push(line[8..].trim().to_owned());
                        "250 OK"
                    } else if upper == "DATA" {
                        write
                            .write_all(reply("354 go ahead").as_bytes())
                            .await
                            .unwrap();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            let line = line.strip_prefix('.').unwrap_or(&line);
                            mail.data.push_str(line);
                            mail.data.push('\n');
                        }
                        let _ = received.send(std::mem::replace(
                            &mut mail,
                            Received {
                                mail_from: String::new(),
                                rcpt_to: Vec::new(),
                                data: String::new(),
                            },
                        ));
                        "250 queued"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(reply("221 bye").as_bytes()).await;
                        return;
                    } else if upper == "RSET" || upper == "NOOP" {
                        "250 OK"
                    } else {
                        "502 not implemented"
                    };
                    if write.write_all(reply(answer).as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    mails
}

pub async fn next_mail(mails: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(TIMEOUT, mails.recv())
        .await
        .expect("a mail in time")
        .expect("relay running")
}
