#!/usr/bin/env bash
# mawk peer: total match_count per ngram over Google Books Ngram v2 files, the one-liner a shell
# user would write.
#
#   mawk_count.sh [--word WORD] FILE... > totals.tsv
#
# Prints `ngram TAB total` for every ngram (unordered), or only `WORD TAB total` with --word.
# Plain files go straight to mawk; if any file ends in .gz, every file is streamed through
# `pigz -dc` (or `gzip -dc` when pigz is missing; .gz inflate is single-threaded in both, pigz
# only moves reading, writing and the CRC to other threads) into one mawk.
#
# mawk keeps numbers as doubles, so sums are exact only up to 2^53 (about 9e15): far above any
# Ngram total, but not a 64-bit guarantee. Its printf %d stops at 2^31-1, hence %.0f.
set -euo pipefail

word=""
if [[ "${1:-}" == "--word" ]]; then
  word="${2:?--word needs a value}"
  shift 2
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--word WORD] FILE..." >&2
  exit 2
fi

# shellcheck disable=SC2016  # awk's $1, not the shell's
program='{ a[$1] += $3 }
END {
  if (word != "") printf "%s\t%.0f\n", word, a[word]
  else for (k in a) printf "%s\t%.0f\n", k, a[k]
}'

compressed=false
for file in "$@"; do
  [[ "$file" == *.gz ]] && compressed=true
done

if ! $compressed; then
  exec mawk -F'\t' -v word="$word" "$program" "$@"
fi

if command -v pigz >/dev/null 2>&1; then inflate=(pigz -dc); else inflate=(gzip -dc); fi
for file in "$@"; do
  case "$file" in
    *.gz) "${inflate[@]}" -- "$file" ;;
    *) cat -- "$file" ;;
  esac
done | mawk -F'\t' -v word="$word" "$program"
