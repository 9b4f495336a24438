//! The supporters' recap (`recap-<campaign>.html`, docs/recap.md) on the demo
//! (pipelines/kenya_vs_shell.toml over data/): it names no supporter, and it renders in
//! headless Chromium with no console message and every image laid out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::common::Workdir;

/// Runs the demo pipeline in a temp folder (data/ linked in, the output and lake inside the
/// folder); returns the output folder.
fn demo(w: &Workdir) -> PathBuf {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::os::unix::fs::symlink(project.join("data"), w.path("data")).unwrap();
    std::fs::create_dir_all(w.path("pipelines")).unwrap();
    for f in ["kenya_vs_shell.toml", "shell_key_accounts.csv"] {
        std::fs::copy(project.join("pipelines").join(f), w.path("pipelines").join(f)).unwrap();
    }
    let (code, out, err) = w.run(&["--quiet", "run", "pipelines/kenya_vs_shell.toml"]);
    assert_eq!(code, 0, "{out}\n{err}");
    w.path("out/kenya_vs_shell")
}

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(String::from)).collect()
}

/// Every recap of the demo, by campaign id.
fn recaps(out: &Path) -> BTreeMap<String, String> {
    ["kenya", "shell"]
        .iter()
        .map(|id| (id.to_string(), std::fs::read_to_string(out.join(format!("recap-{id}.html"))).unwrap()))
        .collect()
}

#[test]
fn recap_names_no_supporter() {
    let w = Workdir::new();
    let out = demo(&w);
    let recaps = recaps(&out);
    let pipe = rallylens::pipeline::Pipeline::load(&w.path("pipelines/kenya_vs_shell.toml")).unwrap();
    let lake = rallylens::metrics::Lake::open(&out.join("lake")).unwrap();

    // 1. No actor pseudonym of the lake's actions.
    let actions =
        lake.actions.clone().select([col("actor_id")]).unique(None, UniqueKeepStrategy::Any).collect().unwrap();
    let actors: Vec<String> = strs(&actions, "actor_id").into_iter().flatten().collect();
    assert!(actors.len() > 1000, "the demo has thousands of actors: {}", actors.len());
    for (id, html) in &recaps {
        for a in &actors {
            assert!(!html.contains(a.as_str()), "recap-{id}.html holds an actor id");
        }
    }

    // 2. No e-mail-shaped string and no long hex string (a pseudonym or a key).
    let email = regex::Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}").unwrap();
    let hex = regex::Regex::new(r"[0-9a-fA-F]{32,}").unwrap();
    for (id, html) in &recaps {
        assert!(!email.is_match(html), "recap-{id}.html: an e-mail: {:?}", email.find(html));
        assert!(!hex.is_match(html), "recap-{id}.html: a long hex string: {:?}", hex.find(html));
    }

    // 3. No handle of an unnamed author: authors of the lake's posts whose largest follower
    // count anywhere in the lake is under the campaign's threshold (or unknown) and who are
    // none of the campaign's own accounts, targets or key accounts. (The recap chooses among
    // fewer posts, so its counts are at most these: every author here is unnamed there too.)
    let posts = lake
        .posts
        .clone()
        .filter(col("account_handle").is_not_null())
        .group_by([col("account_handle")])
        .agg([col("followers").max()])
        .collect()
        .unwrap();
    let handles = strs(&posts, "account_handle");
    let followers: Vec<Option<i64>> = posts.column("followers").unwrap().i64().unwrap().iter().collect();
    let texts = lake
        .posts
        .clone()
        .select([col("platform"), col("post_id"), col("text")])
        .filter(col("text").is_not_null())
        .collect()
        .unwrap();
    let raw_text: BTreeMap<(String, String), String> = strs(&texts, "platform")
        .into_iter()
        .zip(strs(&texts, "post_id"))
        .zip(strs(&texts, "text"))
        .filter_map(|((p, id), t)| Some(((p?, id?), t?)))
        .collect();
    let quoted =
        ParquetReader::new(std::fs::File::open(out.join("metrics/recap_posts.parquet")).unwrap()).finish().unwrap();
    let mut live = 0;
    for c in &pipe.campaigns {
        let html = recaps[&c.id].to_lowercase();
        let mut named: BTreeSet<String> = c.targets.iter().cloned().collect();
        named.extend(c.own_accounts.values().flatten().cloned());
        named.extend(c.key_accounts.iter().map(|k| k.account.to_lowercase()));
        let unnamed: Vec<String> = handles
            .iter()
            .zip(&followers)
            .filter_map(|(h, f)| {
                let h = h.as_ref()?.to_lowercase();
                (!named.contains(&h) && f.is_none_or(|f| f < c.min_followers_to_name)).then_some(h)
            })
            .collect();
        assert!(unnamed.len() > 50, "{}: the demo has many small authors: {}", c.id, unnamed.len());
        let word = |h: &str| regex::Regex::new(&format!(r"(^|[^a-z0-9_]){}($|[^a-z0-9_])", regex::escape(h))).unwrap();
        for h in &unnamed {
            assert!(!word(h).is_match(&html), "recap-{}.html names the small author {h}", c.id);
        }
        // The check is live: the lake texts of the quoted posts name small authors (the
        // target's reply starts with the supporter it answers), which the recap masks; and
        // named voices are there by handle.
        let (kind, plat, ids) = (strs(&quoted, "kind"), strs(&quoted, "platform"), strs(&quoted, "post_id"));
        let camp = strs(&quoted, "campaign");
        for i in 0..quoted.height() {
            if camp[i].as_deref() != Some(c.id.as_str()) {
                continue;
            }
            let raw = raw_text.get(&(plat[i].clone().unwrap(), ids[i].clone().unwrap())).map(|t| t.to_lowercase());
            if raw.is_some_and(|t| unnamed.iter().any(|h| word(h).is_match(&t))) {
                live += 1;
            }
            if kind[i].as_deref() == Some("voice") {
                // A quoted voice is named by the rule, checked against the lake's counts.
                let h = strs(&quoted, "account_handle")[i]
                    .clone()
                    .unwrap_or_else(|| panic!("{}: a voice without a handle", c.id));
                let big = handles
                    .iter()
                    .zip(&followers)
                    .any(|(x, f)| x.as_deref() == Some(h.as_str()) && f.is_some_and(|f| f >= c.min_followers_to_name));
                assert!(named.contains(&h) || big, "{}: {h} is quoted but not named", c.id);
                assert!(html.contains(&format!("@{h}")), "{}: the named voice {h} is quoted", c.id);
            }
        }
    }
    assert!(live > 0, "no quoted post's lake text names a small author: the handle check above proves nothing");
    // What the recap shows (the Shell campaign): @Shell's response, quoted with time and link.
    let shell = &recaps["shell"];
    assert!(shell.contains("@shell responded:") && shell.contains("https://twitter.com/shell/status/"), "{shell}");
    assert!(shell.contains("people who took action") && shell.contains("Goals we met"), "{shell}");
    // Nothing internal: no interval, method or null note.
    for (id, html) in &recaps {
        for internal in ["interval", "method", "docs/metrics.md", "—</b>", "unknown", "null"] {
            assert!(!html.contains(internal), "recap-{id}.html shows {internal:?}");
        }
    }
}

#[test]
fn recap_is_deterministic_and_renders_in_headless_chromium() {
    let w = Workdir::new();
    let out = demo(&w);
    let first = recaps(&out);
    // Rendering again from the same tables gives the same bytes.
    let (code, o, err) = w.run(&["--quiet", "run", "--force", "pipelines/kenya_vs_shell.toml"]);
    assert_eq!(code, 0, "{o}\n{err}");
    assert_eq!(recaps(&out), first, "a second run changed a recap");
    for (id, html) in &first {
        // Self-contained: links to the posts, but nothing fetched.
        for bad in ["src=", "url(", "@import", "<link", "<img"] {
            assert!(!html.contains(bad), "recap-{id}.html refers outside itself: {bad}");
        }
        let page = format!("recap-{id}.html");
        let dom = crate::run::dom_in_chromium(&out.join(&page));
        let attr = |name: &str| crate::run::dom_count(&dom, name, &page);
        // The demo's recaps each draw one chart (the hashtag's daily posts).
        assert_eq!(attr("data-images"), 1, "{id}");
        assert_eq!(attr("data-images-rendered"), attr("data-images"), "{id}: images laid out / images");
    }
}
