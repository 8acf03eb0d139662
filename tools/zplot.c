/* zplot - a quick-look PNG (or terminal preview) of a 2-D slice. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

static void usage(void)
{
    puts("Usage: zplot [OPTIONS] STORE --var V [-s DIM=LABEL ...] -o MAP.png\n"
"       zplot [OPTIONS] STORE --hist2d X Y -o HIST.png\n"
"       zplot [OPTIONS] STORE --var V --ascii\n"
"Draw a 2-D slice of a variable as a PNG map: decoded values coloured as\n"
"matplotlib colours them, latitude upward, a title, axes and a colour bar.\n"
"\n"
"Options:\n"
"      --var V              the variable to draw\n"
"  -s, --sel DIM=LABEL      the label nearest LABEL (or DIM=A:B, a box), as\n"
"                           zsel(1) takes it; two dimensions must be left\n"
"  -i, --isel DIM=I         by index, as zsel(1) takes it\n"
"  -o, --output FILE        the PNG to write (- for standard output)\n"
"      --cmap NAME          viridis (default), cividis or RdBu_r (centred\n"
"                           at 0 unless limits are given)\n"
"      --vmin X, --vmax X   colour limits (default: the data's)\n"
"      --robust             limits at the 2nd and 98th percentiles\n"
"      --log                a logarithmic colour scale (values <= 0 are\n"
"                           drawn as missing)\n"
"      --scale K            K x K pixels per cell (default: up to 480\n"
"                           pixels a side)\n"
"      --raw                the map alone: no text, axes or colour bar\n"
"      --mask STORE[:VAR]   land (a value above 0.5) drawn in tan\n"
"      --mask-invalid       values outside valid_range and flag values are\n"
"                           missing; the flag meaning land is land\n"
"      --panel [STORE][:VAR]  a second map to the right (another store,\n"
"                           another variable), with the same colours\n"
"      --hist2d X Y         a 2-D histogram of two variables instead of a\n"
"                           map (counts on a log scale); X or Y may be\n"
"                           STORE:VAR, on the same points\n"
"      --bins N             bins of each axis of --hist2d (default 100)\n"
"      --logx, --logy       bins of --hist2d in log10 of X, of Y (values\n"
"                           <= 0 left out)\n"
"      --ascii              a preview on standard output in ANSI 256\n"
"                           colours (upper half blocks) instead of a PNG\n"
"      --width N            columns of --ascii (default 80)\n"
"  -n, --plan               print the maps and colour limits and stop\n"
"\n"
TOOL_HELP
"\n"
"Missing values are grey (153,153,153), land tan (210,180,140).\n"
"Exit status: 0 on success, 1 on failure, 2 on usage errors.");
}

enum { OPT_VAR = 256, OPT_CMAP, OPT_VMIN, OPT_VMAX, OPT_ROBUST, OPT_LOG,
       OPT_SCALE, OPT_RAW, OPT_MASK, OPT_PANEL, OPT_HIST2D, OPT_BINS,
       OPT_ASCII, OPT_WIDTH, OPT_INVALID, OPT_LOGX, OPT_LOGY };

static const struct option longopts[] = {
    {"var", required_argument, NULL, OPT_VAR},
    {"sel", required_argument, NULL, 's'},
    {"isel", required_argument, NULL, 'i'},
    {"output", required_argument, NULL, 'o'},
    {"cmap", required_argument, NULL, OPT_CMAP},
    {"vmin", required_argument, NULL, OPT_VMIN},
    {"vmax", required_argument, NULL, OPT_VMAX},
    {"robust", no_argument, NULL, OPT_ROBUST},
    {"log", no_argument, NULL, OPT_LOG},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"raw", no_argument, NULL, OPT_RAW},
    {"mask", required_argument, NULL, OPT_MASK},
    {"mask-invalid", no_argument, NULL, OPT_INVALID},
    {"panel", required_argument, NULL, OPT_PANEL},
    {"hist2d", required_argument, NULL, OPT_HIST2D},
    {"bins", required_argument, NULL, OPT_BINS},
    {"logx", no_argument, NULL, OPT_LOGX},
    {"logy", no_argument, NULL, OPT_LOGY},
    {"ascii", no_argument, NULL, OPT_ASCII},
    {"width", required_argument, NULL, OPT_WIDTH},
    {"plan", no_argument, NULL, 'n'},
    TOOL_LONGOPTS,
    {NULL, 0, NULL, 0},
};

static const tool_hint hints[] = {
    {"no variable to draw", "--var"},
    {"which variable", "--mask STORE:VAR"},
    {"draw it smaller", "--scale"},
    {NULL, NULL},
};

/* The settings main() collects before planning. */
typedef struct zplot_args {
    double vmin, vmax;
    char *hx, *hy;
    int bins, width, ascii, plan, logx, logy;
} zplot_args;

static double number_arg(const tool *t, const char *opt, const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d))
        tool_usage_error(t, "invalid value '%s' for %s (a number)", v, opt);
    return d;
}

/* Split "STORE[:VAR]" at its last colon not followed by a "/" (so that
 * s3://b/x and https://h/x stay whole); *var NULL without one.  The
 * text is modified. */
static void split_src(char *text, char **var)
{
    char *c = strrchr(text, ':');
    *var = NULL;
    if (c && !strchr(c + 1, '/')) {
        *c = 0;
        *var = c + 1;
    }
}

/* --mask and --panel. */
static void source_option(tool *t, zs_plot_opts *o, int c, char *arg)
{
    char *var;
    zs_status st;
    split_src(arg, &var);
    st = c == OPT_MASK ? zs_plot_opts_set_mask(o, arg, var)
                       : zs_plot_opts_set_panel(o, arg, var);
    if (st != ZS_OK)
        tool_bad_value(t, c == OPT_MASK ? "--mask" : "--panel");
}

/* --hist2d X Y (or X,Y): Y is the next argument. */
static void hist_option(tool *t, zplot_args *a, char *arg, int argc,
                        char **argv)
{
    char *comma = strchr(arg, ',');
    a->hx = arg;
    if (comma) {
        *comma = 0;
        a->hy = comma + 1;
    } else if (optind < argc && argv[optind][0] != '-') {
        a->hy = argv[optind++];
    } else {
        tool_usage_error(t, "--hist2d takes two variables: --hist2d X Y");
    }
}

static void own_option(tool *t, zs_plot_opts *o, zplot_args *a, int c,
                       int argc, char **argv)
{
    zs_status st = ZS_OK;
    const char *opt = "";
    switch (c) {
    case OPT_VAR: st = zs_plot_opts_set_var(o, optarg); opt = "--var"; break;
    case 's': st = zs_plot_opts_add_sel(o, optarg); opt = "--sel"; break;
    case 'i': st = zs_plot_opts_add_isel(o, optarg); opt = "--isel"; break;
    case 'o': t->out = optarg; break;
    case OPT_CMAP: st = zs_plot_opts_set_cmap(o, optarg); opt = "--cmap";
        break;
    case OPT_VMIN: a->vmin = number_arg(t, "--vmin", optarg); break;
    case OPT_VMAX: a->vmax = number_arg(t, "--vmax", optarg); break;
    case OPT_ROBUST: zs_plot_opts_set_robust(o, 1); break;
    case OPT_LOG: zs_plot_opts_set_log(o, 1); break;
    case OPT_SCALE:
        zs_plot_opts_set_scale(o, tool_int_arg(t, "--scale", optarg, 1, 64));
        break;
    case OPT_RAW: zs_plot_opts_set_raw(o, 1); break;
    case OPT_INVALID: zs_plot_opts_set_mask_invalid(o, 1); break;
    case OPT_MASK: case OPT_PANEL: source_option(t, o, c, optarg); break;
    case OPT_HIST2D: hist_option(t, a, optarg, argc, argv); break;
    case OPT_BINS: a->bins = tool_int_arg(t, "--bins", optarg, 2, 1000);
        break;
    case OPT_LOGX: a->logx = 1; break;
    case OPT_LOGY: a->logy = 1; break;
    case OPT_ASCII: a->ascii = 1; break;
    case OPT_WIDTH: a->width = tool_int_arg(t, "--width", optarg, 1, 10000);
        break;
    case 'n': a->plan = 1; break;
    default:
        if (!tool_option(t, c, optarg))
            tool_bad_option(t);
    }
    if (st != ZS_OK)
        tool_bad_value(t, opt);
}

static void finish_args(tool *t, zs_plot_opts *o, const zplot_args *a)
{
    if (a->ascii + a->plan + (t->out != NULL) != 1)
        tool_usage_error(t, "give exactly one of -o FILE, --ascii, --plan");
    if (t->out && !strcmp(t->out, "-") && isatty(STDOUT_FILENO))
        tool_usage_error(t, "not writing a PNG to a terminal (redirect "
                         "it, or use --ascii for a preview)");
    if ((!isnan(a->vmin) || !isnan(a->vmax)) &&
        zs_plot_opts_set_limits(o, a->vmin, a->vmax) != ZS_OK)
        tool_bad_value(t, "--vmin/--vmax");
    if (a->hx) {
        char *xv, *yv;
        split_src(a->hx, &xv);
        split_src(a->hy, &yv);
        /* "STORE:VAR" or a variable of the plotted store */
        if (zs_plot_opts_set_hist2d(o, xv ? a->hx : NULL, xv ? xv : a->hx,
                                    yv ? a->hy : NULL, yv ? yv : a->hy)
            != ZS_OK)
            tool_bad_value(t, "--hist2d");
    }
    zs_plot_opts_set_hist_log(o, a->logx, a->logy);
    if (zs_plot_opts_set_bins(o, a->bins) != ZS_OK)
        tool_bad_value(t, "--bins");
}

int main(int argc, char **argv)
{
    tool t;
    zs_plot_opts *o;
    zs_dataset *ds = NULL;
    zs_plot *p = NULL;
    zplot_args a = {NAN, NAN, NULL, NULL, 100, 80, 0, 0, 0, 0};
    int c, rc = TOOL_FAIL;
    const char *in;
    zs_status st;
    tool_start(&t, "zplot", argc, argv, false, usage, hints);
    if (zs_plot_opts_new(t.ctx, &o) != ZS_OK)
        return TOOL_FAIL;
    while ((c = getopt_long(argc, argv, "s:i:o:n" TOOL_SHORTOPTS, longopts,
                            NULL)) != -1)
        own_option(&t, o, &a, c, argc, argv);
    in = tool_input(&t, argc, argv);
    finish_args(&t, o, &a);
    tool_ready(&t, false);
    tool_catch_signals();
    st = zs_dataset_open(t.ctx, in, &ds);
    if (st == ZS_OK)
        st = zs_plot_plan(ds, o, &p);
    if (st != ZS_OK) {
        tool_err(&t, in, st);
        goto done;
    }
    if (a.plan)
        st = zs_plot_describe(p, tool_print_line, NULL);
    else if (a.ascii)
        st = zs_plot_ascii(p, a.width, tool_print_line, NULL);
    else
        st = zs_plot_run(p, t.out);
    rc = tool_done(&t, st, ds, in);
done:
    zs_plot_plan_free(p);
    zs_dataset_close(ds);
    zs_plot_opts_free(o);
    tool_finish(&t);
    return rc;
}
