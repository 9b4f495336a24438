//! What the command line says about itself outside `--help`: shell completions
//! (`rallylens completions SHELL`, clap_complete) and manual pages (`rallylens man`,
//! clap_mangen). Both are built from [`Cli::command`], which carries the package version
//! without the git commit, so `docs/man/` changes only when the interface does (a test
//! compares it with [`man_pages`]).

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    clap_complete::generate(shell, &mut Cli::command(), "rallylens", out);
}

/// Every manual page as (file name, roff bytes): `rallylens.1` first, then one page per
/// command (`rallylens-ingest.1`, ...), as `clap_mangen::generate_to` names them.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>> {
    fn walk(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut buf = Vec::new();
        man.render(&mut buf)?;
        let page = String::from_utf8(buf).expect("roff is UTF-8");
        pages.push((man.get_filename(), sections_from_extra(&page).into_bytes()));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), pages)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    walk(cmd, &mut pages).context("rendering the manual pages")?;
    Ok(pages)
}

/// clap_mangen puts the `after_help` text under one "EXTRA" heading as filled text, which
/// runs the exit-code table together; here each "Heading:" block of it becomes a section
/// of its own (OUTPUT, EXIT CODES), its lines kept as written.
fn sections_from_extra(page: &str) -> String {
    const EXTRA: &str = ".SH EXTRA\n";
    let Some(start) = page.find(EXTRA) else { return page.to_string() };
    let body = start + EXTRA.len();
    let end = page[body..].find("\n.SH ").map_or(page.len(), |i| body + i + 1);
    let mut out = page[..start].to_string();
    for block in page[body..end].trim_end().split("\n\n") {
        let (head, lines) = block.split_once('\n').unwrap_or((block, ""));
        out.push_str(&format!(".SH {}\n.nf\n{lines}\n.fi\n", head.trim_end_matches(':').to_uppercase()));
    }
    out.push_str(&page[end..]);
    out
}

/// Writes [`man_pages`] into `dir`; returns how many.
pub fn write_man_pages(dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let pages = man_pages()?;
    for (name, bytes) in &pages {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(pages.len())
}
