#!/usr/bin/env python3
"""A minimal HTTP scheduler extender (k8s.io/kube-scheduler/extender/v1) for trying and measuring extenders.

filter:     passes every node it is given (NodeNames or Nodes, mirroring the request)
prioritize: scores each node 0-10 from a hash of its name (so the choice is visible)
bind:       answers an empty result without binding (use only with `simulate`/`bench`, which need no real binding)

Usage: passthrough_extender.py [port]   (default 8888; serves on 127.0.0.1)
Configure with nodeCacheCapable: true to keep the requests small, e.g.

  extenders:
  - urlPrefix: http://127.0.0.1:8888
    filterVerb: filter
    prioritizeVerb: prioritize
    weight: 1
    nodeCacheCapable: true
"""
import json
import sys
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def node_names(args):
    if args.get("NodeNames") is not None:
        return args["NodeNames"]
    return [item["metadata"]["name"] for item in (args.get("Nodes") or {}).get("items", [])]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the scheduler's client expects
    # Headers and body are separate writes: without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK
    # add ~40 ms to every answer.
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        args = json.loads(self.rfile.read(length) or b"null") or {}
        verb = self.path.rstrip("/").rsplit("/", 1)[-1]
        if verb == "filter":
            if args.get("NodeNames") is not None:
                result = {"NodeNames": args["NodeNames"], "FailedNodes": {}, "FailedAndUnresolvableNodes": {}}
            else:
                result = {"Nodes": args.get("Nodes"), "FailedNodes": {}, "FailedAndUnresolvableNodes": {}}
        elif verb == "prioritize":
            result = [{"Host": name, "Score": zlib.crc32(name.encode()) % 11} for name in node_names(args)]
        elif verb == "bind":
            result = {}
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
