//! The open-channel list, as a plain reducer.

use messenger_protocol::{ChannelInfo, ConversationId};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChannelList {
    /// Newest first (by id, descending), unique by id.
    pub items: Vec<ChannelInfo>,
    /// A `list_channels` answer arrived.
    pub loaded: bool,
}

impl ChannelList {
    pub fn set(&mut self, channels: Vec<ChannelInfo>) {
        // The server sends them newest first; inserting keeps the order whatever it sends.
        self.items.clear();
        for c in channels {
            self.upsert(c);
        }
        self.loaded = true;
    }

    /// `channel_created`, or a channel whose state changed.
    pub fn upsert(&mut self, channel: ChannelInfo) {
        match self.items.binary_search_by(|x| channel.id.cmp(&x.id)) {
            Ok(at) => self.items[at] = channel,
            Err(at) => self.items.insert(at, channel),
        }
    }

    /// The caller joined: counted once.
    pub fn joined(&mut self, id: ConversationId) {
        if let Some(c) = self.items.iter_mut().find(|c| c.id == id && !c.joined) {
            c.joined = true;
            c.member_count = c.member_count.saturating_add(1);
        }
    }

    /// The caller left: the channel is listed as joinable again.
    pub fn left(&mut self, id: ConversationId) {
        if let Some(c) = self.items.iter_mut().find(|c| c.id == id && c.joined) {
            c.joined = false;
            c.member_count = c.member_count.saturating_sub(1);
        }
    }

    pub fn newest_id(&self) -> Option<ConversationId> {
        self.items.first().map(|c| c.id)
    }

    /// Channels newer than `seen` not joined: what the server counts as new.
    pub fn unseen_after(&self, seen: ConversationId) -> u32 {
        self.items
            .iter()
            .filter(|c| c.id > seen && !c.joined)
            .count() as u32
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn chan(id: ConversationId, joined: bool) -> ChannelInfo {
        ChannelInfo {
            id,
            title: format!("c{id}"),
            member_count: 1,
            joined,
            created_at: 0,
        }
    }

    #[test]
    fn list_order_join_and_unseen() {
        let mut l = ChannelList::default();
        assert_eq!(l.newest_id(), None);
        l.set(vec![chan(3, false), chan(8, true), chan(5, false)]);
        assert_eq!(l.items.iter().map(|c| c.id).collect::<Vec<_>>(), [8, 5, 3]);
        assert_eq!(l.newest_id(), Some(8));
        l.upsert(chan(9, false));
        l.upsert(chan(4, false));
        assert_eq!(
            l.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [9, 8, 5, 4, 3]
        );
        assert_eq!(l.unseen_after(8), 1);
        assert_eq!(l.unseen_after(0), 4);
        l.joined(9);
        l.joined(9);
        assert_eq!(l.items[0].member_count, 2, "counted once");
        assert_eq!(l.unseen_after(8), 0);
        l.left(9);
        assert!(!l.items[0].joined);
        assert_eq!(l.items[0].member_count, 1);
    }
}
