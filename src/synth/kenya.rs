//! Kenya: Amnesty's "Reach Out for Kenya", launched on 27 February 2008 after the
//! post-election violence, for a month (window 2008-02-27..2008-03-26, Africa/Nairobi), on
//! Facebook and Flickr, with solidarity events in 11 countries.
//!
//! Files (under `kenya/`): the campaign page's Graph API `/feed` (Amnesty's posts and
//! supporters' wall posts: collected, so each is a supporter's `post` action) and its
//! `page_fans`; Amnesty's Flickr photos of the events; the website's UA report by day over
//! the 28-day baseline and the window, with 15% more visits through Facebook in the window
//! than the non-social traffic predicts; the events' attendance (`attend_event`, the event's
//! country in `country`) and the CRM's earlier actions of the same supporters (their address
//! country in `country`), both by e-mail.

use std::io::{self, Write};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::Rng;

use super::people::person;
use super::{actions_csv, facebook_graph as fb, flickr, ua_csv};
use super::{count, day, days, launch_curve, lognormal, pick, skewed, time_in_day, weekday_factor, Export, Gen};

pub fn start() -> NaiveDate {
    day(2008, 2, 27)
}
pub fn end() -> NaiveDate {
    day(2008, 3, 26)
}
/// The default baseline: the 28 days before the start.
fn baseline_start() -> NaiveDate {
    start() - Duration::days(28)
}
/// Nairobi is UTC+3 all year.
const UTC_OFFSET_H: i64 = 3;
pub const HASHTAG: &str = "ReachOutForKenya";
pub const URL_PREFIX: &str = "http://www.amnestyusa.org/kenya";
/// The relative uplift of Facebook referrals in the window (the demo's headline figure).
pub const FACEBOOK_LIFT: f64 = 1.15;
const POP: &str = "kenya";
/// Supporters per unit of scale.
const SUPPORTERS: u64 = 1_500;

const FB_PAGE: &str = "8837427614";
const FB_PAGE_NAME: &str = "Reach Out for Kenya - Amnesty International";

/// The 11 countries that held events (ISO codes, as the CRM's `country` holds them), with
/// how many people attended per unit of scale.
pub const EVENT_COUNTRIES: &[(&str, u64)] = &[
    ("KE", 60),
    ("GB", 45),
    ("US", 40),
    ("NL", 20),
    ("DE", 18),
    ("CA", 15),
    ("ZA", 14),
    ("SE", 10),
    ("FR", 10),
    ("UG", 8),
    ("AU", 8),
];

const POSTS: &[&str] = &[
    "Kenya: more than 1,000 killed since the elections. Reach out: send a message of solidarity.",
    "Photos from Nairobi: people displaced by the violence need protection now.",
    "Watch: survivors speak about the violence in the Rift Valley.",
    "Join a solidarity event near you this Saturday.",
    "Tell Kenya's leaders: stop the violence, protect human rights.",
    "Thank you! Messages of solidarity from 40 countries so far.",
];
const WALL: &[(&str, &[&str])] = &[
    (
        "en",
        &["Standing with the people of Kenya", "Peace for Kenya! We are with you", "Shared this with all my friends"],
    ),
    ("sw", &["Amani kwa Kenya", "Tuko pamoja na watu wa Kenya"]),
    ("nl", &["Solidariteit met Kenia"]),
    ("de", &["Solidarität mit Kenia"]),
    ("fr", &["Solidarité avec le Kenya"]),
];

// ---------------------------------------------------------------- Facebook

pub const FACEBOOK_FEED: Export = Export {
    path: "kenya/facebook/reach_out_for_kenya_feed.json",
    format: "facebook-graph-json",
    about: "Graph API /feed of the campaign page: Amnesty's posts (likes/comments summaries, shares, insights) and supporters' wall posts",
    write: write_feed,
};

/// Amnesty posts 0.5 a day before launch and 2 a day in the window; supporters' wall posts
/// per unit of scale: 1 a day before, 12 at launch level (×3 on launch day, 5-day decay).
fn write_feed(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(FACEBOOK_FEED.path);
    let n_sup = g.scaled(SUPPORTERS);
    let mut feed = fb::Feed::new(w, FB_PAGE)?;
    // Graph pages from the newest post back: generate the days backwards, so the feed
    // streams (post numbers count down from the newest).
    let mut n = 9_900_000_000_000u64;
    let all: Vec<NaiveDate> = days(baseline_start(), end()).collect();
    for &d in all.iter().rev() {
        let in_window = d >= start();
        let mut items: Vec<(DateTime<Utc>, bool)> = Vec::new();
        for _ in 0..count(&mut rng, if in_window { 2.0 } else { 0.5 }) {
            items.push((time_in_day(&mut rng, d, UTC_OFFSET_H), true));
        }
        let wall = if in_window { 12.0 * launch_curve(d, start(), 3.0, 5.0) } else { 1.0 }
            * weekday_factor(d)
            * g.scale as f64;
        for _ in 0..count(&mut rng, wall) {
            items.push((time_in_day(&mut rng, d, UTC_OFFSET_H), false));
        }
        items.sort();
        for (t, own) in items.into_iter().rev() {
            n -= rng.gen_range(1..50_000);
            let id = format!("{FB_PAGE}_{n}");
            if own {
                let kind = *pick(&mut rng, &[("photo", 40), ("link", 25), ("video", 15), ("status", 20)]);
                let mut message = POSTS[rng.gen_range(0..POSTS.len())].to_string();
                if in_window && rng.gen_bool(0.5) {
                    message.push_str(&format!(" #{HASHTAG}"));
                }
                let link = (kind == "link").then(|| format!("{URL_PREFIX}/solidarity?n={}", n % 997));
                let boost = if in_window { 2.0 } else { 1.0 };
                let likes = (lognormal(&mut rng, 60.0 * boost, 1.0) * g.scale as f64).round() as u64;
                let comments_total = (likes as f64 * rng.gen_range(0.1..0.4)).round() as u64;
                let comments = (0..comments_total.min(3))
                    .map(|k| {
                        let p = person(g, POP, skewed(&mut rng, n_sup, 2.0));
                        (
                            p.facebook_id.to_string(),
                            format!("{} {}", p.first, p.last),
                            "Thank you for this".to_string(),
                            t + Duration::minutes(20 * (k as i64 + 1)),
                        )
                    })
                    .collect();
                let shares = (likes as f64 * rng.gen_range(0.02..0.2)).round() as u64;
                let reach = ((likes + comments_total + shares) as f64 * rng.gen_range(10.0..25.0)).round() as u64;
                feed.push(&fb::FbPost {
                    id,
                    created: t,
                    message,
                    kind,
                    from_id: FB_PAGE.into(),
                    from_name: FB_PAGE_NAME.into(),
                    link,
                    likes: Some(likes),
                    comments,
                    comments_total: Some(comments_total),
                    // Graph omits `shares` when nobody shared: null, not 0.
                    shares: (shares > 0).then_some(shares),
                    impressions: Some((reach as f64 * rng.gen_range(1.2..1.8)).round() as u64),
                    reach: Some(reach),
                    link_clicks: (kind == "link").then(|| reach / rng.gen_range(15..40)),
                    video_views: (kind == "video").then(|| reach / rng.gen_range(2..5)),
                })?;
            } else {
                let p = person(g, POP, skewed(&mut rng, n_sup, 1.8));
                let lines = WALL.iter().find(|(l, _)| *l == p.lang).map(|l| l.1).unwrap_or(WALL[0].1);
                let mut message = lines[rng.gen_range(0..lines.len())].to_string();
                if rng.gen_bool(0.3) {
                    message.push_str(&format!(" #{HASHTAG}"));
                }
                feed.push(&fb::FbPost {
                    id,
                    created: t,
                    message,
                    kind: "status",
                    from_id: p.facebook_id.to_string(),
                    from_name: format!("{} {}", p.first, p.last),
                    link: None,
                    likes: Some(rng.gen_range(0..6)),
                    comments: Vec::new(),
                    comments_total: Some(rng.gen_range(0..3)),
                    shares: None,
                    impressions: None,
                    reach: None,
                    link_clicks: None,
                    video_views: None,
                })?;
            }
        }
    }
    feed.finish()
}

pub const FACEBOOK_INSIGHTS: Export = Export {
    path: "kenya/facebook/reach_out_for_kenya_page_fans.json",
    format: "facebook-graph-json",
    about: "Graph API page_fans insights of the campaign page, daily (follower counts)",
    write: write_fans,
};

fn write_fans(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(FACEBOOK_INSIGHTS.path);
    // From 90 days before the launch (the follower-growth history's default length), ~4,600
    // fans the day before it, as when the file started with the baseline.
    let mut fans = 2_000u64 * g.scale as u64;
    let mut values = Vec::new();
    for d in days(start() - Duration::days(90), end()) {
        let daily = if d >= start() { 150.0 * launch_curve(d, start(), 4.0, 6.0) } else { 25.0 };
        fans += (daily * g.scale as f64) as u64 + rng.gen_range(0..10);
        values.push((d, fans));
    }
    fb::write_page_fans(w, FB_PAGE, &values)
}

// ---------------------------------------------------------------- Flickr

pub const FLICKR: Export = Export {
    path: "kenya/flickr/amnesty_kenya_photos.json",
    format: "flickr-json",
    about: "Flickr people.getPhotos with extras: Amnesty's photos and videos of the solidarity events (views, faves, comments)",
    write: write_flickr,
};

fn write_flickr(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(FLICKR.path);
    let mut photos = Vec::new();
    let mut id = 2_290_000_000u64;
    for d in days(start(), end()) {
        // Photos follow the events: a burst after each event day.
        let mean = if event_days().contains(&d) { 8.0 } else { 1.0 };
        for _ in 0..count(&mut rng, mean) {
            id += rng.gen_range(1..90_000);
            let (country, _) = EVENT_COUNTRIES[rng.gen_range(0..EVENT_COUNTRIES.len())];
            let video = rng.gen_bool(0.1);
            let views = (lognormal(&mut rng, 120.0, 1.1) * g.scale as f64).round() as u64;
            photos.push(flickr::Photo {
                id,
                title: format!("Reach Out for Kenya: solidarity event, {country}"),
                description: format!(
                    "Supporters gather for peace &amp; human rights in Kenya. More at <a href=\"{URL_PREFIX}\" rel=\"nofollow\">{}</a> #{HASHTAG}",
                    URL_PREFIX.trim_start_matches("http://")
                ),
                uploaded: time_in_day(&mut rng, d, UTC_OFFSET_H),
                video,
                tags: format!("kenya amnesty solidarity reachoutforkenya {}", country.to_lowercase()),
                views,
                faves: views / rng.gen_range(15..40),
                comments: views / rng.gen_range(60..200),
            });
        }
    }
    flickr::write_photos(
        w,
        &flickr::Owner { nsid: "28104361@N07", name: "Amnesty International Kenya", alias: "amnestykenya" },
        &photos,
    )
}

// ---------------------------------------------------------------- website

pub const WEB_TRAFFIC: Export = Export {
    path: "kenya/web/ua_source_medium_daily.csv",
    format: "ua-csv",
    about: "Universal Analytics Source/Medium report by Date, 2008-01-30..2008-03-26 (28-day baseline and the window)",
    write: write_web,
};

fn write_web(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    use ua_csv::Source as S;
    let s = |sm, share, social, lift| S { source_medium: sm, share, social, lift };
    let sources = [
        s("google / organic", 0.50, false, 1.0),
        s("(direct) / (none)", 0.28, false, 1.05),
        s("yahoo / organic", 0.06, false, 1.0),
        s("newsletter / email", 0.06, false, 1.1),
        s("bbc.co.uk / referral", 0.05, false, 1.0),
        s("msn / organic", 0.05, false, 1.0),
        // Facebook: 5% of the non-social visits, 15% more in the window.
        s("facebook.com / referral", 0.05, true, FACEBOOK_LIFT),
        s("flickr.com / referral", 0.006, true, 1.3),
        s("myspace.com / referral", 0.004, true, 1.0),
    ];
    let r = ua_csv::Report {
        view: "Amnesty International USA - www.amnestyusa.org - All Web Site Data",
        from: baseline_start(),
        to: end(),
        window: (start(), end()),
        base_sessions: 4_000.0,
        trend_per_day: 0.0015,
        noise: 0.04,
        sources: &sources,
    };
    ua_csv::write_daily(w, &mut g.rng(WEB_TRAFFIC.path), &r)
}

// ---------------------------------------------------------------- events and CRM

/// The solidarity days: Saturday 8 March (International Women's Day) and Saturday 15 March.
fn event_days() -> [NaiveDate; 2] {
    [day(2008, 3, 8), day(2008, 3, 15)]
}

pub const EVENTS: Export = Export {
    path: "kenya/crm/solidarity_events_attendance.csv",
    format: "actions-csv",
    about: "CRM export of event attendance (attend_event) in 11 countries, the event's country code in `country`, by e-mail",
    write: write_events,
};

fn write_events(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(EVENTS.path);
    actions_csv::header(w)?;
    // Attendees in order: known supporters by index (the most engaged first), and new people.
    let (mut known, mut new) = (0u64, 0u64);
    for (country, per_scale) in EVENT_COUNTRIES {
        for _ in 0..g.scaled(*per_scale) {
            let p = if rng.gen_bool(0.6) {
                known += 1;
                person(g, POP, known - 1)
            } else {
                new += 1;
                person(g, "kenya-new", new - 1)
            };
            let d = event_days()[rng.gen_range(0..2)];
            // Events run 10:00-16:00 local; the CRM records the check-in time (UTC here).
            let at = super::midnight(d, UTC_OFFSET_H) + Duration::minutes(rng.gen_range(600..960));
            let full = format!("{} {}", p.first, p.last);
            actions_csv::row(
                w,
                &actions_csv::Row {
                    actor: &p.email,
                    action: "attend_event",
                    at,
                    platform: "crm",
                    post_id: "",
                    campaign: "kenya",
                    source: "",
                    country,
                    full_name: &full,
                },
            )?;
        }
    }
    Ok(())
}

pub const CRM_HISTORY: Export = Export {
    path: "kenya/crm/supporter_actions_2007_2008.csv",
    format: "actions-csv",
    about: "CRM export of the same supporters' actions, Oct 2007-Mar 2008, by e-mail: petitions (Darfur; the Kenya appeal in the window), e-mails to targets (Kenya's leaders in the window), donations",
    write: write_crm,
};

/// Supporters with CRM history, per unit of scale (the first of population `kenya`), and
/// the Kenya appeal's online signatures a day at launch level (×4 on day one, 4-day decay).
const CRM_SUPPORTERS: u64 = 600;
const APPEAL_SIGNUPS_PER_DAY: f64 = 15.0;
/// Messages to Kenya's leaders a day at launch level, per unit of scale (×3 on day one).
const MESSAGES_PER_DAY: f64 = 12.0;

fn write_crm(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(CRM_HISTORY.path);
    actions_csv::header(w)?;
    let from = day(2007, 10, 1);
    let span = (start() - from).num_days();
    for i in 0..g.scaled(CRM_SUPPORTERS) {
        let p = person(g, POP, i);
        let full = format!("{} {}", p.first, p.last);
        for _ in 0..rng.gen_range(1..=3) {
            let d = from + Duration::days(rng.gen_range(0..span));
            let at = time_in_day(&mut rng, d, UTC_OFFSET_H);
            let (action, campaign) = *pick(
                &mut rng,
                &[(("email_target", "darfur"), 50), (("sign_petition", "darfur"), 35), (("donate", ""), 15)],
            );
            let row = actions_csv::Row {
                actor: &p.email,
                action,
                at,
                platform: "crm",
                post_id: "",
                campaign,
                source: "newsletter",
                country: p.country,
                full_name: &full,
            };
            actions_csv::row(w, &row)?;
        }
    }
    // The Kenya appeal's signatures, in the window: 70% known supporters (by index, the
    // most engaged first, 60% of them sign) and 30% people new to the CRM.
    let (mut known, mut new) = (0u64, 0u64);
    for d in days(start(), end()) {
        let n = count(&mut rng, APPEAL_SIGNUPS_PER_DAY * launch_curve(d, start(), 4.0, 4.0) * g.scale as f64);
        let mut times: Vec<DateTime<Utc>> = (0..n).map(|_| time_in_day(&mut rng, d, UTC_OFFSET_H)).collect();
        times.sort();
        for at in times {
            let p = if rng.gen_bool(0.7) {
                next_known(&mut rng, &mut known, 0.6);
                person(g, POP, known - 1)
            } else {
                new += 1;
                person(g, "kenya-new", new - 1)
            };
            let full = format!("{} {}", p.first, p.last);
            let row = actions_csv::Row {
                actor: &p.email,
                action: "sign_petition",
                at,
                platform: "crm",
                post_id: "",
                campaign: "kenya",
                source: "newsletter",
                country: p.country,
                full_name: &full,
            };
            actions_csv::row(w, &row)?;
        }
    }
    // Messages to Kenya's leaders sent from the campaign page (the CRM logs each as
    // `email_target`): supporters skewed to the most engaged, some several times.
    let n_sup = g.scaled(SUPPORTERS);
    for d in days(start(), end()) {
        let n = count(&mut rng, MESSAGES_PER_DAY * launch_curve(d, start(), 3.0, 5.0) * g.scale as f64);
        let mut times: Vec<DateTime<Utc>> = (0..n).map(|_| time_in_day(&mut rng, d, UTC_OFFSET_H)).collect();
        times.sort();
        for at in times {
            let p = person(g, POP, skewed(&mut rng, n_sup, 1.5));
            let full = format!("{} {}", p.first, p.last);
            let row = actions_csv::Row {
                actor: &p.email,
                action: "email_target",
                at,
                platform: "crm",
                post_id: "",
                campaign: "kenya",
                source: "website",
                country: p.country,
                full_name: &full,
            };
            actions_csv::row(w, &row)?;
        }
    }
    Ok(())
}

/// Moves `known` past the next supporter who acts (each does with probability `p`).
pub(crate) fn next_known(rng: &mut rand::rngs::StdRng, known: &mut u64, p: f64) {
    loop {
        *known += 1;
        if rng.gen_bool(p) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cover_eleven_countries_and_scale_linearly() {
        for scale in [1u32, 3] {
            let g = Gen { seed: 2, scale };
            let mut buf = Vec::new();
            (EVENTS.write)(&g, &mut buf).unwrap();
            let text = String::from_utf8(buf).unwrap();
            let mut countries = std::collections::BTreeSet::new();
            let mut rows = 0;
            for line in text.lines().skip(1) {
                // actor,action,occurred_at,platform,post_id,campaign,source,country,full_name
                let cells: Vec<&str> = line.split(',').collect();
                assert_eq!(cells[1], "attend_event");
                assert_eq!(cells[6], "", "the country is no longer in `source`");
                countries.insert(cells[7].to_string());
                rows += 1;
            }
            assert_eq!(countries.len(), 11);
            // 60+45+40+20+18+15+14+10+10+8+8 = 248 attendees per unit of scale.
            assert_eq!(rows, 248 * scale as u64);
        }
    }
}
