//! Just enough HTTP/1.1 for `POST /api/login`: one request per connection, answers with
//! Content-Length, chunked encoding or read-to-close.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server is: `http://host:port[/prefix]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    /// `host:port`
    pub authority: String,
    /// Empty, or a path prefix starting with `/` and without a trailing one.
    pub prefix: String,
}

impl BaseUrl {
    pub fn parse(url: &str) -> Result<BaseUrl, String> {
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else if url.starts_with("https://") {
            return Err(
                "https is not supported: point the suite at the server's plain HTTP \
                        port (e.g. behind your TLS proxy)"
                    .into(),
            );
        } else {
            return Err(format!("{url:?} must start with http://"));
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            return Err(format!("{url:?} has no host"));
        }
        let authority = if authority.contains(':') && !authority.ends_with(']') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let path = path.trim_end_matches('/');
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("/{path}")
        };
        Ok(BaseUrl { authority, prefix })
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}{}/ws", self.authority, self.prefix)
    }
}

pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

pub async fn request(
    base: &BaseUrl,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, String> {
    tokio::time::timeout(
        HTTP_TIMEOUT,
        request_inner(base, method, path, headers, body),
    )
    .await
    .map_err(|_| format!("no HTTP answer to {method} {path} within {HTTP_TIMEOUT:?}"))?
}

async fn request_inner(
    base: &BaseUrl,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, String> {
    let mut stream = TcpStream::connect(&base.authority)
        .await
        .map_err(|e| format!("connecting to {}: {e}", base.authority))?;
    let mut head = format!(
        "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        base.prefix,
        base.authority,
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let io = |e: std::io::Error| format!("HTTP {method} {path}: {e}");
    stream.write_all(head.as_bytes()).await.map_err(io)?;
    stream.write_all(body).await.map_err(io)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.map_err(io)?;
    parse(&raw).ok_or_else(|| {
        format!(
            "HTTP {method} {path}: unreadable answer {:?}",
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        )
    })
}

fn parse(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let body = &raw[split + 4..];
    let chunked = head.lines().any(|line| {
        line.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Some(Response { status, body })
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let base = BaseUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(base.authority, "127.0.0.1:8080");
        assert_eq!(base.ws_url(), "ws://127.0.0.1:8080/ws");
        let base = BaseUrl::parse("http://chat.local/messenger/").unwrap();
        assert_eq!(base.authority, "chat.local:80");
        assert_eq!(base.ws_url(), "ws://chat.local:80/messenger/ws");
        assert!(BaseUrl::parse("https://x").is_err());
        assert!(BaseUrl::parse("ftp://x").is_err());
    }

    #[test]
    fn chunked_bodies_are_joined() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let response = parse(raw).unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"abcde");
    }
}
