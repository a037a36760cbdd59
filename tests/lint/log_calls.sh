# Every log call in the C sources writes strict logfmt: a constant event text
# and key=value fields that common/log.c quotes, no key naming personal data
# (see log_calls.py). Reads the sources only.
set -eu
src=${DUBAN_SOURCE_DIR:?run through ctest (tools/test)}
exec python3 "$src/tests/lint/log_calls.py" "$src"
