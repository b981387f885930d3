//! Live SMS counter for a compose box (3GPP TS 23.038 / 23.040).
//!
//! Text made only of GSM 03.38 default-alphabet characters (plus its extension table) is
//! sent as GSM-7: one septet per basic character, two (escape + code) per extension
//! character. Anything else switches the whole message to UCS-2, counted in UTF-16 code
//! units. A concatenated message loses room to the user data header, and neither an
//! escape pair nor a surrogate pair may straddle two parts.

/// Septets in a single GSM-7 message.
pub const GSM7_SINGLE: usize = 160;
/// Septets per part of a concatenated GSM-7 message.
pub const GSM7_PART: usize = 153;
/// UTF-16 code units in a single UCS-2 message.
pub const UCS2_SINGLE: usize = 70;
/// UTF-16 code units per part of a concatenated UCS-2 message.
pub const UCS2_PART: usize = 67;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmsCount {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
    pub units: usize,
    /// Messages needed; 0 for empty text.
    pub segments: usize,
    /// Capacity of the current segment: the single-message limit, or the per-part one.
    pub per_segment: usize,
    /// Units still free in the last (current) segment.
    pub remaining_in_segment: usize,
    /// The first character outside the GSM alphabet: what made the text UCS-2.
    pub first_non_gsm: Option<char>,
}

impl SmsCount {
    /// Units used in the last (current) segment.
    pub fn used_in_segment(&self) -> usize {
        self.per_segment - self.remaining_in_segment
    }
}

/// Septets a character takes in the GSM 03.38 default alphabet: 1 for the basic table,
/// 2 for the extension table (escape + code), `None` if it is not representable.
pub fn gsm7_septets(c: char) -> Option<usize> {
    match c {
        // ASCII 0x20..=0x5A (space, punctuation, digits, '@', 'A'..='Z') are all basic.
        ' '..='Z' | 'a'..='z' | '_' | '\n' | '\r' => Some(1),
        '£' | '¥' | 'è' | 'é' | 'ù' | 'ì' | 'ò' | 'Ç' => Some(1),
        'Ø' | 'ø' | 'Å' | 'å' => Some(1),
        'Δ' | 'Φ' | 'Γ' | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' => Some(1),
        'Æ' | 'æ' | 'ß' | 'É' | '¤' | '¡' | 'Ä' | 'Ö' | 'Ñ' | 'Ü' | '§' => Some(1),
        '¿' | 'ä' | 'ö' | 'ñ' | 'ü' | 'à' => Some(1),
        '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' | '\u{0C}' => Some(2),
        _ => None,
    }
}

/// Counts `text` as the compose box shows it.
pub fn count(text: &str) -> SmsCount {
    match text.chars().find(|&c| gsm7_septets(c).is_none()) {
        None => {
            let costs = text.chars().filter_map(gsm7_septets);
            pack(Encoding::Gsm7, costs, GSM7_SINGLE, GSM7_PART)
        }
        Some(c) => {
            let costs = text.chars().map(char::len_utf16);
            SmsCount {
                first_non_gsm: Some(c),
                ..pack(Encoding::Ucs2, costs, UCS2_SINGLE, UCS2_PART)
            }
        }
    }
}

/// Fills segments with indivisible items of the given costs.
fn pack(
    encoding: Encoding,
    costs: impl Iterator<Item = usize> + Clone,
    single: usize,
    part: usize,
) -> SmsCount {
    let units: usize = costs.clone().sum();
    if units <= single {
        return SmsCount {
            encoding,
            units,
            segments: usize::from(units > 0),
            per_segment: single,
            remaining_in_segment: single - units,
            first_non_gsm: None,
        };
    }
    let mut segments = 1;
    let mut used = 0;
    for cost in costs {
        if used + cost > part {
            segments += 1;
            used = 0;
        }
        used += cost;
    }
    SmsCount {
        encoding,
        units,
        segments,
        per_segment: part,
        remaining_in_segment: part - used,
        first_non_gsm: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(n: usize) -> String {
        "a".repeat(n)
    }

    fn seg(text: &str) -> (Encoding, usize, usize, usize, usize) {
        let c = count(text);
        (
            c.encoding,
            c.units,
            c.segments,
            c.per_segment,
            c.remaining_in_segment,
        )
    }

    #[test]
    fn empty_text_is_zero_segments() {
        assert_eq!(seg(""), (Encoding::Gsm7, 0, 0, 160, 160));
    }

    #[test]
    fn gsm7_single_limit() {
        assert_eq!(seg(&plain(1)), (Encoding::Gsm7, 1, 1, 160, 159));
        assert_eq!(seg(&plain(160)), (Encoding::Gsm7, 160, 1, 160, 0));
    }

    #[test]
    fn gsm7_concatenated_parts_hold_153() {
        assert_eq!(seg(&plain(161)), (Encoding::Gsm7, 161, 2, 153, 145));
        assert_eq!(seg(&plain(306)), (Encoding::Gsm7, 306, 2, 153, 0));
        assert_eq!(seg(&plain(307)), (Encoding::Gsm7, 307, 3, 153, 152));
    }

    #[test]
    fn euro_counts_two_septets() {
        assert_eq!(seg("€"), (Encoding::Gsm7, 2, 1, 160, 158));
        assert_eq!(seg(&"€".repeat(80)), (Encoding::Gsm7, 160, 1, 160, 0));
        // 76 euros (152 septets) fill part one; the 77th cannot straddle into it.
        assert_eq!(seg(&"€".repeat(81)), (Encoding::Gsm7, 162, 2, 153, 143));
    }

    #[test]
    fn every_extension_character_counts_two() {
        let ext = "^{}\\[~]|€\u{0C}";
        assert_eq!(ext.chars().count(), 10);
        for c in ext.chars() {
            assert_eq!(gsm7_septets(c), Some(2), "{c:?}");
        }
        assert_eq!(seg(ext), (Encoding::Gsm7, 20, 1, 160, 140));
    }

    #[test]
    fn full_basic_table_counts_one_septet_each() {
        let basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        // 128 code points minus the escape (0x1B) itself.
        assert_eq!(basic.chars().count(), 127);
        for c in basic.chars() {
            assert_eq!(gsm7_septets(c), Some(1), "{c:?}");
        }
        assert_eq!(seg(basic), (Encoding::Gsm7, 127, 1, 160, 33));
    }

    #[test]
    fn escape_pair_does_not_straddle_a_part_boundary() {
        // 154 septets still fit a single message.
        let fits = format!("{}€", plain(152));
        assert_eq!(seg(&fits), (Encoding::Gsm7, 154, 1, 160, 6));
        // 152 + € + 7 = 161 septets: the € moves whole into part two.
        let two = format!("{}€{}", plain(152), plain(7));
        assert_eq!(seg(&two), (Encoding::Gsm7, 161, 2, 153, 144));
        // 306 septets would fit two parts, but the € wastes the last septet of part one.
        let three = format!("{}€{}", plain(152), plain(152));
        assert_eq!(seg(&three), (Encoding::Gsm7, 306, 3, 153, 152));
    }

    #[test]
    fn characters_outside_gsm7_switch_to_ucs2() {
        for c in ['`', 'á', 'ç', '\t', 'ă', 'Ж', '😀'] {
            assert_eq!(gsm7_septets(c), None, "{c:?}");
        }
        assert_eq!(seg("😀"), (Encoding::Ucs2, 2, 1, 70, 68));
        // In UCS-2 the euro is one code unit like everything else in the BMP.
        assert_eq!(seg("Hi € ă"), (Encoding::Ucs2, 6, 1, 70, 64));
    }

    #[test]
    fn e_acute_stays_gsm7_but_a_breve_is_ucs2() {
        assert_eq!(seg(&"é".repeat(70)), (Encoding::Gsm7, 70, 1, 160, 90));
        assert_eq!(seg(&"é".repeat(71)), (Encoding::Gsm7, 71, 1, 160, 89));
        assert_eq!(seg(&"ă".repeat(70)), (Encoding::Ucs2, 70, 1, 70, 0));
        assert_eq!(seg(&"ă".repeat(71)), (Encoding::Ucs2, 71, 2, 67, 63));
    }

    #[test]
    fn ucs2_concatenated_parts_hold_67() {
        assert_eq!(seg(&"ă".repeat(134)), (Encoding::Ucs2, 134, 2, 67, 0));
        assert_eq!(seg(&"ă".repeat(135)), (Encoding::Ucs2, 135, 3, 67, 66));
    }

    #[test]
    fn surrogate_pair_does_not_straddle_a_part_boundary() {
        // 66 + 2 + 5 = 73 units: the emoji moves whole into part two.
        let two = format!("{}😀{}", "ă".repeat(66), "ă".repeat(5));
        assert_eq!(seg(&two), (Encoding::Ucs2, 73, 2, 67, 60));
        // 134 units would fit two parts, but part one ends one unit short.
        let three = format!("{}😀{}", "ă".repeat(66), "ă".repeat(66));
        assert_eq!(seg(&three), (Encoding::Ucs2, 134, 3, 67, 66));
        // 35 emoji = 70 units fit one message; 36 need two parts (33 + 3 emoji).
        assert_eq!(seg(&"😀".repeat(35)), (Encoding::Ucs2, 70, 1, 70, 0));
        assert_eq!(seg(&"😀".repeat(36)), (Encoding::Ucs2, 72, 2, 67, 61));
    }

    #[test]
    fn line_breaks_count_one_septet() {
        assert_eq!(seg("a\r\nb\n"), (Encoding::Gsm7, 5, 1, 160, 155));
    }

    #[test]
    fn remaining_tracks_the_current_segment() {
        let c = count(&plain(200));
        assert_eq!(c.remaining_in_segment, 153 - 47);
        assert_eq!(c.used_in_segment(), 47);
        assert_eq!(count(&plain(459)).remaining_in_segment, 0);
        assert_eq!(count(&plain(460)).remaining_in_segment, 152);
        assert_eq!(count(&plain(460)).segments, 4);
    }

    #[test]
    fn the_first_character_outside_gsm7_is_kept() {
        assert_eq!(count("Hi € [x] ~").first_non_gsm, None);
        assert_eq!(count("Hi € ă and я").first_non_gsm, Some('ă'));
        assert_eq!(count("ok 😀 ă").first_non_gsm, Some('😀'));
        assert_eq!(count("tab\there").first_non_gsm, Some('\t'));
    }
}
