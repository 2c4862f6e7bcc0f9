/*  test_hardening.c: issue 14 items over the real daemon: one bittend per state dir, bounded
 *  store waits on a locked database, strict control schemas, the control token, the events
 *  subscription bound and the clock-step shim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

/* ---------------------------------------------------------------- 12: state-dir lock */

static void test_second_daemon_on_the_same_state_dir_refuses_naming_the_holder(void **state)
{
    bt_daemon_t d;
    assert_int_equal(bt_daemon_start(&d, NULL, NULL), 0);
    char cmd[1024], out[2048], want[64];
    snprintf(cmd, sizeof cmd, "%s --config %s 2>&1", BITTEND_PATH, d.cfg_path);
    int rc = bt_run(cmd, out, sizeof out, 10000);
    if (rc != 3)
        fprintf(stderr, "rc=%d output: %s\n", rc, out);
    assert_int_equal(rc, 3);
    snprintf(want, sizeof want, "pid %d holds", (int)d.pid);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "bittend.lock"));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
    //  The first one is untouched and still answers.
    json_t *st = bt_status(&d);
    assert_non_null(st);
    json_decref(st);
    //  kill -9 releases the lock with the process: a new daemon starts on the same dir.
    assert_int_equal(bt_daemon_restart(&d), 0);
    assert_int_equal(bt_daemon_stop(&d, NULL), 0);
    bt_daemon_cleanup(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_daemon_on_the_same_state_dir_refuses_naming_the_holder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
