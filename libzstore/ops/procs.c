/* procs.c - worker processes for the parts of the library that must use
 * several cores through a library that is not thread-safe (netCDF-C).
 * Children report through a pipe each and a shared memory block. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ops/zsi_convert.h"

zsi_shm *zsi_shm_new(void)
{
    void *p = mmap(NULL, sizeof(zsi_shm), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, sizeof(zsi_shm));
    return p;
}

void zsi_shm_free(zsi_shm *s)
{
    if (s)
        munmap(s, sizeof *s);
}

void zsi_shm_fail(zsi_shm *s, zs_status code, const char *msg)
{
    int zero = 0;
    if (__atomic_compare_exchange_n(&s->failed, &zero, 1, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        s->fail_code = (int)code;
        strncpy(s->msg, msg, sizeof s->msg - 1);
        s->msg[sizeof s->msg - 1] = 0;
    }
}

typedef struct child {
    pid_t pid;
    int fd;        /* read end, -1 when closed */
    bool reaped;
    int status;
} child;

static void kill_all(child *c, int n)
{
    for (int i = 0; i < n; i++)
        if (c[i].pid > 0 && !c[i].reaped)
            kill(c[i].pid, SIGTERM);
}

static void reap_all(child *c, int n)
{
    for (int i = 0; i < n; i++)
        if (c[i].pid > 0 && !c[i].reaped) {
            while (waitpid(c[i].pid, &c[i].status, 0) < 0 && errno == EINTR)
                ;
            c[i].reaped = true;
        }
}

static zs_status spawn(zs_ctx *ctx, child *c, int k, int n, zsi_child_fn fn,
                       void *arg)
{
    int p[2];
    if (pipe(p) != 0)
        return zsi_errno(ctx, errno, "pipe");
    c->pid = fork();
    if (c->pid < 0) {
        close(p[0]);
        close(p[1]);
        return zsi_errno(ctx, errno, "fork");
    }
    if (c->pid == 0) {
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        /* the parent decides when to stop (it catches interrupts and
         * cleans up); die with it if it dies */
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int rc = fn(arg, k, n, p[1]);
        close(p[1]);
        _exit(rc);
    }
    close(p[1]);
    c->fd = p[0];
    return ZS_OK;
}

/* Read what is available from the children's pipes. */
static zs_status drain(zs_ctx *ctx, child *c, int n, zsi_sink_fn sink,
                       void *sink_arg, int timeout_ms, int *open_fds)
{
    struct pollfd pf[ZSI_MAX_PROCS];
    int map[ZSI_MAX_PROCS], m = 0;
    char buf[65536];
    for (int i = 0; i < n && m < ZSI_MAX_PROCS; i++)
        if (c[i].fd >= 0) {
            pf[m].fd = c[i].fd;
            pf[m].events = POLLIN;
            map[m++] = i;
        }
    *open_fds = m;
    if (m == 0) {
        struct timespec ts = {0, (long)timeout_ms * 1000000L};
        nanosleep(&ts, NULL);
        return ZS_OK;
    }
    if (poll(pf, (nfds_t)m, timeout_ms) < 0)
        return errno == EINTR ? ZS_OK : zsi_errno(ctx, errno, "poll");
    for (int j = 0; j < m; j++) {
        ssize_t r;
        if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        r = read(pf[j].fd, buf, sizeof buf);
        if (r > 0 && sink) {
            zs_status st = sink(sink_arg, map[j], buf, (size_t)r);
            if (st != ZS_OK)
                return st;
        } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
            close(pf[j].fd);
            c[map[j]].fd = -1;
        }
    }
    return ZS_OK;
}

/* Reap children that have exited; report the first failure. */
static zs_status reap_some(zs_ctx *ctx, child *c, int n, zsi_shm *shm,
                           int *alive)
{
    zs_status st = ZS_OK;
    *alive = 0;
    for (int i = 0; i < n; i++) {
        if (c[i].reaped)
            continue;
        pid_t r = waitpid(c[i].pid, &c[i].status, WNOHANG);
        if (r == 0) {
            (*alive)++;
            continue;
        }
        c[i].reaped = true;
        if (st != ZS_OK)
            continue;
        if (WIFSIGNALED(c[i].status) && WTERMSIG(c[i].status) != SIGTERM)
            st = zsi_err(ctx, ZS_ERR_CHILD,
                         "worker %d killed by signal %d", i,
                         WTERMSIG(c[i].status));
        else if (WIFEXITED(c[i].status) && WEXITSTATUS(c[i].status) != 0)
            st = shm && shm->failed
                     ? zsi_err(ctx, (zs_status)shm->fail_code, "%s",
                               shm->msg)
                     : zsi_err(ctx, ZS_ERR_CHILD, "worker %d failed", i);
    }
    return st;
}

int zsi_procs_count(zs_ctx *ctx, uint64_t n)
{
    int k = zs_ctx_threads(ctx);
    if (k > ZSI_MAX_PROCS)
        k = ZSI_MAX_PROCS;
    if ((uint64_t)k > n)
        k = n ? (int)n : 1;
    return k < 1 ? 1 : k;
}

zs_status zsi_procs_run(zs_ctx *ctx, int n, zsi_child_fn fn, void *arg,
                        zsi_sink_fn sink, void *sink_arg, zsi_tick_fn tick,
                        void *tick_arg, zsi_shm *shm)
{
    child *c;
    zs_status st = ZS_OK;
    int alive = n, fds = n;
    if (n < 1 || n > ZSI_MAX_PROCS)
        return zsi_err(ctx, ZS_ERR_INVALID, "bad worker count %d", n);
    c = calloc((size_t)n, sizeof *c);
    if (!c)
        return zsi_nomem(ctx);
    for (int i = 0; i < n; i++)
        c[i].fd = -1;
    /* no other thread of ours may hold a lock (the allocator's, the
     * sanitizer's) at fork: stop the pool; it restarts when needed */
    zsi_ctx_stop_pool(ctx);
    for (int i = 0; i < n && st == ZS_OK; i++)
        st = spawn(ctx, &c[i], i, n, fn, arg);
    while (st == ZS_OK && (alive > 0 || fds > 0)) {
        st = drain(ctx, c, n, sink, sink_arg, 100, &fds);
        if (st == ZS_OK)
            st = reap_some(ctx, c, n, shm, &alive);
        if (st == ZS_OK && tick)
            st = tick(tick_arg);
        if (st == ZS_OK && shm && shm->failed && alive == 0)
            st = zsi_err(ctx, (zs_status)shm->fail_code, "%s", shm->msg);
    }
    if (st != ZS_OK) {
        if (shm)
            shm->failed = 1;
        kill_all(c, n);
    }
    reap_all(c, n);
    for (int i = 0; i < n; i++)
        if (c[i].fd >= 0)
            close(c[i].fd);
    free(c);
    return st;
}
