//! Reading the internally tagged enums (`{"type": "ack", ...}`) without serde's buffering.
//!
//! serde's derive for `#[serde(tag = "...")]` reads every object into its generic `Content`
//! tree first, then reads each variant again from that tree: every type inside a frame gets
//! its deserializer twice, once per representation. In the widget that was about 150 KB of
//! wasm before optimization (twiggy), the largest single item of the bundle. Here a frame
//! is read as raw JSON, its tag found by a scan that skips every value, and the variant
//! read straight from the text by an externally tagged mirror (`{"ack": {...}}`), which
//! serde reads without buffering. Serializing keeps the derived, tagged form.
//!
//! The mirrors are `#[serde(remote = "...")]` definitions: the compiler checks that each
//! one lists exactly the fields of the real type, so the two cannot drift apart.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::de::StrRead;
use serde_json::value::RawValue;

/// The value of the field `tag` of a JSON object, skipping everything else.
fn find_tag(json: &str, tag: &'static str) -> serde_json::Result<String> {
    struct TagVisitor(&'static str);
    impl<'de> Visitor<'de> for TagVisitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object with a `{}` field", self.0)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.0 {
                    if found.is_some() {
                        return Err(de::Error::duplicate_field(self.0));
                    }
                    found = Some(map.next_value::<String>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            found.ok_or_else(|| de::Error::missing_field(self.0))
        }
    }
    let mut d = serde_json::Deserializer::from_str(json);
    d.deserialize_map(TagVisitor(tag))
}

/// Reads the object in `d` whose variant is named by its field `tag`, through `mirror`
/// (the externally tagged deserializer of the same type).
pub(crate) fn deserialize<'de, D, T, M>(d: D, tag: &'static str, mirror: M) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    M: Fn(&mut serde_json::Deserializer<StrRead<'_>>) -> serde_json::Result<T>,
{
    let raw = Box::<RawValue>::deserialize(d)?;
    let json = raw.get();
    let name = find_tag(json, tag).map_err(de::Error::custom)?;
    // The variant name comes from the frame: written back as a JSON string, so a quote or
    // backslash in it stays inside the string.
    let key = serde_json::to_string(&name).map_err(de::Error::custom)?;
    let read = |text: &str| mirror(&mut serde_json::Deserializer::from_str(text));
    read(&format!("{{{key}:{json}}}"))
        // `{"kind": "done"}`: a variant without fields is a plain string when externally
        // tagged.
        .or_else(|e| read(&key).map_err(|_| e))
        .map_err(de::Error::custom)
}
