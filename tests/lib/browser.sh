# shellcheck shell=bash
# Opening a generated page in a real browser (Debian's headless Chromium):
# source after harness.sh. browser_check FILE prints one line,
#   svg=N laid_out=N svg_ns=N errors=N [messages]
# (SVG elements, those the browser laid out with a non-zero size, those it
# parsed into the SVG namespace, and errors the page raised: scripts, failed
# resources, console errors), so a test can assert the page opens cleanly.

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
  var p = document.createElement("pre");
  p.id = "browser-check";
  p.textContent = "svg=" + svgs.length + " laid_out=" + laid + " svg_ns=" + ns +
    " errors=" + window.__probeErrors.length + " " + window.__probeErrors.join("; ");
  document.body.appendChild(p);
});
</script>'

browser_check() {
  local file=$1 dir page html dom console
  command -v chromium > /dev/null || fail "chromium is not installed (tools/test installs it)"
  dir=$(mktemp -d "$H_DIR/browser.XXXXXX")
  page=$dir/$(basename "$file")
  html=$(< "$file")
  [[ "$html" == *"<head>"* ]] || fail "$file has no <head>"
  # the probe goes first in <head>, to see every error of the page itself
  printf '%s' "${html%%<head>*}<head>$_browser_probe${html#*<head>}" > "$page"
  # --no-sandbox: the tests may run as root, where Chromium's sandbox refuses
  dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --user-data-dir="$dir/profile" --enable-logging=stderr --v=0 \
    --virtual-time-budget=5000 --dump-dom "file://$page" 2> "$dir/chromium.log") ||
    fail "chromium could not open $file (see $dir/chromium.log)"
  [[ "$dom" =~ id=\"browser-check\"\>([^<]*)\< ]] ||
    fail "the probe did not run in $file (see $dir/chromium.log)"
  console=$(grep -a ':CONSOLE' "$dir/chromium.log" | sed 's/^.*:CONSOLE[^]]*] //' | paste -sd ';' || true)
  printf '%s%s\n' "${BASH_REMATCH[1]% }" "${console:+ console: $console}"
}
