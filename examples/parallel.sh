#!/bin/sh
# A conversion in N parts run by GNU parallel: on this machine (-j, the
# parts running at once), or on the machines of a --sshloginfile that
# share STORE and the inputs (nc2zarr(1), "Resuming, and converting in
# parts").
#
#   examples/parallel.sh 8 /nas/era5 /scratch/era5.zarr
#   examples/parallel.sh 64 /nas/era5 /scratch/era5.zarr --sshloginfile nodes
#
# A part that fails is reported by parallel and by the finish; run the
# same command again: the parts that completed write nothing, the others
# continue.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 N INPUT STORE [PARALLEL-OPTIONS...]" >&2
                  exit 2; }
n=$1 in=$2 out=$3
shift 3
nc2zarr -q --prepare "$in" -o "$out"
seq "$n" | parallel --halt never -j "${JOBS:-2}" "$@" \
    nc2zarr -q -j 1 --part {}/"$n" "$in" -o "$out"
nc2zarr -q --finish "$in" -o "$out"
