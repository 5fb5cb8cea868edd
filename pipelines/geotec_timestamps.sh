#!/bin/sh
# geotec_timestamps.sh RAW DEVICE:SUFFIX... - how regular the GeoTec
# timestamps are, one CSV row per device (report 5's evidence for what a
# repeated timestamp is): files, rows, rows whose timestamp equals the
# previous row's, how many of those hold other readings than that row (a
# distinct sample, not a duplicated row), and the intervals between
# consecutive timestamps of a file: median, 99th percentile, largest (ms);
# and the mean rate (rows per second over the files' spans).
set -eu
raw=$1
shift
echo device,files,rows,repeated,repeated_distinct,median_interval_ms,p99_interval_ms,max_interval_ms,mean_rate_hz
for spec in "$@"; do
    device=${spec%%:*} suffix=${spec#*:}
    for f in "$raw"/s*/s*_"$suffix".csv.gz; do
        echo "# $f"
        zcat "$f"
    done | awk -F, -v d="$device" '
        /^# / { files++; first = 1; prev_t = ""; next }
        first { first = 0; if ($7 == "timestamp") next }
        { rows++
          if (prev_t != "") { i = $7 - prev_t; hist[i]++; n++; span += i; if (i > mx) mx = i
              if (i == 0) { rep++; if ($1 != p1 || $2 != p2 || $3 != p3 || $4 != p4 || $5 != p5 || $6 != p6) dist++ } }
          prev_t = $7; p1 = $1; p2 = $2; p3 = $3; p4 = $4; p5 = $5; p6 = $6 }
        END {
            # quantiles from the histogram of integer intervals
            for (q = 1; q <= 2; q++) { want = (q == 1 ? 0.5 : 0.99) * n; c = 0
                for (i = 0; i <= mx; i++) { c += hist[i]; if (c >= want) { v[q] = i; break } } }
            printf "%s,%d,%d,%d,%d,%d,%d,%d,%.1f\n", d, files, rows, rep, dist, v[1], v[2], mx, 1000 * n / span }'
done
