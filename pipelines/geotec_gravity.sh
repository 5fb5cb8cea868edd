#!/bin/sh
# geotec_gravity.sh HAPT_RAWDATA GEOTEC_RAW - along which axis of the phone
# gravity lies in each dataset's phone recordings (report 5's evidence for
# what does not transfer): per recording, the mean acceleration over all
# its rows, and the axis where that mean is largest in magnitude.  One CSV
# row per dataset: dataset,recordings,x,y,z (recordings per axis).
set -eu
hapt=$1 geotec=$2
echo dataset,recordings,x,y,z
count() {
    awk -v d="$1" '
        /^# / { if (n) tally(); n = 0; sx = sy = sz = 0; next }
        { sx += $1; sy += $2; sz += $3; n++ }
        function tally(   ax, ay, az) { ax = sx < 0 ? -sx : sx; ay = sy < 0 ? -sy : sy; az = sz < 0 ? -sz : sz
            r++; if (ax >= ay && ax >= az) x++; else if (ay >= az) y++; else z++ }
        END { if (n) tally(); printf "%s,%d,%d,%d,%d\n", d, r, x, y, z }'
}
for f in "$hapt"/acc_exp*; do echo "# $f"; zcat -f "$f"; done | count hapt
for f in "$geotec"/s*/s*_sp.csv.gz; do echo "# $f"; zcat "$f" | awk -F, 'NR > 1 { print $1, $2, $3 }'; done | count geotec-phone
