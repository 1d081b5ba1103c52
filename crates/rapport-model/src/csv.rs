//! Figures as CSV, the way spreadsheets read them: RFC 4180 quoting by the `csv` crate, one
//! header row, and any text a spreadsheet would run as a formula made plain (OWASP's advice
//! on CSV injection: a cell starting `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! leading apostrophe). Numbers stay numbers.

/// A row of an exported table: its columns' names and its cells, in the same order.
pub trait CsvRow {
    const HEADER: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// `rows` as a CSV document, header first, lines ended by CRLF as RFC 4180 says.
pub fn table<R: CsvRow>(rows: &[R]) -> String {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut write = |cells: &mut dyn Iterator<Item = String>| {
        // Writing to memory cannot fail, and every row has the header's width.
        let _ = out.write_record(cells.map(|c| cell(&c)));
    };
    write(&mut R::HEADER.iter().map(|h| (*h).to_owned()));
    for r in rows {
        let cells = r.cells();
        debug_assert_eq!(cells.len(), R::HEADER.len(), "a row has a cell for each column");
        write(&mut cells.into_iter());
    }
    let bytes = out.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// One cell: a number as it is, a text that would start a formula behind an apostrophe.
pub fn cell(value: &str) -> String {
    let number = value.parse::<f64>().is_ok_and(f64::is_finite);
    if !number && value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() }
}

/// A share (0 to 1) to four places, as the exports write rates.
pub fn share(v: f64) -> String {
    format!("{v:.4}")
}

/// An instant (milliseconds since 1970) as exports write it: UTC to the second,
/// `2026-12-03T10:30:00Z`; empty if it is out of range.
pub fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// An optional figure: empty when there is none.
pub fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, i64);

    impl CsvRow for Row {
        const HEADER: &'static [&'static str] = &["name", "count"];
        fn cells(&self) -> Vec<String> {
            vec![self.0.to_owned(), self.1.to_string()]
        }
    }

    #[test]
    fn cells_are_quoted_when_they_must_be_and_never_run_as_formulas() {
        let doc = table(&[
            Row("Dr Rao", 3),
            Row("Rao, Asha", -2),
            Row("say \"hi\"", 0),
            Row("=HYPERLINK(\"x\")", 1),
            Row("-1+1", 1),
            Row("two\nlines", 1),
        ]);
        assert_eq!(
            doc,
            "name,count\r\nDr Rao,3\r\n\"Rao, Asha\",-2\r\n\"say \"\"hi\"\"\",0\r\n\"'=HYPERLINK(\"\"x\"\")\",1\r\n'-1+1,1\r\n\"two\nlines\",1\r\n"
        );
        assert_eq!(cell("-3.5"), "-3.5", "a negative number is a number");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-inf"), "'-inf", "not a finite number: text");
    }
}
