# shellcheck shell=bash
# Opening a generated page in a real browser (Debian's headless Chromium):
# source after harness.sh. browser_check FILE [WIDTH] prints one line,
#   svg=N laid_out=N svg_ns=N overflow=N errors=N [messages]
# (SVG elements, those the browser laid out with a non-zero size, those it
# parsed into the SVG namespace, how many pixels the page is wider than the
# window of WIDTH pixels (1280; 390 is a phone): 0 when nothing but boxes that
# scroll on their own is too wide, and errors the page raised: scripts,
# failed resources, console errors), so a test can assert the page opens
# cleanly. With DUBAN_SCREENSHOT_DIR set, a screenshot of the page's first
# screen at that width is kept there too.
#
# browser_tables FILE [WIDTH] prints one line about the page's tables,
#   tables=N boxed=N wide=N scrolls=N outside=N
# (tables; those inside a box that scrolls across, overflow-x auto or
# scroll, lying within the window; those wider than their box, which a
# reader scrolls; of those, the ones whose box does scroll when asked to;
# elements outside such boxes that reach past the window's right edge).

_browser_probe='<script>
window.__probeErrors = [];
window.addEventListener("error", function (e) {
  window.__probeErrors.push(e.message || ("could not load " + (e.target && (e.target.src || e.target.href))));
}, true);
window.addEventListener("load", function () {
  var svgs = document.querySelectorAll("svg"), laid = 0, ns = 0;
  for (var i = 0; i < svgs.length; i++) {
    var r = svgs[i].getBoundingClientRect();
    if (r.width > 0 && r.height > 0) laid++;
    if (svgs[i].namespaceURI === "http://www.w3.org/2000/svg") ns++;
  }
  var overflow = Math.max(0, document.documentElement.scrollWidth - window.innerWidth);
  parent.postMessage("svg=" + svgs.length + " laid_out=" + laid + " svg_ns=" + ns +
    " overflow=" + overflow + " errors=" + window.__probeErrors.length + " " +
    window.__probeErrors.join("; "), "*");
});
</script>'

_browser_tables_probe='<script>
window.addEventListener("load", function () {
  var W = document.documentElement.clientWidth;
  function scrollsAcross(e) {
    return ["auto", "scroll"].indexOf(getComputedStyle(e).overflowX) >= 0;
  }
  function box(e) {
    for (var p = e.parentElement; p && p !== document.body; p = p.parentElement)
      if (scrollsAcross(p)) return p;
    return null;
  }
  var t = document.querySelectorAll("table"), boxed = 0, wide = 0, scrolls = 0, outside = 0;
  for (var i = 0; i < t.length; i++) {
    var b = box(t[i]);
    if (!b) continue;
    var r = b.getBoundingClientRect();
    if (r.left >= 0 && r.right <= W + 0.5) boxed++;
    if (t[i].scrollWidth > b.clientWidth + 1) {
      wide++;
      b.scrollLeft = 40;
      if (b.scrollLeft > 0) scrolls++;
      b.scrollLeft = 0;
    }
  }
  var all = document.body.querySelectorAll("*");
  for (var j = 0; j < all.length; j++)
    if (!box(all[j]) && all[j].getBoundingClientRect().right > W + 0.5) outside++;
  parent.postMessage("tables=" + t.length + " boxed=" + boxed + " wide=" + wide +
    " scrolls=" + scrolls + " outside=" + outside, "*");
});
</script>'

# The page is opened in a frame of the width asked for (a browser window is
# never narrower than 500 px), which reports what the probe found.
_browser_frame() { # PAGE WIDTH
  printf '%s' "<!DOCTYPE html><html><head><meta charset=\"utf-8\"/><style>body{margin:0}</style></head><body>
<iframe src=\"$1\" style=\"width:$2px;height:1800px;border:0;display:block\"></iframe>
<script>window.addEventListener(\"message\", function (e) {
  var p = document.createElement(\"pre\");
  p.id = \"browser-check\";
  p.textContent = e.data;
  document.body.appendChild(p);
});</script></body></html>"
}

browser_check() {
  _browser_open "$1" "${2:-1280}" "$_browser_probe" shot
}

browser_tables() {
  _browser_open "$1" "${2:-1280}" "$_browser_tables_probe"
}

_browser_open() { # FILE WIDTH PROBE [shot]
  local file=$1 width=$2 probe=$3 dir page html dom console
  command -v chromium > /dev/null || fail "chromium is not installed (tools/test installs it)"
  dir=$(mktemp -d "$H_DIR/browser.XXXXXX")
  page=$dir/$(basename "$file")
  html=$(< "$file")
  [[ "$html" == *"<head>"* ]] || fail "$file has no <head>"
  # the probe goes first in <head>, to see every error of the page itself
  printf '%s' "${html%%<head>*}<head>$probe${html#*<head>}" > "$page"
  _browser_frame "$(basename "$page")" "$width" > "$dir/frame.html"
  # --no-sandbox: the tests may run as root, where Chromium's sandbox refuses
  dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 \
    --hide-scrollbars --window-size="$((width > 1280 ? width : 1280)),900" \
    --virtual-time-budget=5000 --dump-dom "file://$dir/frame.html" 2> "$dir/chromium.log") ||
    fail "chromium could not open $file (see $dir/chromium.log)"
  if [[ -n "${DUBAN_SCREENSHOT_DIR:-}" && "${4:-}" == shot ]]; then
    mkdir -p "$DUBAN_SCREENSHOT_DIR"
    cp "$file" "$dir/plain.html"
    _browser_frame plain.html "$width" > "$dir/shot.html"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
      --no-first-run --user-data-dir="$dir/profile" --hide-scrollbars \
      --window-size="$width,1800" --virtual-time-budget=5000 \
      --screenshot="$DUBAN_SCREENSHOT_DIR/$(basename "${file%.*}")-$width.png" "file://$dir/shot.html" \
      > /dev/null 2>&1 || fail "chromium could not take a screenshot of $file"
  fi
  [[ "$dom" =~ id=\"browser-check\"\>([^<]*)\< ]] ||
    fail "the probe did not run in $file (see $dir/chromium.log)"
  console=$(grep -a ':CONSOLE' "$dir/chromium.log" | sed 's/^.*:CONSOLE[^]]*] //' | paste -sd ';' || true)
  printf '%s%s\n' "${BASH_REMATCH[1]% }" "${console:+ console: $console}"
}
