//! Reading a `multipart/form-data` body (RFC 7578), as a page's form with
//! a file sends it: no script, no extra crate.

use crate::error::ApiError;

/// One part of a `multipart/form-data` body.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// The file's name, for a file.
    pub filename: Option<String>,
    /// What was sent.
    pub data: Vec<u8>,
}

/// The parts of a `multipart/form-data` body (RFC 7578) whose type
/// header is `content_type`; a body that is not one is a bad request.
pub fn multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, ApiError> {
    let unreadable = || {
        ApiError::bad_request(
            "form",
            "the form must be sent as multipart/form-data with its parts",
        )
    };
    let (essence, parameters) = content_type.split_once(';').ok_or_else(unreadable)?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(unreadable());
    }
    let boundary = parameters
        .split(';')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or_else(unreadable)?;
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    let starts: Vec<usize> = finder.find_iter(body).collect();
    let mut parts = Vec::new();
    let mut closed = false;
    for pair in starts.windows(2) {
        let segment = &body[pair[0] + delimiter.len()..pair[1]];
        let segment = segment.strip_prefix(b"\r\n").ok_or_else(unreadable)?;
        let segment = segment.strip_suffix(b"\r\n").ok_or_else(unreadable)?;
        let end = memchr::memmem::find(segment, b"\r\n\r\n").ok_or_else(unreadable)?;
        let headers = std::str::from_utf8(&segment[..end]).map_err(|_| unreadable())?;
        let disposition = headers
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-disposition"))
            .map(|(_, value)| value)
            .ok_or_else(unreadable)?;
        let parameter = |wanted: &str| {
            disposition
                .split(';')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, v)| v.trim().trim_matches('"').replace("%22", "\""))
        };
        parts.push(Part {
            name: parameter("name").ok_or_else(unreadable)?,
            filename: parameter("filename"),
            data: segment[end + 4..].to_vec(),
        });
    }
    if let Some(last) = starts.last() {
        closed = body[last + delimiter.len()..].starts_with(b"--");
    }
    if closed {
        Ok(parts)
    } else {
        Err(unreadable())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_is_read_part_by_part() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n\
--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(
            parts,
            [
                Part {
                    name: "csrf".to_owned(),
                    filename: None,
                    data: b"abc".to_vec()
                },
                Part {
                    name: "file".to_owned(),
                    filename: Some("r.csv".to_owned()),
                    data: b"a,b\r\n1,2\r\n".to_vec()
                },
            ]
        );
        assert!(multipart("application/x-www-form-urlencoded", b"a=1").is_err());
        assert!(multipart("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_err());
    }
}
