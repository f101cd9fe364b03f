"""Grouping: near-duplicate articles and same-story headlines.

Two problems, two methods:

* ``crawler.grouping.articles.ArticleGroups``: article *bodies* that are the same text with
  small edits (MinHash over word shingles, an LSH index of group representatives).
* ``crawler.grouping.stories.StoryGroups``: *headlines* that report the same event in other
  words, seen within a few days of each other. The pairwise decision is a method:
  ``crawler.grouping.matching`` ("lemmas", the default: simplemma lemmas, wordfreq weights,
  figures read as values, synonyms and names as data) or ``crawler.grouping.rules`` ("rules",
  the first method, kept to compare). Their word lists and tables are data files in ``data/``,
  loaded by ``crawler.grouping.lexicon`` and ``matching.tables``.

Pure: strings in, assignments out. No Scrapy, no SQLite, no I/O except reading its own data
files, once, on first use. The state that a caller must persist to carry the grouping across
crawls comes back as plain values (bytes signatures for articles, (story, key, text[, last seen])
rows for headlines).
"""
