//! The navigation commands of a session: channel list, notification center, settings. Their
//! answers are tracked here so the views only render [`Nav`] and the [`AppState`] counters.

use messenger_protocol::{
    AckResult, ClientFrame, CommandId, ConversationId, ConversationKind, Event, NotificationId,
    ServerFrame, SettingsPatch,
};

use super::channels::ChannelList;
use super::i18n::{Notice, K};
use super::notifications::{NotificationList, NOTIFICATION_PAGE};
use super::session::Session;
use super::state::AppState;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    ListChannels,
    JoinChannel(ConversationId),
    CreateChannel,
    MarkChannelsSeen(ConversationId),
    ListNotifications { older: bool },
    MarkNotificationRead,
    UpdateSettings,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nav {
    /// Commands on their way, oldest first: a few at a time, so a list (a map type of its
    /// own would add its code to the bundle).
    pending: Vec<(CommandId, Pending)>,
    pub channels: ChannelList,
    pub notifications: NotificationList,
    /// The channel list is on screen: channels arriving meanwhile count as seen.
    pub channels_open: bool,
    /// Newest channel id sent in `mark_channels_seen` on this connection.
    seen_sent: Option<ConversationId>,
    /// Why the last settings change was refused.
    pub settings_error: Option<Notice>,
    /// Why the last channel could not be created.
    pub channel_error: Option<Notice>,
}

/// A channel title the server takes: 1 to 100 characters once trimmed (see `create_channel`
/// in docs/protocol.md).
pub const MAX_CHANNEL_TITLE_CHARS: usize = 100;

/// What a frame asks of the session besides the state change.
#[derive(Default)]
pub(crate) struct NavOutcome {
    pub open: Option<ConversationId>,
    pub mark_seen: bool,
}

impl Nav {
    /// The command `id` answered, no longer waiting.
    fn answered(&mut self, id: &str) -> Option<Pending> {
        let at = self.pending.iter().position(|(c, _)| c == id)?;
        Some(self.pending.remove(at).1)
    }

    fn waiting(&self, what: &Pending) -> bool {
        self.pending.iter().any(|(_, p)| p == what)
    }

    pub fn is_listing_channels(&self) -> bool {
        self.waiting(&Pending::ListChannels)
    }

    pub fn is_joining(&self, channel: ConversationId) -> bool {
        self.waiting(&Pending::JoinChannel(channel))
    }

    pub fn is_loading_notifications(&self) -> bool {
        self.pending
            .iter()
            .any(|(_, p)| matches!(p, Pending::ListNotifications { .. }))
    }

    pub fn is_creating_channel(&self) -> bool {
        self.waiting(&Pending::CreateChannel)
    }

    pub fn is_saving_settings(&self) -> bool {
        self.waiting(&Pending::UpdateSettings)
    }

    /// Called with every frame before the state applies it.
    pub(crate) fn receive(&mut self, frame: &ServerFrame, state: &mut AppState) -> NavOutcome {
        let mut out = NavOutcome::default();
        match frame {
            ServerFrame::Welcome(_) => {
                // A fresh snapshot: lists are fetched again when shown.
                self.notifications.reset();
                self.channels.loaded = false;
                self.seen_sent = None;
            }
            ServerFrame::Ack { id, result } => match (self.answered(id), result) {
                (Some(Pending::ListChannels), AckResult::Channels { channels }) => {
                    self.channels.set(channels.clone());
                    out.mark_seen = self.channels_open;
                }
                (Some(Pending::JoinChannel(c)), AckResult::Conversation { conversation }) => {
                    self.channels.joined(c);
                    out.open = Some(conversation.id);
                }
                // The list learns of it from `channel_created`, which every user gets.
                (Some(Pending::CreateChannel), AckResult::Conversation { conversation }) => {
                    self.channel_error = None;
                    out.open = Some(conversation.id);
                }
                (Some(Pending::MarkChannelsSeen(up_to)), _) => {
                    // No event follows: the count is what the server now holds as new.
                    state.new_channels = self.channels.unseen_after(up_to);
                }
                (
                    Some(Pending::ListNotifications { older }),
                    AckResult::Notifications {
                        notifications,
                        has_more,
                        ..
                    },
                ) => self
                    .notifications
                    .page(notifications.clone(), *has_more, older),
                (Some(Pending::UpdateSettings), _) => self.settings_error = None,
                _ => {}
            },
            ServerFrame::Error {
                id: Some(id),
                message,
                ..
            } => match self.answered(id) {
                Some(Pending::UpdateSettings) => {
                    self.settings_error = Some(Notice::Server(message.clone()))
                }
                Some(Pending::CreateChannel) => {
                    self.channel_error = Some(Notice::Server(message.clone()))
                }
                _ => {}
            },
            ServerFrame::Event { seq, event } => {
                if state.epoch.is_some() && *seq <= state.seq {
                    return out; // already applied
                }
                match event {
                    Event::NotificationCreated { notification } => {
                        self.notifications.created(notification.clone())
                    }
                    Event::NotificationsRead {
                        notification_ids,
                        all,
                        ..
                    } => self.notifications.read(notification_ids, *all),
                    Event::ChannelCreated { channel } => {
                        self.channels.upsert(channel.clone());
                        out.mark_seen = self.channels_open && !channel.joined;
                    }
                    Event::ConversationRemoved { conversation_id } => {
                        let was_channel = state
                            .conversations
                            .get(conversation_id)
                            .is_some_and(|c| c.kind == ConversationKind::Channel);
                        if was_channel {
                            self.channels.left(*conversation_id);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        out
    }

    pub(crate) fn disconnected(&mut self) {
        self.pending.clear();
    }
}

impl Session {
    /// Applies what [`Nav::receive`] asked for, after the state took the frame.
    pub(crate) fn after_nav(&mut self, nav: NavOutcome, out: &mut super::session::Outcome) {
        out.open = out.open.or(nav.open);
        if nav.mark_seen {
            out.send.extend(self.mark_channels_seen());
        }
    }

    fn nav_command(&mut self, pending: Pending) -> Option<CommandId> {
        if !self.online {
            return None;
        }
        let id = self.next_id();
        self.nav.pending.push((id.clone(), pending));
        Some(id)
    }

    /// Shows the channel list: asks for it (its answer marks the channels seen).
    pub fn open_channel_list(&mut self) -> Option<ClientFrame> {
        self.nav.channels_open = true;
        self.list_channels()
    }

    pub fn close_channel_list(&mut self) {
        self.nav.channels_open = false;
    }

    pub fn list_channels(&mut self) -> Option<ClientFrame> {
        if self.nav.is_listing_channels() {
            return None;
        }
        let id = self.nav_command(Pending::ListChannels)?;
        Some(ClientFrame::ListChannels { id })
    }

    /// Tells the server the listed channels were seen, when that lowers the count.
    pub fn mark_channels_seen(&mut self) -> Option<ClientFrame> {
        let up_to = self.nav.channels.newest_id()?;
        if self.nav.seen_sent.is_some_and(|s| s >= up_to) && self.state.new_channels == 0 {
            return None;
        }
        let id = self.nav_command(Pending::MarkChannelsSeen(up_to))?;
        self.nav.seen_sent = Some(up_to);
        self.state.new_channels = self.nav.channels.unseen_after(up_to);
        Some(ClientFrame::MarkChannelsSeen { id, up_to })
    }

    /// Joins a channel (the ack opens it). A channel already joined and known needs no
    /// command: the caller opens it.
    pub fn join_channel(&mut self, channel: ConversationId) -> Option<ClientFrame> {
        if self.nav.is_joining(channel) {
            return None;
        }
        let id = self.nav_command(Pending::JoinChannel(channel))?;
        Some(ClientFrame::JoinChannel {
            id,
            conversation_id: channel,
        })
    }

    /// Creates an open channel titled `title` (trimmed); the ack opens it. A title the
    /// server would refuse, or no connection, sends nothing and says why in
    /// `nav.channel_error`.
    pub fn create_channel(&mut self, title: &str) -> Option<ClientFrame> {
        let title = title.trim();
        let refused = if title.is_empty() {
            Some(Notice::Text(K::ChannelsNameMissing))
        } else if title.chars().count() > MAX_CHANNEL_TITLE_CHARS {
            Some(Notice::With(
                K::ChannelsNameTooLong,
                vec![("max", MAX_CHANNEL_TITLE_CHARS.to_string())],
            ))
        } else if self.nav.is_creating_channel() {
            return None;
        } else {
            None
        };
        if refused.is_some() {
            self.nav.channel_error = refused;
            return None;
        }
        let Some(id) = self.nav_command(Pending::CreateChannel) else {
            self.nav.channel_error = Some(Notice::Text(K::ChannelsOffline));
            return None;
        };
        self.nav.channel_error = None;
        Some(ClientFrame::CreateChannel {
            id,
            title: title.to_string(),
        })
    }

    /// The newest page of notifications, or (`older`) the page before the oldest listed.
    pub fn list_notifications(&mut self, older: bool) -> Option<ClientFrame> {
        if self.nav.is_loading_notifications() {
            return None;
        }
        let before = if older {
            if !self.nav.notifications.has_more {
                return None;
            }
            Some(self.nav.notifications.oldest()?)
        } else {
            None
        };
        let id = self.nav_command(Pending::ListNotifications { older })?;
        Some(ClientFrame::ListNotifications {
            id,
            before,
            limit: NOTIFICATION_PAGE,
        })
    }

    /// Marks one notification read, at once locally (the server's event then sets the exact
    /// count). Nothing is sent for one already read.
    pub fn mark_notification_read(&mut self, notification: NotificationId) -> Option<ClientFrame> {
        let was_unread = self.nav.notifications.is_unread(notification);
        self.nav.notifications.dismiss(notification);
        if !was_unread {
            return None;
        }
        let id = self.nav_command(Pending::MarkNotificationRead)?;
        self.nav.notifications.read(&[notification], false);
        self.state.unread_notifications = self.state.unread_notifications.saturating_sub(1);
        Some(ClientFrame::MarkNotificationRead {
            id,
            notification_id: notification,
        })
    }

    /// Marks read every notification about `conversation`, for a conversation opened from a
    /// notification: at once for those known here, and on the server for all of them (older
    /// pages included; its event then sets the exact count). Its pop-ups go away either way.
    /// Nothing is sent while nothing at all is unread.
    pub fn mark_conversation_notifications_read(
        &mut self,
        conversation: ConversationId,
    ) -> Option<ClientFrame> {
        let known = self.nav.notifications.unread_about(conversation);
        self.nav.notifications.dismiss_about(conversation);
        if self.state.unread_notifications == 0 {
            return None;
        }
        let id = self.nav_command(Pending::MarkNotificationRead)?;
        self.nav.notifications.read(&known, false);
        let known = u32::try_from(known.len()).unwrap_or(u32::MAX);
        self.state.unread_notifications = self.state.unread_notifications.saturating_sub(known);
        Some(ClientFrame::MarkConversationNotificationsRead {
            id,
            conversation_id: conversation,
        })
    }

    /// The user opened notification `id` (its toast, its dialog or its row in the center).
    /// When it is about a conversation known here, that conversation is the one to show and
    /// every notification about it becomes read; otherwise just this one does.
    pub fn open_notification(
        &mut self,
        id: NotificationId,
    ) -> (Option<ClientFrame>, Option<ConversationId>) {
        let conversation = self
            .nav
            .notifications
            .get(id)
            .and_then(|n| n.conversation_id)
            .filter(|c| self.state.conversations.contains_key(c));
        let frame = match conversation {
            Some(c) => self.mark_conversation_notifications_read(c),
            None => self.mark_notification_read(id),
        };
        (frame, conversation)
    }

    pub fn mark_all_notifications_read(&mut self) -> Option<ClientFrame> {
        let id = self.nav_command(Pending::MarkNotificationRead)?;
        self.nav.notifications.read(&[], true);
        self.state.unread_notifications = 0;
        Some(ClientFrame::MarkAllNotificationsRead { id })
    }

    /// Changes settings on the server; the state shows them once the server answers.
    pub fn update_settings(&mut self, patch: SettingsPatch) -> Option<ClientFrame> {
        let Some(id) = self.nav_command(Pending::UpdateSettings) else {
            self.nav.settings_error = Some(Notice::Text(K::SettingsOfflineError));
            return None;
        };
        self.nav.settings_error = None;
        Some(ClientFrame::UpdateSettings {
            id,
            settings: patch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::channels::tests::chan;
    use crate::core::notifications::tests::notif;
    use crate::core::state::tests::{direct, welcome};
    use messenger_protocol::{ErrorCode, Importance, Notification, SendKey, Settings};

    fn online() -> Session {
        let mut s = Session::new("t");
        s.receive(welcome(), None);
        s
    }

    fn ack(frame: &ClientFrame, result: AckResult) -> ServerFrame {
        ServerFrame::Ack {
            id: frame.command_id().unwrap().to_string(),
            result,
        }
    }

    fn event(s: &Session, event: Event) -> ServerFrame {
        ServerFrame::Event {
            seq: s.state.seq + 1,
            event,
        }
    }

    #[test]
    fn offline_sends_nothing() {
        let mut s = Session::new("t");
        assert!(s.open_channel_list().is_none());
        assert!(s.list_notifications(false).is_none());
        assert!(s.update_settings(SettingsPatch::default()).is_none());
        assert!(s.nav.settings_error.is_some());
    }

    #[test]
    fn channel_list_marks_seen_and_join_opens() {
        let mut s = online();
        let created = event(
            &s,
            Event::ChannelCreated {
                channel: chan(12, false),
            },
        );
        s.receive(created, None);
        assert_eq!(s.state.new_channels, 1);
        let list = s.open_channel_list().unwrap();
        assert!(s.open_channel_list().is_none(), "one request at a time");
        let out = s.receive(
            ack(
                &list,
                AckResult::Channels {
                    channels: vec![chan(12, false), chan(3, true)],
                },
            ),
            None,
        );
        let [ClientFrame::MarkChannelsSeen { up_to: 12, .. }] = out.send.as_slice() else {
            panic!("{:?}", out.send);
        };
        assert_eq!(s.state.new_channels, 0);
        s.receive(ack(&out.send[0], AckResult::Done), None);
        assert_eq!(s.state.new_channels, 0);

        // While the list is open, a new channel is seen at once; once closed it counts.
        let created = event(
            &s,
            Event::ChannelCreated {
                channel: chan(13, false),
            },
        );
        let out = s.receive(created, None);
        assert!(matches!(
            out.send.as_slice(),
            [ClientFrame::MarkChannelsSeen { up_to: 13, .. }]
        ));
        assert_eq!(s.nav.channels.items[0].id, 13);
        s.close_channel_list();
        let created = event(
            &s,
            Event::ChannelCreated {
                channel: chan(14, false),
            },
        );
        let out = s.receive(created, None);
        assert!(out.send.is_empty());
        assert_eq!(s.state.new_channels, 1);

        let join = s.join_channel(12).unwrap();
        assert!(s.join_channel(12).is_none());
        assert!(s.nav.is_joining(12));
        let mut conv = direct(12, 1, 2, 0);
        conv.kind = ConversationKind::Channel;
        let out = s.receive(
            ack(&join, AckResult::Conversation { conversation: conv }),
            None,
        );
        assert_eq!(out.open, Some(12));
        assert!(s.nav.channels.items.iter().any(|c| c.id == 12 && c.joined));
        assert!(s.state.conversations.contains_key(&12));
    }

    #[test]
    fn create_channel_checks_the_title_and_opens_the_answer() {
        let mut offline = Session::new("t");
        assert!(offline.create_channel("Releases").is_none());
        assert_eq!(
            offline.nav.channel_error,
            Some(Notice::Text(K::ChannelsOffline))
        );

        let mut s = online();
        assert!(s.create_channel("   ").is_none());
        assert_eq!(
            s.nav.channel_error,
            Some(Notice::Text(K::ChannelsNameMissing))
        );
        assert!(s.create_channel(&"x".repeat(101)).is_none());
        let en = crate::core::i18n::Catalog::english();
        assert!(s
            .nav
            .channel_error
            .as_ref()
            .unwrap()
            .render(&en)
            .contains("100"));
        // 100 characters, not bytes.
        let f = s.create_channel(&format!(" {} ", "é".repeat(100))).unwrap();
        let ClientFrame::CreateChannel { title, .. } = &f else {
            panic!("{f:?}")
        };
        assert_eq!(title.chars().count(), 100, "trimmed");
        assert_eq!(s.nav.channel_error, None);
        assert!(s.nav.is_creating_channel());
        assert!(s.create_channel("Another").is_none(), "one at a time");
        assert_eq!(s.nav.channel_error, None);

        let mut conv = direct(40, 1, 1, 0);
        conv.kind = ConversationKind::Channel;
        let out = s.receive(
            ack(&f, AckResult::Conversation { conversation: conv }),
            None,
        );
        assert_eq!(out.open, Some(40));
        assert!(!s.nav.is_creating_channel());
        assert!(s.state.conversations.contains_key(&40));

        // The server's refusal is kept for the form.
        let f = s.create_channel("Releases").unwrap();
        s.receive(
            ServerFrame::Error {
                id: f.command_id().map(str::to_string),
                code: ErrorCode::InvalidArgument,
                message: "title is empty".into(),
            },
            None,
        );
        assert!(!s.nav.is_creating_channel());
        assert_eq!(
            s.nav.channel_error,
            Some(Notice::Server("title is empty".into()))
        );
        // A lost connection forgets what was in flight.
        s.create_channel("Later").unwrap();
        s.disconnected();
        assert!(!s.nav.is_creating_channel());
    }

    #[test]
    fn notification_center_pages_reads_and_goes_live() {
        let mut s = online();
        s.state.unread_notifications = 2;
        let first = s.list_notifications(false).unwrap();
        assert!(s.nav.is_loading_notifications());
        let ClientFrame::ListNotifications {
            before: None,
            limit: 20,
            ..
        } = &first
        else {
            panic!()
        };
        s.receive(
            ack(
                &first,
                AckResult::Notifications {
                    notifications: vec![
                        notif(5, Importance::Normal, false),
                        notif(4, Importance::High, false),
                    ],
                    has_more: true,
                    unread: 2,
                },
            ),
            None,
        );
        let older = s.list_notifications(true).unwrap();
        let ClientFrame::ListNotifications {
            before: Some(4), ..
        } = &older
        else {
            panic!()
        };
        s.receive(
            ack(
                &older,
                AckResult::Notifications {
                    notifications: vec![notif(1, Importance::Normal, true)],
                    has_more: false,
                    unread: 2,
                },
            ),
            None,
        );
        assert!(s.list_notifications(true).is_none(), "nothing older");
        assert_eq!(s.nav.notifications.items.len(), 3);

        let live = event(
            &s,
            Event::NotificationCreated {
                notification: notif(6, Importance::High, false),
            },
        );
        s.receive(live.clone(), None);
        s.receive(live, None); // a replay of the same seq changes nothing
        assert_eq!(s.state.unread_notifications, 3);
        assert_eq!(s.nav.notifications.items[0].id, 6);
        assert_eq!(s.nav.notifications.popups.len(), 1);

        let mark = s.mark_notification_read(6).unwrap();
        assert!(matches!(
            mark,
            ClientFrame::MarkNotificationRead {
                notification_id: 6,
                ..
            }
        ));
        assert_eq!(s.state.unread_notifications, 2);
        assert!(s.nav.notifications.popups.is_empty());
        assert!(s.mark_notification_read(6).is_none(), "already read");
        assert!(s.mark_notification_read(1).is_none());
        let read = event(
            &s,
            Event::NotificationsRead {
                notification_ids: vec![6],
                all: false,
                unread: 2,
            },
        );
        s.receive(read, None);
        assert_eq!(s.state.unread_notifications, 2);

        assert!(matches!(
            s.mark_all_notifications_read(),
            Some(ClientFrame::MarkAllNotificationsRead { .. })
        ));
        assert_eq!(s.state.unread_notifications, 0);
        assert!(s.nav.notifications.items.iter().all(|n| n.read));

        // Another tab read one: the list follows.
        let live = event(
            &s,
            Event::NotificationCreated {
                notification: notif(7, Importance::Normal, false),
            },
        );
        s.receive(live, None);
        let read = event(
            &s,
            Event::NotificationsRead {
                notification_ids: vec![7],
                all: false,
                unread: 0,
            },
        );
        s.receive(read, None);
        assert!(!s.nav.notifications.is_unread(7));
        assert!(s.nav.notifications.popups.is_empty());

        // A new snapshot drops the list so it is fetched again.
        s.disconnected();
        s.receive(welcome(), None);
        assert!(!s.nav.notifications.loaded);
    }

    fn about(id: NotificationId, conversation: ConversationId, high: bool) -> Notification {
        let importance = if high {
            Importance::High
        } else {
            Importance::Normal
        };
        Notification {
            conversation_id: Some(conversation),
            ..notif(id, importance, false)
        }
    }

    fn unread_ids(s: &Session) -> Vec<NotificationId> {
        s.nav
            .notifications
            .items
            .iter()
            .filter(|n| !n.read)
            .map(|n| n.id)
            .collect()
    }

    #[test]
    fn opening_a_conversation_from_a_notification_reads_every_one_about_it() {
        let mut s = online();
        s.state.unread_notifications = 4;
        let first = s.list_notifications(false).unwrap();
        s.receive(
            ack(
                &first,
                AckResult::Notifications {
                    notifications: vec![about(6, 10, false), about(5, 11, false)],
                    has_more: true,
                    unread: 4,
                },
            ),
            None,
        );
        // A high-importance message in conversation 10: its dialog pops up.
        let live = event(
            &s,
            Event::NotificationCreated {
                notification: about(7, 10, true),
            },
        );
        s.receive(live, None);
        assert_eq!(s.state.unread_notifications, 5);
        assert_eq!(s.nav.notifications.popups.len(), 1);

        let (frame, open) = s.open_notification(7);
        assert_eq!(open, Some(10));
        let Some(ClientFrame::MarkConversationNotificationsRead {
            conversation_id: 10,
            ..
        }) = &frame
        else {
            panic!("{frame:?}");
        };
        assert!(s.nav.notifications.popups.is_empty(), "the dialog is gone");
        assert_eq!(unread_ids(&s), [5], "both about 10 read at once");
        assert_eq!(s.state.unread_notifications, 3);

        // The server also read one on a page never loaded here (2): its event has the count.
        let read = event(
            &s,
            Event::NotificationsRead {
                notification_ids: vec![2, 6, 7],
                all: false,
                unread: 2,
            },
        );
        s.receive(read, None);
        assert_eq!(s.state.unread_notifications, 2);
        let listed: Vec<_> = s.nav.notifications.items.iter().map(|n| n.id).collect();
        assert_eq!(listed, [7, 6, 5], "an id not loaded is not made up");
        s.receive(ack(frame.as_ref().unwrap(), AckResult::Done), None);
        assert_eq!(s.state.unread_notifications, 2);

        // From the center, a read row about 10: still sent, older unread ones may exist.
        let (frame, open) = s.open_notification(6);
        assert_eq!(open, Some(10));
        assert!(matches!(
            frame,
            Some(ClientFrame::MarkConversationNotificationsRead { .. })
        ));
        assert_eq!(
            s.state.unread_notifications, 2,
            "none known here to subtract"
        );

        // About a conversation not known here (left since): only that one is read.
        let live = event(
            &s,
            Event::NotificationCreated {
                notification: about(8, 99, false),
            },
        );
        s.receive(live, None);
        let (frame, open) = s.open_notification(8);
        assert_eq!(open, None);
        assert!(matches!(
            frame,
            Some(ClientFrame::MarkNotificationRead {
                notification_id: 8,
                ..
            })
        ));
        assert_eq!(s.state.unread_notifications, 2);
    }

    #[test]
    fn nothing_unread_or_offline_sends_nothing_but_the_popups_go() {
        let mut s = online();
        assert_eq!(s.state.unread_notifications, 0);
        assert!(s.mark_conversation_notifications_read(10).is_none());

        let live = event(
            &s,
            Event::NotificationCreated {
                notification: about(3, 10, false),
            },
        );
        s.receive(live, None);
        s.disconnected();
        assert!(s.mark_conversation_notifications_read(10).is_none());
        assert!(s.nav.notifications.popups.is_empty());
        assert_eq!(s.state.unread_notifications, 1, "not read while offline");
    }

    #[test]
    fn each_live_notification_is_announced_to_the_host_once() {
        let mut s = online();
        let live = |s: &Session, id| {
            event(
                s,
                Event::NotificationCreated {
                    notification: about(id, 10, id == 2),
                },
            )
        };
        let one = live(&s, 1);
        s.receive(one.clone(), None);
        s.receive(one, None); // the same seq again
        let two = live(&s, 2);
        s.receive(two, None);
        let taken = std::mem::take(&mut s.nav.notifications.announced);
        let ids: Vec<NotificationId> = taken.iter().map(|n| n.id).collect();
        assert_eq!(ids, [1, 2], "oldest first, a replay is not news");
        assert_eq!(taken[1].importance, Importance::High);
        // Drawn from the local copy or another tab's catch-up: shown before, not news.
        let three = live(&s, 3);
        s.receive_quietly(three, None);
        assert!(s.nav.notifications.announced.is_empty());
        assert_eq!(s.state.unread_notifications, 3, "but counted");
        // Read already when it arrives: no pop-up, nothing to announce.
        let mut read = about(4, 10, false);
        read.read = true;
        let four = event(&s, Event::NotificationCreated { notification: read });
        s.receive(four, None);
        assert!(s.nav.notifications.announced.is_empty());
    }

    #[test]
    fn read_events_for_notifications_not_loaded_set_the_counter() {
        let mut s = online();
        s.state.unread_notifications = 9;
        for id in [20, 21] {
            let live = event(
                &s,
                Event::NotificationCreated {
                    notification: about(id, 10, false),
                },
            );
            s.receive(live, None);
        }
        assert!(!s.nav.notifications.loaded);
        assert_eq!(s.state.unread_notifications, 11);
        // Another tab read old ones this tab never listed.
        let read = event(
            &s,
            Event::NotificationsRead {
                notification_ids: vec![1, 2, 3, 20],
                all: false,
                unread: 7,
            },
        );
        s.receive(read, None);
        assert_eq!(s.state.unread_notifications, 7);
        assert!(s.nav.notifications.items.is_empty());
        let popped: Vec<_> = s.nav.notifications.popups.iter().map(|p| p.id).collect();
        assert_eq!(popped, [21], "the one read elsewhere is taken down");
    }

    #[test]
    fn settings_follow_the_server_and_errors_are_kept() {
        let mut s = online();
        let patch = SettingsPatch {
            send_key: Some(SendKey::CtrlEnter),
            ..SettingsPatch::default()
        };
        let f = s.update_settings(patch).unwrap();
        assert!(s.nav.is_saving_settings());
        let settings = Settings {
            send_key: SendKey::CtrlEnter,
            ..Settings::default()
        };
        s.receive(
            ack(
                &f,
                AckResult::Settings {
                    settings: settings.clone(),
                },
            ),
            None,
        );
        assert_eq!(s.state.settings, settings);
        assert!(!s.nav.is_saving_settings());

        let f = s
            .update_settings(SettingsPatch {
                digest_minutes: Some(0),
                ..SettingsPatch::default()
            })
            .unwrap();
        s.receive(
            ServerFrame::Error {
                id: f.command_id().map(str::to_string),
                code: ErrorCode::InvalidArgument,
                message: "digest_minutes must be 1–1440".into(),
            },
            None,
        );
        assert_eq!(
            s.nav.settings_error,
            Some(Notice::Server("digest_minutes must be 1–1440".into()))
        );
        assert_eq!(s.state.settings, settings);
    }
}
