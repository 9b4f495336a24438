//! The report: one document model ([`Block`]s) written twice, as a self-contained
//! `report.html` (inline CSS and SVG charts, no script from elsewhere, no network) and as
//! `report.md` (PNG charts beside it in `charts/`).
//!
//! Everything in the report comes from the metric tables, `metrics.json` and the lake's
//! manifest, formatted with fixed rules (thousands separators, one decimal for
//! percentages, `—` with a numbered note for a figure that is null and why), so the same
//! inputs give the same bytes apart from the one "Generated" line.
//!
//! - `model`: the blocks, and the sections that fill them from the metric tables;
//! - `goals`: the goal scorecard at the top;
//! - `html` and `markdown`: the two writers;
//! - `compare`: the blocks of `rallylens compare`'s report, from the same sections.

mod compare;
mod goals;
mod html;
mod markdown;
mod model;

pub use compare::{compare_document, FolderRow};
pub use html::to_html;
pub use markdown::to_markdown;
pub use model::{document, Block, InputRow, Provenance, Table};
