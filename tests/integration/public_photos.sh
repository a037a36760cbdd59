# Photos with the report form: sent as a browser sends them
# (multipart/form-data), recognised by content, stored outside any served
# folder without their EXIF (the GPS position photo_make writes, marked
# DUBANGPS), in rows tied to the case; staff of the case's scope read them,
# nobody else; refusals keep what was typed and name the photo field.
export DUBAN_INTAKE_PUBLIC_SUBMITS_PER_MINUTE=1000
export DUBAN_INTAKE_PHOTO_MAX_BYTES=400000
source "$(dirname "$0")/../lib/harness.sh"
harness_init public_photos
harness_start
photos_dir=$H_DIR/photos
"$DUBAN_BIN_DIR/photo_make" jpeg "$H_DIR/p.jpg" 640 480
"$DUBAN_BIN_DIR/photo_make" png "$H_DIR/p.png" 120 90
grep -q DUBANGPS "$H_DIR/p.jpg" || fail "the test photo has no GPS marker"

form() { # CURL_ARGS...: posts the report form, prints the status; page in $H_DIR/page
  curl -s -o "$H_DIR/page" -w '%{http_code}' -F kind=complaint -F category=metrology \
    -F subject=电子秤不准 -F "description=农贸市场3号摊位电子秤少称" -F name=张三 -F phone=13800001234 \
    "$@" "$H_INTAKE_URL/report"
}
files() { find "$photos_dir" -type f | wc -l; }

assert_eq 201 "$(form -F "photo=@$H_DIR/p.jpg;type=image/jpeg" -F "photo=@$H_DIR/p.png;type=image/png")" "a report with two photos"
[[ "$(cat "$H_DIR/page")" =~ id=\"case-number\"\ class=\"code\"\>(DB[0-9]{14})\< ]] || fail "no case number: $(cat "$H_DIR/page")"
number=${BASH_REMATCH[1]}
assert_eq "image/jpeg|480|640
image/png|120|90" "$(psql_q "SELECT p.content_type, p.width, p.height FROM case_photos p JOIN cases c ON c.id = p.case_id WHERE c.case_number = '$number' ORDER BY p.id")" \
  "two photo rows, the JPEG turned upright by its EXIF orientation"
assert_eq 2 "$(files)" "two files"
for f in "$photos_dir"/*; do
  [[ "$(basename "$f")" =~ ^[0-9a-f]{32}$ ]] || fail "a file not named by a random id: $f"
  assert_eq 600 "$(stat -c %a "$f")" "files only intake may read"
  if grep -q -a -e DUBANGPS -e Exif -e eXIf -e tEXt "$f"; then fail "metadata kept in $f"; fi
done
assert_eq 700 "$(stat -c %a "$photos_dir")" "a private folder"
while IFS='|' read -r file_id digest; do
  assert_eq "$digest" "$(sha256sum "$photos_dir/$file_id" | cut -d' ' -f1)" "the row's digest is its file's"
done < <(psql_q "SELECT p.file_id, encode(p.sha256, 'hex') FROM case_photos p JOIN cases c ON c.id = p.case_id WHERE c.case_number = '$number'")

# Staff of the case's scope.
dispatched() { [[ "$(psql_q "SELECT state FROM cases WHERE case_number = '$number'")" == dispatched ]]; }
wait_until 20 dispatched
api() { # STAFF PATH: status; body in $H_DIR/api
  curl -s -o "$H_DIR/api" -D "$H_DIR/api.h" -w '%{http_code}' ${1:+-H "$(auth_as "$1")"} "$H_INTAKE_URL$2"
}
assert_eq 200 "$(api h-metrology "/api/v1/cases/$number/photos")" "the lead division lists them"
list=$(cat "$H_DIR/api")
assert_contains "$list" '"content_type":"image/jpeg"' "listed"
[[ "$list" =~ \"url\":\"(/api/v1/cases/$number/photos/[0-9a-f]{32})\" ]] || fail "no url: $list"
url=${BASH_REMATCH[1]}
assert_eq 200 "$(api h-metrology "$url")" "the lead division reads a photo"
assert_contains "$(cat "$H_DIR/api.h")" "Content-Type: image/jpeg" "as a JPEG"
assert_contains "$(cat "$H_DIR/api.h")" "Cache-Control: private, no-store" "kept out of caches"
cmp -s "$H_DIR/api" "$photos_dir/${url##*/}" || fail "the photo served is not the file stored"
assert_eq 200 "$(api op001 "$url")" "the desk reads it"
assert_eq 200 "$(api insp001 "$url")" "the inspection office reads it"
assert_eq 404 "$(api h-fiber "$url")" "another division cannot"
assert_eq 404 "$(api h-fiber "/api/v1/cases/$number/photos")" "nor list them"
assert_eq 401 "$(api "" "$url")" "nor the public"
assert_eq 404 "$(api h-metrology "/api/v1/cases/$number/photos/../../../etc/passwd")" "no path through"
status=$(curl -s -o /dev/null -w '%{http_code}' "$H_INTAKE_URL/status?number=$number&code=x")
assert_eq 404 "$status" "the status page without the right code"

# Refused: what is not a photo, too many, too large; nothing stored, input kept.
cases=$(psql_q "SELECT count(*) FROM cases")
printf 'GIF89a not really a photo' > "$H_DIR/fake.jpg"
assert_eq 400 "$(form -F "photo=@$H_DIR/fake.jpg;type=image/jpeg")" "a fake JPEG"
page=$(cat "$H_DIR/page")
assert_contains "$page" "JPEG 或 PNG" "says what to send"
assert_contains "$page" 'id="photo-error"' "next to the photo field"
assert_contains "$page" 'value="电子秤不准"' "the subject kept"
assert_contains "$page" '农贸市场3号摊位电子秤少称</textarea>' "the description kept"
assert_contains "$page" 'value="13800001234"' "the phone kept"
assert_eq 400 "$(form -F "photo=@$H_DIR/p.jpg" -F "photo=@$H_DIR/p.jpg" -F "photo=@$H_DIR/p.png" -F "photo=@$H_DIR/p.png")" "four photos"
assert_contains "$(cat "$H_DIR/page")" "最多上传 3 张照片" "three at most"
"$DUBAN_BIN_DIR/photo_make" jpeg "$H_DIR/big.jpg" 2400 1800
head -c 300000 /dev/urandom >> "$H_DIR/big.jpg"
assert_eq 400 "$(form -F "photo=@$H_DIR/big.jpg")" "a photo over intake.photo_max_bytes"
assert_contains "$(cat "$H_DIR/page")" "MB" "names the limit"
head -c 1500000 /dev/zero > "$H_DIR/huge.bin"
assert_eq 413 "$(form -F "photo=@$H_DIR/huge.bin" -F "photo=@$H_DIR/huge.bin")" "a body over the form's limit"
assert_eq 400 "$(curl -s -o "$H_DIR/page" -w '%{http_code}' -F kind=complaint -F subject=电子秤 -F description=少称 \
  -F phone=call-me -F "photo=@$H_DIR/p.jpg" "$H_INTAKE_URL/report")" "a field error with a photo"
page=$(cat "$H_DIR/page")
assert_contains "$page" "请重新选择" "the photo must be chosen again"
assert_contains "$page" 'id="phone-error"' "the error next to the phone field"
assert_contains "$page" "联系电话" "named as the form names it"
assert_contains "$page" 'aria-invalid="true"' "marked for assistive technology"
# A flood of tiny parts is refused before it is parsed (GMime would build
# every part first: 3.7 s and 810 MB for 15 MB of them).
python3 -c '
import sys
b = b"".join(b"--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n" % i for i in range(20000))
sys.stdout.buffer.write(b + b"--XyZ--\r\n")' > "$H_DIR/flood.body"
peak() { awk '/^VmHWM:/ { print $2 }' "/proc/$(harness_pid intake)/status"; }
before=$(peak)
assert_eq 400 "$(curl -s -o "$H_DIR/page" -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=XyZ' \
  --data-binary "@$H_DIR/flood.body" "$H_INTAKE_URL/report")" "a form of 20,000 parts (near the test's body limit)"
assert_contains "$(cat "$H_DIR/page")" "表单项目过多" "named as too many parts"
grown=$(( ($(peak) - before) / 1024 ))
echo "intake's peak memory grew by $grown MB for a $(( $(stat -c %s "$H_DIR/flood.body") >> 20 )) MB flood"
(( grown < 30 )) || fail "the flood was parsed before it was refused: intake's peak memory grew by $grown MB"
assert_eq "$cases" "$(psql_q "SELECT count(*) FROM cases")" "no case stored by a refused form"
assert_eq 2 "$(files)" "no file left by a refused form"
assert_contains "$(curl -s "$H_INTAKE_URL/public.js")" "geolocation" "the form's script"

# Without photos the form still posts as before (urlencoded).
assert_eq 201 "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode subject=锅炉 --data-urlencode description=锅炉漏气 --data-urlencode lat=30.1 --data-urlencode long=120.2 "$H_INTAKE_URL/report")" "urlencoded"
assert_eq "30.1|120.2" "$(psql_q "SELECT latitude, longitude FROM cases WHERE subject = '锅炉'")" "the device's place"
# References the database does not check (075).
assert_ne 0 "$(psql_q "SELECT count(case_id) FROM case_photos")" "photos with their case"
assert_references_hold
echo "PASS public_photos"
