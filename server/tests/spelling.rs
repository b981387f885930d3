//! `check_spelling` over a real socket, with Debian's Hunspell dictionaries (installed by
//! `cargo xtask`), and the `warn_misspelled` setting.

mod common;

use common::session::start_with;
use common::{start, start_on, Client, TempDb};
use messenger_protocol::{
    AckResult, ClientFrame, ErrorCode, Event, ServerFrame, Settings, SettingsPatch, TextRange,
    MAX_MESSAGE_BYTES,
};

fn check(client: &mut Client, lang: &str, text: &str) -> ClientFrame {
    ClientFrame::CheckSpelling {
        id: client.new_id(),
        lang: lang.into(),
        text: text.into(),
    }
}

/// The ranges the server marks, and the words they cover (UTF-16, as a browser counts).
async fn misspelled(client: &mut Client, lang: &str, text: &str) -> (Vec<TextRange>, Vec<String>) {
    let frame = check(client, lang, text);
    let AckResult::Spelling { misspelled } = client.ack(frame).await else {
        panic!("expected a spelling answer");
    };
    let utf16: Vec<u16> = text.encode_utf16().collect();
    let words = misspelled
        .iter()
        .map(|r| String::from_utf16(&utf16[r.start as usize..r.end as usize]).unwrap())
        .collect();
    (misspelled, words)
}

#[tokio::test]
async fn a_misspelled_french_word_is_marked_where_the_compose_box_counts() {
    let (server, _db) = start("spelling-french").await;
    let (mut alice, _) = Client::login(server.local_addr(), "alice").await;

    let text = "Bonjour, je vous envoie le documment";
    let (ranges, words) = misspelled(&mut alice, "fr", text).await;
    assert_eq!(
        ranges,
        [TextRange { start: 27, end: 36 }],
        "docs/protocol.md"
    );
    assert_eq!(words, ["documment"]);

    let correct =
        "Bonjour, je vous envoie le document d'aujourd'hui : l'école est peut-être fermée.";
    assert_eq!(
        misspelled(&mut alice, "fr", correct).await.1,
        Vec::<String>::new()
    );

    // Emoji (two UTF-16 units each) and accents before the word move its range.
    let text = "Ça va 😀👍🏽 ? Très bien, mercii";
    let (ranges, words) = misspelled(&mut alice, "fr", text).await;
    assert_eq!(words, ["mercii"]);
    assert_eq!(ranges, [TextRange { start: 26, end: 32 }]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_interface_language_knows_its_words_and_flags_garbage() {
    let (server, _db) = start("spelling-languages").await;
    let (mut bob, _) = Client::login(server.local_addr(), "bob").await;
    let samples = [
        (
            "en",
            "Thanks, I'll send the report tomorrow",
            "Thanks, I'll send the reprot tomorrow",
            "reprot",
        ),
        (
            "fr",
            "Merci, je t'envoie le rapport demain",
            "Merci, je t'envoie le raport demain",
            "raport",
        ),
        (
            "pl",
            "Dziękuję, wyślę raport jutro",
            "Dziękuję, wyślę rapotr jutro",
            "rapotr",
        ),
        (
            "ru",
            "Спасибо, я пришлю отчёт завтра",
            "Спасибо, я пришлю отчот завтра",
            "отчот",
        ),
        (
            "vi",
            "Cảm ơn, tôi sẽ gửi báo cáo ngày mai",
            "Cảm ơn, tôi sẽ gửi báo cáoo ngày mai",
            "cáoo",
        ),
    ];
    for (lang, correct, wrong, word) in samples {
        assert_eq!(
            misspelled(&mut bob, lang, correct).await.1,
            Vec::<String>::new(),
            "{lang}"
        );
        assert_eq!(misspelled(&mut bob, lang, wrong).await.1, [word], "{lang}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn addresses_numbers_phones_and_mentions_are_not_checked() {
    let (server, _db) = start("spelling-skipped").await;
    let (mut bob, _) = Client::login(server.local_addr(), "bob").await;
    let text = "@alice see https://wiki.exmaple.org/Qwrtz and www.exmaple.com, \
                mail jdoe@exmaple.org or call +48 601-234-567 before 10h30, order 4711 tomorow";
    assert_eq!(misspelled(&mut bob, "en", text).await.1, ["tomorow"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_requests_get_clear_errors_and_the_connection_goes_on() {
    let (server, _db) = start("spelling-errors").await;
    let (mut bob, _) = Client::login(server.local_addr(), "bob").await;

    for lang in ["de", "", "FR", "en_US"] {
        let frame = check(&mut bob, lang, "Hallo");
        assert_eq!(
            bob.error(frame).await,
            ErrorCode::InvalidArgument,
            "{lang:?}"
        );
    }
    let long = "a ".repeat(MAX_MESSAGE_BYTES / 2) + "b";
    let frame = check(&mut bob, "en", &long);
    assert_eq!(bob.error(frame).await, ErrorCode::MessageTooLarge);
    // The longest allowed text is checked.
    let longest = "a ".repeat(MAX_MESSAGE_BYTES / 2);
    assert_eq!(misspelled(&mut bob, "en", &longest).await.0.len(), 0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_dictionaries_the_answer_is_an_internal_error() {
    let empty = std::env::temp_dir().join("messenger-spelling-no-dictionaries");
    let (server, _db) = start_with("spelling-missing", |config| {
        config.dictionaries_dir = empty;
    })
    .await;
    let (mut bob, _) = Client::login(server.local_addr(), "bob").await;
    let frame = check(&mut bob, "fr", "Bonjour");
    match bob.request(frame).await {
        ServerFrame::Error { code, message, .. } => {
            assert_eq!(code, ErrorCode::Internal);
            assert!(message.contains("no dictionary"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // Everything else still works.
    let id = bob.new_id();
    assert!(matches!(
        bob.ack(ClientFrame::ListChannels { id }).await,
        AckResult::Channels { .. }
    ));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn spell_checks_count_against_the_rate_limit() {
    let (server, _db) = start_with("spelling-rate", |config| {
        config.limits.command_burst = 3;
        config.limits.commands_per_second = 1;
    })
    .await;
    let (mut bob, _) = Client::login(server.local_addr(), "bob").await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        let frame = check(&mut bob, "en", "hello");
        codes.push(match bob.request(frame).await {
            ServerFrame::Ack { .. } => None,
            ServerFrame::Error { code, .. } => Some(code),
            other => panic!("unexpected {other:?}"),
        });
    }
    assert_eq!(codes, [None, None, None, Some(ErrorCode::RateLimited)]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn warn_misspelled_is_kept_shared_with_other_tabs_and_in_the_welcome() {
    let db = TempDb::new("spelling-setting");
    let server = start_on(&db, None).await;
    let addr = server.local_addr();
    let token = common::login(addr, "carol").await;
    let (mut tab1, welcome) = Client::hello(addr, &token).await;
    let (mut tab2, _) = Client::hello(addr, &token).await;
    assert!(welcome.settings.warn_misspelled, "on by default");

    let off = SettingsPatch {
        warn_misspelled: Some(false),
        ..Default::default()
    };
    let expected = Settings {
        warn_misspelled: false,
        ..Settings::default()
    };
    assert_eq!(tab1.update_settings(off.clone()).await, expected);
    let changed = tab2
        .wait_for(|event| match event {
            Event::SettingsChanged { settings } => Some(settings),
            _ => None,
        })
        .await;
    assert_eq!(changed, expected);
    // Another setting leaves it off.
    let digest = SettingsPatch {
        digest_minutes: Some(30),
        ..Default::default()
    };
    assert!(!tab2.update_settings(digest).await.warn_misspelled);
    drop((tab1, tab2));
    server.shutdown().await.unwrap();

    let server = start_on(&db, None).await;
    let (mut tab, welcome) = Client::hello(server.local_addr(), &token).await;
    assert!(!welcome.settings.warn_misspelled, "kept across a restart");
    assert_eq!(welcome.settings.digest_minutes, 30);
    let (_, other) = Client::login(server.local_addr(), "dave").await;
    assert!(other.settings.warn_misspelled, "per user");
    let on = SettingsPatch {
        warn_misspelled: Some(true),
        ..Default::default()
    };
    assert!(tab.update_settings(on).await.warn_misspelled);
    server.shutdown().await.unwrap();
}
