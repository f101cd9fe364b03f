"""Grouping: near-duplicate articles and same-story headlines.

Two problems, two methods:

* ``crawler.grouping.articles.ArticleGroups``: article *bodies* that are the same text with
  small edits (MinHash over word shingles, an LSH index of group representatives).
* ``crawler.grouping.stories.StoryGroups``: *headlines* that report the same event in other
  words (shared stemmed content words, with dates and places as context and vetoes); its word
  lists are data files in ``data/``, loaded by ``crawler.grouping.lexicon``.

Pure: strings in, assignments out. No Scrapy, no SQLite, no I/O except reading its own data
files, once, on first use. The state that a caller must persist to carry the grouping across
crawls comes back as plain values (bytes signatures for articles, (story, key, text) rows for
headlines).
"""
