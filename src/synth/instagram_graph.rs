//! `instagram-graph-json` writer: `/<ig user>/media` with fields and lifetime insights, and
//! the user object (`followers_count`) (docs/formats.md; the layout of `tests/fixtures/real/instagram-graph-json/`
//! and tests/fixtures/instagram-graph-json).

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::facebook_graph::graph_time;

pub struct Media {
    pub id: u64,
    pub caption: String,
    /// IMAGE, VIDEO or CAROUSEL_ALBUM.
    pub media_type: &'static str,
    pub timestamp: DateTime<Utc>,
    pub likes: u64,
    pub comments: u64,
    /// Lifetime insights, when the account could read them (null when not).
    pub impressions: Option<u64>,
    pub reach: Option<u64>,
    pub saved: Option<u64>,
}

pub fn write_media(w: &mut dyn Write, user_id: &str, username: &str, media: &[Media]) -> io::Result<()> {
    let data: Vec<Value> = media
        .iter()
        .rev()
        .map(|m| {
            let code = format!("B{:09X}", m.id % 0xf_ffff_ffff);
            let mut o = json!({
                "id": m.id.to_string(), "caption": m.caption, "comments_count": m.comments, "like_count": m.likes,
                "media_product_type": "FEED", "media_type": m.media_type, "owner": {"id": user_id},
                "permalink": format!("https://www.instagram.com/p/{code}/"), "shortcode": code,
                "timestamp": graph_time(m.timestamp), "username": username,
            });
            let mut ins = Vec::new();
            for (name, title, v) in [
                ("impressions", "Impressions", m.impressions),
                ("reach", "Reach", m.reach),
                ("saved", "Saved", m.saved),
            ] {
                if let Some(v) = v {
                    ins.push(json!({"name": name, "period": "lifetime", "values": [{"value": v}], "title": title,
                                    "id": format!("{}/insights/{name}/lifetime", m.id)}));
                }
            }
            if !ins.is_empty() {
                o.as_object_mut().expect("object").insert("insights".into(), json!({"data": ins}));
            }
            o
        })
        .collect();
    let doc = json!({
        "data": data,
        "paging": {"cursors": {"before": "QVFIUmJhZA", "after": "QVFIUmVuZA"},
                   "next": format!("https://graph.facebook.com/v3.2/{user_id}/media?limit=100&after=QVFIUmVuZA")}
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// `/<ig user>?fields=id,username,name,followers_count,follows_count,media_count`.
pub fn write_user(
    w: &mut dyn Write,
    user_id: &str,
    username: &str,
    name: &str,
    followers: u64,
    follows: u64,
    media_count: u64,
) -> io::Result<()> {
    let doc = json!({
        "id": user_id, "username": username, "name": name, "followers_count": followers,
        "follows_count": follows, "media_count": media_count,
        "biography": "Amnesty International: protecting human rights worldwide.",
        "website": "https://www.amnesty.org/",
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
