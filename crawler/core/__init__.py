"""The shared, pure core: items, text cleaning, search folding, the clock and the stats vocabulary.

Nothing here does I/O or imports Scrapy, SQLite or another package of the project.
"""
