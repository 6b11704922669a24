#!/usr/bin/env bash
# ISA-L's own inflate floor: igzip (Debian's isal) inflates every file at once, one process per
# file as tally's readers do, output discarded. Prints the uncompressed byte total the way the
# Floors program does, so run.sh can check it read everything; counting costs one pass of `wc -c`
# per file, which runs on the pipe beside igzip.
set -euo pipefail
sizes=$(mktemp)
trap 'rm -f "$sizes"' EXIT
for file in "$@"; do
  igzip -dc "$file" | wc -c >>"$sizes" &
done
wait
echo "inflate: $(awk '{s += $1} END {print s}' "$sizes") bytes inflated from $# files"
