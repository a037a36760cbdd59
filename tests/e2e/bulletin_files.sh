# The bulletin files as people get them (issue 11): the March 2017
# month-check and the first-quarter bulletin of the ledger in
# tests/fixtures/bulletin_2017q1.json, as Markdown, as an HTML page opened in
# headless Chromium on a desktop (1280 px) and on a phone (390 px), and as
# the PDF dubanctl bulletin pdf prints. Each names the particulars of the
# document the bureau issues (the issuing body, the document number, the
# title, the addressee, the issue date, the copies and the printer); the
# page is never wider than the screen, every table sits in a box of its
# own that scrolls across when the table is wider than the screen. With
# DUBAN_SCREENSHOT_DIR set, the first screen of each page at each width is
# kept there.
export DUBAN_LOG_LEVEL=warn
source "$(dirname "$0")/../lib/harness.sh"
source "$(dirname "$0")/../lib/browser.sh"
harness_init bulletin_files
OUT=$H_DIR/bulletins
out=$(harness_ctl import-history "$DUBAN_SOURCE_DIR/tests/fixtures/bulletin_2017q1.json" 2>&1)
assert_contains "$out" "imported 21, extended 0, already present 0, refused 0" "ledger imported"
for p in "month 2017-03" "quarter 2017-Q1"; do
  out=$(harness_ctl bulletin $p 2>&1)
  assert_contains "$out" "bulletin ${p#* } published" "$p published with its files"
done

# The particulars, as the record names them (deploy/config/bulletin.conf):
# the month-check is the year's third document, the quarter its 13th (after
# the twelve month-checks); both are issued the day they are due on
# schedule, Sat 2017-04-01 (a make-up working day).
particulars() { # LABEL: issuer|number|title|addressee|issue date|copies|printer
  psql_q "SELECT concat_ws('|', d->>'issuer', d->>'number', d->>'title', d->>'addressee', d->>'issue_date_cn',
            (SELECT string_agg(c, '，') FROM json_array_elements_text(d->'copy_to') c), d->>'printer')
          FROM bulletins b, LATERAL (SELECT b.record->'document') x(d) WHERE b.label = '$1'"
}
assert_eq "某省质量技术监督局|质监督查〔2017〕3号|关于2017年3月督办工作月检查情况的通报|局属各处室、单位|2017年4月1日|局领导，驻局纪检组|某省质量技术监督局督查室" \
  "$(particulars 2017-03)" "the month-check's particulars"
assert_eq "某省质量技术监督局|质监督查〔2017〕13号|关于2017年第一季度督办工作情况的通报|局属各处室、单位|2017年4月1日|局领导，驻局纪检组|某省质量技术监督局督查室" \
  "$(particulars 2017-Q1)" "the quarter's particulars"

for label in 2017-03 2017-Q1; do
  IFS='|' read -r issuer number title addressee date copies printer <<< "$(particulars "$label")"

  # --- Markdown: the head, the title as the heading, the addressee, the
  #     numbered sections in order, the signature, 抄送 and 印发; every
  #     table well-formed (each row as many cells as its head) and at most
  #     eight columns; "—" for n/a.
  md=$OUT/$label.md
  text=$(cat "$md")
  assert_eq "**$issuer**" "$(head -1 "$md")" "$label.md: the issuing body first"
  assert_contains "$text" "$number" "$label.md: the document number"
  assert_eq "# $title" "$(grep -m1 '^# ' "$md")" "$label.md: the title is the heading"
  assert_contains "$text" "$addressee：" "$label.md: the addressee"
  assert_eq "一、二、三、四、五、六、七、" "$(grep -o '^## [一二三四五六七]、' "$md" | cut -c4- | head -7 | paste -sd '')" \
    "$label.md: the sections numbered in order"
  assert_contains "$text" "$issuer  
$date" "$label.md: signed with the issue date"
  assert_contains "$text" "抄送：$copies。" "$label.md: the copies"
  assert_contains "$text" "$printer" "$label.md: the printer"
  assert_contains "$text" "$date印发" "$label.md: printed on the issue date"
  assert_not_contains "$text" "n/a" "$label.md: no n/a"
  bad=$(awk -F'|' '/^\|/ { if (!inside) { cols = NF; inside = 1 } else if (NF != cols) print NR ": " NF - 2 " cells, the head has " cols - 2; next }
                   { inside = 0 }' "$md")
  assert_eq "" "$bad" "$label.md: every table row as wide as its head"
  widest=$(grep '^|' "$md" | awk -F'|' '{ print NF - 2 }' | sort -n | tail -1)
  ((widest <= 8)) || fail "$label.md: a table has $widest columns"

  # --- HTML: the particulars where a reader looks for them, then the page in
  #     a browser: no error, nothing wider than the window, every table in its
  #     own box within the window; on a phone the wide tables scroll in it.
  html=$OUT/$label.html
  page=$(cat "$html")
  assert_contains "$page" "<p class=\"issuer\">$issuer</p>" "$label.html: the issuing body"
  assert_contains "$page" "<p class=\"docno\">$number</p>" "$label.html: the document number"
  assert_contains "$page" "<title>$title</title>" "$label.html: the title in the browser's tab"
  assert_contains "$page" "<h1>$title</h1>" "$label.html: the title"
  assert_contains "$page" "<p>$addressee：</p>" "$label.html: the addressee"
  assert_contains "$page" "<p class=\"sign\">$issuer<br/>$date</p>" "$label.html: signed with the issue date"
  assert_contains "$page" "<p class=\"cc\">抄送：$copies。</p>" "$label.html: the copies"
  assert_contains "$page" "<span>$printer</span><span>$date印发</span>" "$label.html: the printer and the day"
  tables=$(grep -o '<table>' "$html" | wc -l)
  ((tables >= 8)) || fail "$label.html has only $tables tables"
  charts=$(grep -o '<svg ' "$html" | wc -l)
  for width in 1280 390; do
    assert_eq "svg=$charts laid_out=$charts svg_ns=$charts overflow=0 errors=0" \
      "$(browser_check "$html" "$width")" "$label.html opens cleanly $width px wide"
  done
  # a desktop shows every table whole; a phone scrolls the wide ones in
  # their boxes, and nothing else reaches past its right edge
  assert_eq "tables=$tables boxed=$tables wide=0 scrolls=0 outside=0" "$(browser_tables "$html" 1280)" \
    "$label.html on a desktop: every table whole"
  phone=$(browser_tables "$html" 390)
  [[ "$phone" =~ ^tables=$tables\ boxed=$tables\ wide=([0-9]+)\ scrolls=([0-9]+)\ outside=0$ ]] ||
    fail "$label.html on a phone: $phone"
  ((BASH_REMATCH[1] > 0)) || fail "$label.html on a phone: no table is wider than the screen ($phone): the check checks nothing"
  assert_eq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$label.html on a phone: every wide table scrolls in its box"

  # --- PDF: printed through the print style sheet, A4, the particulars in
  #     its text (pdftotext; lines joined, as a title may wrap).
  out=$(harness_ctl bulletin pdf "$label" 2>&1)
  assert_contains "$out" "bulletin $label printed to $OUT/$label.pdf" "$label.pdf printed"
  info=$(pdfinfo "$OUT/$label.pdf")
  assert_contains "$info" "Title:           $title" "$label.pdf: its title"
  assert_contains "$info" "(A4)" "$label.pdf: on A4"
  pdf=$(pdftotext -enc UTF-8 "$OUT/$label.pdf" - | tr -d ' \n\f')
  for want in "$issuer" "$number" "$title" "$addressee：" "抄送：$copies。" "$printer" "$date印发" "二、综合得分与排名"; do
    assert_contains "$pdf" "$want" "$label.pdf holds $want"
  done
  assert_not_contains "$pdf" "n/a" "$label.pdf: no n/a"
done
echo "PASS bulletin_files"
