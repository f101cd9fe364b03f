"""Deduplicate, within a crawl and across crawls: copies are grouped, not thrown away.

Articles: by canonical URL (the same URL twice in a crawl is stored once) and by their text: a
new URL whose normalised body hashes like an archived one joins that article's group ("exact"),
else MinHash LSH over word shingles (crawler.dedup.ArticleGroups) finds a near copy ("near") or
opens a new group ("first"). The index keeps one signature per group, stored with the archive,
so next month's crawl still matches this month's articles. Headlines: by their folded text
(case, spacing, quotes), in memory for the crawl: only what is new to this crawl, or a better
position, passes on; a headline never seen before is put in a story (crawler.dedup.StoryGroups)
with the headlines that report the same event.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.dedup import ArticleGroups, StoryGroups
from crawler.items import Article, Sighting, Ticker
from crawler.storage import Archive
from crawler.text import content_hash, headline_key


class DeduplicatePipeline:
    def __init__(self, stats, db_path: str):
        self.stats = stats
        self.db_path = db_path
        self.hash_by_url: dict[str, str] = {}
        self.url_by_hash: dict[str, str] = {}
        self.crawled_urls: set[str] = set()
        self.sightings: dict[str, Sighting] = {}
        self.groups: dict[str, str] = {}  # url -> its group
        self.article_groups = ArticleGroups()
        self.stories = StoryGroups()
        self.story_keys: set[str] = set()  # headlines already in a story

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.get("NEWSARCHIVE_DB"))

    def open_spider(self):
        archive = Archive(self.db_path)
        try:
            self.hash_by_url = archive.article_hashes()
            self.groups, signatures = archive.group_state()
            stories = archive.story_state()
        finally:
            archive.close()
        self.article_groups.load(signatures)
        self.stories.load((row["story"], row["key"], row["text"]) for row in stories)
        self.story_keys = {row["key"] for row in stories}
        self.url_by_hash = {h: url for url, h in sorted(self.hash_by_url.items(), reverse=True)}

    def process_item(self, item):
        if isinstance(item, Article):
            return self._article(item)
        if isinstance(item, Ticker):
            return self._ticker(item)
        return item

    def _article(self, article: Article) -> Article:
        if article.url in self.crawled_urls:
            self.stats.inc_value("dedup/dropped/article/same_url_in_crawl")
            raise DropItem(f"article already stored in this crawl: {article.url}")
        article.content_hash = content_hash(article.paragraphs)
        self._group(article)
        known = self.hash_by_url.get(article.url)
        if known is None:
            self.stats.inc_value("dedup/articles/new")
        elif known == article.content_hash:
            self.stats.inc_value("dedup/articles/unchanged")
        else:
            self.stats.inc_value("dedup/articles/changed")
        self.crawled_urls.add(article.url)
        self.hash_by_url[article.url] = article.content_hash
        self.url_by_hash.setdefault(article.content_hash, article.url)
        return article

    def _group(self, article: Article) -> None:
        """Put an article in its group of copies (an archived URL keeps the group it has)."""
        url = article.url
        if url in self.groups:
            article.group, article.group_method = self.groups[url], None  # stored already
            return
        holder = self.url_by_hash.get(article.content_hash)
        if holder is not None and holder != url:
            article.group = self.groups.get(holder, holder)
            article.group_similarity, article.group_method = 1.0, "exact"
        else:
            assignment = self.article_groups.add(url, "\n".join(article.paragraphs))
            article.group, article.group_similarity = assignment.group, round(assignment.similarity, 4)
            article.group_method = "first" if assignment.new else "near"
            article.group_signature = assignment.signature
        self.groups[url] = article.group
        self.stats.inc_value(f"dedup/articles/group/{article.group_method}")

    def _story(self, sighting: Sighting) -> None:
        """Put a headline never seen before in its story."""
        if sighting.key in self.story_keys:
            return
        self.story_keys.add(sighting.key)
        assignment = self.stories.add(sighting.key, sighting.text)
        sighting.story, sighting.story_similarity = assignment.story, round(assignment.similarity, 4)
        self.stats.inc_value("dedup/headlines/story/" + ("new" if assignment.new else "joined"))

    def _ticker(self, ticker: Ticker) -> Ticker:
        """Keep only the headlines whose sighting is new or improved in this crawl."""
        changed = []
        for headline in ticker.headlines:
            key = headline_key(headline.text)
            seen = self.sightings.get(key)
            if seen is None:
                seen = Sighting(key, headline.text, headline.url, headline.position, ticker.page_url,
                                ticker.seen_at, ticker.capture, ticker.parser_version)
                self._story(seen)
                self.sightings[key] = seen
                changed.append(seen)
                continue
            better = headline.position < seen.position or (seen.url is None and headline.url is not None)
            seen.position = min(seen.position, headline.position)
            seen.url = seen.url or headline.url
            if better:
                changed.append(seen)
        repeated = len(ticker.headlines) - len(changed)
        if repeated:
            self.stats.inc_value("dedup/headlines/repeated_in_crawl", repeated)
        ticker.sightings = changed
        return ticker
