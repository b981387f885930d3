//! Uploads over raw HTTP/1.1 with binary bodies, and images made on the spot.

use std::io::Cursor;
use std::net::SocketAddr;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use messenger_protocol::Attachment;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::TIMEOUT;

pub struct BinaryResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl BinaryResponse {
    /// A header's value (names compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// One request with a binary body. The body is written by a separate task, so a server
/// that answers early (413) and stops reading does not deadlock the test.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: Vec<u8>,
) -> BinaryResponse {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    );
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(TIMEOUT, reader.read_to_end(&mut raw))
        .await
        .expect("HTTP answer in time");
    // A server that refuses early may reset the connection after its answer.
    if raw.is_empty() {
        read.expect("HTTP answer");
    }
    writing.abort();
    parse(&raw)
}

pub fn parse(raw: &[u8]) -> BinaryResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    BinaryResponse {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

pub async fn upload_raw(
    addr: SocketAddr,
    token: Option<&str>,
    content_type: &str,
    filename: Option<&str>,
    body: Vec<u8>,
) -> BinaryResponse {
    let mut headers = format!("Content-Type: {content_type}\r\n");
    if let Some(token) = token {
        headers.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(name) = filename {
        headers.push_str(&format!("X-Filename: {name}\r\n"));
    }
    request(addr, "POST", "/api/attachments", &headers, body).await
}

/// Uploads and expects 201 with the attachment.
pub async fn upload(
    addr: SocketAddr,
    token: &str,
    content_type: &str,
    name: &str,
    body: Vec<u8>,
) -> Attachment {
    let response = upload_raw(addr, Some(token), content_type, Some(name), body).await;
    assert_eq!(
        response.status,
        201,
        "upload answered {}",
        String::from_utf8_lossy(&response.body)
    );
    serde_json::from_slice(&response.body).unwrap()
}

/// `GET path` as the holder of `token` (file reads need one).
pub async fn get(addr: SocketAddr, token: &str, path: &str) -> BinaryResponse {
    let headers = format!("Authorization: Bearer {token}\r\n");
    request(addr, "GET", path, &headers, Vec::new()).await
}

/// `GET path` with exactly `headers` (each line ending in CRLF), e.g. none at all.
pub async fn get_with(addr: SocketAddr, headers: &str, path: &str) -> BinaryResponse {
    request(addr, "GET", path, headers, Vec::new()).await
}

/// An opaque image with a gradient, so encoders cannot reduce it to nothing.
pub fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    }))
}

pub fn transparent(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgba8(RgbaImage::from_fn(width, height, |x, _| {
        Rgba([200, 10, 10, (x % 256) as u8])
    }))
}

pub fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encode(&photo(width, height), ImageFormat::Png)
}

pub fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("a decodable image")
}

/// A valid PNG whose header claims `width`×`height` (and whose data does not match).
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    messenger_server::test_support::png_claiming(width, height)
}

/// A demo server whose attachments go to a folder of its own.
pub struct AttachmentServer {
    pub server: messenger_server::RunningServer,
    pub db: super::TempDb,
    pub dir: FilesDir,
}

/// Removed with its content when dropped.
pub struct FilesDir(pub std::path::PathBuf);

impl Drop for FilesDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn start(name: &str) -> AttachmentServer {
    start_with(name, |_| {}).await
}

/// [`start`] with `adjust` applied to the configuration first.
pub async fn start_with(
    name: &str,
    adjust: impl FnOnce(&mut messenger_server::Config),
) -> AttachmentServer {
    let db = super::TempDb::new(name);
    let dir = FilesDir(db.path().with_extension("files"));
    let mut config = db.config();
    config.attachments_dir = dir.0.clone();
    adjust(&mut config);
    let server = messenger_server::start(config)
        .await
        .expect("server starts");
    AttachmentServer { server, db, dir }
}
