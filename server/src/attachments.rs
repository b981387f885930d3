//! Image attachments: HTTP upload with type and size checks, thumbnails, serving.

use messenger_protocol::{Attachment, AttachmentId, MessageId, UserId};

use crate::app::Tx;
use crate::commands::CommandError;

/// Checks that `ids` were uploaded by `user` and ties them to `message`; returns them in order.
/// TODO(issue 3, attachments helper).
pub fn claim(
    _tx: &mut Tx<'_>,
    _user: UserId,
    _message: MessageId,
    ids: &[AttachmentId],
) -> Result<Vec<Attachment>, CommandError> {
    if ids.is_empty() {
        Ok(Vec::new())
    } else {
        Err(CommandError::new(
            messenger_protocol::ErrorCode::NotFound,
            "no such attachment",
        ))
    }
}
