#!/bin/sh
# One part of a conversion split over a SLURM job array (nc2zarr(1),
# "Resuming, and converting in parts").  Submit it after the preparation,
# and the finish after it:
#
#   nc2zarr --prepare /nas/era5 -o /scratch/era5.zarr
#   jid=$(sbatch --parsable --array=1-64 examples/slurm-part.sh \
#         /scratch/era5.zarr /nas/era5)
#   sbatch --dependency=afterok:$jid --wrap \
#         "nc2zarr --finish /nas/era5 -o /scratch/era5.zarr"
#
# A part that failed (a node lost, a time limit) is submitted again alone
# (sbatch --array=17 ...): it continues what it had written.  The finish
# names the parts that have not completed.  Every stage must see the same
# inputs, by the same names, and the same options.
#SBATCH --job-name=nc2zarr-part
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=04:00:00
set -eu
[ $# -ge 2 ] || { echo "usage: $0 STORE INPUT..." >&2; exit 2; }
k=${SLURM_ARRAY_TASK_ID:?not in a job array (sbatch --array=1-N)}
n=${SLURM_ARRAY_TASK_COUNT:?not in a job array (sbatch --array=1-N)}
out=$1
shift
exec nc2zarr -q -j "${SLURM_CPUS_PER_TASK:-1}" --part "$k/$n" "$@" -o "$out"
