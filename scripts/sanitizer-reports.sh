#!/bin/sh
# scripts/sanitizer-reports.sh LOG: exit 1 (and say so) when the test log holds a
# sanitizer report about primer: any UBSan "runtime error:", any AddressSanitizer
# error, and any LeakSanitizer leak with a frame outside the test framework. A leak
# whose every frame past the allocator lies in libcriterion (Criterion's runner keeps
# 48 bytes of its own when its workers exit; nothing of primer is on that stack) is
# listed as ignored, not counted.
log=$1
awk '
    /runtime error:/ || /ERROR: AddressSanitizer/ { real++; print; next }
    /^(\[----\] +)?(Direct|Indirect) leak of/ { inleak = 1; ours = 0; head = $0; next }
    inleak && /#[0-9]+ / {
        if ($0 ~ /#0 / || $0 ~ /libcriterion/ || $0 ~ /libsanitizer/) next
        ours = 1; next
    }
    inleak {
        if (ours) { real++; print "counted: " head } else print "ignored (Criterion'"'"'s own): " head
        inleak = 0
    }
    END {
        if (inleak) { if (ours) { real++; print "counted: " head } else print "ignored (Criterion'"'"'s own): " head }
        exit real > 0
    }
' "$log"
