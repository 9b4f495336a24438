//! Key accounts and the naming settings of `top_voices` in a pipeline file
//! (docs/pipeline.md#key-accounts): checked here and set on each [`Campaign`].
//!
//! - A key account is (platform, account, label). `platform` is lower-cased; `account` is
//!   a handle (a leading `@` dropped, lower-cased) or an account id; `label` is free text
//!   (`organisation`, `expert`, `media`, `official` are the usual ones), trimmed, absent
//!   when empty.
//! - A campaign's list is, in order: the top-level `key_accounts_file`, the top-level
//!   `[[key_accounts]]`, the campaign's `key_accounts_file`, the campaign's `key_accounts`.
//!   The same (platform, account) listed twice keeps its place of first mention and the
//!   label of its last: a campaign can relabel a shared account.
//! - CSV files have a header row naming `platform`, `account` and optionally `label`, in any
//!   order (other columns are ignored); relative paths are relative to the project folder
//!   like every path of the file. An error names the CSV file, its line and the column.
//! - `min_followers_to_name` (default 5,000) and `top_voices` (default 20) are top-level
//!   with a per-campaign override; both are whole numbers ≥ 0.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::file::{KeyAccountEntry, PipelineFile, Src};
use super::PipelineError;
use crate::schema::{Campaign, KeyAccount};

/// The default of `min_followers_to_name`.
pub const MIN_FOLLOWERS_TO_NAME: i64 = 5_000;
/// The default of `top_voices`.
pub const TOP_VOICES: usize = 20;

/// Sets each campaign's key accounts, `min_followers_to_name` and `top_voices` from the
/// file (the campaigns are `file.campaigns`, checked, in order).
pub(super) fn apply(
    src: &Src,
    file: &PipelineFile,
    at: &dyn Fn(&Path) -> PathBuf,
    campaigns: &mut [Campaign],
) -> Result<(), PipelineError> {
    let mut shared = Vec::new();
    if let Some(f) = &file.key_accounts_file {
        shared.extend(read_csv(src, f, "key_accounts_file", at)?);
    }
    shared.extend(entries(src, &file.key_accounts, "key_accounts")?);
    let min_top = whole(src, &file.min_followers_to_name, "min_followers_to_name")?;
    let top_top = whole(src, &file.top_voices, "top_voices")?;
    for (i, (c, entry)) in campaigns.iter_mut().zip(&file.campaigns).enumerate() {
        let e = entry.get_ref();
        let key = |k: &str| format!("campaigns[{i}].{k}");
        let mut list = shared.clone();
        if let Some(f) = &e.key_accounts_file {
            list.extend(read_csv(src, f, &key("key_accounts_file"), at)?);
        }
        list.extend(entries(src, &e.key_accounts, &key("key_accounts"))?);
        c.key_accounts = merge(list);
        c.min_followers_to_name = whole(src, &e.min_followers_to_name, &key("min_followers_to_name"))?
            .or(min_top)
            .unwrap_or(MIN_FOLLOWERS_TO_NAME);
        c.top_voices = whole(src, &e.top_voices, &key("top_voices"))?.or(top_top).map_or(TOP_VOICES, |n| n as usize);
    }
    Ok(())
}

/// A whole number ≥ 0, or None when absent.
fn whole(src: &Src, v: &Option<Spanned<i64>>, key: &str) -> Result<Option<i64>, PipelineError> {
    match v {
        Some(n) if *n.get_ref() < 0 => {
            Err(src.err(&n.span(), key, format!("{} is negative; expected a whole number of 0 or more", n.get_ref())))
        }
        Some(n) => Ok(Some(*n.get_ref())),
        None => Ok(None),
    }
}

/// Keeps the first place and the last label of each (platform, account).
fn merge(list: Vec<KeyAccount>) -> Vec<KeyAccount> {
    let mut out: Vec<KeyAccount> = Vec::new();
    for k in list {
        match out.iter_mut().find(|o| o.platform == k.platform && o.account == k.account) {
            Some(o) => o.label = k.label,
            None => out.push(k),
        }
    }
    out
}

/// One key account checked: Err(column, what is wrong).
fn key_account(platform: &str, account: &str, label: Option<&str>) -> Result<KeyAccount, (&'static str, String)> {
    let platform = platform.trim().to_lowercase();
    if platform.is_empty() || !platform.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-') {
        return Err(("platform", "expected a platform name like twitter, facebook or instagram".into()));
    }
    let account = account.trim().trim_start_matches('@').to_lowercase();
    if account.is_empty() || account.chars().any(char::is_whitespace) {
        return Err(("account", "expected a handle (with or without @) or an account id, without spaces".into()));
    }
    let label = label.map(str::trim).filter(|l| !l.is_empty()).map(String::from);
    Ok(KeyAccount { platform, account, label })
}

/// Key accounts written in the pipeline file; an error names `key[i].<field>` and its line.
fn entries(src: &Src, list: &[Spanned<KeyAccountEntry>], key: &str) -> Result<Vec<KeyAccount>, PipelineError> {
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let r = e.get_ref();
            key_account(&r.platform, &r.account, r.label.as_deref())
                .map_err(|(field, msg)| src.err(&e.span(), format!("{key}[{i}].{field}"), msg))
        })
        .collect()
}

/// The key accounts of a CSV file (see the module docs).
fn read_csv(
    src: &Src,
    path: &Spanned<PathBuf>,
    key: &str,
    at: &dyn Fn(&Path) -> PathBuf,
) -> Result<Vec<KeyAccount>, PipelineError> {
    let full = at(path.get_ref());
    let text = std::fs::read_to_string(&full).map_err(|e| {
        src.err(&path.span(), key, format!("cannot read the key accounts file {}: {e}", full.display()))
    })?;
    let shown = full.display().to_string();
    let at_line = |line: u64, column: &str, msg: String| PipelineError {
        file: shown.clone(),
        line: line as usize,
        key: column.to_string(),
        msg,
    };
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| at_line(1, "(header)", format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(platform), Some(account)) = (col("platform"), col("account")) else {
        return Err(at_line(
            1,
            "(header)",
            format!("expected the columns platform, account and optionally label; found {}", headers.join(", ")),
        ));
    };
    let label = col("label");
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at_line(line, "(row)", format!("not a CSV row of {} columns: {e}", headers.len()))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let k = key_account(cell(platform), cell(account), label.map(cell))
            .map_err(|(field, msg)| at_line(line, field, msg))?;
        out.push(k);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::pipeline::Pipeline;

    const BASE: &str = "[output]\ndir = 'o'\n";
    const CAMPAIGN: &str = "[[campaigns]]\nid = 'shell'\nstart = 2012-10-01\nend = 2012-10-21\n";

    fn parse_in(dir: &std::path::Path, text: &str) -> Result<Pipeline, crate::pipeline::PipelineError> {
        Pipeline::parse(&dir.join("p.toml"), text)
    }

    #[test]
    fn shared_file_and_campaign_lists_merge_in_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("keys.csv"),
            "\u{feff}Account,Platform,Label,notes\n@DeltaWatch,Twitter,organisation,x\n\n12345,facebook,,\n",
        )
        .unwrap();
        let text = format!(
            "key_accounts_file = 'keys.csv'\nmin_followers_to_name = 1000\n{BASE}\
             [[key_accounts]]\nplatform = 'twitter'\naccount = 'Dr_Eze'\nlabel = ' expert '\n\
             {CAMPAIGN}key_accounts = [{{ platform = 'twitter', account = '@deltawatch', label = 'NGO' }},\
             {{ platform = 'twitter', account = 'news' }}]\ntop_voices = 5\n\
             [[campaigns]]\nid = 'k'\nstart = 2008-02-27\nend = 2008-03-26\nmin_followers_to_name = 0\n"
        );
        let p = parse_in(d.path(), &text).unwrap();
        let shown = |i: usize| -> Vec<String> {
            p.campaigns[i]
                .key_accounts
                .iter()
                .map(|k| format!("{}:{}:{}", k.platform, k.account, k.label.as_deref().unwrap_or("-")))
                .collect()
        };
        // deltawatch keeps its first place (the file) and takes the campaign's label.
        assert_eq!(shown(0), ["twitter:deltawatch:NGO", "facebook:12345:-", "twitter:dr_eze:expert", "twitter:news:-"]);
        assert_eq!(shown(1), ["twitter:deltawatch:organisation", "facebook:12345:-", "twitter:dr_eze:expert"]);
        assert_eq!((p.campaigns[0].min_followers_to_name, p.campaigns[0].top_voices), (1000, 5));
        assert_eq!((p.campaigns[1].min_followers_to_name, p.campaigns[1].top_voices), (0, 20));
    }

    #[test]
    fn defaults_without_any_key() {
        let d = tempfile::tempdir().unwrap();
        let p = parse_in(d.path(), &format!("{BASE}{CAMPAIGN}")).unwrap();
        let c = &p.campaigns[0];
        assert_eq!((c.key_accounts.len(), c.min_followers_to_name, c.top_voices), (0, 5000, 20));
    }

    #[test]
    fn errors_name_the_key_or_the_csv_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        // Line 7 of the pipeline holds the campaign's inline list (2 lines of output, 4 of campaign).
        let text = format!("{BASE}{CAMPAIGN}key_accounts = [{{ platform = 'twitter', account = '@' }}]\n");
        let e = parse_in(d.path(), &text).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (7, "campaigns[0].key_accounts[0].account"), "{e}");
        let e = parse_in(d.path(), &format!("{BASE}[[key_accounts]]\nplatform = 'a b'\naccount = 'x'\n{CAMPAIGN}"))
            .unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (3, "key_accounts[0].platform"), "{e}");
        let e = parse_in(d.path(), &format!("top_voices = -1\n{BASE}{CAMPAIGN}")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (1, "top_voices"), "{e}");
        let e = parse_in(d.path(), &format!("{BASE}{CAMPAIGN}handle = 'x'\n")).unwrap_err();
        assert!(e.msg.contains("unknown field `handle`"), "{e}");
        // CSV: the third line's account is empty; the file is named, not the pipeline.
        std::fs::write(d.path().join("k.csv"), "platform,account,label\ntwitter,a,media\ntwitter, ,expert\n").unwrap();
        let e = parse_in(d.path(), &format!("key_accounts_file = 'k.csv'\n{BASE}{CAMPAIGN}")).unwrap_err();
        assert!(e.file.ends_with("k.csv"), "{e}");
        assert_eq!((e.line, e.key.as_str()), (3, "account"), "{e}");
        std::fs::write(d.path().join("h.csv"), "network,account\ntwitter,a\n").unwrap();
        let e = parse_in(d.path(), &format!("key_accounts_file = 'h.csv'\n{BASE}{CAMPAIGN}")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (1, "(header)"), "{e}");
        assert!(e.msg.contains("found network, account"), "{e}");
        let e = parse_in(d.path(), &format!("{BASE}{CAMPAIGN}key_accounts_file = 'missing.csv'\n")).unwrap_err();
        assert_eq!((e.line, e.key.as_str()), (7, "campaigns[0].key_accounts_file"), "{e}");
    }
}
