//! Press clippings of both campaigns (`press-csv`): what a press office keeps of the
//! articles the campaigns got.
//!
//! - Kenya 2008: a spreadsheet typed by the press office (`date,outlet,title,url,medium,
//!   audience`): a handful of national and international articles in the weeks after the
//!   launch, around the solidarity days (8 and 15 March), and one in April, after the window.
//! - Shell 2012: a media monitoring tool's export (`Date,Headline,Source,URL,Media Type,
//!   Reach,Country`, dates like `03-Oct-2012 09:30AM`): online press two to three days after
//!   the launch day's hashtag spike, print and radio later, and one piece on Shell's own
//!   marketing in September, before the window.
//!
//! Outlets, headlines and URLs are invented (`.example` domains). The random stream moves
//! the times within their day and the audiences by up to ±10%: the days stay as written.

use std::io::{self, Write};

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::Rng;

use super::{csv_row, day, midnight, Export, Gen};

/// One clipping: local day, whether the list gives a time, outlet, headline, URL path
/// (on the outlet's domain; "" for none), medium, audience (0 for none).
struct Clip {
    day: NaiveDate,
    timed: bool,
    outlet: &'static str,
    domain: &'static str,
    headline: &'static str,
    path: &'static str,
    medium: &'static str,
    audience: u64,
}

type Row = ((i32, u32, u32), bool, &'static str, &'static str, &'static str, &'static str, &'static str, u64);

fn clips(rows: &[Row]) -> Vec<Clip> {
    rows.iter()
        .map(|&((y, m, d), timed, outlet, domain, headline, path, medium, audience)| Clip {
            day: day(y, m, d),
            timed,
            outlet,
            domain,
            headline,
            path,
            medium,
            audience,
        })
        .collect()
}

/// A time of the clipping's day (local, `utc_offset_h`), 06:00–20:59, as local clock time.
fn local_time(rng: &mut StdRng, c: &Clip, utc_offset_h: i64) -> chrono::NaiveDateTime {
    let utc = midnight(c.day, utc_offset_h) + Duration::minutes(rng.gen_range(360..1260));
    utc.naive_utc() + Duration::hours(utc_offset_h)
}

fn audience(rng: &mut StdRng, c: &Clip) -> String {
    if c.audience == 0 {
        return String::new();
    }
    let a = (c.audience as f64 * rng.gen_range(0.9..1.1)).round() as u64;
    // Round to what a press office writes down: 3 significant digits.
    let unit = 10u64.pow((a as f64).log10().floor().max(2.0) as u32 - 2);
    ((a / unit) * unit).to_string()
}

fn url(c: &Clip) -> String {
    if c.path.is_empty() {
        String::new()
    } else {
        format!("http://www.{}/{}", c.domain, c.path)
    }
}

#[rustfmt::skip]
const KENYA_ROWS: &[Row] = &[
    ((2008, 2, 28), false, "Nairobi Daily Star", "nairobidailystar.example", "Rights group launches global appeal for victims of post-election violence", "news/2008/02/28/global-appeal", "print", 180_000),
    ((2008, 3, 1), true, "World Report Online", "worldreport.example", "Kenya: 'Reach out' appeal draws messages from 40 countries", "africa/kenya-reach-out-appeal", "online", 2_400_000),
    ((2008, 3, 4), false, "East Africa Weekly", "eastafricaweekly.example", "Diaspora urged to stand with Rift Valley survivors", "", "print", 65_000),
    ((2008, 3, 8), true, "Capital Talk Radio", "capitaltalk.example", "Vigils for Kenya on International Women's Day", "", "radio", 750_000),
    ((2008, 3, 9), false, "Nairobi Daily Star", "nairobidailystar.example", "Solidarity events held in 11 countries", "news/2008/03/09/solidarity-events", "print", 180_000),
    ((2008, 3, 10), true, "The London Chronicle", "londonchronicle.example", "Around the world, candles for Kenya", "world/2008/mar/10/kenya-vigils", "online", 1_100_000),
    ((2008, 3, 16), false, "The Kenyan Standard Weekly", "kenyanstandard.example", "Second day of vigils as mediation talks go on", "", "print", 0),
    ((2008, 3, 20), true, "Pan-African News Channel", "panafricannews.example", "Survivors of the violence ask for justice", "video/kenya-justice", "tv", 3_000_000),
    ((2008, 4, 2), false, "East Africa Weekly", "eastafricaweekly.example", "A month on: what the solidarity campaign achieved", "", "print", 65_000),
];

#[rustfmt::skip]
const SHELL_ROWS: &[Row] = &[
    ((2012, 9, 18), true, "Marketing Desk", "marketingdesk.example", "Oil major launches #makethefuture energy campaign", "news/oil-major-makethefuture", "online", 90_000),
    ((2012, 10, 3), true, "Planet Daily", "planetdaily.example", "Shell's #makethefuture hashtag hijacked by Niger Delta campaigners", "environment/2012/oct/03/shell-hashtag-hijack", "online", 1_300_000),
    ((2012, 10, 3), true, "Social Media Today Wire", "smtwire.example", "How activists took over an oil company's hashtag", "2012/10/03/hashtag-takeover", "online", 2_600_000),
    ((2012, 10, 4), true, "The London Chronicle", "londonchronicle.example", "Campaigners turn Shell slogan against it over oil spills", "business/2012/oct/04/shell-slogan-spills", "online", 1_100_000),
    ((2012, 10, 4), true, "Lagos Evening Post", "lagoseveningpost.example", "Rights group, Shell in Twitter row over Delta spills", "news/2012/10/04/twitter-row", "online", 400_000),
    ((2012, 10, 5), true, "World Service Radio", "worldserviceradio.example", "Outlook: the oil spills Shell will not clean up", "", "Radio", 0),
    ((2012, 10, 8), false, "The London Chronicle", "londonchronicle.example", "Shell defends its record in the Niger Delta", "", "Newspaper", 310_000),
    ((2012, 10, 10), true, "Delta Voice", "deltavoice.example", "Ogoni communities welcome global online campaign", "2012/10/10/ogoni-welcome", "Blog", 35_000),
    ((2012, 10, 16), false, "Energy Business Review", "energybusiness.example", "Reputation risk: when a hashtag backfires", "analysis/hashtag-backfires", "Magazine", 42_000),
];

pub const KENYA: Export = Export {
    path: "kenya/press/clippings.csv",
    format: "press-csv",
    about: "the press office's list of articles (date, outlet, title, url, medium, audience), typed by hand",
    write: write_kenya,
};

fn write_kenya(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(KENYA.path);
    csv_row(w, &["date", "outlet", "title", "url", "medium", "audience"])?;
    for c in clips(KENYA_ROWS) {
        // Nairobi is UTC+3; a timed row is written `2008-03-01 14:05`.
        let t = local_time(&mut rng, &c, 3);
        let date = if c.timed { t.format("%Y-%m-%d %H:%M").to_string() } else { c.day.to_string() };
        let a = audience(&mut rng, &c);
        csv_row(w, &[&date, c.outlet, c.headline, &url(&c), c.medium, &a])?;
    }
    Ok(())
}

pub const SHELL: Export = Export {
    path: "shell/press/clippings.csv",
    format: "press-csv",
    about: "a media monitoring tool's export of the articles (Date, Headline, Source, URL, Media Type, Reach, Country)",
    write: write_shell,
};

fn write_shell(g: &Gen, w: &mut dyn Write) -> io::Result<()> {
    let mut rng = g.rng(SHELL.path);
    csv_row(w, &["Date", "Headline", "Source", "URL", "Media Type", "Reach", "Country"])?;
    for c in clips(SHELL_ROWS) {
        // London is on BST (UTC+1) in September and October 2012.
        let t = local_time(&mut rng, &c, 1);
        let date =
            if c.timed { t.format("%d-%b-%Y %I:%M%p").to_string() } else { c.day.format("%d-%b-%Y").to_string() };
        let a = audience(&mut rng, &c);
        let country = if c.domain.starts_with("lagos") || c.domain.starts_with("delta") { "NG" } else { "GB" };
        csv_row(w, &[&date, c.headline, c.outlet, &url(&c), c.medium, &a, country])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_are_rounded_and_blank_when_unknown() {
        let g = Gen { seed: 1, scale: 1 };
        let mut rng = g.rng("x");
        let c = &clips(&SHELL_ROWS[1..2])[0];
        let a: u64 = audience(&mut rng, c).parse().unwrap();
        // 1,300,000 ± 10%, to 3 significant digits.
        assert!((1_170_000..=1_430_000).contains(&a) && a % 10_000 == 0, "{a}");
        assert_eq!(audience(&mut rng, &clips(&SHELL_ROWS[5..6])[0]), "");
    }
}
