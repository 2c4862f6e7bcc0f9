/*  core_systemd.c: life under systemd Type=notify: READY/STOPPING, the one-line STATUS,
 *  watchdog pings from the loop, and the debug.wedge hook that proves a wedged loop stops them. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/core_internal.h"

static uint64_t s_frames_in_total(const bitten_core_t *core)
{
    uint64_t n = 0;
    for (int i = 0; i < BITTEN_FRAME_COUNT_; i++)
        n += core->stats.frames_in[i];
    return n;
}

//  One line for `systemctl status`: what an operator wants to see at a glance.
static void s_status_line(bitten_core_t *core, char *buf, size_t size)
{
    const bitten_ea_query_t *ea = &core->ea_query;
    const bitten_risk_query_t *risk = &core->risk_query;
    uint64_t rejects = 0;
    for (int i = 0; i < BITTEN_R_COUNT_; i++)
        rejects += core->stats.rejects[i];
    snprintf(buf, size,
             "EAs online %d, command peers %d, fires sent %llu, halts %d, frames in %llu, "
             "rejects %llu%s",
             ea->online_count ? ea->online_count(ea->self) : 0, core->command_peers.count,
             (unsigned long long)core->stats.frames_out[BITTEN_FRAME_SIGNAL],
             risk->halt_count ? risk->halt_count(risk->self) : 0,
             (unsigned long long)s_frames_in_total(core), (unsigned long long)rejects,
             core->strict_path[0] ? ", STRICT VIOLATION" : "");
}

static void s_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    bitten_core_t *core = w->data;
    char line[256];
    s_status_line(core, line, sizeof line);
    sd_notifyf(0, "STATUS=%s", line);
}

//  Runs only when the loop turns: a wedged loop stops the pings and systemd restarts us.
static void s_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    sd_notify(0, "WATCHDOG=1");
}

//  Test hook (debug.test_hooks = true only): blocks the loop to prove the watchdog stops.
static const bitten_control_arg_t s_wedge_args[] = {{"ms", BITTEN_ARG_INT, true}, {NULL, 0, false}};

static bitten_reason_t s_control_wedge(void *self, const json_t *request, json_t *reply)
{
    json_t *ms = json_object_get(request, "ms");
    int wait_ms = json_is_integer(ms) ? (int)json_integer_value(ms) : 1000;
    if (wait_ms < 0 || wait_ms > 60000)
        return BITTEN_R_BAD_REQUEST;
    struct timespec ts = {wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    json_object_set_new(reply, "wedged_ms", json_integer(wait_ms));
    return BITTEN_R_OK;
}

void core_systemd_start(bitten_core_t *core)
{
    if (core->set.test_hooks)
        bitten_core_control_register(core, "debug.wedge", BITTEN_CONTROL_ACT, s_wedge_args,
                                     s_control_wedge, core);
    core->systemd = getenv("NOTIFY_SOCKET") != NULL;
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0)
        core_timer_start(core, &core->watchdog_timer, s_watchdog_cb, (double)watchdog_usec / 2e6);
    if (core->systemd)
        core_timer_start(core, &core->status_timer, s_status_cb,
                         (double)core->set.status_interval_s);
}

void core_systemd_ready(bitten_core_t *core)
{
    char line[256];
    s_status_line(core, line, sizeof line);
    sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=%s", (int)getpid(), line);
}

void core_systemd_stopping(bitten_core_t *core)
{
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void core_systemd_stop(bitten_core_t *core)
{
    if (!core->loop)
        return;
    ev_timer_stop(core->loop, &core->watchdog_timer);
    ev_timer_stop(core->loop, &core->status_timer);
}
