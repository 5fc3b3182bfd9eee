/* Status names and the per-thread error message. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

#define PR_ERROR_CAPACITY 1024

static _Thread_local char error_message[PR_ERROR_CAPACITY];
static _Thread_local pr_status error_status = PR_OK;

const char *pr_status_name(pr_status status) {
    switch (status) {
#define PR_X_(name, value, desc) \
    case name:                   \
        return #name;
        PR_STATUS_LIST(PR_X_)
#undef PR_X_
    }
    return "PR_UNKNOWN_STATUS";
}

const char *pr_status_describe(pr_status status) {
    switch (status) {
#define PR_X_(name, value, desc) \
    case name:                   \
        return desc;
        PR_STATUS_LIST(PR_X_)
#undef PR_X_
    }
    return "unknown status";
}

const char *pr_last_error(void) { return error_message; }

pr_status pr_last_status(void) { return error_status; }

void pr_clear_error(void) {
    error_message[0] = '\0';
    error_status = PR_OK;
}

pr_status pr__fail(pr_status status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_message, sizeof error_message, fmt, ap);
    va_end(ap);
    error_status = status;
    return status;
}

pr_status pr__fail_context(const char *fmt, ...) {
    char prefix[PR_ERROR_CAPACITY];
    char old[PR_ERROR_CAPACITY];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, error_message, sizeof old);
    size_t np = strlen(prefix), no = strlen(old);
    if (np > PR_ERROR_CAPACITY - 1) np = PR_ERROR_CAPACITY - 1;
    if (no > PR_ERROR_CAPACITY - 1 - np) no = PR_ERROR_CAPACITY - 1 - np;
    memcpy(error_message, prefix, np);
    memcpy(error_message + np, old, no);
    error_message[np + no] = '\0';
    return error_status;
}
