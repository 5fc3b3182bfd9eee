/* primer — a machine-learning library in C that implements the Machine Learning
 * Primer. Include this header for the whole public API; each layer also has its
 * own header under primer/. */
#ifndef PRIMER_H
#define PRIMER_H

#include "primer/version.h"
#include "primer/core.h"
#include "primer/threads.h"
#include "primer/linalg.h"
#include "primer/autograd.h"
#include "primer/io.h"
#include "primer/plot.h"
#include "primer/nn.h"
#include "primer/optim.h"
#include "primer/data.h"
#include "primer/train.h"
#include "primer/stats.h"
#include "primer/models.h"
#include "primer/reduce.h"

#endif
