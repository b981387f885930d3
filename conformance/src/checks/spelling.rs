//! `check_spelling`: its argument errors, and the documented answer to the documented
//! example.

use messenger_protocol::{AckResult, ClientFrame, ErrorCode, TextRange};

use super::{expect_code, Ctx, ALICE};
use crate::client::Check;

/// The example of docs/protocol.md: "documment" is misspelled, at UTF-16 27..36.
const EXAMPLE: &str = "Bonjour, je vous envoie le documment";

pub(super) async fn spell_check_arguments(ctx: &Ctx) -> Check {
    let (mut alice, welcome) = ctx.connect(ALICE).await?;
    let check = |lang: &str, text: &str| ClientFrame::CheckSpelling {
        id: ctx.id(),
        lang: lang.into(),
        text: text.into(),
    };
    for lang in ["xx", "", "french"] {
        expect_code(
            alice.refusal(&check(lang, "Bonjour")).await?,
            ErrorCode::InvalidArgument,
            &format!("check_spelling with lang {lang:?}"),
        )?;
    }
    let too_long = "é".repeat(welcome.limits.max_message_bytes / 2 + 1);
    expect_code(
        alice.refusal(&check("fr", &too_long)).await?,
        ErrorCode::MessageTooLarge,
        "check_spelling of a text one byte over max_message_bytes",
    )?;
    // After the refusals the connection still answers, and as documented.
    match alice.ack(&check("fr", EXAMPLE)).await? {
        AckResult::Spelling { misspelled } => ensure!(
            misspelled == [TextRange { start: 27, end: 36 }],
            "check_spelling of {EXAMPLE:?} marked {misspelled:?}, expected [27..36] (\"documment\")"
        ),
        other => return Err(format!("check_spelling acked with {other:?}")),
    }
    alice.close().await;
    Ok(())
}
