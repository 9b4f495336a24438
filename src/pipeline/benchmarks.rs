//! The published benchmarks file (`data/benchmarks.toml`, or the pipeline's top-level
//! `benchmarks = "path"`): engagement rates from public reports that the report sets beside
//! the campaigns' own (docs/metrics.md#benchmarks).
//!
//! Readings to keep:
//! - Absent file: no published benchmark, not an error (the default path is used only when
//!   it exists; `validate` says which file was read).
//! - Every entry names its source, year, platform, content type (or `all`), formula, basis
//!   and value (a fraction: 0.0063 for 0.63%). Unknown keys, an unknown formula or basis, a
//!   negative or non-finite value, a missing source or a repeated id are errors naming the
//!   file, the line and the key.
//! - Only [`RATIO_OF_SUMS`] is rallylens's own formula (Σ engagements / Σ basis over the
//!   posts); an entry with another formula is listed but never indexed against or drawn.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::PipelineError;

type Span = std::ops::Range<usize>;

/// The formula of rallylens's own engagement rates.
pub const RATIO_OF_SUMS: &str = "ratio_of_sums";

/// The formulas an entry may state: rallylens's own, and those published reports use.
pub const FORMULAS: &[&str] = &[RATIO_OF_SUMS, "mean_per_post", "median_per_post", "median_of_accounts"];

/// The bases an entry may state (those of docs/metrics.md#engagement-by-content-type).
pub const BASES: &[&str] = &crate::metrics::engagement::BASES;

/// The benchmark id of the own baseline rows: no published entry may take it.
pub const OWN_BASELINE: &str = "own_baseline";

/// The content type of an entry that holds for every content type of its platform.
pub const ALL: &str = "all";

/// One published benchmark, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub id: String,
    pub source: String,
    pub url: Option<String>,
    pub year: i64,
    /// Lower-case.
    pub platform: String,
    /// Lower-case; [`ALL`] for every content type.
    pub content_type: String,
    pub formula: String,
    pub basis: String,
    pub value: f64,
}

impl Published {
    /// The entry applies to the group (platform, content type).
    pub fn applies_to(&self, platform: &str, content_type: &str) -> bool {
        self.platform == platform.to_lowercase() && (self.content_type == ALL || self.content_type == content_type)
    }
    /// The source as the report names it: "source, year".
    pub fn cited(&self) -> String {
        format!("{}, {}", self.source, self.year)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    benchmarks: Vec<Spanned<Entry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: Spanned<String>,
    source: Spanned<String>,
    url: Option<String>,
    year: Spanned<i64>,
    platform: String,
    content_type: String,
    formula: Spanned<String>,
    basis: Spanned<String>,
    value: Spanned<f64>,
}

/// Reads the file at `path` when it exists: `Ok(None)` when it does not.
pub fn load(path: &Path) -> Result<Option<Vec<Published>>, PipelineError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(PipelineError {
                file: path.display().to_string(),
                line: 0,
                key: "(file)".into(),
                msg: format!("cannot read the benchmarks file: {e}"),
            })
        }
    };
    parse(path, &text).map(Some)
}

/// Parses and checks the text of a benchmarks file; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Published>, PipelineError> {
    let src = super::file::Src { file: path.display().to_string(), text };
    let file: File = toml::from_str(text).map_err(|e| src.toml_error(&e))?;
    let mut out: Vec<Published> = Vec::new();
    for (i, e) in file.benchmarks.iter().enumerate() {
        let e = e.get_ref();
        // Each error on the line of its key.
        let err = |k: &str, span: Span, msg: String| src.err(&span, format!("benchmarks[{i}].{k}"), msg);
        let id = e.id.get_ref().trim();
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(err("id", e.id.span(), format!("'{id}' is not a usable id: a word without spaces")));
        }
        if id == OWN_BASELINE {
            return Err(err(
                "id",
                e.id.span(),
                format!("'{OWN_BASELINE}' names the own baseline rows; choose another id"),
            ));
        }
        if out.iter().any(|o| o.id == id) {
            return Err(err("id", e.id.span(), format!("the id '{id}' is used by two entries")));
        }
        if e.source.get_ref().trim().is_empty() {
            let msg = "an entry needs its source: who published the figure, and where".to_string();
            return Err(err("source", e.source.span(), msg));
        }
        let (formula, basis, value, year) =
            (e.formula.get_ref(), e.basis.get_ref(), *e.value.get_ref(), *e.year.get_ref());
        if !FORMULAS.contains(&formula.as_str()) {
            let msg = format!("unknown formula '{formula}'; expected one of {}", FORMULAS.join(", "));
            return Err(err("formula", e.formula.span(), msg));
        }
        if !BASES.contains(&basis.as_str()) {
            return Err(err(
                "basis",
                e.basis.span(),
                format!("unknown basis '{basis}'; expected one of {}", BASES.join(", ")),
            ));
        }
        if !(value.is_finite() && value >= 0.0) {
            let msg = format!("{value} is not a rate: expected a fraction ≥ 0, like 0.0063 for 0.63%");
            return Err(err("value", e.value.span(), msg));
        }
        if !(1900..=2200).contains(&year) {
            return Err(err("year", e.year.span(), format!("{year} is not a year of publication")));
        }
        out.push(Published {
            id: id.to_string(),
            source: e.source.get_ref().trim().to_string(),
            url: e.url.clone(),
            year,
            platform: e.platform.trim().to_lowercase(),
            content_type: e.content_type.trim().to_lowercase(),
            formula: formula.clone(),
            basis: basis.clone(),
            value,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "\n[[benchmarks]]\nid = \"x\"\nsource = \"Report\"\nyear = 2024\nplatform = \"Facebook\"\n\
                       content_type = \"all\"\nformula = \"ratio_of_sums\"\nbasis = \"followers\"\nvalue = 0.0063\n";

    fn p(t: &str) -> Result<Vec<Published>, PipelineError> {
        parse(Path::new("b.toml"), t)
    }

    #[test]
    fn an_entry_is_read_and_matched() {
        let v = p(ONE).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].platform.as_str(), v[0].value, v[0].cited()), ("facebook", 0.0063, "Report, 2024".into()));
        assert!(v[0].applies_to("facebook", "photo") && !v[0].applies_to("twitter", "photo"));
        // An empty file (comments only) has no entry.
        assert_eq!(p("# nothing yet\n").unwrap(), vec![]);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        // Lines of ONE: 1 blank, 2 [[benchmarks]], 3 id, 4 source, 5 year, 6 platform,
        // 7 content_type, 8 formula, 9 basis, 10 value.
        let e = p(&ONE.replace("ratio_of_sums", "average")).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.key.as_str()), ("b.toml", 8, "benchmarks[0].formula"), "{e}");
        assert!(e.msg.starts_with("unknown formula 'average'; expected one of ratio_of_sums, "), "{}", e.msg);
        let e = p(&ONE.replace("followers", "views")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (9, "benchmarks[0].basis"));
        let e = p(&ONE.replace("0.0063", "-1.0")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (10, "benchmarks[0].value"));
        let e = p(&ONE.replace("\"x\"", "\"own_baseline\"")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "benchmarks[0].id"));
        // The second entry's id is on line 10 + 3.
        let e = p(&format!("{ONE}{ONE}")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (13, "benchmarks[1].id"), "{e}");
        // An unknown key: named by serde, on its own line (line 11).
        let e = p(&format!("{ONE}colour = \"red\"\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (11, "colour"), "{e}");
        // A value of the wrong type, on line 5: the key on that line.
        let e = p(&ONE.replace("year = 2024", "year = \"2024\"")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (5, "year"), "{e}");
    }

    #[test]
    fn an_absent_file_is_no_entry() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(load(&d.path().join("none.toml")).unwrap(), None);
        std::fs::write(d.path().join("b.toml"), ONE).unwrap();
        assert_eq!(load(&d.path().join("b.toml")).unwrap().map(|v| v.len()), Some(1));
    }
}
