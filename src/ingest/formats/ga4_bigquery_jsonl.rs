//! `ga4-bigquery-jsonl`: Google Analytics 4 events from the BigQuery export as NDJSON, one
//! event per line, rolled up to one traffic row per stream, day, source, medium, campaign.
//!
//! Readings to keep:
//! - INT64 as JSON strings or numbers; null fields present or absent.
//! - A session is a distinct (`user_pseudo_id`, `ga_session_id`); `sessions` counts `session_start`, on its day.
//! - Source order: last-click manual_campaign, earliest `collected_traffic_source` (`gclid` alone = google / cpc),
//!   old `source`/`medium` params, first page's external referrer host (`referral`), else `(direct) / (none)`.
//! - `traffic_source` (user's first acquisition) is not used; campaign names in parentheses are null.
//! - `users` distinct per row; `pageviews` = `page_view`, `conversions` = purchase/sign_up/generate_lead, own day.
//! - A figure with no such event in the whole file is null, not 0.
//! - `landing_page` null, so users still add up per source.
//! - `country` = `geo.country` (an English name) of the session's earliest event that has one,
//!   as an ISO alpha-2 code; `(not set)` null; unknown names null, one warning for the file
//!   with the count of events; region, city and metro are never read.
//! - `site` = `device.web_info.hostname` else `page_location` host (lower-cased, `www.` kept), else `stream_id`.
//! - Events without user or session id (consent pings): one warning, left out.
//! - One small record per session kept until the end (~370 B each); lines read one at a time, no parallel split.
//! - `personal_data`: rejects keep no raw line.
//!
//! User docs: docs/formats.md#ga4-bigquery-jsonl, docs/metrics.md#sites.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::ingest::common::channel::{channel, host};
use crate::ingest::common::country::Countries;
use crate::ingest::common::traffic::check_date;
use crate::ingest::{read_lines, Adapter, Ctx, FileError, Input, LineAdapter, LineError, Out, Probe, Writes};
use crate::model::{Day, Traffic};

pub struct Ga4BigqueryJsonl;

pub static ADAPTER: Ga4BigqueryJsonl = Ga4BigqueryJsonl;

/// Events counted as `conversions`.
const CONVERSION_EVENTS: [&str; 3] = ["purchase", "sign_up", "generate_lead"];

impl Adapter for Ga4BigqueryJsonl {
    fn name(&self) -> &'static str {
        "ga4-bigquery-jsonl"
    }

    fn about(&self) -> &'static str {
        "GA4 BigQuery export events as newline-delimited JSON, rolled up to sessions per day and source"
    }

    fn writes(&self) -> Writes {
        Writes::Traffic
    }

    fn detect(&self, probe: &Probe) -> u8 {
        let first = probe.head.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        let has = |k: &str| first.contains(&format!("\"{k}\":"));
        if first.starts_with('{')
            && has("event_date")
            && has("event_name")
            && (has("user_pseudo_id") || has("event_params"))
        {
            95
        } else {
            0
        }
    }

    fn personal_data(&self) -> bool {
        true
    }

    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let acc = Accumulator(Mutex::new(State::default()));
        read_lines(&acc, true, input, cx, out)?;
        let state = acc.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        state.emit(cx, out);
        Ok(())
    }
}

/// Collects the events of a file, line by line, for [`read_lines`] (which counts lines and
/// records rejects). The lock is never contended: one thread reads the file.
struct Accumulator(Mutex<State>);

impl LineAdapter for Accumulator {
    fn line(&self, line: &[u8], lineno: u64, _cx: &Ctx, _out: &mut dyn Out) -> Result<(), LineError> {
        let ev: Event = serde_json::from_slice(line).map_err(|e| LineError::json(&e))?;
        let date = ev.event_date.as_deref().ok_or_else(|| LineError::new("event_date", "missing"))?;
        let day = NaiveDate::parse_from_str(date, "%Y%m%d")
            .map_err(|_| format!("expected a date like 20240301, found '{date}'"))
            .and_then(check_date)
            .map_err(|e| LineError::new("event_date", e))?;
        let name = ev.event_name.as_deref().ok_or_else(|| LineError::new("event_name", "missing"))?;
        let params = Params::of(&ev.event_params);
        let mut guard = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let st = &mut *guard;
        let (Some(user), Some(sid)) = (ev.user_pseudo_id.as_deref(), params.session_id) else {
            st.no_session += 1;
            return Ok(());
        };
        let ts = ev.event_timestamp.as_ref().and_then(Num::as_i64).unwrap_or(i64::MAX);
        let uid = st.users.id(user);
        let s = st.sessions.entry((uid, sid)).or_insert_with(|| Session::new(ts, day));
        if ts < s.first.0 {
            s.first = (ts, day);
        }
        if s.stream.is_none() {
            s.stream = ev.stream_id.as_ref().map(|n| st.texts.id(&n.text()));
        }
        let hostname = ev.device.as_ref().and_then(|d| d.web_info.as_ref()).and_then(|w| w.hostname.as_deref());
        let hostname = hostname.map(crate::ingest::site_name).filter(|h| !h.is_empty());
        if let Some(h) = hostname.or_else(|| params.page_location.and_then(page_host)) {
            if s.host.is_none_or(|(t, _)| ts < t) {
                s.host = Some((ts, st.texts.id(&h)));
            }
        }
        let country = ev.geo.as_ref().and_then(|g| g.country.as_deref());
        if let Some(code) = country.and_then(|c| st.countries.read("geo.country", lineno, c)) {
            if s.country.is_none_or(|(t, _)| ts < t) {
                s.country = Some((ts, st.texts.id(&code)));
            }
        }
        if name == "session_start" {
            s.start_day = Some(s.start_day.map_or(day, |d| d.min(day)));
        }
        if s.last_click.is_none() {
            s.last_click = ev
                .session_traffic_source_last_click
                .and_then(|l| l.manual_campaign)
                .and_then(|m| Attr::new(m.source, m.medium, m.campaign_name))
                .map(|a| st.attrs.id(a));
        }
        if let Some(c) = ev.collected_traffic_source {
            let attr = Attr::new(c.manual_source, c.manual_medium, c.manual_campaign_name).or_else(|| {
                c.gclid.is_some().then(|| Attr {
                    source: Some("google".into()),
                    medium: Some("cpc".into()),
                    campaign: None,
                })
            });
            earliest(&mut s.collected, ts, attr, &mut st.attrs);
        }
        earliest(&mut s.params, ts, Attr::new(params.source, params.medium, params.campaign), &mut st.attrs);
        if let Some(page) = params.page_location {
            let own = host(page);
            let external = params
                .page_referrer
                .filter(|_| !params.ignore_referrer)
                .and_then(host)
                .filter(|h| Some(h) != own.as_ref());
            let better = match &s.entry {
                None => true,
                Some((t, r)) => ts < *t || (ts == *t && r.is_none() && external.is_some()),
            };
            if better {
                s.entry = Some((ts, external.map(|h| st.texts.id(&h))));
            }
        }
        let page_view = name == "page_view";
        let conversion = CONVERSION_EVENTS.contains(&name);
        if page_view || conversion {
            let i = match s.days.iter().position(|(d, _, _)| *d == day) {
                Some(i) => i,
                None => {
                    s.days.push((day, 0, 0));
                    s.days.len() - 1
                }
            };
            s.days[i].1 += page_view as u32;
            s.days[i].2 += conversion as u32;
        }
        st.saw_page_view |= page_view;
        st.saw_conversion |= conversion;
        Ok(())
    }
}

/// Keeps the attribution of the earliest event that has one.
fn earliest(slot: &mut Option<(i64, u32)>, ts: i64, attr: Option<Attr>, attrs: &mut Interner<Attr>) {
    if let Some(a) = attr {
        if slot.as_ref().is_none_or(|(t, _)| ts < *t) {
            *slot = Some((ts, attrs.id(a)));
        }
    }
}

/// Gives each distinct value a small number, so that sessions hold numbers, not copies.
struct Interner<T> {
    ids: HashMap<T, u32>,
    items: Vec<T>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Interner { ids: HashMap::new(), items: Vec::new() }
    }
}

impl<T: std::hash::Hash + Eq + Clone> Interner<T> {
    fn id(&mut self, v: T) -> u32 {
        if let Some(&i) = self.ids.get(&v) {
            return i;
        }
        let i = self.items.len() as u32;
        self.items.push(v.clone());
        self.ids.insert(v, i);
        i
    }

    fn get(&self, i: u32) -> &T {
        &self.items[i as usize]
    }
}

/// Strings, looked up without allocating when already known.
#[derive(Default)]
struct Texts(Interner<String>);

impl Texts {
    fn id(&mut self, s: &str) -> u32 {
        match self.0.ids.get(s) {
            Some(&i) => i,
            None => self.0.id(s.to_string()),
        }
    }

    fn get(&self, i: u32) -> &str {
        self.0.get(i)
    }
}

#[derive(Default)]
struct State {
    /// `user_pseudo_id`s.
    users: Texts,
    /// Stream ids and referrer hosts.
    texts: Texts,
    attrs: Interner<Attr>,
    sessions: HashMap<(u32, i64), Session>,
    no_session: u64,
    countries: Countries,
    saw_page_view: bool,
    saw_conversion: bool,
}

/// One (user, session): about a hundred bytes, the strings it refers to held once in [`State`].
struct Session {
    /// The host name of the session's earliest event that has one, and that event's time.
    host: Option<(i64, u32)>,
    /// The country code of the session's earliest event that has one, and that event's time.
    country: Option<(i64, u32)>,
    stream: Option<u32>,
    /// The day of the `session_start` event; `None`: the session started before the export.
    start_day: Option<Day>,
    /// The earliest event: its timestamp and day.
    first: (i64, Day),
    last_click: Option<u32>,
    collected: Option<(i64, u32)>,
    params: Option<(i64, u32)>,
    /// The earliest event with a `page_location`, and its external referrer host.
    entry: Option<(i64, Option<u32>)>,
    /// Page views and conversions per event day.
    days: Vec<(Day, u32, u32)>,
}

impl Session {
    fn new(ts: i64, day: Day) -> Session {
        Session {
            host: None,
            country: None,
            stream: None,
            start_day: None,
            first: (ts, day),
            last_click: None,
            collected: None,
            params: None,
            entry: None,
            days: Vec::new(),
        }
    }

    /// Source, medium and campaign in the order of docs/formats.md#ga4-bigquery-jsonl, and the referrer host when the
    /// referrer decided.
    fn attribution(&self, st: &State) -> (Attr, Option<String>) {
        let tagged = self.last_click.or(self.collected.map(|(_, a)| a)).or(self.params.map(|(_, a)| a));
        if let Some(a) = tagged {
            return (st.attrs.get(a).clone(), None);
        }
        match self.entry.and_then(|(_, r)| r).map(|h| st.texts.get(h).to_string()) {
            Some(h) => (Attr { source: Some(h.clone()), medium: Some("referral".into()), campaign: None }, Some(h)),
            None => (Attr { source: Some("(direct)".into()), medium: Some("(none)".into()), campaign: None }, None),
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
struct Attr {
    source: Option<String>,
    medium: Option<String>,
    campaign: Option<String>,
}

impl Attr {
    /// `None` when neither source nor medium is given.
    fn new(source: Option<String>, medium: Option<String>, campaign: Option<String>) -> Option<Attr> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let (source, medium) = (clean(source), clean(medium));
        let campaign = clean(campaign).filter(|c| !(c.starts_with('(') && c.ends_with(')')));
        (source.is_some() || medium.is_some()).then_some(Attr { source, medium, campaign })
    }
}

type RowKey = (Option<String>, Day, Attr, Option<String>, Option<String>);

#[derive(Default)]
struct Row {
    sessions: i64,
    users: HashSet<u32>,
    pageviews: i64,
    conversions: i64,
}

impl State {
    fn emit(mut self, cx: &Ctx, out: &mut dyn Out) {
        if self.no_session > 0 {
            out.warn(format!(
                "{}: {} events have no user_pseudo_id or ga_session_id (consent-mode pings?): they belong \
                 to no session and are not counted",
                cx.source_file, self.no_session
            ));
        }
        for w in self.countries.warnings(&cx.source_file) {
            out.warning(w);
        }
        let mut rows: BTreeMap<RowKey, Row> = BTreeMap::new();
        for ((uid, _), s) in std::mem::take(&mut self.sessions) {
            let (attr, referrer) = s.attribution(&self);
            let site = s.host.map(|(_, i)| i).or(s.stream).map(|i| self.texts.get(i).to_string());
            let country = s.country.map(|(_, i)| self.texts.get(i).to_string());
            let key = |day: Day| (site.clone(), day, attr.clone(), referrer.clone(), country.clone());
            let r = rows.entry(key(s.start_day.unwrap_or(s.first.1))).or_default();
            r.users.insert(uid);
            r.sessions += s.start_day.is_some() as i64;
            for &(day, pageviews, conversions) in &s.days {
                let r = rows.entry(key(day)).or_default();
                r.users.insert(uid);
                r.pageviews += i64::from(pageviews);
                r.conversions += i64::from(conversions);
            }
        }
        for ((site, day, attr, referrer, country), r) in rows {
            out.traffic(Traffic {
                platform: "web".into(),
                date_start: Some(day),
                date_end: Some(day),
                site,
                channel: channel(attr.source.as_deref(), attr.medium.as_deref(), referrer.as_deref()),
                source: attr.source,
                medium: attr.medium,
                referrer,
                country,
                campaign_tag: attr.campaign,
                sessions: Some(r.sessions),
                users: Some(r.users.len() as i64),
                pageviews: self.saw_page_view.then_some(r.pageviews),
                conversions: self.saw_conversion.then_some(r.conversions),
                ..Default::default()
            });
        }
    }
}

// ---------------------------------------------------------------- the export's rows

/// The fields of an export row this adapter reads (the others are skipped by serde).
#[derive(Deserialize)]
struct Event {
    event_date: Option<String>,
    event_timestamp: Option<Num>,
    event_name: Option<String>,
    event_params: Option<Vec<Param>>,
    user_pseudo_id: Option<String>,
    stream_id: Option<Num>,
    device: Option<Device>,
    geo: Option<Geo>,
    collected_traffic_source: Option<CollectedSource>,
    session_traffic_source_last_click: Option<LastClick>,
}

#[derive(Deserialize)]
struct Device {
    web_info: Option<WebInfo>,
}

/// Only the country: region, city and metro are finer than the lake keeps.
#[derive(Deserialize)]
struct Geo {
    country: Option<String>,
}

#[derive(Deserialize)]
struct WebInfo {
    hostname: Option<String>,
}

/// The host of a page URL, as a site name: lower-cased, port and user left out, `www.` kept.
fn page_host(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let h = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let h = h.rsplit('@').next().unwrap_or(h);
    let h = h.split(':').next().unwrap_or(h);
    let h = crate::ingest::site_name(h);
    (!h.is_empty()).then_some(h)
}

#[derive(Deserialize)]
struct Param {
    key: Option<String>,
    value: Option<ParamValue>,
}

#[derive(Deserialize)]
struct ParamValue {
    string_value: Option<String>,
    int_value: Option<Num>,
    float_value: Option<Num>,
    double_value: Option<Num>,
}

#[derive(Deserialize)]
struct CollectedSource {
    manual_source: Option<String>,
    manual_medium: Option<String>,
    manual_campaign_name: Option<String>,
    gclid: Option<String>,
}

#[derive(Deserialize)]
struct LastClick {
    manual_campaign: Option<ManualCampaign>,
}

#[derive(Deserialize)]
struct ManualCampaign {
    source: Option<String>,
    medium: Option<String>,
    campaign_name: Option<String>,
}

/// An INT64 as BigQuery writes it in JSON (a string), or as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Num {
    fn as_i64(&self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(*i),
            Num::Float(f) => (f.fract() == 0.0).then_some(*f as i64),
            Num::Text(s) => s.trim().parse().ok(),
        }
    }

    fn text(&self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(f) => f.to_string(),
            Num::Text(s) => s.clone(),
        }
    }
}

/// The event params this adapter reads.
#[derive(Default)]
struct Params<'a> {
    session_id: Option<i64>,
    page_location: Option<&'a str>,
    page_referrer: Option<&'a str>,
    ignore_referrer: bool,
    source: Option<String>,
    medium: Option<String>,
    campaign: Option<String>,
}

impl<'a> Params<'a> {
    fn of(params: &'a Option<Vec<Param>>) -> Params<'a> {
        let mut p = Params::default();
        for param in params.iter().flatten() {
            let (Some(key), Some(v)) = (param.key.as_deref(), param.value.as_ref()) else { continue };
            let text = v.string_value.as_deref().filter(|s| !s.is_empty());
            match key {
                // An INT64, usually as `int_value`; string and float forms are taken as they come.
                "ga_session_id" => {
                    p.session_id = [v.int_value.as_ref(), v.double_value.as_ref(), v.float_value.as_ref()]
                        .into_iter()
                        .flatten()
                        .find_map(Num::as_i64)
                        .or_else(|| text.and_then(|t| t.trim().parse().ok()))
                }
                "page_location" => p.page_location = text,
                "page_referrer" => p.page_referrer = text,
                "ignore_referrer" => p.ignore_referrer = text == Some("true"),
                "source" => p.source = text.map(str::to_string),
                "medium" => p.medium = text.map(str::to_string),
                "campaign" => p.campaign = text.map(str::to_string),
                _ => {}
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::{collect_path, score, FIXTURES};
    use crate::ingest::Collected;

    fn run(path: &str) -> Collected {
        collect_path(&ADAPTER, path).unwrap()
    }

    fn day(s: &str) -> Option<Day> {
        Some(Day::from_naive(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()))
    }

    #[test]
    fn events_roll_up_to_sessions_per_day_and_source() {
        // tests/fixtures/ga4-bigquery-jsonl/events_20240301_20240302.jsonl, 16 lines:
        // line 11 is cut mid-object, line 12 has event_date "2024-03-02"; line 10 is a
        // consent-mode ping (no user, no session). The 13 other events are 5 sessions:
        //  S1 user A 03-01: session_start, 2 page_view, generate_lead; tagged facebook/social/spring_appeal
        //  S2 user B 03-01: session_start, page_view, user_engagement; referrer t.co, no attribution records
        //  S5 user B 03-01: page_view, session_start; referrer t.co again
        //  S3 user A 03-02: session_start, page_view; last click (direct)/(none)
        //  S4 user C 03-02: session_start, page_view; older params source=google, medium=organic
        let got = run(&format!("{FIXTURES}ga4-bigquery-jsonl/events_20240301_20240302.jsonl"));
        assert_eq!(got.rows, 16);
        let rj: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rj, vec![(11, "(json)"), (12, "event_date")]);
        assert!(got.rejects.iter().all(|r| r.raw.is_none()), "personal data: no raw lines");
        assert!(got.warnings.iter().any(|w| w.contains("1 events have no user_pseudo_id")), "{:?}", got.warnings);
        let rows: Vec<_> = got
            .traffic
            .iter()
            .map(|t| {
                (
                    t.date_start,
                    t.source.as_deref(),
                    t.medium.as_deref(),
                    t.campaign_tag.as_deref(),
                    t.channel,
                    t.sessions,
                    t.users,
                    t.pageviews,
                    t.conversions,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                // S1: 1 session, 2 page views, 1 generate_lead.
                (
                    day("2024-03-01"),
                    Some("facebook"),
                    Some("social"),
                    Some("spring_appeal"),
                    "facebook",
                    Some(1),
                    Some(1),
                    Some(2),
                    Some(1)
                ),
                // S2 + S5: 2 sessions of one user, 1 page view each.
                (
                    day("2024-03-01"),
                    Some("t.co"),
                    Some("referral"),
                    None,
                    "twitter",
                    Some(2),
                    Some(1),
                    Some(2),
                    Some(0)
                ),
                // S3: the campaign "(direct)" is GA's placeholder: null.
                (
                    day("2024-03-02"),
                    Some("(direct)"),
                    Some("(none)"),
                    None,
                    "direct",
                    Some(1),
                    Some(1),
                    Some(1),
                    Some(0)
                ),
                (
                    day("2024-03-02"),
                    Some("google"),
                    Some("organic"),
                    None,
                    "search",
                    Some(1),
                    Some(1),
                    Some(1),
                    Some(0)
                ),
            ]
        );
        // 3 sessions on 03-01, 2 on 03-02: 5 in all.
        assert_eq!(got.traffic.iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 5);
        // site: the events' device.web_info.hostname (the stream id 4178290915 is only a fallback).
        assert!(got.traffic.iter().all(|t| t.site.as_deref() == Some("example.org") && t.date_start == t.date_end));
        assert_eq!(got.traffic[1].referrer.as_deref(), Some("t.co"));
        assert!(got.traffic.iter().all(|t| t.landing_page.is_none()));
    }

    #[test]
    fn attribution_order() {
        let ts = 10;
        let d = day("2024-03-01").unwrap();
        let a = |s: &str, m: &str| Attr::new(Some(s.into()), Some(m.into()), None).unwrap();
        let mut st = State::default();
        let mut s = Session::new(ts, d);
        s.entry = Some((ts, Some(st.texts.id("l.facebook.com"))));
        assert_eq!(s.attribution(&st), (a("l.facebook.com", "referral"), Some("l.facebook.com".into())));
        s.params = Some((ts, st.attrs.id(a("google", "organic"))));
        assert_eq!(s.attribution(&st).0, a("google", "organic"));
        s.collected = Some((ts, st.attrs.id(a("newsletter", "email"))));
        assert_eq!(s.attribution(&st).0, a("newsletter", "email"));
        s.last_click = Some(st.attrs.id(a("facebook", "social")));
        assert_eq!(s.attribution(&st), (a("facebook", "social"), None));
        assert_eq!(Session::new(ts, d).attribution(&st).0, a("(direct)", "(none)"));
        // The same attribution is stored once.
        assert_eq!(st.attrs.id(a("google", "organic")), 0);
    }

    #[test]
    fn a_file_without_page_views_or_conversions_has_null_figures() {
        // Two events of one session, neither a page_view nor a conversion (ints as numbers).
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let line = |name: &str| {
            format!(
                r#"{{"event_date":"20240301","event_timestamp":1709283600000000,"event_name":"{name}","event_params":[{{"key":"ga_session_id","value":{{"int_value":1709283600}}}}],"user_pseudo_id":"9.9","stream_id":"1"}}"#
            )
        };
        std::fs::write(&p, format!("{}\n{}\n", line("session_start"), line("user_engagement"))).unwrap();
        let got = run(&p.to_string_lossy());
        assert_eq!(got.traffic.len(), 1);
        let t = &got.traffic[0];
        assert_eq!(
            (t.sessions, t.users, t.pageviews, t.conversions, t.channel),
            (Some(1), Some(1), None, None, "direct")
        );
    }

    #[test]
    fn site_is_the_page_hostname_else_the_stream() {
        // Three sessions (stream 7): "a" has device.web_info.hostname WWW.Example.org on its
        // second event and a page_location on shop.example.org on its first (earlier): the
        // earliest wins; "b" has only a page_location (port and user left out); "c" has
        // neither (an app): its stream id.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let ev = |user: &str, ts: i64, name: &str, page: Option<&str>, hostname: Option<&str>| {
            let page = page
                .map_or(String::new(), |u| format!(r#",{{"key":"page_location","value":{{"string_value":"{u}"}}}}"#));
            let device =
                hostname.map_or(String::new(), |h| format!(r#","device":{{"web_info":{{"hostname":"{h}"}}}}"#));
            format!(
                r#"{{"event_date":"20240301","event_timestamp":{ts},"event_name":"{name}","event_params":[{{"key":"ga_session_id","value":{{"int_value":1}}}}{page}],"user_pseudo_id":"{user}","stream_id":"7"{device}}}"#
            )
        };
        let lines = [
            ev("a", 2, "page_view", None, Some("WWW.Example.org")),
            ev("a", 1, "session_start", Some("https://shop.example.org/x"), None),
            ev("b", 1, "session_start", Some("https://u@News.Example.org:8443/p?q"), None),
            ev("c", 1, "session_start", None, None),
        ];
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        let got = run(&p.to_string_lossy());
        let mut sites: Vec<Option<String>> = got.traffic.iter().map(|t| t.site.clone()).collect();
        sites.sort();
        assert_eq!(sites, [Some("7".into()), Some("news.example.org".into()), Some("shop.example.org".into())]);
        assert_eq!(page_host("https://www.Example.org/a"), Some("www.example.org".into()));
        assert_eq!(page_host("no url"), None);
    }

    #[test]
    fn country_is_the_sessions_earliest_geo_country() {
        // Four sessions, all direct, one day: "a" Kenya then (a later event) Uganda: Kenya;
        // "b" "(not set)" then "United States": US; "c" "Atlantis" (unknown): null with a
        // warning; "d" KE as a code: KE. Rows: KE (a, d: 2 sessions), US (b), null (c).
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("events.jsonl");
        let ev = |user: &str, ts: i64, name: &str, country: &str| {
            format!(
                r#"{{"event_date":"20240301","event_timestamp":{ts},"event_name":"{name}","event_params":[{{"key":"ga_session_id","value":{{"int_value":1}}}}],"user_pseudo_id":"{user}","geo":{{"city":"Nairobi","country":"{country}","region":"Nairobi County"}}}}"#
            )
        };
        let lines = [
            ev("a", 1, "session_start", "Kenya"),
            ev("a", 2, "page_view", "Uganda"),
            ev("b", 1, "session_start", "(not set)"),
            ev("b", 2, "page_view", "United States"),
            ev("c", 1, "session_start", "Atlantis"),
            ev("d", 1, "session_start", "KE"),
        ];
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        let got = run(&p.to_string_lossy());
        let rows: Vec<(Option<&str>, Option<i64>)> =
            got.traffic.iter().map(|t| (t.country.as_deref(), t.sessions)).collect();
        assert_eq!(rows, [(None, Some(1)), (Some("KE"), Some(2)), (Some("US"), Some(1))]);
        let w: Vec<&String> = got.warnings.iter().filter(|w| w.contains("geo.country")).collect();
        assert_eq!(w.len(), 1, "{:?}", got.warnings);
        assert!(w[0].contains("line 5: 1 cell(s) of column 'geo.country'"), "{w:?}");
        assert!(!w[0].contains("Atlantis") && !got.warnings.iter().any(|w| w.contains("Nairobi")));
    }

    #[test]
    fn detection() {
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}ga4-bigquery-jsonl/events_20240301_20240302.jsonl")), 95);
    }
}
