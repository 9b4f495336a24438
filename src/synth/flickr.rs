//! `flickr-json` writer: `flickr.people.getPhotos` with extras (`description, date_upload,
//! views, media, tags, path_alias, count_faves, count_comments`), `format=json&nojsoncallback=1`:
//! numbers and unix times as strings, slashes escaped as the API does (docs/formats.md; the
//! layout of tests/fixtures/flickr-json/search.json).

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::json;

pub struct Photo {
    pub id: u64,
    pub title: String,
    /// HTML, as Flickr stores descriptions.
    pub description: String,
    pub uploaded: DateTime<Utc>,
    pub video: bool,
    pub tags: String,
    pub views: u64,
    pub faves: u64,
    pub comments: u64,
}

pub struct Owner<'a> {
    pub nsid: &'a str,
    pub name: &'a str,
    pub alias: &'a str,
}

pub fn write_photos(w: &mut dyn Write, owner: &Owner, photos: &[Photo]) -> io::Result<()> {
    let list: Vec<_> = photos
        .iter()
        .rev()
        .map(|p| {
            json!({
                "id": p.id.to_string(), "owner": owner.nsid, "secret": format!("{:010x}", p.id.wrapping_mul(0x5851_f42d) & 0xff_ffff_ffff),
                "server": "2251", "farm": 3, "title": p.title, "ispublic": 1, "isfriend": 0, "isfamily": 0,
                "description": {"_content": p.description},
                "dateupload": p.uploaded.timestamp().to_string(), "ownername": owner.name,
                "views": p.views.to_string(), "tags": p.tags, "pathalias": owner.alias,
                "media": if p.video { "video" } else { "photo" }, "media_status": "ready",
                "count_faves": p.faves.to_string(), "count_comments": p.comments.to_string(),
            })
        })
        .collect();
    let doc = json!({
        "photos": {"page": 1, "pages": 1, "perpage": 500, "total": photos.len(), "photo": list},
        "stat": "ok"
    });
    // The API escapes '/' in strings.
    let text = serde_json::to_string(&doc)?.replace('/', "\\/");
    w.write_all(text.as_bytes())?;
    w.write_all(b"\n")
}
