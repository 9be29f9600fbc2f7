"""A fixture news site for the collector, served from 127.0.0.1 by a real HTTP server.

Three outlets of twenty synthetic Japanese articles each, every page wrapped in navigation,
adverts, a related-articles list and a comment form:

- 東京日報 (/tokyo/): an RSS 2.0 feed, UTF-8 pages; the author only in ``<meta name=author>``,
  the date in ``article:published_time``; article 20 is listed under an old URL that
  redirects, article 3 with a utm_ tracking parameter; the feed also lists a 404 and a PDF.
- 関西新聞 (/kansai/): an Atom feed, Shift_JIS pages (charset in the HTTP header for even
  articles, only in ``<meta>`` for odd ones); author and date only in JSON-LD; the feed also
  lists a page that answers slower than the timeout and a wire copy of 東京日報's first
  article under another URL.
- 北海道ポスト (/hokkaido/): an EUC-JP RSS feed whose pages carry no date (the feed's is
  used); its feeds file entry also lists a URL robots.txt disallows and an off-topic article
  that its keywords filter out.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PLACES = ["平壌", "モスクワ", "ウラジオストク", "ソウル", "東京", "北京", "ワシントン", "大連"]
TOPICS = ["弾薬の供給", "衛星技術の協力", "労働者の派遣", "鉄道の整備", "食料の支援", "港湾の利用"]
ACTORS = ["プーチン大統領", "金正恩総書記", "ラブロフ外相", "崔善姫外相", "ショイグ書記"]
VIEWS = [
    "専門家は、両国の接近が地域の安全保障環境を大きく変える可能性があると指摘している。",
    "日本政府は懸念を表明し、米国や韓国と連携して対応する方針を示した。",
    "国連安全保障理事会の制裁決議に違反する恐れがあるとの見方も出ている。",
    "ロシア側は、協力は国際法に沿ったものであり第三国を標的にしていないと主張した。",
    "北朝鮮の国営メディアは、会談の成果を大きく伝えた。",
    "韓国の情報機関は、兵器の移転が続いているとの分析を公表した。",
]
NAV = "ホーム 政治 経済 国際 社会 スポーツ ログイン"
AD = "【広告】今なら初月無料 プレミアム会員募集中 詳しくはこちら"
RELATED = ["関連記事：為替相場が小幅に反落", "関連記事：新型ロケットの打ち上げ延期"]
COMMENT = "コメントを書く ニックネーム 送信する"


@dataclass(frozen=True, slots=True)
class Expected:
    """What the collector should record for one article."""

    source: str
    path: str  # the article's own URL path (after any redirect)
    title: str
    author: str
    published: str
    paragraphs: tuple[str, ...]
    perspective: str = ""


def paragraphs(outlet: int, n: int) -> tuple[str, ...]:
    """Five unique, plausible paragraphs for article ``n`` of outlet ``outlet``."""
    place = PLACES[(n + outlet) % len(PLACES)]
    topic = TOPICS[(n * 7 + outlet) % len(TOPICS)]
    actor = ACTORS[(n + 2 * outlet) % len(ACTORS)]
    day = 1 + (n * 3 + outlet) % 27
    return (
        f"{actor}は{day}日、{place}で記者団に対し、ロシアと北朝鮮の間の{topic}について"
        f"説明した。第{outlet}報の{n}番目の記事として、関係者{n + 10}人の証言を伝える。",
        f"両国は昨年の首脳会談以降、{topic}を含む分野で協議を重ねており、{place}での"
        f"実務者協議は今回で{n + 2}回目となる。合意文書の詳細は公表されていない。",
        VIEWS[(n + outlet) % len(VIEWS)],
        VIEWS[(n + outlet + 3) % len(VIEWS)],
        f"北朝鮮とロシアの関係をめぐっては、{place}の外交筋が「協力は今後も拡大する」と"
        f"話しており、{topic}の規模は{n * 5 + outlet}億円相当に達するとの試算もある。",
    )


def page(title: str, paras: tuple[str, ...], head: str = "", charset: str = "") -> str:
    """A news page: the article between navigation, an advert, related links and a form."""
    meta = f'<meta charset="{charset}">' if charset else ""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paras)
    related = "".join(f'<li><a href="/r/{i}">{escape(r)}</a></li>' for i, r in enumerate(RELATED))
    return f"""<!DOCTYPE html>
<html lang="ja"><head>{meta}<title>{escape(title)} | ニュース</title>{head}</head>
<body>
<header><nav><ul>{"".join(f"<li><a href='/{w}'>{w}</a></li>" for w in NAV.split())}</ul></nav>
</header>
<div class="ad-banner"><a href="/ad">{escape(AD)}</a></div>
<main><article>
<h1>{escape(title)}</h1>
{body}
</article>
<aside class="related"><h2>関連記事</h2><ul>{related}</ul></aside>
<section id="comments"><h2>コメント</h2><form><label>{COMMENT}</label>
<textarea></textarea><button>送信</button></form></section>
</main>
<footer><p>Copyright ニュース社 無断転載を禁じます</p></footer>
</body></html>"""


@dataclass
class Route:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    location: str = ""
    delay: float = 0.0
    fail_first: int = 0  # answer 503 (Retry-After: 0) this many times first
    trickle: float = 0.0  # send the body a few bytes at a time, this many seconds apart


@dataclass
class Site:
    routes: dict[str, Route] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _tokyo(site: Site) -> list[str]:
    items = []
    for n in range(1, 21):
        title = f"露朝協力、{TOPICS[n % len(TOPICS)]}で新局面 第{n}報"
        paras = paragraphs(1, n)
        published = f"2024-06-{n:02d}"
        head = (
            '<meta name="author" content="山田太郎">'
            f'<meta property="article:published_time" content="{published}T09:00:00+09:00">'
        )
        site.routes[f"/tokyo/a/{n}"] = Route(page(title, paras, head, "utf-8").encode())
        site.expected.append(
            Expected("東京日報", f"/tokyo/a/{n}", title, "山田太郎", published, paras, "")
        )
        link = f"/tokyo/a/{n}"
        if n == 3:
            link += "?utm_source=rss&utm_medium=feed"
        if n == 20:
            link = "/tokyo/old/20"
        date = f"{n:02d} Jun 2024 09:00:00 +0900"
        items.append((link, title, date))
    site.routes["/tokyo/old/20"] = Route(b"", status=301, location="/tokyo/a/20")
    site.routes["/tokyo/missing"] = Route(b"not found", "text/plain", status=404)
    site.routes["/tokyo/report.pdf"] = Route(b"%PDF-1.4\n%fake\n", "application/pdf")
    items += [("/tokyo/missing", "消えた記事", ""), ("/tokyo/report.pdf", "報告書", "")]
    rss = "".join(
        f"<item><title>{escape(t)}</title><link>{site.url(link)}</link>"
        + (f"<pubDate>Sat, {d}</pubDate>" if d else "")
        + "</item>"
        for link, t, d in items
    )
    site.routes["/tokyo/rss.xml"] = Route(
        (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>東京日報</title><link>{site.url('/tokyo/')}</link>{rss}</channel></rss>"
        ).encode(),
        "application/rss+xml; charset=utf-8",
    )
    return ["/tokyo/rss.xml"]


def _kansai(site: Site, wire_copy: tuple[str, ...]) -> list[str]:
    entries = []
    for n in range(1, 21):
        title = f"朝露接近、{PLACES[n % len(PLACES)]}から見た{n}回目の協議"
        paras = paragraphs(2, n)
        published = f"2024-05-{n:02d}"
        ld = (
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "NewsArticle", "author": {"@type": "Person", "name": "佐藤花子"}, '
            f'"datePublished": "{published}T12:00:00+09:00"}}</script>'
        )
        if n % 2:
            html = page(title, paras, ld, "Shift_JIS")
            ctype = "text/html"
        else:
            html = page(title, paras, ld)
            ctype = "text/html; charset=Shift_JIS"
        site.routes[f"/kansai/news/{n}"] = Route(html.encode("shift_jis"), ctype)
        site.expected.append(
            Expected(
                "関西新聞",
                f"/kansai/news/{n}",
                title,
                "佐藤花子",
                published,
                paras,
                "western_analytic",
            )
        )
        entries.append((f"/kansai/news/{n}", title, f"2024-05-{n:02d}T12:00:00+09:00"))
    site.routes["/kansai/slow"] = Route(page("遅いページ", paragraphs(2, 99)).encode(), delay=4.0)
    site.routes["/kansai/wire/1"] = Route(page("配信記事", wire_copy).encode())
    entries += [
        ("/kansai/slow", "遅いページ", "2024-05-30T12:00:00+09:00"),
        ("/kansai/wire/1", "配信記事", "2024-05-31T12:00:00+09:00"),
    ]
    atom = "".join(
        f"<entry><title>{escape(t)}</title><link href='{site.url(link)}'/>"
        f"<id>{site.url(link)}</id><updated>{d}</updated></entry>"
        for link, t, d in entries
    )
    site.routes["/kansai/atom.xml"] = Route(
        (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>関西新聞</title><id>{site.url('/kansai/')}</id>"
            f"<updated>2024-05-31T12:00:00+09:00</updated>{atom}</feed>"
        ).encode(),
        "application/atom+xml",
    )
    return ["/kansai/atom.xml"]


def _hokkaido(site: Site) -> tuple[list[str], list[str]]:
    items = []
    for n in range(1, 21):
        title = f"北朝鮮とロシア、{ACTORS[n % len(ACTORS)]}の発言の波紋 その{n}"
        paras = paragraphs(3, n)
        html = page(title, paras, "", "EUC-JP")
        site.routes[f"/hokkaido/{n}.html"] = Route(html.encode("euc_jp"), "text/html")
        site.expected.append(
            Expected(
                "北海道ポスト", f"/hokkaido/{n}.html", title, "鈴木一郎", f"2024-04-{n:02d}", paras
            )
        )
        items.append((f"/hokkaido/{n}.html", title, f"{n:02d} Apr 2024 08:00:00 +0900"))
    weather = (
        "札幌では今週、平年より気温の高い日が続く見込みで、気象台は熱中症に注意を呼びかけている。",
    ) * 3
    site.routes["/hokkaido/weather.html"] = Route(
        page("札幌の天気", weather, "", "EUC-JP").encode("euc_jp"), "text/html"
    )
    site.routes["/hokkaido/private/1.html"] = Route(page("非公開", paragraphs(3, 98)).encode())
    rss = "".join(
        f"<item><title>{escape(t)}</title><link>{site.url(link)}</link>"
        f"<author>鈴木一郎</author><pubDate>Mon, {d}</pubDate></item>"
        for link, t, d in items
    )
    site.routes["/hokkaido/feed.rdf"] = Route(
        (
            '<?xml version="1.0" encoding="EUC-JP"?><rss version="2.0"><channel>'
            f"<title>北海道ポスト</title><link>{site.url('/hokkaido/')}</link>{rss}"
            "</channel></rss>"
        ).encode("euc_jp"),
        "text/xml",
    )
    return ["/hokkaido/feed.rdf"], ["/hokkaido/weather.html", "/hokkaido/private/1.html"]


def build(site: Site) -> dict:
    """Fill ``site`` with the three outlets; return the feeds file's content (a dict)."""
    site.routes["/robots.txt"] = Route(
        b"User-agent: *\nDisallow: /hokkaido/private/\n", "text/plain"
    )
    tokyo = _tokyo(site)
    kansai = _kansai(site, site.expected[0].paragraphs)
    hokkaido, urls = _hokkaido(site)
    return {
        "fetch": {"timeout": 1.0, "retries": 1, "delay": 0, "max_bytes": 200_000},
        "sources": [
            {"source": "東京日報", "feeds": [site.url(p) for p in tokyo]},
            {
                "source": "関西新聞",
                "feeds": [site.url(p) for p in kansai],
                "perspective": "western_analytic",
            },
            {
                "source": "北海道ポスト",
                "feeds": [site.url(p) for p in hokkaido],
                "urls": [site.url(p) for p in urls],
                "keywords": ["北朝鮮", "ロシア"],
            },
        ],
    }


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(self.path)
            site.agents.append(self.headers.get("User-Agent", ""))
            route = site.routes.get(self.path.split("?")[0])
            if route is None or route.fail_first:
                self.send_response(503 if route else 404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "0")
                self.end_headers()
                if route:
                    route.fail_first -= 1
                return
            if route.delay:
                time.sleep(route.delay)
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.location:
                    self.send_header("Location", route.location)
                self.end_headers()
                if route.trickle:
                    for start in range(0, len(route.body), 8):
                        self.wfile.write(route.body[start : start + 8])
                        self.wfile.flush()
                        time.sleep(route.trickle)
                else:
                    self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, *args: object) -> None:
            return

    return Handler


class SiteServer:
    """Serve a Site on 127.0.0.1 (a free port) in a thread; ``with`` stops it."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
        self.httpd.daemon_threads = True
        site.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
