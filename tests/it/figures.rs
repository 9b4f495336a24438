//! Figures end to end, on independent exports, against docs/metrics.md: a campaign in São Paulo's
//! time zone, its posts found by URL prefix, its website traffic only as UA reports over a
//! range (with a `Hostname` column) and a pipeline that names the site.

use std::path::Path;

use polars::prelude::*;

use crate::common::{s, Workdir};

/// A UA "Source / Medium" report over `range` (the `#` header's `YYYYMMDD-YYYYMMDD`), with a
/// `Hostname` column when the rows give one.
fn ua(range: &str, rows: &[(&str, Option<&str>, i64)]) -> String {
    let host = rows.iter().any(|r| r.1.is_some());
    let mut out = format!(
        "# ----------------------------------------\n# All Web Site Data\n# Source/Medium\n# {range}\n\
         # ----------------------------------------\n\n{}\n",
        if host { "Source / Medium,Hostname,Sessions" } else { "Source / Medium,Sessions" }
    );
    for (sm, h, n) in rows {
        match (host, h) {
            (true, h) => out.push_str(&format!("{sm},{},{n}\n", h.unwrap_or("(not set)"))),
            (false, _) => out.push_str(&format!("{sm},{n}\n")),
        }
    }
    out
}

fn table(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
}

/// The row of `df` whose `key` column is `value` (and campaign `agua`).
fn at(df: &DataFrame, key: &str, value: &str) -> usize {
    let k = df.column(key).unwrap().str().unwrap();
    let c = df.column("campaign").unwrap().str().unwrap();
    (0..df.height()).find(|&i| k.get(i) == Some(value) && c.get(i) == Some("agua")).expect("row")
}

fn f(df: &DataFrame, r: usize, col: &str) -> Option<f64> {
    df.column(col).unwrap().f64().unwrap().get(r)
}

fn close(a: Option<f64>, b: f64) {
    let a = a.expect("a figure, not null");
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-9), "{a} != {b}");
}

/// Campaign "agua", 1–7 March 2024 in America/Sao_Paulo (UTC−3); baseline by default the 28
/// days before, 2–29 February 2024 (a leap year). Pipeline `site = "www.example.org"`.
///
/// Own Facebook posts (custom-csv, not tagged: members only by the URL prefix
/// `https://www.example.org/agua`):
/// - p1 2024-03-01T01:30Z = 29 Feb 22:30 in São Paulo: before the window (in it in UTC);
/// - p2 2024-03-01T12:00Z, links /agua/x: 10 likes, reach 200, impressions 400;
/// - p3 2024-03-08T02:00Z = 7 Mar 23:00 in São Paulo: in the window (after it in UTC),
///   links /agua: 4 likes, reach 0, impressions 100;
/// - p4 2024-03-03T12:00Z links /other: not a member.
///
/// Traffic, UA reports over a range only (no daily rows at all):
/// - baseline 20240202-20240229, with Hostname: www.example.org facebook 280, t.co 56,
///   google 1400; shop.example.org facebook 9000 (another site); a (not set) host direct
///   700 (unknown site, and its input does not say which);
/// - window 20240301-20240307, with Hostname: www facebook 140, t.co 21, google 350; shop
///   facebook 5000;
/// - window, no Hostname column, input `site = "WWW.example.org"`: m.facebook.com 35;
/// - 20240220-20240305 (straddles baseline and window), www facebook 999: left out.
fn agua(w: &Workdir) -> std::path::PathBuf {
    w.write(
        "in/posts.csv",
        "id,time,page,link,likes,reach,impressions\n\
         p1,2024-03-01T01:30:00Z,ourpage,https://www.example.org/agua/petition,30,500,900\n\
         p2,2024-03-01T12:00:00Z,ourpage,https://www.example.org/agua/x,10,200,400\n\
         p3,2024-03-08T02:00:00Z,ourpage,https://www.example.org/agua,4,0,100\n\
         p4,2024-03-03T12:00:00Z,ourpage,https://www.example.org/other,50,100,200\n",
    );
    let fb = "l.facebook.com / referral";
    let tco = "t.co / referral";
    let google = "google / organic";
    let www = Some("www.example.org");
    let shop = Some("shop.example.org");
    w.write(
        "in/ua_baseline.csv",
        ua(
            "20240202-20240229",
            &[(fb, www, 280), (tco, www, 56), (google, www, 1400), (fb, shop, 9000), ("(direct) / (none)", None, 700)],
        ),
    );
    w.write(
        "in/ua_window.csv",
        ua("20240301-20240307", &[(fb, www, 140), (tco, www, 21), (google, www, 350), (fb, shop, 5000)]),
    );
    w.write("in/ua_window_nohost.csv", ua("20240301-20240307", &[("m.facebook.com / referral", None, 35)]));
    w.write("in/ua_straddle.csv", ua("20240220-20240305", &[(fb, www, 999)]));
    w.write(
        "agua.toml",
        r#"lake = "out/lake"
site = "www.example.org"
[output]
dir = "out"

[[inputs]]
path = "in/posts.csv"
mapping = { table = "posts", columns = { post_id = "id", created_at = "time", account_handle = "page", urls = "link", reactions = "likes", reach = "reach", impressions = "impressions" }, constants = { platform = "facebook", origin = "owned", content_type = "link" } }

[[inputs]]
path = "in/ua_baseline.csv"

[[inputs]]
path = "in/ua_window.csv"

[[inputs]]
path = "in/ua_window_nohost.csv"
site = "WWW.example.org"

[[inputs]]
path = "in/ua_straddle.csv"

[[campaigns]]
id = "agua"
name = "Água limpa"
start = 2024-03-01
end = 2024-03-07
tz = "America/Sao_Paulo"
url_prefixes = ["https://www.example.org/agua"]
own_accounts = { facebook = ["ourpage"] }
"#,
    )
}

#[test]
fn range_only_traffic_of_the_named_site_gives_a_mean_uplift_in_a_non_utc_campaign() {
    let w = Workdir::new();
    let pipeline = agua(&w);
    w.ok(&["--quiet", "run", s(&pipeline)]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/metrics.json")).unwrap()).unwrap();
    let camp = &m["campaigns"][0];
    assert_eq!(camp["id"], "agua");
    assert_eq!(camp["baseline"]["start"], "2024-02-02");
    assert_eq!(camp["time_zone"], "America/Sao_Paulo");

    // Posts: p2 and p3 are the campaign's (São Paulo days 1 and 7 March), p1 is before the
    // window there, p4 links elsewhere.
    assert_eq!(camp["figures"]["own_posts"]["value"], 2);
    assert_eq!(camp["figures"]["own_engagements"]["value"], 14); // 10 + 4
    let eng = table(&w.path("out/metrics/engagement_by_content_type.parquet"));
    let link = at(&eng, "content_type", "link");
    // Reach 0 is a figure: (10 + 4) / (200 + 0) = 0.07; the headline basis needs > 0 for
    // every post: impressions, 14 / (400 + 100) = 0.028.
    close(f(&eng, link, "rate_by_reach"), 0.07);
    assert_eq!(eng.column("rate_basis").unwrap().str().unwrap().get(link), Some("impressions"));
    close(f(&eng, link, "engagement_rate"), 0.028);
    // No action at all on Facebook (the exports carry no actors): unique actors null, not 0.
    let reach = table(&w.path("out/metrics/reach_window.parquet"));
    let fb_row = at(&reach, "platform", "facebook");
    assert_eq!(reach.column("unique_actors").unwrap().i64().unwrap().get(fb_row), None);
    assert!(camp["figures"]["unique_actors"]["value"].is_null());

    // Uplift on www.example.org's range rows: shop.example.org, the (not set) host and the
    // straddling range are left out; the host-less export counts (its input says www).
    // B = 28 days, P = 7 days.
    let up = table(&w.path("out/metrics/referral_uplift.parquet"));
    let chans: Vec<Option<&str>> = up.column("channel").unwrap().str().unwrap().iter().collect();
    assert_eq!(chans, [Some("all_social"), Some("facebook"), Some("twitter")]);
    let fb = at(&up, "channel", "facebook");
    let str_at = |r: usize, c: &str| up.column(c).unwrap().str().unwrap().get(r).map(str::to_string);
    let int_at = |r: usize, c: &str| up.column(c).unwrap().i64().unwrap().get(r);
    assert_eq!(str_at(fb, "method").as_deref(), Some("mean"));
    assert_eq!((int_at(fb, "baseline_days"), int_at(fb, "campaign_days")), (Some(28), Some(7)));
    // facebook: mean_B = 280 / 28 = 10 a day, expected 10 · 7 = 70; observed 140 + 35 = 175;
    // uplift 105, +150%.
    close(f(&up, fb, "expected"), 70.0);
    assert_eq!(int_at(fb, "observed"), Some(175));
    close(f(&up, fb, "uplift_sessions"), 105.0);
    close(f(&up, fb, "uplift_rel"), 1.5);
    // Total: (280 + 56 + 1400) / 28 = 62 a day, · 7 = 434.
    close(f(&up, fb, "expected_total"), 434.0);
    close(f(&up, fb, "total_traffic_uplift_rel"), 105.0 / 434.0);
    // twitter: 56 / 28 = 2 a day, expected 14, observed 21: +50%.
    let tw = at(&up, "channel", "twitter");
    close(f(&up, tw, "expected"), 14.0);
    close(f(&up, tw, "uplift_rel"), 0.5);
    // all_social: 336 / 28 = 12 a day, expected 84; observed 196; uplift 112 = +133.3%.
    let all = at(&up, "channel", "all_social");
    close(f(&up, all, "expected"), 84.0);
    assert_eq!(int_at(all, "observed"), Some(196));
    close(f(&up, all, "uplift_rel"), 112.0 / 84.0);
    // Range rows have no per-day residuals: no interval, no p.
    for c in ["ci_low", "ci_high", "p_no_effect"] {
        assert_eq!(f(&up, all, c), None, "{c}");
    }

    // metrics.json: the figures, the method, and the warning about the straddling range.
    assert_eq!(camp["uplift_method"], "mean");
    close(camp["figures"]["social_uplift_rel"]["value"].as_f64(), 112.0 / 84.0);
    close(camp["figures"]["facebook_total_traffic_uplift_rel"]["value"].as_f64(), 105.0 / 434.0);
    let method = camp["figures"]["social_uplift_rel"]["method"].as_str().unwrap();
    assert!(method.starts_with("mean") && method.contains("no per-day residuals"), "{method}");
    let warnings = camp["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().contains("2024-02-20..2024-03-05 left out"), "{warnings:?}");
    // The report lists it under its method section.
    let md = std::fs::read_to_string(w.path("out/report.md")).unwrap();
    assert!(md.contains("Left out of the figures:") && md.contains("traffic rows over 2024-02-20..2024-03-05"), "{md}");
    // No daily traffic: no per-day series to chart.
    assert_eq!(table(&w.path("out/metrics/referral_daily.parquet")).height(), 0);
}

#[test]
fn a_site_no_row_has_is_a_warning_naming_the_lakes_sites() {
    let w = Workdir::new();
    let pipeline = agua(&w);
    let text = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("site = \"www.example.org\"\n[output]", "site = \"example.org\"\n[output]");
    std::fs::write(&pipeline, text).unwrap();
    w.ok(&["--quiet", "run", s(&pipeline)]);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("out/metrics.json")).unwrap()).unwrap();
    let camp = &m["campaigns"][0];
    assert!(camp["figures"]["social_uplift_rel"]["value"].is_null());
    let warnings: Vec<&str> = camp["warnings"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(
        warnings,
        ["the pipeline's site 'example.org' has no traffic rows: the lake's sites are shop.example.org, \
          www.example.org, and rows of unknown site (set `site` on their inputs, or `ingest --site`)"]
    );
}

#[test]
fn ingest_site_stamps_the_rows_without_one_and_is_part_of_the_options() {
    let w = Workdir::new();
    let lake = w.lake();
    let file = w.write("in/ua.csv", ua("20240301-20240307", &[("l.facebook.com / referral", None, 35)]));
    let sites = || -> Vec<Option<String>> {
        let t = rallylens::metrics::Lake::open(&lake).unwrap().traffic.select([col("site")]).collect().unwrap();
        t.column("site").unwrap().str().unwrap().iter().map(|v| v.map(String::from)).collect()
    };
    let ingest = |site: &str| {
        let (code, out, err) = w.run(&["ingest", s(&file), "--lake", s(&lake), "--site", site]);
        assert_eq!(code, 0, "{out}\n{err}");
        format!("{out}{err}")
    };
    ingest("WWW.Example.org");
    assert_eq!(sites(), [Some("www.example.org".to_string())]);
    // The same file with the same site (whatever its case): nothing to do. With another
    // site: read again, its rows replaced (one row, the new site).
    let again = ingest("www.example.org");
    assert!(again.contains("0 inputs read, 1 unchanged"), "{again}");
    let other = ingest("shop.example.org");
    assert!(other.contains("replaced in/ua.csv (ua-csv): 1 row → 1 traffic row\n") && other.contains("1 input read"), "{other}");
    assert_eq!(sites(), [Some("shop.example.org".to_string())]);
}
