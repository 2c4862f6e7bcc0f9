/*  trading.c: the names of the trading vocabulary (bitten/trading.h): one string table per
 *  enum, so logs, events, the store and bittenctl use the same words. */
#include "bitten/trading.h"

#include <string.h>

static const char *const s_tiers[BITTEN_TIER_COUNT_] = {"NIBBLER", "FANG", "COMMANDER"};
static const char *const s_classes[] = {"NONE", "RAPID_ASSAULT", "PRECISION_STRIKE"};
static const char *const s_modes[] = {"manual", "auto"};
#define S_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *s_name(const char *const *names, int count, int value)
{
    return (value >= 0 && value < count) ? names[value] : "?";
}

static int s_index(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *bitten_tier_str(bitten_tier_t tier)
{
    return s_name(s_tiers, S_COUNT(s_tiers), (int)tier);
}

int bitten_tier_from_str(const char *name)
{
    return s_index(s_tiers, S_COUNT(s_tiers), name);
}

const char *bitten_signal_class_str(bitten_signal_class_t cls)
{
    return s_name(s_classes, S_COUNT(s_classes), (int)cls);
}

int bitten_signal_class_from_str(const char *name)
{
    return s_index(s_classes, S_COUNT(s_classes), name);
}

const char *bitten_account_mode_str(bitten_account_mode_t mode)
{
    return mode == BITTEN_MODE_AUTO ? s_modes[1] : s_modes[0];
}

bool bitten_action_valid(bitten_action_t action)
{
    return (int)action >= (int)BITTEN_ACTION_BUY && (int)action <= (int)BITTEN_ACTION_CLOSE_ALL;
}

bitten_action_t bitten_action_parse(const char *name)
{
    static const bitten_action_t actions[] = {BITTEN_ACTION_BUY, BITTEN_ACTION_SELL,
                                              BITTEN_ACTION_CLOSE, BITTEN_ACTION_CLOSE_ALL};
    for (size_t i = 0; name && i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(bitten_action_str(actions[i]), name) == 0)
            return actions[i];
    return BITTEN_ACTION_INVALID;
}

bool bitten_action_opens(bitten_action_t action)
{
    return action == BITTEN_ACTION_BUY || action == BITTEN_ACTION_SELL ||
           !bitten_action_valid(action);
}
