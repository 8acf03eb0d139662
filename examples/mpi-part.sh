#!/bin/sh
# One part of a conversion split over the ranks of an MPI job
# (nc2zarr(1), "Resuming, and converting in parts").  mpirun only
# launches the parts: nc2zarr does not link MPI and the parts do not
# talk to each other, so any MPI that sets the rank in the environment
# works (Open MPI's OMPI_COMM_WORLD_RANK, MPICH's and Intel MPI's
# PMI_RANK, a PMIx launcher's PMIX_RANK with the size given).
#
#   nc2zarr --prepare /nas/era5 -o /scratch/era5.zarr
#   mpirun -n 64 examples/mpi-part.sh /scratch/era5.zarr /nas/era5
#   nc2zarr --finish /nas/era5 -o /scratch/era5.zarr
#
# A rank that failed is run again alone (its part continues what it had
# written): PART=17/64 examples/mpi-part.sh ...  The finish names the
# parts that have not completed.  Every stage must see the same inputs,
# by the same names, and the same options.  JOBS sets the workers of a
# part (default 1: one rank a core).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 STORE INPUT..." >&2; exit 2; }
if [ -n "${PART:-}" ]; then
    part=$PART
else
    rank=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${PMIX_RANK:-}}}
    size=${OMPI_COMM_WORLD_SIZE:-${PMI_SIZE:-${MPI_PARTS:-}}}
    [ -n "$rank" ] && [ -n "$size" ] || {
        echo "$0: not an MPI rank (run it under mpirun -n N)" >&2; exit 2; }
    part=$((rank + 1))/$size
fi
out=$1
shift
exec nc2zarr -q -j "${JOBS:-1}" --part "$part" "$@" -o "$out"
