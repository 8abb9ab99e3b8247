//! The self-contained HTML page around a timeline: embedded Plotly.js, the figure
//! as JSON data, and a Content Security Policy that allows only our own scripts.

use std::sync::OnceLock;

use crate::escape::{escape_html, json_for_script, script_hash};

/// Plotly.js as shipped by the `plotly` crate (its `plotly_embed_js` feature),
/// without MathJax: no string of the data is ever typeset.
fn plotly_js() -> &'static str {
    static JS: OnceLock<String> = OnceLock::new();
    JS.get_or_init(|| {
        let sources = plotly::Plot::offline_js_sources();
        let open = "<script type=\"text/javascript\">";
        let start = sources.find(open).map_or(0, |i| i + open.len());
        let end = sources[start..].find("</script>").map_or(sources.len(), |i| start + i);
        sources[start..end].to_owned()
    })
}

/// Draws the figure held in `#anomseq-figure` into `#anomseq-timeline` and
/// records when the first render finished (`data-render-ms` on `<html>`).
const DRAW_JS: &str = r#"(function () {
  "use strict";
  var holder = document.getElementById("anomseq-figure");
  var gd = document.getElementById("anomseq-timeline");
  if (!holder || !gd) { return; }
  var payload = JSON.parse(holder.textContent);
  var fig = payload.figure, cols = payload.hover, groups = payload.groups;
  // tooltip values (already escaped for Plotly's labels), one row per marker;
  // the first traces are the groups of points, each listing its points
  for (var t = 0; t < groups.length; t++) {
    var members = groups[t], customdata = new Array(members.length);
    for (var m = 0; m < members.length; m++) {
      var i = members[m], row = new Array(cols.length);
      for (var j = 0; j < cols.length; j++) {
        var c = cols[j];
        row[j] = c.codes === null ? c.values[i] : c.values[c.codes[i]];
      }
      customdata[m] = row;
    }
    fig.data[t].customdata = customdata;
  }
  window.anomseqReady = Plotly.newPlot(gd, fig.data, fig.layout, fig.config).then(function () {
    document.documentElement.setAttribute("data-render-ms", String(Math.round(performance.now())));
    return gd;
  });
})();
"#;

/// Sorts `table.sortable` when a header is clicked: numbers by their `data-v`,
/// text by its text content. Never reads or writes markup.
const SORT_JS: &str = r#"(function () {
  "use strict";
  function key(cell, numeric) {
    if (numeric) { var v = parseFloat(cell.getAttribute("data-v")); return isNaN(v) ? Infinity : v; }
    return cell.textContent;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "number";
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"#;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\
#anomseq-timeline{width:100%;height:560px}\
.summary{color:#555}\
table{border-collapse:collapse;font-size:.9em}\
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3;cursor:pointer;user-select:none}\
th[aria-sort=ascending]::after{content:\" \\25B2\"}th[aria-sort=descending]::after{content:\" \\25BC\"}\
td.num{text-align:right;font-variant-numeric:tabular-nums}\
td.window{white-space:pre-wrap;word-break:break-word;max-width:60em}\
ol.steps{margin:0;padding-left:2em}ul.params{margin:0 0 .2em;padding-left:1.2em;color:#444;list-style:square}\
.p{color:#555;font-variant-numeric:tabular-nums}.cmd{font-weight:600}\
.badge{background:#fde2e1;color:#8a1c14;border-radius:3px;padding:0 .3em;font-size:.85em}\
.unseen{color:#8a1c14}.end{color:#555}td.null{color:#999}details summary{cursor:pointer}\
.hoverlayer .hovertext text{white-space:pre}";

/// A page under construction: escaped body markup, then the figure as JSON data.
pub(crate) struct Page {
    title: String,
    body: String,
    figure_json: Option<String>,
    webgl: bool,
    sortable: bool,
}

impl Page {
    pub(crate) fn new(title: &str) -> Self {
        Page { title: title.to_owned(), body: String::new(), figure_json: None, webgl: false, sortable: false }
    }

    /// Append markup built by this crate (every data string in it already escaped).
    pub(crate) fn push_markup(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    /// Place the timeline here; `payload_json` is `{"figure": .., "hover": ..}` as JSON text.
    /// `webgl`: the figure has WebGL traces, whose shaders Plotly compiles with `new Function`.
    pub(crate) fn push_timeline(&mut self, payload_json: String, webgl: bool) {
        self.body.push_str("<div id=\"anomseq-timeline\"></div>\n");
        self.figure_json = Some(payload_json);
        self.webgl = webgl;
    }

    pub(crate) fn enable_sorting(&mut self) {
        self.sortable = true;
    }

    pub(crate) fn finish(self) -> String {
        let plotly = plotly_js();
        let mut scripts: Vec<&str> = Vec::new();
        if self.figure_json.is_some() {
            scripts.push(plotly);
            scripts.push(DRAW_JS);
        }
        if self.sortable {
            scripts.push(SORT_JS);
        }
        static PLOTLY_HASH: OnceLock<String> = OnceLock::new();
        let hashes: Vec<String> = scripts
            .iter()
            .map(|s| {
                if std::ptr::eq(*s, plotly) {
                    PLOTLY_HASH.get_or_init(|| script_hash(plotly)).clone()
                } else {
                    script_hash(s)
                }
            })
            .collect();
        // Plotly's WebGL traces compile shaders through `new Function`: 'unsafe-eval'
        // only then. No 'unsafe-inline' for scripts: event-handler attributes and
        // injected <script> elements could never run, even if escaping were bypassed.
        let eval = if self.webgl { " 'unsafe-eval'" } else { "" };
        let csp = format!(
            "default-src 'none'; script-src {}{eval}; style-src 'unsafe-inline'; img-src data: blob:; \
             font-src data:; worker-src blob:; connect-src 'none'; base-uri 'none'; form-action 'none'",
            hashes.join(" ")
        );
        let mut out = String::with_capacity(
            plotly.len() + self.body.len() + self.figure_json.as_ref().map_or(0, |j| j.len()) + 4096,
        );
        out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
        out.push_str(&csp);
        out.push_str("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        out.push_str(&escape_html(&self.title));
        out.push_str("</title>\n<style>");
        out.push_str(STYLE);
        out.push_str("</style>\n");
        if self.figure_json.is_some() {
            out.push_str("<script>");
            out.push_str(plotly);
            out.push_str("</script>\n");
        }
        out.push_str("</head>\n<body>\n<h1>");
        out.push_str(&escape_html(&self.title));
        out.push_str("</h1>\n");
        out.push_str(&self.body);
        if let Some(json) = &self.figure_json {
            out.push_str("<script type=\"application/json\" id=\"anomseq-figure\">");
            out.push_str(&json_for_script(json));
            out.push_str("</script>\n<script>");
            out.push_str(DRAW_JS);
            out.push_str("</script>\n");
        }
        if self.sortable {
            out.push_str("<script>");
            out.push_str(SORT_JS);
            out.push_str("</script>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}
