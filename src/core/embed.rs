//! What a host page controls in an embedded widget (`mountMessenger` options and
//! `messengerCommand`s), as plain values: the mode, the theme, the open state, the host's own
//! counters in the rail and the unread figures it is told about. `ui::embed` reads them from
//! JS values and drives the views with them.

use messenger_protocol::ConversationId;

/// How the host shows the widget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The whole page (the standalone app), or any box the host gives it.
    #[default]
    App,
    /// Fills an element of the host's page.
    Inline,
    /// A panel over the page, opened from a launcher; starts closed.
    Floating,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "app" => Some(Mode::App),
            "inline" => Some(Mode::Inline),
            "floating" => Some(Mode::Floating),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::App => "app",
            Mode::Inline => "inline",
            Mode::Floating => "floating",
        }
    }

    /// Whether the widget starts open: as asked, else open unless it floats.
    pub fn starts_open(self, asked: Option<bool>) -> bool {
        asked.unwrap_or(self != Mode::Floating)
    }
}

/// The colour scheme; `Auto` follows the system's (`prefers-color-scheme`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    Auto,
}

impl Theme {
    pub fn parse(s: &str) -> Option<Theme> {
        match s {
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            "auto" => Some(Theme::Auto),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Auto => "auto",
        }
    }
}

/// A `messengerCommand` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Open,
    Close,
    Toggle,
    OpenConversation,
    SetLocale,
    SetTheme,
    SetCounters,
    Shutdown,
}

impl Command {
    pub fn parse(name: &str) -> Option<Command> {
        Some(match name {
            "open" => Command::Open,
            "close" => Command::Close,
            "toggle" => Command::Toggle,
            "openConversation" => Command::OpenConversation,
            "setLocale" => Command::SetLocale,
            "setTheme" => Command::SetTheme,
            "setCounters" => Command::SetCounters,
            "shutdown" => Command::Shutdown,
            _ => return None,
        })
    }
}

/// A counter of the host's own (new posts in the portal's activity stream...), shown in the
/// rail after the widget's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostCounter {
    pub id: String,
    /// The button's accessible name and tooltip.
    pub label: String,
    /// A short text or emoji drawn in the button.
    pub icon: String,
    pub count: u32,
    /// Opened in the page when clicked; `None`: the host hears a `counter` event instead.
    pub url: Option<String>,
    /// What the rail's keyed list knows it by (set by [`clean_counters`]): a hash of the id
    /// and the link, so a new link draws it anew (as a link or a button).
    pub key: i64,
}

/// The host's counters as they can be drawn: one per id (a keyed list needs unique keys; the
/// first wins), none without an id, and a link only when it is safe to follow.
pub fn clean_counters(list: Vec<HostCounter>) -> Vec<HostCounter> {
    let mut out: Vec<HostCounter> = Vec::with_capacity(list.len());
    for mut c in list {
        if c.id.is_empty() || out.iter().any(|o| o.id == c.id) {
            continue;
        }
        c.url = c.url.as_deref().and_then(counter_link);
        c.key = key_of(&[&c.id, c.url.as_deref().unwrap_or("\0")]);
        out.push(c);
    }
    out
}

/// FNV-1a of the texts (each followed by a 0): a number stands for them in the rail's keyed
/// list (the views' other lists are keyed by numbers; one more key type is more code in the
/// bundle).
fn key_of(texts: &[&str]) -> i64 {
    let bytes = texts.iter().flat_map(|t| t.bytes().chain([0]));
    bytes.fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }) as i64
}

/// A host counter's link: a relative address or `http(s):`. Any other scheme (`javascript:`,
/// `data:`...) is refused: the address ends up in an `href` the user clicks.
pub fn counter_link(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return None;
    }
    // A scheme is whatever precedes the first `:` that comes before any `/`, `?` or `#`. The
    // browser drops tabs and newlines inside it (`java\tscript:`), so only an exact
    // `http`/`https` passes.
    match url.find([':', '/', '?', '#']) {
        Some(at) if url.as_bytes()[at] == b':' => {
            let scheme = &url[..at];
            (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
                .then(|| url.to_string())
        }
        _ => Some(url.to_string()),
    }
}

/// A count from a JS number: whole, 0 for anything negative or not a number, capped.
pub fn count_from(n: f64) -> u32 {
    if n.is_nan() || n <= 0.0 {
        0
    } else {
        n.min(f64::from(u32::MAX)) as u32
    }
}

/// A conversation id from a JS number: a whole number a double holds exactly.
pub fn conversation_from(n: f64) -> Option<ConversationId> {
    const EXACT: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
    (n.fract() == 0.0 && n.abs() <= EXACT).then_some(n as ConversationId)
}

/// What the host's `unread` event says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unread {
    /// Unread messages over the user's conversations (the rail's conversations counter).
    pub messages: u32,
    pub notifications: u32,
    /// New open channels (the rail's channels counter).
    pub channels: u32,
    /// Counted from a state caught up with the server. False: from the copy this browser
    /// stored, which may be behind a count the host already has (see the loader).
    pub live: bool,
}

impl Unread {
    /// What a page title or a launcher badge shows: messages and notifications.
    pub fn total(self) -> u32 {
        self.messages.saturating_add(self.notifications)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_themes_read_back_what_they_write() {
        for m in [Mode::App, Mode::Inline, Mode::Floating] {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
        }
        for t in [Theme::Light, Theme::Dark, Theme::Auto] {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        for bad in ["", "Floating", "popup", " app"] {
            assert_eq!(Mode::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Theme::parse("Dark"), None);
        assert_eq!(Theme::default(), Theme::Light);
    }

    #[test]
    fn only_a_floating_widget_starts_closed_unless_told() {
        assert!(Mode::App.starts_open(None));
        assert!(Mode::Inline.starts_open(None));
        assert!(!Mode::Floating.starts_open(None));
        assert!(Mode::Floating.starts_open(Some(true)));
        assert!(!Mode::Inline.starts_open(Some(false)));
    }

    #[test]
    fn commands_are_the_documented_names() {
        assert_eq!(Command::parse("toggle"), Some(Command::Toggle));
        assert_eq!(
            Command::parse("openConversation"),
            Some(Command::OpenConversation)
        );
        assert_eq!(Command::parse("shutdown"), Some(Command::Shutdown));
        for bad in ["", "Open", "open_conversation", "boot", "on"] {
            assert_eq!(Command::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn counter_links_are_relative_or_http() {
        for ok in [
            "/stream",
            "stream?x=1",
            "#news",
            "https://portal.example/stream",
            "HTTP://portal.example",
            "/a:b",
            "?q=a:b",
        ] {
            assert_eq!(counter_link(ok).as_deref(), Some(ok), "{ok:?}");
        }
        assert_eq!(counter_link("  /x ").as_deref(), Some("/x"));
        for bad in [
            "",
            "   ",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}javascript:x",
            "data:text/html,<b>",
            "vbscript:x",
            "mailto:a@b",
            "https\n:x",
        ] {
            assert_eq!(counter_link(bad), None, "{bad:?}");
        }
    }

    fn counter(id: &str, url: Option<&str>) -> HostCounter {
        HostCounter {
            id: id.into(),
            label: format!("label {id}"),
            url: url.map(Into::into),
            ..HostCounter::default()
        }
    }

    #[test]
    fn counters_are_unique_by_id_and_keep_only_safe_links() {
        let cleaned = clean_counters(vec![
            counter("stream", Some("/stream")),
            counter("", None),
            counter("tasks", Some("javascript:void(0)")),
            counter("stream", None),
        ]);
        let ids: Vec<&str> = cleaned.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["stream", "tasks"]);
        assert_eq!(
            cleaned[0].url.as_deref(),
            Some("/stream"),
            "the first one wins"
        );
        assert_eq!(cleaned[1].url, None, "an unsafe link becomes a click event");
        assert_ne!(cleaned[0].key, cleaned[1].key);
        // The same id, now a button, or another link: drawn anew. The same: kept.
        let key = |url: Option<&str>| clean_counters(vec![counter("stream", url)])[0].key;
        assert_ne!(key(None), cleaned[0].key);
        assert_ne!(key(Some("/other")), cleaned[0].key);
        assert_eq!(key(Some("/stream")), cleaned[0].key);
        assert_ne!(
            key(Some("stream")),
            key(None),
            "no confusion of id and link"
        );
    }

    #[test]
    fn numbers_from_the_page_are_checked() {
        assert_eq!(count_from(3.0), 3);
        assert_eq!(count_from(2.7), 2);
        assert_eq!(count_from(-1.0), 0);
        assert_eq!(count_from(f64::NAN), 0);
        assert_eq!(count_from(1e20), u32::MAX);
        assert_eq!(conversation_from(42.0), Some(42));
        assert_eq!(conversation_from(-3.0), Some(-3));
        assert_eq!(conversation_from(4.5), None);
        assert_eq!(conversation_from(f64::NAN), None);
        assert_eq!(conversation_from(f64::INFINITY), None);
        assert_eq!(conversation_from(1e300), None);
    }

    #[test]
    fn total_is_messages_and_notifications() {
        let u = Unread {
            messages: 3,
            notifications: 2,
            channels: 5,
            live: true,
        };
        assert_eq!(u.total(), 5);
        let big = Unread {
            messages: u32::MAX,
            notifications: 1,
            channels: 0,
            live: false,
        };
        assert_eq!(big.total(), u32::MAX);
    }
}
