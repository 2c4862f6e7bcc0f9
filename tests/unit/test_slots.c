/*  test_slots.c: per-account records by account slot (src/core/slots.c, bitten/slots.h): the
 *  frame path's table of borrowed pointers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bitten/slots.h"

static void test_an_empty_table_answers_null_for_every_slot(void **state)
{
    bitten_slots_t s = {0};
    assert_null(bitten_slots_get(&s, 0));
    assert_null(bitten_slots_get(&s, 12345));
    assert_null(bitten_slots_get(&s, -1));
    bitten_slots_free(&s);
    bitten_slots_free(&s); /* again: nothing to free */
}

static void test_a_put_record_is_found_in_its_slot_only_and_survives_growth(void **state)
{
    bitten_slots_t s = {0};
    int a = 1, b = 2, c = 3;
    assert_int_equal(bitten_slots_put(&s, 3, &a), 0);
    assert_ptr_equal(bitten_slots_get(&s, 3), &a);
    assert_null(bitten_slots_get(&s, 2));
    assert_null(bitten_slots_get(&s, 4));
    //  A slot far beyond grows the table; what was there stays.
    assert_int_equal(bitten_slots_put(&s, 10000, &b), 0);
    assert_ptr_equal(bitten_slots_get(&s, 10000), &b);
    assert_ptr_equal(bitten_slots_get(&s, 3), &a);
    for (int i = 0; i < 10000; i++)
        if (i != 3)
            assert_null(bitten_slots_get(&s, i));
    //  Replaced, not added.
    assert_int_equal(bitten_slots_put(&s, 3, &c), 0);
    assert_ptr_equal(bitten_slots_get(&s, 3), &c);
    //  No slot: refused, nothing changes.
    assert_int_equal(bitten_slots_put(&s, -1, &a), -1);
    assert_ptr_equal(bitten_slots_get(&s, 3), &c);
    bitten_slots_free(&s);
    assert_null(bitten_slots_get(&s, 3));
    assert_null(bitten_slots_get(&s, 10000));
}

//  A record about to be freed leaves every slot that held it: nothing points at freed memory.
static void test_forget_clears_every_slot_of_a_record(void **state)
{
    bitten_slots_t s = {0};
    int a = 1, b = 2;
    assert_int_equal(bitten_slots_put(&s, 0, &a), 0);
    assert_int_equal(bitten_slots_put(&s, 5, &a), 0);
    assert_int_equal(bitten_slots_put(&s, 6, &b), 0);
    bitten_slots_forget(&s, &a);
    assert_null(bitten_slots_get(&s, 0));
    assert_null(bitten_slots_get(&s, 5));
    assert_ptr_equal(bitten_slots_get(&s, 6), &b);
    bitten_slots_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_empty_table_answers_null_for_every_slot),
        cmocka_unit_test(test_a_put_record_is_found_in_its_slot_only_and_survives_growth),
        cmocka_unit_test(test_forget_clears_every_slot_of_a_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
