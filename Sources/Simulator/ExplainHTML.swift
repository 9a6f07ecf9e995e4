import Foundation

/// `--html FILE`: one self-contained offline page (no network, no external files) per run: for each explained
/// pod each attempt as a node × plugin table coloured by verdict and score, sortable (click a header) and
/// filterable (a text box), reasons on hover, and the suggestions. The data is the JSON of ``ExplainJSON``.
package enum ExplainHTML {
    package static func page(_ explanations: [String: PodExplanations], order: [(String, String)]) -> String {
        var items: [String] = []
        for (namespace, name) in order {
            guard let pod = explanations["\(namespace)/\(name)"] else { continue }
            items.append("{\"pod\":\(jsonQuotedString("\(namespace)/\(name)")),\"explain\":\(ExplainJSON.json(pod))}")
        }
        // `</` cannot appear inside the script element.
        let data = "[" + items.joined(separator: ",") + "]"
        let safe = data.replacingOccurrences(of: "</", with: "<\\/")
        return head + "<script id=\"data\" type=\"application/json\">" + safe + "</script>\n<script>\n" + script
            + "</script>\n</body>\n</html>\n"
    }

    package static func write(
        _ explanations: [String: PodExplanations],
        order: [(String, String)],
        to path: String
    ) throws(HTMLWriteError) {
        let text = page(explanations, order: order)
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw HTMLWriteError(message: "--html \(path): cannot write the file")
        }
    }

    package struct HTMLWriteError: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    static func jsonQuotedString(_ text: String) -> String { ExplainJSON.q(text) }

    static let head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>swift-kube-scheduler explain</title>
        <style>
        body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; background: #fff; }
        h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 2em; }
        .outcome-Scheduled { color: #0a7d32; } .outcome-Unschedulable, .outcome-Error { color: #b3261e; }
        table { border-collapse: collapse; margin: .5em 0; }
        th, td { border: 1px solid #d0d0d0; padding: 3px 8px; text-align: left; white-space: nowrap; }
        th { background: #f1f1f4; cursor: pointer; user-select: none; }
        th.sorted-asc::after { content: " \\25B2"; } th.sorted-desc::after { content: " \\25BC"; }
        td.feasible { background: #d9f2df; } td.rejected { background: #f8d7d5; }
        td.preFilterRejected { background: #f3e0c7; } td.notEvaluated { background: #eceff1; color: #666; }
        td.selected { font-weight: bold; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .message { font-family: ui-monospace, monospace; background: #f6f6f6; padding: .5em; white-space: pre-wrap; }
        .filter { margin: .5em 0; padding: 3px 6px; width: 24em; }
        .summary li { margin: .2em 0; }
        </style>
        </head>
        <body>
        <script>
        // Errors are recorded on the page itself, so a headless browser's DOM dump shows them.
        (function () {
          function note(text) {
            var root = document.documentElement;
            root.setAttribute("data-errors", (root.getAttribute("data-errors") || "") + text + ";");
          }
          window.addEventListener("error", function (e) { note(String(e.message)); });
          var original = console.error;
          console.error = function () { note(Array.prototype.join.call(arguments, " ")); original.apply(console, arguments); };
        })();
        </script>
        <h1>swift-kube-scheduler explain</h1>
        <div id="pods"></div>

        """

    static let script = """
        (function () {
          "use strict";
          var data = JSON.parse(document.getElementById("data").textContent);
          var root = document.getElementById("pods");
          function el(tag, attrs, text) {
            var e = document.createElement(tag);
            if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
            if (text !== undefined && text !== null) { e.textContent = String(text); }
            return e;
          }
          function shade(value) {
            var v = Math.max(0, Math.min(100, value));
            var light = 96 - Math.round(v * 0.4);
            return "hsl(210, 70%, " + light + "%)";
          }
          var tableIndex = 0;
          data.forEach(function (item) {
            var attempts = item.explain.attempts;
            attempts.forEach(function (e, attemptIndex) { renderAttempt(item, e, attemptIndex, attempts.length); });
          });
          function renderAttempt(item, e, attemptIndex, attemptCount) {
            var podIndex = tableIndex++;
            var section = el("section", { "class": "pod", "data-pod": item.pod });
            var h = el("h2", null, item.pod + (attemptCount > 1 ? " (attempt " + (attemptIndex + 1) + " of " + attemptCount + ")" : "") + " \\u2014 ");
            h.appendChild(el("span", { "class": "outcome-" + e.outcome }, e.outcome));
            section.appendChild(h);
            var facts = el("ul", { "class": "summary" });
            facts.appendChild(el("li", null, "profile " + e.profile + ", " + e.numAllNodes + " nodes" +
              (e.numFeasibleNodesToFind > 0 ? ", looking for " + e.numFeasibleNodesToFind + " feasible" : "")));
            if (e.selected) {
              facts.appendChild(el("li", null, "selected " + e.selected.node + " (" + e.selected.reason +
                (e.selected.tiedNodes > 1 ? ", " + e.selected.tiedNodes + " tied" : "") + ")"));
            }
            e.postFilter.forEach(function (p) {
              if (p.notRun) {
                facts.appendChild(el("li", { "class": "postfilter" }, "PostFilter " + p.plugin + ": not run"));
              } else if (p.preemption && p.preemption.chosen) {
                facts.appendChild(el("li", { "class": "postfilter" }, "PostFilter " + p.plugin + ": preempt on " + p.preemption.chosen + " (" + p.preemption.decidedBy + ")"));
              } else if (p.explained) {
                var code = p.verdict ? p.verdict.code : "Success";
                var text = p.verdict && p.verdict.message ? ": " + p.verdict.message : "";
                facts.appendChild(el("li", { "class": "postfilter" }, "PostFilter " + p.plugin + ": " + code + text +
                  "; nominated node: " + (p.nominatedNode || "none")));
              } else {
                facts.appendChild(el("li", { "class": "postfilter" }, "PostFilter " + p.plugin + ": not explained"));
              }
            });
            section.appendChild(facts);
            if (e.message) { section.appendChild(el("div", { "class": "message" }, e.message)); }

            var scores = {};
            e.score.nodes.forEach(function (s) { scores[s.node] = s; });
            var plugins = e.score.plugins;
            var filter = el("input", { "class": "filter", "type": "search", "placeholder": "Filter nodes, plugins, reasons\\u2026", "aria-label": "filter" });
            section.appendChild(filter);
            var table = el("table", { "class": "nodes", "id": "nodes-" + podIndex });
            var thead = el("thead");
            var headRow = el("tr");
            var columns = ["Node", "Verdict", "Plugin", "Code"].concat(plugins.map(function (p) { return p.plugin + " \\u00d7" + p.weight; })).concat(["Total"]);
            columns.forEach(function (c) { headRow.appendChild(el("th", null, c)); });
            thead.appendChild(headRow);
            table.appendChild(thead);
            var tbody = el("tbody");
            e.nodes.forEach(function (n) {
              var tr = el("tr", { "data-state": n.state });
              var reason = n.message || (n.state === "notEvaluated" ? "not evaluated: enough feasible nodes were found" : "passed every Filter plugin");
              var name = el("td", { "class": n.state + (e.selected && e.selected.node === n.node ? " selected" : ""), "title": reason }, n.node);
              tr.appendChild(name);
              tr.appendChild(el("td", { "class": n.state, "title": reason }, n.state));
              tr.appendChild(el("td", { "title": reason }, n.plugin || ""));
              tr.appendChild(el("td", { "title": reason }, n.code || ""));
              var s = scores[n.node];
              plugins.forEach(function (p, i) {
                if (s) {
                  var td = el("td", { "class": "num", "title": p.plugin + ": raw " + s.raw[i] + ", normalized " + s.normalized[i] + ", weight " + p.weight }, s.normalized[i]);
                  td.style.background = shade(s.normalized[i]);
                  tr.appendChild(td);
                } else {
                  tr.appendChild(el("td", { "class": "num" }, ""));
                }
              });
              tr.appendChild(el("td", { "class": "num" }, s ? s.total : ""));
              tbody.appendChild(tr);
            });
            table.appendChild(tbody);
            section.appendChild(table);

            // Sorting: click a header; numbers sort as numbers, empty cells last.
            Array.prototype.forEach.call(headRow.children, function (th, col) {
              th.addEventListener("click", function () {
                var asc = !th.classList.contains("sorted-asc");
                Array.prototype.forEach.call(headRow.children, function (o) { o.classList.remove("sorted-asc", "sorted-desc"); });
                th.classList.add(asc ? "sorted-asc" : "sorted-desc");
                var rows = Array.prototype.slice.call(tbody.children);
                rows.sort(function (a, b) {
                  var x = a.children[col].textContent, y = b.children[col].textContent;
                  if (x === "" && y !== "") { return 1; }
                  if (y === "" && x !== "") { return -1; }
                  var nx = Number(x), ny = Number(y);
                  var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
                  return asc ? r : -r;
                });
                rows.forEach(function (r) { tbody.appendChild(r); });
              });
            });
            filter.addEventListener("input", function () {
              var q = filter.value.toLowerCase();
              Array.prototype.forEach.call(tbody.children, function (tr) {
                var text = tr.textContent.toLowerCase() + " " + (tr.children[0].getAttribute("title") || "").toLowerCase();
                tr.style.display = text.indexOf(q) >= 0 ? "" : "none";
              });
            });

            if (e.suggestions.length > 0) {
              section.appendChild(el("h3", null, "What would make it fit (verified by re-running the cycle)"));
              var ol = el("ol", { "class": "suggestions" });
              e.suggestions.forEach(function (s) {
                ol.appendChild(el("li", null, s.change + " \\u2014 opens " + s.opensNodes.length + " node(s); would land on " + s.wouldLandOn));
              });
              section.appendChild(ol);
            }
            if (e.rejectedSuggestions.length > 0) {
              section.appendChild(el("h3", null, "Tried and not offered"));
              var ul = el("ul", { "class": "rejected-suggestions" });
              e.rejectedSuggestions.forEach(function (s) {
                ul.appendChild(el("li", null, s.change + (s.notOfferedBecause ? " \\u2014 not tried: " + s.notOfferedBecause : "")));
              });
              section.appendChild(ul);
            }
            root.appendChild(section);
          }
          document.body.setAttribute("data-rendered", String(data.length));
        })();

        """
}
