//! Reading attachments (`GET /files/{id}/{name}`): only with a session token, and only for
//! the conversation the file was sent to.

use messenger_protocol::{Attachment, ClientFrame, Importance};

use super::{sent, Ctx, ALICE, BOB, CAROL};
use crate::client::Check;
use crate::http;

/// The smallest PNG there is: one pixel.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xdf, 0xc0, 0x00,
    0x00, 0x04, 0x01, 0x01, 0x80, 0xfb, 0xd7, 0xcb, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn read(ctx: &Ctx, token: Option<&str>, path: &str) -> Check<http::Response> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    http::request(&ctx.base, "GET", path, &headers, b"").await
}

fn expect(response: &http::Response, status: u16, code: Option<&str>, what: &str) -> Check {
    let text = String::from_utf8_lossy(&response.body);
    ensure!(
        response.status == status,
        "{what}: expected {status}, got {}: {text}",
        response.status
    );
    if let Some(code) = code {
        let value: serde_json::Value = serde_json::from_slice(&response.body)
            .map_err(|e| format!("{what}: the error body is not JSON ({e}): {text}"))?;
        ensure!(
            value["code"] == code,
            "{what}: expected code {code:?}: {text}"
        );
    }
    Ok(())
}

pub async fn file_reads(ctx: &Ctx) -> Check {
    let auth = format!("Bearer {}", ctx.tokens[ALICE]);
    let uploaded = http::request(
        &ctx.base,
        "POST",
        "/api/attachments",
        &[
            ("Authorization", &auth),
            ("Content-Type", "image/png"),
            ("X-Filename", "pixel.png"),
        ],
        PIXEL_PNG,
    )
    .await?;
    expect(&uploaded, 201, None, "POST /api/attachments")?;
    let attachment: Attachment = serde_json::from_slice(&uploaded.body)
        .map_err(|e| format!("the upload answer is not an attachment: {e}"))?;

    let (mut alice, _) = ctx.connect(ALICE).await?;
    let conversation = ctx.direct(&mut alice, BOB).await?;
    let frame = ClientFrame::SendMessage {
        note: false,
        id: ctx.id(),
        conversation_id: conversation,
        text: "a pixel".into(),
        importance: Importance::Normal,
        attachments: vec![attachment.id.clone()],
    };
    sent(alice.ack(&frame).await?)?;
    alice.close().await;

    for path in [&attachment.url, &attachment.thumbnail_url] {
        let bob = read(ctx, Some(&ctx.tokens[BOB]), path).await?;
        expect(&bob, 200, None, &format!("{path} read by a member"))?;
        let carol = read(ctx, Some(&ctx.tokens[CAROL]), path).await?;
        expect(
            &carol,
            404,
            Some("not_found"),
            &format!("{path} read by a non-member"),
        )?;
        let anonymous = read(ctx, None, path).await?;
        expect(
            &anonymous,
            401,
            Some("unauthorized"),
            &format!("{path} read without a token"),
        )?;
    }
    ensure!(
        read(ctx, Some(&ctx.tokens[BOB]), &attachment.url)
            .await?
            .body
            == PIXEL_PNG,
        "{}: a member is not given the uploaded bytes",
        attachment.url
    );
    Ok(())
}
