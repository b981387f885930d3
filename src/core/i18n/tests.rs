use super::*;

/// A language file as the repository holds it (the widget fetches the same file).
fn file(locale: Locale) -> String {
    let path = format!(
        "{}/locales/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        locale.code()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn catalog(locale: Locale) -> Catalog {
    Catalog::parse(locale, &file(locale)).unwrap_or_else(|e| panic!("{e}"))
}

fn forms_of(text: &Text) -> Vec<(&'static str, &str)> {
    match text {
        Text::Plain(s) => vec![("text", s.as_str())],
        Text::Plural(f) => [
            Category::One,
            Category::Few,
            Category::Many,
            Category::Other,
        ]
        .into_iter()
        .filter_map(|c| f.get(c).map(|s| (c.name(), s)))
        .collect(),
    }
}

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

/// Every text of the interface in every language: no id missing, none left over, the
/// same `{names}`, the plural forms the language needs, and a translation, not a copy.
#[test]
fn every_locale_has_every_text() {
    let english = catalog(Locale::En);
    let mut problems = Vec::new();
    for locale in Locale::ALL {
        let c = catalog(locale);
        for key in K::ALL {
            let Some(text) = c.text(key.id()) else {
                problems.push(format!("{}: {} missing", locale.code(), key.id()));
                continue;
            };
            let en = english.text(key.id()).expect("English has every id");
            let wanted = sorted(placeholders(forms_of(en)[0].1));
            for (form, s) in forms_of(text) {
                let got = sorted(placeholders(s));
                if got != wanted {
                    problems.push(format!(
                        "{}: {} ({form}) has {got:?}, English has {wanted:?}",
                        locale.code(),
                        key.id()
                    ));
                }
            }
            match (en, text) {
                (Text::Plain(_), Text::Plain(_)) => {}
                (Text::Plural(_), Text::Plural(f)) => {
                    for c in locale.plural_categories() {
                        if f.get(*c).is_none() {
                            problems.push(format!(
                                "{}: {} lacks the form `{}`",
                                locale.code(),
                                key.id(),
                                c.name()
                            ));
                        }
                    }
                }
                _ => problems.push(format!(
                    "{}: {} is plural in one language only",
                    locale.code(),
                    key.id()
                )),
            }
        }
        for id in c.ids() {
            if !K::ALL.iter().any(|k| k.id() == id) {
                problems.push(format!(
                    "{}: {id} is not a text of the interface",
                    locale.code()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Texts that are the same in every language: the product's name and texts made only of
/// numbers and symbols.
const SAME_EVERYWHERE: [K; 9] = [
    K::AppName,
    K::DeskSms,
    K::RailNav,
    K::RailWithCount,
    K::SmsCounter,
    K::SmsCounterUnicode,
    K::PanelShortcutPlaceholder,
    K::PreviewAttached,
    K::AttachMegabytes,
];

#[test]
fn translations_are_not_english_copies() {
    let english = catalog(Locale::En);
    let mut copies = Vec::new();
    for locale in [Locale::Fr, Locale::Ru, Locale::Vi, Locale::Pl] {
        let c = catalog(locale);
        for key in K::ALL.iter().filter(|k| !SAME_EVERYWHERE.contains(k)) {
            if c.text(key.id()) == english.text(key.id()) {
                copies.push(format!("{}: {}", locale.code(), key.id()));
            }
        }
    }
    // A few words are the same in some languages ("Messenger", "SMS"...): allow a handful.
    assert!(
        copies.len() <= 8,
        "copied from English:\n{}",
        copies.join("\n")
    );
}

#[test]
fn russian_and_polish_plurals_pick_the_right_form() {
    let ru = catalog(Locale::Ru);
    let pl = catalog(Locale::Pl);
    // "new messages": three different forms in both languages.
    let key = K::TimelineNewCount;
    let forms = |c: &Catalog| match c.text(key.id()) {
        Some(Text::Plural(f)) => f.clone(),
        other => panic!("{key:?} is not plural: {other:?}"),
    };
    let (ru_forms, pl_forms) = (forms(&ru), forms(&pl));
    let form = |form: &Option<String>, n: &str| fill(form.as_deref().unwrap(), Some(n), &[]);
    assert_eq!(ru.n(key, 1, &[]), form(&ru_forms.one, "1"));
    assert_eq!(ru.n(key, 21, &[]), form(&ru_forms.one, "21"));
    assert_eq!(ru.n(key, 3, &[]), form(&ru_forms.few, "3"));
    assert_eq!(ru.n(key, 5, &[]), form(&ru_forms.many, "5"));
    assert_eq!(ru.n(key, 11, &[]), form(&ru_forms.many, "11"));
    assert_eq!(pl.n(key, 1, &[]), form(&pl_forms.one, "1"));
    assert_eq!(pl.n(key, 22, &[]), form(&pl_forms.few, "22"));
    assert_eq!(pl.n(key, 21, &[]), form(&pl_forms.many, "21"));
    assert_eq!(pl.n(key, 0, &[]), form(&pl_forms.many, "0"));
    assert_eq!(ru.n(key, 5, &[]), "↓ 5 новых сообщений");
    assert_eq!(pl.n(key, 3, &[]), "↓ 3 nowe wiadomości");
    for f in [&ru_forms, &pl_forms] {
        assert_ne!(f.one, f.few);
        assert_ne!(f.few, f.many);
    }
}

#[test]
fn english_texts_and_arguments() {
    let en = Catalog::english();
    assert_eq!(en.t(K::LoginSubmit), "Sign in");
    assert_eq!(en.n(K::ChannelsMembers, 1, &[]), "1 member");
    assert_eq!(en.n(K::ChannelsMembers, 1234, &[]), "1,234 members");
    assert_eq!(
        en.f(K::SystemAdded, &[("by", "Bob"), ("name", "Carol")]),
        "Bob added Carol"
    );
    // A brace without its argument stays as written.
    assert_eq!(fill("a {x} b {", None, &[]), "a {x} b {");
}

#[test]
fn a_missing_text_reads_as_its_id() {
    // No English behind another language (English is a file fetched like the others, not in
    // the wasm); every file has every text, which `every_locale_has_every_text` checks.
    let partial = Catalog::parse(Locale::Ru, r#"{"login.submit": "Войти"}"#).unwrap();
    assert_eq!(partial.t(K::LoginSubmit), "Войти");
    assert_eq!(partial.t(K::LoginUsername), "login.username");
    assert_eq!(Catalog::empty(Locale::En).t(K::LoginSubmit), "login.submit");
    assert!(Catalog::parse(Locale::Ru, "{ not json").is_err());
}

#[test]
fn languages_from_tags_and_preferences() {
    assert_eq!(Locale::from_tag("ru-RU"), Some(Locale::Ru));
    assert_eq!(Locale::from_tag("PL"), Some(Locale::Pl));
    assert_eq!(Locale::from_tag("vi_VN"), Some(Locale::Vi));
    assert_eq!(Locale::from_tag("de-DE"), None);
    assert_eq!(Locale::negotiate(["de-DE", "fr-CA", "en"]), Locale::Fr);
    assert_eq!(Locale::negotiate(["de", "ja"]), Locale::En);
}

#[test]
fn counts_grouped_as_each_language_writes_them() {
    assert_eq!(Locale::En.count(1234567), "1,234,567");
    assert_eq!(Locale::Fr.count(12345), "12\u{202f}345");
    assert_eq!(Locale::Ru.count(1234), "1\u{a0}234");
    assert_eq!(Locale::Pl.count(1234), "1234");
    assert_eq!(Locale::Pl.count(12345), "12\u{a0}345");
    assert_eq!(Locale::Vi.count(1234), "1.234");
    assert_eq!(Locale::En.count(999), "999");
}
