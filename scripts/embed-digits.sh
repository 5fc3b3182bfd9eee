#!/bin/sh
# Turns data/digits.csv.gz into a C array initialiser (written to stdout), checking
# every row: 65 whole numbers, pixels 0..16, labels 0..9, 1797 rows.
#
#   scripts/embed-digits.sh data/digits.csv.gz > build/gen/digits_data.inc
set -eu
[ $# -eq 1 ] || { echo "usage: embed-digits.sh FILE.csv.gz" >&2; exit 2; }
echo "/* Generated from $1 by scripts/embed-digits.sh; do not edit. */"
echo "static const unsigned char digits_values[] = {"
gzip -dc "$1" | awk -F, '
{
    sub(/\r$/, "")
    if (NF != 65) { printf "embed-digits: line %d has %d fields, expected 65\n", NR, NF > "/dev/stderr"; exit 1 }
    line = ""
    for (i = 1; i <= NF; i++) {
        if ($i !~ /^[0-9]+$/ || $i + 0 > (i == NF ? 9 : 16)) {
            printf "embed-digits: line %d, field %d: \"%s\" is out of range\n", NR, i, $i > "/dev/stderr"
            exit 1
        }
        line = line ($i + 0) ","
    }
    print line
}
END {
    if (NR != 1797) { printf "embed-digits: %d rows, expected 1797\n", NR > "/dev/stderr"; exit 1 }
}'
echo "};"
