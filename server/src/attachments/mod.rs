//! Image attachments: uploaded over HTTP with type and size checks, thumbnailed, kept on
//! disk with their metadata in SQLite, claimed by the message that carries them, served
//! only to the uploader and that message's conversation, and deleted when no message
//! holds them any more.

mod disk;
mod http;
mod picture;
mod store;
pub mod sweep;

pub use disk::remove_files;
pub use http::{prepare, serve_file, upload, Prepared};
pub use store::StoredAttachment;

use messenger_protocol::{Attachment, AttachmentId, ErrorCode, MessageId, UserId};

use crate::app::Tx;
use crate::commands::CommandError;

/// More would make a message a gallery; the widget shows them in one row of thumbnails.
pub const MAX_PER_MESSAGE: usize = 10;

/// Checks that `ids` were uploaded by `user` and are not part of another message, and ties
/// them to `message`; returns them in the order given. Any failure fails the whole send,
/// since the caller's transaction is then rolled back.
pub fn claim(
    tx: &mut Tx<'_>,
    user: UserId,
    message: MessageId,
    ids: &[AttachmentId],
) -> Result<Vec<Attachment>, CommandError> {
    if ids.len() > MAX_PER_MESSAGE {
        return Err(CommandError::new(
            ErrorCode::InvalidArgument,
            format!(
                "{} attachments; a message may carry at most {MAX_PER_MESSAGE}",
                ids.len()
            ),
        ));
    }
    let mut claimed = Vec::with_capacity(ids.len());
    for (position, id) in ids.iter().enumerate() {
        if ids[..position].contains(id) {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                format!("attachment {id} is listed twice"),
            ));
        }
        // Someone else's upload, or one already sent, looks exactly like a missing one.
        let usable = tx
            .store
            .attachment(id)?
            .filter(|stored| stored.uploader == user && stored.message.is_none());
        let Some(stored) = usable else {
            return Err(CommandError::new(ErrorCode::NotFound, "no such attachment"));
        };
        tx.store.attach(id, message, position)?;
        claimed.push(stored.attachment);
    }
    Ok(claimed)
}
