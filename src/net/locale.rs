//! `GET {server}/locales/<code>.json`: a language's texts, served next to the widget.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

use crate::core::i18n::Locale;

pub async fn fetch(base: &str, locale: Locale) -> Result<String, String> {
    let url = format!(
        "{}/locales/{}.json",
        crate::config::normalize_base(base),
        locale.code()
    );
    let window = web_sys::window().ok_or("no window")?;
    let failed = |what: &str| format!("{url}: {what}");
    let resp: Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .map_err(|_| failed("unreachable"))?
        .dyn_into()
        .map_err(|_| failed("not a response"))?;
    if !resp.ok() {
        return Err(failed(&format!("HTTP {}", resp.status())));
    }
    let text = resp.text().map_err(|_| failed("no body"))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| failed("no body"))
}
