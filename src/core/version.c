/* The library's own version, for checking it against the headers a program used. */
#include "core/internal.h"

const char *pr_version(void) { return PR_VERSION_STRING; }
