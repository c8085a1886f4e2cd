#ifndef VTFUSION_CBLAS_SHIM_H
#define VTFUSION_CBLAS_SHIM_H
#include <cblas.h>
#endif
