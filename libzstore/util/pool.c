/* pool.c - a fixed pool of worker threads running "parallel for" loops.
 *
 * One loop runs at a time per context (the pool is not reentrant: a task
 * that calls zsi_parallel_for() again runs that inner loop serially). */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "util/ctx_impl.h"

struct zsi_pool {
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    pthread_t *threads;
    int nthreads;
    /* the current loop */
    zsi_task_fn fn;
    void *arg;
    size_t n, next;
    int max_workers;    /* workers allowed to take part (excl. caller) */
    int joined;         /* workers taking part in this loop */
    int active;         /* workers still inside this loop */
    unsigned long gen;  /* loop generation */
    zs_status status;
    bool stop;
    bool busy;
};

int zsi_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Take tasks until none are left or an error occurred. */
static void run_tasks(struct zsi_pool *p)
{
    for (;;) {
        size_t i;
        zs_status st;
        pthread_mutex_lock(&p->lock);
        if (p->status != ZS_OK || p->next >= p->n) {
            pthread_mutex_unlock(&p->lock);
            return;
        }
        i = p->next++;
        pthread_mutex_unlock(&p->lock);
        st = p->fn(p->arg, i);
        if (st != ZS_OK) {
            pthread_mutex_lock(&p->lock);
            if (p->status == ZS_OK)
                p->status = st;
            pthread_mutex_unlock(&p->lock);
        }
    }
}

static void *worker(void *arg)
{
    struct zsi_pool *p = arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && (p->gen == seen || p->joined >= p->max_workers))
        {
            if (p->gen != seen && p->joined >= p->max_workers)
                seen = p->gen;  /* this loop has enough workers */
            pthread_cond_wait(&p->wake, &p->lock);
        }
        if (p->stop)
            break;
        seen = p->gen;
        p->joined++;
        p->active++;
        pthread_mutex_unlock(&p->lock);
        run_tasks(p);
        pthread_mutex_lock(&p->lock);
        if (--p->active == 0)
            pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void zsi_pool_free(struct zsi_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p);
}

static struct zsi_pool *pool_new(int nworkers)
{
    struct zsi_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->threads = calloc((size_t)(nworkers > 0 ? nworkers : 1),
                        sizeof *p->threads);
    if (!p->threads) {
        zsi_pool_free(p);
        return NULL;
    }
    for (int i = 0; i < nworkers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
            break;
        p->nthreads++;
    }
    return p;
}

/* Run the loop in the calling thread only. */
static zs_status serial(size_t n, zsi_task_fn fn, void *arg)
{
    for (size_t i = 0; i < n; i++) {
        zs_status st = fn(arg, i);
        if (st != ZS_OK)
            return st;
    }
    return ZS_OK;
}

zs_status zsi_parallel_for_n(zs_ctx *ctx, size_t n, int max_workers,
                             zsi_task_fn fn, void *arg)
{
    struct zsi_pool *p;
    zs_status st;
    int want = zs_ctx_threads(ctx) - 1;
    if (max_workers > 0 && max_workers - 1 < want)
        want = max_workers - 1;
    if (n <= 1 || want <= 0)
        return serial(n, fn, arg);
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->pool)
        ctx->pool = pool_new(zs_ctx_threads(ctx) - 1);
    p = ctx->pool;
    pthread_mutex_unlock(&ctx->lock);
    if (!p)
        return serial(n, fn, arg);
    pthread_mutex_lock(&p->lock);
    if (p->busy) {  /* nested loop: run it here */
        pthread_mutex_unlock(&p->lock);
        return serial(n, fn, arg);
    }
    p->busy = true;
    p->fn = fn;
    p->arg = arg;
    p->n = n;
    p->next = 0;
    p->status = ZS_OK;
    p->joined = 0;
    p->max_workers = want < p->nthreads ? want : p->nthreads;
    p->gen++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_tasks(p);

    pthread_mutex_lock(&p->lock);
    /* No worker may join after this point: it would see next >= n. */
    p->max_workers = 0;
    while (p->active > 0)
        pthread_cond_wait(&p->done, &p->lock);
    st = p->status;
    p->busy = false;
    pthread_mutex_unlock(&p->lock);
    return st;
}

zs_status zsi_parallel_for(zs_ctx *ctx, size_t n, zsi_task_fn fn, void *arg)
{
    return zsi_parallel_for_n(ctx, n, 0, fn, arg);
}

void zsi_ctx_stop_pool(zs_ctx *ctx)
{
    struct zsi_pool *pool;
    pthread_mutex_lock(&ctx->lock);
    pool = ctx->pool;
    ctx->pool = NULL;
    pthread_mutex_unlock(&ctx->lock);
    if (pool)
        zsi_pool_free(pool);
}

void zsi_ctx_forked_child(zs_ctx *ctx)
{
    ctx->pool = NULL;
    ctx->threads = 1;
}
