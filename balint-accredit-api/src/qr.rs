//! QR codes of links, for what is printed: a plain matrix of modules
//! (encoded by the `qrcode` crate), drawn by the page as inline SVG and by
//! [`crate::pdf`] as filled squares.

use std::fmt::Write as _;

/// The light modules a reader needs around the code on every side.
pub const QUIET_ZONE: usize = 4;

/// A QR code: a square of dark and light modules, without its quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    width: usize,
    dark: Vec<bool>,
}

/// Why a text has no QR code: it is longer than the largest code holds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("too long for a QR code: {0} bytes")]
pub struct TooLong(pub usize);

impl Qr {
    /// The code of `text`, at the medium error correction level (15%: a
    /// printed code survives a smudge).
    pub fn new(text: &str) -> Result<Self, TooLong> {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
            .map_err(|_| TooLong(text.len()))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == qrcode::Color::Dark)
                .collect(),
        })
    }

    /// Modules on a side, without the quiet zone.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The dark modules as runs along each row: (row, first column,
    /// length), so a drawing has one rectangle per run, not per module.
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if self.is_dark(x, y) {
                    let start = x;
                    while x < self.width && self.is_dark(x, y) {
                        x += 1;
                    }
                    runs.push((y, start, x - start));
                } else {
                    x += 1;
                }
            }
        }
        runs
    }

    /// The code as an SVG image (with its quiet zone), `size` CSS pixels on
    /// a side, named `label` for assistive technology.
    pub fn svg(&self, size: u32, label: &str) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::new();
        for (y, x, length) in self.runs() {
            let _ = write!(
                path,
                "M{} {}h{length}v1h-{length}z",
                x + QUIET_ZONE,
                y + QUIET_ZONE
            );
        }
        let label = label
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('"', "&quot;");
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" class="qr" width="{size}" height="{size}" viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img" aria-label="{label}"><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d="{path}"/></svg>"##
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_link_makes_a_square_code_with_its_finder_patterns() {
        let qr = Qr::new("https://registry.example.org/credentials/verify?id=1").unwrap();
        assert_eq!((qr.width() - 17) % 4, 0, "a version's width");
        // The top-left finder: a dark 7x7 ring around a light ring.
        for i in 0..7 {
            assert!(qr.is_dark(i, 0) && qr.is_dark(0, i) && qr.is_dark(6, i));
        }
        assert!(!qr.is_dark(1, 1) && qr.is_dark(3, 3));
        let dark = (0..qr.width())
            .flat_map(|y| (0..qr.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| qr.is_dark(x, y))
            .count();
        assert_eq!(
            qr.runs().iter().map(|(_, _, n)| n).sum::<usize>(),
            dark,
            "the runs cover every dark module"
        );
        let svg = qr.svg(160, "a <link>");
        assert!(svg.contains(r#"aria-label="a &lt;link>""#));
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", qr.width() + 8)));
    }

    #[test]
    fn a_text_beyond_the_largest_code_is_refused() {
        assert!(Qr::new(&"x".repeat(5000)).is_err());
    }
}
