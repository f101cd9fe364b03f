"""Serve a folder on 127.0.0.1 with twisted.web's static File resource (the benchmark's server).

Usage: python bench/serve_site.py ROOT [--port 0] [--max-seconds 3600]

Prints the port it listens on (one line) once it is ready. Files without an extension (the
article pages, laid out as /fr/<slug>/<id>) are served as "text/html; charset=utf-8". No
access log. It stops by itself after --max-seconds, or as soon as the process that started
it is gone, so an interrupted benchmark leaves no server behind.
"""

from __future__ import annotations

import argparse
import os
import sys

from twisted.internet import reactor, task
from twisted.web.server import Site
from twisted.web.static import File


class QuietSite(Site):
    def log(self, request):  # no access log: it would cost the server more than the file itself
        pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--max-seconds", type=float, default=3600.0)
    args = parser.parse_args(argv)

    resource = File(args.root, defaultType="text/html; charset=utf-8")
    site = QuietSite(resource)
    listening = reactor.listenTCP(args.port, site, backlog=256, interface="127.0.0.1")
    parent = os.getppid()

    def watch_parent():
        if os.getppid() != parent:
            reactor.stop()

    task.LoopingCall(watch_parent).start(1.0, now=False)
    reactor.callLater(args.max_seconds, reactor.stop)
    print(listening.getHost().port, flush=True)
    reactor.run()


if __name__ == "__main__":
    main(sys.argv[1:])
