//! Image attachments as a user meets them: upload, see the thumbnail, send, find them again.

mod common;

use common::attachments::{
    decode, encode, get, photo, png, png_claiming, start, transparent, upload, upload_raw,
};
use common::{login, user_id, Client};
use image::ImageFormat;
use messenger_protocol::{
    AckResult, ClientFrame, ErrorCode, Event, Importance, ServerFrame, MAX_ATTACHMENT_BYTES,
};

fn send_with(id: &str, conversation_id: i64, attachments: Vec<String>) -> ClientFrame {
    ClientFrame::SendMessage {
        note: false,
        id: id.to_owned(),
        conversation_id,
        text: "look at this".into(),
        importance: Importance::Normal,
        attachments,
    }
}

#[tokio::test]
async fn uploaded_png_is_served_back_with_a_thumbnail_that_fits() {
    let s = start("att-png").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let original = png(800, 400);
    let a = upload(
        addr,
        &token,
        "image/png",
        "Team photo (1).png",
        original.clone(),
    )
    .await;
    assert_eq!(a.id.len(), 32);
    assert!(a.id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!((a.width, a.height), (800, 400));
    assert_eq!(a.name, "Team_photo_1.png");
    assert_eq!(a.mime, "image/png");
    assert_eq!(a.size, original.len() as u64);
    assert_eq!(a.url, format!("/files/{}/Team_photo_1.png", a.id));
    assert_eq!(a.thumbnail_url, format!("/files/{}/thumb.jpg", a.id));

    let file = get(addr, &token, &a.url).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.body, original);
    assert_eq!(file.header("content-type"), Some("image/png"));
    assert_eq!(
        file.header("cache-control"),
        Some("private, max-age=31536000, immutable")
    );
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));

    let thumb = get(addr, &token, &a.thumbnail_url).await;
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/jpeg"));
    let thumb = decode(&thumb.body);
    assert_eq!((thumb.width(), thumb.height()), (320, 160));

    let second = upload(addr, &token, "image/png", "Team photo (1).png", png(10, 10)).await;
    assert_ne!(second.id, a.id, "every upload gets its own id");
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn jpeg_gif_and_webp_are_accepted_and_transparency_keeps_a_png_thumbnail() {
    let s = start("att-types").await;
    let addr = s.server.local_addr();
    let token = login(addr, "bob").await;

    let jpeg = upload(
        addr,
        &token,
        "image/jpeg",
        "p.jpeg",
        encode(&photo(300, 900), ImageFormat::Jpeg),
    )
    .await;
    assert_eq!(
        (jpeg.mime.as_str(), jpeg.width, jpeg.height),
        ("image/jpeg", 300, 900)
    );
    assert_eq!(jpeg.name, "p.jpg");
    let thumb = decode(&get(addr, &token, &jpeg.thumbnail_url).await.body);
    // Tall images fit by height, keeping the aspect ratio.
    assert_eq!((thumb.width(), thumb.height()), (107, 320));

    let gif = upload(
        addr,
        &token,
        "image/gif",
        "anim.gif",
        encode(&photo(64, 48), ImageFormat::Gif),
    )
    .await;
    assert_eq!(
        (gif.mime.as_str(), gif.width, gif.height),
        ("image/gif", 64, 48)
    );
    // Small images are not blown up.
    let thumb = decode(&get(addr, &token, &gif.thumbnail_url).await.body);
    assert_eq!((thumb.width(), thumb.height()), (64, 48));

    let webp = upload(
        addr,
        &token,
        "image/webp",
        "sticker.webp",
        encode(&transparent(640, 640), ImageFormat::WebP),
    )
    .await;
    assert_eq!(
        (webp.mime.as_str(), webp.width, webp.height),
        ("image/webp", 640, 640)
    );
    assert!(
        webp.thumbnail_url.ends_with("/thumb.png"),
        "{}",
        webp.thumbnail_url
    );
    let thumb = get(addr, &token, &webp.thumbnail_url).await;
    assert_eq!(thumb.header("content-type"), Some("image/png"));
    let thumb = decode(&thumb.body);
    assert_eq!((thumb.width(), thumb.height()), (320, 320));
    assert!(thumb.color().has_alpha());
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn what_is_not_an_acceptable_image_is_refused_with_415() {
    let s = start("att-415").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let refused = |status: u16, body: serde_json::Value| {
        assert_eq!(status, 415, "{body}");
        assert_eq!(body["code"], "unsupported_type", "{body}");
        body["message"].as_str().unwrap().to_owned()
    };

    // An accepted image sent under a type that is not accepted.
    let r = upload_raw(addr, Some(&token), "image/svg+xml", None, png(4, 4)).await;
    let message = refused(r.status, r.json());
    assert!(message.contains("image/png"), "{message}");
    let r = upload_raw(addr, Some(&token), "text/html", None, png(4, 4)).await;
    refused(r.status, r.json());

    // Bytes that are not an image, whatever the header says.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let r = upload_raw(addr, Some(&token), "image/png", Some("x.png"), html).await;
    let message = refused(r.status, r.json());
    assert!(
        message.contains("not a PNG, JPEG, GIF or WebP"),
        "{message}"
    );

    // Right magic bytes, broken data.
    let mut broken = png(50, 50);
    broken.truncate(60);
    let r = upload_raw(addr, Some(&token), "image/png", None, broken).await;
    let message = refused(r.status, r.json());
    assert!(message.contains("cannot be decoded"), "{message}");

    // A few bytes claiming a gigantic picture never get decoded.
    let r = upload_raw(
        addr,
        Some(&token),
        "image/png",
        None,
        png_claiming(50_000, 50_000),
    )
    .await;
    let message = refused(r.status, r.json());
    assert!(message.contains("40 megapixels"), "{message}");

    let r = upload_raw(addr, Some(&token), "image/png", None, Vec::new()).await;
    refused(r.status, r.json());

    // Nothing was kept.
    let files = std::fs::read_dir(&s.dir.0).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0);
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn oversized_uploads_get_413_and_bad_tokens_401() {
    let s = start("att-413").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;

    let mut big = png(16, 16);
    big.resize(MAX_ATTACHMENT_BYTES + 1, 0);
    let r = upload_raw(addr, Some(&token), "image/png", None, big).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["code"], "attachment_too_large");

    // Without a Content-Length the body is counted as it streams in.
    let mut chunked = Vec::new();
    let chunk = vec![0u8; 1024 * 1024];
    for _ in 0..6 {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(&chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let head = format!(
        "POST /api/attachments HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let r = raw_request(addr, head.into_bytes(), chunked).await;
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["code"], "attachment_too_large");

    for bad in [None, Some("not-a-token")] {
        let r = upload_raw(addr, bad, "image/png", None, png(4, 4)).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.json()["code"], "unauthorized");
    }
    let r = common::attachments::request(
        addr,
        "POST",
        "/api/attachments",
        &format!("Authorization: Basic {token}\r\nContent-Type: image/png\r\n"),
        png(4, 4),
    )
    .await;
    assert_eq!(r.status, 401);
    s.server.shutdown().await.unwrap();
}

async fn raw_request(
    addr: std::net::SocketAddr,
    head: Vec<u8>,
    body: Vec<u8>,
) -> common::attachments::BinaryResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&head).await;
        let _ = writer.write_all(&body).await;
        writer
    });
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(common::TIMEOUT, reader.read_to_end(&mut raw))
        .await
        .expect("answer in time");
    writing.abort();
    common::attachments::parse(&raw)
}

#[tokio::test]
async fn sent_attachments_reach_the_recipient_history_and_welcome() {
    let s = start("att-send").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let (mut alice, welcome) = Client::hello(addr, &token).await;
    let (mut bob, _) = Client::login(addr, "bob").await;
    let bob_id = user_id(&welcome, "bob");
    let conversation = alice.open_direct(bob_id).await.id;

    let first = upload(addr, &token, "image/png", "a.png", png(40, 30)).await;
    let second = upload(
        addr,
        &token,
        "image/jpeg",
        "b.jpg",
        encode(&photo(20, 20), ImageFormat::Jpeg),
    )
    .await;
    let ids = vec![second.id.clone(), first.id.clone()];
    let sent = match alice.ack(send_with("m1", conversation, ids.clone())).await {
        AckResult::MessageSent { message } => message,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        sent.attachments,
        vec![second.clone(), first.clone()],
        "in the order given"
    );

    loop {
        match bob.next_non_presence_event().await.1 {
            Event::MessageCreated { message } => {
                assert_eq!(message.attachments, sent.attachments);
                break;
            }
            Event::ConversationAdded { .. } => continue,
            other => panic!("{other:?}"),
        }
    }
    let (history, _) = bob.history(conversation, None, 10).await;
    assert_eq!(history.last().unwrap().attachments, sent.attachments);

    // A resend after a lost ack answers with the same attachments and claims nothing twice.
    match alice.ack(send_with("m1", conversation, ids)).await {
        AckResult::MessageSent { message } => assert_eq!(message, sent),
        other => panic!("{other:?}"),
    }
    let (_, welcome) = Client::login(addr, "bob").await;
    let summary = welcome
        .conversations
        .iter()
        .find(|c| c.id == conversation)
        .unwrap();
    assert_eq!(
        summary.last_message.as_ref().unwrap().attachments,
        sent.attachments
    );
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn attachments_of_others_or_already_sent_are_refused_and_nothing_is_stored() {
    let s = start("att-claim").await;
    let addr = s.server.local_addr();
    let alice_token = login(addr, "alice").await;
    let bob_token = login(addr, "bob").await;
    let (mut alice, welcome) = Client::hello(addr, &alice_token).await;
    let conversation = alice.open_direct(user_id(&welcome, "bob")).await.id;
    let mine = upload(addr, &alice_token, "image/png", "a.png", png(8, 8)).await;
    let bobs = upload(addr, &bob_token, "image/png", "b.png", png(8, 8)).await;

    let refused = |frame: ServerFrame, want: ErrorCode, id: &str| match frame {
        ServerFrame::Error {
            id: Some(got),
            code,
            message,
        } => {
            assert_eq!((got.as_str(), code), (id, want), "{message}");
            message
        }
        other => panic!("expected {want:?}, got {other:?}"),
    };
    let frame = alice
        .request(send_with("x1", conversation, vec![bobs.id.clone()]))
        .await;
    assert_eq!(
        refused(frame, ErrorCode::NotFound, "x1"),
        "no such attachment"
    );
    let frame = alice
        .request(send_with(
            "x2",
            conversation,
            vec![mine.id.clone(), "0".repeat(32)],
        ))
        .await;
    refused(frame, ErrorCode::NotFound, "x2");
    let frame = alice
        .request(send_with(
            "x3",
            conversation,
            vec![mine.id.clone(), mine.id.clone()],
        ))
        .await;
    refused(frame, ErrorCode::InvalidArgument, "x3");
    let many: Vec<String> = (0..11).map(|_| mine.id.clone()).collect();
    let frame = alice.request(send_with("x4", conversation, many)).await;
    let message = refused(frame, ErrorCode::InvalidArgument, "x4");
    assert!(message.contains("at most 10"), "{message}");
    let (history, _) = alice.history(conversation, None, 10).await;
    assert!(
        history.is_empty(),
        "failed sends store nothing: {history:?}"
    );

    // The failures above did not use up the upload.
    alice
        .ack(send_with("ok", conversation, vec![mine.id.clone()]))
        .await;
    let frame = alice
        .request(send_with("again", conversation, vec![mine.id.clone()]))
        .await;
    refused(frame, ErrorCode::NotFound, "again");
    let (history, _) = alice.history(conversation, None, 10).await;
    assert_eq!(history.len(), 1);
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_files_are_404() {
    let s = start("att-404").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let a = upload(addr, &token, "image/png", "a.png", png(8, 8)).await;
    let paths = [
        format!("/files/{}/a.png", "f".repeat(32)),
        format!("/files/{}/other.png", a.id),
        format!("/files/{}/thumb.png", a.id),
        "/files/..%2F..%2Fetc/passwd".to_owned(),
        format!("/files/{}/a.png", a.id.to_uppercase()),
    ];
    for path in paths {
        let r = get(addr, &token, &path).await;
        assert_eq!(r.status, 404, "{path}");
    }
    assert_eq!(get(addr, &token, &a.url).await.status, 200);
    s.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_image_needs_no_text_but_an_empty_message_is_still_refused() {
    let s = start("att-image-only").await;
    let addr = s.server.local_addr();
    let token = login(addr, "alice").await;
    let (mut alice, welcome) = Client::hello(addr, &token).await;
    let conversation = alice.open_direct(user_id(&welcome, "bob")).await.id;
    let picture = upload(addr, &token, "image/png", "p.png", png(8, 8)).await;

    let image_only = |id: &str, attachments: Vec<String>| ClientFrame::SendMessage {
        note: false,
        id: id.to_owned(),
        conversation_id: conversation,
        text: " ".into(),
        importance: Importance::High,
        attachments,
    };
    assert_eq!(
        alice.error(image_only("empty", Vec::new())).await,
        ErrorCode::InvalidArgument
    );
    match alice.ack(image_only("pic", vec![picture.id.clone()])).await {
        AckResult::MessageSent { message } => {
            assert_eq!(message.text, " ");
            assert_eq!(message.importance, Importance::High);
            assert_eq!(message.attachments, vec![picture]);
        }
        other => panic!("{other:?}"),
    }
    s.server.shutdown().await.unwrap();
}
