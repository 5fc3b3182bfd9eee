/* Products split over a worker pool: C's rows (or, for a C of fewer rows than
 * columns and fewer than 16 rows, its columns) in blocks, one single-threaded BLAS
 * call per worker. The split is fixed by the shape and the worker count, so results
 * never depend on timing; they do depend on the worker count, because OpenBLAS picks
 * its kernel by the product's shape (its small-matrix path for a small block) and the
 * kernels round differently: measured, a 32x128x64 product computed as two of 16
 * rows differs from one call in 858 of its 4096 elements (by an ulp or so). */
#include "core/internal.h"
#include "core/parallel.h"
#include "linalg/backend.h"

/* Below this many multiply-adds a product runs on one thread (a split costs a few
 * microseconds of hand-off). */
#define PAR_GEMM_MIN_MACS (1 << 17)

#define R float
#define SFX f32
#include "linalg/par_gemm.inc"
#undef R
#undef SFX

#define R double
#define SFX f64
#include "linalg/par_gemm.inc"
#undef R
#undef SFX
