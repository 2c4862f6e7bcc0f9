/*  evidence.h: the seed of CITADEL's evidence gate: a replay report (`bittend --replay FILE
 *  --report json`) or a live record (`bittenctl signals --stats`) read back into one record
 *  of closed outcomes per pattern (docs/citadel.md "Evidence gate"). Pure: text in, records
 *  out; the module reads the file. */
#ifndef BITTEN_CITADEL_EVIDENCE_H
#define BITTEN_CITADEL_EVIDENCE_H

#include <stddef.h>

#include "bitten/signal.h"
#include "bitten/stats.h"

#define CITADEL_SEED_MAX_BYTES (64u * 1024u * 1024u) /* a report is ~20 kB */

/*  Parses text: the whole of it as one JSON document, else its last non-empty line (a
 *  `--outcomes` output ends with the summary). The per-pattern figures are taken from, in
 *  this order, summary.outcomes.before_citadel.pattern (a replay report: every signal, the
 *  same scope as VENOM's live record), stats.pattern (a `signals --stats` reply) or pattern
 *  (its inner object). Each pattern's wins, losses, timeouts, closed, expectancy_r, sd_r and
 *  avg_rr make its record (bitten_rstats_from_figures); a pattern not listed stays empty.
 *  0, or -1 with a one-line reason in err (not JSON, no per-pattern object, an unknown
 *  pattern name, a count that is not a non-negative integer, closed != wins + losses +
 *  timeouts, a figure missing) and seed untouched. */
int citadel_evidence_seed_parse(const char *text, bitten_rstats_t seed[VENOM_PATTERN_COUNT],
                                char *err, size_t errlen);

#endif
