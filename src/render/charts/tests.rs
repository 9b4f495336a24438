//! Tests of the charts on a hand-made two-campaign fixture (analyze's own output: `testkit::e2e`).

use super::*;
use crate::testkit::check_xml;
use chrono::{NaiveDate, NaiveDateTime};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
/// `n` consecutive days from `from`.
fn run_of(from: &str, n: i64) -> Vec<NaiveDate> {
    (0..n).map(|k| d(from) + chrono::Duration::days(k)).collect()
}

const KENYA: &str = "Kenya & <Friends>";

/// Two campaigns shaped like analyze's output (docs/metrics.md columns): "kenya"
/// (2024-03-01..14; every table) and "shell" (2024-06-03..09; no traffic, no hashtag,
/// no follower counts). The numbers are smooth made-up curves: the charts only draw them.
fn fixture() -> Metrics {
    let t: BTreeMap<String, DataFrame> = [
        kpis_table(),
        reach_daily_table(),
        engagement_table(),
        referral_daily_table(),
        referral_uplift_table(),
        ladder_transitions_table(),
        ladder_summary_table(),
        hashtag_daily_table(),
        target_response_table(),
        signups_table(),
        comparison_table(),
        growth_table(),
        by_country_table(),
    ]
    .into_iter()
    .collect();
    Metrics { dir: "out".into(), tables: t, json: serde_json::Value::Null }
}

fn kpis_table() -> (String, DataFrame) {
    let df = df!(
        "campaign" => ["kenya", "shell"],
        "name" => [KENYA, "Shell out"],
        "start" => [d("2024-03-01"), d("2024-06-03")],
        "end" => [d("2024-03-14"), d("2024-06-09")],
    )
    .unwrap();
    ("campaign_kpis".into(), df)
}

/// kenya facebook + twitter on Feb 25 .. Mar 14 (19 days); shell facebook 7 days.
fn reach_daily_table() -> (String, DataFrame) {
    let (mut c, mut p, mut day, mut reach, mut eng) = (vec![], vec![], vec![], vec![], vec![]);
    for (camp, plat, from, n, scale) in [
        ("kenya", "facebook", "2024-02-25", 19, 1000i64),
        ("kenya", "twitter", "2024-02-25", 19, 300),
        ("shell", "facebook", "2024-06-03", 7, 500),
    ] {
        for (k, dd) in run_of(from, n).into_iter().enumerate() {
            let k = k as i64;
            c.push(camp);
            p.push(plat);
            day.push(dd);
            reach.push(Some(scale * (10 + (k * 7) % 13 + if k >= 5 { 8 } else { 0 })));
            eng.push(Some(scale / 20 * (3 + (k * 5) % 7)));
        }
    }
    let df = df!("campaign" => c, "platform" => p, "day" => day, "post_reach_sum" => reach.clone(), "impressions" => reach, "engagements" => eng).unwrap();
    ("reach_daily".into(), df)
}

fn engagement_table() -> (String, DataFrame) {
    let df = df!(
        "campaign" => ["kenya", "kenya", "kenya", "kenya", "shell"],
        "platform" => ["facebook", "facebook", "facebook", "twitter", "facebook"],
        "content_type" => ["link", "photo", "video", "text", "photo"],
        "posts" => [4i64, 12, 1, 20, 3],
        "rate_basis" => ["reach", "reach", "reach", "impressions", "reach"],
        "engagement_rate" => [Some(0.021), Some(0.046), Some(0.08), Some(0.012), Some(0.03)],
        "ci_low" => [Some(0.012), Some(0.031), None, Some(0.008), Some(0.02)],
        "ci_high" => [Some(0.03), Some(0.061), None, Some(0.017), Some(0.041)],
    )
    .unwrap();
    ("engagement_by_content_type".into(), df)
}

/// kenya only, baseline Feb 2..29 + window (42 days), all_social and facebook.
fn referral_daily_table() -> (String, DataFrame) {
    let (mut c, mut ch, mut day, mut obs, mut exp, mut lo, mut hi, mut win) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for channel in ["all_social", "facebook"] {
        for (k, dd) in run_of("2024-02-02", 42).into_iter().enumerate() {
            let k = k as i64;
            let e = 40.0 + ((k * 3) % 7) as f64 * 3.0;
            let lift = if k >= 28 { 25 + (k % 5) * 4 } else { 0 };
            c.push("kenya");
            ch.push(channel);
            day.push(dd);
            exp.push(e);
            lo.push(Some(e - 12.0));
            hi.push(Some(e + 12.0));
            obs.push(e as i64 + lift + (k * 11) % 9 - 4);
            win.push(k >= 28);
        }
    }
    let df = df!("campaign" => c, "channel" => ch, "day" => day, "observed" => obs, "expected" => exp,
        "expected_low" => lo, "expected_high" => hi, "in_window" => win)
    .unwrap();
    ("referral_daily".into(), df)
}

fn referral_uplift_table() -> (String, DataFrame) {
    let df = df!(
        "campaign" => ["kenya", "kenya", "shell"],
        "channel" => ["all_social", "facebook", "all_social"],
        "method" => [Some("control"), Some("control"), None],
        "reason" => [None, None, Some("no traffic rows in the baseline window")],
    )
    .unwrap();
    ("referral_uplift".into(), df)
}

fn ladder_transitions_table() -> (String, DataFrame) {
    let df = df!(
        "campaign" => ["kenya", "kenya", "kenya", "kenya", "kenya", "kenya", "shell"],
        "period" => [1i64, 1, 1, 2, 2, 2, 1],
        "from_rung" => [0i64, 0, 1, 1, 2, 3, 0],
        "to_rung" => [1i64, 2, 3, 1, 2, 4, 1],
        "period_start" => [d("2024-03-01"), d("2024-03-01"), d("2024-03-01"), d("2024-03-08"), d("2024-03-08"), d("2024-03-08"), d("2024-06-03")],
        "period_end" => [d("2024-03-07"), d("2024-03-07"), d("2024-03-07"), d("2024-03-14"), d("2024-03-14"), d("2024-03-14"), d("2024-06-09")],
        "actors" => [120i64, 40, 6, 110, 40, 6, 9],
    )
    .unwrap();
    ("ladder_transitions".into(), df)
}

fn ladder_summary_table() -> (String, DataFrame) {
    let rung_names = ["react", "amplify", "voice", "sign", "commit"];
    let mut lc = vec!["kenya"; 5];
    lc.extend(["shell"; 5]);
    let df = df!("campaign" => lc, "rung" => [1i64, 2, 3, 4, 5, 1, 2, 3, 4, 5], "rung_name" => [rung_names, rung_names].concat()).unwrap();
    ("ladder_summary".into(), df)
}

/// kenya only, two hashtags over the window.
fn hashtag_daily_table() -> (String, DataFrame) {
    let (mut c, mut tag, mut day, mut posts, mut reposts, mut authors) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (h, scale) in [("kenya2024", 10i64), ("justice", 3)] {
        for (k, dd) in run_of("2024-03-01", 14).into_iter().enumerate() {
            let k = k as i64;
            c.push("kenya");
            tag.push(h);
            day.push(dd);
            posts.push(scale * (1 + k.min(6)));
            reposts.push(scale * (k % 4));
            authors.push(scale * (1 + k.min(6)) * 2 / 3 + k % 3);
        }
    }
    let df = df!("campaign" => c, "hashtag" => tag, "day" => day, "posts" => posts, "reposts" => reposts, "authors" => authors).unwrap();
    ("hashtag_daily".into(), df)
}

fn target_response_table() -> (String, DataFrame) {
    let at = NaiveDateTime::parse_from_str("2024-03-05 14:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    let tr = df!("campaign" => ["kenya"], "target" => ["@shell"], "first_response_at" => [Some(at)]).unwrap();
    let tr = tr
        .lazy()
        .with_column(col("first_response_at").cast(DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))))
        .collect()
        .unwrap();
    ("target_response".into(), tr)
}

/// The signup rows both `signups` and `campaign_comparison` have: (campaign,
/// day_since_launch, signups_cum); kenya 14 days (2 a day → cum 2..28), shell 7 days (5 a
/// day → 5..35).
fn signup_rows() -> (Vec<&'static str>, Vec<i64>, Vec<i64>) {
    let (mut c, mut k_, mut cum) = (vec![], vec![], vec![]);
    for (camp, n, per) in [("kenya", 14i64, 2i64), ("shell", 7, 5)] {
        for k in 0..n {
            c.push(camp);
            k_.push(k);
            cum.push(per * (k + 1));
        }
    }
    (c, k_, cum)
}

fn signups_table() -> (String, DataFrame) {
    let (c, k_, cum) = signup_rows();
    let df = df!("campaign" => c, "day_since_launch" => k_, "signups_cum" => cum).unwrap();
    ("signups".into(), df)
}

/// kenya: 12 countries, country k (AU, BR, …) with k + 1 signatures and 2 events at KE,
/// then a row without a country; shell: only actions without a country (no chart).
fn by_country_table() -> (String, DataFrame) {
    let codes = ["AU", "BR", "CA", "DE", "ES", "FR", "GB", "IT", "KE", "NG", "NL", "SE"];
    let mut country: Vec<Option<&str>> = codes.iter().map(|c| Some(*c)).collect();
    country.extend([None, None]);
    let mut campaign = vec!["kenya"; 13];
    campaign.push("shell");
    let sign: Vec<i64> = (0..12).map(|k| k + 1).chain([0, 0]).collect();
    let attend: Vec<i64> = codes.iter().map(|c| if *c == "KE" { 2 } else { 0 }).chain([0, 0]).collect();
    let other: Vec<i64> = [0i64; 12].into_iter().chain([40, 7]).collect();
    let actors: Vec<i64> = (0..14).map(|k| k % 5 + 1).collect();
    let df = df!(
        "campaign" => campaign,
        "country" => country,
        "sign_petition" => sign,
        "attend_event" => attend,
        "donate" => vec![0i64; 14],
        "other" => other,
        "actors" => actors,
        "sessions" => vec![None::<i64>; 14],
    )
    .unwrap();
    ("by_country".into(), df)
}

#[test]
fn top_countries_cut_at_ten_and_keep_the_unknown_row() {
    let m = fixture();
    let t = countries::top(m.table("by_country"), "kenya").unwrap();
    // Actions: SE 12, NL 11, NG 10, KE 9 + 2 = 11, … AU 1: NL and KE tie at 11, by code.
    let codes: Vec<&str> = t.top.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["SE", "KE", "NL", "NG", "IT", "GB", "FR", "ES", "DE", "CA"]);
    // The other two: BR 2 + AU 1 = 3 signatures.
    let (n, rest) = t.rest.clone().unwrap();
    assert_eq!((n, rest.verbs), (2, [3, 0, 0, 0]));
    assert_eq!(t.unknown.as_ref().map(|u| u.verbs), Some([0, 0, 0, 40]));
    assert_eq!(countries::label("KE"), "KE Kenya");
    // shell: only the unknown row.
    let s = countries::top(m.table("by_country"), "shell").unwrap();
    assert!(s.top.is_empty() && s.rest.is_none() && s.unknown.is_some());
}

fn comparison_table() -> (String, DataFrame) {
    let (c, k_, cum) = signup_rows();
    let n = c.len();
    let per_1k = |v: &[i64]| -> Vec<Option<f64>> {
        c.iter().zip(v).map(|(camp, x)| (*camp == "kenya").then_some(*x as f64 / 12.5)).collect()
    };
    let eng: Vec<i64> = (0..n as i64).map(|i| 100 * (i % 14 + 1)).collect();
    let act: Vec<i64> = (0..n as i64).map(|i| 40 * (i % 14 + 1)).collect();
    let sess: Vec<i64> = (0..n as i64).map(|i| if c[i as usize] == "kenya" { 60 * (i + 1) } else { 0 }).collect();
    let df = df!(
        "campaign" => c.clone(), "day_since_launch" => k_,
        "engagements_cum" => eng.clone(), "engagements_cum_per_1k" => per_1k(&eng),
        "unique_actors_cum" => act.clone(), "unique_actors_cum_per_1k" => per_1k(&act),
        "signups_cum" => cum.clone(), "signups_cum_per_1k" => per_1k(&cum),
        "social_sessions_cum" => sess.clone(), "social_sessions_cum_per_1k" => per_1k(&sess),
    )
    .unwrap();
    ("campaign_comparison".into(), df)
}

/// kenya only: facebook/page fitted (a band) on Feb 20 .. Mar 20; twitter/amnesty with
/// counts but no trend (null projection).
fn growth_table() -> (String, DataFrame) {
    let (mut c, mut p, mut a, mut day, mut f, mut proj, mut lo, mut hi, mut win) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for (plat, acct, base, fitted) in
        [("facebook", "page", 1_020_000.0, true), ("twitter", "amnesty", 700_000.0, false)]
    {
        for (k, dd) in run_of("2024-02-20", 30).into_iter().enumerate() {
            let k = k as f64;
            let trend = base + 600.0 * k;
            let lift = if k >= 10.0 { 900.0 * (k - 9.0).min(14.0) } else { 0.0 };
            c.push("kenya");
            p.push(plat);
            a.push(acct);
            day.push(dd);
            f.push((k < 24.0 && k as i64 % 5 != 3).then_some((trend + lift + (k * 37.0) % 300.0) as i64));
            proj.push(fitted.then_some(trend));
            lo.push(fitted.then_some(trend - 800.0 - 20.0 * k));
            hi.push(fitted.then_some(trend + 800.0 + 20.0 * k));
            win.push((10.0..24.0).contains(&k));
        }
    }
    let df = df!("campaign" => c, "platform" => p, "account" => a, "day" => day, "followers" => f, "projected" => proj,
        "low" => lo, "high" => hi, "in_window" => win)
    .unwrap();
    ("growth".into(), df)
}

fn stems(cs: &[Chart]) -> Vec<&str> {
    cs.iter().map(|c| c.file_stem.as_str()).collect()
}

#[test]
fn two_campaigns_give_every_chart_with_data_in_report_order() {
    let cs = charts(&fixture()).unwrap();
    // shell has no traffic (no referral chart) and no hashtag (no hashtag chart).
    assert_eq!(
        stems(&cs),
        [
            "reach_daily-kenya",
            "reach_daily-shell",
            "growth-kenya",
            "engagement_by_content_type-kenya",
            "engagement_by_content_type-shell",
            "referral_uplift-kenya",
            "ladder-kenya",
            "ladder-shell",
            "hashtags-kenya",
            "signups",
            "campaigns_overlay",
            "by_country-kenya",
        ]
    );
    let mut sections: Vec<Section> = cs.iter().map(|c| c.section).collect();
    sections.dedup();
    let mut sorted = sections.clone();
    sorted.sort();
    assert_eq!(sections, sorted);
    assert_eq!(cs[0].campaign.as_deref(), Some("kenya"));
    assert_eq!(cs[9].campaign, None);
    assert!(cs.iter().all(|c| !c.caption.is_empty() && !c.title.is_empty()));
}

#[test]
fn growth_draws_a_panel_per_account_and_a_band_where_there_is_a_trend() {
    let cs = charts(&fixture()).unwrap();
    let g = cs.iter().find(|c| c.file_stem == "growth-kenya").unwrap();
    assert_eq!(g.section, Section::Growth);
    // Both panels are named; the legend's band is the fitted account's.
    assert!(g.svg.contains("facebook/page") && g.svg.contains("twitter/amnesty"));
    assert!(g.svg.contains("95% prediction band"));
    assert!(g.caption.contains("No trend for twitter/amnesty"), "{}", g.caption);
    // The y axis labels whole counts (1,020,000 … not "1.0M"): the axis starts near the data.
    assert!(g.svg.contains("1,020,000"), "y labels");
    // shell has no growth rows: no chart (the report says why).
    assert!(!cs.iter().any(|c| c.file_stem == "growth-shell"));
}

#[test]
fn a_table_without_rows_for_a_campaign_draws_nothing() {
    let mut m = fixture();
    // No referral rows at all, and one campaign only: no uplift chart, no overlay.
    let empty = m.table("referral_daily").clear();
    m.tables.insert("referral_daily".into(), empty);
    let kpis = m.table("campaign_kpis").head(Some(1));
    m.tables.insert("campaign_kpis".into(), kpis);
    let cs = charts(&m).unwrap();
    let s = stems(&cs);
    assert!(!s.iter().any(|s| s.starts_with("referral_uplift")), "{s:?}");
    assert!(!s.contains(&"campaigns_overlay"), "{s:?}");
    assert!(!s.iter().any(|s| s.ends_with("-shell")), "{s:?}");
    assert!(s.contains(&"signups"), "{s:?}"); // kenya's sign-ups alone still read
}

#[test]
fn svg_is_standalone_accessible_and_escaped() {
    let cs = charts(&fixture()).unwrap();
    let esc = "Kenya &amp; &lt;Friends&gt;";
    for c in &cs {
        check_xml(&c.svg);
        assert!(c.svg.contains(&format!("viewBox=\"0 0 {W} {H}\"")), "{}", c.file_stem);
        assert!(c.svg.contains("role=\"img\""));
        assert!(c.svg.contains(&format!("aria-label=\"{}\"", xml_escape(&c.title))));
        assert!(c.svg.contains(&xml_escape(&c.title)), "title drawn: {}", c.file_stem);
        assert!(!c.svg.contains(KENYA), "unescaped name in {}", c.file_stem);
        match c.campaign.as_deref() {
            Some("kenya") => assert!(c.svg.contains(esc), "{}", c.file_stem),
            Some(_) => assert!(c.svg.contains("Shell out"), "{}", c.file_stem),
            // Charts across campaigns name each one in the legend.
            None => assert!(c.svg.contains(esc) && c.svg.contains("Shell out"), "{}", c.file_stem),
        }
    }
    // The target's response is marked on the hashtag chart.
    let h = cs.iter().find(|c| c.file_stem == "hashtags-kenya").unwrap();
    assert!(h.svg.contains("@shell responded (05 Mar)"), "response label");
}

#[test]
fn png_is_900_by_420_with_text_drawn_from_the_embedded_font() {
    let cs = charts(&fixture()).unwrap();
    for c in &cs {
        let p = &c.png;
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n", "{}", c.file_stem);
        assert_eq!(&p[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(p[16..20].try_into().unwrap()), 900);
        assert_eq!(u32::from_be_bytes(p[20..24].try_into().unwrap()), 420);
        let mut r = png::Decoder::new(std::io::Cursor::new(p.as_slice())).read_info().unwrap();
        let mut buf = vec![0; r.output_buffer_size().unwrap()];
        let info = r.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height, info.color_type), (W, H, png::ColorType::Rgb));
        // The title strip (top 28 rows) has dark pixels: glyphs were rasterised.
        let dark = buf[..(W * 28 * 3) as usize].chunks(3).filter(|px| px.iter().all(|v| *v < 120)).count();
        assert!(dark > 200, "{}: {dark} dark title pixels", c.file_stem);
    }
}

#[test]
fn same_metrics_same_bytes() {
    let m = fixture();
    let (a, b) = (charts(&m).unwrap(), charts(&m).unwrap());
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(&b) {
        assert!(a.svg == b.svg && a.png == b.png, "{} differs between two calls", a.file_stem);
    }
}

#[test]
fn numbers_and_stems_read_well() {
    assert_eq!(num(1234.0), "1,234");
    assert_eq!(num(-1234.0), "-1,234");
    assert_eq!(num(45_600.0), "46k");
    assert_eq!(num(2_500_000.0), "2.5M");
    assert_eq!(num(4.25), "4.2"); // {:.1}: round-half-even on the binary value 4.25
    assert_eq!(num(0.046), "0.05");
    assert_eq!(safe("kenya 2024/a&b"), "kenya_2024_a_b");
    assert_eq!(stem_id("kenya-2024_b"), "kenya-2024_b");
    let (a, b) = (stem_id("a&b"), stem_id("a?b"));
    assert!(a.starts_with("a_b-") && b.starts_with("a_b-") && a != b, "{a} {b}");
}

#[test]
fn category_axes_label_whole_positions_only() {
    let l = vec!["react".to_string(), "amplify".to_string()];
    assert_eq!(category_label(&l, 1.0), "amplify");
    assert_eq!(category_label(&l, 0.999_999_9), "amplify"); // 1e-7 off a whole number: still 1
    assert_eq!(category_label(&l, 0.5), ""); // between two categories
    assert_eq!(category_label(&l, 2.0), ""); // beyond the last (2 labels: 0 and 1)
    assert_eq!(category_label(&l, -1.0), "");
    assert_eq!(whole(3.000_000_1), Some(3.0));
    assert_eq!(whole(2.5), None);
}

/// Not a test: a viewing aid, ignored by default. Writes every chart (PNG and SVG) of the
/// fixture, or of the analyze output folder in $RALLYLENS_METRICS_DIR, to
/// $RALLYLENS_CHARTS_OUT, and prints the time `charts` took:
/// `RALLYLENS_CHARTS_OUT=/tmp/c cargo test --lib write_charts_to_look_at -- --ignored --nocapture`
#[test]
#[ignore]
fn write_charts_to_look_at() {
    let out = std::path::PathBuf::from(std::env::var("RALLYLENS_CHARTS_OUT").unwrap());
    std::fs::create_dir_all(&out).unwrap();
    // RALLYLENS_METRICS_DIR: an analyze output folder instead of the fixture.
    let m = match std::env::var("RALLYLENS_METRICS_DIR") {
        Ok(dir) => Metrics::load(std::path::Path::new(&dir)).unwrap(),
        Err(_) => fixture(),
    };
    let t = std::time::Instant::now();
    let cs = charts(&m).unwrap();
    eprintln!("{} charts in {:.2} s", cs.len(), t.elapsed().as_secs_f64());
    for c in cs {
        std::fs::write(out.join(format!("{}.png", c.file_stem)), &c.png).unwrap();
        std::fs::write(out.join(format!("{}.svg", c.file_stem)), &c.svg).unwrap();
    }
}

#[test]
fn benchmarks_are_marked_only_on_the_same_formula_and_basis() {
    let mut m = fixture();
    // kenya facebook photo (basis reach, 4.6%): its own normal 4.0%, a published 3.0% on
    // reach (marked), one on followers and one of another formula (not marked).
    let df = df!(
        "campaign" => ["kenya", "kenya", "kenya", "kenya"],
        "platform" => ["facebook"; 4],
        "content_type" => ["photo"; 4],
        "benchmark" => ["a_reach", "b_followers", "c_median", "own_baseline"],
        "basis" => ["reach", "followers", "reach", "reach"],
        "value" => [0.03, 0.002, 0.05, 0.04],
        "formula" => ["ratio_of_sums", "ratio_of_sums", "median_of_accounts", "ratio_of_sums"],
        "source" => ["Report A, 2024", "Report B, 2024", "Report C, 2024", "own facebook photo posts"],
    )
    .unwrap();
    m.tables.insert("benchmarks".into(), df);
    let cs = charts(&m).unwrap();
    let kenya = cs.iter().find(|c| c.file_stem == "engagement_by_content_type-kenya").unwrap();
    assert!(kenya.caption.contains("A cross marks the account's own normal"), "{}", kenya.caption);
    assert!(kenya.caption.ends_with("same formula and basis: Report A, 2024."), "{}", kenya.caption);
    assert!(kenya.svg.contains("Report A, 2024") && !kenya.svg.contains("Report B") && !kenya.svg.contains("Report C"));
    // shell has no benchmark row: no marks, no words about them.
    let shell = cs.iter().find(|c| c.file_stem == "engagement_by_content_type-shell").unwrap();
    assert!(!shell.caption.contains("cross") && !shell.caption.contains("Triangles"), "{}", shell.caption);
}
