#!/usr/bin/env python3
"""Analyze at the scale of issue 16: a generated lake of ACTIONS actions, POSTS posts and
ACCOUNTS follower counts (default 100 M, 10 M and 1 M), realistic in the ways that cost
analyze time and memory, then `rallylens analyze` of two campaigns, every table; reports
wall seconds, CPU seconds and peak RSS of each run, and the stage times of `-vv`.

Realistic where it matters (unlike scale_analyze.py's lake, kept as it was so that its
figures stay comparable across versions):

- actor ids are 32 lower-case hex digits, as ingest's pseudonyms are (docs/lake.md:
  the first 16 bytes of an HMAC-SHA-256), here md5('<namespace>:<n>'); ACTORS distinct
  people (default ACTIONS / 20), drawn with a heavy head (n = ACTORS * u^2: a few actors
  do many things, most do one or two);
- the Shell campaign owns most actions (tagged, or answering its tagged posts: about
  60 %), Kenya a few per cent, the rest is the supporters' untagged history, spread over
  180 days; campaign actions fall in the campaign's weeks;
- post ids in each platform's form (19-digit tweet ids, Facebook `<page>_<post>`,
  17-digit Instagram media ids), actions answer posts by those ids;
- four action platforms (twitter, facebook, crm, action_network), the supporter exports
  with an ISO country (docs/lake.md#actions), action_network with `an:` action keys;
- traffic per day, channel, country and site; accounts: ACCOUNTS daily follower counts
  of the own accounts and of collected authors.

Nothing is held in Python: DuckDB writes each part with `COPY (SELECT ... FROM range(lo,
hi)) TO`, streaming, PART_ROWS rows a part (default 8 M), in rallylens' layout (hive
partition by platform, zstd, 131,072-row groups, every column of the lake's schema in its
order, a `_manifest.json` that lists every part, and a key beside the lake). The default
sizes take 2.99 GB on disk and about 90 s to generate on 2 cores.

    python3 benches/scale_100m.py --work /work/scale-data/rl100m --runs 3 --max-rss-gb 21.5
    python3 benches/scale_100m.py --work /work/scale-data/rl100m --runs 0 --stages
    python3 benches/scale_100m.py --actions 10000000 --posts 1000000 --accounts 100000 --runs 3

`--gen-only` stops after generating; `--keep` keeps the work folder (with `--work`, a lake
already there is reused when its generated.json has the asked-for sizes). A run above
`--max-rss-gb` (default 16: the project machine has no swap) is killed and reported as
such; at the default sizes analyze needs about 20 GB (docs/scale.md). Before each run the
load and any running compiler are recorded, so that a busy machine shows in the figures.
"""
import argparse, glob, json, os, re, shutil, subprocess, sys, tempfile, time

import duckdb

START = "2024-01-01"
DAYS = 180
END = "2024-06-29"  # START + DAYS
# The two campaigns' windows (and Shell's baseline), as in PIPELINE below.
SHELL = ("2024-03-16", "2024-04-28")  # baseline .. a week past the window
KENYA = ("2024-02-01", "2024-03-16")
COUNTRIES = "['GB','US','NG','KE','DE','FR','NL','IT','ES','CA','AU','IE','ZA','GH','IN','BR','SE','NO','DK','BE']"
VERBS = {
    "twitter": "['like','like','like','like','retweet','retweet','reply','quote','mention_target','follow']",
    "facebook": "['reaction','reaction','reaction','reaction','share','share','comment','comment','like','reaction']",
    "crm": "['sign_petition','sign_petition','donate','attend_event','email_target','call_target','volunteer','pledge','host_event','organize']",
    "action_network": "['sign_petition','sign_petition','sign_petition','submit_form','email_target','sign_petition','pledge','donate','attend_event','sign_petition']",
}
# Shares of the actions and of the posts per platform partition.
ACTION_SHARE = [("twitter", 0.70), ("facebook", 0.15), ("crm", 0.10), ("action_network", 0.05)]
POST_SHARE = [("twitter", 0.60), ("facebook", 0.25), ("instagram", 0.15)]


def u(expr, salt):
    """A deterministic uniform in [0, 1) from expr."""
    return f"((hash({expr}, {salt}) % 1000003)::DOUBLE / 1000003)"


def ts_between(a, b, expr, salt):
    return (f"(TIMESTAMPTZ '{a}' + to_microseconds((({u(expr, salt)}) * "
            f"(epoch_us(TIMESTAMPTZ '{b}') - epoch_us(TIMESTAMPTZ '{a}')))::BIGINT))")


def post_id(platform, n):
    """The id of the n-th post of a platform partition, in the platform's form."""
    if platform == "twitter":
        return f"(1600000000000000000 + ({n}))::VARCHAR"
    if platform == "facebook":
        return f"'104050442962_' || (1900000000000000 + ({n}))::VARCHAR"
    return f"(17895695668000000 + ({n}))::VARCHAR"


def split(total, shares):
    out, left = [], total
    for i, (name, share) in enumerate(shares):
        n = left if i == len(shares) - 1 else int(total * share)
        out.append((name, n))
        left -= n
    return out


def generate(lake, posts, actions, accounts, actors=None, part_rows=8_000_000, threads=2, memory="3GB", history=0):
    actors = actors or max(1000, actions // 20)
    shutil.rmtree(lake, ignore_errors=True)
    os.makedirs(lake)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = 'UTC'; SET threads = {threads}; SET memory_limit = '{memory}'; "
                "SET preserve_insertion_order = false")
    files = []
    seq = [1]

    def table(tbl, platform, n, select, rows_per_part=part_rows):
        """One manifest input for this table and platform, n rows in parts of rows_per_part;
        select(lo, hi) is the SELECT of rows [lo, hi)."""
        d = os.path.join(lake, tbl, f"platform={platform}")
        os.makedirs(d, exist_ok=True)
        fid = f"f{seq[0]:06}"
        parts, lo, k = [], 0, 0
        t = time.time()
        while lo < n or (n == 0 and k == 0):
            hi = min(n, lo + rows_per_part)
            name = f"part-{k:04}.parquet"
            path = os.path.join(d, f"{fid}-{name}")
            con.execute(f"COPY ({select(lo, hi)}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
                        "COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 131072)")
            parts.append({"table": tbl, "platform": platform, "name": name, "rows": hi - lo, "visible_rows": hi - lo})
            lo, k = hi, k + 1
            if n == 0:
                break
        size = sum(os.path.getsize(os.path.join(d, f"{fid}-{p['name']}")) for p in parts)
        print(f"  {tbl}/{platform}: {n:,} rows, {len(parts)} parts, {size / 1e9:.2f} GB, {time.time() - t:.0f} s",
              file=sys.stderr)
        files.append({"seq": seq[0], "id": fid, "path": f"generated/{tbl}-{platform}",
                      "abs_path": f"/generated/{tbl}/{platform}", "size": size, "sha256": f"generated-{seq[0]}",
                      "format": "generated", "options": "", "campaign": None, "ingested_at": "2024-07-01T00:00:00Z",
                      "rows_read": n, "rejected": 0, "tables": {tbl: n}, "parts": parts})
        seq[0] += 1

    post_parts = split(posts, POST_SHARE)
    n_posts = dict(post_parts)
    authors = max(100, posts // 5)

    # ---- posts: 1 in 2,000 own; Shell's tag on 40 % of tweets (a #makethefuture collection),
    # Kenya's on 10 % of Facebook posts; tagged posts in their campaign's weeks.
    for platform, n in post_parts:
        own_handle = "104050442962" if platform == "facebook" else "amnesty"
        tag = {"twitter": ("shell", 0.4, SHELL), "facebook": ("kenya", 0.1, KENYA), "instagram": ("shell", 0.2, SHELL)}[platform]
        tagged = f"({u('i', 21)} < {tag[1]})"
        author = f"(({u('i', 1)} * {u('i', 1)}) * {authors})::BIGINT"

        def select(lo, hi, platform=platform, own_handle=own_handle, tag=tag, tagged=tagged, author=author):
            return f"""
              SELECT '{platform}' AS platform, {post_id(platform, 'i')} AS post_id,
                     CASE WHEN i % 2000 = 0 THEN 'owned' ELSE 'collected' END AS origin,
                     CASE WHEN i % 2000 = 0 THEN '{own_handle}' ELSE (20000000 + {author})::VARCHAR END AS account_id,
                     CASE WHEN i % 2000 = 0 THEN 'amnesty' ELSE 'user' || {author} END AS account_handle,
                     CASE WHEN {tagged} THEN {ts_between(tag[2][0], tag[2][1], 'i', 2)}
                          ELSE {ts_between(START, END, 'i', 2)} END AS created_at,
                     ['photo','video','link','text'][1 + (i % 4)::INT] AS content_type,
                     'A generated post about the campaign, number ' || i AS text,
                     ['en','en','en','fr','de','sw','es'][1 + (i % 7)::INT] AS lang,
                     CASE WHEN {tagged} AND '{tag[0]}' = 'shell' THEN ['makethefuture']
                          WHEN {tagged} THEN ['reachoutforkenya'] WHEN i % 3 = 0 THEN ['climate', 'energy']
                          ELSE []::VARCHAR[] END AS hashtags,
                     CASE WHEN i % 13 = 0 THEN ['shell'] WHEN i % 17 = 0 THEN ['deltadailynews'] ELSE []::VARCHAR[] END AS mentions,
                     CASE WHEN i % 9 = 0 THEN ['https://www.amnesty.org/en/shell/' || (i % 50)] ELSE []::VARCHAR[] END AS urls,
                     (i % 3 = 1) AS is_repost,
                     CASE WHEN i % 11 = 0 THEN 'shell' END AS in_reply_to_account,
                     NULL::VARCHAR AS quoted_post_id,
                     CASE WHEN i % 11 = 0 THEN {post_id(platform, f'(i * 7) % {max(1, n)}')} END AS in_reply_to_post_id,
                     CASE WHEN i % 3 = 1 THEN {post_id(platform, f'(i * 13) % {max(1, n)}')} END AS reposted_post_id,
                     (hash(i, 3) % 50000)::BIGINT AS followers,
                     (hash(i, 4) % 5000)::BIGINT AS impressions, (hash(i, 5) % 3000)::BIGINT AS reach,
                     (hash(i, 6) % 100)::BIGINT AS reactions, (hash(i, 7) % 20)::BIGINT AS comments,
                     (hash(i, 8) % 30)::BIGINT AS shares, NULL::BIGINT AS quotes, NULL::BIGINT AS saves,
                     NULL::BIGINT AS clicks, NULL::BIGINT AS link_clicks, NULL::BIGINT AS video_views,
                     NULL::VARCHAR AS permalink,
                     CASE WHEN {tagged} THEN '{tag[0]}' END AS campaign,
                     'generated/posts-{platform}' AS source_file, TIMESTAMPTZ '2024-07-01' AS ingested_at
              FROM range({lo}, {hi}) t(i)"""
        table("posts", platform, n, select)

    # ---- actions. Twitter and Facebook: the collection's likes, retweets, replies...: half
    # tagged with the campaign of the collection, 60 % answering a post of the partition
    # (tagged posts more often than not: n = posts * u^2 skews to the first ids, and the tag is
    # random per id, so the answered posts are an ordinary mix; the tag on the action is what
    # puts most of them in the campaign). CRM and Action Network: supporters by e-mail, with
    # a country; Action Network's rows carry `an:` keys. Kenya's tag is on Facebook and CRM
    # rows, Shell's on Twitter and Action Network rows.
    for platform, n in split(actions, ACTION_SHARE):
        ns = "email" if platform in ("crm", "action_network") else platform
        target = {"twitter": "twitter", "facebook": "facebook"}.get(platform)
        tag, window = ("kenya", KENYA) if platform in ("facebook", "crm") else ("shell", SHELL)
        tag_share = {"twitter": 0.75, "facebook": 0.30, "crm": 0.25, "action_network": 0.9}[platform]
        tagged = f"({u('i', 22)} < {tag_share})"
        actor = f"(({u('i', 9)} * {u('i', 9)}) * {actors})::BIGINT"

        def select(lo, hi, platform=platform, ns=ns, target=target, tag=tag, window=window, tagged=tagged, actor=actor):
            post = "NULL::VARCHAR"
            if target:
                np_ = max(1, n_posts[target])
                pick = "((" + u("i", 13) + " * " + u("i", 13) + f") * {np_})::BIGINT"
                post = f"CASE WHEN {u('i', 12)} < 0.6 THEN {post_id(target, pick)} END"
            return f"""
              SELECT '{platform}' AS platform, md5('{ns}:' || {actor}) AS actor_id,
                     {VERBS[platform]}[1 + (hash(i, 10) % 10)::INT] AS action,
                     CASE WHEN '{platform}' = 'twitter' AND hash(i, 14) % 20 = 0 THEN NULL
                          WHEN {tagged} THEN {ts_between(window[0], window[1], 'i', 11)}
                          ELSE {ts_between(START, END, 'i', 11)} END AS occurred_at,
                     {post} AS post_id,
                     CASE WHEN {tagged} THEN '{tag}' END AS campaign,
                     {"CASE WHEN i % 4 = 0 THEN 'newsletter' END" if ns == "email" else "NULL::VARCHAR"} AS source,
                     {"CASE WHEN i % 4 = 0 THEN 'email' END" if ns == "email" else "NULL::VARCHAR"} AS medium,
                     {f"{COUNTRIES}[1 + (hash({actor}, 15) % 20)::INT]" if ns == "email" else "NULL::VARCHAR"} AS country,
                     {"'an:' || md5('key:' || i)" if platform == "action_network" else "NULL::VARCHAR"} AS action_key,
                     'generated/actions-{platform}' AS source_file, TIMESTAMPTZ '2024-07-01' AS ingested_at
              FROM range({lo}, {hi}) t(i)"""
        table("actions", platform, n, select)

    # ---- history: HISTORY more supporter actions (CRM) of the same actors, in no campaign:
    # untagged, answering no post, dated in the year before the lake's other rows. They
    # change no campaign's actions, only the lake's size and the ladder's history.
    if history:
        actor = f"(({u('i', 31)} * {u('i', 31)}) * {actors})::BIGINT"
        table("actions", "crm", history, lambda lo, hi: f"""
          SELECT 'crm' AS platform, md5('email:' || {actor}) AS actor_id,
                 {VERBS['crm']}[1 + (hash(i, 32) % 10)::INT] AS action,
                 {ts_between('2023-01-01', START, 'i', 33)} AS occurred_at,
                 NULL::VARCHAR AS post_id, NULL::VARCHAR AS campaign,
                 NULL::VARCHAR AS source, NULL::VARCHAR AS medium,
                 {COUNTRIES}[1 + (hash({actor}, 15) % 20)::INT] AS country, NULL::VARCHAR AS action_key,
                 'generated/actions-history' AS source_file, TIMESTAMPTZ '2024-07-01' AS ingested_at
          FROM range({lo}, {hi}) t(i)""")

    # ---- traffic: every day, channel, country and two sites.
    table("traffic", "web", DAYS * 8 * 20 * 2, lambda lo, hi: f"""
      SELECT 'web' AS platform, d::DATE AS date_start, d::DATE AS date_end, s AS site,
             ch AS source, CASE WHEN ch IN ('search') THEN 'organic' ELSE 'referral' END AS medium,
             NULL::VARCHAR AS referrer, ch AS channel, '/' AS landing_page,
             {COUNTRIES}[1 + (hash(d, ch, s) % 20)::INT] AS country, NULL::VARCHAR AS campaign_tag,
             (10 + hash(d, ch, s, 1) % 400)::BIGINT AS sessions, (8 + hash(d, ch, s, 2) % 300)::BIGINT AS users,
             (20 + hash(d, ch, s, 3) % 900)::BIGINT AS pageviews, (hash(d, ch, s, 4) % 10)::BIGINT AS conversions,
             NULL::VARCHAR AS campaign, 'generated/traffic' AS source_file, TIMESTAMPTZ '2024-07-01' AS ingested_at
      FROM range(DATE '{START}', DATE '{START}' + INTERVAL {DAYS} DAY, INTERVAL 1 DAY) r(d),
           (VALUES ('facebook'), ('twitter'), ('instagram'), ('search'), ('direct'), ('email'), ('referral'), ('other_social')) c(ch),
           range(20) k(cty), (VALUES ('www.amnesty.org'), ('shop.amnesty.org')) w(s)""", rows_per_part=10 ** 9)

    # ---- accounts: ACCOUNTS rows, one per account and day over DAYS days: the three own
    # accounts and the most followed collected authors (the same ids as posts.account_id).
    per = split(accounts, [("twitter", 0.6), ("facebook", 0.25), ("instagram", 0.15)])
    for platform, n in per:
        own_id = "104050442962" if platform == "facebook" else "amnesty"

        def select(lo, hi, platform=platform, own_id=own_id):
            a = f"(i // {DAYS})"
            return f"""
              SELECT '{platform}' AS platform,
                     CASE WHEN {a} = 0 THEN '{own_id}' ELSE (20000000 + {a} - 1)::VARCHAR END AS account_id,
                     CASE WHEN {a} = 0 THEN 'amnesty' ELSE 'user' || ({a} - 1) END AS account_handle,
                     (DATE '{START}' + INTERVAL (i % {DAYS}) DAY)::DATE AS date,
                     (1000 + hash({a}, 16) % 2000000 + (i % {DAYS}) * 10)::BIGINT AS followers
              FROM range({lo}, {hi}) t(i)"""
        table("accounts", platform, n, select)

    manifest = {"format_version": 1, "next_seq": seq[0], "files": files}
    with open(os.path.join(lake, "_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    write_key(lake)
    con.close()


def write_key(lake):
    """A pseudonymisation key beside the lake (docs/lake.md#pseudonymisation): analyze
    refuses a lake with pseudonyms and no key. A fresh random one; the generated actor ids
    are not keyed hashes of anything, so no own account or target is found among them."""
    key = lake.rstrip("/") + ".key"
    if not os.path.exists(key):
        with open(key, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chmod(key, 0o600)


PIPELINE = """
top_voices = 20
min_followers_to_name = 5000

[output]
dir = "{out}"

[[campaigns]]
id = "kenya"
start = 2024-02-15
end = 2024-03-15
tz = "Africa/Nairobi"
hashtags = ["#ReachOutForKenya"]
url_prefixes = ["https://www.amnesty.org/en/kenya"]
own_accounts = {{ twitter = ["amnesty"], facebook = ["104050442962"], instagram = ["amnesty"] }}
benchmark_days = 40

[[campaigns.goals]]
metric = "signups_total"
target = 100000
label = "100,000 signatures"

[[campaigns.goals]]
metric = "unique_actors"
target = 50000
label = "50,000 supporters taking action"

[[campaigns.milestones]]
at = 2024-02-15
label = "Launch"
kind = "press_release"

[[campaigns]]
id = "shell"
start = 2024-04-01
end = 2024-04-20
tz = "Europe/London"
baseline = {{ start = 2024-03-16, end = 2024-03-31 }}
hashtags = ["#makethefuture"]
targets = ["@Shell"]
url_prefixes = ["https://www.amnesty.org/en/shell"]
own_accounts = {{ twitter = ["amnesty"], facebook = ["104050442962"], instagram = ["amnesty"] }}
key_accounts = [
  {{ platform = "twitter", account = "@DeltaDailyNews", label = "media" }},
  {{ platform = "twitter", account = "@user1", label = "expert" }},
  {{ platform = "twitter", account = "@user2", label = "expert" }},
]
project_to = 2024-04-27

[[campaigns.goals]]
metric = "target_responded"
target = true
label = "A response from @Shell"

[[campaigns.goals]]
metric = "hashtag_posts"
target = 1000
label = "1,000 posts using #makethefuture"

[[campaigns.goals]]
metric = "moved_up"
target = 1000
label = "1,000 supporters up a rung"

[[campaigns.goals]]
metric = "key_accounts_participating"
target = 2
label = "Two key accounts take part"

[[campaigns.milestones]]
at = 2024-04-03
label = "Shell replies"
kind = "target_action"
"""


def busy():
    """What else the machine was doing: the 1-minute load and whether a compiler runs."""
    names = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                names.add(open(f"/proc/{pid}/comm").read().strip())
            except OSError:
                pass
    return {"load1": float(open("/proc/loadavg").read().split()[0]),
            "compiling": sorted(names & {"cargo", "rustc", "cc", "ld", "lld", "mold"})}


def tree_rss_mb(pid):
    """Resident MB of pid and its descendants (the watchdog's reading)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) // 1024
            for t in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in open(f"/proc/{p}/task/{t}/children").read().split()]
        except OSError:
            pass
    return total


def first_to_go():
    """In the child: if memory runs out anyway, the kernel kills this run, not other work."""
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def run_analyze(cmd, env=None, max_rss_mb=None):
    """Runs cmd under /usr/bin/time -v: wall s, user s, sys s, peak RSS MB, exit code, and
    the stderr. A failed run is a result, not an error. With max_rss_mb the run is killed
    when it holds more (so that it cannot take the machine, which has no swap)."""
    before = busy()
    t = time.time()
    p = subprocess.Popen(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, preexec_fn=first_to_go)
    killed = False
    if max_rss_mb:
        import threading

        def watch():
            nonlocal killed
            while p.poll() is None:
                if tree_rss_mb(p.pid) > max_rss_mb:
                    killed = True
                    for c in open(f"/proc/{p.pid}/task/{p.pid}/children").read().split():
                        os.kill(int(c), 9)
                    return
                time.sleep(0.2)
        threading.Thread(target=watch, daemon=True).start()
    out, err = p.communicate()
    secs = time.time() - t
    g = lambda pat: (re.search(pat, err) or [None, "0"])[1]
    r = {"wall_s": round(secs, 2), "user_s": float(g(r"User time \(seconds\): ([0-9.]+)")),
         "sys_s": float(g(r"System time \(seconds\): ([0-9.]+)")),
         "peak_rss_mb": round(int(g(r"Maximum resident set size \(kbytes\): (\d+)")) / 1024, 1),
         "exit": p.returncode, "load1_before": before["load1"], "compiling_before": before["compiling"]}
    r["cpu_s"] = round(r["user_s"] + r["sys_s"], 2)
    if killed:
        r["killed_above_mb"] = max_rss_mb
    if p.returncode != 0:
        r["error"] = "\n".join([l for l in err.splitlines() if not l.startswith("\t")][-15:])
    return r, err


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--actions", type=int, default=100_000_000)
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--actors", type=int, default=None, help="distinct actors (default actions / 20)")
    ap.add_argument("--part-rows", type=int, default=8_000_000)
    ap.add_argument("--history", type=int, default=0,
                    help="this many more actions in no campaign (2023, CRM): the lake grows, the campaigns do not")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rallylens/target")), "release", "rallylens"))
    ap.add_argument("--work", default=None, help="work folder (default: a temp folder, removed after)")
    ap.add_argument("--runs", type=int, default=3, help="timed analyze runs (the median is reported)")
    ap.add_argument("--stages", action="store_true", help="one more run with -vv; its stage lines are printed")
    ap.add_argument("--gen-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--max-rss-gb", type=float, default=16.0,
                    help="kill a run that holds more than this (the machine has no swap); 0: never")
    a = ap.parse_args()
    cap = int(a.max_rss_gb * 1024) or None
    work = a.work or tempfile.mkdtemp(prefix="rallylens-100m-")
    os.makedirs(work, exist_ok=True)
    lake, out = os.path.join(work, "lake"), os.path.join(work, "out")
    sizes = {"actions": a.actions, "posts": a.posts, "accounts": a.accounts}
    if a.history:
        sizes["history"] = a.history
    stamp = os.path.join(work, "generated.json")
    if not (os.path.exists(stamp) and json.load(open(stamp)) == sizes):
        t = time.time()
        generate(lake, a.posts, a.actions, a.accounts, a.actors, a.part_rows, history=a.history)
        json.dump(sizes, open(stamp, "w"))
        print(f"generated {a.actions:,} actions, {a.posts:,} posts, {a.accounts:,} accounts rows in "
              f"{time.time() - t:.0f} s: {du(lake) / 1e9:.2f} GB in {lake}", file=sys.stderr)
        # The generator's dirty pages would otherwise be written back during the first run.
        os.sync()
    result = {**sizes, "lake_gb": round(du(lake) / 1e9, 2), "cores": os.cpu_count(), "runs": []}
    if not a.gen_only:
        pipe = os.path.join(work, "bench.toml")
        with open(pipe, "w") as f:
            f.write(PIPELINE.format(out=out))
        cmd = [a.bin, "--quiet", "analyze", pipe, "--lake", lake, "--out", out]
        for _ in range(a.runs):
            r, _ = run_analyze(cmd, max_rss_mb=cap)
            result["runs"].append(r)
            print(json.dumps(r), file=sys.stderr)
            if r["exit"] != 0:
                break  # a failure is the finding; the same run would fail again
        ok = [r for r in result["runs"] if r["exit"] == 0]
        if ok:
            med = lambda k: sorted(r[k] for r in ok)[len(ok) // 2]
            result["median_wall_s"] = med("wall_s")
            result["median_cpu_s"] = med("cpu_s")
            result["max_peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
        result["target"] = "under 60 s and under 6 GiB peak RSS"
        result["target_met"] = bool(ok) and len(ok) == len(result["runs"]) and \
            result["median_wall_s"] < 60 and result["max_peak_rss_mb"] < 6 * 1024
        if a.stages:
            r, err = run_analyze([a.bin, "-vv", "analyze", pipe, "--lake", lake, "--out", out], max_rss_mb=cap)
            result["stages_run"] = r
            result["stages"] = [l for l in err.splitlines() if l.startswith("timing:")]
            print("\n".join(result["stages"]), file=sys.stderr)
            con = duckdb.connect()
            result["metric_rows"] = {os.path.basename(f)[:-8]: con.execute(f"SELECT count(*) FROM '{f}'").fetchone()[0]
                                     for f in sorted(glob.glob(os.path.join(out, "metrics", "*.parquet")))}
    print(json.dumps(result, indent=1))
    if not a.work and not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
