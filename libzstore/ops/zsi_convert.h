/*
 * zsi_convert.h - private to the conversion (ops/convert_*.c): NetCDF
 * files (or any datasets) to a consolidated Zarr v2 store.
 *
 * Plan: read every input's header once (in parallel worker processes),
 * order the files by time, check that they agree (a fingerprint of lines
 * per file), then define the output variables and cut each into "units":
 * chunk-aligned slabs that a worker reads from the inputs and writes as
 * whole chunks.  Run: worker processes take units from a shared counter;
 * the parent writes the time coordinate and the metadata, .zmetadata last,
 * and renames OUT.partial to OUT.
 */
#ifndef ZSI_CONVERT_H
#define ZSI_CONVERT_H

#include "dataset/zsi_writer.h"
#include "netcdf/zsi_nc.h"
#include "ops/zsi_ops.h"

/* Memory for one unit's slab (a unit is never smaller than one chunk). */
#define ZSI_SLAB_BUDGET ((size_t)32 << 20)
/* Default chunks: aim for this many raw bytes, never above the max. */
#define ZSI_CHUNK_TARGET ((uint64_t)8 << 20)
#define ZSI_CHUNK_MAX ((uint64_t)16 << 20)

/* The most parts a conversion is split into. */
#define ZSI_MAX_PARTS 1000000

struct zs_convert_opts {
    zs_ctx *ctx;
    zsi_strv vars, exclude;
    int unpack;
    int overlap;
    int resume;
    int stage;              /* ZS_CONVERT_* */
    uint64_t part_k, part_n;
    char *output;           /* where a prepared scan is, or NULL */
    int append;
    int manifest;
};

typedef struct zsi_cfile {
    char *path;
    char *err;              /* scan failure */
    uint64_t nrec;          /* records in the file along the record dim */
    double *times;          /* nrec raw time values */
    char *units, *calendar;
    zsi_strv fp;            /* fingerprint lines */
    zsi_usec first;         /* first time on the common axis */
    size_t order;           /* position in the input list */
    bool is_store;          /* the store appended to, read as it is */
} zsi_cfile;

/* A run of records of one file in the output, in output order. */
typedef struct zsi_cseg {
    size_t file;
    uint64_t start, count;
} zsi_cseg;

typedef struct zsi_cvar {
    char *path;             /* "g/name" */
    char *name;
    char *group;            /* group path */
    int ndim;
    char **dims;
    uint64_t shape[ZS_MAX_DIMS];
    uint64_t chunks[ZS_MAX_DIMS];
    int rec;                /* index of the record dim, -1 if none */
    bool stacked;           /* record dim added (scalar-time inputs) */
    zs_dtype in_dtype, out_dtype;
    size_t in_size, out_size;
    bool unpack;
    bool is_time;           /* written by the parent from the times */
    zs_attrs *attrs;        /* output attributes */
    bool has_fill;
    uint8_t fill[16];       /* output fill (numeric types) */
    char *fill_text;        /* output fill for strings */
    zs_array *arr;          /* the writer's */
    uint64_t shard[ZS_MAX_DIMS];   /* shard shape (chunks if unsharded) */
    bool sharded;
    uint64_t unit0, nunits; /* global numbering of this var's units */
    zsi_blocks slabs;       /* the units: boxes of whole shards/chunks */
} zsi_cvar;

typedef struct zsi_cgroup {
    char *path;
    zs_attrs *attrs;
} zsi_cgroup;

struct zs_convert {
    zs_ctx *ctx;
    struct zs_convert_opts o;
    zs_write_opts w;        /* output settings */
    zsi_cfile *files;
    size_t nfiles;
    zsi_cseg *segs;         /* the output's records, in time order */
    size_t nsegs;
    uint64_t nrec;          /* records in the output */
    char *rec_dim;          /* record dimension name, NULL if none */
    char *time_var;         /* time coordinate name, NULL if none */
    bool stack;             /* scalar time in every file: add a dim */
    char *units, *calendar; /* output time units */
    zsi_cgroup *groups;
    size_t ngroups;
    zsi_cvar *vars;
    size_t nvars;
    size_t *unit_order;     /* vars in the order their units are numbered */
    uint64_t nunits;
    uint64_t raw_bytes;
    uint64_t nobjects;
    zsi_buf scan_text;      /* the inputs' headers, for the preparation */
    uint64_t store_nrec;    /* appending: the store's records */
    /* zs_convert_estimate: a sample unit's bytes and seconds (0: none) */
    uint64_t est_bytes;
    double est_secs;
    char *est_var;
};

/* convert_manifest.c: the manifest of the inputs (o.manifest). */
#define ZSI_MANIFEST_KEY ".zmanifest"
/* Write it into out, from the digests the workers left in out and the
 * arrays written (before the metadata). */
zs_status zsi_convert_manifest(zs_convert *c, zs_store *out);
/* v is in the manifest. */
bool zsi_convert_manifest_listed(const zsi_cvar *v);
/* The box start/count of v is whole records of a listed variable: its
 * worker can hash them from the slab (zsi_convert_unit_digests). */
bool zsi_convert_unit_digestible(const zsi_cvar *v, const uint64_t *start,
                                 const uint64_t *count);
/* out = the hash (ZSI_RECORD_HASH bytes: XXH3-128) of each record of
 * the slab of box count. */
#define ZSI_RECORD_HASH 16
zs_status zsi_convert_unit_digests(zs_ctx *ctx, const zsi_cvar *v,
                                   const uint64_t *count, const void *slab,
                                   zsi_buf *out);
struct zsi_src_cache;
/* Inputs held open by a reader (convert_run.c). */
struct zsi_src_cache *zsi_convert_src_cache_new(void);
void zsi_convert_src_cache_free(struct zsi_src_cache *sc);
/* Records r .. r+n-1 of variable v (a box n records long, all of the
 * other dimensions) as written, read from the inputs. */
zs_status zsi_convert_read_record(zs_convert *c, const zsi_cvar *v,
                                  uint64_t r, uint64_t n,
                                  struct zsi_src_cache *sc, void *buf);

/* convert_append.c: appending to a store (o.append, o.output). */
/* The store's records as the first segment, its time units (before the
 * variables are defined). */
zs_status zsi_convert_append_plan(zs_convert *c);
/* Check variables, packing and coordinates against the store's, and
 * take its attributes (nds: the first new input). */
zs_status zsi_convert_append_attrs(zs_convert *c, zs_dataset *nds);
/* Check the arrays w defines against the store's metadata. */
zs_status zsi_convert_append_check(zs_convert *c, zsi_writer *w);
/* Mark done the units that need not be written again. */
struct zsi_cstate;
zs_status zsi_convert_append_skips(zs_convert *c, struct zsi_cstate *s);

/* Where the preparation records the inputs' headers (convert_scan.c). */
#define ZSI_REC_SCAN ZSI_REC_PREFIX "scan"

/* convert_opts.c */
zs_status zsi_convert_opts_copy(zs_ctx *ctx, const zs_convert_opts *src,
                                struct zs_convert_opts *dst);
void zsi_convert_opts_clear(struct zs_convert_opts *o);

/* convert_scan.c: read headers, order files, apply the overlap policy. */
zs_status zsi_convert_scan(zs_convert *c, const char *const *inputs,
                           size_t n);
/* Open an input file again after the scan: its warnings (skipped
 * variables and attributes) were given by the scan, so none are logged. */
zs_status zsi_convert_reopen(zs_ctx *ctx, const char *path,
                             zs_dataset **out);
/* Identify record dimension and time variable of a dataset. */
zs_status zsi_convert_find_time(zs_dataset *ds, char **rec_dim,
                                char **time_var, bool *stack);

/* convert_plan.c: output variables, chunks, units. */
zs_status zsi_convert_schema(zs_convert *c);
/* Box of unit u of variable v (output coordinates). */
void zsi_convert_unit_box(const zsi_cvar *v, uint64_t u, uint64_t *start,
                          uint64_t *count);

struct zsi_src_cache;
/* convert_run.c */
/* The variable owning unit u (units are numbered in c->unit_order). */
zsi_cvar *zsi_convert_unit_var(const zs_convert *c, uint64_t u);
/* Write unit u; with dig (not NULL), dig holds the digests of its
 * records when they can be had from the slab (else dig->len is 0). */
zs_status zsi_convert_write_unit(zs_convert *c, zs_ctx *ctx, uint64_t u,
                                 struct zsi_src_cache *cache, zsi_buf *dig);

/* convert_resume.c: records of completed work in an output a later run
 * can continue (a folder; a zip through its folder; S3 in place: see
 * ZSI_STORE_RESUMABLE), keys at its root starting ZSI_REC_PREFIX (which
 * readers ignore, and the end of the run erases, leaving no folder
 * behind; in S3 after the consolidated metadata): "plan" the
 * digest of the plan (what the output holds is this plan's work),
 * "done.NAME" per worker process the units it wrote (rewritten as it
 * goes, each time after a sync, so that no record outlives its chunks in
 * a crash), "part.K-N" per part complete. */
#define ZSI_REC_PREFIX ".zstore."
/* With a manifest: per unit of whole records, the XXH3-128 of each
 * (16 bytes a record), written before the unit is recorded done. */
#define ZSI_DIGEST_PREFIX ZSI_REC_PREFIX "digest."

typedef struct zsi_cstate {
    zs_store *store;        /* NULL: no records (not resumable) */
    char digest[65];
    uint8_t *done;          /* a bit per unit: recorded done */
    uint64_t ndone;
    uint64_t part_n;        /* N of a part record found, 0 if none */
    /* this process's units written (ranges) and the name of its record,
     * which a thread of its own rewrites while the process works: the
     * sync before each record waits for the disk, not the worker */
    uint64_t *mine;
    size_t nmine, capmine;
    long pid;
    char *name;
    bool dirty;
    pthread_t thread;
    bool thread_on, stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zs_status thread_st;    /* the thread's first failure */
    char thread_msg[ZSI_MSG_MAX];
} zsi_cstate;

/* The digest of what c writes into w (arrays defined): metadata, inputs
 * and their records in output order. */
zs_status zsi_cstate_digest(zs_convert *c, zsi_writer *w, char hex[65]);
/* Read the records of store (for part k of n, only its own unit
 * records; k = 0: all) into s.  *planned: a plan record was found; a
 * different plan is an error naming the store. */
zs_status zsi_cstate_load(zs_convert *c, zs_store *store, zsi_cstate *s,
                          uint64_t k, uint64_t n, bool *planned);
/* Write the plan record (after a sync). */
zs_status zsi_cstate_put_plan(zs_convert *c, zsi_cstate *s);
bool zsi_cstate_is_done(const zsi_cstate *s, uint64_t u);
/* This process wrote unit u: its recorder thread (started with the
 * first unit) rewrites its record every convert.record_ms.  Returns the
 * thread's failure, if any. */
zs_status zsi_cstate_unit(zs_convert *c, zsi_cstate *s, uint64_t u);
/* Stop the thread and write the record of every unit of this process. */
zs_status zsi_cstate_flush(zs_convert *c, zsi_cstate *s);
/* Part k of n is complete. */
zs_status zsi_cstate_put_part(zs_convert *c, zsi_cstate *s, uint64_t k,
                              uint64_t n);
/* Every unit recorded done, or an error naming the parts that are not. */
zs_status zsi_cstate_check(zs_convert *c, const zsi_cstate *s);
void zsi_cstate_clear(zsi_cstate *s);
/* The units [*u0, *u1) of part k of n: contiguous, about equal in
 * bytes. */
void zsi_convert_part_units(const zs_convert *c, uint64_t k, uint64_t n,
                            uint64_t *u0, uint64_t *u1);
/* Raw bytes of unit u. */
uint64_t zsi_convert_unit_bytes(const zs_convert *c, uint64_t u);

/* The most worker processes a conversion forks (and files it scans at
 * once): pipes and poll sets are sized for it. */
#define ZSI_MAX_PROCS 64
/* Workers for n units of work: the context's thread count, at most
 * ZSI_MAX_PROCS and n (at least 1). */
int zsi_procs_count(zs_ctx *ctx, uint64_t n);

/* procs.c: run fn(arg, k, n, fd) in n forked processes (k = 0..n-1), each
 * with a pipe to the parent; the parent passes each child's output to
 * sink.  Shared state for the children goes in zsi_shm. */
typedef struct zsi_shm {
    uint64_t next;          /* next unit to take */
    uint64_t done_bytes;    /* progress */
    uint64_t emitted;       /* units the parent has written (forwarding) */
    int failed;             /* a child failed: stop taking units */
    int fail_code;
    char msg[1024];         /* the first failure's message */
} zsi_shm;

zsi_shm *zsi_shm_new(void);
void zsi_shm_free(zsi_shm *s);
/* Record a failure in the shared block (first one wins). */
void zsi_shm_fail(zsi_shm *s, zs_status code, const char *msg);

typedef int (*zsi_child_fn)(void *arg, int k, int n, int fd);
typedef zs_status (*zsi_sink_fn)(void *arg, int k, const char *data,
                                 size_t len);
/* Fork n children; poll their pipes, feeding sink; call tick (if not
 * NULL) about every 100 ms, stopping everything if it fails.  Returns the
 * first error: a child's non-zero exit (ZS_ERR_CHILD, with shm's message
 * when set), a signal, or sink/tick failures. */
typedef zs_status (*zsi_tick_fn)(void *arg);
zs_status zsi_procs_run(zs_ctx *ctx, int n, zsi_child_fn fn, void *arg,
                        zsi_sink_fn sink, void *sink_arg, zsi_tick_fn tick,
                        void *tick_arg, zsi_shm *shm);

#endif
