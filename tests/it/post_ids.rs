//! One Facebook post in one canonical form (`<page id>_<post id>`), whatever export carried
//! it, answering every action that names it, in whichever form the action names it.
//!
//! The post is 1605839243031680_1900000000000001 of page 1605839243031680, with #CleanAir,
//! published 2024-03-02; the page's other post ..._1900000000000009 has no campaign
//! hashtag. It arrives from each format that carries Facebook posts (fixtures
//! `tests/fixtures/<format>/post_ids.*` / `post-ids.json`):
//! - facebook-graph-json: `id` = `<page>_<post>`; reactions 12, comments 3, shares 2 (17);
//! - facebook-insights-csv, CSV and XLSX: `Post ID` = `<page>_<post>`; like 20, comment 4,
//!   share 5 (29);
//! - meta-business-suite-csv: `Post ID` = the bare post id, `Page ID` beside it;
//!   reactions 30, comments 6, shares 4 (40).
//!
//! The actions (`actions-csv/post_ids.csv`, none tagged with the campaign):
//! - A (anna@…): `like` on 2024-02-01 (crm, no post: history, rung 1), then a `comment`
//!   on the post by its BARE id on 03-03 (rung 3);
//! - B: `reaction` by the bare id (rung 1); C: `comment` by `<page>_<post>` (rung 3);
//!   D: `share` by the post's `permalink.php?story_fbid=…&id=…` address (rung 2);
//! - E: a reaction to the other post; F: a `twitter` reaction naming the same digits: neither
//!   answers the campaign's post.
//!
//! and Action Network's: G signs (action-network-csv, tagged with the campaign at ingest,
//! source `facebook`: rung 4); H signs (action-network-json, untagged, referrer data
//! `facebook` / `https://www.facebook.com/`): it names no post, so it is no campaign action.

use std::path::Path;

use crate::common::{s, Workdir};
use crate::duckdb::duckdb;

const PIPELINE: &str = r##"
lake = "lake"
[output]
dir = "out"
[[campaigns]]
id = "clean-air"
start = 2024-03-01
end = 2024-03-14
tz = "UTC"
hashtags = ["#CleanAir"]
"##;

/// (format, fixture, engagements of the campaign post in that file)
const POST_SOURCES: [(&str, &str, i64); 4] = [
    ("facebook-graph-json", "facebook-graph-json/post-ids.json", 17),
    ("facebook-insights-csv", "facebook-insights-csv/post_ids.csv", 29),
    ("facebook-insights-csv", "facebook-insights-csv/post_ids.xlsx", 29),
    ("meta-business-suite-csv", "meta-business-suite-csv/post_ids.csv", 40),
];

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel).to_string_lossy().into_owned()
}

fn ingest(w: &Workdir, format: &str, rel: &str, extra: &[&str]) {
    let lake = w.lake();
    let mut args = vec!["--quiet", "ingest", "--lake", s(&lake), "--format", format];
    args.extend_from_slice(extra);
    let path = fixture(rel);
    args.push(&path);
    w.ok(&args);
}

fn ingest_actions(w: &Workdir) {
    ingest(w, "actions-csv", "actions-csv/post_ids.csv", &[]);
    let tagged = ["--action", "sign_petition", "--campaign", "clean-air"];
    ingest(w, "action-network-csv", "action-network-csv/post_ids.csv", &tagged);
    ingest(w, "action-network-json", "action-network-json/post_ids_signature.json", &[]);
}

/// Analyzes the lake; the campaign's figures (metrics.json).
fn figures(w: &Workdir) -> serde_json::Value {
    w.write("run.toml", PIPELINE);
    w.ok(&["--quiet", "analyze", "run.toml"]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/metrics.json")).unwrap()).unwrap();
    m["campaigns"][0]["figures"].clone()
}

/// The campaign's figures that the actions decide, the same whatever export the post came from.
fn assert_actions_joined(f: &serde_json::Value, what: &str) {
    // Covered actors: A (bare id), B (bare id), C (<page>_<post>), D (address), G (tagged)
    // = 5. E and F answer other posts, H nothing. (Ids compared whole: C, D and G, 3;
    // and without reading the address either, C and G: 2.)
    assert_eq!(f["unique_actors"]["value"], 5, "{what}: {f}");
    // New: B 0→1, C 0→3, D 0→2, G 0→4 = 4; A was at rung 1 (February's like) and
    // climbed to 3 with the comment by bare id: moved_up 1.
    assert_eq!(f["new_supporters"]["value"], 4, "{what}: {f}");
    assert_eq!(f["moved_up"]["value"], 1, "{what}: {f}");
    assert_eq!(f["own_posts"]["value"], 1, "{what}: {f}");
}

#[test]
fn the_same_post_from_every_facebook_export_answers_the_same_actions() {
    for (format, rel, engagements) in POST_SOURCES {
        let w = Workdir::new();
        ingest(&w, format, rel, &[]);
        ingest_actions(&w);
        let f = figures(&w);
        assert_actions_joined(&f, rel);
        assert_eq!(f["own_engagements"]["value"], engagements, "{rel}: {f}");
        // The lake holds the canonical id, whatever the file's form.
        let ids = duckdb(
            &w.lake(),
            "print(duckdb.sql(f\"select post_id from read_parquet('{LAKE}/posts/*/*.parquet') order by 1\").fetchall())",
        );
        assert_eq!(ids, "[('1605839243031680_1900000000000001',), ('1605839243031680_1900000000000009',)]", "{rel}");
    }
}

#[test]
fn every_export_of_one_post_is_one_post_and_its_ladder_counts_every_answer() {
    let w = Workdir::new();
    for (format, rel, _) in POST_SOURCES {
        ingest(&w, format, rel, &[]);
    }
    ingest_actions(&w);
    let f = figures(&w);
    assert_actions_joined(&f, "all four exports");
    // Four files, one post: the row of the last one ingested (Meta Business Suite, 30 + 6 + 4).
    assert_eq!(f["own_engagements"]["value"], 40, "{f}");
    let posts = duckdb(
        &w.lake(),
        "print(duckdb.sql(f\"select count(*) from read_parquet('{LAKE}/posts/*/*.parquet')\").fetchall()[0][0])",
    );
    assert_eq!(posts, "2");
    // The ladder's first week (03-01..03-07; every action is in it): A 1→3, B 0→1, C 0→3,
    // D 0→2, G 0→4, one actor each.
    let o = w.path("out");
    let t = duckdb(
        &o,
        "print(duckdb.sql(f\"select from_rung, to_rung, actors from read_parquet('{LAKE}/metrics/ladder_transitions.parquet') where campaign = 'clean-air' and period = 1 order by 1, 2\").fetchall())",
    );
    assert_eq!(t, "[(0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1), (1, 3, 1)]");
}
