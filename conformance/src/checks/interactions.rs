//! The contact center's commands refuse what is not theirs to do: strangers, unknown ids,
//! other kinds of conversation, misused arguments. Needs no agent and no interaction, so it
//! runs against any server.

use messenger_protocol::{ClientFrame, ErrorCode, Importance};

use super::{expect_code, Ctx, ALICE, BOB};
use crate::client::Check;

pub async fn interaction_refusals(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let direct = ctx.direct(&mut alice, BOB).await?;
    let missing = i64::MAX - 11;
    for (conversation, what) in [
        (missing, "a missing conversation"),
        (direct, "a direct one"),
    ] {
        let frames = [
            ClientFrame::TransferInteraction {
                id: ctx.id(),
                conversation_id: conversation,
                to_user: Some(ctx.ids[BOB]),
                to_department: None,
            },
            ClientFrame::AnswerTransfer {
                id: ctx.id(),
                conversation_id: conversation,
                accept: true,
                reason: None,
            },
            ClientFrame::CloseInteraction {
                id: ctx.id(),
                conversation_id: conversation,
                disposition: None,
            },
        ];
        for frame in frames {
            let name = command_type(&frame);
            expect_code(
                alice.refusal(&frame).await?,
                ErrorCode::NotFound,
                &format!("{name} on {what}"),
            )?;
        }
    }
    for (to_user, to_department, what) in [
        (None, None, "neither to_user nor to_department"),
        (
            Some(ctx.ids[BOB]),
            Some(1),
            "both to_user and to_department",
        ),
    ] {
        let frame = ClientFrame::TransferInteraction {
            id: ctx.id(),
            conversation_id: direct,
            to_user,
            to_department,
        };
        expect_code(
            alice.refusal(&frame).await?,
            ErrorCode::InvalidArgument,
            &format!("transfer_interaction with {what}"),
        )?;
    }
    let note = ClientFrame::SendMessage {
        note: true,
        id: ctx.id(),
        conversation_id: direct,
        text: "a note outside an interaction".into(),
        importance: Importance::Normal,
        attachments: Vec::new(),
    };
    expect_code(
        alice.refusal(&note).await?,
        ErrorCode::InvalidArgument,
        "send_message with note in a direct conversation",
    )?;
    // Only agents read contacts' histories; a server may have made alice one.
    if welcome.contact_center.is_none() {
        let frame = ClientFrame::ContactHistory {
            id: ctx.id(),
            contact_id: 1,
            limit: 10,
        };
        expect_code(
            alice.refusal(&frame).await?,
            ErrorCode::Forbidden,
            "contact_history by a user who is not an agent",
        )?;
    }
    alice.close().await;
    Ok(())
}

/// The frame's `type`, to name it in a failure.
fn command_type(frame: &ClientFrame) -> String {
    serde_json::to_value(frame)
        .ok()
        .and_then(|v| v["type"].as_str().map(str::to_owned))
        .unwrap_or_default()
}
