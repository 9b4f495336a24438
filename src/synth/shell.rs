//! Shell: Amnesty's Twitter campaign that hijacked Shell's `#makethefuture` hashtag to ask
//! Shell to clean up its oil spills in the Niger Delta. The window is a plausible choice,
//! not a documented date: 1–21 October 2012 (three weeks, Europe/London), after a September
//! in which `#makethefuture` carried only Shell's own marketing and a few fans.
//!
//! Files (under `shell/`): the twarc2 collection, twarc2 `liking-users` pages for Amnesty's
//! most liked campaign tweets, a social tool's likes export (`actions-csv`, by Twitter user
//! id), Amnesty's Facebook page posts and `page_fans`, Instagram media and account, website
//! traffic (UA), Action Network petition signatures, and the CRM's earlier actions (by
//! e-mail). Supporters are population `shell` of [`people`]: the same low indices are the
//! most active everywhere, so many who liked or retweeted in September speak up or sign in
//! October (ladder climbs).

use std::collections::VecDeque;
use std::io::{self, Write};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::Rng;

use super::people::{person, Person};
use super::twarc2::{snowflake, Collection, Tweet, User};
use super::{action_network_csv as an, actions_csv, facebook_graph as fb, instagram_graph as ig, ua_csv};
use super::{
    count, day, days, launch_curve, lognormal, midnight, pick, skewed, time_in_day, weekday_factor, Export, Gen,
};

/// The campaign window (inclusive) and the 28-day baseline before it.
pub fn start() -> NaiveDate {
    day(2012, 10, 1)
}
pub fn end() -> NaiveDate {
    day(2012, 10, 21)
}
fn baseline_start() -> NaiveDate {
    day(2012, 9, 3)
}
/// Collections run until a week after the window (target responses count until then).
fn collection_end() -> NaiveDate {
    day(2012, 10, 28)
}
/// London in October 2012 is on BST (UTC+1) until the 28th.
const UTC_OFFSET_H: i64 = 1;
/// The campaign hashtag, as written (ingest lower-cases it).
pub const HASHTAG: &str = "makethefuture";
pub const TARGET: &str = "Shell";
pub const AMNESTY_HANDLE: &str = "amnesty";
pub const URL_PREFIX: &str = "http://www.amnesty.org/en/shell";
const POP: &str = "shell";
/// Supporters per unit of scale.
const SUPPORTERS: u64 = 3_000;

const AMNESTY_ID: u64 = 18_213_483;
const SHELL_ID: u64 = 14_678_522;

fn amnesty_user(d: NaiveDate) -> User {
    // ~700k followers in September 2012, +900 a day, +2,000 more a day during the campaign.
    let k = (d - day(2012, 9, 1)).num_days().max(0) as u64;
    let extra = (d - start()).num_days().clamp(0, 21) as u64 * 2_000;
    User {
        id: AMNESTY_ID,
        username: AMNESTY_HANDLE.into(),
        name: "Amnesty International".into(),
        followers: 700_000 + 900 * k + extra,
        following: 2_100,
        tweets: 21_000 + 5 * k,
        created_at: midnight(day(2008, 12, 2), 0),
        verified: true,
        location: "London, UK",
    }
}

fn shell_user(d: NaiveDate) -> User {
    let k = (d - day(2012, 9, 1)).num_days().max(0) as u64;
    User {
        id: SHELL_ID,
        username: TARGET.into(),
        name: "Shell".into(),
        followers: 215_000 + 150 * k,
        following: 310,
        tweets: 4_800 + k,
        created_at: midnight(day(2008, 9, 1), 0),
        verified: true,
        location: "The Hague, NL",
    }
}

fn supporter_user(p: &Person, d: NaiveDate) -> User {
    let k = (d - day(2012, 9, 1)).num_days().max(0) as u64;
    User {
        id: p.twitter_id,
        username: p.handle.clone(),
        name: format!("{} {}", p.first, p.last),
        followers: p.followers + k / 10,
        following: 150 + p.followers / 3,
        tweets: 400 + p.followers * 2,
        created_at: midnight(day(2009, 1, 1), 0) + Duration::days((p.twitter_id % 1200) as i64),
        verified: false,
        location: "",
    }
}

// ---------------------------------------------------------------- Amnesty's own tweets

/// One of Amnesty's own tweets: shared by the collection, the likes export and the
/// liking-users pages (a pure function of the seed, computed by each).
pub struct OwnTweet {
    pub tweet: Tweet,
    pub likes: u64,
}

/// Amnesty's tweets: three a day before the campaign (other topics), six a day in the
/// window (all `#makethefuture`), two a day in the week after. Content types: photo,
/// video, link to the campaign page, or text; likes heavy-tailed and growing with scale.
pub fn own_tweets(g: &Gen) -> Vec<OwnTweet> {
    let mut rng = g.rng("shell/own_tweets");
    let mut out = Vec::new();
    let mut seq = 0;
    for d in days(baseline_start(), collection_end()) {
        let in_window = d >= start() && d <= end();
        let n = if in_window {
            6
        } else if d > end() {
            2
        } else {
            3
        };
        let mut times: Vec<DateTime<Utc>> = (0..n).map(|_| time_in_day(&mut rng, d, UTC_OFFSET_H)).collect();
        times.sort();
        for t in times {
            seq += 1;
            let kind = *pick(&mut rng, &[("photo", 35), ("link", 35), ("video", 10), ("text", 20)]);
            let (mut text, url) = if in_window {
                let k = rng.gen_range(0..CAMPAIGN_LINES.len());
                (format!("{} #{HASHTAG}", CAMPAIGN_LINES[k]), format!("{URL_PREFIX}/niger-delta-{}", k + 1))
            } else {
                let k = rng.gen_range(0..OTHER_LINES.len());
                (OTHER_LINES[k].to_string(), format!("http://www.amnesty.org/en/news/2012-{:04}", seq))
            };
            let mut urls = Vec::new();
            if kind == "link" {
                let tco = format!("http://t.co/{}", short(seq));
                text = format!("{text} {tco}");
                urls.push((tco, url));
            }
            let media = match kind {
                "photo" => Some((format!("3_{}", snowflake(t, seq)), "photo")),
                "video" => Some((format!("7_{}", snowflake(t, seq)), "video")),
                _ => None,
            };
            // Likes: median 40 × scale (campaign tweets twice that), heavy tail.
            let boost = if in_window { 2.0 } else { 1.0 };
            let likes = (lognormal(&mut rng, 40.0 * boost, 0.9) * g.scale as f64).round() as u64;
            let retweets = (likes as f64 * rng.gen_range(0.4..1.2)).round() as u64;
            let id = snowflake(t, seq);
            out.push(OwnTweet {
                tweet: Tweet {
                    id,
                    author_id: AMNESTY_ID,
                    text,
                    created_at: t,
                    lang: "en",
                    referenced: None,
                    in_reply_to_user_id: None,
                    conversation_id: id,
                    media,
                    urls,
                    metrics: (retweets, likes / 12, likes, likes / 25),
                    mentions: Vec::new(),
                },
                likes,
            });
        }
    }
    out
}

fn short(n: u64) -> String {
    const A: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut x = n.wrapping_mul(0x9E37_79B9) ^ 0x5bd1e995;
    (0..10)
        .map(|_| {
            let c = A[(x % A.len() as u64) as usize] as char;
            x /= A.len() as u64;
            x = x.wrapping_mul(31).wrapping_add(7);
            c
        })
        .collect()
}

const CAMPAIGN_LINES: &[&str] = &[
    "Shell wants you to imagine the future. The Niger Delta can't: oil spills are its present.",
    "50 years of oil spills in the Niger Delta. Ask Shell to clean up.",
    "What future is Shell making for Bodo's fishermen? Tell Shell to clean up its mess.",
    "Shell is asking what you want for the future. Tell them: justice for the Niger Delta.",
    "Fact: Shell's own figures show hundreds of spills in the Delta. Clean it up, Shell.",
    "Photos from Ogoniland: the future Shell made. Sign the petition.",
];
const OTHER_LINES: &[&str] = &[
    "Death penalty: a new report on executions worldwide.",
    "Urgent action: human rights defender detained.",
    "Freedom of expression is under attack. Read our latest briefing.",
    "Thank you to everyone who wrote for rights this week!",
    "Arms trade treaty: governments must not give up now.",
];

/// What supporters write, by language (with the hashtag; `{t}` is the target's handle).
const SUPPORTER_LINES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "Dear @{t}, the future you should make is a clean Niger Delta",
            "Clean up the Niger Delta first, @{t}",
            "Make the future? Start by cleaning up your oil spills",
            "Oil spills are not the future we want",
            "Imagine a future where @{t} pays for its spills",
        ],
    ),
    ("nl", &["Beste @{t}, ruim eerst de olie in de Nigerdelta op", "Dit is niet de toekomst die we willen"]),
    ("de", &["Liebe @{t}, räumt zuerst das Nigerdelta auf", "Ölpest ist keine Zukunft"]),
    ("fr", &["Chère @{t}, nettoyez d'abord le delta du Niger", "Les marées noires ne sont pas notre avenir"]),
    ("es", &["Querida @{t}, limpia primero el delta del Níger", "Los derrames no son el futuro"]),
    ("pt", &["@{t}, limpe primeiro o delta do Níger", "Derrames não são o futuro"]),
    ("it", &["Cara @{t}, prima ripulisci il delta del Niger", "Le fuoriuscite non sono il futuro"]),
    ("sv", &["Kära @{t}, städa upp Nigerdeltat först", "Oljeutsläpp är ingen framtid"]),
];

fn supporter_line(rng: &mut StdRng, lang: &str, mention: bool) -> String {
    let lines = SUPPORTER_LINES.iter().find(|(l, _)| *l == lang).map(|l| l.1).unwrap_or(SUPPORTER_LINES[0].1);
    let with: Vec<&&str> = lines.iter().filter(|l| l.contains("@{t}") == mention).collect();
    let line = if with.is_empty() { lines[0] } else { with[rng.gen_range(0..with.len())] };
    let line = if mention && !line.contains("@{t}") { format!("@{{t}} {line}") } else { line.to_string() };
    format!("{} #{HASHTAG}", line.replace("{t}", TARGET))
}

const SHELL_MARKETING: &[&str] = &[
    "What will power the cities of the future? Share your ideas",
    "Bright ideas for a brighter future. Join the conversation",
    "Energy for everyone: how will we power 9 billion people?",
];

// ---------------------------------------------------------------- the collection

/// `shell/twitter/makethefuture_search.jsonl`: twarc2 search (`#makethefuture OR @Shell OR
/// from:amnesty OR to:amnesty`), collected daily from 3 September to 28 October 2012.
pub const TWITTER: Export = Export {
    path: "shell/twitter/makethefuture_search.jsonl",
    format: "twitter-v2-jsonl",
    about: "twarc2 search pages: #makethefuture OR @Shell OR from:amnesty OR to:amnesty, 2012-09-03..2012-10-28",
    write: write_collection,
};

/// Supporter tweets a day, per unit of scale: a trickle before the launch (replies to and
/// retweets of Amnesty), 45 at the launch level, spiking 3× on launch day and decaying with a
/// 4-day time constant, a trickle after.
const PRE_TWEETS_PER_DAY: f64 = 10.0;
const WINDOW_TWEETS_PER_DAY: f64 = 45.0;
const POST_TWEETS_PER_DAY: f64 = 12.0;

/// A tweet of the collection, the users its page's `includes` need, and the tweet it
/// references (if the collection shows it).
type DayTweet = (Tweet, Vec<User>, Option<Tweet>);

/// Every random draw comes from the one `rng` seeded here, passed down by `&mut` in the
/// order the days and tweets are written: `data/` depends on that order.
fn write_collection(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(TWITTER.path);
    let own = own_tweets(g);
    let n_sup = g.scaled(SUPPORTERS);
    let mut col = Collection::new(w, "%23makethefuture%20OR%20%40Shell%20OR%20from%3Aamnesty%20OR%20to%3Aamnesty");
    // Recent originals that supporters retweet, quote or reply to (bounded).
    let mut recent: VecDeque<(Tweet, User)> = VecDeque::new();
    let mut own_i = 0;
    let mut seq: u64 = 1_000_000;
    // The one reply from @Shell: on the campaign's third day, to a supporter who mentioned it.
    let reply_day = start() + Duration::days(2);
    for d in days(baseline_start(), collection_end()) {
        let retrieved = midnight(d + Duration::days(1), UTC_OFFSET_H) + Duration::minutes(30);
        let mut day_tweets: Vec<DayTweet> = Vec::new();
        // Amnesty's tweets of the day.
        while own_i < own.len() && own[own_i].tweet.created_at < midnight(d + Duration::days(1), UTC_OFFSET_H) {
            let t = own[own_i].tweet.clone();
            recent.push_back((t.clone(), amnesty_user(d)));
            day_tweets.push((t, vec![amnesty_user(d)], None));
            own_i += 1;
        }
        // Shell's own #makethefuture marketing, before the campaign only.
        if d < start() {
            day_tweets.push(shell_marketing(&mut rng, d, &mut seq));
        }
        supporter_tweets(g, &mut rng, d, n_sup, &mut recent, &mut seq, &mut day_tweets);
        if d == reply_day {
            day_tweets.extend(shell_exchange(g, d, &mut seq));
        }
        write_day(&mut col, day_tweets, retrieved)?;
    }
    Ok(())
}

/// One of Shell's own #makethefuture marketing tweets on day `d`.
fn shell_marketing(rng: &mut StdRng, d: NaiveDate, seq: &mut u64) -> DayTweet {
    let t0 = time_in_day(rng, d, UTC_OFFSET_H);
    *seq += 1;
    let id = snowflake(t0, *seq);
    let text = format!("{} #{HASHTAG}", SHELL_MARKETING[rng.gen_range(0..SHELL_MARKETING.len())]);
    let t = Tweet {
        id,
        author_id: SHELL_ID,
        text,
        created_at: t0,
        lang: "en",
        referenced: None,
        in_reply_to_user_id: None,
        conversation_id: id,
        media: None,
        urls: Vec::new(),
        metrics: (rng.gen_range(5..40), rng.gen_range(0..10), rng.gen_range(10..90), 0),
        mentions: Vec::new(),
    };
    (t, vec![shell_user(d)], None)
}

/// The supporters' tweets of day `d`, in time order, appended to `day_tweets`; `recent`
/// keeps the last 300 originals they may retweet, quote or reply to.
fn supporter_tweets(
    g: &Gen,
    rng: &mut StdRng,
    d: NaiveDate,
    n_sup: u64,
    recent: &mut VecDeque<(Tweet, User)>,
    seq: &mut u64,
    day_tweets: &mut Vec<DayTweet>,
) {
    let in_window = d >= start() && d <= end();
    let mean = if in_window {
        WINDOW_TWEETS_PER_DAY * launch_curve(d, start(), 3.0, 4.0)
    } else if d > end() {
        POST_TWEETS_PER_DAY
    } else {
        PRE_TWEETS_PER_DAY
    } * weekday_factor(d)
        * g.scale as f64;
    let n = count(rng, mean);
    let mut times: Vec<DateTime<Utc>> = (0..n).map(|_| time_in_day(rng, d, UTC_OFFSET_H)).collect();
    times.sort();
    for t0 in times {
        *seq += 1;
        day_tweets.push(supporter_tweet(g, rng, d, t0, n_sup, recent, *seq));
        while recent.len() > 300 {
            recent.pop_front();
        }
    }
}

/// One supporter tweet at `t0` (id sequence number `seq`): a retweet, reply or quote of a
/// recent original, or an original of its own (which, in the window and not mentioning the
/// target, joins `recent`).
fn supporter_tweet(
    g: &Gen,
    rng: &mut StdRng,
    d: NaiveDate,
    t0: DateTime<Utc>,
    n_sup: u64,
    recent: &mut VecDeque<(Tweet, User)>,
    seq: u64,
) -> DayTweet {
    let in_window = d >= start() && d <= end();
    let p = person(g, POP, skewed(rng, n_sup, 1.8));
    let me = supporter_user(&p, d);
    let kind = if d >= start() {
        *pick(rng, &[("retweet", 50), ("original", 18), ("mention", 17), ("reply", 8), ("quote", 7)])
    } else {
        *pick(rng, &[("retweet", 60), ("reply", 25), ("original", 15)])
    };
    let id = snowflake(t0, seq);
    let base = Tweet {
        id,
        author_id: me.id,
        text: String::new(),
        created_at: t0,
        lang: p.lang,
        referenced: None,
        in_reply_to_user_id: None,
        conversation_id: id,
        media: None,
        urls: Vec::new(),
        metrics: (0, 0, 0, 0),
        mentions: Vec::new(),
    };
    let small = |rng: &mut StdRng| {
        let likes = lognormal(rng, 1.5, 1.2).floor() as u64;
        (likes / 3, likes / 4, likes, 0)
    };
    let pick_recent = |rng: &mut StdRng, recent: &VecDeque<(Tweet, User)>| {
        // Mostly the newest (what timelines show), mostly Amnesty's.
        let k = skewed(rng, recent.len() as u64, 2.0) as usize;
        recent.get(recent.len().saturating_sub(1 + k)).cloned()
    };
    match (kind, pick_recent(rng, recent)) {
        ("retweet", Some((orig, author))) => {
            let mut text = format!("RT @{}: {}", author.username, orig.text);
            if text.chars().count() > 140 {
                text = text.chars().take(139).collect::<String>() + "…";
            }
            let t = Tweet {
                text,
                lang: orig.lang,
                referenced: Some(("retweeted", orig.id)),
                metrics: (orig.metrics.0, 0, 0, 0),
                mentions: vec![(author.username.clone(), author.id)],
                ..base
            };
            (t, vec![me, author], Some(orig))
        }
        ("reply", Some((orig, author))) | ("quote", Some((orig, author))) => {
            let words = supporter_line(rng, p.lang, false);
            let t = if kind == "reply" {
                Tweet {
                    text: format!("@{} {words}", author.username),
                    referenced: Some(("replied_to", orig.id)),
                    in_reply_to_user_id: Some(author.id),
                    conversation_id: orig.conversation_id,
                    mentions: vec![(author.username.clone(), author.id)],
                    metrics: small(rng),
                    ..base
                }
            } else {
                let tco = format!("https://t.co/{}", short(seq));
                let link = format!("https://twitter.com/{}/status/{}", author.username, orig.id);
                Tweet {
                    text: format!("{words} {tco}"),
                    referenced: Some(("quoted", orig.id)),
                    urls: vec![(tco, link)],
                    metrics: small(rng),
                    ..base
                }
            };
            (t, vec![me, author], Some(orig))
        }
        _ => {
            let mention = kind == "mention" || (d >= start() && rng.gen_bool(0.1));
            let text = if d >= start() {
                supporter_line(rng, p.lang, mention)
            } else {
                format!("@{AMNESTY_HANDLE} thank you for your work on human rights")
            };
            let mentions = if mention {
                vec![(TARGET.to_string(), SHELL_ID)]
            } else if d < start() {
                vec![(AMNESTY_HANDLE.to_string(), AMNESTY_ID)]
            } else {
                Vec::new()
            };
            let t = Tweet { text, mentions, metrics: small(rng), ..base };
            if in_window && !mention {
                recent.push_back((t.clone(), me.clone()));
            }
            (t, vec![me], None)
        }
    }
}

/// Writes the day's tweets in time order (ties by id) and ends the day's pages.
fn write_day(col: &mut Collection, mut day_tweets: Vec<DayTweet>, retrieved: DateTime<Utc>) -> io::Result<()> {
    day_tweets.sort_by_key(|(t, _, _)| (t.created_at, t.id));
    for (t, users, r) in &day_tweets {
        let us: Vec<&User> = users.iter().collect();
        col.push(t, &us, r.as_ref(), retrieved)?;
    }
    col.flush(retrieved)
}

/// A supporter asks @Shell directly, and @Shell answers: the campaign's one response from
/// its target (docs/metrics.md#hashtag-pick-up).
fn shell_exchange(g: &Gen, d: NaiveDate, seq: &mut u64) -> Vec<DayTweet> {
    let p = person(g, POP, 3);
    let me = supporter_user(&p, d);
    let t_ask = midnight(d, UTC_OFFSET_H) + Duration::hours(15) + Duration::minutes(41);
    *seq += 1;
    let ask_id = snowflake(t_ask, *seq);
    let ask = Tweet {
        id: ask_id,
        author_id: me.id,
        text: format!(
            "@{TARGET} when will you clean up Bodo? The people of the Niger Delta have waited long enough #{HASHTAG}"
        ),
        created_at: t_ask,
        lang: "en",
        referenced: None,
        in_reply_to_user_id: None,
        conversation_id: ask_id,
        media: None,
        urls: Vec::new(),
        metrics: (14, 1, 22, 0),
        mentions: vec![(TARGET.to_string(), SHELL_ID)],
    };
    let t_reply = t_ask + Duration::hours(2) + Duration::minutes(17);
    *seq += 1;
    let reply_id = snowflake(t_reply, *seq);
    let reply = Tweet {
        id: reply_id,
        author_id: SHELL_ID,
        text: format!(
            "@{} We take spills seriously and are working with the community in Bodo on the clean-up. More on our website.",
            me.username
        ),
        created_at: t_reply,
        lang: "en",
        referenced: Some(("replied_to", ask_id)),
        in_reply_to_user_id: Some(me.id),
        conversation_id: ask_id,
        media: None,
        urls: Vec::new(),
        metrics: (31, 40, 12, 6),
        mentions: vec![(me.username.clone(), me.id)],
    };
    vec![(ask.clone(), vec![me.clone()], None), (reply, vec![shell_user(d), me], Some(ask))]
}

// ---------------------------------------------------------------- likes

/// The people who liked one of Amnesty's tweets, with when: the same in the likes export and
/// the liking-users pages. Likers are skewed to the most active supporters; delays are
/// exponential with a 3-hour mean.
fn likers(g: &Gen, t: &OwnTweet) -> impl Iterator<Item = (u64, DateTime<Utc>)> {
    let mut rng = g.rng_at("shell/likers", t.tweet.id);
    let n_sup = g.scaled(SUPPORTERS);
    let created = t.tweet.created_at;
    (0..t.likes).map(move |_| {
        let who = skewed(&mut rng, n_sup, 2.2);
        let delay = -(rng.gen_range(f64::EPSILON..1.0f64)).ln() * 3.0 * 3600.0;
        (who, created + Duration::seconds(delay as i64 + 1))
    })
}

/// `shell/twitter/amnesty_likes.csv`: the likes of Amnesty's tweets with their times, as a
/// social media management tool exports them (`actions-csv`, actor = Twitter user id).
pub const TWITTER_LIKES: Export = Export {
    path: "shell/twitter/amnesty_likes.csv",
    format: "actions-csv",
    about: "likes of @amnesty's tweets with times, from a social media tool (actor = Twitter user id)",
    write: write_likes,
};

fn write_likes(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    actions_csv::header(w)?;
    for t in own_tweets(g) {
        let post_id = t.tweet.id.to_string();
        for (who, at) in likers(g, &t) {
            let p = person(g, POP, who);
            actions_csv::row(
                w,
                &actions_csv::Row {
                    actor: &p.twitter_id.to_string(),
                    action: "favorite",
                    at,
                    platform: "twitter",
                    post_id: &post_id,
                    campaign: "",
                    source: "",
                    country: "",
                    full_name: &format!("{} {}", p.first, p.last),
                },
            )?;
        }
    }
    Ok(())
}

/// `shell/twitter/liking_users.jsonl`: `twarc2 liking-users` for the five most liked campaign tweets.
pub const TWITTER_LIKERS: Export = Export {
    path: "shell/twitter/liking_users.jsonl",
    format: "twitter-v2-jsonl",
    about: "twarc2 liking-users pages for @amnesty's five most liked campaign tweets (like actions without times)",
    write: write_liking_users,
};

fn write_liking_users(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let own = own_tweets(g);
    let mut top: Vec<&OwnTweet> =
        own.iter().filter(|t| t.tweet.created_at >= midnight(start(), UTC_OFFSET_H)).collect();
    top.sort_by_key(|t| (std::cmp::Reverse(t.likes), t.tweet.id));
    for t in top.into_iter().take(5) {
        let retrieved = midnight(collection_end(), UTC_OFFSET_H) + Duration::hours(20);
        let mut seen = std::collections::BTreeSet::new();
        let mut page = Vec::new();
        for (who, _) in likers(g, t) {
            if !seen.insert(who) {
                continue;
            }
            page.push(supporter_user(&person(g, POP, who), collection_end()));
            if page.len() == 100 {
                super::twarc2::write_liking_users(w, t.tweet.id, &page, retrieved)?;
                page.clear();
            }
        }
        if !page.is_empty() {
            super::twarc2::write_liking_users(w, t.tweet.id, &page, retrieved)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- Facebook and Instagram

const FB_PAGE: &str = "104050442962";

pub const FACEBOOK_POSTS: Export = Export {
    path: "shell/facebook/amnesty_page_posts.json",
    format: "facebook-graph-json",
    about: "Graph API /posts of Amnesty's Facebook page with likes/comments summaries, shares and insights",
    write: write_fb_posts,
};

fn write_fb_posts(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(FACEBOOK_POSTS.path);
    let mut posts = Vec::new();
    let mut n = 10_150_000_000_000u64;
    for d in days(baseline_start(), collection_end()) {
        let in_window = d >= start() && d <= end();
        let k = count(&mut rng, if in_window { 2.2 } else { 0.8 });
        for _ in 0..k {
            n += rng.gen_range(1..5_000);
            let t = time_in_day(&mut rng, d, UTC_OFFSET_H);
            let kind = *pick(&mut rng, &[("photo", 40), ("link", 30), ("video", 15), ("status", 15)]);
            let line = if in_window {
                format!("{} #{HASHTAG}", CAMPAIGN_LINES[rng.gen_range(0..CAMPAIGN_LINES.len())])
            } else {
                OTHER_LINES[rng.gen_range(0..OTHER_LINES.len())].to_string()
            };
            let link = (kind == "link").then(|| format!("{URL_PREFIX}/facebook-{}", n % 1000));
            let boost = if in_window { 1.8 } else { 1.0 };
            let likes = (lognormal(&mut rng, 300.0 * boost, 1.0) * g.scale as f64).round() as u64;
            let comments = (likes as f64 * rng.gen_range(0.03..0.12)).round() as u64;
            let shares = (likes as f64 * rng.gen_range(0.05..0.3)).round() as u64;
            let reach = ((likes + comments + shares) as f64 * rng.gen_range(12.0..30.0)).round() as u64;
            posts.push(fb::FbPost {
                id: format!("{FB_PAGE}_{n}"),
                created: t,
                message: line,
                kind,
                from_id: FB_PAGE.into(),
                from_name: "Amnesty International".into(),
                link,
                likes: Some(likes),
                comments: Vec::new(),
                comments_total: Some(comments),
                // Graph omits `shares` on a post nobody shared, and status updates rarely are.
                shares: (kind != "status" || shares > 40).then_some(shares),
                impressions: Some((reach as f64 * rng.gen_range(1.3..2.0)).round() as u64),
                reach: Some(reach),
                link_clicks: (kind == "link").then(|| reach / rng.gen_range(20..60)),
                video_views: (kind == "video").then(|| reach / rng.gen_range(2..5)),
            });
        }
    }
    let mut feed = fb::Feed::new(w, FB_PAGE)?;
    for p in posts.iter().rev() {
        feed.push(p)?;
    }
    feed.finish()
}

pub const FACEBOOK_INSIGHTS: Export = Export {
    path: "shell/facebook/amnesty_page_fans.json",
    format: "facebook-graph-json",
    about: "Graph API page_fans insights of Amnesty's Facebook page, daily (follower counts)",
    write: write_fb_fans,
};

fn write_fb_fans(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(FACEBOOK_INSIGHTS.path);
    let mut fans = 1_020_000u64;
    let mut values = Vec::new();
    for d in days(baseline_start(), collection_end()) {
        fans +=
            (600.0 * launch_curve(d, start(), if d <= end() { 4.0 } else { 0.0 }, 5.0)) as u64 + rng.gen_range(0..200);
        values.push((d, fans));
    }
    fb::write_page_fans(w, FB_PAGE, &values)
}

const IG_USER: &str = "17841400163458021";

pub const INSTAGRAM_MEDIA: Export = Export {
    path: "shell/instagram/amnesty_media.json",
    format: "instagram-graph-json",
    about: "Instagram Graph API /media of @amnesty with like/comment counts and lifetime insights",
    write: write_ig_media,
};

fn write_ig_media(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(INSTAGRAM_MEDIA.path);
    let mut media = Vec::new();
    let mut id = 17_895_000_000_000_000u64;
    for d in days(baseline_start(), collection_end()) {
        let in_window = d >= start() && d <= end();
        for _ in 0..count(&mut rng, if in_window { 1.0 } else { 0.3 }) {
            id += rng.gen_range(1..1_000_000);
            let t = time_in_day(&mut rng, d, UTC_OFFSET_H);
            let kind = *pick(&mut rng, &[("IMAGE", 70), ("VIDEO", 15), ("CAROUSEL_ALBUM", 15)]);
            let caption = if in_window {
                format!("{} #{HASHTAG} #NigerDelta", CAMPAIGN_LINES[rng.gen_range(0..CAMPAIGN_LINES.len())])
            } else {
                format!("{} #HumanRights", OTHER_LINES[rng.gen_range(0..OTHER_LINES.len())])
            };
            let likes = (lognormal(&mut rng, 250.0, 0.8) * g.scale as f64).round() as u64;
            let reach = likes * rng.gen_range(8..15);
            // Insights were only read for the campaign's media: older media have none (null).
            let ins = d >= start();
            media.push(ig::Media {
                id,
                caption,
                media_type: kind,
                timestamp: t,
                likes,
                comments: likes / rng.gen_range(15..40),
                impressions: ins.then(|| reach * 3 / 2),
                reach: ins.then_some(reach),
                saved: ins.then(|| likes / 30),
            });
        }
    }
    ig::write_media(w, IG_USER, AMNESTY_HANDLE, &media)
}

pub const INSTAGRAM_ACCOUNT: Export = Export {
    path: "shell/instagram/amnesty_account.json",
    format: "instagram-graph-json",
    about: "Instagram Graph API user object of @amnesty (followers_count; no date: null in the lake)",
    write: |_g, w| ig::write_user(w, IG_USER, AMNESTY_HANDLE, "Amnesty International", 48_200, 410, 640),
};

// ---------------------------------------------------------------- website, petition, CRM

pub const WEB_TRAFFIC: Export = Export {
    path: "shell/web/ua_source_medium_daily.csv",
    format: "ua-csv",
    about: "Universal Analytics Source/Medium report by Date, www.amnesty.org, 2012-09-03..2012-10-28",
    write: write_web,
};

fn write_web(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    use ua_csv::Source as S;
    let s = |sm, share, social, lift| S { source_medium: sm, share, social, lift };
    let sources = [
        s("google / organic", 0.45, false, 1.0),
        s("(direct) / (none)", 0.30, false, 1.04),
        s("bing / organic", 0.05, false, 1.0),
        s("newsletter / email", 0.08, false, 1.2),
        s("guardian.co.uk / referral", 0.07, false, 1.1),
        s("yahoo / organic", 0.05, false, 1.0),
        s("t.co / referral", 0.035, true, 1.6),
        s("twitter.com / referral", 0.01, true, 1.5),
        s("facebook.com / referral", 0.05, true, 1.12),
        s("m.facebook.com / referral", 0.02, true, 1.12),
        s("instagram.com / referral", 0.003, true, 1.3),
    ];
    let r = ua_csv::Report {
        view: "Amnesty International - www.amnesty.org - All Web Site Data",
        from: baseline_start(),
        to: collection_end(),
        window: (start(), end()),
        base_sessions: 9_000.0,
        trend_per_day: 0.001,
        noise: 0.05,
        sources: &sources,
    };
    ua_csv::write_daily(w, &mut g.rng(WEB_TRAFFIC.path), &r)
}

pub const PETITION: Export = Export {
    path: "shell/petition/signatures.csv",
    format: "action-network-csv",
    about: "Action Network signature download of the 'Shell: clean up the Niger Delta' petition (action given by the pipeline)",
    write: write_petition,
};

/// Sign-ups a day per unit of scale at the launch level: 40, spiking 4× on launch day and
/// decaying with a 3-day time constant; 8 a day in the week after the window.
const SIGNUPS_PER_DAY: f64 = 40.0;

const CITIES: &[(&str, &str, &str)] = &[
    ("GB", "London", "N1 9GU"),
    ("GB", "Manchester", "M1 1AE"),
    ("US", "New York", "10023"),
    ("NL", "Amsterdam", "1012 JS"),
    ("DE", "Berlin", "10115"),
    ("FR", "Paris", "75011"),
    ("ES", "Madrid", "28004"),
    ("NG", "Lagos", "100001"),
    ("BR", "São Paulo", "01310-100"),
    ("CA", "Toronto", "M5V 2T6"),
    ("AU", "Sydney", "2000"),
    ("IT", "Roma", "00184"),
    ("SE", "Stockholm", "111 20"),
    ("KE", "Nairobi", "00100"),
];

fn write_petition(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(PETITION.path);
    an::header(w)?;
    // Signers in order: known supporters by index (the most active first), and new people.
    let (mut known, mut new) = (0u64, 0u64);
    for d in days(start(), collection_end()) {
        let mean =
            if d <= end() { SIGNUPS_PER_DAY * launch_curve(d, start(), 4.0, 3.0) * weekday_factor(d) } else { 8.0 }
                * g.scale as f64;
        let n = count(&mut rng, mean);
        let mut times: Vec<DateTime<Utc>> = (0..n).map(|_| time_in_day(&mut rng, d, UTC_OFFSET_H)).collect();
        times.sort();
        for at in times {
            let p = if rng.gen_bool(0.55) {
                // Known supporters by index, the most active first; 60% of them sign.
                super::kenya::next_known(&mut rng, &mut known, 0.6);
                person(g, POP, known - 1)
            } else {
                new += 1;
                person(g, "shell-new", new - 1)
            };
            let (_, city, zip) = CITIES.iter().find(|c| c.0 == p.country).copied().unwrap_or(CITIES[0]);
            let source = *pick(&mut rng, &[("twitter", 45), ("facebook", 25), ("email_1012", 20), ("none", 10)]);
            let referrer =
                if rng.gen_bool(0.1) { format!("{}-{}", p.first, p.last).to_lowercase() } else { "none".into() };
            let comment = if rng.gen_bool(0.05) { "Clean it up.\nThe Delta can't wait." } else { "" };
            an::row(
                w,
                &an::Signature {
                    uuid: &p.uuid,
                    first: p.first,
                    last: p.last,
                    email: &p.email,
                    zip,
                    city,
                    country: p.country,
                    at,
                    source,
                    referrer: &referrer,
                    comment,
                },
            )?;
        }
    }
    Ok(())
}

pub const CRM_HISTORY: Export = Export {
    path: "shell/crm/supporter_actions_2012.csv",
    format: "actions-csv",
    about: "CRM export of supporters' earlier actions (June-September 2012, by e-mail): e-mails to targets, donations, shares",
    write: write_crm,
};

/// Supporters with CRM history, per unit of scale (the first of population `shell`).
const CRM_SUPPORTERS: u64 = 700;

fn write_crm(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(CRM_HISTORY.path);
    actions_csv::header(w)?;
    let from = day(2012, 6, 1);
    let span = (start() - from).num_days();
    for i in 0..g.scaled(CRM_SUPPORTERS) {
        let p = person(g, POP, i);
        for _ in 0..rng.gen_range(1..=3) {
            let d = from + Duration::days(rng.gen_range(0..span));
            let at = time_in_day(&mut rng, d, UTC_OFFSET_H);
            let (action, campaign) = *pick(
                &mut rng,
                &[(("email_target", "arms-treaty"), 60), (("donate", ""), 15), (("share", "arms-treaty"), 25)],
            );
            let full = format!("{} {}", p.first, p.last);
            actions_csv::row(
                w,
                &actions_csv::Row {
                    actor: &p.email,
                    action,
                    at,
                    platform: "crm",
                    post_id: "",
                    campaign,
                    source: "newsletter",
                    country: p.country,
                    full_name: &full,
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(e: &Export, g: &Gen) -> String {
        let mut buf = Vec::new();
        (e.write)(g, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn shell_replies_once_to_a_supporter_tweet_of_the_collection() {
        let g = Gen { seed: 11, scale: 1 };
        let text = written(&TWITTER, &g);
        let mut ids = std::collections::BTreeSet::new();
        let mut shell_in_window = Vec::new();
        let launch = midnight(start(), UTC_OFFSET_H);
        for line in text.lines() {
            let page: serde_json::Value = serde_json::from_str(line).unwrap();
            assert!(page["data"].as_array().unwrap().len() <= super::super::twarc2::PAGE_SIZE);
            for t in page["data"].as_array().unwrap() {
                ids.insert(t["id"].as_str().unwrap().to_string());
                let at = chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap();
                if t["author_id"] == SHELL_ID.to_string() && at >= launch {
                    shell_in_window.push(t.clone());
                }
            }
        }
        assert_eq!(shell_in_window.len(), 1, "{shell_in_window:?}");
        let r = &shell_in_window[0]["referenced_tweets"][0];
        assert_eq!(r["type"], "replied_to");
        assert!(ids.contains(r["id"].as_str().unwrap()), "the reply answers a tweet of the collection");
    }

    #[test]
    fn likes_export_has_one_row_per_like_and_grows_with_scale() {
        for scale in [1, 2] {
            let g = Gen { seed: 11, scale };
            let likes: u64 = own_tweets(&g).iter().map(|t| t.likes).sum();
            let rows = written(&TWITTER_LIKES, &g).lines().count() as u64 - 1;
            assert_eq!(rows, likes, "scale {scale}");
        }
    }
}
