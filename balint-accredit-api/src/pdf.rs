//! A minimal PDF writer for one-column text documents (a certificate of
//! attendance, a credential's certificate): A4 pages of lines in the
//! standard Helvetica fonts, which every PDF reader has, so nothing is
//! embedded and no crate is needed; and a QR code, drawn as filled squares.
//!
//! Text is written in the fonts' WinAnsi encoding: Latin letters with
//! their accents (ä, é, ø, ß, ...), typographic quotes and dashes; any
//! other character is written as `?`. Long lines wrap at spaces by an
//! estimate of Helvetica's widths. Pages are added as the text needs them.

use std::fmt::Write as _;

use crate::qr::{Qr, QUIET_ZONE};

/// How a line looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The document's title: large and bold.
    Title,
    /// A heading: bold.
    Heading,
    /// Body text.
    Body,
    /// Small print.
    Small,
}

impl Style {
    fn size(self) -> u32 {
        match self {
            Style::Title => 22,
            Style::Heading => 13,
            Style::Body => 11,
            Style::Small => 9,
        }
    }

    fn bold(self) -> bool {
        matches!(self, Style::Title | Style::Heading)
    }
}

const WIDTH: u32 = 595;
const HEIGHT: u32 = 842;
const MARGIN: u32 = 64;

/// A document being written: its title (in the file's information) and
/// its lines.
#[derive(Debug, Clone)]
pub struct Document {
    title: String,
    lines: Vec<Item>,
}

/// What a document holds, from the top of the page down.
#[derive(Debug, Clone)]
enum Item {
    /// A line of text.
    Line(Style, String),
    /// An empty line.
    Gap,
    /// A QR code, each module `module` points square, with its quiet zone.
    Qr(Qr, u32),
}

impl Item {
    /// The height the item takes on the page, in points.
    fn height(&self) -> u32 {
        match self {
            Item::Line(style, _) => style.size() * 3 / 2,
            Item::Gap => 10,
            Item::Qr(qr, module) => module * side(qr),
        }
    }
}

/// Modules on a side of a QR code, with its quiet zone.
fn side(qr: &Qr) -> u32 {
    u32::try_from(qr.width() + 2 * QUIET_ZONE).unwrap_or(u32::MAX)
}

impl Document {
    /// An empty document titled `title`.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            lines: Vec::new(),
        }
    }

    /// Adds `text` in `style`, wrapped to the page's width.
    pub fn line(&mut self, style: Style, text: &str) -> &mut Self {
        // Helvetica averages about half an em a character; bold a little more.
        let em = if style.bold() { 0.58 } else { 0.52 };
        let usable = f64::from(WIDTH - 2 * MARGIN);
        let per_line = (usable / (f64::from(style.size()) * em)).floor().max(10.0);
        // A small positive number of characters, well within usize.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let per_line = per_line as usize;
        let mut current = String::new();
        for word in text.split_whitespace() {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > per_line
            {
                self.lines
                    .push(Item::Line(style, std::mem::take(&mut current)));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        self.lines.push(Item::Line(style, current));
        self
    }

    /// Adds an empty line.
    pub fn gap(&mut self) -> &mut Self {
        self.lines.push(Item::Gap);
        self
    }

    /// Adds a QR code at the left margin, `size` points on a side (its
    /// quiet zone included; at least one point a module).
    pub fn qr(&mut self, qr: &Qr, size: u32) -> &mut Self {
        let module = (size / side(qr)).max(1);
        self.lines.push(Item::Qr(qr.clone(), module));
        self
    }

    /// The PDF file.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Lay the lines out into pages' content streams.
        let mut pages: Vec<String> = Vec::new();
        let mut content = String::new();
        let mut y = HEIGHT - MARGIN;
        for item in &self.lines {
            let step = item.height();
            if y < MARGIN + step {
                pages.push(std::mem::take(&mut content));
                y = HEIGHT - MARGIN;
            }
            y -= step;
            match item {
                Item::Gap => {}
                Item::Line(style, text) => {
                    let font = if style.bold() { "F2" } else { "F1" };
                    let _ = writeln!(
                        content,
                        "BT /{font} {} Tf {MARGIN} {y} Td ({}) Tj ET",
                        style.size(),
                        escaped(text)
                    );
                }
                Item::Qr(qr, module) => draw_qr(&mut content, qr, *module, MARGIN, y),
            }
        }
        pages.push(content);

        // Objects: 1 catalog, 2 pages, 3 and 4 the fonts, 5 the
        // information, then each page and its content stream.
        let first_page = 6;
        let kids: Vec<String> = (0..pages.len())
            .map(|i| format!("{} 0 R", first_page + 2 * i))
            .collect();
        let mut objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            format!(
                "<< /Type /Pages /Kids [{}] /Count {} >>",
                kids.join(" "),
                pages.len()
            )
            .into_bytes(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
                .to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
                .to_vec(),
            format!(
                "<< /Title ({}) /Producer (balint-accredit) >>",
                escaped(&self.title)
            )
            .into_bytes(),
        ];
        for (i, content) in pages.iter().enumerate() {
            let stream = first_page + 2 * i + 1;
            objects.push(
                format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] \
                     /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {stream} 0 R >>"
                )
                .into_bytes(),
            );
            let mut object = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            object.extend_from_slice(content.as_bytes());
            object.extend_from_slice(b"\nendstream");
            objects.push(object);
        }

        let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
        for offset in offsets {
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(table.as_bytes());
        out
    }
}

/// Draw `qr` with its quiet zone, its lower left corner at (`left`,
/// `bottom`): the quiet zone white, each row's run of dark modules one
/// black rectangle.
fn draw_qr(content: &mut String, qr: &Qr, module: u32, left: u32, bottom: u32) {
    let size = module * side(qr);
    let _ = writeln!(content, "q 1 g {left} {bottom} {size} {size} re f 0 g");
    let quiet = u32::try_from(QUIET_ZONE).unwrap_or_default();
    for (row, column, length) in qr.runs() {
        let (row, column, length) = (
            u32::try_from(row).unwrap_or_default(),
            u32::try_from(column).unwrap_or_default(),
            u32::try_from(length).unwrap_or_default(),
        );
        // PDF's y runs up the page; the code's rows run down.
        let x = left + module * (quiet + column);
        let y = bottom + size - module * (quiet + row + 1);
        let _ = writeln!(content, "{x} {y} {} {module} re", module * length);
    }
    let _ = writeln!(content, "f Q");
}

/// `text` as a PDF string's inside, in WinAnsi: ASCII as it is (with
/// `(`, `)` and `\` escaped), other characters the encoding has as octal
/// escapes, the rest as `?`.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => match win_ansi(c) {
                Some(byte) => {
                    let _ = write!(out, "\\{byte:03o}");
                }
                None => out.push('?'),
            },
        }
    }
    out
}

/// The WinAnsi byte for a character beyond ASCII, where there is one.
fn win_ansi(c: char) -> Option<u8> {
    let code = u32::from(c);
    if (0xA0..=0xFF).contains(&code) {
        return u8::try_from(code).ok();
    }
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        'Œ' => 0x8C,
        'œ' => 0x9C,
        'Š' => 0x8A,
        'š' => 0x9A,
        'Ž' => 0x8E,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_well_formed_file_whose_cross_references_point_at_the_objects() {
        let mut doc = Document::new("A (test)");
        doc.line(Style::Title, "Certificate")
            .gap()
            .line(Style::Body, "Grüße – ok (1) \\ ☃");
        let bytes = doc.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));
        assert!(text.contains("(Gr\\374\\337e \\226 ok \\(1\\) \\\\ ?) Tj"));
        // Each offset in the table is where its object begins.
        let xref_at: usize = text
            .lines()
            .rev()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or_default();
        let table = &text[xref_at..];
        for (i, entry) in table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .enumerate()
        {
            let offset: usize = entry[..10].parse().unwrap_or_default();
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {}",
                i + 1
            );
        }
    }

    #[test]
    fn long_text_wraps_and_fills_more_pages() {
        let mut doc = Document::new("t");
        for _ in 0..80 {
            doc.line(Style::Body, &"word ".repeat(40));
        }
        let text = String::from_utf8_lossy(&doc.to_bytes()).into_owned();
        // 200 characters wrap to three lines of about 80; 240 lines of
        // 16 points fill 44 to a page: six pages.
        assert!(text.contains("/Count 6"), "{}", &text[..400]);
    }

    #[test]
    fn a_qr_code_is_drawn_as_filled_rectangles_inside_the_page() {
        let qr = Qr::new("https://example.org/x").unwrap_or_else(|e| panic!("{e}"));
        let mut doc = Document::new("t");
        doc.line(Style::Title, "Certificate").qr(&qr, 150);
        let text = String::from_utf8_lossy(&doc.to_bytes()).into_owned();
        let rectangles = text.lines().filter(|l| l.ends_with(" re")).count();
        assert_eq!(rectangles, qr.runs().len());
        assert!(text.contains("q 1 g 64 "), "the white quiet zone first");
        assert!(text.contains("\nf Q\n"));
        assert!(text.contains("/Count 1"));
    }
}
