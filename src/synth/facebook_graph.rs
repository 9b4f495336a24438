//! `facebook-graph-json` writer: a page's `/feed` response (posts with `likes` / `comments`
//! summaries, `shares`, and their lifetime insights) and a page's `page_fans` insights
//! (docs/formats.md; the layout of `tests/fixtures/real/facebook-graph-json/` and tests/fixtures).

use std::io::{self, Write};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

/// One post of the page's feed: the page's own, or a visitor's wall post.
pub struct FbPost {
    /// `<page id>_<post number>`.
    pub id: String,
    pub created: DateTime<Utc>,
    pub message: String,
    /// Graph's `type`: photo, video, link or status.
    pub kind: &'static str,
    pub from_id: String,
    pub from_name: String,
    pub link: Option<String>,
    pub likes: Option<u64>,
    /// (commenter id, commenter name, message, time) for the first comments; the summary
    /// holds the total.
    pub comments: Vec<(String, String, String, DateTime<Utc>)>,
    pub comments_total: Option<u64>,
    pub shares: Option<u64>,
    pub impressions: Option<u64>,
    pub reach: Option<u64>,
    pub link_clicks: Option<u64>,
    pub video_views: Option<u64>,
}

/// Graph's time format: `2017-01-19T09:03:47+0000` (no colon in the offset).
pub fn graph_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

fn insight(post: &str, name: &str, title: &str, value: Value) -> Value {
    json!({
        "name": name, "period": "lifetime", "values": [{"value": value}], "title": title,
        "id": format!("{post}/insights/{name}/lifetime"),
    })
}

fn post_json(p: &FbPost) -> Value {
    let status_type = match p.kind {
        "photo" => "added_photos",
        "video" => "added_video",
        "link" => "shared_story",
        _ => "mobile_status_update",
    };
    let page = p.id.split('_').next().unwrap_or("");
    let mut o = json!({
        "id": p.id,
        "created_time": graph_time(p.created),
        "updated_time": graph_time(p.created + Duration::hours(6)),
        "message": p.message,
        "type": p.kind,
        "status_type": status_type,
        "from": {"name": p.from_name, "id": p.from_id},
        "permalink_url": format!("https://www.facebook.com/{page}/posts/{}", p.id.split('_').nth(1).unwrap_or("")),
    });
    let m = o.as_object_mut().expect("object");
    if let Some(l) = &p.link {
        m.insert("link".into(), json!(l));
    }
    if let Some(n) = p.likes {
        m.insert(
            "likes".into(),
            json!({"data": [], "summary": {"total_count": n, "can_like": true, "has_liked": false}}),
        );
    }
    if let Some(n) = p.comments_total {
        let data: Vec<Value> = p
            .comments
            .iter()
            .enumerate()
            .map(|(k, (id, name, msg, t))| {
                json!({"id": format!("{}_{}", p.id, 9000 + k), "from": {"name": name, "id": id},
                       "message": msg, "created_time": graph_time(*t), "like_count": 0})
            })
            .collect();
        m.insert(
            "comments".into(),
            json!({"data": data, "summary": {"order": "chronological", "total_count": n, "can_comment": true}}),
        );
    }
    if let Some(n) = p.shares {
        m.insert("shares".into(), json!({"count": n}));
    }
    let mut ins = Vec::new();
    if let Some(v) = p.impressions {
        ins.push(insight(&p.id, "post_impressions", "Lifetime Post Total Impressions", json!(v)));
    }
    if let Some(v) = p.reach {
        ins.push(insight(&p.id, "post_impressions_unique", "Lifetime Post Total Reach", json!(v)));
    }
    if let Some(v) = p.link_clicks {
        ins.push(insight(
            &p.id,
            "post_consumptions_by_type",
            "Lifetime Post Consumptions by type",
            json!({"link clicks": v, "other clicks": v / 2 + 1}),
        ));
    }
    if let Some(v) = p.video_views {
        ins.push(insight(&p.id, "post_video_views", "Lifetime Post Total Video Views", json!(v)));
    }
    if !ins.is_empty() {
        m.insert("insights".into(), json!({"data": ins}));
    }
    o
}

/// Posts per Graph response page (`limit=100`).
pub const PAGE_SIZE: usize = 100;

/// A page's `/feed` (or `/posts`) saved as a JSON array of Graph responses, one per page of
/// [`PAGE_SIZE`] posts, newest first as Graph pages through them. Posts are pushed newest
/// first and written as pages fill, so a feed of any size streams.
pub struct Feed<'w> {
    w: &'w mut dyn Write,
    page_id: String,
    buf: Vec<Value>,
    pages: u64,
}

impl<'w> Feed<'w> {
    pub fn new(w: &'w mut dyn Write, page_id: &str) -> io::Result<Self> {
        w.write_all(b"[\n")?;
        Ok(Feed { w, page_id: page_id.to_string(), buf: Vec::new(), pages: 0 })
    }

    pub fn push(&mut self, p: &FbPost) -> io::Result<()> {
        self.buf.push(post_json(p));
        if self.buf.len() >= PAGE_SIZE {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if self.pages > 0 {
            self.w.write_all(b",\n")?;
        }
        self.pages += 1;
        let (page, k) = (&self.page_id, self.pages);
        let doc = json!({
            "data": std::mem::take(&mut self.buf),
            "paging": {
                "cursors": {"before": format!("QVFIU{k:06}YmVm"), "after": format!("QVFIU{k:06}YWZ0")},
                "next": format!("https://graph.facebook.com/v2.3/{page}/feed?limit={PAGE_SIZE}&after=QVFIU{k:06}YWZ0"),
            }
        });
        serde_json::to_writer_pretty(&mut *self.w, &doc).map_err(io::Error::from)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.flush()?;
        self.w.write_all(b"\n]\n")
    }
}

/// `/<page>/insights/page_fans?period=day`: one value per day. Graph's `end_time` is the
/// exclusive end of the day, midnight Pacific time (08:00 UTC in winter, 07:00 in summer).
pub fn write_page_fans(w: &mut dyn Write, page_id: &str, values: &[(NaiveDate, u64)]) -> io::Result<()> {
    let vals: Vec<Value> = values
        .iter()
        .map(|(d, n)| {
            let end = d.succ_opt().expect("next day").and_hms_opt(8, 0, 0).expect("time").and_utc();
            json!({"value": n, "end_time": graph_time(end)})
        })
        .collect();
    let doc = json!({
        "data": [{
            "name": "page_fans", "period": "day", "values": vals, "title": "Lifetime Total Likes",
            "description": "Lifetime: The total number of people who have liked your Page. (Unique Users)",
            "id": format!("{page_id}/insights/page_fans/day"),
        }],
        "paging": {
            "previous": format!("https://graph.facebook.com/v2.3/{page_id}/insights/page_fans?period=day&since=0&until=0"),
            "next": format!("https://graph.facebook.com/v2.3/{page_id}/insights/page_fans?period=day&since=1&until=1"),
        }
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}
