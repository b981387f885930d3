//! Unicode case mapping for display text.
//!
//! In the browser build the mapping is the JS engine's (`String.prototype.toLowerCase` /
//! `toUpperCase`, the same Unicode default case conversion as Rust's): Rust's own
//! `to_lowercase` / `to_uppercase` link Unicode tables worth tens of kilobytes of wasm.
//! Native builds (the core's unit tests) use the standard library.

/// `s` in lower case (Unicode default case conversion).
pub fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// `s` in upper case (Unicode default case conversion; "ß" becomes "SS").
pub fn uppercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_upper_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_case_like_std() {
        assert_eq!(lowercase("Émile ÖZ"), "émile öz");
        assert_eq!(uppercase("émile straße"), "ÉMILE STRASSE");
        assert_eq!(lowercase("ΟΔΟΣ"), "οδος");
    }
}
