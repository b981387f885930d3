//! Where mails go: an SMTP relay, or `.eml` files in an outbox folder.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::MailConfig;

/// Bounds how long a stalled relay holds up the mail job.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
const SMTP_PORT: u16 = 25;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct SendError {
    pub text: String,
    /// The relay answered but refused this mail; other mails may still go through.
    pub try_others: bool,
}

impl Transport {
    pub fn new(config: &MailConfig) -> Result<Transport, String> {
        match &config.smtp_url {
            None => Ok(Transport::Outbox(config.outbox_dir.clone())),
            Some(url) => {
                let relay = SmtpUrl::parse(url)?;
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host)
                        .port(relay.port)
                        .timeout(Some(SMTP_TIMEOUT));
                if let Some((user, password)) = relay.credentials {
                    builder = builder.credentials(Credentials::new(user, password));
                }
                Ok(Transport::Smtp(builder.build()))
            }
        }
    }

    /// `name` identifies the mail: an outbox file of that name is replaced, not duplicated,
    /// when the same mail is written again.
    pub async fn send(&self, message: Message, name: i64) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| SendError {
                try_others: e.is_permanent(),
                text: e.to_string(),
            }),
            Transport::Outbox(dir) => {
                let dir = dir.clone();
                let bytes = message.formatted();
                let written = tokio::task::spawn_blocking(move || write_eml(&dir, name, &bytes))
                    .await
                    .unwrap_or_else(|e| Err(std::io::Error::other(e)));
                written.map_err(|e| SendError {
                    text: format!("writing to the outbox: {e}"),
                    try_others: false,
                })
            }
        }
    }
}

/// Written under a temporary name and renamed, so a reader never sees half a mail.
fn write_eml(dir: &std::path::Path, name: i64, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".mail-{name:012}.eml.tmp"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(format!("mail-{name:012}.eml")))
}

/// `smtp://[user[:password]@]host[:port][/]`, taken literally (no percent-decoding).
#[derive(Debug, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
}

impl SmtpUrl {
    pub fn parse(url: &str) -> Result<SmtpUrl, String> {
        let Some(rest) = url.strip_prefix("smtp://") else {
            return Err(format!(
                "SMTP URL {url:?} must start with smtp:// (plain SMTP to a relay; no TLS \
                 support is built in)"
            ));
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, address) = match rest.rsplit_once('@') {
            Some((user_info, address)) => {
                let (user, password) = user_info.split_once(':').unwrap_or((user_info, ""));
                (Some((user.to_owned(), password.to_owned())), address)
            }
            None => (None, rest),
        };
        let (host, port) = match address.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => {
                let port = port
                    .parse()
                    .map_err(|_| format!("SMTP URL {url:?}: bad port {port:?}"))?;
                (host, port)
            }
            _ => (address, SMTP_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains('/') {
            return Err(format!("SMTP URL {url:?} has no host"));
        }
        Ok(SmtpUrl {
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::SmtpUrl;

    #[test]
    fn smtp_urls_are_parsed_and_bad_ones_explained() {
        let url = SmtpUrl::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 2525));
        assert_eq!(url.credentials, None);
        let url = SmtpUrl::parse("smtp://mail.local/").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("mail.local", 25));
        let url = SmtpUrl::parse("smtp://me:p@ss@[::1]:26").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 26));
        assert_eq!(url.credentials, Some(("me".into(), "p@ss".into())));

        assert!(SmtpUrl::parse("smtps://host")
            .unwrap_err()
            .contains("smtp://"));
        assert!(SmtpUrl::parse("smtp://host:x")
            .unwrap_err()
            .contains("port"));
        assert!(SmtpUrl::parse("smtp://").unwrap_err().contains("no host"));
    }
}
