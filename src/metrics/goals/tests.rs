use super::*;
use crate::model::{Action, Micros, Post, Traffic};
use crate::pipeline::Pipeline;

fn ts(s: &str) -> Option<Micros> {
    Micros::parse_iso(s)
}

fn tweet(id: &str, handle: &str, at: &str, tags: &[&str], mentions: &[&str]) -> Post {
    let mut p = crate::metrics::hashtags::tests::post(id, handle, at);
    p.hashtags = tags.iter().map(|s| s.to_string()).collect();
    p.mentions = mentions.iter().map(|s| s.to_string()).collect();
    p
}

fn sign(who: &str, at: &str) -> Action {
    Action {
        platform: "petition".into(),
        actor_id: who.into(),
        action: "sign_petition".into(),
        occurred_at: ts(at),
        campaign: Some("k".into()),
        ..Default::default()
    }
}

/// The campaign `k` (1–5 March 2024, UTC, hashtag #clean, target @minister) with the goals
/// `goals` (TOML), analyzed over a hand-made lake:
/// - sign-ups: 1 on 1 Mar, 2 on 2 Mar, 1 on 4 Mar: running total 1, 3, 3, 4, 4;
/// - #clean: alice (1 Mar, also mentions @minister), bob (2 Mar, mentions @Minister), alice
///   again (3 Mar), carol's repost (3 Mar): originals 1, 2, 3 by day 0, 1, 2; authors alice,
///   bob, carol on days 0, 1, 2;
/// - @minister replies to bob's post on 4 Mar 13:00: first mention 1 Mar 10:00, so the
///   latency is 3 days and 3 hours = 75 h;
/// - no own post: own_engagements is null;
/// - web traffic: 23–29 Feb (7 baseline days, every weekday once) 10 Facebook sessions a
///   day; 1–5 March 12, 15, 10, 20, 8. Fewer than 14 baseline days and every weekday of the
///   window in the baseline: method dow_mean, 10 expected a day. Uplift per day 2, 5, 0,
///   10, −2: running total 2, 7, 7, 17, 15 of 10, 20, 30, 40, 50 expected (all_social is
///   Facebook alone).
///
/// Returns the `goals` table and `metrics.json`.
fn analyzed(goals: &str) -> (DataFrame, Value) {
    let goals = goals.to_string();
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let d = tempfile::tempdir().unwrap();
            let root = d.path().join("lake");
            let mut reply = tweet("t1", "minister", "2024-03-04T13:00:00Z", &[], &[]);
            reply.in_reply_to_post_id = Some("p2".into());
            reply.in_reply_to_account = Some("bob".into());
            let mut repost = tweet("r1", "carol", "2024-03-03T09:00:00Z", &["clean"], &[]);
            repost.is_repost = Some(true);
            let posts = [
                tweet("p1", "alice", "2024-03-01T10:00:00Z", &["#Clean"], &["minister"]),
                tweet("p2", "bob", "2024-03-02T10:00:00Z", &["clean"], &["@Minister"]),
                tweet("p3", "alice", "2024-03-03T10:00:00Z", &["CLEAN"], &[]),
                repost,
                reply,
            ];
            let actions = [
                sign("s1", "2024-03-01T08:00:00Z"),
                sign("s2", "2024-03-02T08:00:00Z"),
                sign("s3", "2024-03-02T09:00:00Z"),
                sign("s4", "2024-03-04T08:00:00Z"),
            ];
            let day = |d: &str| Some(Day::from_naive(d.parse().unwrap()));
            let fb = |d: &str, n: i64| Traffic {
                platform: "web".into(),
                date_start: day(d),
                date_end: day(d),
                channel: "facebook",
                sessions: Some(n),
                ..Default::default()
            };
            let mut traffic: Vec<Traffic> = (23..=29).map(|d| fb(&format!("2024-02-{d}"), 10)).collect();
            for (d, n) in [(1, 12), (2, 15), (3, 10), (4, 20), (5, 8)] {
                traffic.push(fb(&format!("2024-03-0{d}"), n));
            }
            crate::testkit::write_records(&root, "t", &posts, &actions, &traffic, &[]).unwrap();
            let toml = format!(
                "[output]\ndir='o'\n[[campaigns]]\nid='k'\nstart=2024-03-01\nend=2024-03-05\n\
                 hashtags=['clean']\ntargets=['minister']\n{goals}"
            );
            let pipe = Pipeline::parse(std::path::Path::new("p.toml"), &toml).unwrap();
            let out = d.path().join("out");
            crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
            let file = std::fs::File::open(out.join("metrics/goals.parquet")).unwrap();
            let df = ParquetReader::new(file).finish().unwrap();
            let json = serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
            (df, json)
        })
        .unwrap()
        .join()
        .unwrap()
}

fn strs(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    df.column(c).unwrap().str().unwrap().iter().map(|s| s.map(String::from)).collect()
}

fn nums(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    df.column(c).unwrap().f64().unwrap().iter().collect()
}

fn days(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    let d = df.column(c).unwrap().cast(&DataType::Int32).unwrap();
    d.i32().unwrap().iter().map(|d| d.map(|d| Day(d).to_naive().to_string())).collect()
}

fn met(df: &DataFrame) -> Vec<Option<bool>> {
    df.column("met").unwrap().bool().unwrap().iter().collect()
}

#[test]
fn counts_are_met_on_the_day_their_running_total_reaches_the_target() {
    let (df, json) = analyzed(
        "[[campaigns.goals]]\nmetric='signups_total'\ntarget=3\n\
         [[campaigns.goals]]\nmetric='signups_total'\ntarget=4\nby=2024-03-03\nlabel='Four by Sunday'\n\
         [[campaigns.goals]]\nmetric='hashtag_posts'\ntarget=3\n\
         [[campaigns.goals]]\nmetric='hashtag_authors'\ntarget=4\n\
         [[campaigns.goals]]\nmetric='mentioning_authors'\ntarget=2\nby=2024-03-01\n\
         [[campaigns.goals]]\nmetric='target_mentions'\ntarget=2\n",
    );
    GOALS.check_computed(&df).unwrap();
    assert_eq!(
        strs(&df, "goal"),
        [
            "signups_total",
            "four-by-sunday",
            "hashtag_posts",
            "hashtag_authors",
            "mentioning_authors",
            "target_mentions"
        ]
        .map(|s| Some(s.to_string()))
    );
    assert_eq!(strs(&df, "label")[..2], [Some("Sign-ups".into()), Some("Four by Sunday".into())]);
    // Sign-ups 1, 3, 3, 4, 4: 4 over the window ≥ 3, first on day 1 (2 March).
    // As of 3 March (by): 3 of 4, progress 0.75, not met.
    // #clean originals 1, 2, 3: 3 ≥ 3 from 3 March. Authors alice, bob, carol: 3 of 4.
    // Mentioning authors as of 1 March: alice alone, 1 of 2. Mentions: p1 and p2, 2 ≥ 2 on 2 March.
    assert_eq!(nums(&df, "actual"), [Some(4.0), Some(3.0), Some(3.0), Some(3.0), Some(1.0), Some(2.0)]);
    assert_eq!(met(&df), [Some(true), Some(false), Some(true), Some(false), Some(false), Some(true)]);
    assert_eq!(nums(&df, "progress"), [Some(4.0 / 3.0), Some(0.75), Some(1.0), Some(0.75), Some(0.5), Some(1.0)]);
    let first: Vec<Option<String>> = [Some("2024-03-02"), None, Some("2024-03-03"), None, None, Some("2024-03-02")]
        .map(|s| s.map(String::from))
        .to_vec();
    assert_eq!(days(&df, "first_met_at"), first);
    assert_eq!(days(&df, "by")[1], Some("2024-03-03".into()));
    assert_eq!(strs(&df, "reason"), vec![None; 6]);
    // campaign_kpis: 3 of the 6 goals met.
    let fig = &json["campaigns"][0]["figures"];
    assert_eq!((fig["goals_met"]["value"].as_i64(), fig["goals_total"]["value"].as_i64()), (Some(3), Some(6)));
    assert_eq!(json["campaigns"][0]["goals"][1]["first_met_at"], Value::Null);
    assert_eq!(json["campaigns"][0]["goals"][0]["first_met_at"], json!("2024-03-02"));
}

#[test]
fn the_target_response_and_an_at_most_latency() {
    let (df, json) = analyzed(
        "[[campaigns.goals]]\nmetric='target_responded'\ntarget=true\n\
         [[campaigns.goals]]\nmetric='target_responded'\ntarget=true\nby=2024-03-03\nlabel='Before the vote'\n\
         [[campaigns.goals]]\nmetric='target_latency_hours'\ntarget=80\n\
         [[campaigns.goals]]\nmetric='target_latency_hours'\ntarget=48\nlabel='Within two days'\n\
         [[campaigns.goals]]\nmetric='own_engagements'\ntarget=10\n",
    );
    // The reply of 4 March: responded (1 ≥ 1) from 4 March; as of 3 March, not yet (0).
    // Latency 75 h: ≤ 80 met (progress 75/80 = 0.9375) from 4 March, when both the first
    // mention and the response had happened; ≤ 48 not met (75/48 = 1.5625).
    // No own post: own_engagements is null, so the goal's status is unknown, with its reason.
    assert_eq!(nums(&df, "actual"), [Some(1.0), Some(0.0), Some(75.0), Some(75.0), None]);
    assert_eq!(met(&df), [Some(true), Some(false), Some(true), Some(false), None]);
    assert_eq!(nums(&df, "progress"), [Some(1.0), Some(0.0), Some(0.9375), Some(1.5625), None]);
    assert_eq!(strs(&df, "sense"), ["≥", "≥", "≤", "≤", "≥"].map(|s| Some(s.to_string())));
    let first: Vec<Option<String>> =
        [Some("2024-03-04"), None, Some("2024-03-04"), None, None].map(|s| s.map(String::from)).to_vec();
    assert_eq!(days(&df, "first_met_at"), first);
    assert_eq!(strs(&df, "reason")[4].as_deref(), Some("no own post has engagement figures"));
    let goals = &json["campaigns"][0]["goals"];
    assert_eq!(goals[0]["target"], json!(true));
    assert_eq!(goals[1]["actual"], json!(false));
    assert_eq!(goals[4]["met"], Value::Null);
    assert_eq!(goals[4]["reason"], json!("no own post has engagement figures"));
    assert!(goals[0].get("reason").is_none());
    // 2 met of 5; the unknown one is not counted as met.
    let fig = &json["campaigns"][0]["figures"];
    assert_eq!((fig["goals_met"]["value"].as_i64(), fig["goals_total"]["value"].as_i64()), (Some(2), Some(5)));
}

#[test]
fn a_campaign_without_goals_has_none_met_and_a_reason() {
    let (df, json) = analyzed("");
    assert_eq!(df.height(), 0);
    GOALS.check_computed(&df).unwrap();
    let fig = &json["campaigns"][0]["figures"];
    assert_eq!(fig["goals_total"]["value"], json!(0));
    assert_eq!(fig["goals_met"]["reason"], json!("the campaign sets no goal"));
}

#[test]
fn every_kpi_source_is_a_campaign_kpis_column() {
    for m in METRICS {
        if let Source::Kpi(k) = m.actual {
            assert!(kpis::CAMPAIGN_KPIS.columns.contains(&k), "{}: {k}", m.name);
        }
        assert_eq!(metric(m.name).map(|x| x.name), Some(m.name));
    }
    assert!(metric("followers").is_none());
}

#[test]
fn referral_uplift_goals_follow_the_running_uplift() {
    let (df, json) = analyzed(
        "[[campaigns.goals]]\nmetric='social_uplift_sessions'\ntarget=10\n\
         [[campaigns.goals]]\nmetric='social_uplift_rel'\ntarget=0.3\nby=2024-03-02\n\
         [[campaigns.goals]]\nmetric='facebook_uplift_rel'\ntarget=0.5\n",
    );
    // The window: 15 sessions above the 50 expected, 15 ≥ 10, first on 4 March (17).
    // As of 2 March: 7 / 20 = 0.35 ≥ 0.3, first that day (1 March: 2 / 10 = 0.2).
    // Facebook over the window: 15 / 50 = 0.3 of 0.5, not met.
    assert_eq!(json["campaigns"][0]["figures"]["social_uplift_sessions"]["value"].as_f64(), Some(15.0));
    let actual = nums(&df, "actual");
    assert!((actual[0].unwrap() - 15.0).abs() < 1e-9 && (actual[1].unwrap() - 0.35).abs() < 1e-9, "{actual:?}");
    assert!((actual[2].unwrap() - 0.3).abs() < 1e-9, "{actual:?}");
    assert_eq!(met(&df), [Some(true), Some(true), Some(false)]);
    let first: Vec<Option<String>> =
        [Some("2024-03-04"), Some("2024-03-02"), None].map(|s| s.map(String::from)).to_vec();
    assert_eq!(days(&df, "first_met_at"), first);
}
