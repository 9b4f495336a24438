//! Detection tests across formats: they name several adapters at once, so they live
//! beside [`super::REGISTRY`], the one place that names adapters.

use crate::ingest::testkit::actions::{detect_file, fixture};
use crate::ingest::Adapter;

/// Every real sample and every fixture in tests/fixtures (all formats): among the four
/// traffic detectors only the input's own claims it, and on the traffic inputs the
/// whole registry's detection picks that format. (The adapters' own `detection` tests
/// check only their scores on their inputs; this one checks everything else.)
#[test]
fn four_traffic_detectors_on_every_sample_and_fixture() {
    use crate::ingest::{detect, ga4_bigquery_jsonl, matomo_csv, plausible_csv, probe_input, ua_csv, Adapter, Probe};
    let ours: [&dyn Adapter; 4] =
        [&ua_csv::ADAPTER, &plausible_csv::ADAPTER, &matomo_csv::ADAPTER, &ga4_bigquery_jsonl::ADAPTER];
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut inputs: Vec<(std::path::PathBuf, Option<&str>)> = Vec::new();
    for (dir, depth) in [(root.join("tests/fixtures/real"), 2), (root.join("tests/fixtures"), 5)] {
        let mut files = Vec::new();
        crate::ingest::common::util::walk_rel(&dir, &dir, &mut files, depth);
        for f in files {
            if f.ends_with(".md") || f.ends_with(".py") || f.starts_with("licenses/") || f.starts_with("real/") {
                continue;
            }
            let own = match f.split('/').next().unwrap_or("") {
                "ua-csv" => Some("ua-csv"),
                "plausible-csv" => Some("plausible-csv"),
                "matomo-csv" => Some("matomo-csv"),
                "ga4-bigquery-jsonl" => Some("ga4-bigquery-jsonl"),
                _ => None,
            };
            inputs.push((dir.join(&f), own));
        }
    }
    assert!(inputs.len() > 100, "{}", inputs.len());
    let mut claimed = 0;
    for (p, own) in &inputs {
        let (is_dir, head, entries) = probe_input(p).unwrap();
        let probe = Probe { path: p, is_dir, head: &head, entries: &entries };
        let name = p.file_name().unwrap().to_string_lossy();
        // By design: a table without Sessions, and Plausible's other tables (read as
        // "skipped, not traffic by source"), are below the auto-detection bar.
        let own_floor = match &*name {
            "no_sessions.csv" => 0,
            n if n.starts_with("imported_") && !n.starts_with("imported_sources") => 50,
            _ => 60,
        };
        for a in ours {
            let s = a.detect(&probe);
            if Some(a.name()) == *own {
                assert!(s >= own_floor, "{} on {}: {s}", a.name(), p.display());
            } else {
                assert_eq!(s, 0, "{} on {}", a.name(), p.display());
            }
        }
        if own.is_some() && own_floor >= 60 {
            let (best, _) = detect(&probe).unwrap_or_else(|| panic!("nothing detects {}", p.display()));
            assert_eq!(Some(best.name()), *own, "{}", p.display());
            claimed += 1;
        }
    }
    // 2 UA samples + 3 UA fixtures + 2 Plausible + 5 Matomo + 1 GA4.
    assert_eq!(claimed, 13);
}

/// Every real sample and fixture: among the six Meta/Instagram/Flickr adapters, only the
/// format's own detector claims it (the other five, and all six on other platforms'
/// samples, return 0).
#[test]
fn six_detectors_on_every_sample() {
    use crate::ingest::{
        facebook_graph_json, facebook_insights_csv, flickr_json, instagram_dyi_json, instagram_graph_json,
        meta_business_suite_csv, Adapter, Probe,
    };
    let ours: [&dyn Adapter; 6] = [
        &facebook_insights_csv::ADAPTER,
        &meta_business_suite_csv::ADAPTER,
        &facebook_graph_json::ADAPTER,
        &instagram_graph_json::ADAPTER,
        &instagram_dyi_json::ADAPTER,
        &flickr_json::ADAPTER,
    ];
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real"));
    let mut inputs: Vec<(String, Option<&str>)> = Vec::new();
    let mut files = Vec::new();
    crate::ingest::common::util::walk_rel(&root, &root, &mut files, 2);
    for f in files {
        let own = match f.split('/').next().unwrap_or("") {
            "facebook-insights-csv" => Some("facebook-insights-csv"),
            "facebook-graph-json" => Some("facebook-graph-json"),
            "instagram-graph-json" => Some("instagram-graph-json"),
            _ => None,
        };
        if f.ends_with(".md") || f.starts_with("licenses/") {
            continue;
        }
        inputs.push((format!("{}/{f}", root.display()), own));
    }
    for (f, own) in [
        ("facebook-insights-csv/posts.csv", "facebook-insights-csv"),
        ("facebook-insights-csv/posts.xlsx", "facebook-insights-csv"),
        ("meta-business-suite-csv/facebook.csv", "meta-business-suite-csv"),
        ("meta-business-suite-csv/instagram.csv", "meta-business-suite-csv"),
        ("facebook-graph-json/page-insights.json", "facebook-graph-json"),
        ("facebook-graph-json/posts-with-insights.json", "facebook-graph-json"),
        ("instagram-graph-json/media-list.json", "instagram-graph-json"),
        ("instagram-dyi-json/posts_1.json", "instagram-dyi-json"),
        ("instagram-dyi-json/dump", "instagram-dyi-json"),
        ("flickr-json/search.json", "flickr-json"),
        ("flickr-json/getinfo.json", "flickr-json"),
        ("flickr-json/photo_52217925276.json", "flickr-json"),
        ("flickr-json/export", "flickr-json"),
    ] {
        inputs.push((format!("{}/tests/fixtures/{f}", env!("CARGO_MANIFEST_DIR")), Some(own)));
    }
    assert!(inputs.len() > 60, "{}", inputs.len());
    for (f, own) in inputs {
        let p = std::path::PathBuf::from(&f);
        let (is_dir, head, entries) = crate::ingest::probe_input(&p).unwrap();
        let probe = Probe { path: &p, is_dir, head: &head, entries: &entries };
        for a in ours {
            let s = a.detect(&probe);
            if Some(a.name()) == own {
                assert!(s >= 60, "{} on {f}: {s}", a.name());
            } else {
                assert_eq!(s, 0, "{} on {f}", a.name());
            }
        }
    }
}

#[test]
fn brexit_csv_and_jsonl_give_the_same_posts() {
    use crate::ingest::testkit::twitter::{run, sample};
    use crate::ingest::twitter_csv::tests::{comparable, post};
    use crate::ingest::{twitter_csv, twitter_v2_jsonl, Collected};
    let csv = run(&twitter_csv::ADAPTER, &sample("twitter-csv/brexit.csv"));
    let json = run(&twitter_v2_jsonl::ADAPTER, &sample("twitter-v2-jsonl/brexit.jsonl"));
    assert_eq!(csv.posts.len(), 100);
    let ids = |g: &Collected| g.posts.iter().map(|p| p.post_id.clone()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(ids(&csv), ids(&json));
    for j in &json.posts {
        let c = post(&csv, &j.post_id);
        assert_eq!(comparable(c), comparable(j), "post {}", j.post_id);
        // urls agree except on media links, which twarc-csv writes as display_url.
        if j.content_type != "photo" && j.content_type != "video" && j.content_type != "album" {
            assert_eq!(c.urls, j.urls, "post {}", j.post_id);
        }
    }
    // The text too, once twarc-csv's `\n` escapes are undone.
    let t = post(&csv, "1440716895355764743").text.as_deref().unwrap();
    assert_eq!(Some(t), post(&json, "1440716895355764743").text.as_deref());
    assert!(t.contains("leader.\n\nTypical"));
}

/// The canonical actions table's detector does not take Action Network CSV exports.
#[test]
fn actions_csv_leaves_action_network_csv_alone() {
    let canonical = &crate::ingest::actions_csv::ADAPTER;
    assert_eq!(detect_file(canonical, &fixture("action-network-csv/petition_signatures.csv").path), 0);
}

/// Neither supporter CSV detector takes an Action Network JSON webhook batch.
#[test]
fn supporter_csv_detectors_leave_action_network_json_alone() {
    for other in [&crate::ingest::actions_csv::ADAPTER as &dyn Adapter, &crate::ingest::action_network_csv::ADAPTER] {
        assert_eq!(detect_file(other, &fixture("action-network-json/webhook_batch.json").path), 0);
    }
}
