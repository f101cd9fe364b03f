"""The archive's Datasette configuration, as package data: datasette.yaml (settings, the
instance's metadata, every archive database's metadata) and queries.yaml (canned queries).

What the hooks hand to Datasette is a fresh copy each time: Datasette merges metadata and canned
queries into the dicts it is given.
"""

from __future__ import annotations

import copy
import json
from functools import cache, lru_cache
from importlib.resources import files

import yaml

from crawler.publish.archives import archive_info

CONFIG_FILE = "datasette.yaml"
QUERIES_FILE = "queries.yaml"
# datasette-atom (0.9) takes a canned query's feed title from Datasette's metadata, not from the
# canned_queries hook: the feed queries' titles are also given as metadata.
FEED_QUERIES = ("latest_articles_feed", "search_feed")


@cache
def _load(name: str) -> dict:
    return yaml.safe_load(files("crawler.publish").joinpath(name).read_text(encoding="utf-8"))


def settings(*, allow_sql: bool = False) -> dict:
    """Datasette settings: the public defaults of datasette.yaml, arbitrary SQL off unless
    allow_sql."""
    return {**_load(CONFIG_FILE)["settings"], "default_allow_sql": bool(allow_sql)}


def queries() -> dict:
    """Every canned query of an archive: name -> {title, description, sql}."""
    return copy.deepcopy(_load(QUERIES_FILE))


def database_metadata() -> dict:
    """The metadata of an archive database: description, tables (descriptions, facets, sort
    orders, hidden tables; table search is the plugin's, crawler.publish.tables)."""
    meta = copy.deepcopy(_load(CONFIG_FILE)["database"])
    # Every query's title, in queries.yaml's order: Datasette lists the queries of the metadata first,
    # then updates them from the canned_queries hook, so that this keeps them in the file's order
    # (grouped), not the feeds first. (The feeds need their title here anyway: FEED_QUERIES.)
    titles = _load(QUERIES_FILE)
    meta["queries"] = {name: {"title": query["title"]} for name, query in titles.items()}
    return meta


def instance_metadata(sites) -> dict:
    """The instance's metadata when archives are served: title, and the description, source and
    source link of the sites they are of (SiteSpec; generic wording when none is known)."""
    meta = copy.deepcopy(_load(CONFIG_FILE)["metadata"])
    if len(sites) == 1:
        meta.update(description=sites[0].description, source=sites[0].title, source_url=sites[0].home)
    elif sites:
        titles = [s.title for s in sites]
        meta.update(description=f"An archive of {len(titles)} news sites: {', '.join(titles)}.",
                    source=", ".join(titles))
    else:
        meta.update(description="An archive of news sites: their articles, with every version of their text, "
                                "and their headlines, crawl by crawl.")
    return {k: v for k, v in meta.items() if v}


def metadata(datasette, database: str | None = None) -> dict:
    """What the get_metadata hook gives: nothing when no archive is served; else the instance's
    metadata and that of each archive database (only the one asked about, when Datasette asks
    about one). Datasette asks for it dozens of times a page: it is built once per set of
    archives and question, and handed out as a fresh copy (parsed again from JSON: several
    times cheaper than a deep copy)."""
    infos = {}
    for name in list(datasette.databases):
        info = archive_info(datasette, name)
        if info is not None:
            infos[name] = info
    if not infos:
        return {}
    return json.loads(_metadata_json(tuple(infos.items()), database))


@lru_cache(maxsize=256)
def _metadata_json(infos: tuple, database: str | None) -> str:
    infos = dict(infos)
    sites = {spec.name: spec for info in infos.values() for spec in info.site_specs()}
    meta = instance_metadata(list(sites.values()))
    names = [database] if database in infos else ([] if database else list(infos))
    meta["databases"] = {name: database_metadata() for name in names}
    return json.dumps(meta)
