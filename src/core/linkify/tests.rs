//! Real-world texts with the exact segments a user must see, one table per rule.

use super::*;

fn t(s: &str) -> Segment {
    Segment::Text(s.into())
}

fn link(text: &str, href: &str, kind: LinkKind, warning: Option<&str>) -> Segment {
    Segment::Link {
        text: text.into(),
        href: href.into(),
        kind,
        warning: warning.map(Into::into),
    }
}

/// A web link whose `href` is its text.
fn web(text: &str) -> Segment {
    link(text, text, LinkKind::Web, None)
}

fn web_to(text: &str, href: &str) -> Segment {
    link(text, href, LinkKind::Web, None)
}

/// A web link that names its real host beside it.
fn warned(text: &str, href: &str, host: &str) -> Segment {
    link(text, href, LinkKind::Web, Some(host))
}

/// A bare address, `mailto:` and the text.
fn mail(text: &str) -> Segment {
    link(text, &format!("mailto:{text}"), LinkKind::Email, None)
}

fn mail_to(text: &str, href: &str, warning: Option<&str>) -> Segment {
    link(text, href, LinkKind::Email, warning)
}

fn tel(text: &str, href: &str) -> Segment {
    link(text, href, LinkKind::Phone, None)
}

/// The whole input stays text.
fn plain(s: &str) -> Vec<Segment> {
    vec![t(s)]
}

/// Characters that could reorder or hide what a link shows.
fn is_bidi_or_invisible(c: char) -> bool {
    chars::is_invisible(c)
}

/// Checks every case, then reports all mismatches at once.
fn check(cases: Vec<(&str, Vec<Segment>)>) {
    let mut failures = Vec::new();
    for (input, expected) in &cases {
        let got = segments(input);
        if got != *expected {
            failures.push(format!(
                "input {input:?}\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
        check_invariants(input, &got);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// What holds for any input: the text comes back unchanged, only the allowed schemes are
/// produced, no link holds a bidi or invisible character, and a warning is ASCII.
fn check_invariants(input: &str, segs: &[Segment]) {
    let mut joined = String::new();
    for seg in segs {
        match seg {
            Segment::Text(t) => joined.push_str(t),
            Segment::Link {
                text,
                href,
                warning,
                ..
            } => {
                joined.push_str(text);
                let lower = href.to_ascii_lowercase();
                assert!(
                    ["http://", "https://", "mailto:", "tel:"]
                        .iter()
                        .any(|p| lower.starts_with(p)),
                    "{input:?}: {href}"
                );
                assert!(
                    !text.chars().chain(href.chars()).any(is_bidi_or_invisible),
                    "{input:?}: {text:?}"
                );
                if let Some(w) = warning {
                    assert!(w.is_ascii() && !w.is_empty(), "{input:?}: {w}");
                }
            }
        }
    }
    assert_eq!(joined, input);
    assert!(
        segs.windows(2)
            .all(|w| !matches!(w, [Segment::Text(_), Segment::Text(_)])),
        "{input:?}: adjacent text segments"
    );
}

#[test]
fn web_addresses() {
    check(vec![
        ("hello world", plain("hello world")),
        ("", vec![]),
        (
            "see https://example.com/a?b=c#d now",
            vec![t("see "), web("https://example.com/a?b=c#d"), t(" now")],
        ),
        ("http://x.org", vec![web("http://x.org")]),
        ("HTTPS://EXAMPLE.COM", vec![web("HTTPS://EXAMPLE.COM")]),
        (
            "https://github.com/rust-lang/rust/issues/12345#issuecomment-987",
            vec![web(
                "https://github.com/rust-lang/rust/issues/12345#issuecomment-987",
            )],
        ),
        (
            "https://www.google.com/search?q=rust+leptos&hl=en",
            vec![web("https://www.google.com/search?q=rust+leptos&hl=en")],
        ),
        (
            "http://localhost:8080/api",
            vec![web("http://localhost:8080/api")],
        ),
        ("http://127.0.0.1:3000", vec![web("http://127.0.0.1:3000")]),
        ("http://[::1]:8080/x", vec![web("http://[::1]:8080/x")]),
        (
            "https://my_host.example.com/",
            vec![web("https://my_host.example.com/")],
        ),
        (
            "https://example.com/path%20with%20spaces",
            vec![web("https://example.com/path%20with%20spaces")],
        ),
        (
            "https://example.com/~user/file.tar.gz",
            vec![web("https://example.com/~user/file.tar.gz")],
        ),
        (
            "visit www.example.com/page, thanks",
            vec![
                t("visit "),
                web_to("www.example.com/page", "https://www.example.com/page"),
                t(", thanks"),
            ],
        ),
        (
            "WWW.Example.org",
            vec![web_to("WWW.Example.org", "https://WWW.Example.org")],
        ),
        (
            "www.bbc.co.uk/news",
            vec![web_to("www.bbc.co.uk/news", "https://www.bbc.co.uk/news")],
        ),
        (
            "www.example.com:8443/x",
            vec![web_to(
                "www.example.com:8443/x",
                "https://www.example.com:8443/x",
            )],
        ),
        (
            "a https://one.com b http://two.org/x c www.three.net",
            vec![
                t("a "),
                web("https://one.com"),
                t(" b "),
                web("http://two.org/x"),
                t(" c "),
                web_to("www.three.net", "https://www.three.net"),
            ],
        ),
        (
            "https://a.com\nhttps://b.com",
            vec![web("https://a.com"), t("\n"), web("https://b.com")],
        ),
        (
            "https://a.com,https://b.com",
            vec![web("https://a.com"), t(","), web("https://b.com")],
        ),
        (
            "<b>https://x.org</b>",
            vec![t("<b>"), web("https://x.org"), t("</b>")],
        ),
        (
            "Link:https://x.org/a",
            vec![t("Link:"), web("https://x.org/a")],
        ),
        (
            "https://x.org's docs",
            vec![web("https://x.org"), t("'s docs")],
        ),
        (
            "https://example.com/a\\b",
            vec![web("https://example.com/a\\b")],
        ),
    ]);
}

/// The messages the browser, end-to-end and screenshot runs send, with what they expect.
#[test]
fn messages_of_the_other_test_suites() {
    let rust = "https://en.wikipedia.org/wiki/Rust_(programming_language)";
    check(vec![
        (
            "see https://en.wikipedia.org/wiki/Rust_(programming_language).\n\
             [click](javascript:alert(1)) <img src=x onerror=alert(1)> \
             www.example.com, bob@example.com or +49 30 1234567",
            vec![
                t("see "),
                web(rust),
                t(".\n[click](javascript:alert(1)) <img src=x onerror=alert(1)> "),
                web_to("www.example.com", "https://www.example.com"),
                t(", "),
                mail("bob@example.com"),
                t(" or "),
                tel("+49 30 1234567", "tel:+49301234567"),
            ],
        ),
        (
            "docs: https://example.com/a?b=1. call +33 1 23 45 67 89",
            vec![
                t("docs: "),
                web("https://example.com/a?b=1"),
                t(". call "),
                tel("+33 1 23 45 67 89", "tel:+33123456789"),
            ],
        ),
        (
            "Yes, this morning. The contract is on https://intranet.example.com/sales/renewals/2026",
            vec![
                t("Yes, this morning. The contract is on "),
                web("https://intranet.example.com/sales/renewals/2026"),
            ],
        ),
        (
            "Great news. Can you call them at +33 1 23 45 67 89 to plan the onboarding?",
            vec![
                t("Great news. Can you call them at "),
                tel("+33 1 23 45 67 89", "tel:+33123456789"),
                t(" to plan the onboarding?"),
            ],
        ),
        (
            "Sure, I will call after lunch and send a summary to alice@example.com.",
            vec![
                t("Sure, I will call after lunch and send a summary to "),
                mail("alice@example.com"),
                t("."),
            ],
        ),
        (
            "Thanks! <b>Bold</b> markup stays plain text, as it should.",
            plain("Thanks! <b>Bold</b> markup stays plain text, as it should."),
        ),
    ]);
}

#[test]
fn sentence_punctuation_ends_a_url() {
    check(vec![
        (
            "Go to https://example.com.",
            vec![t("Go to "), web("https://example.com"), t(".")],
        ),
        (
            "https://example.com/x,",
            vec![web("https://example.com/x"), t(",")],
        ),
        (
            "https://example.com/x;",
            vec![web("https://example.com/x"), t(";")],
        ),
        (
            "https://example.com/x:",
            vec![web("https://example.com/x"), t(":")],
        ),
        (
            "https://example.com/x!",
            vec![web("https://example.com/x"), t("!")],
        ),
        (
            "https://example.com/x?",
            vec![web("https://example.com/x"), t("?")],
        ),
        (
            "https://example.com/x!?",
            vec![web("https://example.com/x"), t("!?")],
        ),
        (
            "https://example.com/x...",
            vec![web("https://example.com/x"), t("...")],
        ),
        (
            "https://example.com/x…",
            vec![web("https://example.com/x"), t("…")],
        ),
        (
            "Is it https://example.com/?q=1?",
            vec![t("Is it "), web("https://example.com/?q=1"), t("?")],
        ),
        (
            "https://example.com/file.html.",
            vec![web("https://example.com/file.html"), t(".")],
        ),
        (
            "see https://example.com/a.b.c, and more",
            vec![t("see "), web("https://example.com/a.b.c"), t(", and more")],
        ),
        (
            "*https://example.com/bold*",
            vec![t("*"), web("https://example.com/bold"), t("*")],
        ),
        (
            "https://example.com:",
            vec![web("https://example.com"), t(":")],
        ),
        (
            "انظر https://example.com/a؟",
            vec![t("انظر "), web("https://example.com/a"), t("؟")],
        ),
        (
            "देखें https://example.com/a।",
            vec![t("देखें "), web("https://example.com/a"), t("।")],
        ),
        (
            "www.example.com.",
            vec![web_to("www.example.com", "https://www.example.com"), t(".")],
        ),
    ]);
}

#[test]
fn brackets_and_quotes_belong_only_when_balanced() {
    let rust = "https://en.wikipedia.org/wiki/Rust_(programming_language)";
    check(vec![
        (rust, vec![web(rust)]),
        (
            "(https://en.wikipedia.org/wiki/Rust_(programming_language))",
            vec![t("("), web(rust), t(")")],
        ),
        (
            "(see https://en.wikipedia.org/wiki/Rust_(programming_language)).",
            vec![t("(see "), web(rust), t(").")],
        ),
        (
            "(https://example.com).",
            vec![t("("), web("https://example.com"), t(").")],
        ),
        (
            "(https://example.com/a)",
            vec![t("("), web("https://example.com/a"), t(")")],
        ),
        (
            "[https://example.com/a]",
            vec![t("["), web("https://example.com/a"), t("]")],
        ),
        (
            "{https://example.com/a}",
            vec![t("{"), web("https://example.com/a"), t("}")],
        ),
        (
            "https://example.com/a[1]",
            vec![web("https://example.com/a[1]")],
        ),
        (
            "\"https://x.org/a\"",
            vec![t("\""), web("https://x.org/a"), t("\"")],
        ),
        (
            "'https://x.org/a'",
            vec![t("'"), web("https://x.org/a"), t("'")],
        ),
        (
            "\"https://x.org\"",
            vec![t("\""), web("https://x.org"), t("\"")],
        ),
        ("https://x.org/o'brien", vec![web("https://x.org/o'brien")]),
        (
            "'https://x.org/o'brien'",
            vec![t("'"), web("https://x.org/o'brien"), t("'")],
        ),
        (
            "https://x.org/search?q=\"rust\"",
            vec![web("https://x.org/search?q=\"rust\"")],
        ),
        (
            "He said \"https://x.org/a\".",
            vec![t("He said \""), web("https://x.org/a"), t("\".")],
        ),
        ("https://x.org/it's", vec![web("https://x.org/it's")]),
        (
            "“https://x.org/a”",
            vec![t("“"), web("https://x.org/a"), t("”")],
        ),
        (
            "«https://x.org/a»",
            vec![t("«"), web("https://x.org/a"), t("»")],
        ),
        (
            "[click](https://evil.example/x)",
            vec![t("[click]("), web("https://evil.example/x"), t(")")],
        ),
        (
            "[https://bank.example](https://evil.example)",
            vec![
                t("["),
                web("https://bank.example"),
                t("]("),
                web("https://evil.example"),
                t(")"),
            ],
        ),
    ]);
}

#[test]
fn letters_of_any_script_belong_to_a_path() {
    check(vec![
        (
            "https://ru.wikipedia.org/wiki/Москва",
            vec![web("https://ru.wikipedia.org/wiki/Москва")],
        ),
        (
            "https://el.wikipedia.org/wiki/Αθήνα.",
            vec![web("https://el.wikipedia.org/wiki/Αθήνα"), t(".")],
        ),
        (
            "https://ja.wikipedia.org/wiki/東京都 です",
            vec![web("https://ja.wikipedia.org/wiki/東京都"), t(" です")],
        ),
        (
            "https://ar.wikipedia.org/wiki/القاهرة",
            vec![web("https://ar.wikipedia.org/wiki/القاهرة")],
        ),
        (
            "https://fr.wikipedia.org/wiki/Île-de-France",
            vec![web("https://fr.wikipedia.org/wiki/Île-de-France")],
        ),
        (
            "https://example.com/👨\u{200D}👩\u{200D}👧 family",
            vec![
                web("https://example.com/👨\u{200D}👩\u{200D}👧"),
                t(" family"),
            ],
        ),
        (
            "https://fa.example/می\u{200C}خواهم",
            vec![web("https://fa.example/می\u{200C}خواهم")],
        ),
        (
            "Привет 👋 https://example.ru/путь — ok",
            vec![t("Привет 👋 "), web("https://example.ru/путь"), t(" — ok")],
        ),
        (
            "https://example.com/a—b",
            vec![web("https://example.com/a"), t("—b")],
        ),
        (
            "check www.example.com👍",
            vec![
                t("check "),
                web_to("www.example.com", "https://www.example.com"),
                t("👍"),
            ],
        ),
        (
            "https://example.com😀",
            vec![web("https://example.com"), t("😀")],
        ),
        (
            "https://example.com/😀",
            vec![web("https://example.com/😀")],
        ),
    ]);
}

#[test]
fn cjk_and_full_width_punctuation_ends_a_url() {
    check(vec![
        (
            "詳細はhttps://example.com/docs。",
            vec![t("詳細は"), web("https://example.com/docs"), t("。")],
        ),
        (
            "https://example.com/a、https://example.com/b",
            vec![
                web("https://example.com/a"),
                t("、"),
                web("https://example.com/b"),
            ],
        ),
        (
            "请看https://example.cn/页面，谢谢",
            vec![t("请看"), web("https://example.cn/页面"), t("，谢谢")],
        ),
        (
            "网址：https://example.cn/a；",
            vec![t("网址："), web("https://example.cn/a"), t("；")],
        ),
        (
            "https://example.com/a！",
            vec![web("https://example.com/a"), t("！")],
        ),
        (
            "https://example.com/a？",
            vec![web("https://example.com/a"), t("？")],
        ),
        (
            "（https://example.com/a）",
            vec![t("（"), web("https://example.com/a"), t("）")],
        ),
        (
            "「https://example.com/a」",
            vec![t("「"), web("https://example.com/a"), t("」")],
        ),
        (
            "『https://example.com/a』",
            vec![t("『"), web("https://example.com/a"), t("』")],
        ),
        (
            "【https://example.com/a】",
            vec![t("【"), web("https://example.com/a"), t("】")],
        ),
        (
            "〈https://example.com/a〉",
            vec![t("〈"), web("https://example.com/a"), t("〉")],
        ),
        (
            "《https://example.com/a》",
            vec![t("《"), web("https://example.com/a"), t("》")],
        ),
        (
            "https://example.com/a\u{3000}次",
            vec![web("https://example.com/a"), t("\u{3000}次")],
        ),
        (
            "日本語https://example.jp です",
            vec![t("日本語"), web("https://example.jp"), t(" です")],
        ),
        (
            "https://example.jpです",
            vec![web("https://example.jp"), t("です")],
        ),
        (
            "ここwww.example.jpを見て",
            vec![
                t("ここ"),
                web_to("www.example.jp", "https://www.example.jp"),
                t("を見て"),
            ],
        ),
        (
            "ดูที่https://example.co.th/หน้า",
            vec![t("ดูที่"), web("https://example.co.th/หน้า")],
        ),
    ]);
}

#[test]
fn glued_and_implausible_hosts_are_not_links() {
    check(vec![
        ("foohttps://evil.example", plain("foohttps://evil.example")),
        ("xhttps://a.com", plain("xhttps://a.com")),
        ("abcwww.example.com", plain("abcwww.example.com")),
        ("awww.example.com", plain("awww.example.com")),
        ("1https://a.com", plain("1https://a.com")),
        ("_https://a.com", plain("_https://a.com")),
        (
            "сайтhttps://evil.example",
            plain("сайтhttps://evil.example"),
        ),
        ("mail.www.example.com", plain("mail.www.example.com")),
        ("www.example_", plain("www.example_")),
        ("www.example_.com", plain("www.example_.com")),
        ("https://example_.com", plain("https://example_.com")),
        ("https://www.example_", plain("https://www.example_")),
        ("https://-example.com", plain("https://-example.com")),
        ("www.x", plain("www.x")),
        ("www.", plain("www.")),
        ("www.com", plain("www.com")),
        ("www.example.c", plain("www.example.c")),
        ("www.example.123", plain("www.example.123")),
        (
            "www.example.com@evil.example",
            vec![mail("www.example.com@evil.example")],
        ),
        ("example.com", plain("example.com")),
        ("münchen.de", plain("münchen.de")),
        ("file.txt and script.js", plain("file.txt and script.js")),
        ("https:// x", plain("https:// x")),
        ("https://", plain("https://")),
        ("http://.", plain("http://.")),
        ("https://user@", plain("https://user@")),
        ("https://evil%2Eexample", plain("https://evil%2Eexample")),
    ]);
}

#[test]
fn hosts_that_could_pass_for_another_name_their_real_host() {
    check(vec![
        (
            "https://аррӏе.com/",
            vec![warned(
                "https://аррӏе.com/",
                "https://xn--80ak6aa92e.com/",
                "xn--80ak6aa92e.com",
            )],
        ),
        (
            "https://пример.рф/путь",
            vec![warned(
                "https://пример.рф/путь",
                "https://xn--e1afmkfd.xn--p1ai/путь",
                "xn--e1afmkfd.xn--p1ai",
            )],
        ),
        (
            "see https://МҮНХЕН.example и https://münchen.de.",
            vec![
                t("see "),
                warned(
                    "https://МҮНХЕН.example",
                    "https://xn--e1andb2bx1c.example",
                    "xn--e1andb2bx1c.example",
                ),
                t(" и "),
                warned(
                    "https://münchen.de",
                    "https://xn--mnchen-3ya.de",
                    "xn--mnchen-3ya.de",
                ),
                t("."),
            ],
        ),
        (
            "https://MÜNCHEN.DE/Karte",
            vec![warned(
                "https://MÜNCHEN.DE/Karte",
                "https://xn--mnchen-3ya.de/Karte",
                "xn--mnchen-3ya.de",
            )],
        ),
        (
            "www.münchen.de",
            vec![warned(
                "www.münchen.de",
                "https://www.xn--mnchen-3ya.de",
                "www.xn--mnchen-3ya.de",
            )],
        ),
        (
            "https://раураl.com",
            vec![warned(
                "https://раураl.com",
                "https://xn--l-7sba6dbr.com",
                "xn--l-7sba6dbr.com",
            )],
        ),
        (
            "https://pay\u{200D}pal.com",
            vec![warned(
                "https://pay\u{200D}pal.com",
                "https://xn--paypal-rf0c.com",
                "xn--paypal-rf0c.com",
            )],
        ),
        (
            "https://ｇｏｏｇｌｅ.com/x",
            vec![warned(
                "https://ｇｏｏｇｌｅ.com/x",
                "https://google.com/x",
                "google.com",
            )],
        ),
        (
            "http://例え.テスト:8080/パス",
            vec![warned(
                "http://例え.テスト:8080/パス",
                "http://xn--r8jz45g.xn--zckzah:8080/パス",
                "xn--r8jz45g.xn--zckzah",
            )],
        ),
        (
            "https://xn--80ak6aa92e.com/",
            vec![web("https://xn--80ak6aa92e.com/")],
        ),
        (
            "https://paypal.com@evil.example/login",
            vec![warned(
                "https://paypal.com@evil.example/login",
                "https://paypal.com@evil.example/login",
                "evil.example",
            )],
        ),
        (
            "https://user:pass@Example.COM:8080/",
            vec![warned(
                "https://user:pass@Example.COM:8080/",
                "https://user:pass@Example.COM:8080/",
                "example.com",
            )],
        ),
        (
            "https://a@b@evil.example",
            vec![warned(
                "https://a@b@evil.example",
                "https://a@b@evil.example",
                "evil.example",
            )],
        ),
        (
            "https://www.bank.example\u{2215}@evil.example",
            vec![warned(
                "https://www.bank.example\u{2215}@evil.example",
                "https://www.bank.example\u{2215}@evil.example",
                "evil.example",
            )],
        ),
        (
            "https://evil.example\\@bank.example",
            vec![web("https://evil.example\\@bank.example")],
        ),
        (
            "https://evil.example\u{2044}bank.example",
            vec![web("https://evil.example"), t("\u{2044}bank.example")],
        ),
        (
            "https://paypal.com@аррӏе.com",
            vec![warned(
                "https://paypal.com@аррӏе.com",
                "https://paypal.com@xn--80ak6aa92e.com",
                "xn--80ak6aa92e.com",
            )],
        ),
    ]);
}

#[test]
fn bidi_and_invisible_characters_end_a_link() {
    check(vec![
        (
            "https://good.example\u{202E}moc.live",
            vec![web("https://good.example"), t("\u{202E}moc.live")],
        ),
        (
            "https://a.example/x\u{202D}y",
            vec![web("https://a.example/x"), t("\u{202D}y")],
        ),
        (
            "https://a.example/\u{2067}gpj.exe\u{2069}",
            vec![web("https://a.example/"), t("\u{2067}gpj.exe\u{2069}")],
        ),
        (
            "https://a.example\u{200B}.b",
            vec![web("https://a.example"), t("\u{200B}.b")],
        ),
        (
            "https://a.example/x\u{200F}y",
            vec![web("https://a.example/x"), t("\u{200F}y")],
        ),
        (
            "https://a.example/x\u{061C}y",
            vec![web("https://a.example/x"), t("\u{061C}y")],
        ),
        (
            "\u{202E}https://a.example/x",
            vec![t("\u{202E}"), web("https://a.example/x")],
        ),
        ("bob\u{202E}@example.com", plain("bob\u{202E}@example.com")),
        ("+1 415\u{2066}555 0100", plain("+1 415\u{2066}555 0100")),
    ]);
}

#[test]
fn schemes_other_than_web_mail_and_phone_stay_text() {
    check(vec![
        (
            "[click](javascript:alert(1))",
            plain("[click](javascript:alert(1))"),
        ),
        ("javascript:alert(1)", plain("javascript:alert(1)")),
        (
            "JaVaScRiPt:alert(document.cookie)",
            plain("JaVaScRiPt:alert(document.cookie)"),
        ),
        (
            "data:text/html;base64,PHNjcmlwdD4=",
            plain("data:text/html;base64,PHNjcmlwdD4="),
        ),
        ("file:///etc/passwd", plain("file:///etc/passwd")),
        ("vbscript:msgbox(1)", plain("vbscript:msgbox(1)")),
        (
            "ftp://files.example.com/a",
            plain("ftp://files.example.com/a"),
        ),
        (
            "<a href=\"javascript:alert(1)\">x</a>",
            plain("<a href=\"javascript:alert(1)\">x</a>"),
        ),
        (
            "<img src=x onerror=alert(1)>",
            plain("<img src=x onerror=alert(1)>"),
        ),
        (
            "mailto:bob@example.com",
            vec![mail_to(
                "mailto:bob@example.com",
                "mailto:bob@example.com",
                None,
            )],
        ),
        (
            "MAILTO:Bob@Example.com",
            vec![mail_to(
                "MAILTO:Bob@Example.com",
                "mailto:Bob@Example.com",
                None,
            )],
        ),
        ("mailto:nobody", plain("mailto:nobody")),
        (
            "tel:+1-555-123-4567",
            vec![tel("tel:+1-555-123-4567", "tel:+15551234567")],
        ),
        (
            "tel:4155550100",
            vec![tel("tel:4155550100", "tel:4155550100")],
        ),
        ("tel:12", plain("tel:12")),
    ]);
}

#[test]
fn email_links_the_whole_address_or_nothing() {
    check(vec![
        (
            "mail bob.smith+x@mail.example.com.",
            vec![t("mail "), mail("bob.smith+x@mail.example.com"), t(".")],
        ),
        (
            "john.o'brien@example.com",
            vec![mail("john.o'brien@example.com")],
        ),
        ("a+b@x.org", vec![mail("a+b@x.org")]),
        (
            "first.last@sub.example.co.uk",
            vec![mail("first.last@sub.example.co.uk")],
        ),
        (
            "user_name-1%x@example.io",
            vec![mail("user_name-1%x@example.io")],
        ),
        ("o!brien@example.com", plain("o!brien@example.com")),
        ("john#doe@example.com", plain("john#doe@example.com")),
        ("a/b@x.org", plain("a/b@x.org")),
        ("x=b@x.org", plain("x=b@x.org")),
        ("{john}@x.org", plain("{john}@x.org")),
        ("john..doe@example.com", plain("john..doe@example.com")),
        (".john@example.com", plain(".john@example.com")),
        ("john.@example.com", plain("john.@example.com")),
        ("a@b@example.com", plain("a@b@example.com")),
        (
            "john@example.com/contact",
            plain("john@example.com/contact"),
        ),
        ("john@example.com_", plain("john@example.com_")),
        ("john@example.com:25", plain("john@example.com:25")),
        ("john@example_.com", plain("john@example_.com")),
        ("john@-example.com", plain("john@-example.com")),
        ("a@b", plain("a@b")),
        ("a@b.c", plain("a@b.c")),
        ("@user", plain("@user")),
        ("user@localhost", plain("user@localhost")),
        (
            "<john@example.com>",
            vec![t("<"), mail("john@example.com"), t(">")],
        ),
        (
            "(john@example.com)",
            vec![t("("), mail("john@example.com"), t(")")],
        ),
        (
            "'john@example.com'",
            vec![t("'"), mail("john@example.com"), t("'")],
        ),
        (
            "\"john@example.com\"",
            vec![t("\""), mail("john@example.com"), t("\"")],
        ),
        (
            "*john@example.com*",
            vec![t("*"), mail("john@example.com"), t("*")],
        ),
        (
            "Email:john@example.com, or jane@example.com!",
            vec![
                t("Email:"),
                mail("john@example.com"),
                t(", or "),
                mail("jane@example.com"),
                t("!"),
            ],
        ),
        (
            "a@x.org,b@y.org",
            vec![mail("a@x.org"), t(","), mail("b@y.org")],
        ),
        (
            "john@example.com's inbox",
            vec![mail("john@example.com"), t("'s inbox")],
        ),
        (
            "✉️john@example.com",
            vec![t("✉️"), mail("john@example.com")],
        ),
        ("josé@example.com", vec![mail("josé@example.com")]),
        ("иван@example.com", vec![mail("иван@example.com")]),
        (
            "info@münchen.de",
            vec![mail_to(
                "info@münchen.de",
                "mailto:info@xn--mnchen-3ya.de",
                Some("xn--mnchen-3ya.de"),
            )],
        ),
        (
            "用户@例子.广告",
            vec![mail_to(
                "用户@例子.广告",
                "mailto:用户@xn--fsqu00a.xn--4rr70v",
                Some("xn--fsqu00a.xn--4rr70v"),
            )],
        ),
        (
            "連絡先はjohn@example.comです",
            vec![t("連絡先は"), mail("john@example.com"), t("です")],
        ),
        (
            "mailto:support@аррӏе.com",
            vec![mail_to(
                "mailto:support@аррӏе.com",
                "mailto:support@xn--80ak6aa92e.com",
                Some("xn--80ak6aa92e.com"),
            )],
        ),
        (
            "mailto:o!brien@example.com",
            plain("mailto:o!brien@example.com"),
        ),
        (
            "https://x.org/u/john@example.com",
            vec![web("https://x.org/u/john@example.com")],
        ),
    ]);
}

#[test]
fn phone_numbers_that_look_like_phone_numbers() {
    check(vec![
        (
            "call +1 415 555 0100 now",
            vec![
                t("call "),
                tel("+1 415 555 0100", "tel:+14155550100"),
                t(" now"),
            ],
        ),
        (
            "(415) 555-0100",
            vec![tel("(415) 555-0100", "tel:4155550100")],
        ),
        (
            "(415) 555-0100.",
            vec![tel("(415) 555-0100", "tel:4155550100"), t(".")],
        ),
        (
            "+49 30 1234567",
            vec![tel("+49 30 1234567", "tel:+49301234567")],
        ),
        (
            "+7 (495) 123-45-67",
            vec![tel("+7 (495) 123-45-67", "tel:+74951234567")],
        ),
        (
            "8 800 555-35-35",
            vec![tel("8 800 555-35-35", "tel:88005553535")],
        ),
        ("555-0100", vec![tel("555-0100", "tel:5550100")]),
        ("555.123.4567", vec![tel("555.123.4567", "tel:5551234567")]),
        (
            "+1 (555) 123-4567",
            vec![tel("+1 (555) 123-4567", "tel:+15551234567")],
        ),
        (
            "+33 1 23 45 67 89",
            vec![tel("+33 1 23 45 67 89", "tel:+33123456789")],
        ),
        (
            "06 12 34 56 78",
            vec![tel("06 12 34 56 78", "tel:0612345678")],
        ),
        (
            "+44 (0) 20 7946 0958",
            vec![tel("+44 (0) 20 7946 0958", "tel:+4402079460958")],
        ),
        (
            "1-800-555-0100",
            vec![tel("1-800-555-0100", "tel:18005550100")],
        ),
        (
            "+4915112345678",
            vec![tel("+4915112345678", "tel:+4915112345678")],
        ),
        ("03-1234-5678", vec![tel("03-1234-5678", "tel:0312345678")]),
        (
            "Tel:+49 30 1234567",
            vec![tel("Tel:+49 30 1234567", "tel:+49301234567")],
        ),
        (
            "Tel. 555-0100, Fax 555-0101",
            vec![
                t("Tel. "),
                tel("555-0100", "tel:5550100"),
                t(", Fax "),
                tel("555-0101", "tel:5550101"),
            ],
        ),
        (
            "(+1 415 555 0100)",
            vec![t("("), tel("+1 415 555 0100", "tel:+14155550100"), t(")")],
        ),
        (
            "電話03-1234-5678まで",
            vec![t("電話"), tel("03-1234-5678", "tel:0312345678"), t("まで")],
        ),
        (
            "+1\u{A0}415\u{A0}555\u{A0}0100",
            vec![tel("+1\u{A0}415\u{A0}555\u{A0}0100", "tel:+14155550100")],
        ),
        (
            "555-0100 555-0101",
            vec![
                tel("555-0100", "tel:5550100"),
                t(" "),
                tel("555-0101", "tel:5550101"),
            ],
        ),
        (
            "+1 415 555 0100 +1 415 555 0101",
            vec![
                tel("+1 415 555 0100", "tel:+14155550100"),
                t(" "),
                tel("+1 415 555 0101", "tel:+14155550101"),
            ],
        ),
        (
            "(415) 555-0100 (415) 555-0101",
            vec![
                tel("(415) 555-0100", "tel:4155550100"),
                t(" "),
                tel("(415) 555-0101", "tel:4155550101"),
            ],
        ),
        (
            "8 800 555-35-35 8 800 555-35-36",
            vec![
                tel("8 800 555-35-35", "tel:88005553535"),
                t(" "),
                tel("8 800 555-35-36", "tel:88005553536"),
            ],
        ),
        (
            "555-0100 ext. 12",
            vec![tel("555-0100", "tel:5550100"), t(" ext. 12")],
        ),
        (
            "+34 612 345 678",
            vec![tel("+34 612 345 678", "tel:+34612345678")],
        ),
    ]);
}

#[test]
fn numbers_that_are_not_phone_numbers() {
    for s in [
        "2024",
        "3.14159265",
        "pi is 3.14159265",
        "$1,234,567.00",
        "1 234 567,89 €",
        "1 234 567 €",
        "€ 1 234 567",
        "12,500",
        "1,234,567",
        "1.234.567",
        "12.500.000",
        "192.168.1.1",
        "ip 192.168.100.200",
        "1.2.3.4",
        "v1.2.3",
        "version 10.15.7.1234",
        "2024-11-27",
        "27.11.2024",
        "25.11.2024",
        "11/27/2024",
        "27/11/2024",
        "on 2024-11-27 10 guests",
        "12:30",
        "12:30:45",
        "at 12:30 on 2024-11-25",
        "9:00-17:00",
        "ISBN 978-3-16-148410-0",
        "ISBN-13: 978-3-16-148410-0",
        "isbn 0-306-40615-2",
        "0-306-40615-2",
        "ISSN 0317-8471",
        "order#12345678",
        "#1234567",
        "abc1234567",
        "1234567abc",
        "1234567",
        "123456",
        "1234567890123456",
        "1732700000",
        "1990-2024",
        "1 2 3 4 5 6 7",
        "10 20 30 40",
        "612 345 678",
        "3 apples and 4 pears",
        "55.7558, 37.6173",
        "55.7558 37.6173",
        "555-0100%",
        "4111 1111 1111 1111",
        "card 4111 1111 1111 1111",
        "IBAN DE89 3704 0044 0532 0130 00",
    ] {
        let links: Vec<_> = segments(s)
            .into_iter()
            .filter(|seg| matches!(seg, Segment::Link { .. }))
            .collect();
        assert_eq!(links, vec![], "{s}");
    }
}

#[test]
fn numbers_next_to_non_numbers_are_cut_exactly() {
    check(vec![
        (
            "2024-11-27: call 555-0100",
            vec![t("2024-11-27: call "), tel("555-0100", "tel:5550100")],
        ),
        (
            "555-0100@sms.example.com",
            vec![mail("555-0100@sms.example.com")],
        ),
        (
            "Room 5. 555-0100",
            vec![t("Room 5. "), tel("555-0100", "tel:5550100")],
        ),
    ]);
}

/// Inputs built to make a careless scanner go back and forth: each must still come back
/// whole (and the test finishes only if the scan stays close to linear).
#[test]
fn long_adversarial_inputs_keep_their_text() {
    let n = 20_000;
    for s in [
        "a".repeat(n),
        "a.".repeat(n),
        "1 ".repeat(n),
        "1-".repeat(n),
        "https://".repeat(n),
        "https://a@".repeat(n),
        "https://x.org/(".repeat(n),
        "www.a,".repeat(n),
        "a@a.".repeat(n),
        "@a".repeat(n),
        "+(".repeat(n),
        "https://[".repeat(n),
        format!("https://x.org/{}", ".".repeat(n)),
        format!("https://x.org/{}", "'".repeat(n)),
        format!("{}@x.org", "a".repeat(n)),
        format!("https://{}", "a.".repeat(n)),
    ] {
        check_invariants(&s, &segments(&s));
    }
}

#[test]
fn text_is_preserved_exactly() {
    for s in [
        "hello https://x.org/(a)) bob@x.org +1 555 123 4567 www.y.com.",
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
        "ünïcödé 😀 https://é.com/ö \u{202E} tel:+123 4567890",
        "((((https://x.org))))]]]]",
        "@.@.",
        "+",
        "+(",
        "(",
        ")",
        "'",
        "mailto:",
        "tel:",
        "www.\u{202E}",
        "https://\u{FEFF}",
        "a@\u{200D}.com",
    ] {
        check_invariants(s, &segments(s));
    }
}
