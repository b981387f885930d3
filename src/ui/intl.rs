//! Dates and times through the browser's `Intl.DateTimeFormat`, in the interface language.
//! A formatter is costly to build and the timeline formats one time per row, so each kind
//! is built once per language and kept.

use std::cell::RefCell;

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::core::i18n::Locale;

/// What a formatter shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Style {
    /// `14:05` (or `2:05 PM` where the language says so).
    Time,
    /// `Monday 23 November`: a day of this year, in UTC (days are computed in local time
    /// already).
    DayOfYear,
    /// `23 November 2025`, in UTC likewise.
    FullDay,
    /// `3 Nov`, local time.
    ShortDate,
    /// `3 Nov 2025`, local time.
    ShortDateYear,
}

impl Style {
    fn options(self) -> Object {
        let o = Object::new();
        let put = |k: &str, v: &str| {
            let _ = Reflect::set(&o, &k.into(), &v.into());
        };
        match self {
            Style::Time => {
                put("hour", "2-digit");
                put("minute", "2-digit");
            }
            Style::DayOfYear => {
                put("weekday", "long");
                put("day", "numeric");
                put("month", "long");
                put("timeZone", "UTC");
            }
            Style::FullDay => {
                put("day", "numeric");
                put("month", "long");
                put("year", "numeric");
                put("timeZone", "UTC");
            }
            Style::ShortDate => {
                put("day", "numeric");
                put("month", "short");
            }
            Style::ShortDateYear => {
                put("day", "numeric");
                put("month", "short");
                put("year", "numeric");
            }
        }
        o
    }
}

thread_local! {
    /// The formatters made so far: a handful, found by a walk along the list (a hash map
    /// would bring its own code into the bundle for them).
    static FORMATTERS: RefCell<Vec<((Locale, Style), Intl::DateTimeFormat)>> =
        const { RefCell::new(Vec::new()) };
}

/// `at` (ms since the epoch) in `style`, in `locale`'s words; empty for an invalid time.
pub fn format(locale: Locale, style: Style, at: f64) -> String {
    let date = Date::new(&JsValue::from_f64(at));
    if date.get_time().is_nan() {
        return String::new();
    }
    FORMATTERS.with(|all| {
        let mut all = all.borrow_mut();
        let at = match all.iter().position(|(k, _)| *k == (locale, style)) {
            Some(at) => at,
            None => {
                let tags = Array::of1(&locale.code().into());
                all.push((
                    (locale, style),
                    Intl::DateTimeFormat::new(&tags, &style.options()),
                ));
                all.len() - 1
            }
        };
        let f = &all[at].1;
        f.format()
            .call1(f, &date)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    })
}

/// A calendar day (days since 1970-01-01) as a separator names it.
pub fn day(locale: Locale, day: i64, this_year: bool) -> String {
    // Noon, so the UTC formatter lands on the same calendar day whatever it rounds.
    let at = (day as f64) * 86_400_000.0 + 43_200_000.0;
    let style = if this_year {
        Style::DayOfYear
    } else {
        Style::FullDay
    };
    format(locale, style, at)
}

/// A past time, short ("14:05", "yesterday", "3 Nov", "3 Nov 2025"): see
/// [`crate::core::org::when`].
pub fn when_text(
    tr: &crate::core::i18n::Catalog,
    at: i64,
    now: i64,
    utc_offset_min: i32,
) -> String {
    use crate::core::org::{when, When};
    let style = match when(at, now, utc_offset_min) {
        When::Today => Style::Time,
        When::Yesterday => return tr.t(crate::core::i18n::K::PeopleYesterday),
        When::ThisYear => Style::ShortDate,
        When::WithYear => Style::ShortDateYear,
    };
    format(tr.locale, style, at as f64)
}
