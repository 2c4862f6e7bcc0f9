/*  timefmt.c: wire timestamps (ISO-8601, MT5 server time, epoch seconds) <-> ms since epoch,
 *  and the id/symbol charsets. Own calendar arithmetic: no timegm, no TZ, no locale. */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bitten/proto.h"
#include "proto_internal.h"

#define S_MS_PER_S 1000LL
#define S_MS_PER_DAY 86400000LL
#define S_S_PER_MIN 60
#define S_S_PER_HOUR 3600

/*  A broken-down time as read from the text, before validation. */
typedef struct {
    int year, month, day, hour, min, sec, ms;
} s_civil_t;

/* ---------------------------------------------------------------- calendar */

/*  Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long s_days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/*  The inverse: date of a day count since 1970-01-01. */
static void s_civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static bool s_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int s_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && s_is_leap(y) ? 29 : days[m - 1];
}

/*  Strict: "2025-02-30" or "24:00:00" are refused rather than normalised into another time. */
static bool s_civil_valid(const s_civil_t *t)
{
    return t->month >= 1 && t->month <= 12 && t->day >= 1 &&
           t->day <= s_days_in_month(t->year, t->month) && t->hour <= 23 && t->min <= 59 &&
           t->sec <= 59;
}

bool proto_time_in_window(bitten_ms_t ms)
{
    return ms >= PROTO_TIME_MIN_MS && ms < PROTO_TIME_MAX_MS;
}

/*  Validated time minus offset_s, or -1 when invalid or outside the window. */
static bitten_ms_t s_civil_to_ms(const s_civil_t *t, long long offset_s)
{
    if (!s_civil_valid(t))
        return -1;
    long long days = s_days_from_civil(t->year, (unsigned)t->month, (unsigned)t->day);
    long long secs = days * 86400 + t->hour * S_S_PER_HOUR + t->min * S_S_PER_MIN + t->sec;
    bitten_ms_t ms = (secs - offset_s) * S_MS_PER_S + t->ms;
    return proto_time_in_window(ms) ? ms : -1;
}

/* ---------------------------------------------------------------- text scanning */

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/*  Exactly n digits (fixed-width fields); NULL when p is NULL or does not start with them. */
static const char *s_digits(const char *p, int n, int *out)
{
    if (p == NULL)
        return NULL;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!s_is_digit(p[i]))
            return NULL;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return p + n;
}

/*  sep followed by exactly n digits. */
static const char *s_sep_digits(const char *p, char sep, int n, int *out)
{
    return p != NULL && *p == sep ? s_digits(p + 1, n, out) : NULL;
}

/*  "YYYY<sep>MM<sep>DD". */
static const char *s_scan_date(const char *p, char sep, s_civil_t *t)
{
    p = s_digits(p, 4, &t->year);
    p = s_sep_digits(p, sep, 2, &t->month);
    return s_sep_digits(p, sep, 2, &t->day);
}

/*  ".d" to ".ddddddddd": milliseconds are kept, finer digits truncated. */
static const char *s_scan_fraction(const char *p, int *ms)
{
    *ms = 0;
    if (*p != '.')
        return p;
    p++;
    int n = 0;
    for (; s_is_digit(p[n]); n++) {
        if (n < 3)
            *ms = *ms * 10 + (p[n] - '0');
    }
    if (n < 1 || n > 9)
        return NULL;
    for (int i = n; i < 3; i++)
        *ms *= 10;
    return p + n;
}

/*  "HH:MM:SS[.fff]". */
static const char *s_scan_clock(const char *p, s_civil_t *t)
{
    p = s_digits(p, 2, &t->hour);
    p = s_sep_digits(p, ':', 2, &t->min);
    p = s_sep_digits(p, ':', 2, &t->sec);
    return p ? s_scan_fraction(p, &t->ms) : NULL;
}

/*  "", "Z" or "+hh:mm"/"-hh:mm" up to the end of the text; the zone's offset from UTC. */
static bool s_scan_zone(const char *p, long long *offset_s)
{
    *offset_s = 0;
    if (*p == '\0')
        return true;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
        return true;
    if (*p != '+' && *p != '-')
        return false;
    int hh = 0, mm = 0;
    const char *q = s_digits(p + 1, 2, &hh);
    q = s_sep_digits(q, ':', 2, &mm);
    if (q == NULL || *q != '\0' || hh > 23 || mm > 59)
        return false;
    *offset_s = (long long)(hh * S_S_PER_HOUR + mm * S_S_PER_MIN) * (*p == '-' ? -1 : 1);
    return true;
}

static bitten_ms_t s_parse_iso(const char *text)
{
    s_civil_t t = {0};
    const char *p = s_scan_date(text, '-', &t);
    if (p == NULL || (*p != 'T' && *p != ' '))
        return -1;
    p = s_scan_clock(p + 1, &t);
    long long offset_s = 0;
    if (p == NULL || !s_scan_zone(p, &offset_s))
        return -1;
    return s_civil_to_ms(&t, offset_s);
}

/*  MT5 TimeToString(TIME_DATE|TIME_SECONDS) in the broker's server time. */
static bitten_ms_t s_parse_mt5(const char *text, int server_utc_offset_s)
{
    s_civil_t t = {0};
    const char *p = s_scan_date(text, '.', &t);
    if (p == NULL || *p != ' ')
        return -1;
    p = s_scan_clock(p + 1, &t);
    if (p == NULL || *p != '\0')
        return -1;
    return s_civil_to_ms(&t, server_utc_offset_s);
}

bitten_ms_t bitten_parse_time_str(const char *text, int server_utc_offset_s)
{
    if (text == NULL || strlen(text) < 5)
        return -1;
    /* The separator after the year tells the two forms apart. */
    if (text[4] == '.')
        return s_parse_mt5(text, server_utc_offset_s);
    return s_parse_iso(text);
}

bitten_ms_t bitten_time_from_epoch(double seconds)
{
    if (!isfinite(seconds) || seconds < (double)PROTO_TIME_MIN_S ||
        seconds >= (double)PROTO_TIME_MAX_S)
        return -1;
    bitten_ms_t ms = (bitten_ms_t)llround(seconds * (double)S_MS_PER_S);
    /* Rounding 4102444799.9996 up would land on the excluded end. */
    return proto_time_in_window(ms) ? ms : -1;
}

char *bitten_format_time(bitten_ms_t ms, char *buf, size_t size)
{
    if (buf == NULL || size < PROTO_TIME_BUF)
        return NULL;
    /* Floor division so that times before 1970 still split into a day and a time of day. */
    long long days = ms / S_MS_PER_DAY;
    long long rem = ms % S_MS_PER_DAY;
    if (rem < 0) {
        rem += S_MS_PER_DAY;
        days--;
    }
    long long y;
    unsigned m, d;
    s_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return NULL;
    int secs = (int)(rem / S_MS_PER_S);
    snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, secs / S_S_PER_HOUR,
             secs / S_S_PER_MIN % 60, secs % 60, (int)(rem % S_MS_PER_S));
    return buf;
}

/* ---------------------------------------------------------------- charsets */

static bool s_is_upper_or_digit(char c)
{
    return (c >= 'A' && c <= 'Z') || s_is_digit(c);
}

static bool s_is_id_char(char c)
{
    return s_is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == ':' ||
           c == '-';
}

bool bitten_valid_id(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n >= BITTEN_ID_MAX || !s_is_id_char(s[n]))
            return false;
    }
    return n >= 1;
}

bool bitten_valid_symbol(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n >= BITTEN_SYMBOL_MAX || !(s_is_upper_or_digit(s[n]) || s[n] == '.' || s[n] == '_'))
            return false;
    }
    return n >= 3;
}

bool bitten_valid_broker_symbol(const char *s)
{
    if (s == NULL)
        return false;
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        bool ok = s_is_upper_or_digit(c) || (c >= 'a' && c <= 'z') || c == '.' || c == '_' ||
                  c == '#' || c == '+' || c == '-';
        if (n >= BITTEN_SYMBOL_MAX || !ok)
            return false;
    }
    return n >= 1;
}
