//! `list_mailbox`: the caller's messages across conversations, newest first, paged; a bad
//! `limit` is refused; a stranger never sees a conversation's messages.

use messenger_protocol::{AckResult, ClientFrame, ErrorCode, MailFolder, Message, MessageId};

use super::{expect_code, Ctx, ALICE, BOB, CAROL};
use crate::client::{Check, Conn};

async fn page(
    ctx: &Ctx,
    conn: &mut Conn,
    folder: MailFolder,
    before: Option<MessageId>,
    limit: u32,
) -> Check<(Vec<Message>, bool)> {
    let frame = ClientFrame::ListMailbox {
        id: ctx.id(),
        folder,
        before,
        limit,
    };
    match conn.ack(&frame).await? {
        AckResult::Mailbox {
            folder: answered,
            messages,
            has_more,
        } => {
            ensure!(
                answered == folder,
                "list_mailbox for {folder:?} answered {answered:?}"
            );
            ensure!(
                messages.windows(2).all(|w| w[0].id > w[1].id),
                "a mailbox page is not newest first"
            );
            Ok((messages, has_more))
        }
        other => Err(format!("list_mailbox acked with {other:?}")),
    }
}

pub(super) async fn mailbox_listing(ctx: &Ctx) -> Check {
    let (mut alice, _) = ctx.connect(ALICE).await?;
    let (mut carol, _) = ctx.connect(CAROL).await?;
    let (mut bob, _) = ctx.connect(BOB).await?;
    let conversation = ctx.direct(&mut alice, CAROL).await?;
    let first = ctx
        .send(
            &mut alice,
            conversation,
            &format!("mailbox {} one", ctx.run),
        )
        .await?;
    let second = ctx
        .send(
            &mut alice,
            conversation,
            &format!("mailbox {} two", ctx.run),
        )
        .await?;

    let (inbox, _) = page(ctx, &mut carol, MailFolder::Inbox, None, 100).await?;
    let ids: Vec<MessageId> = inbox.iter().map(|m| m.id).collect();
    ensure!(
        ids.contains(&first.id) && ids.contains(&second.id),
        "carol's inbox lacks the messages alice just sent her: {ids:?}"
    );
    ensure!(
        inbox
            .iter()
            .all(|m| m.sender_id != ctx.ids[CAROL] && m.system.is_none()),
        "carol's inbox holds her own messages or system lines"
    );

    // Alice's Sent, one at a time: the newer, then the older after it.
    let (newest, has_more) = page(ctx, &mut alice, MailFolder::Sent, None, 1).await?;
    ensure!(
        newest.len() == 1 && newest[0].id == second.id && has_more,
        "alice's newest sent message is not {} with more after it: {:?}",
        second.id,
        newest.iter().map(|m| m.id).collect::<Vec<_>>()
    );
    let (older, _) = page(ctx, &mut alice, MailFolder::Sent, Some(second.id), 1).await?;
    ensure!(
        older.first().map(|m| m.id) == Some(first.id),
        "the page before {} does not start at {}",
        second.id,
        first.id
    );

    // Bob is in neither conversation.
    let (bobs, _) = page(ctx, &mut bob, MailFolder::Inbox, None, 100).await?;
    ensure!(
        bobs.iter().all(|m| m.conversation_id != conversation),
        "bob's inbox shows alice and carol's direct conversation"
    );

    for limit in [0, 101] {
        let frame = ClientFrame::ListMailbox {
            id: ctx.id(),
            folder: MailFolder::Inbox,
            before: None,
            limit,
        };
        let refused = carol.refusal(&frame).await?;
        expect_code(
            refused,
            ErrorCode::InvalidArgument,
            &format!("list_mailbox with limit {limit}"),
        )?;
    }
    alice.close().await;
    carol.close().await;
    bob.close().await;
    Ok(())
}
