/*  citadel.c: the CITADEL module: each venom.signal arrives with its symbol's market context;
 *  it scores and labels the signal, stores and publishes the verdict, keeps the threshold. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitten/signal.h"
#include "core/store.h"
#include "modules/citadel/citadel.h"
#include "modules/citadel/evidence.h"

#define CITADEL_KV_THRESHOLD "citadel.threshold"

struct citadel {
    bitten_core_t *core;
    bitten_log_t *log;
    citadel_params_t params;
    citadel_threshold_t threshold;
    uint64_t evaluated, passed, unavailable; /* unavailable: signals left without a verdict */
    bitten_ms_t last_market_ms; /* market time of the last verdict: the threshold's clock */
    uint64_t blocked[BITTEN_R_COUNT_];
    char last_signal_id[BITTEN_ID_MAX + 1];
    bitten_rstats_t seed[VENOM_PATTERN_COUNT]; /* citadel.evidence_seed_file, read at start */
    bool seeded;
};

json_t *citadel_verdict_json(const venom_signal_t *sig, const citadel_verdict_t *v)
{
    json_t *reasons = json_array();
    for (size_t i = 0; i < v->n_reasons; i++)
        json_array_append_new(reasons, json_string(bitten_reason_str(v->reasons[i])));
    const citadel_breakdown_t *t = &v->terms;
    json_t *terms = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "rr", t->rr,
                              "m5_trend", t->m5_trend, "m15_trend", t->m15_trend, "sweep",
                              t->sweep, "trap", t->trap, "volatility", t->volatility, "session",
                              t->session, "components_score", t->components_score, "spread",
                              t->spread);
    json_t *o = json_pack("{s:s, s:s, s:f, s:s, s:f, s:b, s:o, s:f, s:f, s:s, s:b, s:o}",
                          "signal_id", sig->signal_id, "symbol", sig->symbol, "score", v->score,
                          "label", v->label_str, "multiplier", v->multiplier, "passed",
                          v->passed, "reasons", reasons, "confidence", v->confidence,
                          "threshold", v->threshold, "tier", v->tier_str, "tightened",
                          v->tightened, "terms", terms);
    if (o && v->evidence_checked) {
        const citadel_evidence_t *e = &v->evidence;
        json_object_set_new(o, "evidence",
                            json_pack("{s:s, s:I, s:o, s:o, s:o}", "gate",
                                      bitten_reason_str(e->gate), "closed", (json_int_t)e->closed,
                                      "expectancy_r", venom_json_num4(e->expectancy_r),
                                      "lower_95_r", venom_json_num4(e->lower_r), "upper_95_r",
                                      venom_json_num4(e->upper_r)));
    }
    return o;
}

void citadel_verdict_event(const venom_signal_t *sig, const citadel_verdict_t *v,
                           bitten_verdict_event_t *out)
{
    memset(out, 0, sizeof *out);
    out->signal_id = sig->signal_id;
    out->symbol = sig->symbol;
    out->direction = sig->direction == VENOM_BUY ? BITTEN_ACTION_BUY : BITTEN_ACTION_SELL;
    out->signal_class = venom_class_str(sig->signal_class);
    out->pattern = venom_pattern_str(sig->pattern);
    out->confidence = sig->confidence;
    out->entry = sig->entry;
    out->sl_pips = sig->sl_pips;
    out->tp_pips = sig->tp_pips;
    out->sl_price = sig->sl_price;
    out->tp_price = sig->tp_price;
    out->rr = sig->rr;
    out->created_at = sig->created_at;
    out->expires_at = sig->expires_at;
    out->score = v->score;
    out->multiplier = v->multiplier;
    out->label = v->label_str;
    out->passed = v->passed;
}

static void s_save_threshold(citadel_t *self)
{
    char text[CITADEL_THRESHOLD_TEXT_MAX];
    if (citadel_threshold_serialize(&self->threshold, text, sizeof text) < 0 ||
        bitten_store_kv_set(bitten_core_store(self->core), CITADEL_KV_THRESHOLD, text) != 0)
        BLOG_ERROR(self->log, "citadel", "threshold.save_failed", "key=%s", CITADEL_KV_THRESHOLD);
}

static void s_store_verdict(citadel_t *self, const venom_signal_t *sig, const citadel_verdict_t *v,
                            const json_t *obj)
{
    bitten_verdict_rec_t rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.signal_id, sizeof rec.signal_id, "%s", sig->signal_id);
    rec.score = v->score;
    snprintf(rec.label, sizeof rec.label, "%s", v->label_str);
    rec.multiplier = v->multiplier;
    rec.passed = v->passed;
    char *reasons = json_dumps(json_object_get(obj, "reasons"), JSON_COMPACT);
    rec.reasons_json = reasons;
    rec.at = v->evaluated_at;
    if (bitten_store_verdict_insert(bitten_core_store(self->core), &rec) != 0)
        BLOG_ERROR(self->log, "citadel", "store.failed", "signal_id=%s error=\"%s\"",
                   sig->signal_id, bitten_store_errmsg(bitten_core_store(self->core)));
    free(reasons);
}

static void s_on_signal(void *arg, bitten_event_t event, const void *payload)
{
    citadel_t *self = arg;
    const venom_signal_event_t *ev_in = payload;
    const venom_signal_t *sig = ev_in->signal;
    citadel_verdict_t v;
    //  The pattern's evidence: the seed (a replay report) plus VENOM's live record.
    bitten_rstats_t evidence;
    memset(&evidence, 0, sizeof evidence);
    if (sig->pattern >= 0 && sig->pattern < VENOM_PATTERN_COUNT)
        evidence = self->seed[sig->pattern];
    if (ev_in->record)
        bitten_rstats_merge(&evidence, ev_in->record);
    if (!ev_in->context || citadel_evaluate_gated(&self->params, &self->threshold, sig,
                                                  ev_in->context, &evidence, &v) != 0) {
        //  No context, no verdict, no fire: fail closed, loudly.
        char why[160] = "no usable market context";
        if (ev_in->context)
            citadel_params_check_windows(&self->params, &ev_in->context->windows, why, sizeof why);
        char q[200];
        self->unavailable++;
        BLOG_ERROR(self->log, "citadel", "verdict.unavailable", "signal_id=%s symbol=%s error=%s",
                   sig->signal_id, sig->symbol, bitten_log_quote(why, q, sizeof q));
        return;
    }
    self->evaluated++;
    self->last_market_ms = v.evaluated_at;
    if (v.passed)
        self->passed++;
    for (size_t i = 0; i < v.n_reasons; i++)
        self->blocked[v.reasons[i]]++;
    snprintf(self->last_signal_id, sizeof self->last_signal_id, "%s", sig->signal_id);
    json_t *obj = citadel_verdict_json(sig, &v);
    char reasons[256] = "-";
    size_t o = 0;
    for (size_t i = 0; i < v.n_reasons && o + 40 < sizeof reasons; i++)
        o += (size_t)snprintf(reasons + o, sizeof reasons - o, "%s%s", i ? "," : "",
                              bitten_reason_str(v.reasons[i]));
    BLOG(self->log, BITTEN_LOG_INFO, "citadel",
         v.passed ? "verdict.passed" : "verdict.blocked",
         "signal_id=%s symbol=%s score=%.2f label=%s multiplier=%.2f confidence=%.1f "
         "threshold=%.1f tier=%s reason=%s pattern=%s evidence=%s evidence_closed=%llu "
         "evidence_expectancy_r=%.4f evidence_lower_r=%.4f",
         sig->signal_id, sig->symbol, v.score, v.label_str, v.multiplier, v.confidence,
         v.threshold, v.tier_str, reasons, venom_pattern_str(sig->pattern),
         self->params.evidence_gate ? bitten_reason_str(v.evidence.gate) : "off",
         (unsigned long long)v.evidence.closed, v.evidence.expectancy_r, v.evidence.lower_r);
    s_store_verdict(self, sig, &v, obj);
    s_save_threshold(self);
    bitten_core_emit(self->core, "verdict", obj);
    bitten_verdict_event_t ev;
    citadel_verdict_event(sig, &v, &ev);
    bitten_bus_publish(bitten_core_bus(self->core), BITTEN_EV_VERDICT, &ev);
}

static void s_status(void *arg, json_t *section)
{
    citadel_t *self = arg;
    //  The threshold on the market clock of the last verdict (time comes from ticks).
    bitten_ms_t now = self->last_market_ms;
    json_object_set_new(section, "evaluated", json_integer((json_int_t)self->evaluated));
    json_object_set_new(section, "passed", json_integer((json_int_t)self->passed));
    json_object_set_new(section, "unavailable", json_integer((json_int_t)self->unavailable));
    json_t *blocked = json_object();
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        if (self->blocked[i])
            json_object_set_new(blocked, bitten_reason_str((bitten_reason_t)i),
                                json_integer((json_int_t)self->blocked[i]));
    json_object_set_new(section, "blocked", blocked);
    json_object_set_new(section, "threshold",
                        json_real(citadel_threshold_at(&self->threshold, now, &self->params)));
    json_object_set_new(section, "tier",
                        json_string(citadel_tier_str(
                            citadel_threshold_tier(&self->threshold, now, &self->params))));
    char ts[32];
    if (self->threshold.has_pass)
        json_object_set_new(section, "last_pass_at",
                            json_string(bitten_format_time(self->threshold.last_pass_at, ts,
                                                           sizeof ts)));
    json_object_set_new(section, "last_signal_id", json_string(self->last_signal_id));
}

//  Reads citadel.evidence_seed_file into seed (all empty when the key is empty). 0, or -1
//  with the reason in err: a configured seed that cannot be used stops the start.
static int s_read_seed(const bitten_config_t *cfg, bitten_rstats_t seed[VENOM_PATTERN_COUNT],
                       bool *seeded, char *err, size_t errlen)
{
    memset(seed, 0, sizeof(bitten_rstats_t) * VENOM_PATTERN_COUNT);
    *seeded = false;
    const char *path = bitten_config_str(cfg, "citadel.evidence_seed_file");
    if (!path || !*path)
        return 0;
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t n = 0;
    int rc = -1;
    char why[200] = "cannot open it";
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size < 0 || (unsigned long)size > CITADEL_SEED_MAX_BYTES)
            snprintf(why, sizeof why, "larger than %u bytes or unreadable", CITADEL_SEED_MAX_BYTES);
        else if (fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1)) != NULL) {
            n = fread(text, 1, (size_t)size, f);
            text[n] = '\0';
            if (n != (size_t)size)
                snprintf(why, sizeof why, "short read");
            else if (memchr(text, '\0', n))
                snprintf(why, sizeof why, "holds a NUL byte");
            else
                rc = citadel_evidence_seed_parse(text, seed, why, sizeof why);
        }
    }
    if (f)
        fclose(f);
    free(text);
    if (rc != 0)
        snprintf(err, errlen, "key 'citadel.evidence_seed_file': '%.200s': %s", path, why);
    *seeded = rc == 0;
    return rc;
}

//  One line per pattern: what the seed alone says (the live record adds to it per signal).
static void s_log_seed(citadel_t *self)
{
    for (int p = 0; p < VENOM_PATTERN_COUNT; p++) {
        citadel_evidence_t e;
        citadel_evidence_check(&self->params, &self->seed[p], &e);
        BLOG_INFO(self->log, "citadel", "evidence.seeded",
                  "pattern=%s closed=%llu expectancy_r=%.4f lower_r=%.4f min_trades=%d "
                  "floor_r=%.4f gate=%s",
                  venom_pattern_str((venom_pattern_t)p), (unsigned long long)e.closed,
                  e.expectancy_r, e.lower_r, self->params.evidence_min_trades,
                  self->params.evidence_min_lower_r,
                  self->params.evidence_gate ? bitten_reason_str(e.gate) : "off");
    }
}

int citadel_check_config(const bitten_config_t *cfg, char *err, size_t errlen)
{
    citadel_params_t p;
    bitten_rstats_t seed[VENOM_PATTERN_COUNT];
    bool seeded;
    return citadel_params_from_config(cfg, &p, err, errlen) != 0 ||
                   s_read_seed(cfg, seed, &seeded, err, errlen) != 0
               ? -1
               : 0;
}

int citadel_reload(citadel_t *self, const bitten_config_t *cfg, char *err, size_t errlen)
{
    citadel_params_t p;
    if (citadel_params_from_config(cfg, &p, err, errlen) != 0)
        return -1;
    self->params = p;
    return 0;
}

citadel_t *citadel_new(bitten_core_t *core)
{
    citadel_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->core = core;
    self->log = bitten_core_log(core);
    char err[400];
    if (citadel_params_from_config(bitten_core_config(core), &self->params, err, sizeof err) != 0 ||
        s_read_seed(bitten_core_config(core), self->seed, &self->seeded, err, sizeof err) != 0) {
        char q[420];
        BLOG_ERROR(self->log, "citadel", "start_failed", "error=%s",
                   bitten_log_quote(err, q, sizeof q));
        free(self);
        return NULL;
    }
    citadel_threshold_init(&self->threshold);
    char text[CITADEL_THRESHOLD_TEXT_MAX];
    int found = bitten_store_kv_get(bitten_core_store(core), CITADEL_KV_THRESHOLD, text, sizeof text);
    if (found == 0 && citadel_threshold_deserialize(&self->threshold, text) != 0)
        BLOG_WARN(self->log, "citadel", "threshold.unreadable", "key=%s action=reset",
                  CITADEL_KV_THRESHOLD);
    BLOG_INFO(self->log, "citadel", "ready", "threshold_restored=%s evidence_gate=%s seeded=%s",
              found == 0 ? "yes" : "no", self->params.evidence_gate ? "on" : "off",
              self->seeded ? "yes" : "no");
    s_log_seed(self);
    bitten_bus_subscribe(bitten_core_bus(core), BITTEN_EV_SIGNAL, s_on_signal, self);
    bitten_core_status_register(core, "citadel", s_status, self);
    return self;
}

void citadel_destroy(citadel_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    citadel_t *self = *self_p;
    bitten_bus_unsubscribe_all(bitten_core_bus(self->core), self);
    free(self);
    *self_p = NULL;
}
