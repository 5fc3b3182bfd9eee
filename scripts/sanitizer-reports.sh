#!/bin/sh
# scripts/sanitizer-reports.sh LOG STATUS: decide the sanitizer run from the test
# log and the test runner's exit status. It fails (and says why) when the log holds
# a sanitizer report about primer: any UBSan "runtime error:", any AddressSanitizer
# error, and any LeakSanitizer leak with a frame outside the test framework. A leak
# whose every frame past the allocator lies in libcriterion (Criterion's runner keeps
# 48 bytes per worker pool of its own when it exits; nothing of primer is on that
# stack) is listed as ignored, not counted.
#
# That runner leak also makes LeakSanitizer end the runner with its exit code (1
# under ASan, 23 for a standalone LSan) in place of Criterion's own 0, so a non-zero
# STATUS counts as a pass only when such an ignored leak is in the log, no report was
# counted, and the log's Synthesis line says no test failed or crashed.
log=$1
status=${2:-0}
awk '
    /runtime error:/ || /ERROR: AddressSanitizer/ { real++; print; next }
    /^(\[----\] +)?(Direct|Indirect) leak of/ { inleak = 1; ours = 0; head = $0; next }
    inleak && /#[0-9]+ / {
        if ($0 ~ /#0 / || $0 ~ /libcriterion/ || $0 ~ /libsanitizer/) next
        ours = 1; next
    }
    inleak {
        if (ours) { real++; print "counted: " head } else { ignored++; print "ignored (Criterion'"'"'s own): " head }
        inleak = 0
    }
    END {
        if (inleak) { if (ours) { real++; print "counted: " head } else { ignored++; print "ignored (Criterion'"'"'s own): " head } }
        exit real > 0 ? 1 : ignored > 0 ? 2 : 0
    }
' "$log"
verdict=$?
[ "$verdict" -eq 1 ] && { echo "sanitize: sanitizer reports above; failing"; exit 1; }
[ "$status" -eq 0 ] && exit 0
if [ "$verdict" -eq 2 ] &&
   grep -Eq 'Synthesis: Tested: [0-9]+ \| Passing: [0-9]+ \| Failing: 0 \| Crashing: 0' "$log"; then
    echo "sanitize: the runner's exit status $status comes from the ignored Criterion leak only; every test passed"
    exit 0
fi
echo "sanitize: the test runner exited with status $status"
exit 1
