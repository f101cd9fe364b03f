"""Why processing dropped an item (counted in the stats by the stage that raised it)."""


class Drop(Exception):
    """An item that is not stored; the message names the reason and the URL."""
