//! The cells of every CSV file the service and the command line write (the
//! register export, a ledger's export), made safe to open in a spreadsheet,
//! and read back by the imports (the register import, a logbook's bulk
//! upload, `ledger import`).
//!
//! A spreadsheet reads a cell that starts with `=`, `+`, `-` or `@` as a
//! formula, and some read one starting with a tab or a carriage return the
//! same way, so a region of `=HYPERLINK(...)` typed by anyone would run in
//! the registrar's spreadsheet (CSV injection). As OWASP advises, such a
//! cell is written with a single quote `'` before it, which spreadsheets
//! show as text and do not keep.
//!
//! Importing a file the service exported gives the same register: a cell
//! is written with one `'` more exactly when, past any quotes it already
//! starts with, it starts with one of those characters, and a cell read
//! back loses one `'` under the same condition. So `-Smith` is written
//! `'-Smith` and read back `-Smith`; a name typed as `'-Smith` is written
//! `''-Smith` and read back `'-Smith`; `O'Brien` and `'quoted'` are
//! written and read unchanged. A file made elsewhere is read the same way:
//! a cell `'=1+1` is read as `=1+1`.

use std::borrow::Cow;

/// What a spreadsheet may read as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell`, past the quotes it starts with, starts a formula.
fn starts_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(FORMULA_STARTS.as_slice())
}

/// `cell` as a CSV file carries it: with a `'` before it when a spreadsheet
/// could read it as a formula (see the module's docs).
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    if starts_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell read from a CSV file: without the `'` that [`neutralised`]
/// puts before it.
pub fn restored(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

/// A CSV file being written, every cell through [`neutralised`].
#[derive(Debug)]
pub struct CsvWriter {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for CsvWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvWriter {
    /// An empty file.
    pub fn new() -> Self {
        Self {
            writer: csv::Writer::from_writer(Vec::new()),
        }
    }

    /// Write one row.
    pub fn row<I, S>(&mut self, cells: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let row: Vec<String> = cells
            .into_iter()
            .map(|cell| neutralised(cell.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&row)?;
        Ok(())
    }

    /// The file's text.
    pub fn finish(self) -> anyhow::Result<String> {
        let bytes = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("writing CSV: {}", e.error()))?;
        Ok(String::from_utf8(bytes)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for (cell, written) in [
            ("=1+1", "'=1+1"),
            (
                r#"=HYPERLINK("http://evil.example","x")"#,
                r#"'=HYPERLINK("http://evil.example","x")"#,
            ),
            ("+61 2 5550 0000", "'+61 2 5550 0000"),
            ("-5", "'-5"),
            ("-Smith", "'-Smith"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            ("'=1+1", "''=1+1"),
            ("''-x", "'''-x"),
        ] {
            assert_eq!(neutralised(cell), written, "{cell:?}");
            assert_eq!(restored(written), cell, "{written:?}");
        }
    }

    #[test]
    fn other_cells_are_written_and_read_as_they_are() {
        for cell in [
            "",
            "Dunedin",
            "O'Brien",
            "'quoted'",
            "'",
            "''",
            "2026-03-01",
            "1.5",
            "a=b",
            "x-y",
            " =not first",
        ] {
            assert_eq!(neutralised(cell), cell, "{cell:?}");
            assert_eq!(restored(cell), cell, "{cell:?}");
        }
        // A cell made elsewhere with the quote a spreadsheet shows as text.
        assert_eq!(restored("'=1+1"), "=1+1");
    }

    #[test]
    fn every_cell_of_a_written_file_is_neutralised() {
        let mut file = CsvWriter::new();
        file.row(["region", "name"]).unwrap();
        file.row(["=1+1", "-Smith"]).unwrap();
        file.row([String::from("Otago"), String::from("@x")])
            .unwrap();
        assert_eq!(
            file.finish().unwrap(),
            "region,name\n'=1+1,'-Smith\nOtago,'@x\n"
        );
    }
}
