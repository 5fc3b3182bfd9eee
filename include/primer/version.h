/* primer — version of the library and tool. The Makefile reads these lines. */
#ifndef PRIMER_VERSION_H
#define PRIMER_VERSION_H

#define PR_VERSION_MAJOR 0
#define PR_VERSION_MINOR 1
#define PR_VERSION_PATCH 0
#define PR_VERSION_STRING "0.1.0"

#endif
