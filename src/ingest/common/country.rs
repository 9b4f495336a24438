//! Country cells of an export read into the lake's `country` (ISO 3166-1 alpha-2, upper
//! case) through [`crate::schema::country::lookup`].
//!
//! Readings to keep:
//! - A code in any case, an alpha-3 code or an English name reads; a placeholder such as
//!   `(not set)` is null without a word.
//! - A value the table does not know is null, and [`Countries::warnings`] gives ONE warning
//!   per column of the file with the first line and the count, quoting no cell: the column
//!   may sit in a supporter export (an address), and its neighbours may not be a country.
//!
//! User docs: docs/lake.md#actions, docs/formats.md (each format's country column).

use std::collections::BTreeMap;

use crate::schema::country::{lookup, Lookup};
use crate::schema::Warning;

/// The country cells of one input (see the module docs).
#[derive(Debug, Default)]
pub struct Countries {
    /// column -> (first line, cells not read)
    unknown: BTreeMap<String, (u64, u64)>,
}

impl Countries {
    /// The alpha-2 code of `cell`, read from `column` at `line`; `None` for a blank, a
    /// placeholder or (noted for the warning) a value that is no country.
    pub fn read(&mut self, column: &str, line: u64, cell: &str) -> Option<String> {
        match lookup(cell) {
            Lookup::Known(code) => Some(code.to_string()),
            Lookup::Unset => None,
            Lookup::Unknown => {
                let e = self.unknown.entry(column.to_string()).or_insert((line, 0));
                e.0 = e.0.min(line);
                e.1 += 1;
                None
            }
        }
    }

    /// One warning per column with unknown values; the tally is emptied.
    pub fn warnings(&mut self, file: &str) -> Vec<Warning> {
        std::mem::take(&mut self.unknown)
            .into_iter()
            .map(|(column, (line, n))| {
                Warning::at(
                    file,
                    line,
                    format!(
                        "{n} cell(s) of column '{column}' are not an ISO 3166-1 country code or a country name \
                         rallylens knows (the first on this line; not shown): their country is left null"
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_column_with_the_count_and_no_cell() {
        let mut c = Countries::default();
        let got: Vec<Option<String>> = [
            ("country", 2, "ke"),
            ("country", 3, "Atlantis"),
            ("country", 4, "(not set)"),
            ("geo.country", 9, "Kosovo"),
            ("country", 5, "Lemuria"),
            ("country", 6, "United States"),
        ]
        .iter()
        .map(|(col, line, v)| c.read(col, *line, v))
        .collect();
        assert_eq!(got, [Some("KE".to_string()), None, None, None, None, Some("US".into())]);
        // 'country': Atlantis (line 3) and Lemuria (line 5) = 2 cells, first on line 3;
        // '(not set)' is no warning. 'geo.country': 1 cell.
        let w: Vec<String> = c.warnings("f.csv").iter().map(Warning::to_string).collect();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("f.csv, line 3: 2 cell(s) of column 'country'"), "{w:?}");
        assert!(w[1].starts_with("f.csv, line 9: 1 cell(s) of column 'geo.country'"), "{w:?}");
        assert!(w.iter().all(|m| !m.contains("Atlantis") && !m.contains("Lemuria") && !m.contains("Kosovo")));
        assert!(c.warnings("f.csv").is_empty());
    }
}
