//! Baked badges, as Open Badges 3.0 bakes a credential into an image: a
//! PNG with an `iTXt` chunk of keyword `openbadgecredential` holding the
//! signed credential (uncompressed, no language tag, no translated
//! keyword), and, in [`super::documents::baked_svg`], an SVG with an
//! `<openbadges:credential>` element. And the way back: the credential
//! read out of a file someone brings (its JSON, or a baked PNG or SVG).

use serde_json::Value;

/// The keyword of the `iTXt` chunk a PNG badge carries its credential in.
pub const PNG_KEYWORD: &str = "openbadgecredential";

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The side of the PNG badge, in pixels.
const SIDE: u32 = 256;

/// Why a PNG could not be made.
#[derive(Debug, thiserror::Error)]
#[error("PNG badge: {0}")]
pub struct PngError(#[from] png::EncodingError);

/// The badge as a PNG image (a medal: a ring on a light disc, a check mark
/// inside) with `signed_json`, the signed credential as issued, in its
/// `iTXt` chunk `openbadgecredential`.
pub fn baked_png(signed_json: &str) -> Result<Vec<u8>, PngError> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, SIDE, SIDE);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.add_itxt_chunk(PNG_KEYWORD.to_owned(), signed_json.to_owned())?;
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&medal())?;
        writer.finish()?;
    }
    Ok(out)
}

/// The badge's pixels, RGBA, row by row: the colours of the SVG badge.
fn medal() -> Vec<u8> {
    const PAPER: [u8; 4] = [0xf4, 0xf1, 0xea, 0xff];
    const INK: [u8; 4] = [0x2f, 0x48, 0x58, 0xff];
    const CLEAR: [u8; 4] = [0, 0, 0, 0];
    let centre = f64::from(SIDE) / 2.0;
    let mut pixels = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (dx, dy) = (f64::from(x) + 0.5 - centre, f64::from(y) + 0.5 - centre);
            let r = (dx * dx + dy * dy).sqrt() / centre;
            // The check mark: two strokes, from (-0.35, 0) down to
            // (-0.1, 0.25), and up to (0.4, -0.3), in units of the radius.
            let (u, v) = (dx / centre, dy / centre);
            let near = |(ax, ay): (f64, f64), (bx, by): (f64, f64)| {
                let (px, py) = (bx - ax, by - ay);
                let t = (((u - ax) * px + (v - ay) * py) / (px * px + py * py)).clamp(0.0, 1.0);
                let (cx, cy) = (ax + t * px - u, ay + t * py - v);
                (cx * cx + cy * cy).sqrt() < 0.07
            };
            let ring = r > 0.88 || (0.78..0.8).contains(&r);
            let check = near((-0.35, 0.0), (-0.1, 0.25)) || near((-0.1, 0.25), (0.4, -0.3));
            let colour = if r > 0.98 {
                CLEAR
            } else if ring || check {
                INK
            } else {
                PAPER
            };
            pixels.extend_from_slice(&colour);
        }
    }
    pixels
}

/// Why a file holds no credential this service can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotBaked {
    /// A PNG without an `openbadgecredential` chunk.
    #[error("this PNG image holds no credential: it is not a baked badge")]
    PngWithout,
    /// A PNG whose chunks end before they should.
    #[error("this PNG image is damaged: its chunks end early")]
    PngDamaged,
    /// An SVG without an `<openbadges:credential>` element.
    #[error("this SVG image holds no credential: it is not a baked badge")]
    SvgWithout,
    /// A badge holding a credential as a compact JWT, not as JSON.
    #[error("this badge holds its credential as a JWT; only JSON credentials (with a Data Integrity proof) are checked here")]
    Jwt,
    /// Neither JSON, nor a PNG or SVG image.
    #[error("this file is neither a credential (JSON) nor a baked badge (PNG or SVG)")]
    Unknown,
}

/// The credential a file holds: the file itself when it is JSON, the text
/// baked into it when it is a PNG or SVG badge. The text is given back as
/// it is found (its JSON is read by the caller).
pub fn credential_in(file: &[u8]) -> Result<String, NotBaked> {
    if file.starts_with(PNG_SIGNATURE) {
        return from_png(file);
    }
    let text = std::str::from_utf8(file).map_err(|_| NotBaked::Unknown)?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.starts_with('{') {
        return Ok(text.to_owned());
    }
    if text.starts_with('<') && text.contains("<svg") {
        return from_svg(text);
    }
    Err(NotBaked::Unknown)
}

/// The text of the first `iTXt` chunk `openbadgecredential` of a PNG.
fn from_png(file: &[u8]) -> Result<String, NotBaked> {
    let mut rest = &file[PNG_SIGNATURE.len()..];
    while rest.len() >= 12 {
        let length = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = &rest[4..8];
        let data = rest
            .get(8..8usize.saturating_add(length))
            .ok_or(NotBaked::PngDamaged)?;
        if kind == b"iTXt" {
            if let Some(text) = itxt(data)? {
                return Ok(text);
            }
        }
        if kind == b"IEND" {
            break;
        }
        // The data, then its CRC.
        rest = rest.get(8 + length + 4..).ok_or(NotBaked::PngDamaged)?;
    }
    Err(NotBaked::PngWithout)
}

/// The text of an `iTXt` chunk's data, if its keyword is the credential's:
/// keyword, NUL, compression flag and method, language tag, NUL,
/// translated keyword, NUL, text (UTF-8).
fn itxt(data: &[u8]) -> Result<Option<String>, NotBaked> {
    let mut fields = data.splitn(2, |&b| b == 0);
    let keyword = fields.next().unwrap_or_default();
    if keyword != PNG_KEYWORD.as_bytes() {
        return Ok(None);
    }
    let rest = fields.next().ok_or(NotBaked::PngDamaged)?;
    let (&compressed, rest) = rest.split_first().ok_or(NotBaked::PngDamaged)?;
    let rest = rest.get(1..).ok_or(NotBaked::PngDamaged)?;
    let mut fields = rest.splitn(3, |&b| b == 0);
    let (_language, _translated) = (fields.next(), fields.next());
    let text = fields.next().ok_or(NotBaked::PngDamaged)?;
    let text = if compressed == 0 {
        text.to_vec()
    } else {
        // The specification says the chunk is not compressed; read one
        // that is anyway, up to the size of the chunk's own limit.
        use std::io::Read as _;
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(text)
            .take(8 * 1024 * 1024)
            .read_to_end(&mut out)
            .map_err(|_| NotBaked::PngDamaged)?;
        out
    };
    let text = String::from_utf8(text).map_err(|_| NotBaked::PngDamaged)?;
    let text = text.trim();
    if text.starts_with('{') {
        Ok(Some(text.to_owned()))
    } else {
        Err(NotBaked::Jwt)
    }
}

/// The content of an SVG's `<openbadges:credential>` element: its
/// character data (CDATA sections as they are, entities read), or a JWT
/// in its `verify` attribute.
fn from_svg(svg: &str) -> Result<String, NotBaked> {
    const OPEN: &str = "<openbadges:credential";
    const CLOSE: &str = "</openbadges:credential>";
    let start = svg.find(OPEN).ok_or(NotBaked::SvgWithout)?;
    let tag_end = svg[start..].find('>').ok_or(NotBaked::SvgWithout)? + start;
    let tag = &svg[start..tag_end];
    if tag.ends_with('/') || tag.contains("verify=") {
        return Err(NotBaked::Jwt);
    }
    let end = svg[tag_end..].find(CLOSE).ok_or(NotBaked::SvgWithout)? + tag_end;
    let mut inside = &svg[tag_end + 1..end];
    let mut text = String::new();
    while !inside.is_empty() {
        if let Some(after) = inside.strip_prefix("<![CDATA[") {
            let close = after.find("]]>").ok_or(NotBaked::SvgWithout)?;
            text.push_str(&after[..close]);
            inside = &after[close + 3..];
        } else {
            let next = inside.find("<![CDATA[").unwrap_or(inside.len());
            text.push_str(&entities(&inside[..next]));
            inside = &inside[next..];
        }
    }
    let text = text.trim();
    if text.starts_with('{') {
        Ok(text.to_owned())
    } else if text.is_empty() {
        Err(NotBaked::SvgWithout)
    } else {
        Err(NotBaked::Jwt)
    }
}

/// XML's predefined entities, read.
fn entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The credential a file holds, read as a JSON object.
pub fn credential_json(file: &[u8]) -> Result<Option<Value>, NotBaked> {
    let text = credential_in(file)?;
    Ok(serde_json::from_str::<Value>(&text)
        .ok()
        .filter(Value::is_object))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_baked_png_gives_back_its_credential_byte_for_byte() {
        let signed = "{\n  \"name\": \"Grüße ]]> <x>\"\n}";
        let png = baked_png(signed).unwrap();
        assert!(png.starts_with(PNG_SIGNATURE));
        assert_eq!(credential_in(&png).unwrap(), signed);
        // Read by an ordinary decoder: a 256-pixel square with the chunk.
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png))
            .read_info()
            .unwrap();
        assert_eq!((reader.info().width, reader.info().height), (256, 256));
        let chunk = &reader.info().utf8_text[0];
        assert_eq!(chunk.keyword, PNG_KEYWORD);
        assert!(!chunk.compressed);
        let mut pixels = vec![0; reader.output_buffer_size()];
        reader.next_frame(&mut pixels).unwrap();
    }

    #[test]
    fn a_baked_svg_gives_back_its_credential() {
        let credential = json!({"name": "A ]]> B", "issuer": {"name": "C & D"}});
        let signed = serde_json::to_string_pretty(&credential).unwrap();
        let svg = super::super::documents::baked_svg(&credential, &signed);
        assert_eq!(credential_in(svg.as_bytes()).unwrap(), signed);
        let escaped = "<svg><openbadges:credential>{&quot;a&quot;: &quot;&lt;&amp;&quot;}</openbadges:credential></svg>";
        assert_eq!(
            credential_json(escaped.as_bytes()).unwrap(),
            Some(json!({"a": "<&"}))
        );
    }

    #[test]
    fn files_without_a_credential_say_why() {
        let plain_png = {
            let mut out = Vec::new();
            let mut encoder = png::Encoder::new(&mut out, 1, 1);
            encoder.set_color(png::ColorType::Grayscale);
            encoder
                .write_header()
                .unwrap()
                .write_image_data(&[0])
                .unwrap();
            out
        };
        assert_eq!(credential_in(&plain_png), Err(NotBaked::PngWithout));
        assert_eq!(credential_in(&plain_png[..20]), Err(NotBaked::PngDamaged));
        assert_eq!(
            credential_in(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            Err(NotBaked::SvgWithout)
        );
        assert_eq!(
            credential_in(b"<svg><openbadges:credential verify=\"eyJ.x.y\"/></svg>"),
            Err(NotBaked::Jwt)
        );
        assert_eq!(credential_in(b"GIF89a"), Err(NotBaked::Unknown));
        assert_eq!(credential_in(&[0xff, 0xfe, 0]), Err(NotBaked::Unknown));
        assert_eq!(credential_json(b"{ not json").unwrap(), None);
    }
}
