//! Windowing for the chat timeline: which rows of a long list go into the DOM for a scroll
//! position, and how tall the empty space above and below them must be so the scrollbar
//! still describes the whole list.
//!
//! Rows have variable heights: the view passes a measured height where it has one and an
//! estimate otherwise, so positions are always consistent with what the spacers show.

/// Row positions along the list: `ends[i]` is the bottom of row `i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    ends: Vec<f64>,
}

/// The rows to render, `start..end`, and the spacer heights around them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub top: f64,
    pub bottom: f64,
}

impl Layout {
    /// Heights that are not finite or are negative count as 0, so one bad measurement cannot
    /// poison every position after it.
    pub fn new(heights: impl IntoIterator<Item = f64>) -> Layout {
        let mut y = 0.0;
        let ends = heights
            .into_iter()
            .map(|h| {
                y += if h.is_finite() && h > 0.0 { h } else { 0.0 };
                y
            })
            .collect();
        Layout { ends }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn total(&self) -> f64 {
        self.ends.last().copied().unwrap_or(0.0)
    }

    /// The top of row `i` (`total()` for `i >= len()`).
    pub fn top(&self, i: usize) -> f64 {
        match i {
            0 => 0.0,
            i => self.ends[(i - 1).min(self.ends.len().saturating_sub(1))],
        }
        .min(self.total())
    }

    /// The row that contains the point `y` (clamped to the first and last rows; 0 when empty).
    pub fn row_at(&self, y: f64) -> usize {
        let y = if y.is_finite() { y } else { 0.0 };
        self.ends
            .partition_point(|end| *end <= y)
            .min(self.ends.len().saturating_sub(1))
    }

    /// The rows that intersect the viewport plus `overscan` pixels on each side, at most
    /// `max_rows` of them (those nearest the viewport win).
    pub fn window(&self, scroll_top: f64, viewport: f64, overscan: f64, max_rows: usize) -> Window {
        if self.ends.is_empty() || max_rows == 0 {
            return Window {
                bottom: self.total(),
                ..Window::default()
            };
        }
        let scroll_top = if scroll_top.is_finite() {
            // Not `clamp`: its panic message would bring float printing into the bundle.
            scroll_top.min(self.total()).max(0.0)
        } else {
            0.0
        };
        let viewport = if viewport.is_finite() {
            viewport.max(0.0)
        } else {
            0.0
        };
        let mut start = self.row_at(scroll_top - overscan);
        let mut end = (self.row_at(scroll_top + viewport + overscan) + 1).min(self.len());
        if end - start > max_rows {
            let first_visible = self.row_at(scroll_top);
            start = start.max(first_visible.saturating_sub(max_rows / 4));
            end = end.min(start + max_rows);
        }
        Window {
            start,
            end,
            top: self.top(start),
            bottom: self.total() - self.top(end),
        }
    }

    /// The row at the top of the viewport and how far the viewport's top is below that
    /// row's top: what must stay put when rows are added above or re-measured.
    pub fn anchor(&self, scroll_top: f64) -> Option<(usize, f64)> {
        if self.ends.is_empty() {
            return None;
        }
        let i = self.row_at(scroll_top);
        Some((i, scroll_top - self.top(i)))
    }
}

/// Whether a list scrolled to `scroll_top` shows its end (within `slack` pixels).
pub fn at_bottom(scroll_top: f64, viewport: f64, scroll_height: f64, slack: f64) -> bool {
    scroll_top + viewport >= scroll_height - slack
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uniform(n: usize, h: f64) -> Layout {
        Layout::new(std::iter::repeat_n(h, n))
    }

    #[test]
    fn positions_follow_the_heights() {
        let l = Layout::new([10.0, 20.0, 30.0]);
        assert_eq!(l.total(), 60.0);
        assert_eq!(
            (l.top(0), l.top(1), l.top(2), l.top(3), l.top(9)),
            (0.0, 10.0, 30.0, 60.0, 60.0)
        );
        assert_eq!(l.row_at(-5.0), 0);
        assert_eq!(l.row_at(9.9), 0);
        assert_eq!(l.row_at(10.0), 1);
        assert_eq!(l.row_at(59.0), 2);
        assert_eq!(l.row_at(1e9), 2);
        assert_eq!(l.row_at(f64::NAN), 0);
    }

    #[test]
    fn bad_heights_count_as_zero() {
        let l = Layout::new([10.0, f64::NAN, -4.0, f64::INFINITY, 5.0]);
        assert_eq!(l.total(), 15.0);
        assert_eq!(l.top(4), 10.0);
    }

    #[test]
    fn empty_list_renders_nothing() {
        let l = Layout::new([]);
        assert_eq!(l.window(100.0, 500.0, 200.0, 200), Window::default());
        assert_eq!(l.anchor(0.0), None);
        assert_eq!(l.row_at(3.0), 0);
    }

    #[test]
    fn ten_thousand_rows_render_a_small_window_anywhere() {
        let l = uniform(10_000, 50.0);
        for scroll in [0.0, 1234.0, 250_000.0, l.total() - 800.0, l.total() + 100.0] {
            let w = l.window(scroll, 800.0, 400.0, 200);
            assert!(w.end - w.start <= 200, "{w:?}");
            assert!(w.end > w.start);
            // The spacers and rows add up to the whole list.
            let rows: f64 = (w.start..w.end).map(|_| 50.0).sum();
            assert_eq!(w.top + rows + w.bottom, l.total());
            // The viewport is covered.
            let shown = scroll.clamp(0.0, l.total());
            assert!(w.top <= shown.max(0.0));
            assert!(l.top(w.end) >= (shown + 800.0).min(l.total()));
        }
        let w = l.window(5000.0, 800.0, 400.0, 200);
        assert_eq!((w.start, w.end), (92, 125));
    }

    #[test]
    fn the_cap_keeps_the_rows_around_the_viewport() {
        let l = uniform(1000, 1.0);
        let w = l.window(500.0, 400.0, 400.0, 100);
        assert_eq!(w.end - w.start, 100);
        assert!(w.start <= 500 && w.start >= 475, "{w:?}");
        assert_eq!(w.top, w.start as f64);
    }

    #[test]
    fn anchor_survives_rows_added_above() {
        let before = uniform(50, 40.0);
        let scroll = 610.0;
        let (i, offset) = before.anchor(scroll).unwrap();
        assert_eq!((i, offset), (15, 10.0));
        // 50 older rows of another height arrive at the top: row i is now 50 + i.
        let after = Layout::new(std::iter::repeat_n(60.0, 50).chain(std::iter::repeat_n(40.0, 50)));
        let restored = after.top(50 + i) + offset;
        assert_eq!(restored, 3000.0 + 610.0);
        assert_eq!(after.anchor(restored), Some((65, 10.0)));
    }

    #[test]
    fn bottom_detection() {
        assert!(at_bottom(1200.0, 800.0, 2000.0, 30.0));
        assert!(at_bottom(1175.0, 800.0, 2000.0, 30.0));
        assert!(!at_bottom(1100.0, 800.0, 2000.0, 30.0));
        assert!(
            at_bottom(0.0, 800.0, 300.0, 30.0),
            "short lists are at the bottom"
        );
    }
}
