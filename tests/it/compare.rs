//! `rallylens compare` end to end on the demo: Kenya and Shell analysed by two one-campaign
//! pipelines into two folders, then compared, give the two-campaign demo's side-by-side
//! tables; folders that cannot be compared are refused with exit code 2, naming them.

use std::path::Path;

use polars::prelude::*;

use crate::common::Workdir;

fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn table(path: &Path) -> DataFrame {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetReader::new(f).finish().unwrap()
}

/// The demo pipeline without the `[[campaigns]]` block (and its goals) of campaign `id`.
fn without_campaign(text: &str, id: &str) -> String {
    let start = text.find(&format!("[[campaigns]]\nid = \"{id}\"")).expect("the campaign's block");
    let rest = &text[start + 1..];
    let end = [rest.find("\n[[campaigns]]\n"), rest.find("\n# ----")].into_iter().flatten().min().expect("its end");
    format!("{}{}", &text[..start], &text[start + 1 + end + 1..])
}

/// `pipelines/{demo,kenya,shell}.toml` in `w`: the demo with its inputs and benchmarks file
/// in the project, and the demo with one campaign each; beside them, the other files of the
/// project's pipelines/ (files a pipeline names relative to itself, such as a key accounts list).
fn demo_pipelines(w: &Workdir) {
    for e in std::fs::read_dir(project().join("pipelines")).unwrap().flatten() {
        if e.file_type().unwrap().is_file() && e.path().extension().is_none_or(|x| x != "toml") {
            w.write(&format!("pipelines/{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap());
        }
    }
    let text = std::fs::read_to_string(project().join("pipelines/kenya_vs_shell.toml")).unwrap();
    let data = project().join("data");
    let text = format!(
        "benchmarks = {:?}\n{}",
        data.join("benchmarks.toml").display().to_string(),
        text.replace("path = \"data/", &format!("path = \"{}/", data.display()))
    );
    w.write("pipelines/demo.toml", &text);
    w.write("pipelines/kenya.toml", without_campaign(&text, "shell"));
    w.write("pipelines/shell.toml", without_campaign(&text, "kenya"));
}

/// Copies a folder (a metrics folder: files and one level of subfolders is enough, but any depth works).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn ids(df: &DataFrame) -> Vec<String> {
    df.column("campaign").unwrap().str().unwrap().iter().flatten().map(String::from).collect()
}

#[test]
fn two_runs_compared_equal_the_demo_side_by_side() {
    let w = Workdir::new();
    demo_pipelines(&w);
    // The demo, both campaigns in one pipeline: the reference, and the lake both runs read.
    w.log(&["-q", "run", "pipelines/demo.toml"]);
    let lake = "out/kenya_vs_shell/lake";
    w.log(&["-q", "analyze", "pipelines/kenya.toml", "--lake", lake, "--out", "runs/kenya_2008"]);
    w.log(&["-q", "analyze", "pipelines/shell.toml", "--lake", lake, "--out", "runs/shell_2012"]);

    let err = w.log(&["compare", "runs/kenya_2008", "runs/shell_2012", "--out", "cmp"]);
    assert!(err.contains("compare: runs/kenya_2008: metrics version 2, campaigns kenya\n"), "{err}");
    assert!(err.contains("compare: 2 runs, 2 campaigns, 2 charts in "), "{err}");
    for f in ["report.html", "report.md", "metrics.json", "charts/campaigns_overlay.png", "charts/signups.svg"] {
        assert!(w.path("cmp").join(f).is_file(), "cmp/{f}");
    }

    // KPIs side by side: each run's campaign_kpis row, in folder order; the same as the demo's.
    let run_table = |run: &str, t: &str| table(&w.path(&format!("runs/{run}/metrics/{t}.parquet")));
    let cmp_table = |t: &str| table(&w.path(&format!("cmp/metrics/{t}.parquet")));
    let demo_table = |t: &str| table(&w.path(&format!("out/kenya_vs_shell/metrics/{t}.parquet")));
    let (kenya, shell) = (run_table("kenya_2008", "campaign_kpis"), run_table("shell_2012", "campaign_kpis"));
    let kpis = cmp_table("campaign_kpis");
    assert!(kpis.equals_missing(&kenya.vstack(&shell).unwrap()), "{kpis}");
    assert!(kpis.equals_missing(&demo_table("campaign_kpis")), "{kpis}");
    // Aligned by day since launch: Shell's run alone stops at its 21st day; compared with
    // Kenya's 29 days it runs to day 28, as in the demo's table.
    assert_eq!(run_table("shell_2012", "campaign_comparison").height(), 21);
    let aligned = cmp_table("campaign_comparison");
    assert_eq!(aligned.height(), 2 * 29);
    assert!(aligned.equals_missing(&demo_table("campaign_comparison")), "{aligned}");
    assert!(cmp_table("signups").equals_missing(&demo_table("signups")));
    assert!(cmp_table("goals").equals_missing(&demo_table("goals")));

    // The report: both campaigns' figures in one headline row, and each goal scorecard.
    let md = std::fs::read_to_string(w.path("cmp/report.md")).unwrap();
    let signups = |df: &DataFrame| {
        rallylens::support::thousands_i64(df.column("signups_total").unwrap().i64().unwrap().get(0).unwrap())
    };
    let row = format!("| Sign-ups | {} | {} |", signups(&kenya), signups(&shell));
    assert!(md.contains(&row), "{row} not in\n{md}");
    for heading in
        ["## Goals", "## Headline figures", "## Sign-ups", "## Campaigns side by side", "### Folders compared"]
    {
        assert!(md.contains(&format!("\n{heading}\n")), "{heading}");
    }
    assert!(md.contains("| runs/shell_2012 | 2 | rallylens "), "{md}");
    // The comparison page renders in Chromium like the report: every chart laid out, no
    // console message.
    let html = std::fs::read_to_string(w.path("cmp/report.html")).unwrap();
    let figures = html.matches("<figure class=\"chart\"").count();
    assert_eq!(figures, 2, "both comparison charts are in the page");
    let dom = crate::run::dom_in_chromium(&w.path("cmp/report.html"));
    assert_eq!(crate::run::dom_count(&dom, "data-charts-rendered", "cmp/report.html"), figures);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("cmp/metrics.json")).unwrap()).unwrap();
    assert_eq!(json["metrics_version"], rallylens::metrics::registry::METRICS_VERSION);
    assert_eq!(json["compared"][1]["folder"], "runs/shell_2012");

    // The same campaign id in two folders: kenya@<folder> in both, the rows otherwise the same.
    copy_dir(&w.path("runs/kenya_2008"), &w.path("runs/kenya_again"));
    w.log(&["-q", "compare", "runs/kenya_2008", "runs/kenya_again", "--out", "twice"]);
    let twice = table(&w.path("twice/metrics/campaign_kpis.parquet"));
    assert_eq!(ids(&twice), ["kenya@kenya_2008", "kenya@kenya_again"]);
    assert!(twice
        .drop_many(["campaign", "name"])
        .equals_missing(&kenya.vstack(&kenya).unwrap().drop_many(["campaign", "name"])));
    let twice_cmp = table(&w.path("twice/metrics/campaign_comparison.parquet"));
    assert_eq!(ids(&twice_cmp).iter().filter(|i| *i == "kenya@kenya_again").count(), 29);

    // A folder of an older rallylens of the same version: no goals table and no goals or
    // followers_gained figures. Compared all the same: its cells are null, with a note.
    copy_dir(&w.path("runs/shell_2012"), &w.path("runs/shell_old"));
    let old = w.path("runs/shell_old");
    std::fs::remove_file(old.join("metrics/goals.parquet")).unwrap();
    let mut old_kpis = shell.drop_many(["goals_met", "goals_total", "followers_gained"]);
    let f = std::fs::File::create(old.join("metrics/campaign_kpis.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut old_kpis).unwrap();
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(old.join("metrics.json")).unwrap()).unwrap();
    let camp = m["campaigns"][0].as_object_mut().unwrap();
    camp.remove("goals");
    for k in ["goals_met", "goals_total", "followers_gained"] {
        camp["figures"].as_object_mut().unwrap().remove(k);
    }
    std::fs::write(old.join("metrics.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
    w.log(&["-q", "compare", "runs/kenya_2008", "runs/shell_old", "--out", "older"]);
    let older = table(&w.path("older/metrics/campaign_kpis.parquet"));
    let gained: Vec<Option<i64>> = older.column("followers_gained").unwrap().i64().unwrap().iter().collect();
    let kenya_gained = kenya.column("followers_gained").unwrap().i64().unwrap().get(0);
    assert_eq!(gained, [kenya_gained, None]);
    assert_eq!(ids(&table(&w.path("older/metrics/goals.parquet"))), ids(&run_table("kenya_2008", "goals")));
    let md = std::fs::read_to_string(w.path("older/report.md")).unwrap();
    let note = "Shell #makethefuture (2012), Followers gained in the window: not in the metrics of runs/shell_old";
    assert!(md.contains(note), "{md}");
    assert!(md.contains("The metrics of runs/shell_old predate goals"), "{md}");

    // A metrics version the other folder does not share: refused, naming both folders and
    // versions; nothing written.
    copy_dir(&w.path("runs/shell_2012"), &w.path("runs/shell_v1"));
    let path = w.path("runs/shell_v1/metrics.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("metrics_version");
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let (code, out, err) = w.run(&["compare", "runs/kenya_2008", "runs/shell_v1", "--out", "mixed"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(
        err.starts_with(
            "error: cannot compare metrics of different versions: runs/kenya_2008 has metrics version 2, \
             runs/shell_v1 has metrics version 1 (no metrics_version: written before rallylens recorded one)."
        ),
        "{err}"
    );
    assert!(!w.path("mixed").exists());

    // A folder that is not a metrics folder, or lacks a table compare reads: named (after
    // the lines about the folders read before it).
    let (code, _, err) = w.run(&["compare", "runs/kenya_2008", "pipelines", "--out", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: pipelines is not a metrics folder: it has no metrics.json"), "{err}");
    std::fs::remove_file(w.path("runs/kenya_again/metrics/signups.parquet")).unwrap();
    let (code, _, err) = w.run(&["compare", "runs/shell_2012", "runs/kenya_again", "--out", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.lines()
            .last()
            .unwrap()
            .starts_with("error: runs/kenya_again is not a metrics folder: it has no metrics/signups.parquet"),
        "{err}"
    );
    // A run's own output folder is never overwritten.
    let (code, _, err) = w.run(&["compare", "runs/kenya_2008", "runs/shell_2012", "--out", "out/kenya_vs_shell"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds the metrics of a run"), "{err}");
}
