/*  stats.h: the statistics every reported figure uses (replay backtest, live outcome record,
 *  CITADEL's evidence): Wilson score interval for a win rate, Student-t interval for the mean
 *  R, and a streaming accumulator of trade outcomes. Pure: no I/O, no allocation. */
#ifndef BITTEN_STATS_H
#define BITTEN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BITTEN_Z95 1.959963984540054   /* two-sided 95% normal quantile */
#define BITTEN_Z80_POWER 0.841621233572914 /* one-sided 80% (power) normal quantile */

/*  Wilson score interval for k successes in n trials at normal quantile z (1.96 for 95%).
 *  n == 0: [0, 1]. */
void bitten_wilson(uint64_t k, uint64_t n, double z, double *lo, double *hi);

/*  Two-sided 97.5% quantile of Student's t with df degrees of freedom (df >= 1): exact
 *  table values for df 1..30, then the Cornish-Fisher expansion (error < 1e-4). */
double bitten_t975(uint64_t df);

/*  How a followed trade ended. */
typedef enum {
    BITTEN_OUTCOME_WIN,     /* TP reached */
    BITTEN_OUTCOME_LOSS,    /* SL reached (gap: at the first price beyond it) */
    BITTEN_OUTCOME_TIMEOUT, /* closed at the market after the maximum hold */
    BITTEN_OUTCOME_OPEN,    /* still open when the data ended: marked to market */
    BITTEN_OUTCOME_COUNT
} bitten_outcome_kind_t;

const char *bitten_outcome_str(bitten_outcome_kind_t k); /* "WIN", "LOSS", "TIMEOUT", "OPEN" */

/*  Streaming record of outcomes: O(1) memory whatever the number of trades. Closed trades
 *  (WIN, LOSS, TIMEOUT) make the win rate and expectancy; OPEN trades are kept apart with
 *  their mark-to-market R. */
typedef struct {
    uint64_t n[BITTEN_OUTCOME_COUNT];
    double sum_r, sum_r2;  /* closed trades */
    double sum_rr;         /* planned reward:risk of closed trades */
    double open_sum_r;     /* OPEN trades, marked to market */
} bitten_rstats_t;

void bitten_rstats_add(bitten_rstats_t *s, bitten_outcome_kind_t kind, double r, double rr);
/*  a += b */
void bitten_rstats_merge(bitten_rstats_t *a, const bitten_rstats_t *b);

/*  The figures a report prints. Intervals are 95%: Wilson for the win rate, Student t on the
 *  closed trades' R for the expectancy. Fields are NAN when undefined (no closed trade; the
 *  interval and sd need 2). needed_for_edge: closed trades for a true +edge R expectancy to be
 *  told from 0 (two-sided 5%, power 80%): ceil(((1.96 + 0.84) sd / edge)^2) with sd = max(observed sd,
 *  sqrt(avg_rr)), the latter being the sd of a break-even WIN/LOSS record; 0 with < 2 closed. */
typedef struct {
    uint64_t count, closed, wins, losses, timeouts, open;
    double win_rate, win_lo, win_hi;
    double expectancy, exp_lo, exp_hi, sd;
    double avg_rr;
    double breakeven_win_rate; /* 1 / (1 + avg_rr): a WIN/LOSS-only record breaks even here */
    double open_mean_r;        /* mean mark-to-market R of OPEN trades */
    uint64_t needed_for_edge;
} bitten_rsummary_t;

void bitten_rstats_summary(const bitten_rstats_t *s, double edge, bitten_rsummary_t *out);

/*  The closed-trade record that has these report figures (a report's wins, losses, timeouts,
 *  expectancy, sd and avg_rr: bitten_rstats_summary's), so a printed report can seed a
 *  record: its summary gives the same figures back (to the figures' rounding). OPEN trades
 *  are not part of it. 0, or -1 (out untouched) when a figure a closed count needs is not
 *  finite (expectancy and avg_rr with 1 or more, sd >= 0 with 2 or more) or a count is
 *  beyond 2^52. */
int bitten_rstats_from_figures(bitten_rstats_t *out, uint64_t wins, uint64_t losses,
                               uint64_t timeouts, double expectancy, double sd, double avg_rr);

/*  Records by key ("pattern=FVG", "session=LONDON", ...), kept sorted by key so any output is
 *  deterministic. Grows with the distinct keys only. */
#define BITTEN_RKEY_MAX 63
typedef struct {
    char key[BITTEN_RKEY_MAX + 1];
    bitten_rstats_t s;
} bitten_rgroup_t;

typedef struct {
    bitten_rgroup_t *items;
    size_t count, cap;
} bitten_rtable_t;

/*  The group of key, created empty when missing; NULL when memory runs out or key is too long. */
bitten_rstats_t *bitten_rtable_get(bitten_rtable_t *t, const char *key);
void bitten_rtable_free(bitten_rtable_t *t);

#endif
