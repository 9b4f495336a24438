//! The ingest rules applied to every record between an adapter and where it is stored:
//! the columns that come from the input rather than the export (`source_file`,
//! `ingested_at`, the input's campaign and site), and the action a collected post stands
//! for. [`Stamped`] applies them in front of any [`Out`] (the lake's part writer, the
//! tests' [`Collected`]), so that the writer only stores.

use crate::ingest::{site_name, Adapter, Ctx, FileError, Input};
use crate::model::{AccountSnap, Action, Post, Traffic};
use crate::schema::{Out, Reject, Repeats, Warning};

/// An [`Out`] that applies the rules to each record, then hands it to `inner`. A collected
/// post's derived action goes to `inner` before the post itself, as it is (not stamped: it
/// copies the stamped post's columns).
pub struct Stamped<'c, 'a, O> {
    pub cx: &'c Ctx<'a>,
    pub inner: O,
}

impl<O: Out> Out for Stamped<'_, '_, O> {
    fn post(&mut self, mut p: Post) {
        stamp_post(&mut p, self.cx);
        if let Some(a) = derive_post_action(&p, self.cx) {
            self.inner.action(a);
        }
        self.inner.post(p);
    }
    fn action(&mut self, mut a: Action) {
        stamp_action(&mut a, self.cx);
        self.inner.action(a);
    }
    fn account(&mut self, a: AccountSnap) {
        self.inner.account(a);
    }
    fn traffic(&mut self, mut t: Traffic) {
        stamp_traffic(&mut t, self.cx);
        self.inner.traffic(t);
    }
    fn rows(&mut self, n: u64) {
        self.inner.rows(n);
    }
    fn reject(&mut self, r: Reject) {
        self.inner.reject(r);
    }
    fn warn(&mut self, msg: String) {
        self.inner.warn(msg);
    }
    fn warning(&mut self, w: Warning) {
        self.inner.warning(w);
    }
}

/// The action a collected post stands for (docs/lake.md#actions): its author posted,
/// replied, quoted, retweeted or mentioned a target. `None` for other posts.
pub fn derive_post_action(p: &Post, cx: &Ctx) -> Option<Action> {
    if p.origin != "collected" {
        return None;
    }
    let author = p.account_id.as_deref().or(p.account_handle.as_deref())?;
    let is_target = |h: &str| cx.targets.iter().any(|t| t == h);
    let verb = if p.is_repost == Some(true) {
        "retweet"
    } else if p.mentions.iter().any(|m| is_target(m))
        || p.in_reply_to_account.as_deref().is_some_and(|a| is_target(&a.to_lowercase()))
    {
        "mention_target"
    } else if p.in_reply_to_post_id.is_some() {
        "reply"
    } else if p.quoted_post_id.is_some() {
        "quote"
    } else {
        "post"
    };
    let answered = match verb {
        "retweet" => p.reposted_post_id.clone(),
        "reply" => p.in_reply_to_post_id.clone(),
        "quote" => p.quoted_post_id.clone(),
        _ => None,
    };
    Some(Action {
        platform: p.platform.clone(),
        actor_id: cx.pseudo.id(&p.platform, author),
        action: if verb == "retweet" && p.platform != "twitter" { "share".into() } else { verb.into() },
        occurred_at: p.created_at,
        post_id: answered.or_else(|| Some(p.post_id.clone())),
        campaign: p.campaign.clone(),
        source: None,
        medium: None,
        // A post's place is not its author's country.
        country: None,
        action_key: Some(format!("post:{}", p.post_id)),
        source_file: p.source_file.clone(),
        ingested_at: p.ingested_at,
    })
}

/// Stamps the columns that come from the input rather than the export.
pub fn stamp_post(p: &mut Post, cx: &Ctx) {
    p.source_file.clone_from(&cx.source_file);
    p.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        p.campaign.clone_from(&cx.campaign);
    }
}

pub fn stamp_action(a: &mut Action, cx: &Ctx) {
    a.source_file.clone_from(&cx.source_file);
    a.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        a.campaign.clone_from(&cx.campaign);
    }
}

pub fn stamp_traffic(t: &mut Traffic, cx: &Ctx) {
    t.source_file.clone_from(&cx.source_file);
    t.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        t.campaign.clone_from(&cx.campaign);
    }
    // docs/metrics.md#sites: the export's own site wins; the input's fills the rows without one.
    t.site = t.site.as_deref().map(site_name).filter(|s| !s.is_empty()).or_else(|| cx.site.clone());
}

/// Everything an adapter produced, in memory: for tests and small inputs. As an [`Out`]
/// it only stores; [`CollectOut`] puts the rules in front.
#[derive(Default, Debug)]
pub struct Collected {
    pub posts: Vec<Post>,
    pub actions: Vec<Action>,
    pub accounts: Vec<AccountSnap>,
    pub traffic: Vec<Traffic>,
    pub rows: u64,
    pub rejects: Vec<Reject>,
    /// As the driver reports them (texts), repeats limited by [`CollectOut`].
    pub warnings: Vec<String>,
}

impl Out for Collected {
    fn post(&mut self, p: Post) {
        self.posts.push(p);
    }
    fn action(&mut self, a: Action) {
        self.actions.push(a);
    }
    fn account(&mut self, a: AccountSnap) {
        self.accounts.push(a);
    }
    fn traffic(&mut self, t: Traffic) {
        self.traffic.push(t);
    }
    fn rows(&mut self, n: u64) {
        self.rows += n;
    }
    fn reject(&mut self, r: Reject) {
        self.rejects.push(r);
    }
    fn warn(&mut self, msg: String) {
        self.warnings.push(msg);
    }
}

/// An [`Out`] that keeps everything in memory, with the rules applied like in the lake and
/// warnings limited like the driver limits an input's ([`Repeats`]).
pub struct CollectOut<'c, 'a> {
    pub cx: &'c Ctx<'a>,
    pub got: Collected,
    repeats: Repeats,
}

impl<'c, 'a> CollectOut<'c, 'a> {
    pub fn new(cx: &'c Ctx<'a>) -> Self {
        CollectOut { cx, got: Collected::default(), repeats: Repeats::default() }
    }
    fn stamped(&mut self) -> Stamped<'_, '_, &mut Collected> {
        Stamped { cx: self.cx, inner: &mut self.got }
    }
}

impl Out for CollectOut<'_, '_> {
    fn post(&mut self, p: Post) {
        self.stamped().post(p);
    }
    fn action(&mut self, a: Action) {
        self.stamped().action(a);
    }
    fn account(&mut self, a: AccountSnap) {
        self.stamped().account(a);
    }
    fn traffic(&mut self, t: Traffic) {
        self.stamped().traffic(t);
    }
    fn rows(&mut self, n: u64) {
        self.stamped().rows(n);
    }
    fn reject(&mut self, r: Reject) {
        self.stamped().reject(r);
    }
    fn warn(&mut self, msg: String) {
        self.stamped().warn(msg);
    }
    fn warning(&mut self, w: Warning) {
        if let Some(w) = self.repeats.admit(w) {
            self.stamped().warning(w);
        }
    }
}

/// Reads one input into memory with the given adapter (whole file, one thread).
pub fn collect(adapter: &dyn Adapter, input: &Input, cx: &Ctx) -> Result<Collected, FileError> {
    let mut out = CollectOut::new(cx);
    adapter.read(input, cx, &mut out)?;
    Ok(out.got)
}
