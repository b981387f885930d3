//! What the chat timeline shows besides the messages themselves: day separators, the
//! "New messages" divider, system lines and who has read an own message.

use messenger_protocol::{DepartmentId, MessageId, SystemEvent, Timestamp, UserId};

use super::i18n::{Catalog, K};
use super::session::Entry;
use super::state::Conversation;

const DAY_MS: i64 = 86_400_000;

/// The local calendar day of `ms` as days since 1970-01-01, for a zone that is
/// `offset_minutes` behind UTC at that instant (JavaScript's `getTimezoneOffset`).
pub fn local_day(ms: Timestamp, offset_minutes: i64) -> i64 {
    ms.saturating_sub(offset_minutes.saturating_mul(60_000))
        .div_euclid(DAY_MS)
}

/// `(year, month 1-12, day 1-31)` of a day number (Howard Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// How a day separator names its day: "Today", "Yesterday", else the date, with its
/// weekday this year ("Monday 23 November") or with its year before ("23 November 2025").
/// The date's words are the browser's (`Intl`), in the interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayName {
    Today,
    Yesterday,
    ThisYear,
    WithYear,
}

pub fn day_name(day: i64, today: i64) -> DayName {
    match today - day {
        0 => DayName::Today,
        1 => DayName::Yesterday,
        _ if civil_from_days(day).0 == civil_from_days(today).0 => DayName::ThisYear,
        _ => DayName::WithYear,
    }
}

/// One entry of the timeline: a day separator, the divider, or the item at that index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Day(i64),
    NewMessages,
    Item(usize),
}

/// Interleaves day separators (before the first item of each day) and the "New messages"
/// divider (before item `divider_at`) with `days.len()` items.
pub fn lines(days: &[i64], divider_at: Option<usize>) -> Vec<Line> {
    let mut out = Vec::with_capacity(days.len() + 8);
    let mut current = None;
    for (i, day) in days.iter().enumerate() {
        if current != Some(*day) {
            out.push(Line::Day(*day));
            current = Some(*day);
        }
        if divider_at == Some(i) {
            out.push(Line::NewMessages);
        }
        out.push(Line::Item(i));
    }
    out
}

/// Where the user's reading stood when the conversation was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenMark {
    pub read_up_to: Option<MessageId>,
    pub unread: u32,
}

/// What `first_unread` needs to know about an item.
pub struct Seen {
    pub id: Option<MessageId>,
    pub from_other: bool,
    pub system: bool,
}

/// The index of the first message from someone else after the read position of `mark`,
/// where the divider goes; none when nothing was unread at open.
pub fn first_unread(items: impl IntoIterator<Item = Seen>, mark: OpenMark) -> Option<usize> {
    if mark.unread == 0 {
        return None;
    }
    items.into_iter().position(|s| {
        s.from_other
            && !s.system
            && s.id
                .is_some_and(|id| mark.read_up_to.is_none_or(|r| id > r))
    })
}

/// The names a system line mentions: users, departments, disposition codes. A plain
/// `Fn(UserId) -> String` serves where only users appear.
pub trait Names {
    fn user(&self, user: UserId) -> String;
    fn department(&self, department: DepartmentId) -> String {
        format!("#{department}")
    }
    fn disposition(&self, code: &str) -> String {
        code.to_string()
    }
    /// Where a transfer goes: an agent, or a department.
    fn target(&self, user: Option<UserId>, department: Option<DepartmentId>) -> String {
        match (user, department) {
            (Some(u), _) => self.user(u),
            (None, Some(d)) => self.department(d),
            (None, None) => String::new(),
        }
    }
}

impl<F: Fn(UserId) -> String> Names for F {
    fn user(&self, user: UserId) -> String {
        self(user)
    }
}

/// The readable sentence of a system line.
pub fn system_text(event: &SystemEvent, names: impl Names, tr: &Catalog) -> String {
    let name = |u: &UserId| names.user(*u);
    match event {
        SystemEvent::Joined { user_id } => tr.f(K::SystemJoined, &[("name", &name(user_id))]),
        SystemEvent::Left { user_id } => tr.f(K::SystemLeft, &[("name", &name(user_id))]),
        SystemEvent::Added { user_id, by } => tr.f(
            K::SystemAdded,
            &[("by", &name(by)), ("name", &name(user_id))],
        ),
        SystemEvent::Created { by } => tr.f(K::SystemCreated, &[("by", &name(by))]),
        SystemEvent::TransferOffered {
            by,
            to_user,
            to_department,
        } => {
            let to = names.target(*to_user, *to_department);
            tr.f(
                K::SystemTransferOffered,
                &[("by", &name(by)), ("name", &to)],
            )
        }
        SystemEvent::TransferAccepted { user_id } => {
            tr.f(K::SystemTransferAccepted, &[("name", &name(user_id))])
        }
        SystemEvent::TransferRefused { user_id, reason } => match reason {
            Some(r) => tr.f(
                K::SystemTransferRefusedReason,
                &[("name", &name(user_id)), ("reason", r)],
            ),
            None => tr.f(K::SystemTransferRefused, &[("name", &name(user_id))]),
        },
        SystemEvent::InactivityWarning { .. } => tr.t(K::SystemInactivity),
        SystemEvent::Closed { by, disposition } => match (by, disposition) {
            (None, _) => tr.t(K::SystemClosedTimeout),
            (Some(by), None) => tr.f(K::SystemClosed, &[("by", &name(by))]),
            (Some(by), Some(d)) => tr.f(
                K::SystemClosedDisposition,
                &[("by", &name(by)), ("disposition", &names.disposition(d))],
            ),
        },
    }
}

/// Who of the other members has received and read a message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    /// Members other than the sender.
    pub of: usize,
    pub read: usize,
    /// Received, whether read or not.
    pub delivered: usize,
    /// Members who have not read it, by user id.
    pub unread_by: Vec<UserId>,
}

impl Receipt {
    pub fn all_read(&self) -> bool {
        self.of > 0 && self.read == self.of
    }

    pub fn all_delivered(&self) -> bool {
        self.of > 0 && self.delivered == self.of
    }
}

/// The receipt of message `id` sent by `sender` in `conv`, from the members' read and
/// delivery positions.
pub fn receipt(conv: &Conversation, id: MessageId, sender: UserId) -> Receipt {
    let mut r = Receipt::default();
    for &u in conv.members.iter().filter(|u| **u != sender) {
        r.of += 1;
        let read = conv.read_positions.get(&u).is_some_and(|p| *p >= id);
        let delivered = read || conv.delivered_positions.get(&u).is_some_and(|p| *p >= id);
        if read {
            r.read += 1;
        } else {
            r.unread_by.push(u);
        }
        if delivered {
            r.delivered += 1;
        }
    }
    r
}

/// "Read by 1 of 3".
pub fn read_by_label(r: &Receipt, tr: &Catalog) -> String {
    let (read, of) = (tr.locale.count(r.read as u64), tr.locale.count(r.of as u64));
    tr.f(K::ReadBy, &[("read", &read), ("of", &of)])
}

/// "Not yet read by: Carol, Dave", or "Read by everyone".
pub fn unread_by_label(names: &[String], tr: &Catalog) -> String {
    if names.is_empty() {
        tr.t(K::ReadByEveryone)
    } else {
        tr.f(K::NotYetReadBy, &[("names", &names.join(", "))])
    }
}

/// A row of the timeline as the layout sees it: a key that stays the same while the row
/// shows the same thing, what it is, and what its height before measuring depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowMeta {
    pub key: i64,
    /// `Line::Item(i)` is `entries[i]`.
    pub line: Line,
    pub class: RowClass,
    /// Lines of text beyond the first, roughly (for the height estimate).
    pub extra_lines: u32,
}

/// Rows of one class share a base height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowClass {
    /// A centred line: day, divider, system line.
    Line = 0,
    Other = 1,
    /// Own messages carry a delivery line.
    Own = 2,
}

/// Height estimates of rows not measured yet: per class, the smallest height measured so
/// far (less its extra lines), so estimates follow the real styles and text size. They err
/// on the low side: a row that renders taller than estimated only makes the list longer,
/// while one that renders shorter shrinks it and makes the browser pull the scroll position
/// up, which would read as the reader leaving the newest message.
#[derive(Clone, Debug)]
pub struct Estimates {
    base: [f64; 3],
    measured: [bool; 3],
}

/// One more line of message text.
const LINE_PX: f64 = 20.0;

impl Default for Estimates {
    fn default() -> Self {
        Estimates {
            base: [24.0, 40.0, 54.0],
            measured: [false; 3],
        }
    }
}

impl Estimates {
    pub fn height(&self, row: &RowMeta) -> f64 {
        self.base[row.class as usize] + LINE_PX * f64::from(row.extra_lines)
    }

    /// A row of this class and extra lines measured `height` pixels.
    pub fn measured(&mut self, row: &RowMeta, height: f64) {
        let base = height - LINE_PX * f64::from(row.extra_lines);
        let i = row.class as usize;
        if base > 0.0 && (!self.measured[i] || base < self.base[i]) {
            self.base[i] = base;
            self.measured[i] = true;
        }
    }
}

/// Row keys: message ids are positive, local echoes far negative, the divider -1 and day
/// separators just below it.
const NEW_MESSAGES_KEY: i64 = -1;

fn day_key(day: i64) -> i64 {
    -10 - day.rem_euclid(1 << 30)
}

/// The rows of a timeline: day separators, the "New messages" divider (where `mark` puts
/// it) and one row per entry. `day_of` gives an instant's local day. Linear in the entries,
/// with no text copied: it runs again on every change of a long history.
pub fn layout_rows(
    entries: &[Entry],
    mark: OpenMark,
    mut day_of: impl FnMut(Timestamp) -> i64,
) -> Vec<RowMeta> {
    let divider = first_unread(
        entries.iter().map(|e| Seen {
            id: e.message_id,
            from_other: !e.own,
            system: e.system,
        }),
        mark,
    );
    let days: Vec<i64> = entries.iter().map(|e| day_of(e.created_at)).collect();
    lines(&days, divider)
        .into_iter()
        .map(|line| {
            let (key, class, extra_lines) = match line {
                Line::Day(day) => (day_key(day), RowClass::Line, 0),
                Line::NewMessages => (NEW_MESSAGES_KEY, RowClass::Line, 0),
                Line::Item(i) => {
                    let e = &entries[i];
                    let class = match (e.system, e.own) {
                        (true, _) => RowClass::Line,
                        (false, true) => RowClass::Own,
                        (false, false) => RowClass::Other,
                    };
                    // A line holds 100 bytes or more at most widths: fewer lines, lower.
                    let extra = if e.system { 0 } else { e.text_len / 100 };
                    (e.key, class, extra as u32)
                }
            };
            RowMeta {
                key,
                line,
                class,
                extra_lines,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
    use messenger_protocol::{ConversationKind, ConversationSummary, MemberState};

    #[test]
    fn local_days_follow_the_offset() {
        // 2026-11-25 23:30 UTC is the 26th in UTC+1 (offset -60) and the 25th in UTC-5.
        let ms = 1_764_113_400_000; // 2025-11-25T23:30:00Z
        let utc = local_day(ms, 0);
        assert_eq!(civil_from_days(utc), (2025, 11, 25));
        assert_eq!(local_day(ms, -60), utc + 1);
        assert_eq!(local_day(ms, 300), utc);
        assert_eq!(local_day(-1, 0), -1, "before 1970 rounds down");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn day_labels() {
        let today = local_day(1_764_113_400_000, 0); // Tuesday 25 November 2025
        assert_eq!(day_name(today, today), DayName::Today);
        assert_eq!(day_name(today - 1, today), DayName::Yesterday);
        assert_eq!(day_name(today - 2, today), DayName::ThisYear);
        assert_eq!(day_name(today - 365, today), DayName::WithYear);
        assert_eq!(day_name(today + 1, today), DayName::ThisYear);
    }

    #[test]
    fn separators_start_each_day_and_the_divider_sits_before_its_item() {
        let days = [10, 10, 11, 11, 11, 13];
        assert_eq!(
            lines(&days, Some(3)),
            vec![
                Line::Day(10),
                Line::Item(0),
                Line::Item(1),
                Line::Day(11),
                Line::Item(2),
                Line::NewMessages,
                Line::Item(3),
                Line::Item(4),
                Line::Day(13),
                Line::Item(5),
            ]
        );
        // A divider on the first item of a day goes after that day's separator.
        assert_eq!(
            lines(&[1, 2], Some(1)),
            vec![
                Line::Day(1),
                Line::Item(0),
                Line::Day(2),
                Line::NewMessages,
                Line::Item(1)
            ]
        );
        assert!(lines(&[], Some(0)).is_empty());
    }

    fn seen(id: MessageId, from_other: bool, system: bool) -> Seen {
        Seen {
            id: Some(id),
            from_other,
            system,
        }
    }

    #[test]
    fn divider_at_the_first_unread_message_from_others() {
        let items = || {
            vec![
                seen(1, true, false),
                seen(2, false, false),
                seen(3, true, true),
                seen(4, false, false),
                seen(5, true, false),
                Seen {
                    id: None,
                    from_other: false,
                    system: false,
                },
            ]
        };
        let mark = |read_up_to, unread| OpenMark { read_up_to, unread };
        assert_eq!(first_unread(items(), mark(Some(1), 1)), Some(4));
        assert_eq!(first_unread(items(), mark(None, 2)), Some(0));
        assert_eq!(
            first_unread(items(), mark(Some(1), 0)),
            None,
            "nothing unread"
        );
        assert_eq!(first_unread(items(), mark(Some(5), 1)), None, "not loaded");
    }

    #[test]
    fn system_lines_read_as_sentences() {
        let name = |u: UserId| ["?", "Alice", "Bob", "Carol"][u as usize].to_string();
        let en = Catalog::english();
        assert_eq!(
            system_text(&SystemEvent::Joined { user_id: 2 }, name, &en),
            "Bob joined"
        );
        assert_eq!(
            system_text(&SystemEvent::Left { user_id: 3 }, name, &en),
            "Carol left"
        );
        assert_eq!(
            system_text(&SystemEvent::Added { user_id: 3, by: 1 }, name, &en),
            "Alice added Carol"
        );
        assert_eq!(
            system_text(&SystemEvent::Created { by: 1 }, name, &en),
            "Alice created the conversation"
        );
        // Interactions: a transfer names its target, an agent or a department.
        let offered = |to_user, to_department| SystemEvent::TransferOffered {
            by: 1,
            to_user,
            to_department,
        };
        assert_eq!(
            system_text(&offered(Some(2), None), name, &en),
            "Alice offered the conversation to Bob"
        );
        assert_eq!(
            system_text(&offered(None, Some(4)), name, &en),
            "Alice offered the conversation to #4"
        );
        let refused = SystemEvent::TransferRefused {
            user_id: 2,
            reason: Some("On a call".into()),
        };
        assert_eq!(
            system_text(&refused, name, &en),
            "Bob refused the conversation: On a call"
        );
        let timeout = SystemEvent::Closed {
            by: None,
            disposition: None,
        };
        assert_eq!(
            system_text(&timeout, name, &en),
            "The conversation closed after a period of inactivity"
        );
    }

    fn group(states: Vec<MemberState>) -> Conversation {
        Conversation::from_summary(ConversationSummary {
            interaction: None,
            id: 20,
            kind: ConversationKind::Group,
            title: Some("Team".into()),
            members: vec![1, 2, 3, 4],
            last_message: None,
            unread: 0,
            last_read_message_id: None,
            member_states: states,
            sms: false,
        })
    }

    fn state(
        user_id: UserId,
        read: Option<MessageId>,
        delivered: Option<MessageId>,
    ) -> MemberState {
        MemberState {
            user_id,
            read_up_to: read,
            delivered_up_to: delivered,
        }
    }

    #[test]
    fn read_by_n_of_m() {
        let conv = group(vec![
            state(1, Some(9), Some(9)),
            state(2, Some(5), Some(9)),
            state(3, None, Some(7)),
            state(4, Some(8), None),
        ]);
        let r = receipt(&conv, 8, 1);
        assert_eq!(
            r,
            Receipt {
                of: 3,
                read: 1,
                delivered: 2,
                unread_by: vec![2, 3]
            }
        );
        assert_eq!(read_by_label(&r, &Catalog::english()), "Read by 1 of 3");
        assert!(!r.all_read() && !r.all_delivered());
        let r = receipt(&conv, 5, 1);
        assert_eq!((r.read, r.delivered, r.unread_by), (2, 3, vec![3]));
        let r = receipt(&conv, 4, 1);
        assert!(r.all_delivered());
        assert_eq!(r.unread_by, vec![3]);
        assert_eq!(
            unread_by_label(&["Carol".into(), "Dave".into()], &Catalog::english()),
            "Not yet read by: Carol, Dave"
        );
        assert_eq!(
            unread_by_label(&[], &Catalog::english()),
            "Read by everyone"
        );
        // Alone in a conversation: nobody to read it, never "read".
        let mut solo = group(Vec::new());
        solo.members = vec![1];
        assert!(!receipt(&solo, 1, 1).all_read());
    }

    fn entry(key: i64, at_ms: i64, own: bool) -> Entry {
        Entry {
            at: crate::core::session::EntryRef::Stored(0),
            key,
            message_id: Some(key),
            created_at: at_ms,
            own,
            system: false,
            text_len: 10,
        }
    }

    #[test]
    fn layout_rows_put_days_and_the_divider_between_entries() {
        let day = 86_400_000;
        let entries = [
            entry(1, 10, true),
            entry(2, day + 10, false),
            entry(3, day + 20, false),
        ];
        let mark = OpenMark {
            read_up_to: Some(2),
            unread: 1,
        };
        let rows = layout_rows(&entries, mark, |ms| ms.div_euclid(day));
        let lines: Vec<Line> = rows.iter().map(|r| r.line).collect();
        assert_eq!(
            lines,
            [
                Line::Day(0),
                Line::Item(0),
                Line::Day(1),
                Line::Item(1),
                Line::NewMessages,
                Line::Item(2),
            ]
        );
        let keys: Vec<i64> = rows.iter().map(|r| r.key).collect();
        assert_eq!(keys[1], 1);
        assert_eq!(keys[5], 3);
        assert!(
            keys[0] < 0 && keys[2] < 0 && keys[4] < 0,
            "lines never meet message ids"
        );
        assert_ne!(keys[0], keys[2], "each day its own key");
        let estimates = Estimates::default();
        assert!(
            estimates.height(&rows[1]) > estimates.height(&rows[3]),
            "own messages carry a state line"
        );
    }

    #[test]
    fn estimates_follow_the_smallest_measured_row_of_each_class() {
        let mut e = Estimates::default();
        let row = |class, extra_lines| RowMeta {
            key: 1,
            line: Line::Item(0),
            class,
            extra_lines,
        };
        let one_line = row(RowClass::Other, 0);
        assert_eq!(e.height(&one_line), 40.0);
        e.measured(&one_line, 58.0);
        assert_eq!(
            e.height(&one_line),
            58.0,
            "the real height replaces the guess"
        );
        e.measured(&row(RowClass::Other, 2), 120.0);
        assert_eq!(e.height(&one_line), 58.0, "a taller row does not raise it");
        e.measured(&one_line, 56.0);
        assert_eq!(e.height(&row(RowClass::Other, 1)), 76.0);
        assert_eq!(e.height(&row(RowClass::Own, 0)), 54.0, "classes apart");
        e.measured(&one_line, 0.0);
        assert_eq!(
            e.height(&one_line),
            56.0,
            "a row not laid out yet says nothing"
        );
    }
}
