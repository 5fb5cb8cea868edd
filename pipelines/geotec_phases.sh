#!/bin/sh
# geotec_phases.sh RAW DEVICE:SUFFIX... - how long the GeoTec phases last
# (report 5's reason for its window length): every run of rows with one
# label in a recording is a segment, its length the time from its first row
# to the first row after it (to its own last row at a recording's end).
# One CSV row per device and phase: segments and the 10th, 50th and 90th
# percentiles of their lengths in seconds; and per device the mean sample
# rate (rows per second over the recordings' spans).
set -eu
raw=$1
shift
echo device,phase,segments,p10_s,median_s,p90_s
for spec in "$@"; do
    device=${spec%%:*} suffix=${spec#*:}
    for f in "$raw"/s*/s*_"$suffix".csv.gz; do
        echo "# $f"
        zcat "$f"
    done | awk -F, -v d="$device" '
        function close_run(end) { if (lab != "") { n[lab]++; len[lab, n[lab]] = (end - start) / 1000 } }
        /^# / { close_run(last); lab = ""; header = 1; next }
        header { header = 0; if ($8 == "label") next }
        { if ($8 != lab) { close_run($7); lab = $8; start = $7; if (!(lab in seen)) { seen[lab] = 1; order[++k] = lab } }
          last = $7 }
        function pct(l, q,   m, i, j, t, a) { m = n[l]; for (i = 1; i <= m; i++) a[i] = len[l, i]
            for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
            i = int(q * (m - 1) + 1.5); return a[i] }
        END { close_run(last)
              for (i = 1; i <= k; i++) { l = order[i]
                  printf "%s,%s,%d,%.2f,%.2f,%.2f\n", d, l, n[l], pct(l, 0.1), pct(l, 0.5), pct(l, 0.9) } }'
done
