//! The conversation list's one-line preview of the last message.

use messenger_protocol::{Message, UserId};

use super::format::preview;
use super::i18n::{Catalog, K};
use super::timeline::system_text;

/// What the preview line shows, and whether it is a system line (styled apart). `name`
/// gives the names system lines mention.
pub fn conversation_preview(
    m: &Message,
    me: UserId,
    tr: &Catalog,
    name: impl super::timeline::Names,
) -> (String, bool) {
    if let Some(event) = &m.system {
        return (preview(&system_text(event, name, tr), 80), true);
    }
    let mut text = preview(&m.text, 80);
    if !m.attachments.is_empty() {
        text = if text.is_empty() {
            tr.n(K::PreviewImage, m.attachments.len() as u64, &[])
        } else {
            tr.f(K::PreviewAttached, &[("text", &text)])
        };
    }
    if m.sender_id == me {
        text = tr.f(K::PreviewYou, &[("text", &text)]);
    }
    (text, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::state::tests::msg;
    use messenger_protocol::{Attachment, SystemEvent};

    fn pic() -> Attachment {
        Attachment {
            id: "a".into(),
            name: "p.png".into(),
            mime: "image/png".into(),
            size: 1,
            width: 1,
            height: 1,
            url: "/files/a/p.png".into(),
            thumbnail_url: "/files/a/thumb.jpg".into(),
        }
    }

    fn conversation_preview(m: &Message, me: UserId) -> (String, bool) {
        let name = |u: UserId| ["?", "Alice", "Bob"][u as usize].to_string();
        super::conversation_preview(m, me, &Catalog::english(), name)
    }

    #[test]
    fn own_system_and_attachment_previews() {
        assert_eq!(
            conversation_preview(&msg(1, 7, 2, "hi\nthere"), 1),
            ("hi".into(), false)
        );
        assert_eq!(
            conversation_preview(&msg(1, 7, 1, "hi"), 1),
            ("You: hi".into(), false)
        );
        let mut joined = msg(2, 7, 1, "Alice joined");
        joined.system = Some(SystemEvent::Joined { user_id: 1 });
        assert_eq!(
            conversation_preview(&joined, 1),
            ("Alice joined".into(), true),
            "no You: on a system line"
        );
        let mut photo = msg(3, 7, 2, " ");
        photo.attachments = vec![pic()];
        assert_eq!(conversation_preview(&photo, 1).0, "📎 1 image");
        photo.attachments.push(pic());
        photo.text = "the whiteboard".into();
        photo.sender_id = 1;
        assert_eq!(conversation_preview(&photo, 1).0, "You: 📎 the whiteboard");
        photo.text = String::new();
        assert_eq!(conversation_preview(&photo, 1).0, "You: 📎 2 images");
    }
}
